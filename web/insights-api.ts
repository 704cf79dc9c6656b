import type { IncomingMessage, ServerResponse } from 'node:http';
import { requireStaff } from '../desk/staff-auth.js';
import { sendJson } from '../core/http.js';
import { STAFF_ROLES, type Product, type Review, type StaffRole, type Store } from '../store/index.js';
import { FEW_REVIEWS, reviewStars } from '../reviews/summary.js';
import { LexiconReviewAnalyzer } from '../reviews/insights-basic.js';
import { inRange, share, summarize, type InsightSummary, type Polarity, type ReviewAnalysis, type ReviewAnalyzer } from '../reviews/insights-core.js';
import { BadRequest, date, int, str } from './params.js';
import { allowRead } from './static.js';

// HTTP API of the review-insights dashboard:
//   GET /api/insights/products?category=&from=&to=&q=&limit=      products with review counts and sentiment
//   GET /api/insights/products/:id?from=&to=                      one product's summary (202 + progress while computing)
//   GET /api/insights/products/:id/reviews?aspect=&polarity=&ids=&page=&from=&to=   the reviews behind it
//   GET /api/insights/export.csv|export.json?category=&from=&to=[&productId=&table=aspects|monthly|reviews]
// Every route needs `Authorization: Bearer <staff session token>` (desk/staff-auth.ts): 401 without a
// live session, 403 for an account whose role is not allowed (agents, admins and the product team are).
// Per-review analyses are computed lazily per product, in small batches that yield to the event
// loop, and cached (LRU); the list shows text sentiment where it is known and the star-rating
// proxy (marked as such) until then, while a background worker fills the cache.

export interface InsightsApiOptions {
  store: Store;
  analyzer?: ReviewAnalyzer;
  /** Reviews per analyzer call; the server serves other requests between batches. */
  batchSize?: number;
  /** How long the review index (counts per product) is reused before it is rebuilt. */
  indexTtlMs?: number;
  /** Products whose analyses stay cached. */
  maxCachedProducts?: number;
  /** How long a product request waits for a summary before answering 202 with progress. */
  waitMs?: number;
  /** Analyze the most-reviewed products in the background after the first list request. */
  warmTop?: number;
  /** Staff roles that may read insights (default: all of them). */
  roles?: readonly StaffRole[];
  log?: (line: string) => void;
}

interface IndexedReview {
  id: string;
  /** The reviewer's own stars; null when the source has none (`reviewStars`). */
  rating: number | null;
  date: string;
}

interface ReviewIndex {
  at: number;
  total: number;
  byProduct: Map<string, IndexedReview[]>;
  products: Map<string, Product>;
}

interface Entry {
  status: 'computing' | 'ready' | 'failed';
  done: number;
  total: number;
  analyses: ReviewAnalysis[];
  byId: Map<string, ReviewAnalysis>;
  promise: Promise<void>;
  error?: string;
  reviewCount: number;
}

export interface ProductRow {
  productId: string;
  title: string;
  category: string;
  image: string | null;
  reviews: number;
  /** Reviews with the reviewer's own stars; meanRating is theirs (null when there are none). */
  ratedReviews: number;
  meanRating: number | null;
  /** The catalogue's rating and how many ratings it comes from (the store's product card shows these). */
  catalogRating: number | null;
  catalogRatingCount: number | null;
  /** Fewer reviews than FEW_REVIEWS. */
  fewReviews: boolean;
  sentiment: { positive: number; neutral: number; negative: number; score: number };
  /**
   * 'text' once the reviews were analyzed; 'ratings' (4-5 stars positive, 3 neutral, 1-2 negative,
   * from the rated reviews) until then; 'none' when there is neither yet.
   */
  sentimentSource: 'text' | 'ratings' | 'none';
  lastReview: string | null;
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

const ratingPolarity = (rating: number): Polarity => (rating >= 4 ? 'positive' : rating <= 2 ? 'negative' : 'neutral');

/** A CSV cell: quoted when needed, and defused when a spreadsheet would read it as a formula. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isFinite(v) ? String(Math.round(v * 10000) / 10000) : '') : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !(typeof v === 'number')) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function createInsightsApi(opts: InsightsApiOptions) {
  const { store } = opts;
  const analyzer = opts.analyzer ?? new LexiconReviewAnalyzer();
  const batchSize = opts.batchSize ?? 32;
  const ttl = opts.indexTtlMs ?? 60_000;
  const maxCached = opts.maxCachedProducts ?? 200;
  const waitMs = opts.waitMs ?? 1500;
  const warmTop = opts.warmTop ?? 30;
  const log = opts.log ?? ((l: string) => console.error(l));
  const cache = new Map<string, Entry>();
  let index: ReviewIndex | null = null;
  /** The index being built: concurrent requests share one build. */
  let indexing: Promise<ReviewIndex> | null = null;
  let warming = false;
  let closed = false;

