import { beforeEach, expect, it } from 'vitest';
import { EventRepo } from './events.js';
import type { Sql } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { clock, rejectionOf } from '../testing/store-helpers.js';
import { addCustomer, addOrder, addProduct } from '../testing/store-rows.js';

// Behavioural events on both engines: recording, recent per customer, the purchase time line, counts.

describeEngines('EventRepo', (engine) => {
  let sql: Sql;
  let events: EventRepo;
  let time: ReturnType<typeof clock>;

  const line = (order: string, no: number, product: string, qty = 1) =>
    sql.run('INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price) VALUES (?, ?, ?, ?, 100)', [order, no, product, qty]);

  beforeEach(async () => {
    time = clock();
    sql = await engine.fresh();
    events = new EventRepo(sql, time.now);
    for (const p of ['P1', 'P2', 'P3']) await addProduct(sql, p);
    await addCustomer(sql, 'C1');
    await addCustomer(sql, 'C2');
    await addOrder(sql, 'O1', 'C1', { status: 'delivered', createdAt: '2024-02-01T10:00:00.000Z' });
    await line('O1', 1, 'P1');
    await line('O1', 2, 'P2');
    await addOrder(sql, 'O2', 'C2', { createdAt: '2024-02-01T10:00:00.000Z' });
    await line('O2', 1, 'P3');
    await events.record({ customerId: 'C1', productId: 'P1', type: 'view', ts: '2024-05-01T00:00:00.000Z' });
    await events.record({ customerId: 'C1', productId: 'P1', type: 'add_to_cart', ts: '2024-05-01T00:01:00.000Z' });
    await events.record({ customerId: 'C2', productId: 'P3', type: 'purchase', ts: '2024-05-01T00:00:00.000Z' });
  });

  const all = async (opts?: { includeOrders?: boolean }) => {
    const out = [];
    for await (const p of events.purchases(opts)) out.push(p);
    return out;
  };

  it('records events and lists a customer’s most recent first, optionally by type', async () => {
    const id1 = await events.record({ customerId: 'C2', productId: 'P1', type: 'impression', context: { slot: 'carousel', rank: 2 } });
    time.advance(1000);
    const id2 = await events.record({ customerId: 'C2', productId: 'P2', type: 'click' });
    expect(id2).toBeGreaterThan(id1);
    const recent = await events.recentForCustomer('C2');
    expect(recent.map((e) => [e.productId, e.type])).toEqual([
      ['P2', 'click'],
      ['P1', 'impression'],
      ['P3', 'purchase'], // older
    ]);
    expect(recent[1]).toEqual({ id: id1, customerId: 'C2', productId: 'P1', type: 'impression', context: { slot: 'carousel', rank: 2 }, ts: '2026-01-01T10:00:00.000Z' });
    expect((await events.recentForCustomer('C2', { types: ['click', 'purchase'] })).map((e) => e.type)).toEqual(['click', 'purchase']);
    expect(await events.recentForCustomer('C2', { types: [] })).toEqual([]);
    expect(await events.recentForCustomer('C2', { limit: 1 })).toHaveLength(1);
  });

  it('keeps events of the same time in the order they were recorded (by id)', async () => {
    const ids = [];
    for (const p of ['P3', 'P1', 'P2']) ids.push(await events.record({ customerId: 'C2', productId: p, type: 'view' }));
    expect((await events.recentForCustomer('C2', { types: ['view'] })).map((e) => e.id)).toEqual([...ids].reverse());
  });

  it('validates events', async () => {
    await expect(events.record({ customerId: 'C1', productId: 'P1', type: 'like' as never })).rejects.toThrow(/event type/);
    expect((await rejectionOf(events.record({ customerId: 'C1', productId: 'ghost', type: 'view' }))).code).toBe('not_found');
    expect((await rejectionOf(events.record({ customerId: 'ghost', productId: 'P1', type: 'view' }))).code).toBe('not_found');
    await expect(events.recordMany([{ customerId: 'C1', productId: 'P1', type: 'view' }, { customerId: 'C1', productId: 'ghost', type: 'view' }])).rejects.toThrow();
    expect(await events.recentForCustomer('C1')).toHaveLength(2); // the batch was all-or-nothing
    const ids = await events.recordMany([
      { customerId: 'C1', productId: 'P2', type: 'view' },
      { customerId: 'C1', productId: 'P3', type: 'view' },
    ]);
    expect((await events.recentForCustomer('C1', { limit: 2 })).map((e) => e.id)).toEqual([...ids].reverse());
  });

  it('lists all purchases: purchase events plus lines of non-cancelled orders, oldest first', async () => {
    // O1 (delivered, 2 lines, 2024-02-01) + O2 (processing, 1 line, same time) + the purchase event (2024-05-01)
    expect((await all()).map((p) => [p.source, p.customerId, p.productId, p.qty])).toEqual([
      ['order', 'C1', 'P1', 1],
      ['order', 'C1', 'P2', 1],
      ['order', 'C2', 'P3', 1],
      ['event', 'C2', 'P3', 1],
    ]);
    await sql.run("UPDATE orders SET status = 'cancelled' WHERE id = 'O2'");
    expect(await all()).toHaveLength(3);
    expect((await all({ includeOrders: false })).map((p) => [p.source, p.ts])).toEqual([['event', '2024-05-01T00:00:00.000Z']]);
  });

  it('counts events per product and finds popular products', async () => {
    await events.record({ customerId: 'C2', productId: 'P1', type: 'view' });
    await events.record({ customerId: 'C2', productId: 'P3', type: 'view' });
    await events.record({ customerId: 'C1', productId: 'P1', type: 'view' });
    expect(await events.countsFor('P1')).toEqual({ view: 3, click: 0, add_to_cart: 1, purchase: 0, impression: 0 });
    expect(await events.popular('view')).toEqual([
      { productId: 'P1', count: 3 },
      { productId: 'P3', count: 1 },
    ]);
    expect(await events.popular('view', { since: '2025-01-01' })).toEqual([
      { productId: 'P1', count: 2 },
      { productId: 'P3', count: 1 },
    ]);
  });
});
