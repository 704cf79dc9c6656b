import { expect, it } from 'vitest';
import { describeEngines } from '../../testing/engines.js';
import { rejectionOf } from '../../testing/store-helpers.js';
import { addCustomer } from '../../testing/store-rows.js';
import { CatalogAdmin, MAX_BATCH_ROWS, type OrderUpsert } from '../catalog-admin.js';
import { VipRepo } from '../vip.js';
import type { Sql } from './executor.js';

// Repositories on the async contract (issue #19) whose own test file still runs on SQLite only
// (its scenario needs repositories not yet ported), on both engines: each built over a fresh
// database of the engine, the rows it needs written with plain SQL. Repositories whose test files
// use describeEngines themselves are not repeated here.

async function customers(sql: Sql, rows: [id: string, name: string, email: string | null, createdAt: string][]): Promise<void> {
  for (const [id, name, email, createdAt] of rows) {
    await sql.run('INSERT INTO customers (id, name, email, country, created_at) VALUES (?, ?, ?, ?, ?)', [id, name, email, 'India', createdAt]);
  }
}

describeEngines('VipRepo', (engine) => {
  it('sets VIPs by id or by e-mail whatever its case, lists and clears them', async () => {
    const sql = await engine.fresh();
    await customers(sql, [
      ['C1', 'Asha', 'asha@example.org', '2024-01-01T00:00:00.000Z'],
      ['C2', 'Bela', 'Bela@Example.org', '2024-01-02T00:00:00.000Z'],
      ['C3', 'Bela twin', 'bela@example.org', '2024-01-03T00:00:00.000Z'],
    ]);
    const vip = new VipRepo(sql);
    expect(await vip.isVip('C1')).toBe(false);
    expect(await vip.set('C1', true)).toBe('C1');
    // The earliest customer with that e-mail, compared without case on both engines.
    expect(await vip.set('BELA@example.ORG', true)).toBe('C2');
    expect(await vip.list()).toEqual([
      { id: 'C1', name: 'Asha', email: 'asha@example.org' },
      { id: 'C2', name: 'Bela', email: 'Bela@Example.org' },
    ]);
    expect(await vip.list(1)).toHaveLength(1);
    await vip.set('C2', false);
    expect(await vip.isVip('C2')).toBe(false);
    expect(await vip.isVip(null)).toBe(false);
    expect((await rejectionOf(vip.set('nobody@example.org', true))).code).toBe('not_found');
    expect((await rejectionOf(vip.set('ghost', true))).code).toBe('not_found');
    expect((await rejectionOf(vip.set('  ', true))).code).toBe('invalid_input');
  });

  it('takes part in a caller\'s transaction', async () => {
    const sql = await engine.fresh();
    await customers(sql, [['C1', 'Asha', 'asha@example.org', '2024-01-01T00:00:00.000Z']]);
    const vip = new VipRepo(sql);
    await expect(
      sql.transaction(async (tx) => {
        await vip.set('C1', true, tx);
        expect(await vip.isVip('C1', tx)).toBe(true);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await vip.isVip('C1')).toBe(false);
  });
});

// catalog-admin.test.ts reads the results back through the SQLite-only repositories; here the same
// scenarios are read back with plain SQL on both engines.
describeEngines('CatalogAdmin, per-row errors and deletes', (engine) => {
  const DEFAULTS = { currency: 'INR', source: 'api' };
  const order = (id: string, over: Partial<OrderUpsert> = {}): OrderUpsert => ({
    id,
    customerId: 'C9',
    status: 'processing',
    createdAt: '2026-01-02T10:00:00Z',
    shippingAddress: { line1: '1 Main St', city: 'Pune', postcode: '411001', country: 'India' },
    lines: [{ productId: 'P2', qty: 2, unitPrice: 299 }],
    ...over,
  });
  const count = async (sql: Sql, table: string): Promise<number> => (await sql.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n;

  it('reports malformed products one by one, writes the good ones, and refuses an oversized batch', async () => {
    const sql = await engine.fresh();
    const admin = new CatalogAdmin(sql);
    const r = await admin.upsertProducts(
      [
        { id: 'N2', title: 'Steel water bottle', category: 'Sports', price: 650 },
        { id: 'N3', category: 'Sports', price: 10 },
        { id: 'N4', title: 'Bad money', category: 'Sports', price: -1 },
        { id: 'N5', title: 'Bad currency', category: 'Sports', price: 1, currency: 'rupees' },
        { id: 'N6', title: 'Bad url', category: 'Sports', price: 1, url: 'javascript:alert(1)' },
        { id: 'x'.repeat(300), title: 'Long id', category: 'Sports', price: 1 },
      ],
      DEFAULTS,
    );
    expect(r.results.map((x) => [x.status, x.error?.field])).toEqual([
      ['inserted', undefined],
      ['error', 'title'],
      ['error', 'price'],
      ['error', 'currency'],
      ['error', 'url'],
      ['error', 'id'],
    ]);
    expect(await sql.all('SELECT id, title, price, currency FROM products')).toEqual([{ id: 'N2', title: 'Steel water bottle', price: 650, currency: 'INR' }]);
    await expect(admin.upsertProducts(Array.from({ length: MAX_BATCH_ROWS + 1 }, (_, i) => ({ id: `B${i}` })), DEFAULTS)).rejects.toThrow(/at most/);
  });

  it('upserts customers and orders with per-row errors, idempotently, and deletes them with what they own', async () => {
    const sql = await engine.fresh();
    const admin = new CatalogAdmin(sql);
    await admin.upsertProducts(
      [
        { id: 'P2', title: 'Mug', category: 'Kitchen', price: 299 },
        { id: 'P3', title: 'Plate', category: 'Kitchen', price: 399 },
      ],
      DEFAULTS,
    );
    await addCustomer(sql, 'C1');
    await sql.run("INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES ('web', 'web-c1', 'C1', 'now')");
    const customers = await admin.upsertCustomers([
      { id: 'C9', name: 'Asha Rao', email: 'asha@example.org', identities: [{ channel: 'web', externalId: 'web-asha' }] },
      { id: 'C8', name: 'Ben', identities: [{ channel: 'web', externalId: 'web-c1' }] },
      { id: 'C7', name: 'Bad mail', email: 'not-an-email' },
    ]);
    expect(customers.results.map((x) => [x.status, x.error?.code, x.error?.field])).toEqual([
      ['inserted', undefined, undefined],
      ['error', 'conflict', 'identities[0]'],
      ['error', 'invalid', 'email'],
    ]);
    expect(await sql.all('SELECT id FROM customers ORDER BY id')).toEqual([{ id: 'C1' }, { id: 'C9' }]);
    expect((await admin.upsertCustomers([{ id: 'C9', name: 'Asha Rao', email: 'asha@example.org' }])).results[0]!.status).toBe('unchanged');

    const orders = await admin.upsertOrders([order('O9'), order('O8', { customerId: 'ghost' }), order('O7', { lines: [{ productId: 'ghost', qty: 1, unitPrice: 1 }] })]);
    expect(orders.results.map((x) => [x.status, x.error?.code, x.error?.field])).toEqual([
      ['inserted', undefined, undefined],
      ['error', 'not_found', 'customerId'],
      ['error', 'not_found', 'lines[0].productId'],
    ]);
    expect((await admin.upsertOrders([order('O9')])).results[0]!.status).toBe('unchanged');
    const shipped = await admin.upsertOrders([order('O9', { status: 'shipped', tracking: 'TRK9', lines: [{ productId: 'P3', qty: 1, unitPrice: 399 }] })]);
    expect(shipped.results[0]!.status).toBe('updated');
    expect(await sql.get('SELECT status, tracking FROM orders WHERE id = ?', ['O9'])).toEqual({ status: 'shipped', tracking: 'TRK9' });
    expect(await sql.all('SELECT product_id, qty, unit_price FROM order_lines WHERE order_id = ?', ['O9'])).toEqual([{ product_id: 'P3', qty: 1, unit_price: 399 }]);

    expect((await admin.deleteOrders(['O9', 'O9'])).results.map((r) => r.status)).toEqual(['deleted', 'not_found']);
    await admin.upsertOrders([order('O6')]);
    expect(await count(sql, 'order_lines')).toBe(1);
    expect((await admin.deleteCustomers(['C9'])).results[0]!.status).toBe('deleted');
    expect([await count(sql, 'orders'), await count(sql, 'order_lines')]).toEqual([0, 0]);
    expect(await sql.get("SELECT customer_id FROM channel_identities WHERE external_id = 'web-asha'")).toBeUndefined();
  });
});
