import { StoreError } from './errors.js';
import { inList, violation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
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
  sum(CASE WHEN rating = 1 THEN 1 ELSE 0 END) AS r1, sum(CASE WHEN rating = 2 THEN 1 ELSE 0 END) AS r2,
  sum(CASE WHEN rating = 3 THEN 1 ELSE 0 END) AS r3, sum(CASE WHEN rating = 4 THEN 1 ELSE 0 END) AS r4,
  sum(CASE WHEN rating = 5 THEN 1 ELSE 0 END) AS r5`;

const ORDERS: Record<ReviewSort, string> = {
  recent: 'date DESC, id',
  rating_desc: 'rating DESC, date DESC, id',
  rating_asc: 'rating ASC, date DESC, id',
};

/** Ids per IN list (both engines' limits on bound parameters are far above it). */
const CHUNK = 1000;

export class ReviewRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string, sql: Sql = this.sql): Promise<Review | undefined> {
    const r = await sql.get<ReviewRow>(`SELECT ${COLUMNS} FROM reviews WHERE id = ?`, [id]);
    return r ? toReview(r) : undefined;
  }

  /** Several reviews by id, in one query per thousand ids (missing ids are absent). */
  async getMany(ids: readonly string[], sql: Sql = this.sql): Promise<Map<string, Review>> {
    const out = new Map<string, Review>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      for (const r of await sql.all<ReviewRow>(`SELECT ${COLUMNS} FROM reviews WHERE id IN (${inList(part)})`, part)) out.set(r.id, toReview(r));
    }
    return out;
  }

  /** One page of a product's reviews plus the total count. */
  async listForProduct(productId: string, opts: { limit?: number; offset?: number; sort?: ReviewSort } = {}, sql: Sql = this.sql): Promise<{ items: Review[]; total: number }> {
    const limit = Math.max(1, Math.min(100, Math.trunc(opts.limit ?? 10)));
    const offset = Math.max(0, Math.trunc(opts.offset ?? 0));
    const order = Object.hasOwn(ORDERS, opts.sort ?? 'recent') ? ORDERS[opts.sort ?? 'recent'] : undefined;
    if (!order) throw new StoreError('invalid_input', `unknown review sort "${String(opts.sort)}"`);
    const items = await sql.all<ReviewRow>(`SELECT ${COLUMNS} FROM reviews WHERE product_id = ? ORDER BY ${order} LIMIT ? OFFSET ?`, [productId, limit, offset]);
    const total = await sql.get<{ n: number }>('SELECT count(*) AS n FROM reviews WHERE product_id = ?', [productId]);
    return { items: items.map(toReview), total: Number(total?.n ?? 0) };
  }

  /**
   * Every review by id, read a page at a time (for analytics / index building); each page is its
   * own query, so writes in between are fine.
   */
  async *listAll(pageSize = 1000, sql: Sql = this.sql): AsyncIterableIterator<Review> {
    let after: string | null = null;
    for (;;) {
      const rows: ReviewRow[] =
        after === null
          ? await sql.all<ReviewRow>(`SELECT ${COLUMNS} FROM reviews ORDER BY id LIMIT ?`, [pageSize])
          : await sql.all<ReviewRow>(`SELECT ${COLUMNS} FROM reviews WHERE id > ? ORDER BY id LIMIT ?`, [after, pageSize]);
      for (const r of rows) yield toReview(r);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async stats(productId: string, sql: Sql = this.sql): Promise<ReviewStats> {
    const r = await sql.get<StatsRow>(`SELECT ${STATS} FROM reviews WHERE product_id = ? GROUP BY product_id`, [productId]);
    return r ? toStats(r) : emptyStats(productId);
  }

  /** Stats for many products at once, keyed by product id (products without reviews get zeros). */
  async statsFor(productIds: readonly string[], sql: Sql = this.sql): Promise<Map<string, ReviewStats>> {
    const out = new Map<string, ReviewStats>(productIds.map((id) => [id, emptyStats(id)]));
    const unique = [...new Set(productIds)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      for (const r of await sql.all<StatsRow>(`SELECT ${STATS} FROM reviews WHERE product_id IN (${inList(part)}) GROUP BY product_id`, part)) out.set(r.product_id, toStats(r));
    }
    return out;
  }

  async create(r: NewReview, sql: Sql = this.sql): Promise<Review> {
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
      await sql.run(`INSERT INTO reviews (${COLUMNS}) VALUES (@id, @product_id, @customer_id, @rating, @title, @text, @date, @source)`, { ...row });
    } catch (e) {
      const v = violation(e);
      if (v === 'foreign_key') throw new StoreError('not_found', 'review refers to an unknown product or customer');
      if (v === 'primary_key') throw new StoreError('conflict', `review ${row.id} already exists`);
      throw e;
    }
    return toReview(row);
  }
}
