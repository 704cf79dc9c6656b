import type { SparseVec } from './classifier.js';

// Hashed lexical features that complement the sentence vector: word unigrams and bigrams plus
// character 3- and 4-grams inside words (robust to typos such as "recieve", "refnd"). Features are
// hashed into a fixed number of buckets and the vector is L2-normalized, so the classifier sees a
// small, bounded input whatever the message length.

export interface LexicalOptions {
  /** Hash buckets (a power of two). */
  buckets: number;
  words: boolean;
  bigrams: boolean;
  chars: boolean;
  /** Character n-gram lengths (inside words, with ^ and $ marking the word edges). */
  charMin: number;
  charMax: number;
  /** Longest input considered, in characters (features of a huge message are capped). */
  maxChars: number;
}

export const DEFAULT_LEXICAL: LexicalOptions = { buckets: 1 << 15, words: true, bigrams: true, chars: true, charMin: 3, charMax: 4, maxChars: 2000 };

function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** Lower-cased word tokens (letters and digits; digits collapsed so order numbers share a feature). */
export function lexicalTokens(text: string, maxChars = DEFAULT_LEXICAL.maxChars): string[] {
  const t = text.slice(0, maxChars).toLowerCase().normalize('NFKC');
  const out: string[] = [];
  for (const m of t.matchAll(/[\p{L}\p{M}]+|\p{N}+/gu)) {
    const w = m[0];
    out.push(/^\p{N}+$/u.test(w) ? (w.length >= 5 ? '<longnum>' : '<num>') : w);
  }
  return out;
}

export function lexicalFeatures(text: string, opts: LexicalOptions = DEFAULT_LEXICAL): SparseVec {
  const mask = opts.buckets - 1;
  const acc = new Map<number, number>();
  const add = (key: string, seed: number): void => {
    const h = hash32(key, seed) & mask;
    acc.set(h, 1);
  };
  const toks = lexicalTokens(text, opts.maxChars);
  for (let i = 0; i < toks.length; i++) {
    const w = toks[i]!;
    if (opts.words) add(w, 1);
    if (opts.bigrams && i + 1 < toks.length) add(w + ' ' + toks[i + 1]!, 2);
    if (opts.chars && w.length >= 2 && w[0] !== '<') {
      const p = `^${w}$`;
      for (let n = opts.charMin; n <= opts.charMax; n++) for (let k = 0; k + n <= p.length; k++) add(p.slice(k, k + n), 2 + n);
    }
  }
  const idx = new Int32Array(acc.size);
  const val = new Float32Array(acc.size);
  const norm = acc.size > 0 ? 1 / Math.sqrt(acc.size) : 0;
  let k = 0;
  for (const key of [...acc.keys()].sort((a, b) => a - b)) {
    idx[k] = key;
    val[k++] = norm;
  }
  return { idx, val };
}
