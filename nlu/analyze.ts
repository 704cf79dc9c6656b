import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../core/config.js';
import { EncoderInputError, type Encoder } from './encoder-types.js';
import { validateInput } from './encoder.js';
import { extractEntities, type Entities } from './entities.js';
import { ProductMatcher } from './entities-products.js';
import { OUT_OF_SCOPE, type IntentClassifier, type IntentScore } from './intent.js';
import { chatMood } from './chat-mood.js';
import { chatSentimentPaths, type ChatSentiment } from './chat-sentiment.js';

// The NLU API the dialogue layer calls: analyze(text) -> intent, confidence, entities, sentiment
// and the message vector. The shared encoder runs ONCE per message; its vector feeds the intent
// head and the chat sentiment head (nlu/chat-sentiment.ts) here and is returned so retrieval and the
// recommender reuse it. Without a chat sentiment head, a sentiment model (the fine-tuned classifier,
// nlu/sentiment.ts) runs concurrently with the encoder pass instead.

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

/** What analyze needs from a sentiment model: nlu/sentiment.ts's analyzer, or any `predict`. */
export type SentimentPort =
  | { analyze(text: string): Promise<{ label: SentimentLabel; score: number }> }
  | { predict(text: string): Promise<{ label: SentimentLabel; score: number }> };

export interface Analysis {
  intent: string;
  confidence: number;
  /** Best in-scope intents and probabilities, for clarifying questions ("did you mean ...?"). */
  top: IntentScore[];
  entities: Entities;
  sentiment: { label: SentimentLabel; score: number };
  /** The message's sentence embedding (384-d, unit length), for retrieval and recommendations. */
  vector: Float32Array | null;
  /** True when the message was longer than MAX_ANALYZE_CHARS and only its beginning was read. */
  truncated: boolean;
}

export interface Analyzer {
  analyze(text: string): Promise<Analysis>;
  readonly intent: IntentClassifier;
}

/** Longest message analysed; the encoder reads 256 word pieces at most anyway. */
export const MAX_ANALYZE_CHARS = 4000;

/** Small talk never mentions products, even when a catalog title shares a word ("Thank You Card"). */
const NO_PRODUCT_INTENTS = new Set(['greeting', 'thanks', 'goodbye', 'chitchat']);

const NEUTRAL = { label: 'neutral' as const, score: 0 };

function sentimentCall(port: SentimentPort, text: string): Promise<{ label: SentimentLabel; score: number }> {
  return 'analyze' in port ? port.analyze(text) : port.predict(text);
}

/** Cuts on a code-point boundary so a surrogate pair is never split. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end);
}

export function createAnalyzer(deps: {
  encoder: Encoder;
  intent: IntentClassifier;
  sentiment?: SentimentPort | null;
  /** Sentiment from the encoder's vector; when given, the sentiment model is not called. */
  chatSentiment?: ChatSentiment | null;
  products?: ProductMatcher | null;
  log?: (line: string) => void;
}): Analyzer {
  const log = deps.log ?? ((line: string) => console.error(line));
  let sentimentWarned = false;
  return {
    intent: deps.intent,
    async analyze(input: string): Promise<Analysis> {
      // Typed errors for input that is not a message at all (EncoderInputError: not_string,
      // empty); over-long messages are read up to MAX_ANALYZE_CHARS instead of being refused.
      if (typeof input !== 'string') throw new EncoderInputError('not_string', `expected a string, got ${input === null ? 'null' : typeof input}`);
      const truncated = input.length > MAX_ANALYZE_CHARS;
      const text = validateInput(cut(input, MAX_ANALYZE_CHARS));
      // With a chat sentiment head, sentiment comes from the encoder's vector below; otherwise the
      // sentiment model runs beside the encoder pass.
      const head = deps.chatSentiment ?? null;
      const sentimentP = head
        ? null
        : deps.sentiment
        ? sentimentCall(deps.sentiment, text).then(
            (r) => ({ label: r.label, score: r.score }),
            (err: unknown) => {
              if (!sentimentWarned) log(`[nlu] sentiment failed (${(err as Error).message ?? String(err)}); reporting neutral`);
              sentimentWarned = true;
              return NEUTRAL;
            },
          )
        : Promise.resolve(NEUTRAL);
      const [vector, modelSentiment] = await Promise.all([deps.encoder.embed(text), sentimentP]);
      const pred = deps.intent.predictVector(vector, text);
      const fromHead = head?.fromVector(vector, text);
      // Complaint signals the heads miss (statements, capitals, "!!!", sarcasm) move it to negative.
      const sentiment = chatMood(text, fromHead ? { label: fromHead.label, score: fromHead.score } : (modelSentiment ?? NEUTRAL));
      const entities = extractEntities(text, { products: deps.products ?? undefined, vector });
      if (NO_PRODUCT_INTENTS.has(pred.intent)) {
        entities.products = [];
        entities.spans = entities.spans.filter((s) => s.type !== 'product');
      }
      return { intent: pred.intent, confidence: pred.confidence, top: pred.top, entities, sentiment, vector, truncated };
    },
  };
}

/**
 * The bot's analyzer from configuration: the shared encoder, the bot's intent model and the chat
 * sentiment head (each loaded, or trained once and saved), the shared sentiment model only when chat
 * does not use the head, and the product matcher over fixtures/store/products.jsonl when present.
 */
export async function loadAnalyzer(
  config: Config,
  opts: { encoder?: Encoder; sentiment?: SentimentPort | null; chatSentiment?: boolean; log?: (line: string) => void } = {},
): Promise<Analyzer> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const { getSharedEncoder } = await import('./shared-encoder.js');
  const { loadBotIntentClassifier } = await import('./intent-bot.js');
  const { EmbeddingCache } = await import('./intent-embeddings.js');
  const encoder = opts.encoder ?? (await getSharedEncoder(config));
  // One embedding cache for both heads: its file is read once, and neither save drops the other's texts.
  const cache = new EmbeddingCache(encoder, chatSentimentPaths(config).cacheDir);
  const { classifier } = await loadBotIntentClassifier({ config, encoder, cache, log });
  // The chat sentiment head (one transformer pass per message) unless SHOPBOT_CHAT_SENTIMENT=model
  // or its training file is missing; only then does chat need the sentiment model.
  let chatSentiment: ChatSentiment | null = null;
  if (opts.chatSentiment !== false && existsSync(chatSentimentPaths(config).trainFile)) {
    const { loadChatSentiment } = await import('./chat-sentiment.js');
    chatSentiment = (await loadChatSentiment({ config, encoder, cache, log })).sentiment;
  }
  let sentiment: SentimentPort | null = opts.sentiment ?? null;
  if (opts.sentiment === undefined && !chatSentiment) {
    try {
      const { getSharedSentiment } = await import('./sentiment.js');
      sentiment = await getSharedSentiment(config);
    } catch (err) {
      log(`[nlu] sentiment model unavailable (${(err as Error).message.split('\n')[0]}); sentiment will be neutral`);
    }
  }
  let products: ProductMatcher | null = null;
  const productsFile = resolve(config.fixturesDir, 'store/products.jsonl');
  if (existsSync(productsFile)) products = (await ProductMatcher.fromJsonl(productsFile)).matcher;
  return createAnalyzer({ encoder, intent: classifier, sentiment, chatSentiment, products, log });
}

export { OUT_OF_SCOPE };
