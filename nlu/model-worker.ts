import { parentPort, workerData } from 'node:worker_threads';
import { loadEncoder, type EncoderOptions } from './encoder.js';
import { loadSentiment, type SentimentOptions } from './sentiment.js';
import type { WorkerReply, WorkerRequest, WorkerSpec } from './off-thread.js';

// A model worker: loads one ONNX model and runs batch forward passes for the main thread. ONNX
// Runtime's Node binding runs inference synchronously on the calling thread, so in the main
// thread every forward pass would stall socket.io, SQLite and the dialogue policy.

const port = parentPort!;
const spec = workerData as WorkerSpec;
const post = (m: WorkerReply) => port.postMessage(m);
const log = (line: string) => post({ type: 'log', line });

try {
  // Micro-batching happens on the main side; here each request is already a batch.
  const common = { maxBatch: 1, maxWaitMs: 0, log };
  const model =
    spec.kind === 'encoder' ? await loadEncoder({ ...(spec.options as EncoderOptions), ...common }) : await loadSentiment({ ...(spec.options as SentimentOptions), ...common });
  post({ type: 'ready', meta: { modelId: model.modelId, checksum: model.checksum, device: model.device, dtype: model.dtype } });
  port.on('message', (req: WorkerRequest) => {
    if (req.type === 'close') {
      void model.close().finally(() => port.close());
      return;
    }
    const run =
      req.type === 'lengths'
        ? ('tokenLengths' in model && model.tokenLengths ? model.tokenLengths(req.texts) : Promise.reject(new Error('this model does not count tokens')))
        : (model.forward as (texts: string[]) => Promise<unknown[]>)(req.texts);
    run.then(
      (out) => post({ type: 'result', id: req.id, out }),
      (err: unknown) => post({ type: 'error', id: req.id, message: (err as Error).message ?? String(err), name: (err as Error).name ?? 'Error' }),
    );
  });
} catch (err) {
  post({ type: 'failed', message: (err as Error).message ?? String(err), name: (err as Error).name ?? 'Error' });
}
