import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './index.js';
import { canTransition, ORDER_TRANSITIONS } from './orders.js';
import { clock, errorOf, seededStore } from '../testing/store-helpers.js';
import { ORDER_STATUSES } from './types.js';

let ctx: Awaited<ReturnType<typeof seededStore>>;
let store: Store;
const time = clock();

beforeEach(async () => {
  ctx = await seededStore(undefined, time.now);
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

const address = { line1: '22 Park Street', city: 'Kolkata', postcode: '700016', country: 'India' };

describe('OrderRepo', () => {
  it('gets an order with its lines, current product titles and total', () => {
    const o = store.orders.get('O1')!;
    expect(o).toMatchObject({ id: 'O1', customerId: 'C1', status: 'delivered', tracking: 'TRK123', carrier: 'BlueDart', total: 200 });
    expect(o.shippingAddress).toEqual({ line1: '1 MG Road', city: 'Bengaluru', postcode: '560001', country: 'India' });
    expect(o.lines).toEqual([
      { lineNo: 1, productId: 'P1', productTitle: 'Wireless Bluetooth Headphones', qty: 1, unitPrice: 100 },
      { lineNo: 2, productId: 'P2', productTitle: 'USB-C Charging Cable', qty: 1, unitPrice: 100 },
    ]);
    expect(store.orders.get('nope')).toBeUndefined();
  });

  it('lists a customer’s orders newest first, optionally by status', () => {
    const newer = store.orders.create({
      customerId: 'C1',
      createdAt: '2025-01-01T00:00:00.000Z',
      shippingAddress: address,
      lines: [{ productId: 'P3', qty: 2, unitPrice: 349 }],
    });
    expect(newer.status).toBe('processing');
    expect(newer.total).toBe(698);
    expect(store.orders.listForCustomer('C1').map((o) => o.id)).toEqual([newer.id, 'O1']);
    expect(store.orders.listForCustomer('C1', { status: 'delivered' }).map((o) => o.id)).toEqual(['O1']);
    expect(store.orders.listForCustomer('C1', { limit: 1 })[0]!.lines).toHaveLength(1);
    expect(store.orders.listForCustomer('nobody')).toEqual([]);
  });

  it('refuses orders for unknown customers or products', () => {
    expect(errorOf(() => store.orders.create({ customerId: 'ghost', shippingAddress: address, lines: [{ productId: 'P1', qty: 1, unitPrice: 1 }] })).code).toBe('not_found');
    expect(errorOf(() => store.orders.create({ customerId: 'C1', shippingAddress: address, lines: [{ productId: 'ghost', qty: 1, unitPrice: 1 }] })).code).toBe('not_found');
    expect(errorOf(() => store.orders.create({ customerId: 'C1', shippingAddress: address, lines: [] })).code).toBe('invalid_input');
    expect(store.orders.listForCustomer('C1')).toHaveLength(1); // nothing half-written
  });

  it('cancels only processing orders', () => {
    const err = errorOf(() => store.orders.cancel('O1'));
    expect(err.code).toBe('invalid_transition');
    expect(err.message).toMatch(/O1 is delivered.*only processing orders can be cancelled/);
    expect(store.orders.get('O1')!.status).toBe('delivered');
    time.advance(60_000);
    const cancelled = store.orders.cancel('O2');
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.updatedAt).toBe(new Date(time.now()).toISOString());
    expect(errorOf(() => store.orders.updateStatus('O2', 'processing')).message).toMatch(/cancelled is final/);
  });

  it('walks processing -> shipped (with tracking) -> delivered -> return requested -> returned', () => {
    expect(store.orders.updateStatus('O2', 'shipped', { tracking: 'AWB999', carrier: 'Delhivery' })).toMatchObject({
      status: 'shipped',
      tracking: 'AWB999',
      carrier: 'Delhivery',
    });
    expect(errorOf(() => store.orders.cancel('O2')).code).toBe('invalid_transition');
    expect(errorOf(() => store.orders.requestReturn('O2', 'too late')).message).toMatch(/only be requested for a delivered order/);
    expect(store.orders.updateStatus('O2', 'delivered').tracking).toBe('AWB999'); // untouched when not given
    expect(store.orders.requestReturn('O2', 'Wrong size')).toMatchObject({ status: 'return_requested', returnReason: 'Wrong size' });
    expect(store.orders.updateStatus('O2', 'returned').status).toBe('returned');
    expect(errorOf(() => store.orders.updateStatus('O2', 'delivered')).code).toBe('invalid_transition');
  });

  it('changes the address only before shipping', () => {
    expect(store.orders.updateAddress('O2', address).shippingAddress).toEqual(address);
    const err = errorOf(() => store.orders.updateAddress('O1', address));
    expect(err.code).toBe('invalid_transition');
    expect(err.message).toMatch(/only be changed before it ships/);
    expect(store.orders.get('O1')!.shippingAddress.city).toBe('Bengaluru');
    expect(errorOf(() => store.orders.updateAddress('ghost', address)).code).toBe('not_found');
    expect(errorOf(() => store.orders.updateAddress('O2', { ...address, line1: 'x'.repeat(5000) })).code).toBe('too_large');
    expect(errorOf(() => store.orders.updateAddress('O2', { ...address, city: ' ' })).message).toMatch(/city must not be empty/);
  });

  it('reports unknown orders and statuses', () => {
    expect(errorOf(() => store.orders.cancel('ghost')).code).toBe('not_found');
    expect(errorOf(() => store.orders.requestReturn('ghost', 'x')).code).toBe('not_found');
    expect(errorOf(() => store.orders.updateStatus('O2', 'lost' as never)).code).toBe('invalid_input');
  });

  it('the transition table covers every status and cancelled/returned are final', () => {
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
    for (const from of ORDER_STATUSES) for (const to of ORDER_TRANSITIONS[from]) expect(ORDER_STATUSES).toContain(to);
    expect(canTransition('processing', 'cancelled')).toBe(true);
    for (const s of ORDER_STATUSES) {
      if (s !== 'processing') expect(canTransition(s, 'cancelled')).toBe(false);
      expect(canTransition('cancelled', s)).toBe(false);
      expect(canTransition('returned', s)).toBe(false);
    }
  });
});
