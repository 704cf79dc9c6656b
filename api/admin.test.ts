import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient, Recorded } from '../testing/test-client.js';
import { TestServer } from '../testing/test-server.js';
import { apiCall } from '../testing/api-client.js';
import { ApiKeyRepo } from '../store/api-keys.js';
import { importFile } from './import/run.js';

// The admin API on the real server (127.0.0.1, a copy of the warm data folder: real SQLite file,
// real model, the recommender as the bot uses it): keys, batches with per-row errors, idempotency,
// and product changes that chats see at once, without a restart.

const FIXTURES = resolve(import.meta.dirname, '../fixtures/import');

interface Card {
  title: string;
  buttons: { title: string; value?: string }[];
}

describe('admin API on the real server', () => {
  let server: TestServer;
  let key: string;
  const logs: string[] = [];
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    server = await TestServer.start({ prefix: 'shopbot-admin-', env: { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_CATALOG_POLL_MS: '200' }, logs, clients });
    key = (await new ApiKeyRepo(server.store.sql).create({ name: 'test' })).key;
  }, 1_800_000);
  afterAll(async () => {
    await server?.close();
  });

  const call = (method: string, path: string, body?: unknown, auth: string | null = key) => apiCall(server.running.url, method, path, body, auth);

  /** What the bot shows for a message: the product ids of its cards. */
  async function cardsFor(text: string): Promise<string[]> {
    const c = await server.customerClient();
    const from = c.events.length;
    await c.send({ text });
    await c.waitFor((e) => e.event === 'message' && (e.data as { role?: string }).role !== 'customer', { from, timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 800));
    const cards = c.events.slice(from).filter((e: Recorded) => e.event === 'card').flatMap((e) => (e.data as { cards: Card[] }).cards);
    c.close();
    return cards.flatMap((card) => card.buttons.map((b) => /"productId":"([^"]+)"/.exec(b.value ?? '')?.[1]).filter((x): x is string => !!x).slice(0, 1));
  }

  it('refuses a missing, wrong or revoked key with 401 and serves the OpenAPI description', async () => {
    expect((await call('GET', '/api/admin/v1/me', undefined, null)).status).toBe(401);
    const wrong = await call('GET', '/api/admin/v1/me', undefined, 'sbk_aaaaaaaaaaaa_' + 'b'.repeat(43));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await call('POST', '/api/admin/v1/products', { products: [{ id: 'X' }] }, 'nonsense')).status).toBe(401);
    const keys = new ApiKeyRepo(server.store.sql);
    const other = await keys.create({ name: 'to revoke' });
    expect((await call('GET', '/api/admin/v1/me', undefined, other.key)).json).toMatchObject({ keyId: other.apiKey.id, storeId: 'default' });
    await keys.revoke(other.apiKey.id);
    expect((await call('GET', '/api/admin/v1/me', undefined, other.key)).status).toBe(401);

    const docs = await call('GET', '/api/docs', undefined, null);
    expect(docs.status).toBe(200);
    expect(docs.json.openapi).toBe('3.0.3');
    const paths = docs.json.paths as Record<string, unknown>;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/admin/v1/products', '/api/admin/v1/products/delete', '/api/admin/v1/customers', '/api/admin/v1/orders', '/api/admin/v1/orders/delete']));
    expect(JSON.stringify(paths['/api/admin/v1/products'])).toContain('ratingCount');
    // the rest of the server is untouched
    expect((await call('GET', '/healthz', undefined, null)).json).toEqual({ ok: true });
  });

  it('a product upserted through the API is in the next search and chat, without a restart; deleting it takes it out at once', async () => {
    const product = { id: 'P-API-ZORB', title: 'Zorblax Burr Coffee Grinder', category: 'Home & Kitchen > Kitchen & Dining > Coffee Grinders', price: 3499, stock: 7, description: 'Conical steel burrs, 40 grind settings from espresso to French press.' };
    expect(await cardsFor('show me a zorblax coffee grinder')).not.toContain('P-API-ZORB');
    const r = await call('POST', '/api/admin/v1/products', { products: [product] });
    expect(r.status).toBe(200);
    expect(r.json.results).toEqual([{ index: 0, id: 'P-API-ZORB', status: 'inserted' }]);
    expect(r.json.catalog).toMatchObject({ changed: 1, embedded: 1 });
    expect((await server.store.products.search('zorblax grinder')).map((p) => p.id)).toContain('P-API-ZORB');
    expect(await cardsFor('show me a zorblax coffee grinder')).toContain('P-API-ZORB');
    expect((await call('GET', '/api/admin/v1/products/P-API-ZORB')).json).toMatchObject({ id: 'P-API-ZORB', currency: 'INR', source: 'api', deletedAt: null });

    const d = await call('POST', '/api/admin/v1/products/delete', { ids: ['P-API-ZORB', 'P-NEVER'] });
    expect(d.json.results).toEqual([
      { index: 0, id: 'P-API-ZORB', status: 'deleted' },
      { index: 1, id: 'P-NEVER', status: 'not_found' },
    ]);
    expect(d.json.catalog).toMatchObject({ removed: 1 });
    expect((await server.store.products.search('zorblax grinder')).map((p) => p.id)).not.toContain('P-API-ZORB');
    expect(await cardsFor('show me a zorblax coffee grinder')).not.toContain('P-API-ZORB');
    expect(await cardsFor('coffee grinder')).not.toContain('P-API-ZORB');
  }, 180_000);

  it('malformed rows get their own errors and the good rows land; the same batch twice leaves the same state', async () => {
    const batch = {
      products: [
        { id: 'P-API-1', title: 'Walnut serving board', category: 'Home & Kitchen > Serveware', price: 1450, stock: 3 },
        { id: 'P-API-2', title: 'No category', price: 10 },
        { id: 'P-API-3', title: 'Negative', category: 'Home', price: -5 },
        { id: 'P-API-4', title: 'Typo field', category: 'Home', price: 5, colour: 'red' },
        { id: '', title: 'Empty id', category: 'Home', price: 5 },
        { id: 'P-API-5', title: 'Teak spice rack', category: 'Home & Kitchen > Storage', price: 990 },
      ],
    };
    const first = await call('POST', '/api/admin/v1/products', batch);
    expect(first.status).toBe(200);
    const results = first.json.results as { status: string; error?: { field?: string; message: string } }[];
    expect(results.map((x) => x.status)).toEqual(['inserted', 'error', 'error', 'error', 'error', 'inserted']);
    expect(results[1]!.error).toMatchObject({ field: 'category' });
    expect(results[2]!.error).toMatchObject({ field: 'price' });
    expect(results[3]!.error!.message).toMatch(/colour/);
    expect(results[4]!.error).toMatchObject({ field: 'id' });
    expect((await server.store.products.get('P-API-1'))?.title).toBe('Walnut serving board');
    expect((await server.store.products.get('P-API-5'))?.price).toBe(990);

    const snapshot = server.store.db.prepare("SELECT * FROM products WHERE id LIKE 'P-API-%' ORDER BY id").all();
    const again = await call('POST', '/api/admin/v1/products', batch);
    expect((again.json.results as { status: string }[]).map((x) => x.status)).toEqual(['unchanged', 'error', 'error', 'error', 'error', 'unchanged']);
    expect(again.json.catalog).toBeUndefined();
    expect(server.store.db.prepare("SELECT * FROM products WHERE id LIKE 'P-API-%' ORDER BY id").all()).toEqual(snapshot);
  });

  it('upserts customers and orders in batches with per-row errors', async () => {
    const c = await call('POST', '/api/admin/v1/customers', { customers: [{ id: 'C-API-1', name: 'Asha Rao', email: 'asha@example.org' }, { id: 'C-API-2' }] });
    expect((c.json.results as { status: string }[]).map((x) => x.status)).toEqual(['inserted', 'error']);
    const order = { id: 'O-API-1', customerId: 'C-API-1', status: 'shipped', createdAt: '2026-11-30T10:00:00Z', tracking: 'TRK1', carrier: 'BlueDart', shippingAddress: { line1: '1 MG Road', city: 'Bengaluru', postcode: '560001', country: 'India' }, lines: [{ productId: 'P-API-1', qty: 2, unitPrice: 1450 }] };
    const o = await call('POST', '/api/admin/v1/orders', { orders: [order, { ...order, id: 'O-API-2', customerId: 'C-NOPE' }, { ...order, id: 'O-API-3', lines: [] }] });
    expect((o.json.results as { status: string; error?: { field?: string } }[]).map((x) => [x.status, x.error?.field])).toEqual([
      ['inserted', undefined],
      ['error', 'customerId'],
      ['error', 'lines'],
    ]);
    expect(await server.store.orders.get('O-API-1')).toMatchObject({ status: 'shipped', total: 2900, customerId: 'C-API-1' });
    expect((await call('POST', '/api/admin/v1/orders', { orders: [order] })).json.results).toEqual([{ index: 0, id: 'O-API-1', status: 'unchanged' }]);
    expect((await call('POST', '/api/admin/v1/orders/delete', { ids: ['O-API-1'] })).json.counts).toMatchObject({ deleted: 1 });
    expect((await call('POST', '/api/admin/v1/customers/delete', { ids: ['C-API-1'] })).json.counts).toMatchObject({ deleted: 1 });
  });

  it('refuses malformed envelopes, oversized batches and bodies with 4xx, never a crash', async () => {
    expect((await call('POST', '/api/admin/v1/products', '{"products": [')).status).toBe(400);
    expect((await call('POST', '/api/admin/v1/products', { rows: [] })).status).toBe(400);
    expect((await call('POST', '/api/admin/v1/products', { products: [] })).status).toBe(400);
    expect((await call('POST', '/api/admin/v1/products', { products: ['not an object'] })).status).toBe(400);
    expect((await call('POST', '/api/admin/v1/products', { products: Array.from({ length: 1001 }, (_, i) => ({ id: `B${i}` })) })).status).toBe(400);
    expect((await call('POST', '/api/admin/v1/products', { products: [{ id: 'big', description: 'x'.repeat(17 * 1024 * 1024) }] })).status).toBe(413);
    expect((await call('GET', '/api/admin/v1/nothing-here')).status).toBe(404);
    expect((await call('GET', '/api/admin/v1/me')).status).toBe(200);
  });

  it('imports the fixture samples (Shopify CSV, orders CSV, JSONL) into the running server\'s store; the server picks the products up without a restart', async () => {
    const db = server.store.db;
    const shopify = await importFile({ file: `${FIXTURES}/products.shopify.csv`, format: 'shopify', db, sql: server.store.sql, currency: 'INR', silent: true });
    expect(shopify.counts.products).toMatchObject({ inserted: 3, error: 1, not_found: 1 });
    expect(shopify.errors).toEqual([expect.objectContaining({ line: 9, message: expect.stringMatching(/broken-price-lamp.*Variant Price/) })]);
    const socks = (await server.store.products.get('merino-crew-socks'))!;
    expect(socks).toMatchObject({ title: 'Merino Wool Crew Socks', price: 799, stock: 55, url: '/products/merino-crew-socks', category: 'Apparel & Accessories > Clothing > Underwear & Socks > Socks' });
    expect(socks.description).toMatch(/^Soft merino wool hiking socks.*\nBrand: Trailfoot\. Tags: socks, merino, hiking$/s);
    expect((await server.store.products.get('zorblax-burr-grinder'))?.image).toBe('https://cdn.example.com/zorblax-grinder.jpg');
    expect(await server.store.products.get('winter-preview-jacket')).toBeUndefined(); // a draft: not in the chat catalogue

    const jsonl = await importFile({ file: `${FIXTURES}/products.jsonl`, format: 'jsonl', db, sql: server.store.sql, currency: 'INR', silent: true });
    expect(jsonl.counts.products).toMatchObject({ inserted: 2, updated: 1, error: 2 });
    expect(jsonl.errors.map((e) => e.line)).toEqual([3, 5]);
    const customers = await importFile({ file: `${FIXTURES}/customers.jsonl`, format: 'jsonl', db, sql: server.store.sql, currency: 'INR', silent: true });
    expect(customers.counts.customers).toMatchObject({ inserted: 1, error: 1 });
    expect((await server.store.customers.findByIdentity('web', 'web-rohan-1'))?.id).toBe('C-IMP-1');
    const orders = await importFile({ file: `${FIXTURES}/orders.jsonl`, format: 'jsonl', db, sql: server.store.sql, currency: 'INR', silent: true });
    expect(orders.counts.orders).toMatchObject({ inserted: 1, error: 1 });
    const csv = await importFile({ file: `${FIXTURES}/orders.csv`, format: 'orders-csv', db, sql: server.store.sql, currency: 'INR', silent: true });
    expect(csv.counts.orders).toMatchObject({ inserted: 3, error: 2 });
    expect(csv.counts.customers.inserted + csv.counts.customers.updated).toBe(3);
    expect(await server.store.orders.get('SHOP-1001')).toMatchObject({ status: 'shipped', total: 3499 + 2 * 799, tracking: 'ZX123456789IN' });
    expect((await server.store.customers.findByEmail('asha.rao@example.org'))[0]?.id).toBe('email:asha.rao@example.org');
    // importing the same files again changes nothing
    const again = await importFile({ file: `${FIXTURES}/orders.csv`, format: 'orders-csv', db, sql: server.store.sql, currency: 'INR', silent: true });
    expect(again.counts.orders).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    expect((await importFile({ file: `${FIXTURES}/products.shopify.csv`, format: 'shopify', db, sql: server.store.sql, currency: 'INR', silent: true })).counts.products).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });

    // The server polls the catalogue: the imported products reach recommendations without a restart.
    let ids: string[] = [];
    for (let i = 0; i < 20 && !ids.includes('merino-crew-socks'); i++) ids = await cardsFor('merino wool hiking socks');
    expect(ids).toContain('merino-crew-socks');
    expect(logs.some((l) => /\[catalog\] picked up changes/.test(l))).toBe(true);
  }, 240_000);
});
