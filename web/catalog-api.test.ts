import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.js';
import type { CatalogItem, CatalogPage } from './catalog-api.js';
import { pageServer, seededFixtureStore } from '../testing/web-helpers.js';

describe('catalog API on the seeded demo store', () => {
  let db: { store: Store; cleanup: () => void };
  let server: Awaited<ReturnType<typeof pageServer>>;

  beforeAll(async () => {
    db = await seededFixtureStore();
    server = await pageServer(db.store);
  });
  afterAll(async () => {
    await server?.close();
    db?.cleanup();
  });

  it('lists the most-reviewed products first with departments and paging', async () => {
    const { status, body } = await server.json<CatalogPage>('/api/catalog');
    expect(status).toBe(200);
    expect(body.items).toHaveLength(24);
    expect(body.page).toBe(1);
    expect(body.hasMore).toBe(true);
    const counts = body.items.map((i) => i.ratingCount ?? 0);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(body.categories.length).toBeGreaterThan(3);
    expect(body.categories.every((c) => !c.category.includes(' > '))).toBe(true);
    const first = body.items[0]!;
    expect(first.priceText).toMatch(/^₹/);
    expect(typeof first.inStock).toBe('boolean');
  });

  it('pages do not overlap', async () => {
    const p1 = (await server.json<CatalogPage>('/api/catalog?pageSize=10&page=1')).body.items.map((i) => i.id);
    const p2 = (await server.json<CatalogPage>('/api/catalog?pageSize=10&page=2')).body.items.map((i) => i.id);
    expect(p1).toHaveLength(10);
    expect(p2).toHaveLength(10);
    expect(p1.filter((id) => p2.includes(id))).toEqual([]);
  });

  it('searches the catalog', async () => {
    const { body } = await server.json<CatalogPage>('/api/catalog?q=kindle');
    expect(body.items.length).toBeGreaterThan(2);
    expect(body.items[0]!.title.toLowerCase()).toContain('kindle');
    expect(body.query).toBe('kindle');
  });

  it('filters by department (and everything below it)', async () => {
    const all = (await server.json<CatalogPage>('/api/catalog')).body;
    const dept = all.categories[0]!.category;
    const { body } = await server.json<CatalogPage>(`/api/catalog?category=${encodeURIComponent(dept)}&pageSize=48`);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.every((i: CatalogItem) => i.category === dept || i.category.startsWith(`${dept} > `))).toBe(true);
    expect(body.category).toBe(dept);
  });

  it('hostile queries are plain words, never SQL or FTS syntax', async () => {
    for (const q of [`" OR 1=1 --`, `'; DROP TABLE products; --`, 'NEAR(kindle echo)', 'title:kindle*', '<script>alert(1)</script>', '🙂🙂', '%', '\\']) {
      const r = await server.get(`/api/catalog?q=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(200);
    }
    expect(await db.store.products.count()).toBe(3332);
  });

  it.each([
    ['page=0', 'page'],
    ['page=abc', 'page'],
    ['page=1.5', 'page'],
    ['page=100000', 'page'],
    ['pageSize=1000', 'pageSize'],
    [`q=${'x'.repeat(201)}`, 'q'],
    [`category=${'x'.repeat(201)}`, 'category'],
  ])('rejects %s with 400', async (qs, name) => {
    const r = await server.json<{ error: string }>(`/api/catalog?${qs}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toContain(name);
  });

  it('returns one product with its review stats', async () => {
    const { status, body } = await server.json<CatalogItem & { description: string; reviews: { count: number } }>('/api/catalog/product?id=P-DF-B01AHB9CN2');
    expect(status).toBe(200);
    expect(body.title).toContain('Fire HD 8');
    expect(body.reviews.count).toBe(797);
    expect((await server.get('/api/catalog/product?id=P-NOPE')).status).toBe(404);
    expect((await server.get('/api/catalog/product')).status).toBe(400);
  });

  it('is read-only', async () => {
    const r = await server.get('/api/catalog');
    expect(r.headers['content-type']).toContain('application/json');
    const { rawRequest } = await import('../testing/web-helpers.js');
    expect((await rawRequest(server.base, '/api/catalog', { method: 'POST' })).status).toBe(405);
  });
});
