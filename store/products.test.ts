import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreError } from './errors.js';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from './migrations.js';
import { checkProductUrl, toFtsQuery } from './products.js';
import { baseFixtures, product, seededStore } from '../testing/store-helpers.js';
import type { Store } from './index.js';

let ctx: Awaited<ReturnType<typeof seededStore>>;
let store: Store;

beforeAll(async () => {
  const set = baseFixtures();
  set.products.push(
    product('P4', { title: 'Crème brûlée torch', description: 'Kitchen blow torch for desserts', category: 'Home & Kitchen > Tools', price: 899, stock: 2 }),
    product('P5', { title: 'Running shoes', description: 'Lightweight shoe for running', category: 'Sports', price: 2499, stock: 1, rating_count: 500 }),
    product('P6', { title: 'Bluetooth speaker', description: 'Portable wireless speaker', category: 'Electronics > Audio', price: 1499, stock: 7, url: 'https://shop.example/p/speaker-6' }),
  );
  ctx = await seededStore(set);
  store = ctx.store;
});
afterAll(() => ctx.cleanup());

const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

describe('ProductRepo', () => {
  it('gets one product and many in the requested order, skipping unknown ids', () => {
    const p = store.products.get('P1');
    expect(p).toMatchObject({ id: 'P1', title: 'Wireless Bluetooth Headphones', price: 2999, currency: 'INR', stock: 3, ratingCount: 10, image: null });
    expect(store.products.get('nope')).toBeUndefined();
    expect(ids(store.products.getMany(['P3', 'nope', 'P1', 'P3']))).toEqual(['P3', 'P1']);
    expect(store.products.getMany([])).toEqual([]);
    expect(store.products.count()).toBe(6);
  });

  it('searches title, description and category with BM25 ranking (title matches first)', () => {
    const hits = store.products.search('wireless');
    expect(ids(hits)).toEqual(['P1', 'P6']); // title beats description
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(ids(store.products.search('kitchen'))).toEqual(expect.arrayContaining(['P3', 'P4']));
  });

  it('stems English words and folds diacritics', () => {
    expect(ids(store.products.search('shoe'))).toEqual(['P5']);
    expect(ids(store.products.search('creme brulee'))).toEqual(['P4']);
    expect(ids(store.products.search('HEADPHONE'))).toEqual(['P1']);
  });

  it("matches any word by default and every word with match: 'all'", () => {
    expect(ids(store.products.search('bluetooth mug')).sort()).toEqual(['P1', 'P3', 'P6']);
    expect(ids(store.products.search('bluetooth speaker', { match: 'all' }))).toEqual(['P6']);
    expect(store.products.search('bluetooth mug', { match: 'all' })).toEqual([]);
  });

  it('supports prefix search for type-ahead', () => {
    expect(ids(store.products.search('headph', { prefix: true }))).toEqual(['P1']);
    expect(store.products.search('headph')).toEqual([]);
  });

  it('filters by category (including sub-categories, case-insensitive), price range and stock', () => {
    expect(ids(store.products.search('bluetooth', { category: 'electronics' })).sort()).toEqual(['P1', 'P6']);
    expect(ids(store.products.search('bluetooth', { category: 'Electronics > Audio' })).sort()).toEqual(['P1', 'P6']);
    expect(store.products.search('bluetooth', { category: 'Electro' })).toEqual([]); // not a path prefix
    expect(ids(store.products.search('bluetooth', { maxPrice: 2000 }))).toEqual(['P6']);
    expect(ids(store.products.search('bluetooth', { minPrice: 2000 }))).toEqual(['P1']);
    expect(ids(store.products.search('cable'))).toEqual(['P2']);
    expect(store.products.search('cable', { inStock: true })).toEqual([]);
    expect(ids(store.products.search('', { category: 'Home & Kitchen', maxPrice: 500 }))).toEqual(['P3']);
  });

  it('pages results with limit and offset', () => {
    const all = ids(store.products.search('', { limit: 100 }));
    expect(all).toHaveLength(6);
    expect(all[0]).toBe('P5'); // most reviewed first when there is no text
    expect(ids(store.products.search('', { limit: 2, offset: 2 }))).toEqual(all.slice(2, 4));
  });

  it('treats FTS5 syntax in user input as plain words (no injection, no syntax errors)', () => {
    for (const q of ['"', 'NEAR(wireless headphones)', 'title:wireless', 'wireless*', '-wireless', 'AND OR NOT', "'; DROP TABLE products; --", '(((', '^wireless']) {
      expect(() => store.products.search(q)).not.toThrow();
    }
    expect(ids(store.products.search('title:wireless'))).toEqual(['P1', 'P6']);
    expect(store.products.count()).toBe(6);
    expect(toFtsQuery('a "b" c*', 'any')).toBe('"a" OR "b" OR "c"');
    expect(toFtsQuery('a b', 'all', true)).toBe('"a" "b"*');
    expect(toFtsQuery('?! ...')).toBeNull();
  });

  it('lists a category with sorting', () => {
    expect(ids(store.products.listByCategory('Electronics', { sort: 'price_asc' }))).toEqual(['P2', 'P6', 'P1']);
    expect(ids(store.products.listByCategory('Electronics', { sort: 'price_desc', inStock: true }))).toEqual(['P1', 'P6']);
  });

  it('counts categories, optionally rolled up to the top level', () => {
    const cats = store.products.categories();
    expect(cats).toContainEqual({ category: 'Electronics > Audio', count: 2, inStock: 2 });
    expect(cats).toContainEqual({ category: 'Electronics > Cables', count: 1, inStock: 0 });
    expect(store.products.categories({ depth: 1 })).toEqual([
      { category: 'Electronics', count: 3, inStock: 2 },
      { category: 'Home & Kitchen', count: 2, inStock: 2 },
      { category: 'Sports', count: 1, inStock: 1 },
    ]);
  });

  it('updates stock and refuses to go below zero', () => {
    store.products.setStock('P3', 4);
    expect(store.products.get('P3')!.stock).toBe(4);
    expect(store.products.adjustStock('P3', -3)).toBe(1);
    let err: unknown;
    try {
      store.products.adjustStock('P3', -2);
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err, 'conflict')).toBe(true);
    expect(store.products.get('P3')!.stock).toBe(1);
    expect(() => store.products.setStock('P3', -1)).toThrow(/non-negative/);
    expect(() => store.products.adjustStock('nope', 1)).toThrow(/not found/);
  });

  it('keeps the FTS index in sync with updates and deletes', () => {
    ctx.db.prepare("UPDATE products SET title = 'Ceramic Tea Cup' WHERE id = 'P3'").run();
    expect(ids(store.products.search('tea'))).toEqual(['P3']);
    expect(store.products.search('coffee')).toEqual([]); // only in the old title
    ctx.db.prepare("UPDATE products SET stock = 9 WHERE id = 'P5'").run(); // non-text update leaves the index alone
    expect(ids(store.products.search('shoes'))).toEqual(['P5']);
    ctx.db.prepare("DELETE FROM products WHERE id = 'P5'").run();
    expect(store.products.search('shoes')).toEqual([]);
    expect(ctx.db.prepare("INSERT INTO products_fts (products_fts) VALUES ('integrity-check')").run().changes).toBeGreaterThanOrEqual(0);
  });
});

describe('product page urls', () => {
  it('a seeded product carries its own url, or the demo store page /?product=<id>', () => {
    expect(store.products.get('P6')!.url).toBe('https://shop.example/p/speaker-6');
    expect(store.products.get('P1')!.url).toBe('/?product=P1');
    expect(store.products.getMany(['P4'])[0]!.url).toBe('/?product=P4');
    expect(store.products.search('speaker')[0]!.url).toBe('https://shop.example/p/speaker-6');
  });

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