  /** Counts, ratings and dates of every review (no texts), grouped by product. */
  const reviewIndex = async (): Promise<ReviewIndex> => {
    if (index && Date.now() - index.at < ttl) return index;
    indexing ??= (async () => {
      const byProduct = new Map<string, IndexedReview[]>();
      let total = 0;
      // Read a page at a time by id (store.reviews.listAll).
      for await (const r of store.reviews.listAll()) {
        total++;
        const list = byProduct.get(r.productId);
        const row = { id: r.id, rating: reviewStars(r), date: r.date };
        if (list) list.push(row);
        else byProduct.set(r.productId, [row]);
      }
      const products = new Map((await store.products.getMany([...byProduct.keys()])).map((p) => [p.id, p]));
      index = { at: Date.now(), total, byProduct, products };
      return index;
    })().finally(() => {
      indexing = null;
    });
    return indexing;
  };

  const loadReviews = async (productId: string): Promise<Review[]> => {
    const out: Review[] = [];
    for (let offset = 0; offset < 100_000; offset += 100) {
      const page = await store.reviews.listForProduct(productId, { limit: 100, offset, sort: 'recent' });
      out.push(...page.items);
      if (page.items.length < 100) break;
    }
    return out;
  };

  const touch = (productId: string, e: Entry) => {
    cache.delete(productId);
    cache.set(productId, e);
    while (cache.size > maxCached) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  };

  /** The product's analyses, started if needed; a changed review count starts them afresh. */
  const entryFor = async (productId: string): Promise<Entry> => {
    // Only this read awaits: the cache check and the new entry below are one step, so concurrent
    // requests for a product share one analysis.
    const count = (await reviewIndex()).byProduct.get(productId)?.length ?? 0;
    const existing = cache.get(productId);
    if (existing && existing.status !== 'failed' && existing.reviewCount === count) {
      touch(productId, existing);
      return existing;
    }
    const e: Entry = { status: 'computing', done: 0, total: count, analyses: [], byId: new Map(), promise: Promise.resolve(), reviewCount: count };
    e.promise = (async () => {
      try {
        const reviews = await loadReviews(productId);
        e.total = reviews.length;
        for (let i = 0; i < reviews.length; i += batchSize) {
          if (closed) throw new Error('insights closed');
          const batch = reviews.slice(i, i + batchSize);
          // Stars only where they are the reviewer's own (not a copy of the catalogue average).
          const out = await analyzer.analyze(batch.map((r) => ({ id: r.id, rating: reviewStars(r), title: r.title, text: r.text, date: r.date })));
          for (const a of out) {
            e.analyses.push(a);
            e.byId.set(a.reviewId, a);
          }
          e.done = Math.min(reviews.length, i + batch.length);
          await yieldToLoop();
        }
        e.status = 'ready';
      } catch (err) {
        e.status = 'failed';
        e.error = (err as Error).message;
        if (!closed) log(`[insights] analyzing reviews of ${productId} failed: ${(err as Error).message}`);
      }
    })();
    touch(productId, e);
    return e;
  };

  const warm = (ids: string[]) => {
    if (warming || closed) return;
    warming = true;
    void (async () => {
      try {
        for (const id of ids) {
          if (closed) break;
          const e = await entryFor(id);
          await e.promise;
        }
      } finally {
        warming = false;
      }
    })();
  };

