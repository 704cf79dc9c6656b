import { resolve } from 'node:path';
import type { Config } from '../core/config.js';
import type { Encoder } from './encoder-types.js';
import { EmbeddingCache } from './intent-embeddings.js';
import { loadHeadFromFile } from './intent-bot.js';
import { IntentModelError, type IntentClassifier } from './intent.js';
import { toResult, SENTIMENT_LABELS, type SentimentLabel, type SentimentResult } from './sentiment.js';

// Sentiment of a chat message from the shared encoder's vector: the intent method (softmax head on
// the frozen embedding plus hashed word n-grams, nlu/intent.ts) trained on three labels. The chat
// turn then needs ONE transformer pass for intent, sentiment, retrieval and recommendations; the
// fine-tuned classifier (nlu/sentiment.ts) stays for product reviews, where accuracy on review
// language matters more than a few milliseconds. Trained from fixtures/nlu/chat-sentiment-train.jsonl
// (tools/build-chat-sentiment.ts), persisted to data/intent/chat-sentiment-head.bin, retrained only
// when the data, the options or the encoder change.

export interface ChatSentiment {
  /** Sentiment from the message's sentence vector (already computed) and its text. */
  fromVector(vector: Float32Array, text: string): SentimentResult;
}

export function chatSentimentPaths(config: Config): { trainFile: string; modelPath: string; cacheDir: string } {
  return {
    trainFile: resolve(config.fixturesDir, 'nlu/chat-sentiment-train.jsonl'),
    modelPath: resolve(config.dataDir, 'intent/chat-sentiment-head.bin'),
    cacheDir: resolve(config.dataDir, 'cache'),
  };
}

/** Wraps a classifier trained on the labels negative / neutral / positive. */
export function chatSentimentFrom(classifier: IntentClassifier): ChatSentiment {
  const labels = classifier.meta.labels;
  const col = Object.fromEntries(SENTIMENT_LABELS.map((l) => [l, labels.indexOf(l)])) as Record<SentimentLabel, number>;
  if (col.negative < 0 || col.positive < 0 || col.neutral < 0) {
    throw new IntentModelError(`a chat sentiment head needs the labels ${SENTIMENT_LABELS.join(', ')} (got ${labels.join(', ')})`);
  }
  return {
    fromVector(vector, text) {
      const p = classifier.probabilities(vector, text);
      return toResult({ negative: p[col.negative]!, neutral: p[col.neutral]!, positive: p[col.positive]! });
    },
  };
}

export async function loadChatSentiment(opts: { config: Config; encoder: Encoder; cache?: EmbeddingCache; log?: (line: string) => void }): Promise<{ sentiment: ChatSentiment; trained: boolean }> {
  const paths = chatSentimentPaths(opts.config);
  const { classifier, trained } = await loadHeadFromFile({
    encoder: opts.encoder,
    trainFile: paths.trainFile,
    modelPath: paths.modelPath,
    cache: opts.cache ?? new EmbeddingCache(opts.encoder, paths.cacheDir),
    label: 'embed chat sentiment',
    ...(opts.log ? { log: opts.log } : {}),
  });
  return { sentiment: chatSentimentFrom(classifier), trained };
}
