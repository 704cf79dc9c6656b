import type { Store } from '../store/index.js';
import type { ReviewDigest, ReviewSummarizer } from './summary.js';

// A product's reviews as the chat tells them. The shape is the digest the insights page is
// aggregated from (`digestReviews` in reviews/summary.ts: numbers, aspects, pros, cons), so the chat
// and the page say the same about a product; the chat adds the catalogue's rating beside it.

export interface ProductReviewDigest extends ReviewDigest {
  productId: string;
  /** The catalogue's rating and its number of ratings (the product card's), when known. */
  catalogRating: number | null;
  catalogRatingCount: number | null;
  /** How many reviews the product has in all; more than `reviews` when the digest read the most recent only. */
  totalReviews: number;
}

export interface ProductReviewDigests {
  /** The product's digest; null where it has no reviews. */
  digest(productId: string): Promise<ProductReviewDigest | null>;
}

/** Digests for product questions from the review summarizer, each reused for `ttlMs` (10 minutes). */
export function productReviewDigests(store: Store, summarizer: ReviewSummarizer, opts: { ttlMs?: number } = {}): ProductReviewDigests {
  const ttlMs = opts.ttlMs ?? 10 * 60_000;
  const cache = new Map<string, { at: number; value: ProductReviewDigest | null }>();
  return {
    async digest(productId) {
      const hit = cache.get(productId);
      if (hit && Date.now() - hit.at < ttlMs) return hit.value;
      const total = (await store.reviews.stats(productId)).count;
      if (total === 0) return null;
      const { digest } = await summarizer.summarizeReviews(productId);
      const p = await store.products.get(productId);
      const value: ProductReviewDigest = { ...digest, productId, catalogRating: p?.rating ?? null, catalogRatingCount: p?.ratingCount ?? null, totalReviews: Math.max(total, digest.reviews) };
      cache.set(productId, { at: Date.now(), value });
      return value;
    },
  };
}
