import { Worker } from 'node:worker_threads';
import type { Config } from '../core/config.js';
import { BatchedEncoder, loadEncoder, type EncoderOptions, type LoadedEncoder, type ModelMeta } from './encoder.js';
import { ModelNotFoundError } from './encoder-types.js';
import { BatchedSentiment, loadSentiment, sentimentOptions, type LoadedSentiment, type SentimentOptions, type SentimentResult } from './sentiment.js';

// Runs a model in a worker thread behind the same Encoder / SentimentAnalyzer API. The server uses
// this so inference never blocks the event loop: sockets, SQLite and the policy keep going while a
// batch runs, and on two cores the model and everything else run side by side.

type Plain<T> = Omit<T, 'log'>;
export type WorkerSpec = { kind: 'encoder'; options: Plain<EncoderOptions> } | { kind: 'sentiment'; options: Plain<SentimentOptions> };
export type WorkerRequest = { type: 'forward' | 'lengths'; id: number; texts: string[] } | { type: 'close' };
export type WorkerReply =
  | { type: 'ready'; meta: ModelMeta }
  | { type: 'failed'; message: string; name: string }
  | { type: 'log'; line: string }
  | { type: 'result'; id: number; out: unknown[] }
  | { type: 'error'; id: number; message: string; name: string };

interface Waiting {
  resolve: (out: unknown[]) => void;
  reject: (err: Error) => void;
}

/** ONNX Runtime threads per model worker unless set: one each, so two workers and the main thread share two cores. */
export const DEFAULT_WORKER_THREADS = 1;

function revive(name: string, message: string): Error {
  const err = name === 'ModelNotFoundError' ? new ModelNotFoundError(message) : new Error(message);
  if (name !== 'ModelNotFoundError') err.name = name;
  return err;
}

/** One model in one worker thread: `forward` posts a batch and resolves with its outputs. */
class ModelWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private exited: Error | null = null;
  private closing = false;
  readonly ready: Promise<ModelMeta>;

  constructor(spec: WorkerSpec, log: (line: string) => void) {
    // The worker runs TypeScript like the rest of the project: its entry registers tsx's loader.
    this.worker = new Worker(new URL('./model-worker-boot.mjs', import.meta.url), { workerData: spec, execArgv: [] });
    this.worker.unref();
    this.ready = new Promise<ModelMeta>((resolve, reject) => {
      this.worker.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') resolve(m.meta);
        else if (m.type === 'failed') reject(revive(m.name, m.message));
        else if (m.type === 'log') log(m.line);
        else this.settle(m);
      });
      this.worker.on('error', (err) => {
        log(`[${spec.kind}] model worker error: ${err.message}`);
        reject(err);
      });
      this.worker.on('exit', (code) => {
        this.exited = new Error(`the ${spec.kind} model worker has stopped (exit code ${code})`);
        if (!this.closing) log(`[${spec.kind}] model worker stopped unexpectedly (exit code ${code}); ${this.waiting.size} batch(es) failed`);
        reject(this.exited);
        for (const w of this.waiting.values()) w.reject(this.exited);
        this.waiting.clear();
      });
    });
  }

  private settle(m: Extract<WorkerReply, { id: number }>): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (m.type === 'result') w.resolve(m.out);
    else w.reject(revive(m.name, m.message));
  }

  forward<O>(texts: string[], type: 'forward' | 'lengths' = 'forward'): Promise<O[]> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<O[]>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (out: unknown[]) => void, reject });
      this.worker.postMessage({ type, id, texts } satisfies WorkerRequest);
    });
  }

  get stopped(): boolean {
    return this.exited !== null;
  }

  /** Stops the thread at once, as a crash would (tests use it through modelWorkerOf). */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    // A worker stuck in a long forward pass is stopped rather than waited for.
    const timer = setTimeout(() => void this.worker.terminate(), 5_000);
    await gone;
    clearTimeout(timer);
  }
}

async function spawn(spec: WorkerSpec, log: (line: string) => void): Promise<{ worker: ModelWorker; meta: ModelMeta }> {
  const worker = new ModelWorker(spec, log);
  try {
    return { worker, meta: await worker.ready };
  } catch (err) {
    await worker.close().catch(() => {});
    throw err;
  }
}

/** Minimum time between two restarts of a model worker. */
const RESTART_BACKOFF_MS = 2_000;

/**
 * Keeps one model worker alive: when the thread dies (native crash, out of memory), the batches it
 * held fail, and the next call starts a new worker (at most one start per RESTART_BACKOFF_MS) instead
 * of failing forever.
 */
