import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_ASPECTS } from './aspects.js';
import { main as evalSentences, scoreSentences, type SentenceLabel } from '../eval/review-sentences.js';
import { createReviewAnalyzer, digestReviews, primaryAspectMatcher, reviewStars } from './summary.js';
import { loadSentiment, type LoadedSentiment } from '../nlu/sentiment.js';

// Issue #15: review summaries are faithful at the sentence level (real sentiment model, no mocks).

describe('sentence-level scoring (no model)', () => {
  it('counts aspect pairs, polarity and pros/cons of the wrong polarity', () => {
    const gold: SentenceLabel[] = [
      { text: 'a', aspect: 'battery', polarity: 'positive' },
      { text: 'b', aspect: 'screen', polarity: 'negative' },
      { text: 'c', aspect: 'none', polarity: 'neutral' },
      { text: 'd', aspect: 'price', polarity: 'positive' },
    ];
    const s = scoreSentences(gold, [
      { aspects: ['battery'], polarity: 'positive', listed: [{ aspect: 'battery', side: 'pro' }] },
      { aspects: ['screen', 'size'], polarity: 'positive', listed: [{ aspect: 'screen', side: 'pro' }] },
      { aspects: [], polarity: 'neutral', listed: [] },
      { aspects: ['price'], polarity: 'positive', listed: [] },
    ]);
    expect(s.n).toBe(4);
    expect(s.aspect_precision).toBe(0.75);
    expect(s.aspect_recall).toBe(1);
    expect(s.polarity_accuracy).toBe(0.75);
    expect(s.listed).toBe(2);
    expect(s.wrong_polarity_share).toBe(0.5);
    expect(s.multi_aspect_sentences).toBe(1);
    expect(s.per_aspect.size).toBeUndefined(); // predicted only, never labelled
    expect(s.per_aspect.screen).toMatchObject({ n: 1, precision: 1, recall: 1, polarity_accuracy: 0 });
  });

  it('one aspect per sentence: a two-word term first, else the first term', () => {
    const aspectOf = primaryAspectMatcher(SEED_ASPECTS);
    expect(aspectOf('Screen size is great.')).toBe('screen');
    expect(aspectOf('The sound quality is excellent for the price')).toBe('sound');
    expect(aspectOf('Great price and the battery life is long.')).toBe('battery');
    expect(aspectOf('My kids love it.')).toBeNull();
    // Lagging and hanging are how it performs, whatever size word follows.
    expect(aspectOf('sometimes tv lags and it is too small for the hall')).toBe('performance');
    expect(aspectOf('it hangs when two apps are open, small screen also')).toBe('performance');
  });

  it('stars copied from the catalogue average are no rating', () => {
    expect(reviewStars({ rating: 4, source: 'amazon-india' })).toBeNull();
    expect(reviewStars({ rating: 4, source: 'datafiniti' })).toBe(4);
    expect(reviewStars({ rating: null })).toBeNull();
  });
});

