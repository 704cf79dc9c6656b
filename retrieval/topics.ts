// Which help articles a message is about, from the words customers use for each topic. The store
// owner lists them in an article's front matter (`keywords: refund, money back, paisa wapas`):
// "refnd kab tak aayega" or "cod charges?" are too short and too far from the articles' prose for
// the encoder to place, but the words say it. Matching forgives one typo in a longer word
// ("retrun", "pasword"), plural and verb endings, and takes the longest phrase first, so
// "cash on delivery" is about payments, not delivery. A keyword written with a leading '-' ("-income
// tax return") names no topic: its words are taken so that shorter keywords cannot match them.

export interface TopicKeywords {
  slug: string;
  keywords: readonly string[];
}

export interface TopicHit {
  slug: string;
  /** The keyword as the store wrote it. */
  keyword: string;
  /** Position (word index) of the match in the message. */
  at: number;
}

/** "a, b; c" -> ['a', 'b', 'c'] (lower-case, trimmed, de-duplicated). */
export function parseKeywords(list: string): string[] {
  return [...new Set(list.split(/[,;|]/).map((k) => k.trim().toLowerCase().replace(/\s+/g, ' ')).filter((k) => k !== ''))];
}

const words = (text: string): string[] => text.toLowerCase().replace(/[’']/g, '').match(/[\p{L}\p{N}]+/gu) ?? [];

/** A crude stem: plural and verb endings off, so "returns", "returned" and "returning" meet "return". */
export function stem(word: string): string {
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) return word.slice(0, -suffix.length);
  }
  return word;
}

/** Damerau-Levenshtein distance, stopping early once it exceeds 1. */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  // One substitution, insertion, deletion, or a swap of two neighbours, at the first difference.
  const restA = a.slice(i + 1);
  const restB = b.slice(i + 1);
  if (restA === restB) return true; // substitution
  if (a.slice(i + 1) === b.slice(i)) return true; // a has one extra letter
  if (a.slice(i) === b.slice(i + 1)) return true; // b has one extra letter
  return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** Words that may stand inside a keyword phrase: "send it back" is "send back". */
const INSIDE_A_PHRASE = new Set(['it', 'them', 'this', 'that', 'these', 'those']);

function wordMatches(text: string, keyword: string): boolean {
  if (text === keyword || stem(text) === stem(keyword)) return true;
  // A typo only in longer words, with the first letter right: "retrun", "refnd", "pasword".
  return keyword.length >= 5 && text.length >= 4 && text[0] === keyword[0] && withinOneEdit(stem(text), stem(keyword));
}

export class TopicMatcher {
  private readonly entries: { slug: string; keyword: string; words: string[] }[];

  constructor(topics: readonly TopicKeywords[]) {
    this.entries = topics
      .flatMap((t) => t.keywords.map((keyword) => ({ slug: t.slug, keyword, words: words(keyword) })))
      .filter((e) => e.words.length > 0)
      // Longest phrase first: "cash on delivery" takes its words before "delivery" can.
      .sort((a, b) => b.words.length - a.words.length || b.keyword.length - a.keyword.length);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Every keyword found, without overlaps, in the order of the message. */
  hits(text: string): TopicHit[] {
    const ws = words(text);
    const used = new Array<boolean>(ws.length).fill(false);
    const out: TopicHit[] = [];
    for (const e of this.entries) {
      const n = e.words.length;
      for (let i = 0; i + n <= ws.length; i++) {
        // The positions of the keyword's words; a pronoun may sit inside a phrase ("give it back").
        const at: number[] = [];
        let k = i;
        for (let j = 0; j < n; j++, k++) {
          if (j > 0 && k < ws.length && INSIDE_A_PHRASE.has(ws[k]!) && !used[k]) k++;
          if (k >= ws.length || used[k] || !wordMatches(ws[k]!, e.words[j]!)) break;
          at.push(k);
        }
        if (at.length !== n) continue;
        for (const a of at) used[a] = true;
        // "-income tax return": words that only look like the topic's, taken so they name nothing.
        if (!e.keyword.startsWith('-')) out.push({ slug: e.slug, keyword: e.keyword, at: i });
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /** The articles a message is about, in the order it names them. */
  topics(text: string): string[] {
    return [...new Set(this.hits(text).map((h) => h.slug))];
  }
}
