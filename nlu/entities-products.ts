import { isRecord, readJsonl } from '../core/jsonl.js';

// Product mentions: which catalog products a message talks about ("is the boAt Airdopes 141
// waterproof?", "philips kettle"). A token index over product titles (and optional aliases)
// scores products by how much of the message's catalog vocabulary their title explains, with
// IDF weights so brand and model words count more than "set" or "black". Typos one edit away
// from a catalog word still match ("airdops"). Optionally, title embeddings re-rank candidates.

export interface CatalogProduct {
  id: string;
  title: string;
  category?: string;
  aliases?: readonly string[];
}

export interface ProductMatch {
  productId: string;
  title: string;
  /** In [0, 1]: share of the message's catalog words this title explains (weighted). */
  score: number;
  /** Span of the matched words in the message (-1 when matched by embedding only). */
  start: number;
  end: number;
}

const STOPWORDS = new Set(
  (
    'a an the and or of for to in on at by with from is are was were be been am do does did have has had i me my mine we our you your ' +
    'it its this that these those there here what which who whom how when where why can could would should will shall may might must ' +
    'please pls plz want wanted need needs looking look show find get got buy bought order ordered any some more less much many very ' +
    'about into over under below above up down out off no not yes than then so if but also just only same other another one ones ' +
    'thing things item items product products something anything price cost rs inr rupees available stock deliver delivery ' +
    'hi hello hey thanks thank ok okay tell know like love good best better nice new help kindly sir madam does dont can\'t ' +
    'is it the these them their they he she his her him us its let lets give send see check number size shop cart add ' +
    'cancel purchase email account bill invoice refund return track deal deals upgrade under upto below above between cheap ' +
    'premium expensive budget zero two three four five six seven eight nine ten twelve dozen couple pair hundred thousand ' +
    'lakh lakhs inr today tomorrow week month year time day'
  ).split(/\s+/),
);

/** Words that describe but never identify a product on their own. */
const WEAK_WORDS = new Set(
  'black white red blue green yellow pink purple violet orange grey gray silver gold golden brown beige maroon navy teal cream ivory small medium large big mini extra'.split(' '),
);

interface Token {
  t: string;
  start: number;
  end: number;
}

