import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { AutoModel, AutoTokenizer, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { Device, Dtype } from '../core/config.js';
import { BatchedModel, type ModelMeta } from './batched-model.js';
import { EMBEDDING_DIM, MAX_INPUT_BYTES, validateInput, type EmbedManyOptions, type Encoder } from './encoder-types.js';
import { DEFAULT_BUCKETS, estimateTokens, runBucketed } from './length-buckets.js';
import { checkModelFolder, cudaUnavailableReason, loadOnDevice, sessionOptions, WEIGHTS } from './onnx-load.js';

export interface EncoderOptions {
  /** Local folder in Transformers.js layout, or a hub model id (needs allowRemote). */
  model: string;
  device?: Device;
  dtype?: Dtype;
  allowRemote?: boolean;
  maxBatch?: number;
  maxWaitMs?: number;
  /** Word pieces kept per input; all-MiniLM-L6-v2 was trained with 256. */
  maxTokens?: number;
  /** ONNX Runtime intra-op threads (default: ONNX Runtime's choice, all cores). */
  threads?: number;
  log?: (line: string) => void;
}

function looksLocal(model: string): boolean {
  return isAbsolute(model) || model.startsWith('.') || existsSync(model);
}

const HELP = {
  name: 'Model folder',
  notFound: 'The repository ships models/all-MiniLM-L6-v2; restore it (git checkout models/) or rebuild it with `bash tools/export-model.sh`, or set SHOPBOT_MODEL.',
  rebuild: 'Rebuild it with `bash tools/export-model.sh`.',
};

/** Kept here for callers that import them with the encoder. */
export { cudaUnavailableReason, MAX_INPUT_BYTES, validateInput };
export type { ModelMeta };


/** Mean-pools token vectors under the attention mask, then L2-normalizes each row. */
function meanPoolNormalize(hidden: Float32Array, mask: ArrayLike<bigint | number>, batch: number, seq: number, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(dim);
    let count = 0;
    for (let t = 0; t < seq; t++) {
      if (Number(mask[b * seq + t]) === 0) continue;
      count++;
      const off = (b * seq + t) * dim;
      for (let d = 0; d < dim; d++) v[d]! += hidden[off + d]!;
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      v[d]! /= Math.max(count, 1);
      norm += v[d]! * v[d]!;
    }
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dim; d++) v[d]! /= norm;
    out.push(v);
  }
  return out;
}


/**
 * The Encoder API over any batch forward function: in this thread (ONNX Runtime called directly) or
 * in a model worker (nlu/off-thread.ts). Concurrent single calls are coalesced into batches.
 */
export class BatchedEncoder extends BatchedModel<Float32Array> implements Encoder {
  readonly dim = EMBEDDING_DIM;
  /** Exact word-piece counts (the model's tokenizer) for bucketing; estimated when absent. */
  tokenLengths?: (texts: string[]) => Promise<number[]>;

  embed(text: string): Promise<Float32Array> {
    return this.submit(text);
  }

  /**
   * Bulk embedding in length buckets (nlu/length-buckets.ts): texts of similar token length share a
   * forward pass instead of padding short ones to long ones; results in input order, one pass at a
   * time (bounded batches keep memory flat, and chat turns queue behind one batch at most).
   */
  async embedMany(texts: readonly string[], opts: EmbedManyOptions = {}): Promise<Float32Array[]> {
    const valid = texts.map((t) => validateInput(t));
    if (valid.length === 0) return [];
    let lengths: number[] | undefined;
    if (valid.length > DEFAULT_BUCKETS.maxBatch && this.tokenLengths) {
      try {
        lengths = await this.tokenLengths(valid);
      } catch {
        lengths = undefined; // the estimate orders them nearly as well
      }
    }
    return runBucketed(valid, (batch) => this.forward(batch), { lengths: lengths ?? valid.map((t) => estimateTokens(t)), ...(opts.onBatch ? { onBatch: opts.onBatch } : {}) });
  }
}

/** One forward pass over a batch: tokenize with padding/truncation, run, mean-pool. */
function onnxForward(tokenizer: PreTrainedTokenizer, model: PreTrainedModel, maxTokens: number) {
  return async (texts: string[]): Promise<Float32Array[]> => {
    const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: maxTokens });
    const { last_hidden_state: hidden } = await model(inputs);
    const [batch, seq, dim] = hidden.dims as [number, number, number];
    return meanPoolNormalize(hidden.data as Float32Array, inputs.attention_mask.data, batch, seq, dim);
  };
}

export type LoadedEncoder = Encoder & { forward(texts: string[]): Promise<Float32Array[]>; readonly batchSizes: readonly number[]; tokenLengths?: (texts: string[]) => Promise<number[]> };

/**
 * Loads the tokenizer and ONNX model once. With device "cuda", a missing GPU or missing CUDA
 * provider libraries log one line and fall back to CPU instead of failing the bot.
 */
export async function loadEncoder(opts: EncoderOptions): Promise<LoadedEncoder> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const dtype = opts.dtype ?? 'fp32';
  const wantDevice = opts.device ?? 'cpu';
  const local = looksLocal(opts.model) || !opts.allowRemote;
  let modelRef = opts.model;
  let checksum = 'remote:' + opts.model;
  env.allowRemoteModels = Boolean(opts.allowRemote);
  if (local) {
    const folder = resolve(opts.model);
    const weights = checkModelFolder(folder, dtype, HELP);
    checksum = createHash('sha256').update(readFileSync(weights)).digest('hex');
    env.allowLocalModels = true;
    env.localModelPath = dirname(folder) + '/';
    modelRef = basename(folder);
  }

  const tokenizer = await AutoTokenizer.from_pretrained(modelRef, { local_files_only: local });
  const { model, device, dtype: runDtype } = await loadOnDevice(
    'encoder',
    { device: wantDevice, dtype },
    (device, d) => AutoModel.from_pretrained(modelRef, { device, dtype: d, local_files_only: local, session_options: sessionOptions(device, opts.threads) }),
    log,
  );
  if (local && runDtype !== dtype) checksum = createHash('sha256').update(readFileSync(checkModelFolder(resolve(opts.model), runDtype, HELP))).digest('hex');
  const meta: ModelMeta = { modelId: `${opts.model}#${WEIGHTS[runDtype]}`, checksum, device, dtype: runDtype };
  const maxTokens = opts.maxTokens ?? 256;
  const enc = new BatchedEncoder(meta, onnxForward(tokenizer, model, maxTokens), async () => void (await model.dispose()), {
    maxBatch: opts.maxBatch ?? 32,
    maxWaitMs: opts.maxWaitMs ?? 2,
  });
  enc.tokenLengths = async (texts) => texts.map((t) => Math.min(maxTokens, tokenizer.encode(t).length));
  return enc;
}
