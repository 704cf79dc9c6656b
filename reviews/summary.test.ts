import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aspectMatcher, candidateTerms, discoverAspects, SEED_ASPECTS, termsIn } from './aspects.js';
import { loadEncoder, type LoadedEncoder } from '../nlu/encoder.js';
import { parseEvalReview, spearman } from '../eval/reviews.js';
import { readEvalFile } from '../eval/sentiment.js';
import {
  createReviewAnalyzer,
  createReviewSummarizer,
  FileSummaryCache,
  jsonlReviewSource,
  ReviewInputError,
  sampleReviews,
  splitSentences,
  summarizeReviewList,
  type ReviewInput,
  type ReviewSummary,
} from './summary.js';
import { loadSentiment, type LoadedSentiment, type SentimentAnalyzer } from '../nlu/sentiment.js';
import type { Store } from '../store/index.js';
import { summarize } from './insights-core.js';
import { productReviewDigests } from './product-digest.js';

// Kindle-like reviews written for this test (no dataset is read).
const RAW: [number, string, string, string][] = [
  [5, '2023-01-04', 'Love it', 'The battery lasts for weeks on a single charge. The screen is crisp and easy on the eyes.'],
  [5, '2023-01-09', 'Great reader', 'Great e-reader for the price. The battery life is amazing and it is very light.'],
  [4, '2023-01-15', 'Good', 'The screen has no glare, even in direct sunlight. Page turns are a little slow.'],
  [5, '2023-01-20', 'Perfect', 'Perfect for reading in bed. The backlight is adjustable and the screen is sharp.'],
  [1, '2023-01-28', 'Dead', 'It stopped charging after two weeks. The battery is completely dead and support was useless.'],
  [5, '2023-02-02', 'Wonderful', 'I read every night and the battery still lasts about three weeks. Highly recommend it!'],
  [2, '2023-02-06', 'Meh', 'The screen cracked the first time I dropped it. Very flimsy build quality.'],
  [5, '2023-02-11', 'Best purchase', 'Best purchase this year. The display looks just like paper.'],
  [4, '2023-02-14', 'Nice', 'Nice and light, fits in my purse. The battery drains faster with wifi on.'],
  [5, '2023-02-19', 'Excellent', 'Excellent value for the money. Setup took two minutes.'],
  [1, '2023-02-25', 'Returned', 'The screen flickers constantly and the battery dies in a day. I returned it.'],
  [5, '2023-03-01', 'Amazing', 'The battery lasts for weeks on a single charge. My kids love it too.'],
  [3, '2023-03-06', 'Okay', 'It is fine for reading. The screen is a bit small for comics.'],
  [5, '2023-03-10', 'Great', 'Delivery was fast and the packaging was perfect. The screen is beautiful.'],
  [2, '2023-03-18', 'Disappointed', 'Delivery took three weeks and the box arrived crushed. The price is too high for what you get.'],
  [5, '2023-03-22', 'Love', 'I love the long battery life and the sharp screen. Worth every penny!'],
  [4, '2023-03-29', 'Solid', 'Solid device, the screen is easy to read outdoors. Wish it had more storage.'],
  [5, '2023-03-30', 'Superb', 'Superb reading experience and the price was right.'],
];
const REVIEWS: ReviewInput[] = RAW.map(([rating, date, title, text], i) => ({ id: `R${i + 1}`, productId: 'P-KINDLE', rating, title, text, date }));

describe('sentence splitting', () => {
  it('splits at sentence ends and line breaks into exact substrings', () => {
    const text = 'Works great!!! Battery is 3.5 days, not bad.\nWould buy again?? Yes. e.g.this stays';
    const s = splitSentences(text);
    expect(s).toEqual(['Works great!!!', 'Battery is 3.5 days, not bad.', 'Would buy again??', 'Yes.', 'e.g.this stays']);
    for (const x of s) expect(text).toContain(x);
    expect(splitSentences('  ... !!! ')).toEqual([]);
    expect(splitSentences('no punctuation at all')).toEqual(['no punctuation at all']);
  });
});

describe('review sampling (no model)', () => {
  it('keeps every review up to the budget, beyond it all low ratings and a weighted sample of the rest', () => {
    expect(sampleReviews(REVIEWS, 100)).toEqual(REVIEWS.map(() => 1));
    const many: ReviewInput[] = Array.from({ length: 1000 }, (_, i) => ({ id: `X${i}`, productId: 'P', rating: i % 10 === 0 ? 1 : 5, text: 't', date: null }));
    const w = sampleReviews(many, 300);
    expect(w.filter((x) => x > 0)).toHaveLength(300);
    many.forEach((r, i) => {
      if (r.rating === 1) expect(w[i]).toBe(1);
    });
    // Weights add up to the number of reviews they stand for.
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1000, 6);
    expect(sampleReviews(many, 300)).toEqual(w);
  });
});

