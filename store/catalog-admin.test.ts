import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogAdmin, MAX_BATCH_ROWS, type OrderUpsert } from './catalog-admin.js';
import { describeEngines } from '../testing/engines.js';
import { countRows, seededStore } from '../testing/store-helpers.js';
import { addCustomer } from '../testing/store-rows.js';

// Batch upserts and deletes for the admin API and imports, on a real SQLite file seeded with the
// small fixture set (P1-P3, C1-C2, O1-O2).

let ctx: Awaited<ReturnType<typeof seededStore>>;
let admin: CatalogAdmin;
const DEFAULTS = { currency: 'INR', source: 'api' };

beforeAll(async () => {
  ctx = await seededStore();
  admin = new CatalogAdmin(ctx.store.sql);
});
afterAll(() => ctx.cleanup());

describe('CatalogAdmin products', () => {
  it('inserts, updates and reports unchanged rows; the same batch twice leaves the same state', async () => {
    const batch = [
      { id: 'N1', title: 'Bamboo cutting board', category: 'Home & Kitchen > Tools', price: 499, stock: 4, description: 'Large board' },
      { id: 'P3', price: 399 }, // known product: only the price changes
    ];
    const first = await admin.upsertProducts(batch, DEFAULTS);
    expect(first.results.map((r) => r.status)).toEqual(['inserted', 'updated']);
    expect(first.catalogSeq).toBe(1);
    expect(await ctx.store.products.get('N1')).toMatchObject({ title: 'Bamboo cutting board', currency: 'INR', stock: 4, source: 'api' });
    expect(await ctx.store.products.get('P3')).toMatchObject({ price: 399, title: 'Ceramic Coffee Mug' });
    expect((await ctx.store.products.search('bamboo board')).map((p) => p.id)).toEqual(['N1']);

    const snapshot = ctx.db.prepare('SELECT * FROM products ORDER BY id').all();
    const again = await admin.upsertProducts(batch, DEFAULTS);
    expect(again.results.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
    expect(again.catalogSeq).toBeNull();
    expect(await admin.catalogSeq()).toBe(1);
    expect(ctx.db.prepare('SELECT * FROM products ORDER BY id').all()).toEqual(snapshot);
  });

  it('reports malformed rows one by one and writes the good ones', async () => {
    const r = await admin.upsertProducts(
      [
        { id: 'N2', title: 'Steel water bottle', category: 'Sports', price: 650 },
        { id: 'N3', category: 'Sports', price: 10 }, // new without a title
        { id: 'N4', title: 'Bad money', category: 'Sports', price: -1 },
        { id: 'N5', title: 'Bad currency', category: 'Sports', price: 1, currency: 'rupees' },
        { id: 'N6', title: 'Bad url', category: 'Sports', price: 1, url: 'javascript:alert(1)' },
        { id: 'x'.repeat(300), title: 'Long id', category: 'Sports', price: 1 },
      ],
      DEFAULTS,
    );
    expect(r.results.map((x) => x.status)).toEqual(['inserted', 'error', 'error', 'error', 'error', 'error']);
    expect(r.results[1]!.error).toMatchObject({ code: 'invalid', field: 'title', message: expect.stringMatching(/required for a new product/) });
    expect(r.results[2]!.error).toMatchObject({ field: 'price' });
    expect(r.results[3]!.error).toMatchObject({ field: 'currency' });
    expect(r.results[4]!.error).toMatchObject({ field: 'url' });
    expect(r.results[5]!.error).toMatchObject({ code: 'too_large', field: 'id' });
    expect(r.counts).toMatchObject({ inserted: 1, error: 5 });
    expect((await ctx.store.products.get('N2'))?.title).toBe('Steel water bottle');
    expect(await ctx.store.products.get('N3')).toBeUndefined();
  });

  it('removes products from reads, lists, categories and search, keeps their order lines, and brings them back on upsert', async () => {
    const before = (await ctx.store.products.count());
    const del = await admin.deleteProducts(['P1', 'nope', 'P1']);
    expect(del.results.map((r) => r.status)).toEqual(['deleted', 'not_found', 'unchanged']);
    expect(await ctx.store.products.get('P1')).toBeUndefined();
    expect((await ctx.store.products.getMany(['P1', 'P2'])).map((p) => p.id)).toEqual(['P2']);
    expect((await ctx.store.products.search('wireless headphones')).map((p) => p.id)).not.toContain('P1');
    expect(await ctx.store.products.count()).toBe(before - 1);
    expect((await ctx.store.orders.get('O1'))!.lines.map((l) => l.productId)).toContain('P1');
    const changed = await admin.changedProductsSince(del.catalogSeq! - 1);
    expect(changed).toEqual([expect.objectContaining({ id: 'P1', deleted: true, seq: del.catalogSeq })]);

    const back = await admin.upsertProducts([{ id: 'P1' }], DEFAULTS);
    expect(back.results[0]!.status).toBe('updated');
    expect((await ctx.store.products.get('P1'))?.title).toBe('Wireless Bluetooth Headphones');
    expect(await admin.changedProductsSince(del.catalogSeq!)).toEqual([expect.objectContaining({ id: 'P1', deleted: false })]);
  });

  it('refuses a batch over the row limit as a whole', async () => {
    await expect(admin.upsertProducts(Array.from({ length: MAX_BATCH_ROWS + 1 }, (_, i) => ({ id: `B${i}` })), DEFAULTS)).rejects.toThrow(/at most/);
  });
});

describe('CatalogAdmin customers and orders', () => {
  const order = (id: string, over: Partial<OrderUpsert> = {}): OrderUpsert => ({
    id,
    customerId: 'C9',
    status: 'processing',
    createdAt: '2026-01-02T10:00:00Z',
    shippingAddress: { line1: '1 Main St', city: 'Pune', postcode: '411001', country: 'India' },
    lines: [{ productId: 'P2', qty: 2, unitPrice: 299 }],
    ...over,
  });

  it('upserts customers with identities, idempotently, and refuses an identity owned by another customer', async () => {
    const batch = [
      { id: 'C9', name: 'Asha Rao', email: 'asha@example.org', identities: [{ channel: 'web', externalId: 'web-asha' }] },
      { id: 'C8', name: 'Ben', identities: [{ channel: 'web', externalId: 'web-c1' }] },
      { id: 'C7', name: 'Bad mail', email: 'not-an-email' },
    ];
    const r = await admin.upsertCustomers(batch);
    expect(r.results.map((x) => x.status)).toEqual(['inserted', 'error', 'error']);
    expect(r.results[1]!.error).toMatchObject({ code: 'conflict', field: 'identities[0]' });
    expect(r.results[2]!.error).toMatchObject({ field: 'email' });
    expect(await ctx.store.customers.get('C8')).toBeUndefined(); // its savepoint rolled back with the identity
    expect((await ctx.store.customers.findByIdentity('web', 'web-asha'))?.id).toBe('C9');
    expect((await admin.upsertCustomers(batch.slice(0, 1))).results[0]!.status).toBe('unchanged');
    expect((await admin.upsertCustomers([{ id: 'C9', country: 'India' }])).results[0]!.status).toBe('updated');
  });

  it('upserts orders with their lines, idempotently, with per-row errors for unknown customers and products', async () => {
    const r = await admin.upsertOrders([order('O9'), order('O8', { customerId: 'ghost' }), order('O7', { lines: [{ productId: 'ghost', qty: 1, unitPrice: 1 }] })]);
    expect(r.results.map((x) => x.status)).toEqual(['inserted', 'error', 'error']);
    expect(r.results[1]!.error).toMatchObject({ code: 'not_found', field: 'customerId' });
    expect(r.results[2]!.error).toMatchObject({ code: 'not_found', field: 'lines[0].productId' });
    expect(await ctx.store.orders.get('O9')).toMatchObject({ customerId: 'C9', total: 598, status: 'processing' });
    expect((await admin.upsertOrders([order('O9')])).results[0]!.status).toBe('unchanged');
    const shipped = await admin.upsertOrders([order('O9', { status: 'shipped', tracking: 'TRK9', lines: [{ productId: 'P3', qty: 1, unitPrice: 399 }] })]);
    expect(shipped.results[0]!.status).toBe('updated');
    expect(await ctx.store.orders.get('O9')).toMatchObject({ status: 'shipped', tracking: 'TRK9', total: 399 });
  });

  it('deletes orders and customers (with what they own)', async () => {
    expect((await admin.deleteOrders(['O9', 'O9'])).results.map((r) => r.status)).toEqual(['deleted', 'not_found']);
    const lines = countRows(ctx.db, 'order_lines');
    await admin.upsertOrders([order('O6')]);
    expect(countRows(ctx.db, 'order_lines')).toBe(lines + 1);
    expect((await admin.deleteCustomers(['C9'])).results[0]!.status).toBe('deleted');
    expect(await ctx.store.orders.get('O6')).toBeUndefined();
    expect(await ctx.store.customers.findByIdentity('web', 'web-asha')).toBeUndefined();
  });
});

describeEngines('CatalogAdmin on both engines', (engine) => {
  it('writes a batch in one transaction with a savepoint per row: a refused row is rolled back alone, unchanged rows are not rewritten', async () => {
    const sql = await engine.fresh();
    const a = new CatalogAdmin(sql);
    await addCustomer(sql, 'C1');
    await addCustomer(sql, 'C2');
    const first = await a.upsertProducts(
      [
        { id: 'N1', title: 'Bamboo cutting board', category: 'Home', price: 499, stock: 4 },
        { id: 'N2', category: 'Home', price: 1 }, // new without a title
        { id: 'N3', title: 'Steel bottle', category: 'Sports', price: 650, rating: null, url: null },
      ],
      DEFAULTS,
    );
    expect(first.results.map((r) => r.status)).toEqual(['inserted', 'error', 'inserted']);
    expect(first.catalogSeq).toBe(1);
    expect(await a.catalogSeq()).toBe(1);
    const again = await a.upsertProducts([{ id: 'N1', title: 'Bamboo cutting board', price: 499 }, { id: 'N3', price: 700 }], DEFAULTS);
    expect(again.results.map((r) => r.status)).toEqual(['unchanged', 'updated']);
    expect(await a.getProduct('N3')).toMatchObject({ price: 700, title: 'Steel bottle', deletedAt: null });
    // A row the database refuses (an identity owned by another customer, then a foreign key) is that row's error only.
    const customers = await a.upsertCustomers([
      { id: 'C9', name: 'Asha', identities: [{ channel: 'web', externalId: 'w-1' }] },
      { id: 'C8', name: 'Ben', identities: [{ channel: 'web', externalId: 'w-1' }] },
      { id: 'C7', name: 'Chitra' },
    ]);
    expect(customers.results.map((r) => r.status)).toEqual(['inserted', 'error', 'inserted']);
    expect(await a.upsertCustomers([{ id: 'C9', name: 'Asha' }])).toMatchObject({ counts: { unchanged: 1 } });
    const order = (id: string, productId: string): OrderUpsert => ({
      id,
      customerId: 'C9',
      status: 'processing',
      createdAt: '2026-01-02T10:00:00Z',
      shippingAddress: { line1: '1 Main St', city: 'Pune', postcode: '411001', country: 'India' },
      lines: [{ productId, qty: 2, unitPrice: 299 }],
    });
    const orders = await a.upsertOrders([order('O1', 'N1'), order('O2', 'ghost'), order('O3', 'N3')]);
    expect(orders.results.map((r) => r.status)).toEqual(['inserted', 'error', 'inserted']);
    expect((await a.upsertOrders([order('O1', 'N1')])).results[0]!.status).toBe('unchanged');
    const del = await a.deleteProducts(['N1', 'nope']);
    expect(del.results.map((r) => r.status)).toEqual(['deleted', 'not_found']);
    expect((await a.changedProductsSince(del.catalogSeq! - 1)).map((p) => [p.id, p.deleted])).toEqual([['N1', true]]);
    expect((await a.deleteCustomers(['C9'])).counts.deleted).toBe(1);
    expect(Number((await sql.get<{ n: number }>('SELECT count(*) AS n FROM orders'))!.n)).toBe(0);
  });
});