class SupervisedWorker {
  private restarting: Promise<ModelWorker> | null = null;
  private lastStart = Date.now();
  private closed = false;
  restarts = 0;

  constructor(
    private current: ModelWorker,
    private readonly spec: WorkerSpec,
    private readonly log: (line: string) => void,
  ) {}

  async forward<O>(texts: string[], type: 'forward' | 'lengths' = 'forward'): Promise<O[]> {
    if (this.closed) throw new Error(`the ${this.spec.kind} model is closed`);
    const worker = this.current.stopped ? await this.restart() : this.current;
    return worker.forward<O>(texts, type);
  }

  private restart(): Promise<ModelWorker> {
    this.restarting ??= (async () => {
      const wait = this.lastStart + RESTART_BACKOFF_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.lastStart = Date.now();
      this.log(`[${this.spec.kind}] starting a new model worker`);
      const { worker } = await spawn(this.spec, this.log);
      this.current = worker;
      this.restarts++;
      return worker;
    })().finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }

  async terminate(): Promise<void> {
    await this.current.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.restarting?.catch(() => {});
    await this.current.close();
  }
}

const supervisors = new WeakMap<object, SupervisedWorker>();

/** The worker behind a model loaded off-thread: restarts so far, and a way to kill it (for tests). */
export function modelWorkerOf(model: object): { readonly restarts: number; terminate(): Promise<void> } | undefined {
  return supervisors.get(model);
}

/**
 * Starts a supervised worker for `spec` and wraps it in the model's batching API (`make`), with the
 * micro-batching bounds of `opts`.
 */
async function offThread<M extends object>(
  spec: WorkerSpec,
  opts: { maxBatch?: number; maxWaitMs?: number; log?: (line: string) => void },
  make: (
    meta: ModelMeta,
    forward: (texts: string[]) => Promise<unknown[]>,
    close: () => Promise<void>,
    batch: { maxBatch: number; maxWaitMs: number },
    lengths: (texts: string[]) => Promise<number[]>,
  ) => M,
): Promise<M> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const { worker, meta } = await spawn(spec, log);
  const supervisor = new SupervisedWorker(worker, spec, log);
  const model = make(meta, (texts) => supervisor.forward(texts), () => supervisor.close(), { maxBatch: opts.maxBatch ?? 32, maxWaitMs: opts.maxWaitMs ?? 2 }, (texts) => supervisor.forward<number>(texts, 'lengths'));
  supervisors.set(model, supervisor);
  return model;
}

/** The shared encoder in its own worker thread: same API, same vectors as loadEncoder(). */
export function loadEncoderOffThread(opts: EncoderOptions): Promise<LoadedEncoder> {
  const { log: _log, ...options } = opts;
  return offThread({ kind: 'encoder', options: { threads: DEFAULT_WORKER_THREADS, ...options } }, opts, (meta, forward, close, batch, lengths) => {
    const enc = new BatchedEncoder(meta, forward as (t: string[]) => Promise<Float32Array[]>, close, batch);
    enc.tokenLengths = lengths; // counted by the worker's tokenizer, for length buckets
    return enc;
  });
}

/** The sentiment classifier in its own worker thread: same API, same results as loadSentiment(). */
export function loadSentimentOffThread(opts: SentimentOptions): Promise<LoadedSentiment> {
  const { log: _log, ...options } = opts;
  return offThread({ kind: 'sentiment', options: { threads: DEFAULT_WORKER_THREADS, ...options } }, opts, (meta, forward, close, batch) => new BatchedSentiment(meta, forward as (t: string[]) => Promise<SentimentResult[]>, close, batch));
}

/**
 * The models as configured: in worker threads or inline (SHOPBOT_INFERENCE, or `inference`), with
 * SHOPBOT_ONNX_THREADS when set; `over` changes single options (e.g. another model folder).
 */
export function loadConfiguredEncoder(config: Config, o: { inference?: 'worker' | 'inline'; over?: Partial<EncoderOptions> } = {}): Promise<LoadedEncoder> {
  const threads = config.encoder.threads ? { threads: config.encoder.threads } : {};
  return ((o.inference ?? config.encoder.inference) === 'worker' ? loadEncoderOffThread : loadEncoder)({ ...config.encoder, ...threads, ...o.over });
}

export function loadConfiguredSentiment(config: Config, o: { inference?: 'worker' | 'inline'; over?: Partial<SentimentOptions> } = {}): Promise<LoadedSentiment> {
  const threads = config.encoder.threads ? { threads: config.encoder.threads } : {};
  return ((o.inference ?? config.encoder.inference) === 'worker' ? loadSentimentOffThread : loadSentiment)({ ...sentimentOptions(config), ...threads, ...o.over });
}
