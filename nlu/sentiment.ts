import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AutoModelForSequenceClassification, AutoTokenizer, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { Config, Device, Dtype } from '../core/config.js';
import { SENTIMENTS, type Sentiment } from '../store/types.js';
import { ModelNotFoundError } from './encoder-types.js';
import { BatchedModel, type ModelMeta } from './batched-model.js';
import { validateInput } from './encoder-types.js';
import { checkModelFolder, loadOnDevice, sessionOptions, WEIGHTS } from './onnx-load.js';

// Sentiment of chat messages and product reviews: a 3-class (negative / neutral / positive) classifier
// fine-tuned from all-MiniLM-L6-v2 (tools/train-sentiment.py) and run with ONNX Runtime through
// Transformers.js, from the local folder models/sentiment-minilm only. Concurrent single calls are
// coalesced into batched forward passes like the shared encoder's; bulk calls sort by length so
// batches carry little padding.

/** The classifier's labels, in its output order: the sentiments the store keeps on messages. */
export const SENTIMENT_LABELS = SENTIMENTS;
export type SentimentLabel = Sentiment;

export interface SentimentResult {
  label: SentimentLabel;
  /** Probability of `label`, in [0, 1]. */
  score: number;
  /** p(positive) - p(negative), in [-1, 1]: a signed strength to average and trend. */
  polarity: number;
  probs: Record<SentimentLabel, number>;
}

export interface SentimentAnalyzer {
  /** Model folder and the weights file that runs. */
  readonly modelId: string;
  /** sha256 of the ONNX weights that run. */
  readonly checksum: string;
  readonly device: Device;
  readonly dtype: Dtype;
  /** One text; rejects bad input with an EncoderInputError (not_string / empty / too_large). */
  analyze(text: string): Promise<SentimentResult>;
  /** Many texts, one result per input in order; validates every input before running any. */
  analyzeMany(texts: readonly string[], opts?: { onBatch?: (done: number) => void }): Promise<SentimentResult[]>;
  close(): Promise<void>;
}

/** The input error is the encoder's: one typed error for everything NLU refuses. */
export { EncoderInputError as SentimentInputError } from './encoder-types.js';

export interface SentimentOptions {
  /** Local model folder in Transformers.js layout (config.json with id2label, tokenizer, onnx/). */
  model: string;
  device?: Device;
  dtype?: Dtype;
  maxBatch?: number;
  maxWaitMs?: number;
  /** Word pieces kept per input (reviews longer than this are judged on their beginning). */
  maxTokens?: number;
  /** ONNX Runtime intra-op threads (default: ONNX Runtime's choice, all cores). */
  threads?: number;
  log?: (line: string) => void;
}

export const DEFAULT_SENTIMENT_MODEL = 'models/sentiment-minilm';

/** Star ratings 1-2 are negative, 3 neutral, 4-5 positive. */
export function ratingToLabel(rating: number): SentimentLabel {
  if (!Number.isFinite(rating) || rating < 1 || rating > 5) throw new RangeError(`rating must be in [1, 5] (got ${rating})`);
  return rating <= 2 ? 'negative' : rating < 4 ? 'neutral' : 'positive';
}

/** Positive vs negative only, ignoring neutral: how binary test sets are scored. */
export function polarLabel(r: Pick<SentimentResult, 'probs'>): 'positive' | 'negative' {
  return r.probs.positive >= r.probs.negative ? 'positive' : 'negative';
}

/** The sentiment settings of the configuration, with the shared encoder's device and batching. */
export function sentimentOptions(config: Config): SentimentOptions {
  return { model: config.sentiment.model, device: config.encoder.device, dtype: config.sentiment.dtype as Dtype, maxBatch: config.encoder.maxBatch, maxWaitMs: config.encoder.maxWaitMs };
}

const HELP = {
  name: 'Sentiment model folder',
  notFound: `The repository ships ${DEFAULT_SENTIMENT_MODEL}; restore it (git checkout models/) or rebuild it with \`bash tools/train-sentiment.sh\`, or set SHOPBOT_SENTIMENT_MODEL.`,
  rebuild: 'Rebuild it with `bash tools/train-sentiment.sh`.',
};

/** Maps the model's output columns to our labels from config.json's id2label. */
function labelColumns(folder: string): Record<SentimentLabel, number> {
  const cfg = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as { id2label?: Record<string, string> };
  const cols: Partial<Record<SentimentLabel, number>> = {};
  for (const [id, name] of Object.entries(cfg.id2label ?? {})) {
    const label = name.toLowerCase() as SentimentLabel;
    if ((SENTIMENT_LABELS as readonly string[]).includes(label)) cols[label] = Number(id);
  }
  if (cols.negative === undefined || cols.positive === undefined) {
    throw new ModelNotFoundError(`${folder}/config.json: id2label must name "negative" and "positive" (and optionally "neutral") columns`);
  }
  return { negative: cols.negative, positive: cols.positive, neutral: cols.neutral ?? -1 };
}

