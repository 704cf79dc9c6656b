import type { Encoder } from './encoder-types.js';

// Groups short texts (the messages the bot could not answer) by meaning, so a person sees "12
// customers asked about gift wrapping" instead of 12 lines. Greedy centroid clustering: texts are
// taken most frequent first; each joins the group whose centroid is most similar if that cosine
// similarity reaches the threshold, else starts a group. With the shared sentence encoder the
// similarity is that of the embeddings; without one, the Jaccard overlap of content words.

export interface TextGroup {
  /** The text closest to the group's centre (the most typical wording). */
  label: string;
  /** Messages in the group, repeats included. */
  size: number;
  /** Distinct wordings, most frequent first. */
  examples: { text: string; count: number }[];
  /** Indexes of the input items in the group. */
  members: number[];
}

export interface GroupOptions {
  /** Minimum similarity to join a group: cosine for embeddings (default 0.55), Jaccard for words (default 0.5). */
  threshold?: number;
  /** Distinct wordings listed per group (default 5). */
  maxExamples?: number;
}

export type Embedder = Pick<Encoder, 'embedMany'>;

const STOP = new Set(
  'a an the i me my we our you your it its is are was were be been am do does did can could would should will shall to of in on at for from by with about and or but if so not no this that these those there here what which who how when where why please pls plz hi hello hey any some get have has had want need know tell'.split(' '),
);

/** The words a message is about: lower case, stop words dropped, a plural 's' cut. */
export function contentWords(text: string): Set<string> {
  const words = text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
  return new Set(words.filter((w) => !STOP.has(w) && w.length > 1).map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w)));
}

/** A wording's key: case, spacing and punctuation do not make two messages different. */
const keyOf = (text: string) => text.toLowerCase().normalize('NFKC').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

interface Distinct {
  key: string;
  text: string;
  count: number;
  members: number[];
}

function distinct(texts: readonly string[]): Distinct[] {
  const byKey = new Map<string, Distinct>();
  texts.forEach((t, i) => {
    const key = keyOf(t) || t;
    const d = byKey.get(key);
    if (d) {
      d.count++;
      d.members.push(i);
    } else byKey.set(key, { key, text: t.trim(), count: 1, members: [i] });
  });
  // Most frequent first, then alphabetical: the same input always gives the same groups.
  return [...byKey.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

interface Group<C> {
  items: Distinct[];
  centre: C;
}

function greedy<V, C>(items: Distinct[], vectors: V[], threshold: number, sim: (c: C, v: V) => number, start: (v: V, n: number) => C, add: (c: C, v: V, n: number) => void): Group<C>[] {
  const groups: Group<C>[] = [];
  items.forEach((item, i) => {
    const v = vectors[i]!;
    let best = -1;
    let bestSim = -Infinity;
    groups.forEach((g, gi) => {
      const s = sim(g.centre, v);
      if (s > bestSim) {
        bestSim = s;
        best = gi;
      }
    });
    if (best >= 0 && bestSim >= threshold) {
      groups[best]!.items.push(item);
      add(groups[best]!.centre, v, item.count);
    } else groups.push({ items: [item], centre: start(v, item.count) });
  });
  return groups;
}

function finish<C, V>(groups: Group<C>[], vectors: Map<Distinct, V>, sim: (c: C, v: V) => number, maxExamples: number): TextGroup[] {
  return groups
    .map((g) => {
      const items = [...g.items].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
      let label = items[0]!;
      let bestSim = -Infinity;
      for (const it of items) {
        const s = sim(g.centre, vectors.get(it)!);
        if (s > bestSim + 1e-9) {
          bestSim = s;
          label = it;
        }
      }
      return {
        label: label.text,
        size: items.reduce((n, it) => n + it.count, 0),
        examples: items.slice(0, maxExamples).map((it) => ({ text: it.text, count: it.count })),
        members: items.flatMap((it) => it.members).sort((a, b) => a - b),
      };
    })
    .sort((a, b) => b.size - a.size || a.label.localeCompare(b.label));
}

/** Groups texts by the cosine similarity of their (L2-normalized) embeddings. */
export async function groupByEmbedding(texts: readonly string[], encoder: Embedder, opts: GroupOptions = {}): Promise<TextGroup[]> {
  const items = distinct(texts);
  if (items.length === 0) return [];
  const vectors = await encoder.embedMany(items.map((it) => it.text));
  const dim = vectors[0]!.length;
  // The centre is the count-weighted sum of the members' vectors; its cosine with v is sum·v / |sum|.
  const sim = (c: { sum: Float64Array; norm: number }, v: Float32Array) => {
    let dot = 0;
    for (let k = 0; k < dim; k++) dot += c.sum[k]! * v[k]!;
    return c.norm > 0 ? dot / c.norm : 0;
  };
  const renorm = (c: { sum: Float64Array; norm: number }) => {
    let s = 0;
    for (let k = 0; k < dim; k++) s += c.sum[k]! * c.sum[k]!;
    c.norm = Math.sqrt(s);
  };
  const add = (c: { sum: Float64Array; norm: number }, v: Float32Array, n: number) => {
    for (let k = 0; k < dim; k++) c.sum[k]! += v[k]! * n;
    renorm(c);
  };
  const start = (v: Float32Array, n: number) => {
    const c = { sum: new Float64Array(dim), norm: 0 };
    add(c, v, n);
    return c;
  };
  const groups = greedy(items, vectors, opts.threshold ?? 0.55, sim, start, add);
  return finish(groups, new Map(items.map((it, i) => [it, vectors[i]!])), sim, opts.maxExamples ?? 5);
}

/** Groups texts by the Jaccard overlap of their content words (no model needed). */
export function groupByWords(texts: readonly string[], opts: GroupOptions = {}): TextGroup[] {
  const items = distinct(texts);
  if (items.length === 0) return [];
  const sets = items.map((it) => contentWords(it.text));
  // The centre is the words of the group's first (most frequent) wording.
  const jaccard = (c: { words: Set<string> }, v: Set<string>) => {
    if (c.words.size === 0 && v.size === 0) return 1;
    let inter = 0;
    for (const w of v) if (c.words.has(w)) inter++;
    return inter / (c.words.size + v.size - inter);
  };
  const groups = greedy(items, sets, opts.threshold ?? 0.5, jaccard, (v) => ({ words: v }), () => {});
  return finish(groups, new Map(items.map((it, i) => [it, sets[i]!])), jaccard, opts.maxExamples ?? 5);
}
