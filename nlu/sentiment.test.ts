import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { EncoderInputError, ModelNotFoundError } from './encoder-types.js';
import { classificationScores, parseLabeledText } from '../eval/sentiment.js';
import { loadSentiment, polarLabel, ratingToLabel, sentimentOptions, SentimentInputError, type LoadedSentiment } from './sentiment.js';

const MODEL = resolve(import.meta.dirname, '../models/sentiment-minilm');

describe('sentiment (real ONNX model)', () => {
  let sa: LoadedSentiment;
  beforeAll(async () => {
    sa = await loadSentiment({ model: MODEL, maxBatch: 16, maxWaitMs: 5 });
  });
  afterAll(async () => sa?.close());

  it('runs the bundled weights listed in SHA256SUMS', () => {
    expect(sa.device).toBe('cpu');
    expect(sa.dtype).toBe('q8');
    const sums = readFileSync(join(MODEL, 'SHA256SUMS'), 'utf8');
    expect(sums).toContain(`${sa.checksum}  onnx/model_quantized.onnx`);
  });

  it('labels angry and exclamatory chat messages negative', async () => {
    for (const t of [
      'this is the third time I ask!!!',
      'This is the third time I ask!!! Where is my refund?',
      'Nobody has answered my emails for a week, this is ridiculous',
      'your service is terrible',
      'The item arrived broken. Again!',
    ]) {
      const r = await sa.analyze(t);
      expect(r.label, t).toBe('negative');
    }
  });

  // Known defect of the current sentiment model (issue #4): a complaint phrased as a refund request or
  // a plain report reads neutral. it.fails keeps the expectation and turns red as soon as the model
  // meets it, so the marker has to go with the fix. Chat messages are read by the chat sentiment head
  // (nlu/chat-sentiment.ts), which gets these right (tested there); reviews still use this model.
  it.fails('labels problem reports phrased as requests negative', async () => {
    for (const t of ['I want my money back, the item arrived broken', 'My order arrived damaged']) {
      expect((await sa.analyze(t)).label, t).toBe('negative');
    }
  });

  it('labels thanks and praise positive', async () => {
    for (const t of ['Thank you so much, that was really helpful!', 'Great, it works now. You guys are awesome', 'I love my new kindle']) {
      expect((await sa.analyze(t)).label, t).toBe('positive');
    }
  });

  it('labels plain questions and requests neutral', async () => {
    for (const t of ['where is my order?', 'Can I change the delivery address?', 'Do you have this tablet in blue?', 'What is your return policy?']) {
      expect((await sa.analyze(t)).label, t).toBe('neutral');
    }
  });

  it('reads product-review language', async () => {
    const cases: [string, string][] = [
      ['Stopped working after two weeks and support never replied. Waste of money.', 'negative'],
      ['The screen is dim and the battery barely lasts a day.', 'negative'],
      ['Battery lasts for weeks and the screen is easy on the eyes. Highly recommend!', 'positive'],
      ['Great tablet for the price, my kids use it every day.', 'positive'],
    ];
    const res = await sa.analyzeMany(cases.map((c) => c[0]));
    res.forEach((r, i) => expect(polarLabel(r), cases[i]![0]).toBe(cases[i]![1]));
  });

  it('returns a score in [0, 1], probabilities summing to 1 and polarity in [-1, 1]', async () => {
    const rs = await sa.analyzeMany(['ok', 'I hate it', 'Love it!', 'where is my parcel']);
    for (const r of rs) {
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
      expect(r.score).toBe(r.probs[r.label]);
      expect(r.probs.negative + r.probs.neutral + r.probs.positive).toBeCloseTo(1, 5);
      expect(r.polarity).toBeGreaterThanOrEqual(-1);
      expect(r.polarity).toBeLessThanOrEqual(1);
      expect(r.polarity).toBeCloseTo(r.probs.positive - r.probs.negative, 6);
    }
  });

  it('coalesces concurrent calls into batches with the same labels as bulk calls', async () => {
    const texts = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? `Order ${i} is late again!!!` : i % 3 === 1 ? `Thanks for item ${i}, love it` : `Is item ${i} in stock?`));
    const bulk = await sa.analyzeMany(texts);
    const before = sa.batchSizes.length;
    const conc = await Promise.all(texts.map((t) => sa.analyze(t)));
    expect(Math.max(...sa.batchSizes.slice(before))).toBeGreaterThan(1);
    conc.forEach((r, i) => {
      expect(r.label).toBe(bulk[i]!.label);
      expect(Math.abs(r.polarity - bulk[i]!.polarity)).toBeLessThan(0.1);
    });
  });

  it('rejects bad input with typed errors', async () => {
    const code = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EncoderInputError);
      return (err as EncoderInputError).code;
    };
    expect(SentimentInputError).toBe(EncoderInputError);
    expect(await code(sa.analyze(''))).toBe('empty');
    expect(await code(sa.analyze(' \n\t '))).toBe('empty');
    expect(await code(sa.analyze(42 as unknown as string))).toBe('not_string');
    expect(await code(sa.analyze(null as unknown as string))).toBe('not_string');
    expect(await code(sa.analyze('a'.repeat(64 * 1024 + 1)))).toBe('too_large');
    await expect(sa.analyzeMany(['fine', ''])).rejects.toBeInstanceOf(EncoderInputError);
    // The model still works after rejections.
    expect((await sa.analyze('thanks!')).label).toBe('positive');
  });
});

