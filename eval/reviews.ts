import { resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { isRecord } from '../core/jsonl.js';
import { progress } from '../core/progress.js';
import { MAX_INPUT_BYTES } from '../nlu/encoder.js';
import { readEvalFile, sentimentOptionsFromFlags } from './sentiment.js';
import { loadSentiment, polarLabel, ratingToLabel } from '../nlu/sentiment.js';

// `npm run --silent eval -- reviews --test R.jsonl [--model DIR] [--dtype q8|fp32] [--strict] [--summarize]`
// Lines: {"product": "...", "text": "...", "rating": 1-5} (other fields are ignored). review_accuracy
// scores reviews rated >= 4 as positive and <= 2 as negative against the text's positive-vs-negative
// sentiment (3-star reviews are not scored); rating_spearman is the Spearman correlation, over
// products, of the mean predicted polarity (p(positive) - p(negative)) with the mean rating.
// --summarize also builds each product's review summary and reports the time on stderr.

export interface EvalReview {
  product: string;
  text: string;
  rating: number;
  title?: string;
  date?: string;
  id?: string;
}

export function parseEvalReview(v: unknown): EvalReview | string {
  if (!isRecord(v)) return 'expected a JSON object {"product", "text", "rating"}';
  if (typeof v.product !== 'string' || v.product.trim() === '') return '"product" must be a non-empty string';
  if (typeof v.text !== 'string' || v.text.trim() === '') return '"text" must be a non-empty string';
  if (Buffer.byteLength(v.text, 'utf8') > MAX_INPUT_BYTES) return `"text" is larger than ${MAX_INPUT_BYTES / 1024} KB`;
  if (typeof v.rating !== 'number' || !Number.isFinite(v.rating) || v.rating < 1 || v.rating > 5) return '"rating" must be a number from 1 to 5';
  const r: EvalReview = { product: v.product, text: v.text, rating: v.rating };
  if (typeof v.title === 'string') r.title = v.title;
  if (typeof v.date === 'string') r.date = v.date;
  if (typeof v.id === 'string' && v.id) r.id = v.id;
  return r;
}

/** Average ranks (ties share the mean rank), 1-based. */
function ranks(xs: readonly number[]): number[] {
  const idx = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
  const out = new Array<number>(xs.length);
  for (let a = 0; a < idx.length; ) {
    let b = a;
    while (b + 1 < idx.length && idx[b + 1]!.x === idx[a]!.x) b++;
    for (let k = a; k <= b; k++) out[idx[k]!.i] = (a + b) / 2 + 1;
    a = b + 1;
  }
  return out;
}

/** Spearman rank correlation (Pearson on average ranks); null with fewer than 2 points or no variance. */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length || x.length < 2) return null;
  const rx = ranks(x);
  const ry = ranks(y);
  const n = x.length;
  const mx = rx.reduce((s, v) => s + v, 0) / n;
  const my = ry.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const test = stringFlag(flags, 'test');
  if (!test) throw new Error('usage: eval reviews --test R.jsonl [--model DIR] [--dtype q8|fp32] [--strict] [--summarize]');
  const rows = await readEvalFile(resolve(test), parseEvalReview, flags.strict === true);
  const sentiment = await loadSentiment(sentimentOptionsFromFlags(flags));
  try {
    const bar = progress('reviews', rows.length);
    const t0 = Date.now();
    const results = await sentiment.analyzeMany(
      rows.map((r) => r.text),
      { onBatch: (n) => bar.tick(n) },
    );
    bar.done(`${rows.length} reviews in ${((Date.now() - t0) / 1000).toFixed(1)}s (${sentiment.modelId})`);
    let scored = 0;
    let correct = 0;
    const byProduct = new Map<string, { pol: number; rating: number; n: number }>();
    rows.forEach((r, i) => {
      const res = results[i]!;
      const gold = ratingToLabel(r.rating);
      if (gold !== 'neutral') {
        scored++;
        if (polarLabel(res) === gold) correct++;
      }
      const p = byProduct.get(r.product) ?? { pol: 0, rating: 0, n: 0 };
      p.pol += res.polarity;
      p.rating += r.rating;
      p.n++;
      byProduct.set(r.product, p);
    });
    const products = [...byProduct.values()];
    const rho = spearman(
      products.map((p) => p.pol / p.n),
      products.map((p) => p.rating / p.n),
    );

    if (flags.summarize === true) {
      const { summarizeReviewList } = await import('../reviews/summary.js');
      const { getSharedEncoder } = await import('../nlu/shared-encoder.js');
      const encoder = await getSharedEncoder(loadConfig());
      const groups = new Map<string, EvalReview[]>();
      rows.forEach((r) => groups.set(r.product, [...(groups.get(r.product) ?? []), r]));
      const t1 = Date.now();
      for (const [product, list] of groups) {
        const s = await summarizeReviewList(
          product,
          list.map((r, i) => ({ id: r.id ?? `${product}#${i + 1}`, productId: product, rating: r.rating, title: r.title ?? '', text: r.text, date: r.date ?? null })),
          { sentiment, encoder },
        );
        process.stderr.write(
          `${product}: ${s.reviews} reviews, ${s.overall.label} (${s.overall.meanPolarity}), aspects ${s.aspects.map((a) => `${a.name}:${a.sentiment.meanPolarity}`).join(', ')} (${s.meta.elapsedMs} ms)\n`,
        );
      }
      process.stderr.write(`summaries of ${groups.size} products (${rows.length} reviews) in ${((Date.now() - t1) / 1000).toFixed(1)}s\n`);
      await encoder.close();
    }
    return {
      task: 'reviews',
      products: byProduct.size,
      review_accuracy: scored ? round(correct / scored) : null,
      rating_spearman: rho === null ? null : round(rho),
    };
  } finally {
    await sentiment.close();
  }
}
