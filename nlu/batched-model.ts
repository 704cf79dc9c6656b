import type { Device, Dtype } from '../core/config.js';
import { validateInput } from './encoder-types.js';
import { MicroBatcher } from './micro-batcher.js';

export interface ModelMeta {
  modelId: string;
  checksum: string;
  device: Device;
  dtype: Dtype;
}

/**
 * A model API over any batch forward function: in this thread (ONNX Runtime called directly) or in
 * a model worker (nlu/off-thread.ts). Concurrent single calls are coalesced into batches.
 */
export abstract class BatchedModel<R> {
  readonly modelId: string;
  readonly checksum: string;
  readonly device: Device;
  readonly dtype: Dtype;
  private readonly batcher: MicroBatcher<string, R>;

  constructor(
    meta: ModelMeta,
    readonly forward: (texts: string[]) => Promise<R[]>,
    private readonly dispose: () => Promise<void>,
    batch: { maxBatch: number; maxWaitMs: number },
  ) {
    ({ modelId: this.modelId, checksum: this.checksum, device: this.device, dtype: this.dtype } = meta);
    this.batcher = new MicroBatcher((texts) => this.forward(texts), batch);
  }

  get batchSizes(): readonly number[] {
    return this.batcher.batchSizes;
  }

  /** Calls `fn` with each batch's size as it is sent (null: stop); for metrics. */
  observeBatches(fn: ((size: number) => void) | null): void {
    this.batcher.onBatch = fn;
  }

  /** One text into the next batch; bad input rejects with an EncoderInputError. */
  protected submit(text: string): Promise<R> {
    try {
      return this.batcher.submit(validateInput(text));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async close(): Promise<void> {
    this.batcher.close();
    await this.dispose();
  }
}
