import type { Config } from '../core/config.js';
import type { Encoder } from './encoder-types.js';
import { loadEncoder, type LoadedEncoder } from './encoder.js';

// Load once, call many: every component of one process shares this encoder and its batcher.
let shared: Promise<LoadedEncoder> | null = null;

export function getSharedEncoder(config: Config): Promise<Encoder> {
  if (!shared) {
    shared = loadEncoder({ ...config.encoder }).catch((err: unknown) => {
      shared = null; // let a later call retry, e.g. after the model folder is restored
      throw err;
    });
  }
  return shared;
}