function softmaxRow(logits: Float32Array, off: number, n: number): number[] {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[off + k]!);
  const e: number[] = [];
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const v = Math.exp(logits[off + k]! - max);
    e.push(v);
    sum += v;
  }
  return e.map((v) => v / sum);
}

/** Builds a result from the three class probabilities. */
export function toResult(probs: Record<SentimentLabel, number>): SentimentResult {
  let label: SentimentLabel = 'neutral';
  for (const l of SENTIMENT_LABELS) if (probs[l] > probs[label]) label = l;
  return { label, score: probs[label], polarity: probs.positive - probs.negative, probs };
}

/**
 * The SentimentAnalyzer API over any batch forward function: in this thread or in a model worker
 * (nlu/off-thread.ts). Concurrent single calls are coalesced into batches.
 */
export class BatchedSentiment extends BatchedModel<SentimentResult> implements SentimentAnalyzer {
  analyze(text: string): Promise<SentimentResult> {
    return this.submit(text);
  }

  async analyzeMany(texts: readonly string[], opts: { onBatch?: (done: number) => void } = {}): Promise<SentimentResult[]> {
    const valid = texts.map((t) => validateInput(t));
    // Identical texts run once; the rest go in length order so each batch pads to similar lengths.
    const unique = [...new Set(valid)];
    unique.sort((a, b) => a.length - b.length);
    const byText = new Map<string, SentimentResult>();
    const step = 64;
    for (let i = 0; i < unique.length; i += step) {
      const chunk = unique.slice(i, i + step);
      const out = await this.forward(chunk);
      chunk.forEach((t, k) => byText.set(t, out[k]!));
      opts.onBatch?.(chunk.length);
    }
    return valid.map((t) => byText.get(t)!);
  }
}

/** One forward pass: tokenize with padding/truncation, run, softmax over the label columns. */
function onnxForward(tokenizer: PreTrainedTokenizer, model: PreTrainedModel, cols: Record<SentimentLabel, number>, maxTokens: number) {
  return async (texts: string[]): Promise<SentimentResult[]> => {
    const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: maxTokens });
    const { logits } = (await model(inputs)) as { logits: { data: Float32Array; dims: number[] } };
    const [batch, n] = logits.dims as [number, number];
    const out: SentimentResult[] = [];
    for (let b = 0; b < batch; b++) {
      const p = softmaxRow(logits.data, b * n, n);
      out.push(
        toResult({
          negative: p[cols.negative] ?? 0,
          neutral: cols.neutral >= 0 ? (p[cols.neutral] ?? 0) : 0,
          positive: p[cols.positive] ?? 0,
        }),
      );
    }
    return out;
  };
}

export type LoadedSentiment = SentimentAnalyzer & { forward(texts: string[]): Promise<SentimentResult[]>; readonly batchSizes: readonly number[] };

/**
 * Loads the classifier once from a local folder (never the network). With device "cuda", a missing GPU
 * or CUDA provider logs one line and falls back to CPU, like the shared encoder.
 */
export async function loadSentiment(opts: SentimentOptions): Promise<LoadedSentiment> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const dtype = opts.dtype ?? 'q8';
  const folder = resolve(opts.model);
  let weights = checkModelFolder(folder, dtype, HELP);
  const cols = labelColumns(folder);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(folder) + '/';
  const ref = basename(folder);
  const tokenizer = await AutoTokenizer.from_pretrained(ref, { local_files_only: true });
  const { model, device, dtype: runDtype } = await loadOnDevice(
    'sentiment',
    { device: opts.device ?? 'cpu', dtype },
    (device, d) => AutoModelForSequenceClassification.from_pretrained(ref, { device, dtype: d, local_files_only: true, session_options: sessionOptions(device, opts.threads) }),
    log,
  );
  if (runDtype !== dtype) weights = checkModelFolder(folder, runDtype, HELP);
  const checksum = createHash('sha256').update(readFileSync(weights)).digest('hex');
  const meta: ModelMeta = { modelId: `${opts.model}#${WEIGHTS[runDtype]}`, checksum, device, dtype: runDtype };
  return new BatchedSentiment(meta, onnxForward(tokenizer, model, cols, opts.maxTokens ?? 128), async () => void (await model.dispose()), {
    maxBatch: opts.maxBatch ?? 32,
    maxWaitMs: opts.maxWaitMs ?? 2,
  });
}

// Load once, call many: the chat pipeline, review summaries and evals of one process share it.
let shared: Promise<LoadedSentiment> | null = null;

export function getSharedSentiment(config: Config): Promise<SentimentAnalyzer> {
  if (!shared) {
    shared = loadSentiment(sentimentOptions(config)).catch((err: unknown) => {
      shared = null; // a later call retries, e.g. after the model folder is restored
      throw err;
    });
  }
  return shared;
}
