import { StoreError } from './errors.js';
import { inList } from './sql/dialect.js';
import type { Sql, SqlValue } from './sql/executor.js';
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
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
  sort?: 'popular' | 'price_asc' | 'price_desc';
  limit?: number;
  offset?: number;
}

const MAX_QUERY_TERMS = 32;
const MAX_LIMIT = 200;

/** The words of a query as both engines search them: runs of letters/digits, lower-cased, at most 32. */
function queryWords(text: string): string[] | null {
  const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu);
  if (!words || words.length === 0) return null;
  return [...new Set(words)].slice(0, MAX_QUERY_TERMS);
}

/**
 * Turns free text into a safe FTS5 MATCH expression: only runs of letters/digits survive, each is
 * double-quoted (so FTS5 operators such as NEAR, OR, -, * or column filters in the input are inert),
 * and they are joined with OR (any) or implicit AND (all). Returns null when there is no usable word.
 */
export function toFtsQuery(text: string, match: 'any' | 'all' = 'any', prefix = false): string | null {
  const unique = queryWords(text);
  if (!unique) return null;
  const terms = unique.map((w, i) => (prefix && i === unique.length - 1 ? `"${w}"*` : `"${w}"`));
  return terms.join(match === 'all' ? ' ' : ' OR ');
}

/**
 * The same for PostgreSQL's to_tsquery('english', ...): the words joined with | (any) or & (all),
 * the last one `:*` with `prefix`. Only letters and digits reach it, so nothing in the input is
 * tsquery syntax; each word is stemmed (and a stop word dropped) by the english configuration, as
 * the index of migration 8 was built.
 */
export function toTsQuery(text: string, match: 'any' | 'all' = 'any', prefix = false): string | null {
  const unique = queryWords(text);
  if (!unique) return null;
  const terms = unique.map((w, i) => (prefix && i === unique.length - 1 ? `${w}:*` : w));
  return terms.join(match === 'all' ? ' & ' : ' | ');
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
  [name: string]: SqlValue;
}

// Removed products (deleted_at set, migration 15) keep their rows for order lines but are never
// read, listed or searched.
// Categories are paths ("Home & Gifts > Kitchen & Dining"): a filter matches the category itself
// and everything below it, case-insensitively (lower() on both engines: SQLite's column is COLLATE
// NOCASE, PostgreSQL's has a lower(category) index).
const FILTERS = `
  AND (CAST(@category AS TEXT) IS NULL OR lower(p.category) = lower(CAST(@category AS TEXT))
       OR lower(substr(p.category, 1, length(CAST(@category AS TEXT)) + 3)) = lower(CAST(@category AS TEXT) || ' > '))
  AND (CAST(@minPrice AS DOUBLE PRECISION) IS NULL OR p.price >= CAST(@minPrice AS DOUBLE PRECISION))
  AND (CAST(@maxPrice AS DOUBLE PRECISION) IS NULL OR p.price <= CAST(@maxPrice AS DOUBLE PRECISION))
  AND (@inStock = 0 OR p.stock > 0)
  AND p.deleted_at IS NULL`;

const POPULAR = 'coalesce(p.rating_count, 0) DESC, coalesce(p.rating, 0) DESC, p.id';
const LIST_ORDER = { popular: POPULAR, price_asc: 'p.price ASC, p.id', price_desc: 'p.price DESC, p.id' } as const;

// Keyword search, one statement per engine. SQLite: FTS5 with BM25, a word in the title counting
// most, then category, then description (column weights 10, 2, 4 in the table's column order).
// PostgreSQL: the GIN index of migration 8 over products_fts_doc(title, description, category),
// weighted A, B, C for title, category, description, ranked by ts_rank (normalised by the log of the
// document's length, as BM25 is by its length).
const SEARCH_SQLITE = `
  SELECT ${COLUMNS}, -bm25(products_fts, 10.0, 2.0, 4.0) AS score
  FROM products_fts JOIN products p ON p.rowid = products_fts.rowid
  WHERE products_fts MATCH @match ${FILTERS}
  ORDER BY score DESC, p.id
  LIMIT @limit OFFSET @offset`;
const SEARCH_POSTGRES = `
  SELECT ${COLUMNS}, CAST(ts_rank(products_fts_doc(p.title, p.description, p.category), q.query, 1) AS DOUBLE PRECISION) AS score
  FROM products p, (SELECT to_tsquery('english', CAST(@match AS TEXT)) AS query) q
  WHERE products_fts_doc(p.title, p.description, p.category) @@ q.query ${FILTERS}
  ORDER BY score DESC, p.id
  LIMIT @limit OFFSET @offset`;

/** SQLite's ordering of text under COLLATE NOCASE (ASCII letters folded), the same on both engines. */
const nocase = (a: string, b: string): number => {
  const x = a.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const y = b.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return x < y ? -1 : x > y ? 1 : 0;
};

export class ProductRepo {
  constructor(private readonly sql: Sql) {}

