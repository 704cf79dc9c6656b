// Bulk embedding in length buckets. A forward pass pads every text of a batch to the longest one, so
// a batch taken in arrival order ("Mug" next to a 250-word description) spends most of its compute
// on padding. Here texts are sorted by (estimated) token length, cut into batches of similar lengths
// (short texts in bigger batches, within a budget of padded tokens), run, and the vectors are put
// back in input order. Attention masks keep every vector exactly what the text alone would give
// (fp32), so only the speed changes.

export interface BucketOptions {
  /** Most texts in one forward pass. */
  maxBatch: number;
  /** Most padded tokens (texts x longest length) in one forward pass. */
  maxBatchTokens: number;
  /** Word pieces kept per text (the encoder truncates there): longer texts cost this much. */
  maxTokens: number;
}

export const DEFAULT_BUCKETS: BucketOptions = { maxBatch: 64, maxBatchTokens: 4096, maxTokens: 256 };

const PIECES = /[\p{L}\p{M}]+|\p{N}+|[^\s\p{L}\p{M}\p{N}]/gu;

/**
 * Word pieces a BERT-style WordPiece tokenizer makes of `text`, estimated without the vocabulary:
 * each punctuation mark and digit run is one piece, a word one piece plus one for every 6 letters
 * after its first 6 (rare long words split), CJK characters one each, plus [CLS] and [SEP]. Only the
 * order matters (which texts go together), so a close estimate does; the bench prints its error.
 */
export function estimateTokens(text: string, cap = DEFAULT_BUCKETS.maxTokens): number {
  let n = 2;
  for (const m of text.matchAll(PIECES)) {
    const w = m[0];
    if (/^[\p{L}\p{M}]/u.test(w)) {
      if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(w)) n += w.length;
      else n += 1 + Math.floor(Math.max(0, w.length - 6) / 6);
    } else if (/^\p{N}/u.test(w)) n += Math.ceil(w.length / 4);
    else n += 1;
    if (n >= cap) return cap;
  }
  return Math.min(n, cap);
}

/**
 * Batches of indexes into `lengths`: ascending by length (ties in input order), each batch at most
 * `maxBatch` texts and `maxBatchTokens` padded tokens (one text always fits).
 */
export function planBatches(lengths: readonly number[], opts: Partial<BucketOptions> = {}): number[][] {
  const o = { ...DEFAULT_BUCKETS, ...opts };
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const batches: number[][] = [];
  let cur: number[] = [];
  for (const i of order) {
    const len = Math.min(o.maxTokens, Math.max(1, lengths[i]!));
    // sorted ascending: the newest text is the longest, so the padded size is (count + 1) x len
    if (cur.length > 0 && (cur.length >= o.maxBatch || (cur.length + 1) * len > o.maxBatchTokens)) {
      batches.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

/** Batches in arrival order (the old way): `size` texts each, whatever their lengths. */
export function arrivalBatches(count: number, size: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < count; s += size) out.push(Array.from({ length: Math.min(size, count - s) }, (_, k) => s + k));
  return out;
}

export interface BucketedRunOptions<R> extends Partial<BucketOptions> {
  /** Token length of each text; default estimateTokens. */
  lengths?: readonly number[];
  /** Called after each forward pass with the input indexes it covered and their results. */
  onBatch?: (indexes: readonly number[], results: readonly R[]) => void;
}

/** Runs `forward` over `texts` in length buckets, one pass at a time; results in input order. */
export async function runBucketed<R>(texts: readonly string[], forward: (batch: string[]) => Promise<R[]>, opts: BucketedRunOptions<R> = {}): Promise<R[]> {
  const maxTokens = opts.maxTokens ?? DEFAULT_BUCKETS.maxTokens;
  const lengths = opts.lengths ?? texts.map((t) => estimateTokens(t, maxTokens));
  if (lengths.length !== texts.length) throw new Error(`lengths has ${lengths.length} entries for ${texts.length} texts`);
  const out = new Array<R>(texts.length);
  for (const batch of planBatches(lengths, opts)) {
    const results = await forward(batch.map((i) => texts[i]!));
    if (results.length !== batch.length) throw new Error(`forward returned ${results.length} results for ${batch.length} texts`);
    batch.forEach((i, k) => (out[i] = results[k]!));
    opts.onBatch?.(batch, results);
  }
  return out;
}
