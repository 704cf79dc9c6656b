import { resolve } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder, type LoadedEncoder } from './encoder.js';
import { cosine, EncoderInputError, ModelNotFoundError } from './encoder-types.js';
import { loadEncoderOffThread, loadSentimentOffThread, modelWorkerOf } from './off-thread.js';
import { loadSentiment, type LoadedSentiment } from './sentiment.js';

// The server runs both models in worker threads (ONNX Runtime's Node binding blocks the thread that
// calls it). These tests hold the worker versions to the inline ones, on the real models.

const MODEL = resolve(import.meta.dirname, '../models/all-MiniLM-L6-v2');
const SENTIMENT = resolve(import.meta.dirname, '../models/sentiment-minilm');
const TEXTS = ['Where is my order?', 'this is the third time I ask!!!', 'Do you have the Kindle in blue?', '<script>alert(1)</script> 🚚 ¿dónde está mi pedido?', "'; DROP TABLE orders; --"];

describe('models in worker threads', () => {
  let inline: LoadedEncoder;
  let worker: LoadedEncoder;
  let sentInline: LoadedSentiment;
  let sentWorker: LoadedSentiment;
  const logs: string[] = [];

  beforeAll(async () => {
    [inline, worker, sentInline, sentWorker] = await Promise.all([
      loadEncoder({ model: MODEL }),
      loadEncoderOffThread({ model: MODEL, maxWaitMs: 5, log: (l) => logs.push(l) }),
      loadSentiment({ model: SENTIMENT }),
      loadSentimentOffThread({ model: SENTIMENT, maxWaitMs: 5, log: (l) => logs.push(l) }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([inline?.close(), worker?.close(), sentInline?.close(), sentWorker?.close()]);
  });

  it('runs in another thread and reports the same model, weights and device', () => {
    expect(isMainThread).toBe(true);
    expect(worker.modelId).toBe(inline.modelId);
    expect(worker.checksum).toBe(inline.checksum);
    expect(worker.device).toBe('cpu');
    expect(sentWorker.checksum).toBe(sentInline.checksum);
  });

  it('gives the same embeddings as the inline encoder, single and batched', async () => {
    const a = await inline.embedMany(TEXTS);
    const b = await worker.embedMany(TEXTS);
    const singles = await Promise.all(TEXTS.map((t) => worker.embed(t)));
    for (let i = 0; i < TEXTS.length; i++) {
      expect(b[i]).toBeInstanceOf(Float32Array);
      expect(b[i]!.length).toBe(384);
      expect(cosine(a[i]!, b[i]!)).toBeGreaterThan(0.9999);
      expect(cosine(a[i]!, singles[i]!)).toBeGreaterThan(0.9999);
    }
    // Concurrent single calls were coalesced into batches on the way to the worker.
    expect(Math.max(...worker.batchSizes)).toBeGreaterThan(1);
  });

  it('gives the same sentiment as the inline classifier', async () => {
    const a = await sentInline.analyzeMany(TEXTS);
    const b = await Promise.all(TEXTS.map((t) => sentWorker.analyze(t)));
    for (let i = 0; i < TEXTS.length; i++) {
      expect(b[i]!.label).toBe(a[i]!.label);
      expect(b[i]!.score).toBeCloseTo(a[i]!.score, 3);
    }
    expect(b[1]!.label).toBe('negative');
  });

  it('rejects bad input with the typed error and keeps serving', async () => {
    await expect(worker.embed('   ')).rejects.toBeInstanceOf(EncoderInputError);
    await expect(worker.embed('x'.repeat(70_000))).rejects.toMatchObject({ code: 'too_large' });
    await expect(worker.embedMany(['ok', 42 as unknown as string])).rejects.toMatchObject({ code: 'not_string' });
    await expect(sentWorker.analyze('')).rejects.toBeInstanceOf(EncoderInputError);
    expect((await worker.embed('still here')).length).toBe(384);
  });

  it('reports a missing model folder as ModelNotFoundError from the worker', async () => {
    const err = await loadEncoderOffThread({ model: '/nonexistent/models/minilm', log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect((err as Error).message).toMatch(/Model folder not found/);
  });

  it('starts a new worker after the thread dies, and keeps giving the same embeddings', async () => {
    const lines: string[] = [];
    const model = await loadEncoderOffThread({ model: MODEL, log: (l) => lines.push(l) });
    try {
      const before = await model.embed('Where is my order?');
      const handle = modelWorkerOf(model)!;
      expect(handle.restarts).toBe(0);
      await handle.terminate(); // as a native crash or an out-of-memory kill would
      const after = await model.embed('Where is my order?');
      expect(cosine(before, after)).toBeGreaterThan(0.9999);
      expect(handle.restarts).toBe(1);
      expect(lines.some((l) => /model worker stopped unexpectedly/.test(l))).toBe(true);
      expect(lines.some((l) => /starting a new model worker/.test(l))).toBe(true);
    } finally {
      await model.close();
    }
  });

  it('refuses calls after close with a clear error', async () => {
    const extra = await loadEncoderOffThread({ model: MODEL, log: () => {} });
    expect((await extra.embed('before close')).length).toBe(384);
    await extra.close();
    await expect(extra.embed('after close')).rejects.toThrow(/closed/);
    await expect(extra.embedMany(['after close'])).rejects.toThrow(/stopped|closed/);
  });
});