  const rangeOf = (url: URL) => {
    const from = date(url, 'from');
    const to = date(url, 'to', true);
    if (from && to && from > to) throw new BadRequest('from must be before to');
    return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
  };

  const categoryMatches = (productCategory: string, filter: string) => {
    const a = productCategory.toLowerCase();
    const b = filter.toLowerCase();
    return a === b || a.startsWith(b + ' > ');
  };

  const productRows = async (url: URL): Promise<{ rows: ProductRow[]; categories: { category: string; count: number }[]; range: { from?: string; to?: string } }> => {
    const range = rangeOf(url);
    const category = str(url, 'category', 200);
    const q = str(url, 'q', 100)?.toLowerCase();
    const idx = await reviewIndex();
    const rows: ProductRow[] = [];
    const categories = new Map<string, number>();
    for (const [productId, reviews] of idx.byProduct) {
      const p = idx.products.get(productId);
      if (!p) continue;
      const inR = reviews.filter((r) => inRange(r.date, range.from, range.to));
      if (inR.length === 0) continue;
      const top = p.category.split(' > ').slice(0, 2).join(' > ');
      categories.set(top, (categories.get(top) ?? 0) + 1);
      if (category && !categoryMatches(p.category, category)) continue;
      if (q && !p.title.toLowerCase().includes(q)) continue;
      const e = cache.get(productId);
      const analyzed = e && e.status === 'ready' && e.reviewCount === reviews.length ? e.analyses.filter((a) => inRange(a.date, range.from, range.to)) : null;
      const stars = inR.filter((r) => r.rating !== null).map((r) => r.rating!);
      rows.push({
        productId,
        title: p.title,
        category: p.category,
        image: p.image,
        reviews: inR.length,
        ratedReviews: stars.length,
        meanRating: stars.length ? stars.reduce((s, x) => s + x, 0) / stars.length : null,
        catalogRating: p.rating,
        catalogRatingCount: p.ratingCount,
        fewReviews: inR.length < FEW_REVIEWS,
        sentiment: analyzed ? share(analyzed) : share(stars.map((x) => ({ sentiment: ratingPolarity(x) }))),
        sentimentSource: analyzed ? 'text' : stars.length ? 'ratings' : 'none',
        lastReview: inR.reduce<string | null>((m, r) => (m === null || r.date > m ? r.date : m), null),
      });
    }
    rows.sort((a, b) => b.reviews - a.reviews || a.title.localeCompare(b.title));
    return { rows, categories: [...categories.entries()].map(([c, n]) => ({ category: c, count: n })).sort((a, b) => b.count - a.count || a.category.localeCompare(b.category)), range };
  };

