import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { loadConfig, type Device, type Dtype } from '../core/config.js';
import { loadEncoder } from '../nlu/encoder.js';
import { chatSentences, emit, percentile, round, rssMb } from './stats.js';

// Encoder throughput with and without micro-batching, measured in the same run:
//   unbatched: one caller embedding sentences one at a time (the baseline)
//   batched:   `--callers` concurrent callers (default 64), as many chats at once would be
export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const config = loadConfig();
  const device = (stringFlag(flags, 'device') ?? config.encoder.device) as Device;
  const dtype = (stringFlag(flags, 'dtype') ?? config.encoder.dtype) as Dtype;
  const n = intFlag(flags, 'n', 1024);
  const callers = intFlag(flags, 'callers', 64);
  const maxBatch = intFlag(flags, 'max-batch', config.encoder.maxBatch);
  const enc = await loadEncoder({ ...config.encoder, model: stringFlag(flags, 'model') ?? config.encoder.model, device, dtype, maxBatch });
  const sentences = chatSentences(n);
  for (const s of sentences.slice(0, 16)) await enc.embed(s); // warm-up

  const single: number[] = [];
  let t0 = performance.now();
  for (const s of sentences) {
    const t = performance.now();
    await enc.embed(s);
    single.push(performance.now() - t);
  }
  const unbatchedS = (performance.now() - t0) / 1000;
  const unbatched = { phase: 'unbatched', sentences: n, seconds: round(unbatchedS, 3), sentences_per_s: round(n / unbatchedS, 1), p50_ms: round(percentile(single, 50)), p95_ms: round(percentile(single, 95)) };
  emit(unbatched);

  const before = enc.batchSizes.length;
  t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < n) await enc.embed(sentences[next++]!);
    }),
  );
  const batchedS = (performance.now() - t0) / 1000;
  const sizes = enc.batchSizes.slice(before);
  const batched = { phase: 'batched', callers, sentences: n, seconds: round(batchedS, 3), sentences_per_s: round(n / batchedS, 1), mean_batch: round(sizes.reduce((a, b) => a + b, 0) / sizes.length, 1) };
  emit(batched);
  await enc.close();
  return {
    bench: 'encode',
    device: enc.device,
    dtype: enc.dtype,
    max_batch: maxBatch,
    sentences_per_s_batched: batched.sentences_per_s,
    sentences_per_s_unbatched: unbatched.sentences_per_s,
    batching_speedup: round(batched.sentences_per_s / unbatched.sentences_per_s, 2),
    p50_ms_single: unbatched.p50_ms,
    p95_ms_single: unbatched.p95_ms,
    rss_mb: rssMb(),
  };
}
