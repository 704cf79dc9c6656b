import { beforeEach, expect, it } from 'vitest';
import { canTransition, ORDER_TRANSITIONS, OrderRepo } from './orders.js';
import type { Sql } from './sql/executor.js';
import { ORDER_STATUSES } from './types.js';
import { describeEngines } from '../testing/engines.js';
import { clock, rejectionOf } from '../testing/store-helpers.js';
import { addCustomer, addOrder, addProduct } from '../testing/store-rows.js';

// Orders on both engines: lines with current product titles, the customer's list, the status
// transitions, address changes and returns.

const address = { line1: '22 Park Street', city: 'Kolkata', postcode: '700016', country: 'India' };

describeEngines('OrderRepo', (engine) => {
  let sql: Sql;
  let orders: OrderRepo;
  let time: ReturnType<typeof clock>;

  const line = (order: string, no: number, product: string) => sql.run('INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price) VALUES (?, ?, ?, 1, 100)', [order, no, product]);

  beforeEach(async () => {
    time = clock();
    sql = await engine.fresh();
    orders = new OrderRepo(sql, time.now);
    await addProduct(sql, 'P1', { title: 'Wireless Bluetooth Headphones' });
    await addProduct(sql, 'P2', { title: 'USB-C Charging Cable' });
    await addProduct(sql, 'P3', { title: 'Ceramic Coffee Mug' });
    await addCustomer(sql, 'C1');
    await addCustomer(sql, 'C2');
    await addOrder(sql, 'O1', 'C1', { status: 'delivered', tracking: 'TRK123', carrier: 'BlueDart', createdAt: '2024-02-01T10:00:00.000Z' });
    await line('O1', 1, 'P1');
    await line('O1', 2, 'P2');
    await addOrder(sql, 'O2', 'C2', { createdAt: '2024-02-01T10:00:00.000Z' });
    await line('O2', 1, 'P3');
  });

  it('gets an order with its lines, current product titles and total', async () => {
    const o = (await orders.get('O1'))!;
    expect(o).toMatchObject({ id: 'O1', customerId: 'C1', status: 'delivered', tracking: 'TRK123', carrier: 'BlueDart', total: 200, returnReason: null });
    expect(o.shippingAddress).toEqual({ line1: '1 MG Road', city: 'Bengaluru', postcode: '560001', country: 'India' });
    expect(o.lines).toEqual([
      { lineNo: 1, productId: 'P1', productTitle: 'Wireless Bluetooth Headphones', qty: 1, unitPrice: 100 },
      { lineNo: 2, productId: 'P2', productTitle: 'USB-C Charging Cable', qty: 1, unitPrice: 100 },
    ]);
    expect(await orders.get('nope')).toBeUndefined();
  });

  it('lists a customer’s orders newest first, optionally by status', async () => {
    const newer = await orders.create({
      customerId: 'C1',
      createdAt: '2025-01-01T00:00:00.000Z',
      shippingAddress: address,
      lines: [{ productId: 'P3', qty: 2, unitPrice: 349.5 }],
    });
    expect(newer).toMatchObject({ status: 'processing', total: 699, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', shippingAddress: address });
    expect(newer.id).toMatch(/^ord_/);
    expect((await orders.listForCustomer('C1')).map((o) => o.id)).toEqual([newer.id, 'O1']);
    expect((await orders.listForCustomer('C1', { status: 'delivered' })).map((o) => o.id)).toEqual(['O1']);
    const [latest] = await orders.listForCustomer('C1', { limit: 1 });
    expect(latest!.lines).toEqual([{ lineNo: 1, productId: 'P3', productTitle: 'Ceramic Coffee Mug', qty: 2, unitPrice: 349.5 }]);
    expect((await orders.listForCustomer('C1')).find((o) => o.id === 'O1')!.lines).toHaveLength(2);
    expect(await orders.listForCustomer('nobody')).toEqual([]);
  });

  it('orders two orders of the same time by id', async () => {
    for (const id of ['O-B', 'O-C', 'O-A']) await orders.create({ id, customerId: 'C2', createdAt: '2025-01-01T00:00:00.000Z', shippingAddress: address, lines: [{ productId: 'P1', qty: 1, unitPrice: 1 }] });
    expect((await orders.listForCustomer('C2')).map((o) => o.id)).toEqual(['O-C', 'O-B', 'O-A', 'O2']);
  });

  it('refuses orders for unknown customers or products, and duplicate ids', async () => {
    const one = [{ productId: 'P1', qty: 1, unitPrice: 1 }];
    expect((await rejectionOf(orders.create({ customerId: 'ghost', shippingAddress: address, lines: one }))).code).toBe('not_found');
    expect((await rejectionOf(orders.create({ customerId: 'C1', shippingAddress: address, lines: [...one, { productId: 'ghost', qty: 1, unitPrice: 1 }] }))).code).toBe('not_found');
    expect((await rejectionOf(orders.create({ customerId: 'C1', shippingAddress: address, lines: [] }))).code).toBe('invalid_input');
    expect((await rejectionOf(orders.create({ customerId: 'C1', shippingAddress: address, lines: [...one, { productId: 'P2', qty: 0, unitPrice: 1 }] }))).message).toMatch(/line 2: qty/);
    expect((await rejectionOf(orders.create({ id: 'O1', customerId: 'C1', shippingAddress: address, lines: one }))).code).toBe('conflict');
    expect(await orders.listForCustomer('C1')).toHaveLength(1); // nothing half-written
    expect(await sql.get('SELECT count(*) AS n FROM order_lines')).toEqual({ n: 3 });
  });

  it('cancels only processing orders', async () => {
    const err = await rejectionOf(orders.cancel('O1'));
    expect(err.code).toBe('invalid_transition');
    expect(err.message).toMatch(/O1 is delivered.*only processing orders can be cancelled/);
    expect((await orders.get('O1'))!.status).toBe('delivered');
    time.advance(60_000);
    const cancelled = await orders.cancel('O2');
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.updatedAt).toBe(new Date(time.now()).toISOString());
    expect((await rejectionOf(orders.updateStatus('O2', 'processing'))).message).toMatch(/cancelled is final/);
  });

  it('walks processing -> shipped (with tracking) -> delivered -> return requested -> returned', async () => {
    expect(await orders.updateStatus('O2', 'shipped', { tracking: 'AWB999', carrier: 'Delhivery' })).toMatchObject({ status: 'shipped', tracking: 'AWB999', carrier: 'Delhivery' });
    expect((await rejectionOf(orders.cancel('O2'))).code).toBe('invalid_transition');
    expect((await rejectionOf(orders.requestReturn('O2', 'too late'))).message).toMatch(/only be requested for a delivered order/);
    expect((await orders.updateStatus('O2', 'delivered')).tracking).toBe('AWB999'); // untouched when not given
    expect(await orders.requestReturn('O2', 'Wrong size')).toMatchObject({ status: 'return_requested', returnReason: 'Wrong size' });
    expect((await orders.updateStatus('O2', 'returned', { tracking: null })).tracking).toBeNull(); // cleared when given as null
    expect((await rejectionOf(orders.updateStatus('O2', 'delivered'))).code).toBe('invalid_transition');
  });

  it('changes the address only before shipping', async () => {
    expect((await orders.updateAddress('O2', address)).shippingAddress).toEqual(address);
    const err = await rejectionOf(orders.updateAddress('O1', address));
    expect(err.code).toBe('invalid_transition');
    expect(err.message).toMatch(/only be changed before it ships/);
    expect((await orders.get('O1'))!.shippingAddress.city).toBe('Bengaluru');
    expect((await rejectionOf(orders.updateAddress('ghost', address))).code).toBe('not_found');
    expect((await rejectionOf(orders.updateAddress('O2', { ...address, line1: 'x'.repeat(5000) }))).code).toBe('too_large');
    expect((await rejectionOf(orders.updateAddress('O2', { ...address, city: ' ' }))).message).toMatch(/city must not be empty/);
  });

  it('reports unknown orders and statuses', async () => {
    expect((await rejectionOf(orders.cancel('ghost'))).code).toBe('not_found');
    expect((await rejectionOf(orders.requestReturn('ghost', 'x'))).code).toBe('not_found');
    expect((await rejectionOf(orders.updateStatus('O2', 'lost' as never))).code).toBe('invalid_input');
  });

  it('runs in a caller’s transaction and leaves nothing when it fails', async () => {
    await expect(
      sql.transaction(async (tx) => {
        await orders.cancel('O2', tx);
        await orders.requestReturn('O2', 'changed my mind', tx);
      }),
    ).rejects.toThrow(/only be requested for a delivered order/);
    expect((await orders.get('O2'))!.status).toBe('processing');
  });
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
