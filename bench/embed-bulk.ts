import { resolve, basename, dirname } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { readJsonl, isRecord } from '../core/jsonl.js';
import { arrivalBatches, DEFAULT_BUCKETS, estimateTokens, planBatches } from '../nlu/length-buckets.js';
import { loadConfiguredEncoder } from '../nlu/off-thread.js';
import { itemText } from '../recommender/item-embeddings.js';
import { emit, round, rssMb } from './stats.js';

// Bulk embedding of the catalogue, as the first start does it (`npm run bench -- embed-bulk`):
//   padded:   batches of 64 in catalogue order, each padded to its longest text (the old way)
//   bucketed: encoder.embedMany: the same texts sorted by token length (counted by the worker's
//             tokenizer), batches of similar lengths within a budget of padded tokens
//             (nlu/length-buckets.ts), vectors put back in input order
// Same encoder, same texts, same run; the encoder runs as the server runs it (a worker thread with
// one ONNX Runtime thread unless SHOPBOT_INFERENCE / SHOPBOT_ONNX_THREADS say otherwise). Also prints
// the padded tokens of each plan counted with the real tokenizer, and the estimator's error.
export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const config = loadConfig();
  const file = stringFlag(flags, 'file') ?? resolve(config.fixturesDir, 'store/products.jsonl');
  const limit = intFlag(flags, 'n', 1_000_000);
  const rounds = intFlag(flags, 'rounds', 1);
  // the bucketed phase runs encoder.embedMany, i.e. DEFAULT_BUCKETS
  const { maxBatchTokens, maxBatch } = DEFAULT_BUCKETS;

  const { rows } = await readJsonl(file, (v) => (isRecord(v) && typeof v.id === 'string' && typeof v.title === 'string' ? { id: v.id, title: v.title, category: String(v.category ?? ''), description: String(v.description ?? '') } : 'not a product'));
  // the order the first start embeds them in (Recommender.create sorts by id)
  const items = rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit);
  const texts = items.map((it) => itemText(it));

  // exact token counts with the model's own tokenizer (for the padding figures only)
  const folder = resolve(config.encoder.model);
  env.allowLocalModels = true;
  env.localModelPath = dirname(folder) + '/';
  const tokenizer = await AutoTokenizer.from_pretrained(basename(folder), { local_files_only: true });
  const exact = texts.map((t) => Math.min(DEFAULT_BUCKETS.maxTokens, tokenizer.encode(t).length));
  const estimated = texts.map((t) => estimateTokens(t));
  const absErr = exact.map((e, i) => Math.abs(e - estimated[i]!));
  const padded = (plan: number[][]) => plan.reduce((s, b) => s + b.length * Math.max(...b.map((i) => exact[i]!)), 0);
  const realTokens = exact.reduce((a, b) => a + b, 0);
  const plans = { padded: arrivalBatches(texts.length, 64), bucketed: planBatches(exact, { maxBatch, maxBatchTokens }), estimated: planBatches(estimated, { maxBatch, maxBatchTokens }) };
  emit({
    phase: 'plan',
    texts: texts.length,
    mean_tokens: round(realTokens / texts.length, 1),
    estimator_mean_abs_error: round(absErr.reduce((a, b) => a + b, 0) / texts.length, 2),
    padded_tokens_arrival: padded(plans.padded),
    padded_tokens_bucketed: padded(plans.bucketed),
    padded_tokens_bucketed_by_estimate: padded(plans.estimated),
    padded_tokens_ideal: realTokens,
    batches_arrival: plans.padded.length,
    batches_bucketed: plans.bucketed.length,
  });

  const enc = await loadConfiguredEncoder(config, { over: { log: () => {} } });
  await enc.forward(texts.slice(0, 8)); // warm-up
  const results: Record<string, number[]> = { padded: [], bucketed: [] };
  const vectors: Record<string, Float32Array[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const name of ['padded', 'bucketed'] as const) {
      let out = new Array<Float32Array>(texts.length);
      const t0 = performance.now();
      if (name === 'bucketed') {
        out = await enc.embedMany(texts); // the real path: token counts from the worker, buckets, input order
      } else {
        for (const batch of plans.padded) {
          const vecs = await enc.forward(batch.map((i) => texts[i]!));
          batch.forEach((i, k) => (out[i] = vecs[k]!));
        }
      }
      const s = (performance.now() - t0) / 1000;
      results[name]!.push(texts.length / s);
      vectors[name] = out;
      emit({ phase: name, round: r + 1, texts: texts.length, seconds: round(s, 2), products_per_s: round(texts.length / s, 1) });
    }
  }
  // same vectors either way (fp32: padding is masked out)
  let minCos = 1;
  for (let i = 0; i < texts.length; i++) {
    const a = vectors.padded![i]!;
    const b = vectors.bucketed![i]!;
    let dot = 0;
    for (let d = 0; d < a.length; d++) dot += a[d]! * b[d]!;
    minCos = Math.min(minCos, dot);
  }
  await enc.close();
  const best = (xs: number[]) => Math.max(...xs);
  return {
    bench: 'embed-bulk',
    texts: texts.length,
    inference: config.encoder.inference,
    onnx_threads: config.encoder.threads || (config.encoder.inference === 'worker' ? 1 : 'default'),
    device: enc.device,
    dtype: enc.dtype,
    max_batch: maxBatch,
    max_batch_tokens: maxBatchTokens,
    products_per_s_padded: round(best(results.padded!), 1),
    products_per_s_bucketed: round(best(results.bucketed!), 1),
    speedup: round(best(results.bucketed!) / best(results.padded!), 2),
    padded_token_share_arrival: round(realTokens / padded(plans.padded), 3),
    padded_token_share_bucketed: round(realTokens / padded(plans.bucketed), 3),
    min_cosine_padded_vs_bucketed: round(minCos, 6),
    rss_mb: rssMb(),
  };
}
