import { beforeEach, describe, expect, it } from 'vitest';
import { isStoreError } from './errors.js';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from './migrations.js';
import { checkProductUrl, demoProductUrl, ProductRepo, toFtsQuery, toTsQuery } from './products.js';
import type { Sql } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { baseFixtures, product, rejectionOf, type Row } from '../testing/store-helpers.js';

// The catalogue on both engines: SQLite searches with FTS5 and BM25, PostgreSQL with the GIN index
// of migration 8 and ts_rank; filters, paging, categories and stock are the same SQL.

const COLUMNS = ['id', 'title', 'description', 'category', 'price', 'currency', 'stock', 'image', 'rating', 'rating_count', 'source', 'url'] as const;

async function addProducts(sql: Sql, rows: Row[]): Promise<void> {
  for (const r of rows) {
    const row: Row = { url: demoProductUrl(String(r.id)), ...r };
    await sql.run(`INSERT INTO products (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`, COLUMNS.map((c) => (row[c] ?? null) as string | number | null));
  }
}

const CATALOGUE = [
  ...baseFixtures().products as Row[],
  product('P4', { title: 'Crème brûlée torch', description: 'Kitchen blow torch for desserts', category: 'Home & Kitchen > Tools', price: 899, stock: 2 }),
  product('P5', { title: 'Running shoes', description: 'Lightweight shoe for running', category: 'Sports', price: 2499, stock: 1, rating_count: 500 }),
  product('P6', { title: 'Bluetooth speaker', description: 'Portable wireless speaker', category: 'Electronics > Audio', price: 1499, stock: 7, url: 'https://shop.example/p/speaker-6' }),
];

const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

