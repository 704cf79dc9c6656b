import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder, type LoadedEncoder } from './encoder.js';
import { cosine } from './encoder-types.js';
import { arrivalBatches, estimateTokens, planBatches, runBucketed } from './length-buckets.js';
import { loadEncoderOffThread } from './off-thread.js';

const MODEL = resolve(import.meta.dirname, '../models/all-MiniLM-L6-v2');

describe('length buckets (plan)', () => {
  it('groups similar lengths, ascending, within the batch and token budgets, every index once', () => {
    const lengths = Array.from({ length: 500 }, (_, i) => 3 + ((i * 37) % 250));
    const plan = planBatches(lengths, { maxBatch: 64, maxBatchTokens: 4096, maxTokens: 256 });
    const flat = plan.flat();
    expect([...flat].sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    let last = 0;
    for (const b of plan) {
      const ls = b.map((i) => lengths[i]!);
      expect(b.length).toBeLessThanOrEqual(64);
      expect(b.length === 1 || b.length * Math.max(...ls) <= 4096).toBe(true);
      expect(Math.min(...ls)).toBeGreaterThanOrEqual(last);
      last = Math.max(...ls);
    }
    // short texts go in bigger batches than long ones
    expect(plan[0]!.length).toBeGreaterThan(plan[plan.length - 1]!.length);
  });

  it('keeps a text longer than the budget in a batch of its own and caps lengths at maxTokens', () => {
    expect(planBatches([10, 9999, 10], { maxBatchTokens: 100, maxTokens: 256 })).toEqual([[0, 2], [1]]);
    expect(planBatches([])).toEqual([]);
    expect(arrivalBatches(5, 2)).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('estimates word pieces of shop texts closely enough to order them', () => {
    expect(estimateTokens('Mug')).toBe(3);
    expect(estimateTokens('a '.repeat(1000))).toBe(256);
    expect(estimateTokens('Wireless earbuds, 20h battery!')).toBeGreaterThan(estimateTokens('Mug'));
    expect(estimateTokens('日本語のテキスト')).toBeGreaterThan(5);
  });

  it('runBucketed returns results in input order and reports each pass', async () => {
    const texts = ['ccc ccc ccc', 'a', 'bb bb', 'a', 'dddd dddd dddd dddd'];
    const seen: number[] = [];
    const out = await runBucketed(texts, async (batch) => batch.map((t) => t.toUpperCase()), { maxBatch: 2, onBatch: (idx) => seen.push(...idx) });
    expect(out).toEqual(texts.map((t) => t.toUpperCase()));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    await expect(runBucketed(['x'], async () => [])).rejects.toThrow(/0 results for 1/);
  });
});

describe('bucketed embedMany (real ONNX model)', () => {
  let inline: LoadedEncoder;
  let worker: LoadedEncoder;
  // catalogue-like texts of very different lengths, in an order that mixes them
  const catalogue = readFileSync(resolve(import.meta.dirname, '../fixtures/store/products.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, 90)
    .map((l) => JSON.parse(l) as { title: string; description: string })
    .map((p, i) => (i % 3 === 0 ? p.title.slice(0, 12) : i % 3 === 1 ? `${p.title}. ${p.description.slice(0, 600)}` : p.title));

  beforeAll(async () => {
    inline = await loadEncoder({ model: MODEL, maxBatch: 32, maxWaitMs: 2 });
    worker = await loadEncoderOffThread({ model: MODEL, maxBatch: 32, maxWaitMs: 2 });
  }, 120_000);
  afterAll(async () => {
    await inline?.close();
    await worker?.close();
  });

  it('gives each text the vector it gets alone, in input order (inline and in the worker)', async () => {
    const alone: Float32Array[] = [];
    for (const t of catalogue) alone.push((await inline.forward([t]))[0]!);
    for (const enc of [inline, worker]) {
      const passes: number[][] = [];
      const bulk = await enc.embedMany(catalogue, { onBatch: (idx) => passes.push([...idx]) });
      expect(bulk).toHaveLength(catalogue.length);
      bulk.forEach((v, i) => expect(cosine(v, alone[i]!), `text ${i}`).toBeGreaterThan(0.9999));
      // more than one pass, each of texts with similar token counts
      expect(passes.length).toBeGreaterThan(1);
      expect(passes.flat().sort((a, b) => a - b)).toEqual(catalogue.map((_, i) => i));
    }
  }, 180_000);

  it('counts word pieces with the model tokenizer in the worker too', async () => {
    const a = await inline.tokenLengths!(['Mug', 'Wireless earbuds with noise cancelling']);
    const b = await worker.tokenLengths!(['Mug', 'Wireless earbuds with noise cancelling']);
    expect(a).toEqual(b);
    expect(a[0]).toBe(3); // [CLS] mug [SEP]
  });
});