  const roles = opts.roles ?? STAFF_ROLES;
  const withBadRequest = (fn: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void) => async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!allowRead(req, res)) return;
    if (!(await requireStaff(store, req, res, roles))) return;
    try {
      await fn(req, res, url);
    } catch (err) {
      if (err instanceof BadRequest) return sendJson(res, 400, { error: err.message });
      throw err;
    }
  };

  const list = withBadRequest(async (_req, res, url) => {
    const limit = int(url, 'limit', 50, 1, 2000);
    const { rows, categories, range } = await productRows(url);
    warm(rows.slice(0, warmTop).filter((r) => r.reviews >= 5).map((r) => r.productId));
    res.setHeader('cache-control', 'no-store');
    sendJson(res, 200, { products: rows.slice(0, limit), total: rows.length, categories, analyzer: analyzer.name, ...range });
  });

  const productInfo = (p: Product) => ({ productId: p.id, title: p.title, category: p.category, image: p.image, price: p.price, currency: p.currency, rating: p.rating, ratingCount: p.ratingCount });

  /** Waits for the product's analyses up to `ms`; null when they are still being computed. */
  const ready = async (e: Entry, ms: number): Promise<boolean> => {
    if (e.status !== 'computing') return true;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([e.promise.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]);
    clearTimeout(timer);
    return finished;
  };

  const detail = async (res: ServerResponse, productId: string, url: URL) => {
    const range = rangeOf(url);
    const p = (await reviewIndex()).products.get(productId) ?? (await store.products.get(productId));
    if (!p) return sendJson(res, 404, { error: 'no such product' });
    const e = await entryFor(productId);
    res.setHeader('cache-control', 'no-store');
    if (!(await ready(e, waitMs))) return sendJson(res, 202, { status: 'computing', progress: { done: e.done, total: e.total }, product: productInfo(p) });
    if (e.status === 'failed') return sendJson(res, 503, { status: 'failed', error: 'the reviews could not be analyzed; try again later' });
    sendJson(res, 200, { status: 'ready', product: productInfo(p), analyzer: analyzer.name, ...range, summary: summarize(e.analyses, range) });
  };

  const reviews = async (res: ServerResponse, productId: string, url: URL) => {
    const range = rangeOf(url);
    const aspect = str(url, 'aspect', 60);
    const polarity = str(url, 'polarity', 10);
    if (polarity && polarity !== 'positive' && polarity !== 'negative' && polarity !== 'neutral') throw new BadRequest('polarity must be positive, neutral or negative');
    const idsParam = str(url, 'ids', 4000);
    const ids = idsParam ? idsParam.split(',').map((s) => s.trim()).filter(Boolean).slice(0, 100) : null;
    const page = int(url, 'page', 1, 1, 1000);
    const pageSize = int(url, 'pageSize', 20, 1, 100);
    const e = await entryFor(productId);
    if (!(await ready(e, 20_000)) || e.status !== 'ready') return sendJson(res, 503, { error: 'the reviews are still being analyzed; try again in a moment' });
    let selected = e.analyses.filter((a) => inRange(a.date, range.from, range.to));
    if (ids) {
      const wanted = new Set(ids);
      selected = selected.filter((a) => wanted.has(a.reviewId));
    }
    if (aspect) selected = selected.filter((a) => a.aspects.some((m) => m.aspect === aspect && (!polarity || m.sentiment === polarity)));
    else if (polarity) selected = selected.filter((a) => a.sentiment === polarity);
    selected.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
    const slice = selected.slice((page - 1) * pageSize, page * pageSize);
    const byId = await store.reviews.getMany(slice.map((a) => a.reviewId));
    const items = slice.flatMap((a) => {
      const r = byId.get(a.reviewId);
      if (!r) return [];
      const highlight = aspect ? a.aspects.find((m) => m.aspect === aspect)?.snippet ?? null : null;
      return [{ id: r.id, rating: reviewStars(r), title: r.title, text: r.text, date: r.date, sentiment: a.sentiment, aspects: a.aspects.map((m) => ({ aspect: m.aspect, sentiment: m.sentiment })), highlight }];
    });
    res.setHeader('cache-control', 'no-store');
    sendJson(res, 200, { reviews: items, total: selected.length, page, pageSize });
  };

  const product = withBadRequest(async (_req, res, url) => {
    const rest = url.pathname.slice('/api/insights/products/'.length);
    const m = /^([^/]{1,200})(\/reviews)?$/.exec(rest);
    if (!m) return sendJson(res, 404, { error: 'not found' });
    let productId: string;
    try {
      productId = decodeURIComponent(m[1]!);
    } catch {
      return sendJson(res, 400, { error: 'bad product id' });
    }
    if (m[2]) return reviews(res, productId, url);
    return detail(res, productId, url);
  });

  const stamp = () => new Date().toISOString().slice(0, 10);

  const productSummary = async (productId: string, url: URL): Promise<{ p: Product; summary: InsightSummary; e: Entry } | null> => {
    const p = (await reviewIndex()).products.get(productId) ?? (await store.products.get(productId));
    if (!p) return null;
    const e = await entryFor(productId);
    await ready(e, 60_000);
    if (e.status !== 'ready') throw new BadRequest('the reviews could not be analyzed yet; try again in a moment');
    return { p, summary: summarize(e.analyses, rangeOf(url)), e };
  };

  const exportData = (format: 'csv' | 'json') =>
    withBadRequest(async (_req, res, url) => {
      const productId = str(url, 'productId', 200);
      const table = str(url, 'table', 20) ?? 'aspects';
      if (!['aspects', 'monthly', 'reviews'].includes(table)) throw new BadRequest('table must be aspects, monthly or reviews');
      let filename: string;
      let body: string;
      if (productId) {
        const found = await productSummary(productId, url);
        if (!found) return sendJson(res, 404, { error: 'no such product' });
        const { p, summary, e } = found;
        const safeId = p.id.replace(/[^A-Za-z0-9_-]/g, '_');
        if (format === 'json') {
          filename = `insights-${safeId}-${stamp()}.json`;
          body = JSON.stringify({ product: productInfo(p), analyzer: analyzer.name, ...rangeOf(url), summary }, null, 2);
        } else if (table === 'monthly') {
          filename = `insights-${safeId}-monthly-${stamp()}.csv`;
          body = toCsv(['month', 'reviews', 'mean_rating', 'positive_share', 'neutral_share', 'negative_share', 'sentiment_score'], summary.monthly.map((m) => [m.month, m.count, m.meanRating, m.positive, m.neutral, m.negative, m.score]));
        } else if (table === 'reviews') {
          filename = `insights-${safeId}-reviews-${stamp()}.csv`;
          const range = rangeOf(url);
          const rows = e.analyses.filter((a) => inRange(a.date, range.from, range.to)).sort((a, b) => (a.date < b.date ? 1 : -1));
          const byId = await store.reviews.getMany(rows.map((a) => a.reviewId));
          body = toCsv(
            ['review_id', 'date', 'rating', 'sentiment', 'aspects', 'title', 'text'],
            rows.map((a) => {
              const r = byId.get(a.reviewId);
              return [a.reviewId, a.date, a.rating, a.sentiment, a.aspects.map((m) => `${m.aspect}:${m.sentiment}`).join(' '), r?.title ?? '', r?.text ?? ''];
            }),
          );
        } else {
          filename = `insights-${safeId}-aspects-${stamp()}.csv`;
          body = toCsv(
            ['product_id', 'product', 'aspect', 'mentions', 'positive', 'negative', 'positive_share', 'trend', 'trend_delta', 'example_review_ids'],
            summary.aspects.map((a) => [p.id, p.title, a.aspect, a.mentions, a.positive, a.negative, a.positiveShare, a.direction, a.trendDelta, a.reviewIds.slice(0, 5).join(' ')]),
          );
        }
      } else {
        const { rows, range } = await productRows(url);
        if (format === 'json') {
          filename = `insights-products-${stamp()}.json`;
          body = JSON.stringify({ analyzer: analyzer.name, ...range, category: str(url, 'category', 200) ?? null, products: rows }, null, 2);
        } else {
          filename = `insights-products-${stamp()}.csv`;
          body = toCsv(
            ['product_id', 'title', 'category', 'reviews', 'rated_reviews', 'mean_rating', 'catalog_rating', 'catalog_rating_count', 'positive_share', 'neutral_share', 'negative_share', 'sentiment_score', 'sentiment_source', 'last_review'],
            rows.map((r) => [r.productId, r.title, r.category, r.reviews, r.ratedReviews, r.meanRating, r.catalogRating, r.catalogRatingCount, r.sentiment.positive, r.sentiment.neutral, r.sentiment.negative, r.sentiment.score, r.sentimentSource, r.lastReview]),
          );
        }
      }
      const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8';
      // A BOM lets spreadsheet programs read the UTF-8 titles correctly.
      const data = format === 'csv' ? '\uFEFF' + body : body;
      res.writeHead(200, {
        'content-type': type,
        'content-disposition': `attachment; filename="${filename}"`,
        'content-length': Buffer.byteLength(data),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(data);
    });

  return {
    list,
    product,
    exportCsv: exportData('csv'),
    exportJson: exportData('json'),
    /** For tests and the server's shutdown: stops background work. */
    close() {
      closed = true;
    },
    /** The product's analyses, computed if needed (tests, warm-up). */
    async analyses(productId: string): Promise<ReviewAnalysis[]> {
      const e = await entryFor(productId);
      await e.promise;
      return e.analyses;
    },
    status(productId: string): { status: string; done: number; total: number } | null {
      const e = cache.get(productId);
      return e ? { status: e.status, done: e.done, total: e.total } : null;
    },
  };
}

export type InsightsApi = ReturnType<typeof createInsightsApi>;
