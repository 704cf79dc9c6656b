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

export async function loadBotIntentClassifier(opts: {
  config: Config;
  encoder: Encoder;
  cache?: EmbeddingCache;
  options?: Partial<IntentTrainOptions>;
  log?: (line: string) => void;
}): Promise<{ classifier: IntentClassifier; trained: boolean }> {
  const paths = botIntentPaths(opts.config);
  const examples = await readIntentFile(paths.trainFile);
  const cache = opts.cache ?? new EmbeddingCache(opts.encoder, paths.cacheDir);
  const result = await loadOrTrainIntentClassifier({
    encoder: opts.encoder,
    examples,
    modelPath: paths.modelPath,
    options: opts.options,
    embed: (texts) => cache.embedAll(texts, { label: 'embed intents' }),
    log: opts.log,
  });
  if (result.trained) cache.save();
  return result;
}
