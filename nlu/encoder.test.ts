import { mkdtempSync, cpSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder, MAX_INPUT_BYTES, type LoadedEncoder } from './encoder.js';
import { cosine, EncoderInputError, ModelNotFoundError } from './encoder-types.js';

const MODEL = resolve(import.meta.dirname, '../models/all-MiniLM-L6-v2');

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

describe('encoder (real ONNX model)', () => {
  let enc: LoadedEncoder;
  beforeAll(async () => {
    enc = await loadEncoder({ model: MODEL, maxBatch: 32, maxWaitMs: 5 });
  });
  afterAll(async () => enc?.close());

  it('loads the bundled fp32 model on CPU and reports the checksum of the weights it runs', () => {
    expect(enc.device).toBe('cpu');
    expect(enc.dtype).toBe('fp32');
    expect(enc.dim).toBe(384);
    const sums = readFileSync(join(MODEL, 'SHA256SUMS'), 'utf8');
    expect(sums).toContain(`${enc.checksum}  onnx/model.onnx`);
  });

  it('returns 384-dimensional unit vectors', async () => {
    const v = await enc.embed('Where is my order?');
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(384);
    expect(norm(v)).toBeCloseTo(1, 4);
  });

  it('puts paraphrases closer than unrelated sentences', async () => {
    const triples: [string, string, string][] = [
      ['Where is my package?', 'Has my order shipped yet?', 'The blue dress is lovely.'],
      ['I want my money back', 'How do I get a refund?', 'Do you sell garden chairs?'],
      ['Talk to a human please', 'Can I speak with an agent?', 'This charger is very fast.'],
      ['The battery dies quickly', 'Battery life is poor', 'Delivery was on time'],
    ];
    for (const [a, b, c] of triples) {
      const [va, vb, vc] = await enc.embedMany([a, b, c]);
      expect(cosine(va!, vb!), `${a} ~ ${b}`).toBeGreaterThan(cosine(va!, vc!) + 0.15);
    }
  });

  it('coalesces concurrent calls into batches whose results equal the unbatched ones', async () => {
    const texts = Array.from({ length: 64 }, (_, i) =>
      i % 3 === 0 ? `Order ${i} has not arrived, where is it?` : i % 3 === 1 ? `Is item ${i} available in red?` : `Thanks a lot, bye ${i}`,
    );
    const sequential: Float32Array[] = [];
    for (const t of texts) sequential.push(await enc.embed(t));
    const before = enc.batchSizes.length;
    const concurrent = await Promise.all(texts.map((t) => enc.embed(t)));
    const sizes = enc.batchSizes.slice(before);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(32);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(64);
    for (let i = 0; i < texts.length; i++) expect(cosine(sequential[i]!, concurrent[i]!)).toBeGreaterThanOrEqual(0.9999);
  });

  it('truncates long input to the model maximum instead of failing', async () => {
    const head = Array.from({ length: 400 }, (_, i) => `word${i % 50}`).join(' ');
    const a = await enc.embed(`${head} the rest talks about shoes`);
    const b = await enc.embed(`${head} completely different ending about refunds and invoices`);
    expect(cosine(a, b)).toBeGreaterThan(0.9999); // everything after token 256 is dropped
    const big = 'lorem ipsum '.repeat(Math.floor((MAX_INPUT_BYTES - 100) / 12));
    expect((await enc.embed(big)).length).toBe(384);
  });

  it('handles hostile and multilingual text as plain text', async () => {
    const inputs = ['<script>alert(1)</script>', "'; DROP TABLE orders; --", '¿Dónde está mi pedido? 😍🔥', '我的订单在哪里', 'مرحبا', '\u0000\u0007 odd controls'];
    const out = await enc.embedMany(inputs);
    for (const v of out) expect(norm(v)).toBeCloseTo(1, 4);
  });

  it('rejects bad input with a typed error and keeps working', async () => {
    const cases: [unknown, string][] = [
      ['', 'empty'],
      ['   \n\t ', 'empty'],
      [42, 'not_string'],
      [null, 'not_string'],
      [undefined, 'not_string'],
      ['x'.repeat(MAX_INPUT_BYTES + 1), 'too_large'],
      ['é'.repeat(MAX_INPUT_BYTES / 2 + 1), 'too_large'], // bytes, not characters
    ];
    for (const [input, code] of cases) {
      const err = await enc.embed(input as string).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EncoderInputError);
      expect((err as EncoderInputError).code).toBe(code);
    }
    await expect(enc.embedMany(['fine', ''])).rejects.toBeInstanceOf(EncoderInputError);
    expect((await enc.embed('still alive')).length).toBe(384);
  });

  it('int8 weights match fp32 embeddings (cosine >= 0.98) on a fixed sentence set', async () => {
    const q8 = await loadEncoder({ model: MODEL, dtype: 'q8' });
    try {
      const sentences = ['Where is my order?', 'I want to cancel my purchase and get a refund.', 'Do you have a cheap phone charger under 500 rupees?', 'The battery life of this Kindle is amazing.', 'This is the third time I ask!!! Nobody answers.', 'Hello there', '¿Dónde está mi pedido?'];
      const a = await enc.embedMany(sentences);
      const b = await q8.embedMany(sentences);
      for (let i = 0; i < sentences.length; i++) expect(cosine(a[i]!, b[i]!), sentences[i]).toBeGreaterThanOrEqual(0.98);
      expect(q8.checksum).not.toBe(enc.checksum);
    } finally {
      await q8.close();
    }
  });
});

describe('encoder loading errors and device fallback', () => {
  it('explains what to do when the model folder is missing', async () => {
    const err = await loadEncoder({ model: '/nonexistent/models/minilm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect((err as Error).message).toMatch(/Model folder not found.*tools\/export-model\.sh/);
  });

  it('names the missing weights file when the folder is incomplete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enc-'));
    try {
      for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) cpSync(join(MODEL, f), join(dir, f));
      const err = await loadEncoder({ model: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelNotFoundError);
      expect((err as Error).message).toContain('onnx/model.onnx');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('falls back to CPU with one clear log line when CUDA is not available', async () => {
    const lines: string[] = [];
    const enc = await loadEncoder({ model: MODEL, device: 'cuda', log: (l) => lines.push(l) });
    try {
      if (enc.device === 'cuda') return; // a machine with a working CUDA provider: nothing to fall back from
      expect(enc.device).toBe('cpu');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^\[encoder\] CUDA execution provider unavailable .*falling back to CPU$/);
      expect((await enc.embed('works on CPU')).length).toBe(384);
    } finally {
      await enc.close();
    }
  });
});
