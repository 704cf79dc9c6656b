import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { AutoModel, AutoTokenizer, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import type { Device, Dtype } from '../core/config.js';
import { EMBEDDING_DIM, EncoderInputError, ModelNotFoundError, type Encoder } from './encoder-types.js';
import { MicroBatcher } from './micro-batcher.js';

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

export const MAX_INPUT_BYTES = 64 * 1024;

const WEIGHTS: Record<Dtype, string> = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', q8: 'model_quantized.onnx' };
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

function looksLocal(model: string): boolean {
  return isAbsolute(model) || model.startsWith('.') || existsSync(model);
}

/** Checks a local model folder before ONNX Runtime sees it, so the error says what to do. */
function checkLocalModel(folder: string, dtype: Dtype): string {
  if (!existsSync(folder)) {
    throw new ModelNotFoundError(
      `Model folder not found: ${folder}. The repository ships models/all-MiniLM-L6-v2; ` +
        'restore it (git checkout models/) or rebuild it with `bash tools/export-model.sh`, or set SHOPBOT_MODEL.',
    );
  }
  const missing = REQUIRED.filter((f) => !existsSync(join(folder, f)));
  const weights = join(folder, 'onnx', WEIGHTS[dtype]);
  if (!existsSync(weights)) missing.push(`onnx/${WEIGHTS[dtype]}`);
  if (missing.length > 0) {
    throw new ModelNotFoundError(`Model folder ${folder} is missing ${missing.join(', ')} (dtype ${dtype}). Rebuild it with \`bash tools/export-model.sh\`.`);
  }
  return weights;
}

/**
 * onnxruntime-node loads the CUDA provider from libraries next to its binding; the npm package ships
 * without them (their download is disabled in .npmrc). Checking first gives one clear line instead
 * of ONNX Runtime's native stack of errors. Returns why CUDA cannot run, or null when it might.
 */
export function cudaUnavailableReason(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `CUDA needs linux-x64, this is ${process.platform}-${process.arch}`;
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  const bin = join(dirname(pkg), 'bin', 'napi-v6', 'linux', 'x64');
  const missing = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'].filter((f) => !existsSync(join(bin, f)));
  if (missing.length > 0) return `${missing.join(' and ')} not found in ${bin}; see README "GPU"`;
  return null;
}

export function validateInput(text: unknown): string {
  if (typeof text !== 'string') throw new EncoderInputError('not_string', `expected a string, got ${text === null ? 'null' : typeof text}`);
  if (Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES) {
    throw new EncoderInputError('too_large', `input is larger than ${MAX_INPUT_BYTES / 1024} KB`);
  }
  if (text.trim().length === 0) throw new EncoderInputError('empty', 'input is empty or whitespace only');
  return text;
}

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

export interface ModelMeta {
  modelId: string;
  checksum: string;
  device: Device;
  dtype: Dtype;
}

/**
 * The Encoder API over any batch forward function: in this thread (ONNX Runtime called directly) or
 * in a model worker (nlu/off-thread.ts). Concurrent single calls are coalesced into batches.
 */
export class BatchedEncoder implements Encoder {
  readonly dim = EMBEDDING_DIM;
  readonly modelId: string;
  readonly checksum: string;
  readonly device: Device;
  readonly dtype: Dtype;
  private readonly batcher: MicroBatcher<string, Float32Array>;

  constructor(
    meta: ModelMeta,
    readonly forward: (texts: string[]) => Promise<Float32Array[]>,
    private readonly dispose: () => Promise<void>,
    batch: { maxBatch: number; maxWaitMs: number },
  ) {
    ({ modelId: this.modelId, checksum: this.checksum, device: this.device, dtype: this.dtype } = meta);
    this.batcher = new MicroBatcher((texts) => this.forward(texts), batch);
  }

  get batchSizes(): readonly number[] {
    return this.batcher.batchSizes;
  }

  embed(text: string): Promise<Float32Array> {
    try {
      return this.batcher.submit(validateInput(text));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async embedMany(texts: readonly string[]): Promise<Float32Array[]> {
    const valid = texts.map((t) => validateInput(t));
    const out: Float32Array[] = [];
    // Bounded chunks keep memory flat for large ingests.
    for (let i = 0; i < valid.length; i += 64) out.push(...(await this.forward(valid.slice(i, i + 64))));
    return out;
  }

  async close(): Promise<void> {
    this.batcher.close();
    await this.dispose();
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

export type LoadedEncoder = Encoder & { forward(texts: string[]): Promise<Float32Array[]>; readonly batchSizes: readonly number[] };

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
    const weights = checkLocalModel(folder, dtype);
    checksum = createHash('sha256').update(readFileSync(weights)).digest('hex');
    env.allowLocalModels = true;
    env.localModelPath = dirname(folder) + '/';
    modelRef = basename(folder);
  }

  const tokenizer = await AutoTokenizer.from_pretrained(modelRef, { local_files_only: local });
  const load = (device: Device, d: Dtype) =>
    AutoModel.from_pretrained(modelRef, { device, dtype: d, local_files_only: local, session_options: { logSeverityLevel: device === 'cuda' ? 4 : 3, ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}) } });

  let device: Device = wantDevice;
  let runDtype: Dtype = dtype;
  let model: PreTrainedModel;
  try {
    const precheck = wantDevice === 'cuda' ? cudaUnavailableReason() : null;
    if (precheck) throw new Error(precheck);
    model = await load(wantDevice, dtype);
  } catch (err) {
    if (wantDevice !== 'cuda') throw err;
    const reason = ((err as Error).message ?? String(err)).split('\n')[0]!.slice(0, 300);
    log(`[encoder] CUDA execution provider unavailable (${reason}); falling back to CPU`);
    device = 'cpu';
    // fp16 weights are a GPU format; on CPU run the fp32 model.
    runDtype = dtype === 'fp16' ? 'fp32' : dtype;
    if (local && runDtype !== dtype) checksum = createHash('sha256').update(readFileSync(checkLocalModel(resolve(opts.model), runDtype))).digest('hex');
    model = await load('cpu', runDtype);
  }
  const meta: ModelMeta = { modelId: `${opts.model}#${WEIGHTS[runDtype]}`, checksum, device, dtype: runDtype };
  const loaded = model;
  return new BatchedEncoder(meta, onnxForward(tokenizer, loaded, opts.maxTokens ?? 256), async () => void (await loaded.dispose()), {
    maxBatch: opts.maxBatch ?? 32,
    maxWaitMs: opts.maxWaitMs ?? 2,
  });
}