describe('aspect terms (no model)', () => {
  it('finds noun-like frequent terms and matches words and two-word terms', () => {
    const sents = REVIEWS.flatMap((r) => splitSentences(r.text).map((text) => ({ text, reviewId: r.id })));
    const c = candidateTerms(sents, { minReviews: 3, totalReviews: REVIEWS.length }).map((x) => x.term);
    expect(c).toContain('battery');
    expect(c).toContain('screen');
    expect(c).not.toContain('the');
    expect(termsIn('The battery life is great')).toContain('battery life');
    const match = aspectMatcher(SEED_ASPECTS);
    expect(match('The battery life and the display are great')).toEqual(['battery', 'screen']);
    expect(match('Shipping was quick')).toEqual(['delivery']);
    expect(match('nothing to see here')).toEqual([]);
  });
});

describe('review summaries (real models)', () => {
  let sentiment: LoadedSentiment;
  let encoder: LoadedEncoder;
  let summary: ReviewSummary;
  const tmp = mkdtempSync(join(tmpdir(), 'reviews-test-'));
  beforeAll(async () => {
    [sentiment, encoder] = await Promise.all([
      loadSentiment({ model: resolve(import.meta.dirname, '../models/sentiment-minilm') }),
      loadEncoder({ model: resolve(import.meta.dirname, '../models/all-MiniLM-L6-v2') }),
    ]);
    summary = await summarizeReviewList('P-KINDLE', REVIEWS, { sentiment, encoder }, { progress: false, reviewLink: (id) => `/reviews/${id}` });
  });
  afterAll(async () => {
    await sentiment?.close();
    await encoder?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('gives the overall sentiment and rating distribution', () => {
    expect(summary.productId).toBe('P-KINDLE');
    expect(summary.reviews).toBe(REVIEWS.length);
    expect(summary.analyzedReviews).toBe(REVIEWS.length);
    expect(summary.overall.label).toBe('positive');
    expect(summary.overall.ratingDistribution).toEqual({ '1': 2, '2': 2, '3': 1, '4': 3, '5': 10 });
    expect(summary.overall.meanRating).toBeCloseTo(REVIEWS.reduce((s, r) => s + r.rating!, 0) / REVIEWS.length, 2);
    expect(summary.overall.ratingAgreement).toBeGreaterThanOrEqual(0.8);
    expect(summary.overall.positive + summary.overall.neutral + summary.overall.negative).toBeCloseTo(1, 3);
  });

  it('buckets the trend by month', () => {
    expect(summary.trend.months.map((m) => [m.month, m.count])).toEqual([
      ['2023-01', 5],
      ['2023-02', 6],
      ['2023-03', 7],
    ]);
    expect(summary.trend.undated).toBe(0);
    const jan = summary.trend.months[0]!;
    expect(jan.meanRating).toBeCloseTo((5 + 5 + 4 + 5 + 1) / 5, 2);
  });

  it('finds battery and screen aspects with their sentiment and trend', () => {
    const names = summary.aspects.map((a) => a.name);
    expect(names).toContain('battery');
    expect(names).toContain('screen');
    const battery = summary.aspects.find((a) => a.name === 'battery')!;
    // One aspect per sentence: 'The screen flickers constantly and the battery dies in a day.' is about the screen.
    expect(battery.mentions).toBeGreaterThanOrEqual(7);
    expect(battery.sentiment.positive).toBeGreaterThan(0.4);
    expect(battery.sentiment.negative).toBeGreaterThan(0.1);
    expect(battery.trend.length).toBe(3);
    expect(battery.con).not.toBeNull();
    expect(battery.con!.text.toLowerCase()).toContain('battery');
    const screen = summary.aspects.find((a) => a.name === 'screen')!;
    expect(screen.terms).toContain('display');
  });

  it('takes pros and cons verbatim from the reviews and cites them', () => {
    const byId = new Map(REVIEWS.map((r) => [r.id, r]));
    expect(summary.pros.length).toBeGreaterThanOrEqual(3);
    expect(summary.cons.length).toBeGreaterThanOrEqual(2);
    const excerpts = [...summary.pros, ...summary.cons, ...summary.aspects.flatMap((a) => [a.pro, a.con].filter((x) => x !== null))];
    for (const e of excerpts) {
      expect(e.reviewIds.length).toBeGreaterThan(0);
      for (const id of e.reviewIds) expect(byId.get(id)!.text).toContain(e.text);
      for (const id of e.supportingReviewIds) expect(byId.has(id)).toBe(true);
      expect(e.supportingReviewIds).toEqual(expect.arrayContaining(e.reviewIds));
      expect(e.links).toEqual(e.reviewIds.map((id) => `/reviews/${id}`));
    }
    // The sentence two reviews share cites both.
    const shared = summary.pros.find((p) => p.text.startsWith('The battery lasts for weeks on a single charge'));
    if (shared) expect(shared.reviewIds.sort()).toEqual(['R1', 'R12']);
    for (const p of summary.pros) expect(p.sentiment).toBe('positive');
    for (const c of summary.cons) expect(c.sentiment).toBe('negative');
    expect(summary.abstract).toBeNull();
  });

  it('reads a weighted sample when there are more reviews than the budget', async () => {
    const s = await summarizeReviewList('P-KINDLE', REVIEWS, { sentiment, encoder }, { progress: false, maxAnalyzed: 8 });
    expect(s.reviews).toBe(REVIEWS.length);
    expect(s.analyzedReviews).toBe(8);
    expect(s.trend.months.reduce((a, m) => a + m.count, 0)).toBe(REVIEWS.length);
    expect(s.overall.ratingDistribution).toEqual(summary.overall.ratingDistribution);
    const battery = s.aspects.find((a) => a.name === 'battery')!;
    expect(battery.mentions).toBe(summary.aspects.find((a) => a.name === 'battery')!.mentions);
  });

  it('discovers aspects that are not in the seed list', async () => {
    const extra: ReviewInput[] = [
      'The stylus feels cheap.',
      'I lost the stylus in a day.',
      'Love the stylus, very precise.',
      'The pen works well for notes.',
      'The stylus tip wore out quickly.',
    ].map((text, i) => ({ id: `S${i}`, productId: 'P', rating: 4, text, date: null }));
    const sents = [...REVIEWS, ...extra].flatMap((r) => splitSentences(r.text).map((text) => ({ text, reviewId: r.id })));
    const aspects = await discoverAspects(sents, encoder, { minReviews: 3 });
    const stylus = aspects.find((a) => a.terms.includes('stylus'));
    expect(stylus).toBeDefined();
    expect(stylus!.seed).toBe(false);
  });

  it('persists summaries: round trip, stale key, corrupt file', () => {
    const cache = new FileSummaryCache(join(tmp, 'cache'));
    expect(cache.get('P-KINDLE', summary.meta.key)).toBeNull();
    cache.set(summary);
    expect(cache.get('P-KINDLE', summary.meta.key)).toEqual(summary);
    expect(cache.get('P-KINDLE', 'another-key')).toBeNull();
    expect(cache.get('P-OTHER', summary.meta.key)).toBeNull();
    const [file] = readdirSync(join(tmp, 'cache'));
    writeFileSync(join(tmp, 'cache', file!), '{"version": 1, "productId": "P-KI');
    expect(cache.get('P-KINDLE', summary.meta.key)).toBeNull();
  });

  it('summarizeReviews(productId) reads a review source and serves repeats from the cache', async () => {
    let calls = 0;
    const counting: SentimentAnalyzer = {
      modelId: sentiment.modelId,
      checksum: sentiment.checksum,
      device: sentiment.device,
      dtype: sentiment.dtype,
      analyze: (t) => sentiment.analyze(t),
      analyzeMany: (t, o) => {
        calls++;
        return sentiment.analyzeMany(t, o);
      },
      close: async () => {},
    };
    const file = join(tmp, 'reviews.jsonl');
    writeFileSync(
      file,
      [
        ...REVIEWS.slice(0, 6).map((r) => JSON.stringify({ id: r.id, product_id: r.productId, customer_id: null, rating: r.rating, title: r.title, text: r.text, date: r.date, source: 'test' })),
        '{"id": "bad", "product_id": "P-KINDLE", "rating": 9, "text": "x"}',
        'not json',
      ].join('\n'),
    );
    const src = await jsonlReviewSource(file);
    expect(src.errors.map((e) => e.line)).toEqual([7, 8]);
    const cache = new FileSummaryCache(join(tmp, 'cache2'));
    const s = createReviewSummarizer({ sentiment: counting, encoder, source: src.source, cache, options: { progress: false } });
    const a = await s.summarizeReviews('P-KINDLE');
    expect(a.reviews).toBe(6);
    const b = await s.summarizeReviews('P-KINDLE');
    expect(calls).toBe(1);
    expect(b).toEqual(a);
    const none = await s.summarizeReviews('P-NONE');
    expect(none.reviews).toBe(0);
    expect(none.pros).toEqual([]);
    await expect(s.summarizeReviews('')).rejects.toThrow(TypeError);
  });

  it('rejects malformed review input with a typed error', async () => {
    const deps = { sentiment, encoder };
    const bad = (r: unknown) => summarizeReviewList('P', [REVIEWS[0]!, r as ReviewInput], deps, { progress: false });
    await expect(bad({ ...REVIEWS[1]!, rating: 7 })).rejects.toBeInstanceOf(ReviewInputError);
    await expect(bad({ ...REVIEWS[1]!, id: '' })).rejects.toThrow(/review 1: id/);
    await expect(bad({ ...REVIEWS[1]!, text: 5 })).rejects.toThrow(/text/);
    await expect(bad(null)).rejects.toBeInstanceOf(ReviewInputError);
  });

  it('gives per-review analyses for the insights pages', async () => {
    const analyzer = createReviewAnalyzer({ sentiment });
    const out = await analyzer.analyze(REVIEWS.slice(4, 6).map((r) => ({ id: r.id, rating: r.rating!, title: r.title!, text: r.text, date: r.date! })));
    expect(out[0]!.sentiment).toBe('negative');
    expect(out[0]!.aspects.some((a) => a.aspect === 'battery' && a.sentiment === 'negative')).toBe(true);
    expect(out[1]!.sentiment).toBe('positive');
    for (const a of out.flatMap((o) => o.aspects)) expect(REVIEWS[4]!.text + REVIEWS[5]!.text).toContain(a.snippet);
  });

  it("tells the chat the numbers, aspects, pros and cons the insights page shows for the product", async () => {
    const store = { reviews: { stats: () => ({ count: REVIEWS.length }) }, products: { get: () => ({ rating: 4.4, ratingCount: 1200 }) } } as unknown as Store;
    const summarizer = { summarizeReviews: (id: string) => summarizeReviewList(id, REVIEWS, { sentiment, encoder }, { progress: false }) };
    const chat = (await productReviewDigests(store, summarizer).digest('P-KINDLE'))!;
    const analyses = await createReviewAnalyzer({ sentiment }).analyze(REVIEWS.map((r) => ({ id: r.id, rating: r.rating, title: r.title ?? '', text: r.text, date: r.date ?? '' })));
    const page = summarize(analyses);
    const numbers = (d: { reviews: number; ratedReviews: number; meanRating: number | null; fewReviews: boolean; distribution: object }) => [d.reviews, d.ratedReviews, d.meanRating, d.fewReviews, d.distribution];
    expect(numbers(chat)).toEqual(numbers(page));
    expect(chat.aspects.map((a) => [a.aspect, a.mentions, a.positiveShare])).toEqual(page.aspects.map((a) => [a.aspect, a.mentions, a.positiveShare]));
    expect(chat.pros.map((p) => [p.aspect, p.text, p.mentions])).toEqual(page.pros.map((p) => [p.aspect, p.text, p.mentions]));
    expect(chat.cons.map((p) => [p.aspect, p.text, p.mentions])).toEqual(page.cons.map((p) => [p.aspect, p.text, p.mentions]));
    expect(chat.pros.length + chat.cons.length).toBeGreaterThan(0);
    expect([chat.productId, chat.catalogRating, chat.catalogRatingCount]).toEqual(['P-KINDLE', 4.4, 1200]);
  });
});

describe('review eval helpers', () => {
  it('validates review eval lines and reports bad lines with their number', async () => {
    expect(parseEvalReview({ product: 'p', text: 't', rating: 4 })).toEqual({ product: 'p', text: 't', rating: 4 });
    expect(parseEvalReview({ product: 'p', text: 't', rating: 6 })).toMatch(/rating/);
    expect(parseEvalReview({ product: '', text: 't', rating: 4 })).toMatch(/product/);
    const dir = mkdtempSync(join(tmpdir(), 'eval-reviews-'));
    try {
      const f = join(dir, 'r.jsonl');
      writeFileSync(f, ['{"product":"a","text":"good","rating":5}', '{"product":"a","text":"","rating":5}', '{oops', ''].join('\n'));
      await expect(readEvalFile(f, parseEvalReview, true)).rejects.toThrow(/r\.jsonl:2: "text"[\s\S]*r\.jsonl:3: invalid JSON/);
      expect(await readEvalFile(f, parseEvalReview, false)).toHaveLength(1);
      writeFileSync(f, '{"product":"a"}\n');
      await expect(readEvalFile(f, parseEvalReview, false)).rejects.toThrow(/no valid lines/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('computes Spearman correlation with ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 6);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 6);
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9487, 3);
    expect(spearman([1], [1])).toBeNull();
    expect(spearman([1, 1], [1, 2])).toBeNull();
  });
});