export function productTokens(text: string): Token[] {
  const out: Token[] = [];
  const s = text.normalize('NFKC').toLowerCase();
  for (const m of s.matchAll(/[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu)) {
    const raw = m[0];
    const start = m.index;
    const parts = raw.split(/[-']/);
    if (parts.length > 1) {
      out.push({ t: stem(parts.join('')), start, end: start + raw.length }); // "t-shirt" -> "tshirt"
      let off = start;
      for (const p of parts) {
        if (p) out.push({ t: stem(p), start: off, end: off + p.length });
        off += p.length + 1;
      }
    } else out.push({ t: stem(raw), start, end: start + raw.length });
  }
  return out;
}

/** Light plural folding: "cables" -> "cable", "boxes" -> "box", "glasses" stays. */
function stem(w: string): string {
  if (w.length > 4 && w.endsWith('es') && /(?:x|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !/\d/.test(w)) return w.slice(0, -1);
  return w;
}

function deletions(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) out.push(w.slice(0, i) + w.slice(i + 1));
  return out;
}

export interface MatchOptions {
  k?: number;
  /** Minimum score to report. */
  minScore?: number;
  /** Message embedding, used to re-rank when title vectors are attached. */
  vector?: Float32Array | null;
  /** Character ranges of the message to ignore (order numbers, prices, sizes found elsewhere). */
  exclude?: readonly (readonly [number, number])[];
}

const TITLE_WORDS_FULL_WEIGHT = 10;

export class ProductMatcher {
  private readonly postings = new Map<string, { doc: number; w: number }[]>();
  private readonly idf = new Map<string, number>();
  private readonly fuzzy = new Map<string, string[]>();
  private readonly titleMass: Float64Array;
  private vectors: Float32Array[] | null = null;

  private constructor(readonly products: readonly CatalogProduct[]) {
    const n = products.length;
    const df = new Map<string, number>();
    const docTokens: Map<string, number>[] = products.map((p) => {
      const weights = new Map<string, number>();
      const toks = productTokens(p.title).filter((t) => !STOPWORDS.has(t.t));
      toks.forEach((t, i) => {
        const w = i < TITLE_WORDS_FULL_WEIGHT ? 1 : 0.5;
        if ((weights.get(t.t) ?? 0) < w) weights.set(t.t, w);
      });
      for (const a of p.aliases ?? []) for (const t of productTokens(a)) if (!STOPWORDS.has(t.t)) weights.set(t.t, 1);
      for (const t of weights.keys()) df.set(t, (df.get(t) ?? 0) + 1);
      return weights;
    });
    for (const [t, d] of df) this.idf.set(t, Math.log(1 + n / d));
    this.titleMass = new Float64Array(n);
    docTokens.forEach((weights, doc) => {
      let mass = 0;
      for (const [t, w] of weights) {
        const list = this.postings.get(t) ?? [];
        list.push({ doc, w });
        this.postings.set(t, list);
        mass += this.idf.get(t)! * w;
      }
      this.titleMass[doc] = mass;
    });
    for (const t of this.idf.keys()) {
      if (t.length < 5 || /\d/.test(t)) continue;
      for (const d of deletions(t)) {
        const list = this.fuzzy.get(d) ?? [];
        if (list.length < 8) list.push(t);
        this.fuzzy.set(d, list);
      }
    }
  }

  static fromProducts(products: readonly CatalogProduct[]): ProductMatcher {
    return new ProductMatcher(products.filter((p) => typeof p.id === 'string' && typeof p.title === 'string' && p.title.trim() !== ''));
  }

  /** Reads products.jsonl ({"id","title",...}); bad lines are skipped and counted. */
  static async fromJsonl(path: string): Promise<{ matcher: ProductMatcher; skipped: number }> {
    const { rows, errors } = await readJsonl<CatalogProduct>(path, (v) => {
      if (!isRecord(v) || typeof v.id !== 'string' || typeof v.title !== 'string') return 'expected {"id": string, "title": string}';
      return { id: v.id, title: v.title, ...(typeof v.category === 'string' ? { category: v.category } : {}) };
    });
    return { matcher: ProductMatcher.fromProducts(rows), skipped: errors.length };
  }

  get size(): number {
    return this.products.length;
  }

  /** Title embeddings (one per product, same order) for re-ranking by the message vector. */
  attachVectors(vectors: readonly Float32Array[]): void {
    if (vectors.length !== this.products.length) throw new Error(`expected ${this.products.length} vectors, got ${vectors.length}`);
    this.vectors = [...vectors];
  }

  /** Resolves a message word to catalog words: itself, or words one typo away. */
  private resolve(t: string): { t: string; w: number }[] {
    if (this.idf.has(t)) return [{ t, w: 1 }];
    if (t.length < 5 || /\d/.test(t)) return [];
    const found = new Set<string>();
    for (const c of this.fuzzy.get(t) ?? []) found.add(c); // a letter missing in the message
    if (t.length >= 6) {
      for (const d of deletions(t)) {
        if (this.idf.has(d) && d.length >= 5) found.add(d); // an extra letter
        for (const c of this.fuzzy.get(d) ?? []) found.add(c); // a wrong or swapped letter
      }
    }
    return [...found].slice(0, 3).map((c) => ({ t: c, w: 0.8 }));
  }

  match(text: string, opts: MatchOptions = {}): ProductMatch[] {
    if (typeof text !== 'string' || this.products.length === 0) return [];
    const k = opts.k ?? 5;
    const minScore = opts.minScore ?? 0.5;
    const exclude = opts.exclude ?? [];
    const toks = productTokens(text.slice(0, 2000)).filter(
      (t) => !STOPWORDS.has(t.t) && t.t.length > 1 && !exclude.some(([a, b]) => t.start < b && t.end > a),
    );
    // The message's catalog words (each counted once) and where they are.
    const terms = new Map<string, { idf: number; w: number; weak: boolean; spans: [number, number][] }>();
    // Words written apart that the catalog writes together ("type c" -> "typec", "power bank").
    const joined: Token[] = [];
    for (let i = 0; i + 1 < toks.length && i < 64; i++) {
      const t = toks[i]!.t + toks[i + 1]!.t;
      if (this.idf.has(t)) joined.push({ t, start: toks[i]!.start, end: toks[i + 1]!.end });
    }
    const rawSingles = productTokens(text.slice(0, 2000));
    for (let i = 0; i + 1 < rawSingles.length && i < 64; i++) {
      const a = rawSingles[i]!;
      const b = rawSingles[i + 1]!;
      if (b.t.length === 1 && this.idf.has(a.t + b.t) && !exclude.some(([x, y]) => a.start < y && b.end > x)) joined.push({ t: a.t + b.t, start: a.start, end: b.end });
    }
    for (const tok of [...toks.slice(0, 64), ...joined]) {
      for (const r of this.resolve(tok.t)) {
        const e = terms.get(r.t);
        if (e) e.spans.push([tok.start, tok.end]);
        else terms.set(r.t, { idf: this.idf.get(r.t)!, w: r.w, weak: WEAK_WORDS.has(r.t) || /^\d+$/.test(r.t), spans: [[tok.start, tok.end]] });
      }
    }
    if (terms.size === 0) return [];
    let queryMass = 0;
    for (const e of terms.values()) queryMass += e.idf * e.w;
    const matched = new Map<number, { mass: number; strong: boolean; spans: [number, number][] }>();
    for (const [t, e] of terms) {
      for (const p of this.postings.get(t) ?? []) {
        const m = matched.get(p.doc) ?? { mass: 0, strong: false, spans: [] };
        m.mass += e.idf * e.w * p.w;
        if (!e.weak) m.strong = true;
        m.spans.push(...e.spans);
        matched.set(p.doc, m);
      }
    }
    const results: ProductMatch[] = [];
    for (const [doc, m] of matched) {
      // A single common word ("set", "black") is not a product mention.
      if (m.mass < 2.5 || !m.strong) continue;
      const coverage = m.mass / queryMass;
      const titleCoverage = m.mass / Math.max(this.titleMass[doc]!, 1e-9);
      let score = 0.85 * coverage + 0.15 * Math.min(1, titleCoverage);
      if (this.vectors && opts.vector) {
        let cos = 0;
        const v = this.vectors[doc]!;
        for (let d = 0; d < v.length; d++) cos += v[d]! * opts.vector[d]!;
        score = 0.7 * score + 0.3 * Math.max(0, cos);
      }
      if (score < minScore) continue;
      const start = Math.min(...m.spans.map((s) => s[0]));
      const end = Math.max(...m.spans.map((s) => s[1]));
      results.push({ productId: this.products[doc]!.id, title: this.products[doc]!.title, score: Math.round(score * 1000) / 1000, start, end });
    }
    results.sort((a, b) => b.score - a.score || (a.productId < b.productId ? -1 : 1));
    return results.slice(0, k);
  }
}
