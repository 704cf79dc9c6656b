import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreError } from './errors.js';
import type { Store } from './index.js';
import { baseFixtures, review, seededStore } from '../testing/store-helpers.js';

let ctx: Awaited<ReturnType<typeof seededStore>>;
let store: Store;

beforeAll(async () => {
  const set = baseFixtures();
  // 12 reviews for P2 on consecutive days with ratings 1..5 cycling
  for (let i = 0; i < 12; i++) {
    set.reviews.push(review(`RP2-${String(i).padStart(2, '0')}`, 'P2', { rating: (i % 5) + 1, date: `2024-06-${String(i + 1).padStart(2, '0')}T00:00:00Z` }));
  }
  ctx = await seededStore(set);
  store = ctx.store;
});
afterAll(() => ctx.cleanup());

describe('ReviewRepo', () => {
  it('pages a product’s reviews, newest first by default, with the total', () => {
    const page1 = store.reviews.listForProduct('P2', { limit: 5 });
    expect(page1.total).toBe(12);
    expect(page1.items.map((r) => r.id)).toEqual(['RP2-11', 'RP2-10', 'RP2-09', 'RP2-08', 'RP2-07']);
    const page3 = store.reviews.listForProduct('P2', { limit: 5, offset: 10 });
    expect(page3.items.map((r) => r.id)).toEqual(['RP2-01', 'RP2-00']);
    expect(store.reviews.listForProduct('P2', { sort: 'rating_desc', limit: 1 }).items[0]!.rating).toBe(5);
    expect(store.reviews.listForProduct('P2', { sort: 'rating_asc', limit: 1 }).items[0]!.rating).toBe(1);
    expect(store.reviews.listForProduct('ghost')).toEqual({ items: [], total: 0 });
  });

  it('computes count, mean and distribution per product', () => {
    expect(store.reviews.stats('P1')).toEqual({ productId: 'P1', count: 2, mean: 4, distribution: { 1: 0, 2: 0, 3: 1, 4: 0, 5: 1 } });
    const p2 = store.reviews.stats('P2');
    expect(p2.count).toBe(12);
    expect(p2.distribution).toEqual({ 1: 3, 2: 3, 3: 2, 4: 2, 5: 2 });
    expect(p2.mean).toBeCloseTo((3 * 1 + 3 * 2 + 2 * 3 + 2 * 4 + 2 * 5) / 12, 10);
    expect(store.reviews.stats('ghost')).toEqual({ productId: 'ghost', count: 0, mean: null, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } });
    const many = store.reviews.statsFor(['P1', 'P3', 'ghost']);
    expect(many.get('P1')!.count).toBe(2);
    expect(many.get('P3')!.count).toBe(1);
    expect(many.get('ghost')!.count).toBe(0);
  });

  it('streams every review', () => {
    const all = [...store.reviews.listAll()];
    expect(all).toHaveLength(15);
    expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort());
    expect(all.find((r) => r.id === 'R2')).toMatchObject({ productId: 'P1', customerId: 'C1', rating: 3, title: 'Good', text: 'Works well' });
  });

  it('creates a live review and validates it', () => {
    const r = store.reviews.create({ productId: 'P3', customerId: 'C2', rating: 5, text: 'Lovely mug ☕' });
    expect(store.reviews.get(r.id)).toEqual(r);
    expect(r.source).toBe('live');
    expect(() => store.reviews.create({ productId: 'P3', rating: 6, text: 'x' })).toThrow(/1\.\.5/);
    let err: unknown;
    try {
      store.reviews.create({ productId: 'ghost', rating: 3, text: 'x' });
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err, 'not_found')).toBe(true);
    expect(() => store.reviews.create({ productId: 'P3', rating: 3, text: 'x'.repeat(64 * 1024 + 1) })).toThrow(/limit is 65536 bytes/);
  });
});