describe('sentiment loading and helpers', () => {
  it('reports a missing model folder or weights file with what to do', async () => {
    await expect(loadSentiment({ model: '/nonexistent/sentiment-model' })).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(loadSentiment({ model: MODEL, dtype: 'fp16' })).rejects.toThrow(/model_fp16\.onnx/);
  });

  it('maps star ratings to labels', () => {
    expect([1, 2, 3, 4, 5].map(ratingToLabel)).toEqual(['negative', 'negative', 'neutral', 'positive', 'positive']);
    expect(ratingToLabel(3.5)).toBe('neutral');
    expect(() => ratingToLabel(0)).toThrow(RangeError);
    expect(() => ratingToLabel(Number.NaN)).toThrow(RangeError);
  });

  it('reads its settings from the configuration', () => {
    const config = loadConfig({});
    const o = sentimentOptions(config);
    expect(o.model).toBe(resolve(config.root, 'models/sentiment-minilm'));
    expect(o.dtype).toBe('q8');
    expect(sentimentOptions(loadConfig({ SHOPBOT_SENTIMENT_DTYPE: 'fp32' })).dtype).toBe('fp32');
    expect(() => loadConfig({ SHOPBOT_SENTIMENT_DTYPE: 'int4' })).toThrow(/SHOPBOT_SENTIMENT_DTYPE/);
  });

  it('validates eval lines and scores binary and 3-class predictions', () => {
    expect(parseLabeledText({ text: 'good', label: 'positive' })).toEqual({ text: 'good', label: 'positive' });
    expect(parseLabeledText({ text: '', label: 'positive' })).toMatch(/text/);
    expect(parseLabeledText({ text: 'x', label: 'pos' })).toMatch(/label/);
    expect(parseLabeledText(['x'])).toMatch(/object/);
    const s = classificationScores(['positive', 'positive', 'negative', 'negative'], ['positive', 'positive', 'positive', 'negative'], ['negative', 'positive']);
    expect(s.accuracy).toBe(0.75);
    expect(s.macro_f1).toBeCloseTo((0.8 + 2 / 3) / 2, 6);
    // Predicting "positive" for everything on skewed data gives a low macro-F1.
    const gold = [...Array(95).fill('positive'), ...Array(5).fill('negative')] as string[];
    expect(classificationScores(gold, Array(100).fill('positive'), ['negative', 'positive']).macro_f1).toBeLessThan(0.5);
  });
});