describeEngines('ProductRepo', (engine) => {
  let sql: Sql;
  let products: ProductRepo;

  beforeEach(async () => {
    sql = await engine.fresh();
    products = new ProductRepo(sql);
    await addProducts(sql, CATALOGUE);
  });

  it('gets one product and many in the requested order, skipping unknown ids', async () => {
    const p = await products.get('P1');
    expect(p).toEqual({
      id: 'P1',
      title: 'Wireless Bluetooth Headphones',
      description: 'Over-ear headphones with noise cancelling',
      category: 'Electronics > Audio',
      price: 2999,
      currency: 'INR',
      stock: 3,
      image: null,
      rating: 4.2,
      ratingCount: 10,
      source: 'test',
      url: '/?product=P1',
    });
    expect(await products.get('nope')).toBeUndefined();
    expect(ids(await products.getMany(['P3', 'nope', 'P1', 'P3']))).toEqual(['P3', 'P1']);
    expect(await products.getMany([])).toEqual([]);
    expect(await products.count()).toBe(6);
    expect((await products.titles()).sort()).toEqual(CATALOGUE.map((r) => String(r.title)).sort());
    // A removed product (deleted_at) is never read, listed, counted or searched.
    await sql.run("UPDATE products SET deleted_at = '2026-01-01T00:00:00.000Z' WHERE id = 'P6'");
    expect(await products.get('P6')).toBeUndefined();
    expect(ids(await products.getMany(['P6', 'P1']))).toEqual(['P1']);
    expect(await products.count()).toBe(5);
    expect(ids(await products.search('speaker'))).toEqual([]);
    expect(await products.titles()).not.toContain('Bluetooth speaker');
  });

  it('searches title, description and category, ranked (title matches first)', async () => {
    const hits = await products.search('wireless');
    expect(ids(hits)).toEqual(['P1', 'P6']); // title beats description
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(ids(await products.search('kitchen'))).toEqual(expect.arrayContaining(['P3', 'P4']));
  });

  it('stems English words (and on SQLite folds diacritics)', async () => {
    expect(ids(await products.search('shoe'))).toEqual(['P5']);
    expect(ids(await products.search('HEADPHONE'))).toEqual(['P1']);
    expect(ids(await products.search('crème brûlée'))).toEqual(['P4']);
    // FTS5's unicode61 tokenizer removes diacritics; PostgreSQL's english configuration keeps them.
    expect(ids(await products.search('creme brulee'))).toEqual(engine.name === 'sqlite' ? ['P4'] : []);
  });

  it("matches any word by default and every word with match: 'all'", async () => {
    expect(ids(await products.search('bluetooth mug')).sort()).toEqual(['P1', 'P3', 'P6']);
    expect(ids(await products.search('bluetooth speaker', { match: 'all' }))).toEqual(['P6']);
    expect(await products.search('bluetooth mug', { match: 'all' })).toEqual([]);
  });

  it('supports prefix search for type-ahead', async () => {
    expect(ids(await products.search('headph', { prefix: true }))).toEqual(['P1']);
    expect(ids(await products.search('bluetooth headph', { prefix: true, match: 'all' }))).toEqual(['P1']);
    expect(await products.search('headph')).toEqual([]);
  });

  it('filters by category (including sub-categories, case-insensitive), price range and stock', async () => {
    expect(ids(await products.search('bluetooth', { category: 'electronics' })).sort()).toEqual(['P1', 'P6']);
    expect(ids(await products.search('bluetooth', { category: 'Electronics > Audio' })).sort()).toEqual(['P1', 'P6']);
    expect(ids(await products.search('bluetooth', { category: 'ELECTRONICS > audio' })).sort()).toEqual(['P1', 'P6']);
    expect(await products.search('bluetooth', { category: 'Electro' })).toEqual([]); // not a path prefix
    expect(ids(await products.search('bluetooth', { maxPrice: 2000 }))).toEqual(['P6']);
    expect(ids(await products.search('bluetooth', { minPrice: 2000 }))).toEqual(['P1']);
    expect(ids(await products.search('bluetooth', { minPrice: 1499, maxPrice: 1499.5 }))).toEqual(['P6']);
    expect(ids(await products.search('cable'))).toEqual(['P2']);
    expect(await products.search('cable', { inStock: true })).toEqual([]);
    expect(ids(await products.search('', { category: 'Home & Kitchen', maxPrice: 500 }))).toEqual(['P3']);
    expect((await rejectionOf(products.search('x', { maxPrice: Number.NaN }))).code).toBe('invalid_input');
  });

  it('pages results with limit and offset', async () => {
    const all = ids(await products.search('', { limit: 100 }));
    expect(all).toHaveLength(6);
    expect(all[0]).toBe('P5'); // most reviewed first when there is no text
    expect(ids(await products.search('', { limit: 2, offset: 2 }))).toEqual(all.slice(2, 4));
    expect(ids(await products.search('bluetooth', { limit: 1, offset: 1 }))).toHaveLength(1);
  });

  it('treats search syntax in user input as plain words (no injection, no syntax errors)', async () => {
    for (const q of ['"', 'NEAR(wireless headphones)', 'title:wireless', 'wireless*', '-wireless', 'AND OR NOT', "'; DROP TABLE products; --", '(((', '^wireless', 'a & b | !c', "wireless:* & !'x'", '<->', 'the']) {
      await expect(products.search(q)).resolves.toBeInstanceOf(Array);
      await expect(products.search(q, { match: 'all', prefix: true })).resolves.toBeInstanceOf(Array);
    }
    expect(ids(await products.search('title:wireless'))).toEqual(['P1', 'P6']);
    expect(await products.count()).toBe(6);
  });

  it('lists a category with sorting', async () => {
    expect(ids(await products.listByCategory('Electronics', { sort: 'price_asc' }))).toEqual(['P2', 'P6', 'P1']);
    expect(ids(await products.listByCategory('electronics', { sort: 'price_desc', inStock: true }))).toEqual(['P1', 'P6']);
    expect(ids(await products.listByCategory('Electronics'))).toEqual(['P1', 'P2', 'P6']); // most reviewed, then id
    expect(ids(await products.listByCategory('Electronics', { limit: 1, offset: 1, sort: 'price_asc' }))).toEqual(['P6']);
  });

  it('counts categories, optionally rolled up to the top level; categories differing only in case are one', async () => {
    const cats = await products.categories();
    expect(cats).toContainEqual({ category: 'Electronics > Audio', count: 2, inStock: 2 });
    expect(cats).toContainEqual({ category: 'Electronics > Cables', count: 1, inStock: 0 });
    expect(await products.categories({ depth: 1 })).toEqual([
      { category: 'Electronics', count: 3, inStock: 2 },
      { category: 'Home & Kitchen', count: 2, inStock: 2 },
      { category: 'Sports', count: 1, inStock: 1 },
    ]);
    await addProducts(sql, [product('P7', { category: 'SPORTS', stock: 0 })]);
    const sports = (await products.categories()).filter((c) => c.category.toLowerCase() === 'sports');
    expect(sports).toHaveLength(1);
    expect(sports[0]).toMatchObject({ count: 2, inStock: 1 });
    // Largest first, then by name without regard to case.
    expect((await products.categories()).map((c) => c.category.toLowerCase())).toEqual(['electronics > audio', 'sports', 'electronics > cables', 'home & kitchen', 'home & kitchen > tools']);
  });

  it('updates stock and refuses to go below zero', async () => {
    await products.setStock('P3', 4);
    expect((await products.get('P3'))!.stock).toBe(4);
    expect(await products.adjustStock('P3', -3)).toBe(1);
    const err = await rejectionOf(products.adjustStock('P3', -2));
    expect(isStoreError(err, 'conflict')).toBe(true);
    expect(err.message).toMatch(/has 1 in stock/);
    expect((await products.get('P3'))!.stock).toBe(1);
    await expect(products.setStock('P3', -1)).rejects.toThrow(/non-negative/);
    await expect(products.adjustStock('nope', 1)).rejects.toThrow(/not found/);
    await expect(products.setStock('nope', 1)).rejects.toThrow(/not found/);
  });

  it('keeps the search index in sync with updates and deletes', async () => {
    await sql.run("UPDATE products SET title = 'Ceramic Tea Cup' WHERE id = 'P3'");
    expect(ids(await products.search('tea'))).toEqual(['P3']);
    expect(await products.search('coffee')).toEqual([]); // only in the old title
    await sql.run("UPDATE products SET stock = 9 WHERE id = 'P5'"); // non-text update leaves the index alone
    expect(ids(await products.search('shoes'))).toEqual(['P5']);
    await sql.run("DELETE FROM products WHERE id = 'P5'");
    expect(await products.search('shoes')).toEqual([]);
    if (engine.name === 'sqlite') expect((await sql.run("INSERT INTO products_fts (products_fts) VALUES ('integrity-check')")).changes).toBeGreaterThanOrEqual(0);
  });

  it('a product carries its own url, or the demo store page /?product=<id>', async () => {
    expect((await products.get('P6'))!.url).toBe('https://shop.example/p/speaker-6');
    expect((await products.get('P1'))!.url).toBe('/?product=P1');
    expect((await products.getMany(['P4']))[0]!.url).toBe('/?product=P4');
    expect((await products.search('speaker'))[0]!.url).toBe('https://shop.example/p/speaker-6');
  });
});

