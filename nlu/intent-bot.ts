import { resolve } from 'node:path';
import type { Config } from '../core/config.js';
import type { Encoder } from './encoder-types.js';
import { readIntentFile } from './intent-data.js';
import { EmbeddingCache } from './intent-embeddings.js';
import { loadOrTrainIntentClassifier, type IntentClassifier, type IntentTrainOptions } from './intent.js';

// The bot's own intent model: trained from fixtures/nlu/intents-train.jsonl (27 Bitext customer-
// service intents, 9 shopping and small-talk intents, out-of-scope examples), persisted to
// data/intent/intent-head.bin and loaded at start; retrained only when the training file, the
// options, the method version or the encoder weights change.

export function botIntentPaths(config: Config): { trainFile: string; modelPath: string; cacheDir: string } {
  return {
    trainFile: resolve(config.fixturesDir, 'nlu/intents-train.jsonl'),
    modelPath: resolve(config.dataDir, 'intent/intent-head.bin'),
    cacheDir: resolve(config.dataDir, 'cache'),
  };
}

/**
 * A head of the intent method trained from a labelled fixture file: loaded when the saved one matches
 * the data, options and encoder, else trained (embedding only texts the cache lacks) and saved.
 */
export async function loadHeadFromFile(opts: {
  encoder: Encoder;
  trainFile: string;
  modelPath: string;
  cache: EmbeddingCache;
  /** Progress bar label while embedding. */
  label: string;
  options?: Partial<IntentTrainOptions>;
  log?: (line: string) => void;
}): Promise<{ classifier: IntentClassifier; trained: boolean }> {
  const examples = await readIntentFile(opts.trainFile);
  const result = await loadOrTrainIntentClassifier({
    encoder: opts.encoder,
    examples,
    modelPath: opts.modelPath,
    options: opts.options,
    embed: (texts) => opts.cache.embedAll(texts, { label: opts.label }),
    log: opts.log,
  });
  if (result.trained) opts.cache.save();
  return result;
}

export async function loadBotIntentClassifier(opts: {
  config: Config;
  encoder: Encoder;
  cache?: EmbeddingCache;
  options?: Partial<IntentTrainOptions>;
  log?: (line: string) => void;
}): Promise<{ classifier: IntentClassifier; trained: boolean }> {
  const paths = botIntentPaths(opts.config);
  return loadHeadFromFile({
    encoder: opts.encoder,
    trainFile: paths.trainFile,
    modelPath: paths.modelPath,
    cache: opts.cache ?? new EmbeddingCache(opts.encoder, paths.cacheDir),
    label: 'embed intents',
    ...(opts.options ? { options: opts.options } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
}
