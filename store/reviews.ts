import type { DB } from './db.js';
import { StoreError } from './errors.js';
import { newId } from './ids.js';
import { checkText, isoTime, MAX_ID_BYTES, MAX_SHORT_BYTES, MAX_TEXT_BYTES } from './text.js';
import type { Review, ReviewStats } from './types.js';

/** A `reviews` row as SQLite holds it: a Review with its snake_case column names. */
export type ReviewRow = Omit<Review, 'productId' | 'customerId'> & { product_id: string; customer_id: string | null };

export const toReview = (r: ReviewRow): Review => ({
  id: r.id,
  productId: r.product_id,
  customerId: r.customer_id,
  rating: r.rating,
  title: r.title,
  text: r.text,
  date: r.date,
  source: r.source,
});

interface StatsRow {
  product_id: string;
  count: number;
  mean: number | null;
  r1: number;
  r2: number;
  r3: number;
  r4: number;
  r5: number;
}

const toStats = (r: StatsRow): ReviewStats => ({
  productId: r.product_id,
  count: r.count,
  mean: r.count === 0 ? null : r.mean,
  distribution: { 1: r.r1, 2: r.r2, 3: r.r3, 4: r.r4, 5: r.r5 },
});

const emptyStats = (productId: string): ReviewStats => ({ productId, count: 0, mean: null, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } });

export type ReviewSort = 'recent' | 'rating_desc' | 'rating_asc';

export interface NewReview {
  id?: string;
  productId: string;
  customerId?: string | null;
  rating: number;
  title?: string;
  text: string;
  date?: string;
  source?: string;
}

const COLUMNS = 'id, product_id, customer_id, rating, title, text, date, source';
const STATS = `product_id, count(*) AS count, avg(rating) AS mean,
  sum(rating = 1) AS r1, sum(rating = 2) AS r2, sum(rating = 3) AS r3, sum(rating = 4) AS r4, sum(rating = 5) AS r5`;

export class ReviewRepo {
  private readonly byId;
  private readonly pages: Record<ReviewSort, ReturnType<typeof prepPage>>;
  private readonly countFor;
  private readonly all;
  private readonly statsOne;
  private readonly statsMany;
  private readonly insertStmt;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.byId = db.prepare<[string], ReviewRow>(`SELECT ${COLUMNS} FROM reviews WHERE id = ?`);
    this.pages = {
      recent: prepPage(db, 'date DESC, id'),
      rating_desc: prepPage(db, 'rating DESC, date DESC, id'),
      rating_asc: prepPage(db, 'rating ASC, date DESC, id'),
    };
    this.countFor = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM reviews WHERE product_id = ?');
    this.all = db.prepare<[], ReviewRow>(`SELECT ${COLUMNS} FROM reviews ORDER BY id`);
    this.statsOne = db.prepare<[string], StatsRow>(`SELECT ${STATS} FROM reviews WHERE product_id = ? GROUP BY product_id`);
    this.statsMany = db.prepare<[string], StatsRow>(
      `SELECT ${STATS} FROM reviews WHERE product_id IN (SELECT value FROM json_each(?)) GROUP BY product_id`,
    );
    this.insertStmt = db.prepare<[ReviewRow]>(
      `INSERT INTO reviews (${COLUMNS}) VALUES (@id, @product_id, @customer_id, @rating, @title, @text, @date, @source)`,
    );
  }

  get(id: string): Review | undefined {
    const r = this.byId.get(id);
    return r ? toReview(r) : undefined;
  }

  /** One page of a product's reviews plus the total count. */
  listForProduct(productId: string, opts: { limit?: number; offset?: number; sort?: ReviewSort } = {}): { items: Review[]; total: number } {
    const limit = Math.max(1, Math.min(100, Math.trunc(opts.limit ?? 10)));
    const offset = Math.max(0, Math.trunc(opts.offset ?? 0));
    const stmt = this.pages[opts.sort ?? 'recent'];
    if (!stmt) throw new StoreError('invalid_input', `unknown review sort "${String(opts.sort)}"`);
    return { items: stmt.all(productId, limit, offset).map(toReview), total: this.countFor.get(productId)?.n ?? 0 };
  }

  /**
   * Every review, streamed (for analytics / index building). Do not write through the same
   * connection while iterating.
   */
  *listAll(): IterableIterator<Review> {
    for (const r of this.all.iterate()) yield toReview(r);
  }

  stats(productId: string): ReviewStats {
    const r = this.statsOne.get(productId);
    return r ? toStats(r) : emptyStats(productId);
  }

  /** Stats for many products at once, keyed by product id (products without reviews get zeros). */
  statsFor(productIds: readonly string[]): Map<string, ReviewStats> {
    const out = new Map<string, ReviewStats>(productIds.map((id) => [id, emptyStats(id)]));
    if (productIds.length === 0) return out;
    for (const r of this.statsMany.all(JSON.stringify([...new Set(productIds)]))) out.set(r.product_id, toStats(r));
    return out;
  }

  create(r: NewReview): Review {
    if (!Number.isInteger(r.rating) || r.rating < 1 || r.rating > 5) throw new StoreError('invalid_input', `rating must be an integer 1..5 (got ${r.rating})`);
    const row: ReviewRow = {
      id: r.id === undefined ? newId('rev') : checkText('review id', r.id, MAX_ID_BYTES),
      product_id: r.productId,
      customer_id: r.customerId ?? null,
      rating: r.rating,
      title: checkText('review title', r.title ?? '', MAX_SHORT_BYTES),
      text: checkText('review text', r.text, MAX_TEXT_BYTES),
      date: isoTime(r.date, this.now),
      source: checkText('review source', r.source ?? 'live', MAX_ID_BYTES),
    };
    try {
      this.insertStmt.run(row);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreError('not_found', 'review refers to an unknown product or customer');
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreError('conflict', `review ${row.id} already exists`);
      throw e;
    }
    return toReview(row);
  }
}

function prepPage(db: DB, order: string) {
  return db.prepare<[string, number, number], ReviewRow>(`SELECT ${COLUMNS} FROM reviews WHERE product_id = ? ORDER BY ${order} LIMIT ? OFFSET ?`);
}
