import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run as apikeys } from '../apikeys-cli.js';
import { camelKeys, csvNumber, htmlToText, orderStatus, readJsonlRows, readOrdersCsv, readShopifyProducts, type ImportItem } from './formats.js';

// The readers of the import command on small and hostile files: nothing malformed stops an import
// or the process, every problem is reported at its line.

const dir = mkdtempSync(join(tmpdir(), 'shopbot-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const all = async (it: AsyncGenerator<ImportItem>) => {
  const out: ImportItem[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('import readers', () => {
  it('reads cells the way exports write them', () => {
    expect(csvNumber('1,299.00')).toBe(1299);
    expect(csvNumber('₹ 499')).toBe(499);
    expect(csvNumber('')).toBeUndefined();
    expect(csvNumber('twelve')).toBeNaN();
    expect(htmlToText('<p>Soft &amp; warm</p><ul><li>wool</li><li>size&nbsp;M</li></ul>')).toBe('Soft & warm\n- wool\n- size M');
    expect(orderStatus('Fulfilled')).toBe('shipped');
    expect(orderStatus('')).toBe('processing');
    expect(orderStatus('Canceled')).toBe('cancelled');
    expect(orderStatus('lost')).toBeNull();
    expect(camelKeys({ customer_id: 'C', lines: [{ product_id: 'P', unit_price: 1 }] })).toEqual({ customerId: 'C', lines: [{ productId: 'P', unitPrice: 1 }] });
  });

  it('JSONL: bad UTF-8, bad JSON, arrays and over-long lines become errors at their line; the rest are rows', async () => {
    const p = file('products.jsonl', Buffer.concat([Buffer.from('{"id":"A","rating_count":3}\n[1,2]\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from(`{"id":"${'x'.repeat(1024 * 1024 + 10)}"}\n\n{oops\n{"id":"B"}`)]));
    const items = await all(readJsonlRows(p, 'products'));
    expect(items.map((i) => ('row' in i ? `${i.line}:row` : `${i.line}:${'error' in i ? i.error.split(':')[0] : ''}`))).toEqual(['1:row', '2:expected a JSON object', '3:not valid UTF-8 text', '4:line is longer than 1024 KB', '6:invalid JSON', '7:row']);
    expect(items[0]).toMatchObject({ row: { id: 'A', ratingCount: 3 } });
  });

  it('Shopify CSV: a file that is not one, and a broken quote, are reported, not thrown', async () => {
    expect(await all(readShopifyProducts(file('a.csv', 'name,price\nmug,3\n')))).toEqual([expect.objectContaining({ error: expect.stringMatching(/no Handle column/) })]);
    const broken = await all(readShopifyProducts(file('b.csv', 'Handle,Title,Variant Price\nmug,"Mug,3\n')));
    expect(broken.at(-1)).toMatchObject({ error: expect.stringMatching(/unreadable CSV/) });
    const ok = await all(readShopifyProducts(file('c.csv', '\uFEFFHandle,Title,Variant Price,Variant Inventory Qty,Type\nmug,Mug,3.5,2,Mugs\nmug,,3.0,1,\n')));
    expect(ok).toEqual([{ kind: 'products', line: 2, row: expect.objectContaining({ id: 'mug', title: 'Mug', price: 3, stock: 3, category: 'Mugs', url: '/products/mug' }) }]);
  });

  it('orders CSV: lines of one order are gathered wherever they are, customers come first', async () => {
    const items = await all(readOrdersCsv(file('o.csv', 'Order ID,Email,Lineitem sku,Lineitem quantity,Lineitem price,Created at,Fulfillment Status,Shipping Street,Shipping City,Shipping Zip,Shipping Country\n#1,a@x.org,P1,2,10,2026-01-01,fulfilled,1 St,Pune,411001,India\n#2,b@x.org,P2,1,5,2026-01-02,,2 St,Pune,411001,India\n#1,a@x.org,P3,1,1,2026-01-01,fulfilled,1 St,Pune,411001,India\n')));
    expect(items.map((i) => i.kind)).toEqual(['customers', 'customers', 'orders', 'orders']);
    expect(items[2]).toMatchObject({ row: { id: '#1', customerId: 'email:a@x.org', status: 'shipped', lines: [{ productId: 'P1', qty: 2, unitPrice: 10 }, { productId: 'P3', qty: 1, unitPrice: 1 }] } });
    expect(items[3]).toMatchObject({ row: { id: '#2', status: 'processing' } });
  });
});

describe('npm run apikeys', () => {
  it('creates a key printed once, lists keys without secrets, revokes, and refuses bad arguments', async () => {
    const db = join(dir, 'keys.db');
    const out: string[] = [];
    const err: string[] = [];
    expect(await apikeys(['create', '--name', 'shop backend', '--db', db], {}, (l) => out.push(l), (l) => err.push(l))).toBe(0);
    const created = JSON.parse(out.pop()!) as { id: string; key: string };
    expect(created.key).toMatch(/^sbk_/);
    expect(await apikeys(['list', '--db', db], {}, (l) => out.push(l), (l) => err.push(l))).toBe(0);
    expect(out.at(-1)).toContain(created.id);
    expect(out.at(-1)).not.toContain(created.key.split('_')[2]);
    expect(await apikeys(['revoke', created.id, '--db', db], {}, (l) => out.push(l), (l) => err.push(l))).toBe(0);
    expect(await apikeys(['revoke', created.id, '--db', db], {}, (l) => out.push(l), (l) => err.push(l))).toBe(1);
    expect(await apikeys(['create', '--db', db], {}, (l) => out.push(l), (l) => err.push(l))).toBe(2);
    expect(await apikeys(['frobnicate'], {}, (l) => out.push(l), (l) => err.push(l))).toBe(2);
  });
});
