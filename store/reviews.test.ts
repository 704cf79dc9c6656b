import { beforeEach, expect, it } from 'vitest';
import { isStoreError } from './errors.js';
import { ReviewRepo } from './reviews.js';
import type { Sql } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { addCustomer, addProduct } from '../testing/store-rows.js';

// Reviews on both engines: pages, stats, the paged scan of every review, live reviews.

describeEngines('ReviewRepo', (engine) => {
  let sql: Sql;
  let reviews: ReviewRepo;

  beforeEach(async () => {
    sql = await engine.fresh();
    reviews = new ReviewRepo(sql);
    for (const p of ['P1', 'P2', 'P3']) await addProduct(sql, p);
    await addCustomer(sql, 'C1');
    await addCustomer(sql, 'C2');
    await reviews.create({ id: 'R1', productId: 'P1', rating: 5, title: 'Good', text: 'Works well', date: '2024-03-01T00:00:00.000Z', source: 'test' });
    await reviews.create({ id: 'R2', productId: 'P1', customerId: 'C1', rating: 3, title: 'Good', text: 'Works well', date: '2024-03-01T00:00:00.000Z', source: 'test' });
    await reviews.create({ id: 'R3', productId: 'P3', rating: 4, title: 'Good', text: 'Works well', date: '2024-03-01T00:00:00.000Z', source: 'test' });
    // 12 reviews for P2 on consecutive days with ratings 1..5 cycling
    for (let i = 0; i < 12; i++) {
      await reviews.create({ id: `RP2-${String(i).padStart(2, '0')}`, productId: 'P2', rating: (i % 5) + 1, text: 'x', date: `2024-06-${String(i + 1).padStart(2, '0')}T00:00:00Z`, source: 'test' });
    }
  });

  it('pages a product’s reviews, newest first by default, with the total', async () => {
    const page1 = await reviews.listForProduct('P2', { limit: 5 });
    expect(page1.total).toBe(12);
    expect(page1.items.map((r) => r.id)).toEqual(['RP2-11', 'RP2-10', 'RP2-09', 'RP2-08', 'RP2-07']);
    const page3 = await reviews.listForProduct('P2', { limit: 5, offset: 10 });
    expect(page3.items.map((r) => r.id)).toEqual(['RP2-01', 'RP2-00']);
    expect((await reviews.listForProduct('P2', { sort: 'rating_desc', limit: 1 })).items[0]!.rating).toBe(5);
    expect((await reviews.listForProduct('P2', { sort: 'rating_asc', limit: 1 })).items[0]!.rating).toBe(1);
    expect(await reviews.listForProduct('ghost')).toEqual({ items: [], total: 0 });
    await expect(reviews.listForProduct('P2', { sort: 'constructor' as never })).rejects.toThrow(/unknown review sort/);
  });

  it('computes count, mean and distribution per product', async () => {
    expect(await reviews.stats('P1')).toEqual({ productId: 'P1', count: 2, mean: 4, distribution: { 1: 0, 2: 0, 3: 1, 4: 0, 5: 1 } });
    const p2 = await reviews.stats('P2');
    expect(p2.count).toBe(12);
    expect(p2.distribution).toEqual({ 1: 3, 2: 3, 3: 2, 4: 2, 5: 2 });
    expect(p2.mean).toBeCloseTo((3 * 1 + 3 * 2 + 2 * 3 + 2 * 4 + 2 * 5) / 12, 10);
    expect(await reviews.stats('ghost')).toEqual({ productId: 'ghost', count: 0, mean: null, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } });
    const many = await reviews.statsFor(['P1', 'P3', 'ghost', 'P1']);
    expect(many.get('P1')!.count).toBe(2);
    expect(many.get('P3')!.count).toBe(1);
    expect(many.get('ghost')!.count).toBe(0);
    expect((await reviews.statsFor([])).size).toBe(0);
  });

  it('reads every review by id, a page at a time, and several at once', async () => {
    const all: string[] = [];
    for await (const r of reviews.listAll(4)) all.push(r.id);
    expect(all).toHaveLength(15);
    expect(all).toEqual([...all].sort());
    const byId = await reviews.getMany(['R2', 'R3', 'nope', 'R2']);
    expect([...byId.keys()].sort()).toEqual(['R2', 'R3']);
    expect(byId.get('R2')).toMatchObject({ productId: 'P1', customerId: 'C1', rating: 3, title: 'Good', text: 'Works well' });
    expect((await reviews.getMany([])).size).toBe(0);
  });

  it('creates a live review and validates it', async () => {
    const r = await reviews.create({ productId: 'P3', customerId: 'C2', rating: 5, text: 'Lovely mug ☕' });
    expect(await reviews.get(r.id)).toEqual(r);
    expect(r.source).toBe('live');
    await expect(reviews.create({ productId: 'P3', rating: 6, text: 'x' })).rejects.toThrow(/1\.\.5/);
    const unknown = await reviews.create({ productId: 'ghost', rating: 3, text: 'x' }).catch((e: unknown) => e);
    expect(isStoreError(unknown, 'not_found')).toBe(true);
    const twice = await reviews.create({ id: 'R1', productId: 'P3', rating: 3, text: 'x' }).catch((e: unknown) => e);
    expect(isStoreError(twice, 'conflict')).toBe(true);
    await expect(reviews.create({ productId: 'P3', rating: 3, text: 'x'.repeat(64 * 1024 + 1) })).rejects.toThrow(/limit is 65536 bytes/);
  });
});
