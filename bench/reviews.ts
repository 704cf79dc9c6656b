import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { intFlag, parseArgs } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { loadEncoderOffThread, loadSentimentOffThread } from '../nlu/off-thread.js';
import { summarizeReviewList, type ReviewInput } from '../reviews/summary.js';
import { sentimentOptions } from '../nlu/sentiment.js';
import { emit, round, rssMb } from './stats.js';

// `npm run bench -- reviews [--n 5000]`: one product's review summary (overall and per-aspect
// sentiment, trend, extractive pros and cons) over n real reviews from fixtures/store/reviews.jsonl,
// with the server's models (worker threads). The default reads at most 1,000 reviews through the
// sentiment model (a weighted sample beyond); the baseline in the same run reads all n, and the
// run reports how far the sampled overall shares are from the full ones.

interface FixtureReview {
  id: string;
  product_id: string;
  rating: number | null;
  title: string | null;
  text: string;
  date: string | null;
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const n = intFlag(flags, 'n', 5000);
  const config = loadConfig();
  const rows = readFileSync(resolve(config.fixturesDir, 'store/reviews.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FixtureReview);
  if (rows.length < n) throw new Error(`only ${rows.length} reviews in the fixtures; use --n ${rows.length} or less`);
  // Real reviews of many products, summarized as one product's: the worst case for aspect discovery.
  const reviews: ReviewInput[] = rows.slice(0, n).map((r) => ({ id: r.id, productId: 'bench', rating: r.rating, title: r.title ?? '', text: r.text, date: r.date }));
  const log = (line: string) => process.stderr.write(line + '\n');
  const [encoder, sentiment] = await Promise.all([loadEncoderOffThread({ ...config.encoder, log }), loadSentimentOffThread({ ...sentimentOptions(config), log })]);
  try {
    const run = async (phase: string, maxAnalyzed: number) => {
      const t0 = performance.now();
      const s = await summarizeReviewList('bench', reviews, { encoder, sentiment }, { maxAnalyzed, progress: process.env.SHOPBOT_QUIET !== '1' });
      const seconds = (performance.now() - t0) / 1000;
      const row = { phase, reviews: s.reviews, analyzed: s.analyzedReviews, sentences: s.sentences, aspects: s.aspects.length, pros: s.pros.length, cons: s.cons.length, seconds: round(seconds, 1), reviews_per_s: round(s.reviews / seconds, 0), rss_mb: rssMb() };
      emit(row);
      return { row, s };
    };
    const sampled = await run('default (sample of 1,000 read by the model)', 1000);
    const full = await run('baseline (all reviews read by the model)', n);
    const diff = Math.max(...(['positive', 'neutral', 'negative'] as const).map((k) => Math.abs(sampled.s.overall[k] - full.s.overall[k])));
    return {
      bench: 'reviews',
      reviews: n,
      seconds: sampled.row.seconds,
      baseline_seconds: full.row.seconds,
      speedup: round(full.row.seconds / sampled.row.seconds, 2),
      overall_share_max_abs_diff: round(diff, 4),
      aspects: sampled.row.aspects,
      rss_mb: rssMb(),
    };
  } finally {
    await Promise.all([encoder.close(), sentiment.close()]);
  }
}
