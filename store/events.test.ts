import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError } from './errors.js';
import type { Store } from './index.js';
import { clock, seededStore } from '../testing/store-helpers.js';

let ctx: Awaited<ReturnType<typeof seededStore>>;
let store: Store;
let time: ReturnType<typeof clock>;

beforeEach(async () => {
  time = clock();
  ctx = await seededStore(undefined, time.now);
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

describe('EventRepo', () => {
  it('records events and lists a customer’s most recent first, optionally by type', () => {
    const id1 = store.events.record({ customerId: 'C2', productId: 'P1', type: 'impression', context: { slot: 'carousel', rank: 2 } });
    time.advance(1000);
    const id2 = store.events.record({ customerId: 'C2', productId: 'P2', type: 'click' });
    expect(id2).toBeGreaterThan(id1);
    const recent = store.events.recentForCustomer('C2');
    expect(recent.map((e) => [e.productId, e.type])).toEqual([
      ['P2', 'click'],
      ['P1', 'impression'],
      ['P3', 'purchase'], // seeded, older
    ]);
    expect(recent[1]!.context).toEqual({ slot: 'carousel', rank: 2 });
    expect(store.events.recentForCustomer('C2', { types: ['click', 'purchase'] }).map((e) => e.type)).toEqual(['click', 'purchase']);
    expect(store.events.recentForCustomer('C2', { limit: 1 })).toHaveLength(1);
  });

  it('validates events', () => {
    expect(() => store.events.record({ customerId: 'C1', productId: 'P1', type: 'like' as never })).toThrow(/event type/);
    let err: unknown;
    try {
      store.events.record({ customerId: 'C1', productId: 'ghost', type: 'view' });
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err, 'not_found')).toBe(true);
    expect(() => store.events.recordMany([{ customerId: 'C1', productId: 'P1', type: 'view' }, { customerId: 'C1', productId: 'ghost', type: 'view' }])).toThrow();
    expect(store.events.recentForCustomer('C1')).toHaveLength(2); // the batch was all-or-nothing
  });

  it('streams all purchases: purchase events plus lines of non-cancelled orders, oldest first', () => {
    const all = [...store.events.purchases()];
    // O1 (delivered, 2 lines, 2024-02-01) + O2 (processing, 1 line) + the seeded purchase event (2024-05-01)
    expect(all.map((p) => [p.source, p.customerId, p.productId])).toEqual([
      ['order', 'C1', 'P1'],
      ['order', 'C1', 'P2'],
      ['order', 'C2', 'P3'],
      ['event', 'C2', 'P3'],
    ]);
    store.orders.cancel('O2');
    expect([...store.events.purchases()]).toHaveLength(3);
    expect([...store.events.purchases({ includeOrders: false })].map((p) => p.source)).toEqual(['event']);
  });

  it('counts events per product and finds popular products', () => {
    store.events.record({ customerId: 'C2', productId: 'P1', type: 'view' });
    store.events.record({ customerId: 'C2', productId: 'P3', type: 'view' });
    store.events.record({ customerId: 'C1', productId: 'P1', type: 'view' });
    expect(store.events.countsFor('P1')).toEqual({ view: 3, click: 0, add_to_cart: 1, purchase: 0, impression: 0 });
    expect(store.events.popular('view')).toEqual([
      { productId: 'P1', count: 3 },
      { productId: 'P3', count: 1 },
    ]);
    expect(store.events.popular('view', { since: '2025-01-01' })).toEqual([
      { productId: 'P1', count: 2 },
      { productId: 'P3', count: 1 },
    ]);
  });
});
