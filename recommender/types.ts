// Shapes the recommender codes against. It depends on the store only through the small source
// interfaces below (CatalogSource, EventSource, IdentitySource), so the same Recommender runs on the
// SQLite store (store-sources.ts) and on JSONL files or memory (memory-sources.ts) for the eval.

export const INTERACTION_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'impression'] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

/** One catalogue item as the recommender sees it. */
export interface CatalogItem {
  id: string;
  title: string;
  description?: string;
  /** "Dept > Sub > Leaf" (any depth); empty when unknown. */
  category?: string;
  price?: number;
  /** Units in stock; undefined means "unknown, assume available" (e.g. eval files). */
  stock?: number;
  rating?: number | null;
  ratingCount?: number | null;
}

/** One behavioural event: what a customer did with a product, when (epoch milliseconds). */
export interface Interaction {
  customerId: string;
  productId: string;
  type: InteractionType;
  ts: number;
  /** Groups lines bought together (order id); purchases without one group by (customer, ts). */
  basket?: string;
  /** The session (chat conversation id) the event happened in, when known; stored as context.conversationId. */
  session?: string;
}

/** Where the catalogue comes from. */
export interface CatalogSource {
  /** Every product (any order). */
  listProducts(): Promise<CatalogItem[]> | CatalogItem[];
  /**
   * Current stock for some ids (optional). When present, the recommender re-checks the few items it
   * is about to return, so a product that just sold out is never suggested.
   */
  stockOf?(ids: readonly string[]): Map<string, number>;
  /**
   * The same from a source that reads asynchronously (the store): recommend() re-checks the items it
   * picked and picks again without those that sold out.
   */
  liveStock?(ids: readonly string[]): Promise<Map<string, number>>;
}

/** Where behaviour comes from and where new events are written. */
export interface EventSource {
  /** The customer's latest interactions (purchases from orders included), OLDEST first. */
  history(customerId: string, limit: number): Interaction[] | Promise<Interaction[]>;
  /** Every purchase, oldest first, for training the collaborative part (the store's is asynchronous). */
  purchases(): Iterable<Interaction> | AsyncIterable<Interaction>;
  /** Persists one event (impression, click, add_to_cart, purchase, view). */
  record(e: Interaction): void | Promise<void>;
  /** Persists several events together (optional: one transaction instead of one per event). */
  recordMany?(es: readonly Interaction[]): void | Promise<void>;
}

/** Resolves a channel identity (web visitor id, Messenger PSID) to the one customer behind it. */
export interface IdentitySource {
  customerFor(channel: string, externalId: string): string | undefined | Promise<string | undefined>;
}

/** Filters from NLU entities ("under 500", "in headphones"). */
export interface RecommendFilters {
  minPrice?: number;
  maxPrice?: number;
  /** Matches a whole category path, a path prefix ("Electronics > Mobiles") or any one level ("Chargers"), case-insensitively. */
  category?: string;
}

export interface RecommendContext {
  /** Embedding of the request computed by NLU with the shared encoder: no second encoder pass. */
  queryVector?: Float32Array | readonly number[];
  filters?: RecommendFilters;
  /** Channel the request came in on; recorded for analytics only, never changes the ranking. */
  channel?: string;
  /**
   * true when the bot suggests on its own initiative (not asked): such pushes are frequency-capped
   * per customer and an empty list means "not now". Explicit requests are never capped.
   */
  proactive?: boolean;
  /** Product ids never to return (e.g. the one being discussed). */
  exclude?: readonly string[];
  /** Clock override (epoch ms) for this call. */
  now?: number;
  /**
   * The current session (chat conversation), for requests without a query: its views, clicks and
   * add-to-carts are ranked next to the long-term profile with recency weighting (see
   * SessionOptions). Events recorded with this `id` belong to it; so do untagged events at or after
   * `since` (the conversation's start, epoch ms), or, without `since`, the customer's latest run of
   * events with no gap longer than SessionOptions.gapMs ending within gapMs of now.
   * Content-free requests (RecommendRequest.contentFree, or a query of request words only) use the
   * session even when this is omitted.
   */
  session?: RecommendSession;
}

export interface RecommendSession {
  /** Conversation id the bot recorded the session's events with (NewEventInput.session). */
  id?: string;
  /** Epoch ms: untagged events at or after this time belong to the session (the conversation's start). */
  since?: number;
  /** Share of the session in the blend of profile and session, 0..1 (default SessionOptions.weight). */
  weight?: number;
}

export interface RecommendRequest {
  customerId: string;
  query?: string;
  /**
   * A request with no product content ("recommend something", "any suggestions?"): `query` and
   * `context.queryVector` are ignored, the list comes from the customer's profile and the current
   * session (cold start only when the customer has no events at all). A query made only of request
   * words (`isContentFree()` in text-match.ts) is treated the same way without this flag.
   */
  contentFree?: boolean;
  context?: RecommendContext;
  k?: number;
}

export interface Recommendation {
  productId: string;
  score: number;
  reason: string;
}

export interface RelatedItem extends Recommendation {
  kind: 'similar' | 'bought_together';
}

/** Typed error for requests the recommender refuses; the bot turns it into a clear message. */
export class RecommenderError extends Error {
  constructor(
    readonly code: 'invalid_input' | 'unknown_product' | 'not_ready',
    message: string,
  ) {
    super(message);
    this.name = 'RecommenderError';
  }
}
