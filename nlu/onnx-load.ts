import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Device, Dtype } from '../core/config.js';
import { ModelNotFoundError } from './encoder-types.js';

// What the shared encoder and the sentiment classifier load the same way: the weights file of a
// dtype, the folder check with an actionable error, ONNX Runtime session options, and the CUDA
// attempt that falls back to CPU with one log line.

export const WEIGHTS: Record<Dtype, string> = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', q8: 'model_quantized.onnx' };
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

/**
 * Checks a local model folder before ONNX Runtime sees it, so the error says what to do. Returns the
 * path of the weights file for `dtype`.
 */
export function checkModelFolder(folder: string, dtype: Dtype, help: { name: string; notFound: string; rebuild: string }): string {
  if (!existsSync(folder)) throw new ModelNotFoundError(`${help.name} not found: ${folder}. ${help.notFound}`);
  const missing = REQUIRED.filter((f) => !existsSync(join(folder, f)));
  const weights = join(folder, 'onnx', WEIGHTS[dtype]);
  if (!existsSync(weights)) missing.push(`onnx/${WEIGHTS[dtype]}`);
  if (missing.length > 0) throw new ModelNotFoundError(`${help.name} ${folder} is missing ${missing.join(', ')} (dtype ${dtype}). ${help.rebuild}`);
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
  if (missing.length > 0) return `${missing.join(' and ')} not found in ${bin}; see docs/models.md#gpu`;
  return null;
}

/** ONNX Runtime session options: quiet logs (CUDA's are noisier), optional intra-op thread count. */
export function sessionOptions(device: Device, threads?: number): Record<string, number> {
  return { logSeverityLevel: device === 'cuda' ? 4 : 3, ...(threads ? { intraOpNumThreads: threads } : {}) };
}

/**
 * Loads on the wanted device. When CUDA was asked for and cannot run, logs one line and loads on
 * CPU instead (fp16 weights are a GPU format, so CPU runs fp32 then).
 */
export async function loadOnDevice<T>(
  tag: string,
  want: { device: Device; dtype: Dtype },
  load: (device: Device, dtype: Dtype) => Promise<T>,
  log: (line: string) => void,
): Promise<{ model: T; device: Device; dtype: Dtype }> {
  try {
    const precheck = want.device === 'cuda' ? cudaUnavailableReason() : null;
    if (precheck) throw new Error(precheck);
    return { model: await load(want.device, want.dtype), ...want };
  } catch (err) {
    if (want.device !== 'cuda') throw err;
    const reason = ((err as Error).message ?? String(err)).split('\n')[0]!.slice(0, 300);
    log(`[${tag}] CUDA execution provider unavailable (${reason}); falling back to CPU`);
    const dtype: Dtype = want.dtype === 'fp16' ? 'fp32' : want.dtype;
    return { model: await load('cpu', dtype), device: 'cpu', dtype };
  }
}