describe('review sentences with the real sentiment model', () => {
  let sentiment: LoadedSentiment;
  const tmp = mkdtempSync(join(tmpdir(), 'review-sentences-'));
  beforeAll(async () => {
    sentiment = await loadSentiment({ model: resolve(import.meta.dirname, '../models/sentiment-minilm') });
  });
  afterAll(async () => {
    await sentiment?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const review = (id: string, rating: number | null, text: string, date = '2020-01-01') => ({ id, rating, title: '', text, date });

  it('praise written with a negation is never a con ("You can\'t get such good quality product in such less price.", the Chromium walk)', async () => {
    const analyzer = createReviewAnalyzer({ sentiment });
    const lines = ["You can't get such good quality product in such less price.", 'No complaints about the quality so far.', "Can't ask for better quality at this price."];
    const out = await analyzer.analyze(lines.map((text, i) => review(`P${i}`, 5, text)));
    for (const [i, a] of out.entries()) {
      const m = a.aspects.find((x) => x.snippet === lines[i]);
      expect(m, lines[i]).toBeDefined();
      expect(m!.sentiment, lines[i]).not.toBe('negative');
    }
    // A real complaint with a negation stays one.
    const [bad] = await analyzer.analyze([review('N1', 1, "The quality is not good, it broke in a week.")]);
    expect(bad!.aspects.find((x) => x.aspect === 'quality')?.sentiment).toBe('negative');
  });

  it('"Has a long battery life." is praise, never a con, whatever the stars', async () => {
    const analyzer = createReviewAnalyzer({ sentiment });
    const text = 'Perfect size. Works great. Just as advertised. Has a long battery life.';
    const out = await analyzer.analyze([review('R5', 5, text), review('R1', 1, text), review('RN', null, text)]);
    for (const a of out) {
      const m = a.aspects.find((x) => x.snippet === 'Has a long battery life.');
      expect(m).toBeDefined();
      expect(m!.aspect).toBe('battery');
      expect(m!.sentiment).not.toBe('negative');
    }
    // With complaints about the battery around it, it is still not listed as a con.
    const more = await analyzer.analyze([
      review('A', 5, text, '2020-01-05'),
      review('B', 1, 'The battery died after two weeks and will not charge anymore.', '2020-01-04'),
      review('C', 2, 'Terrible battery, it drains overnight even when the tablet is off.', '2020-01-03'),
      review('D', 4, 'Has a long battery life.', '2020-01-02'),
    ]);
    const d = digestReviews(more);
    const battery = d.aspects.find((a) => a.aspect === 'battery')!;
    expect(battery.mentions).toBe(4);
    expect(battery.positive).toBe(2);
    expect(battery.negative).toBe(2);
    for (const c of d.cons) {
      expect(c.text).not.toMatch(/long battery life/);
      for (const id of c.reviewIds) expect(['B', 'C']).toContain(id);
    }
    expect(d.cons.some((c) => c.aspect === 'battery')).toBe(true);
  });

  it('a sentence is under one aspect only, and pros count each review once', async () => {
    const analyzer = createReviewAnalyzer({ sentiment });
    const out = await analyzer.analyze([
      review('S1', 5, 'This product is easy to use. Screen size is great. Would recommend to anyone.', '2020-02-01'),
      review('S2', 5, 'The screen is bright and sharp. The screen looks great in sunlight too.', '2020-01-01'),
    ]);
    const mentions = out.flatMap((a) => a.aspects.filter((m) => m.snippet === 'Screen size is great.'));
    expect(mentions).toHaveLength(1);
    const d = digestReviews(out);
    const listed = [...d.pros, ...d.cons].map((p) => p.text);
    expect(new Set(listed).size).toBe(listed.length);
    expect(d.aspects.find((a) => a.aspect === 'size')).toBeUndefined();
    const screen = d.aspects.find((a) => a.aspect === 'screen')!;
    expect(screen.mentions).toBe(2); // S2 has two screen sentences, counted once
    for (const p of d.pros) expect(p.mentions).toBeLessThanOrEqual(2);
    expect(d.fewReviews).toBe(true);
    expect(d.meanRating).toBe(5);
  });

  it('eval review-sentences reports the figures on a small file', async () => {
    const file = join(tmp, 'small.jsonl');
    const lines: SentenceLabel[] = [
      { text: 'The battery lasts for weeks on a single charge.', aspect: 'battery', polarity: 'positive' },
      { text: 'The battery died after two days.', aspect: 'battery', polarity: 'negative' },
      { text: 'The screen is crisp and bright.', aspect: 'screen', polarity: 'positive' },
      { text: 'Delivery took three weeks and the box arrived crushed.', aspect: 'delivery', polarity: 'negative' },
      { text: 'I bought it for my son.', aspect: 'none', polarity: 'neutral' },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify({ ...l, rating: 3 })).join('\n') + '\n{"text": "bad line"}\n');
    const r = (await evalSentences(['--file', file])) as Record<string, unknown> & { per_aspect: Record<string, { n: number }> };
    expect(r.task).toBe('review-sentences');
    expect(r.n).toBe(5);
    for (const k of ['aspect_micro_f1', 'aspect_macro_f1', 'polarity_accuracy', 'wrong_polarity_share', 'not_polar_share']) {
      expect(typeof r[k]).toBe('number');
      expect(r[k]).toBeGreaterThanOrEqual(0);
      expect(r[k]).toBeLessThanOrEqual(1);
    }
    expect(r.aspect_micro_f1).toBeGreaterThanOrEqual(0.8);
    expect(r.polarity_accuracy).toBeGreaterThanOrEqual(0.8);
    expect(r.wrong_polarity_share).toBe(0);
    expect(r.multi_aspect_sentences).toBe(0);
    expect(r.per_aspect.battery!.n).toBe(2);
    await expect(evalSentences(['--file', file, '--strict'])).rejects.toThrow(/malformed/);
  });
});

