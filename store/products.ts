import type { DB } from './db.js';
import { StoreError } from './errors.js';
import type { CategoryCount, Product, ProductHit } from './types.js';

/** A `products` row as SQLite holds it (live columns): a Product with its snake_case column name. */
export type ProductRow = Omit<Product, 'ratingCount'> & { rating_count: number | null };

const COLUMNS = 'p.id, p.title, p.description, p.category, p.price, p.currency, p.stock, p.image, p.rating, p.rating_count, p.source, p.url';

/**
 * A product page address as the store keeps it: a path on the store's own site ("/p/123",
 * "/?product=P-1") or an absolute http(s) URL, at most 2,048 characters. Protocol-relative ("//x"),
 * backslashes, control characters and other schemes (javascript:, data:) are refused: null.
 */
export function checkProductUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > 2048) return null;
  if (/[\\\s\u0000-\u001f\u007f]/.test(url)) return null;
  if (url.startsWith('/')) return url.startsWith('//') ? null : url;
  if (!/^https?:\/\/[^/]/i.test(url)) return null;
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname ? url : null;
  } catch {
    return null;
  }
}

/** The demo catalogue's product page: the demo store opens `/?product=<id>`. */
export const demoProductUrl = (id: string): string => `/?product=${encodeURIComponent(id)}`;

export function toProduct(r: ProductRow): Product {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    category: r.category,
    price: r.price,
    currency: r.currency,
    stock: r.stock,
    image: r.image,
    rating: r.rating,
    ratingCount: r.rating_count,
    source: r.source,
    url: checkProductUrl(r.url),
  };
}

export interface SearchOptions {
  /** A category path or any ancestor of it ("Electronics" matches "Electronics > Audio"), case-insensitive. */
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  /** Only products with stock > 0. */
  inStock?: boolean;
  /** 'any' (default): a product matching any word is a hit, ranked by BM25; 'all': every word must match. */
  match?: 'any' | 'all';
  /** Treat the last word as a prefix (type-ahead). */
  prefix?: boolean;
  limit?: number;
  offset?: number;
}

export interface ListOptions {
  inStock?: boolean;
  sort?: 'popular' | 'price_asc' | 'price_desc';
  limit?: number;
  offset?: number;
}

const MAX_QUERY_TERMS = 32;
const MAX_LIMIT = 200;

/**
 * Turns free text into a safe FTS5 MATCH expression: only runs of letters/digits survive, each is
 * double-quoted (so FTS5 operators such as NEAR, OR, -, * or column filters in the input are inert),
 * and they are joined with OR (any) or implicit AND (all). Returns null when there is no usable word.
 */
export function toFtsQuery(text: string, match: 'any' | 'all' = 'any', prefix = false): string | null {
  const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu);
  if (!words || words.length === 0) return null;
  const unique = [...new Set(words)].slice(0, MAX_QUERY_TERMS);
  const terms = unique.map((w, i) => (prefix && i === unique.length - 1 ? `"${w}"*` : `"${w}"`));
  return terms.join(match === 'all' ? ' ' : ' OR ');
}

function clampLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isFinite(limit)) return fallback;
  return Math.max(1, Math.min(MAX_LIMIT, Math.trunc(limit)));
}

function clampOffset(offset: number | undefined): number {
  return offset === undefined || !Number.isFinite(offset) ? 0 : Math.max(0, Math.trunc(offset));
}

interface FilterParams {
  category: string | null;
  minPrice: number | null;
  maxPrice: number | null;
  inStock: number;
  limit: number;
  offset: number;
}

// Removed products (deleted_at set, migration 15) keep their rows for order lines but are never
// read, listed or searched.
// Categories are paths ("Home & Gifts > Kitchen & Dining"): a filter matches the category itself
// and everything below it, case-insensitively.
const FILTERS = `
  AND (@category IS NULL OR p.category = @category
       OR substr(p.category, 1, length(@category) + 3) = (@category || ' > ') COLLATE NOCASE)
  AND (@minPrice IS NULL OR p.price >= @minPrice)
  AND (@maxPrice IS NULL OR p.price <= @maxPrice)
  AND (@inStock = 0 OR p.stock > 0)
  AND p.deleted_at IS NULL`;

export class ProductRepo {
  private readonly byId;
  private readonly byIds;
  private readonly searchFts;
  private readonly searchNoText;
  private readonly listPopular;
  private readonly listPriceAsc;
  private readonly listPriceDesc;
  private readonly categoryCounts;
  private readonly setStockStmt;
  private readonly adjustStockStmt;
  private readonly countStmt;
  private readonly titlesStmt;

