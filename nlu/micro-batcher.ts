// Coalesces concurrent single-item requests into batched calls. While one batch runs, new requests
// queue up and go out together in the next one, so throughput grows with load; a lone request waits
// at most `maxWaitMs` before it is sent on its own.

export interface MicroBatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
}

interface Pending<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  /** Sizes of the batches sent, for benchmarks and tests. */
  readonly batchSizes: number[] = [];
  /** Told each batch's size as it is sent (the server's metrics); never throws into the batch. */
  onBatch: ((size: number) => void) | null = null;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly opts: MicroBatcherOptions,
  ) {}

  submit(input: I): Promise<O> {
    if (this.closed) return Promise.reject(new Error('batcher is closed'));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.queue.splice(0)) p.reject(new Error('batcher is closed'));
  }

  private schedule(): void {
    if (this.running) return; // the running batch drains the queue when it finishes
    if (this.queue.length >= this.opts.maxBatch) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.opts.maxWaitMs);
    }
  }

  private async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.opts.maxBatch);
    this.batchSizes.push(batch.length);
    try {
      this.onBatch?.(batch.length);
    } catch {
      // an observer's failure is no reason to fail the batch
    }
    try {
      const out = await this.run(batch.map((p) => p.input));
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (err) {
      batch.forEach((p) => p.reject(err));
    } finally {
      this.running = false;
      if (this.queue.length > 0) {
        // Requests that arrived during the forward pass go straight out together.
        if (this.queue.length >= this.opts.maxBatch || this.opts.maxWaitMs === 0) void this.flush();
        else this.schedule();
      }
    }
  }
}
