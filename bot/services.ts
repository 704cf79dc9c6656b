import type { ProductReviewDigest } from '../reviews/product-digest.js';

// What the dialogue layer needs from NLU, retrieval, the recommender and review analytics, as small
// interfaces. app/wiring.ts adapts the real components to them (review digests come as reviews/
// builds them, reviews/product-digest.ts); the policy never reaches past these.

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface Entities {
  orderNumbers: string[];
  emails: string[];
  priceMin?: number;
  priceMax?: number;
  quantity?: number;
  sizes: string[];
  colors: string[];
  /** Catalog products mentioned, best match first. */
  products: { productId: string; score: number }[];
}

export interface Understanding {
  intent: string;
  confidence: number;
  entities: Entities;
  sentiment: { label: SentimentLabel; score: number };
  /** The message's embedding, reused by retrieval and the recommender (one encoder pass). */
  vector: Float32Array | null;
  /** The intent head's best candidates with their probabilities, also when it said out of scope. */
  top?: { intent: string; score: number }[];
}

export interface Understander {
  analyze(text: string): Promise<Understanding>;
}

/** The current customer's own data, used to fill an answer's placeholders at reply time. */
export interface CustomerFacts {
  name?: string;
  email?: string;
  orderNumber?: string;
}

export interface FaqAnswer {
  answer: string;
  score: number;
  /** Transcript ids (or `kb:<article>#<section>`), for agents only. */
  sources: string[];
  confident: boolean;
  /**
   * Where the answer comes from: one of the store's help articles (its title and the link to the
   * section), a mined support transcript, or an answer agents taught the bot.
   */
  source?: { kind: 'article' | 'transcript' | 'learned'; title?: string; url?: string };
}

export interface FaqAnswerer {
  /**
   * `lenient`: the caller has nothing better to say (the message is neither understood nor a
   * product request), so a help-article section matching less closely is still worth answering.
   */
  answer(question: string, ctx: { intent?: string; vector?: Float32Array | null; facts: CustomerFacts; lenient?: boolean }): Promise<FaqAnswer>;
  /** The help articles (slugs) the message names by their topic words, in the order it names them. */
  topics(question: string): string[];
  /** The section of one help article that fits the question best; null when the article is gone. */
  fromArticle(question: string, slug: string, ctx: { vector?: Float32Array | null }): Promise<FaqAnswer | null>;
}

/**
 * The FAQ index as the learned-answer review sees it: only approved answers are put in it, and
 * `legacy` lists units that were learned without approval (before reviews existed).
 */
export interface AnswerIndex {
  /** Indexes an approved answer; returns the unit label that serves it. */
  put(entry: { id: number; question: string; answer: string }): Promise<number>;
  remove(label: number): Promise<void>;
  legacy(): { label: number; question: string; answer: string }[];
}

export interface Suggestion {
  productId: string;
  score: number;
  reason: string;
}

export interface SuggestRequest {
  customerId: string;
  query?: string;
  queryVector?: Float32Array | null;
  filters?: { minPrice?: number; maxPrice?: number; category?: string };
  excludeIds?: string[];
  /** The conversation: its views, clicks and cart steer a request with no product words in it. */
  conversationId?: string;
  k: number;
}

export interface Suggester {
  recommend(req: SuggestRequest): Promise<Suggestion[]>;
  related(productId: string, k: number): Promise<Suggestion[]>;
  recordEvent(e: SuggestionEvent): Promise<void>;
  /** Several events of one turn (e.g. the impressions of a carousel), stored together. */
  recordEvents(es: SuggestionEvent[]): Promise<void>;
}

export interface SuggestionEvent {
  customerId: string;
  productId: string;
  type: 'view' | 'click' | 'add_to_cart' | 'purchase' | 'impression';
  context?: Record<string, unknown>;
}

/**
 * A product's reviews: the digest reviews/ builds for the chat and the insights page alike (mean
 * rating, few-reviews flag, aspects with their positive share, pros and cons quoted verbatim, each
 * naming its aspect), with the catalogue's rating beside it.
 */
export type ReviewDigest = ProductReviewDigest;

export interface ReviewInsights {
  digest(productId: string): Promise<ReviewDigest | null>;
}

export interface BotServices {
  nlu: Understander;
  faq: FaqAnswerer;
  recommender: Suggester;
  reviews: ReviewInsights;
}
