// Keyword side of query-aware ranking: which words of the request appear in a product's title or
// category. It complements the semantic match (a query vector from NLU), supplies the words quoted
// in reasons ("matches 'charger'"), and is the only query signal when no vector is available.

const STOPWORDS = new Set(
  (
    'a an and are as at be but by can could do does for from get give have i im in into is it its me my need of on or our please ' +
    'show some something that the their them these this those to under over below above less more than up upto want wanted with ' +
    'would you your looking find buy cheap cheaper cheapest budget good best nice new any rs inr rupees price priced cost costs around ' +
    'about between suggest recommend recommendation recommendations like also just one ones thing things what which who how much'
  ).split(' '),
);

/** Lower-case word stems: letters/digits runs, light plural stripping; numbers dropped (prices). */
export function tokenize(text: string): string[] {
  const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out: string[] = [];
  for (const w of words) {
    if (/^\d+$/.test(w)) continue;
    out.push(stem(w));
  }
  return out;
}

export function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.length > 4 && /(ches|shes|sses|xes)$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) return w.slice(0, -1);
  return w;
}

/** Content words of a request with the original spelling kept for reasons. */
export function queryTerms(query: string): { stem: string; word: string }[] {
  const words = query.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const seen = new Set<string>();
  const out: { stem: string; word: string }[] = [];
  for (const w of words) {
    if (/^\d+$/.test(w) || STOPWORDS.has(w)) continue;
    const s = stem(w);
    if (seen.has(s) || STOPWORDS.has(s)) continue;
    seen.add(s);
    out.push({ stem: s, word: w });
  }
  return out.slice(0, 16);
}

/**
 * Words of asking, not of things: a request made only of these (and stopwords, numbers) names no
 * product ("recommend something", "any suggestions?", "what should i buy", "kuch accha batao").
 * Words that ask for a kind of list ("popular", "trending", "deals", "gift") are content, not here.
 */
const REQUEST_WORDS = new Set(
  (
    'suggestion suggested suggests recommended recommends reco recos idea option pick choice anything everything stuff item product ' +
    'else other another some someone we us should may might shall will got there here today now pls plz kindly hi hello hey ok okay ' +
    'thank thanks yes so well really maybe cool great awesome lovely interesting buying purchase shop shopping getting see look check ' +
    'browse has do did what whats s t m d ll re ve tell let lets go try worth surprise help wanna gonna interested think' +
    ' kuch koi accha acha achha badhiya batao bataiye bataye dikhao dikhaiye karo kijiye mujhe mere liye kya hai'
  ).split(' '),
);

/**
 * Whether a request names no product content: every word is a stopword, a request word or a number
 * (a price the caller reads as a filter). "" is content-free too. Such a request is answered from
 * the customer's profile and session, never by using its words as a search.
 */
export function isContentFree(query: string): boolean {
  const words = query.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const w of words) {
    if (/^\d+[kK]?$/.test(w) || STOPWORDS.has(w) || REQUEST_WORDS.has(w)) continue;
    const s = stem(w);
    if (STOPWORDS.has(s) || REQUEST_WORDS.has(s)) continue;
    return false;
  }
  return true;
}

/** Inverted index from word stem to the items whose title or category contains it. */
export class LexicalIndex {
  private readonly postings = new Map<string, number[]>();
  private n = 0;

  add(item: number, text: string): void {
    this.n = Math.max(this.n, item + 1);
    for (const t of new Set(tokenize(text))) {
      let list = this.postings.get(t);
      if (!list) this.postings.set(t, (list = []));
      list.push(item);
    }
  }

  /** Takes `item` out of the postings of the words of `text` (what it was added with). */
  remove(item: number, text: string): void {
    for (const t of new Set(tokenize(text))) {
      const list = this.postings.get(t);
      if (!list) continue;
      const k = list.indexOf(item);
      if (k < 0) continue;
      list.splice(k, 1);
      if (list.length === 0) this.postings.delete(t);
    }
  }

  idf(stemmed: string): number {
    const df = this.postings.get(stemmed)?.length ?? 0;
    return Math.log(1 + (this.n + 1) / (df + 1));
  }

  /**
   * Per item, the idf-weighted fraction of the query's words it contains, in `out` (dense, length
   * >= n); returns the items touched and, per item, a bitmask of matched terms (first 16 terms).
   */
  score(terms: readonly { stem: string }[], out: Float32Array, mask: Uint16Array): number[] {
    const touched: number[] = [];
    if (terms.length === 0) return touched;
    const idfs = terms.map((t) => this.idf(t.stem));
    const total = idfs.reduce((a, b) => a + b, 0);
    terms.forEach((t, k) => {
      const list = this.postings.get(t.stem);
      if (!list) return;
      const w = idfs[k]! / total;
      for (const i of list) {
        if (out[i] === 0) touched.push(i);
        out[i]! += w;
        mask[i]! |= 1 << k;
      }
    });
    return touched;
  }
}