describe('search expressions', () => {
  it('FTS5 (SQLite): every word quoted, OR or implicit AND, the last one a prefix', () => {
    expect(toFtsQuery('a "b" c*', 'any')).toBe('"a" OR "b" OR "c"');
    expect(toFtsQuery('a b', 'all', true)).toBe('"a" "b"*');
    expect(toFtsQuery('?! ...')).toBeNull();
  });

  it('tsquery (PostgreSQL): letters and digits only, | or &, the last one :*', () => {
    expect(toTsQuery("a 'b' c:* & !d", 'any')).toBe('a | b | c | d');
    expect(toTsQuery('Bluetooth Headph', 'all', true)).toBe('bluetooth & headph:*');
    expect(toTsQuery('<-> () !')).toBeNull();
  });
});

describe('product page urls', () => {
  it('accepts store paths and http(s) URLs only', () => {
    for (const ok of ['/p/1', '/?product=P-1', 'https://shop.example/p/1?x=1#y', 'http://127.0.0.1:4000/p/2']) expect(checkProductUrl(ok)).toBe(ok);
    for (const bad of ['', '//evil.example/x', 'javascript:alert(1)', 'data:text/html,hi', 'p/1', '/a b', '/a\\b', 'https:///nohost', 'ftp://x.example/', 'x'.repeat(2049), 42, null]) {
      expect(checkProductUrl(bad)).toBeNull();
    }
  });

  it('migration 14 gives the demo catalogue of an existing database the demo store page, and refuses other schemes', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, MIGRATIONS.slice(0, 13));
      const insert = db.prepare("INSERT INTO products (id, title, description, category, price, currency, stock, source) VALUES (?, 't', 'd', 'c', 1, 'INR', 1, ?)");
      insert.run('P-DEMO', 'amazon-india');
      insert.run('P-OWN', 'import');
      migrate(db);
      const url = (id: string) => db.prepare<[string], string | null>('SELECT url FROM products WHERE id = ?').pluck().get(id);
      expect(url('P-DEMO')).toBe('/?product=P-DEMO');
      expect(url('P-OWN')).toBeNull();
      expect(() => db.prepare("UPDATE products SET url = 'javascript:alert(1)' WHERE id = 'P-OWN'").run()).toThrow(/CHECK/);
    } finally {
      db.close();
    }
  });
});