  /** Every listed product's title (the catalogue's vocabulary, for spelling). */
  async titles(): Promise<string[]> {
    return (await this.sql.all<{ title: string }>('SELECT title FROM products WHERE deleted_at IS NULL')).map((r) => r.title);
  }

  async get(id: string, sql: Sql = this.sql): Promise<Product | undefined> {
    const r = await sql.get<ProductRow>(`SELECT ${COLUMNS} FROM products p WHERE p.id = ? AND p.deleted_at IS NULL`, [id]);
    return r ? toProduct(r) : undefined;
  }

  /** Products for the ids that exist, in the order of `ids` (duplicates collapsed). */
  async getMany(ids: readonly string[], sql: Sql = this.sql): Promise<Product[]> {
    if (ids.length === 0) return [];
    const unique = [...new Set(ids)];
    const rows = await sql.all<ProductRow>(`SELECT ${COLUMNS} FROM products p WHERE p.id IN (${inList(unique)}) AND p.deleted_at IS NULL`, unique);
    const found = new Map(rows.map((r) => [r.id, toProduct(r)]));
    const out: Product[] = [];
    for (const id of unique) {
      const p = found.get(id);
      if (p) out.push(p);
    }
    return out;
  }

  /**
   * Keyword search over title, description and category (SQLite: FTS5 and BM25; PostgreSQL: the
   * GIN index and ts_rank) with optional filters. With no usable words in `query` it returns the
   * filtered catalogue, most-reviewed first. Scores rank the hits of one search; they are not
   * comparable between the engines.
   */
  async search(query: string, opts: SearchOptions = {}): Promise<ProductHit[]> {
    const params = this.filterParams(opts, 20);
    const match = opts.match ?? 'any';
    const prefix = opts.prefix ?? false;
    const text = this.sql.dialect === 'postgres' ? toTsQuery(query, match, prefix) : toFtsQuery(query, match, prefix);
    const rows =
      text === null
        ? await this.sql.all<ProductRow & { score: number }>(`SELECT ${COLUMNS}, 0.0 AS score FROM products p WHERE 1 = 1 ${FILTERS} ORDER BY ${POPULAR} LIMIT @limit OFFSET @offset`, params)
        : await this.sql.all<ProductRow & { score: number }>(this.sql.dialect === 'postgres' ? SEARCH_POSTGRES : SEARCH_SQLITE, { ...params, match: text });
    return rows.map((r) => ({ ...toProduct(r), score: Number(r.score) }));
  }

  async listByCategory(category: string, opts: ListOptions = {}): Promise<Product[]> {
    const params = this.filterParams({ ...opts, category }, 50);
    const order = LIST_ORDER[opts.sort ?? 'popular'] ?? POPULAR;
    return (await this.sql.all<ProductRow>(`SELECT ${COLUMNS} FROM products p WHERE 1 = 1 ${FILTERS} ORDER BY ${order} LIMIT @limit OFFSET @offset`, params)).map(toProduct);
  }

  /**
   * Categories with product counts, largest first. With `depth`, category paths are cut to their
   * first `depth` levels and counted together ("Home & Gifts > Kitchen" -> "Home & Gifts" at depth 1).
   * Categories that differ only in case count as one (SQLite's COLLATE NOCASE, on both engines).
   */
  async categories(opts: { depth?: number } = {}): Promise<CategoryCount[]> {
    const counted = await this.sql.all<{ category: string; count: number; in_stock: number }>(
      `SELECT min(category) AS category, count(*) AS count, sum(CASE WHEN stock > 0 THEN 1 ELSE 0 END) AS in_stock
       FROM products WHERE deleted_at IS NULL GROUP BY lower(category)`,
    );
    const rows = counted.map((r) => ({ category: r.category, count: Number(r.count), inStock: Number(r.in_stock) })).sort((a, b) => b.count - a.count || nocase(a.category, b.category));
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

  async count(): Promise<number> {
    return (await this.sql.get<{ n: number }>('SELECT count(*) AS n FROM products WHERE deleted_at IS NULL'))?.n ?? 0;
  }

  async setStock(id: string, stock: number, sql: Sql = this.sql): Promise<void> {
    if (!Number.isInteger(stock) || stock < 0) throw new StoreError('invalid_input', `stock must be a non-negative integer (got ${stock})`);
    if ((await sql.run('UPDATE products SET stock = ? WHERE id = ?', [stock, id])).changes === 0) throw new StoreError('not_found', `product ${id} not found`);
  }

  /** Adds `delta` (negative to take stock) and returns the new stock; refuses to go below zero. */
  async adjustStock(id: string, delta: number, sql: Sql = this.sql): Promise<number> {
    if (!Number.isInteger(delta)) throw new StoreError('invalid_input', `stock delta must be an integer (got ${delta})`);
    const row = await sql.get<{ stock: number }>('UPDATE products SET stock = stock + @delta WHERE id = @id AND stock + @delta >= 0 RETURNING stock', { id, delta });
    if (row) return row.stock;
    const p = await this.get(id, sql);
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