  constructor(private readonly db: DB) {
    this.byId = db.prepare<[string], ProductRow>(`SELECT ${COLUMNS} FROM products p WHERE p.id = ? AND p.deleted_at IS NULL`);
    this.byIds = db.prepare<[string], ProductRow>(`SELECT ${COLUMNS} FROM products p WHERE p.id IN (SELECT value FROM json_each(?)) AND p.deleted_at IS NULL`);
    // Column weights for BM25: a word in the title counts most, then category, then description.
    this.searchFts = db.prepare<[FilterParams & { match: string }], ProductRow & { score: number }>(`
      SELECT ${COLUMNS}, -bm25(products_fts, 10.0, 2.0, 4.0) AS score
      FROM products_fts JOIN products p ON p.rowid = products_fts.rowid
      WHERE products_fts MATCH @match ${FILTERS}
      ORDER BY score DESC, p.id
      LIMIT @limit OFFSET @offset`);
    this.searchNoText = db.prepare<[FilterParams], ProductRow & { score: number }>(`
      SELECT ${COLUMNS}, 0.0 AS score FROM products p
      WHERE 1 ${FILTERS}
      ORDER BY coalesce(p.rating_count, 0) DESC, coalesce(p.rating, 0) DESC, p.id
      LIMIT @limit OFFSET @offset`);
    const list = (order: string) =>
      db.prepare<[FilterParams], ProductRow>(`SELECT ${COLUMNS} FROM products p WHERE 1 ${FILTERS} ORDER BY ${order} LIMIT @limit OFFSET @offset`);
    this.listPopular = list('coalesce(p.rating_count, 0) DESC, coalesce(p.rating, 0) DESC, p.id');
    this.listPriceAsc = list('p.price ASC, p.id');
    this.listPriceDesc = list('p.price DESC, p.id');
    this.categoryCounts = db.prepare<[], { category: string; count: number; in_stock: number }>(`
      SELECT category, count(*) AS count, sum(stock > 0) AS in_stock FROM products WHERE deleted_at IS NULL GROUP BY category ORDER BY count DESC, category`);
    this.setStockStmt = db.prepare<[number, string]>('UPDATE products SET stock = ? WHERE id = ?');
    this.adjustStockStmt = db.prepare<{ id: string; delta: number }, { stock: number }>(
      'UPDATE products SET stock = stock + @delta WHERE id = @id AND stock + @delta >= 0 RETURNING stock',
    );
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM products WHERE deleted_at IS NULL');
    this.titlesStmt = db.prepare<[], { title: string }>('SELECT title FROM products WHERE deleted_at IS NULL');
  }

  /** Every listed product's title (the catalogue's vocabulary, for spelling). */
  titles(): string[] {
    return this.titlesStmt.all().map((r) => r.title);
  }

  get(id: string): Product | undefined {
    const r = this.byId.get(id);
    return r ? toProduct(r) : undefined;
  }

  /** Products for the ids that exist, in the order of `ids` (duplicates collapsed). */
  getMany(ids: readonly string[]): Product[] {
    if (ids.length === 0) return [];
    const found = new Map(this.byIds.all(JSON.stringify([...new Set(ids)])).map((r) => [r.id, toProduct(r)]));
    const out: Product[] = [];
    for (const id of new Set(ids)) {
      const p = found.get(id);
      if (p) out.push(p);
    }
    return out;
  }

  /**
   * Keyword search over title, description and category (FTS5, BM25-ranked) with optional filters.
   * With no usable words in `query` it returns the filtered catalogue, most-reviewed first.
   */
  search(query: string, opts: SearchOptions = {}): ProductHit[] {
    const params = this.filterParams(opts, 20);
    const match = toFtsQuery(query, opts.match ?? 'any', opts.prefix ?? false);
    const rows = match === null ? this.searchNoText.all(params) : this.searchFts.all({ ...params, match });
    return rows.map((r) => ({ ...toProduct(r), score: r.score }));
  }

  listByCategory(category: string, opts: ListOptions = {}): Product[] {
    const params = this.filterParams({ ...opts, category }, 50);
    const stmt = opts.sort === 'price_asc' ? this.listPriceAsc : opts.sort === 'price_desc' ? this.listPriceDesc : this.listPopular;
    return stmt.all(params).map(toProduct);
  }

  /**
   * Categories with product counts, largest first. With `depth`, category paths are cut to their
   * first `depth` levels and counted together ("Home & Gifts > Kitchen" -> "Home & Gifts" at depth 1).
   */
  categories(opts: { depth?: number } = {}): CategoryCount[] {
    const rows = this.categoryCounts.all().map((r) => ({ category: r.category, count: r.count, inStock: r.in_stock }));
    if (opts.depth === undefined) return rows;
    const depth = Math.max(1, Math.trunc(opts.depth));
    const merged = new Map<string, CategoryCount>();
    for (const r of rows) {
      const key = r.category.split(' > ').slice(0, depth).join(' > ');
      const m = merged.get(key.toLowerCase()) ?? { category: key, count: 0, inStock: 0 };
      m.count += r.count;
      m.inStock += r.inStock;
      merged.set(key.toLowerCase(), m);
    }
    return [...merged.values()].sort((a, b) => b.count - a.count || a.category.localeCompare(b.category));
  }

  count(): number {
    return this.countStmt.get()?.n ?? 0;
  }

  setStock(id: string, stock: number): void {
    if (!Number.isInteger(stock) || stock < 0) throw new StoreError('invalid_input', `stock must be a non-negative integer (got ${stock})`);
    if (this.setStockStmt.run(stock, id).changes === 0) throw new StoreError('not_found', `product ${id} not found`);
  }

  /** Adds `delta` (negative to take stock) and returns the new stock; refuses to go below zero. */
  adjustStock(id: string, delta: number): number {
    if (!Number.isInteger(delta)) throw new StoreError('invalid_input', `stock delta must be an integer (got ${delta})`);
    const row = this.adjustStockStmt.get({ id, delta });
    if (row) return row.stock;
    const p = this.byId.get(id);
    if (!p) throw new StoreError('not_found', `product ${id} not found`);
    throw new StoreError('conflict', `product ${id} has ${p.stock} in stock; cannot take ${-delta}`);
  }

  private filterParams(opts: SearchOptions, defaultLimit: number): FilterParams {
    const num = (name: string, v: number | undefined): number | null => {
      if (v === undefined || v === null) return null;
      if (typeof v !== 'number' || Number.isNaN(v)) throw new StoreError('invalid_input', `${name} must be a number`);
      return v;
    };
    return {
      category: opts.category ?? null,
      minPrice: num('minPrice', opts.minPrice),
      maxPrice: num('maxPrice', opts.maxPrice),
      inStock: opts.inStock ? 1 : 0,
      limit: clampLimit(opts.limit, defaultLimit),
      offset: clampOffset(opts.offset),
    };
  }
}
