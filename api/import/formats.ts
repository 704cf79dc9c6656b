import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { isRecord, MAX_LINE_BYTES } from '../../core/jsonl.js';
import type { Kind } from '../schemas.js';

// The file formats the import command reads, each turned into rows of the admin API's shape
// (api/schemas.ts), with the line each row came from for error reports:
//   jsonl        the documented JSONL shapes (fixtures/README.md: snake_case, as in fixtures/store/),
//                camelCase (the API's own rows) accepted too
//   shopify      a Shopify product export CSV (one row per variant or extra image, grouped by Handle)
//   orders-csv   a generic orders CSV, one row per order line (most platforms export this way)
// Malformed input never aborts an import: an unreadable line or row becomes that row's error.

export type Format = 'jsonl' | 'shopify' | 'orders-csv';
export const FORMATS: readonly Format[] = ['jsonl', 'shopify', 'orders-csv'];

/** One row for a batch (or a line that could not become one), with where it came from. */
export type SourceRow = { kind: Kind; line: number; row: Record<string, unknown> } | { kind: Kind | null; line: number; error: string };

/** What a product whose Shopify status is not active turns into: a removal. */
export interface RemoveRow {
  kind: 'products';
  line: number;
  remove: string;
}

export type ImportItem = SourceRow | RemoveRow;

/** Longest CSV record (a product body with HTML can be long; nothing legitimate comes near this). */
const MAX_RECORD_BYTES = 1024 * 1024;

// ------------------------------------------------------------------------------------------------
// JSONL

const SNAKE: Record<string, string> = {
  rating_count: 'ratingCount',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
  customer_id: 'customerId',
  shipping_address: 'shippingAddress',
  product_id: 'productId',
  unit_price: 'unitPrice',
  external_id: 'externalId',
};

/** snake_case keys of the documented shapes to the API's camelCase, at any depth. */
export function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [SNAKE[k] ?? k, camelKeys(x)]));
}

/** Reads a JSONL file of one kind; every line is one row (or its error). */
export async function* readJsonlRows(path: string, kind: Kind): AsyncGenerator<SourceRow> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const one = (bytes: Buffer, line: number): SourceRow | null => {
    let text: string;
    try {
      text = utf8.decode(bytes).replace(/^\uFEFF/, '').trim();
    } catch {
      return { kind, line, error: 'not valid UTF-8 text' };
    }
    if (!text) return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { kind, line, error: `invalid JSON: ${(e as Error).message}` };
    }
    if (!isRecord(value)) return { kind, line, error: 'expected a JSON object' };
    return { kind, line, row: camelKeys(value) as Record<string, unknown> };
  };
  const tooLong = (line: number): SourceRow => ({ kind, line, error: `line is longer than ${MAX_LINE_BYTES / 1024} KB` });
  let line = 1; // the line being read
  let rest: Buffer = Buffer.alloc(0);
  let skipping = false; // inside a line already reported as too long
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    const buf: Buffer = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      if (skipping) skipping = false;
      else {
        const r = nl - start > MAX_LINE_BYTES ? tooLong(line) : one(buf.subarray(start, nl), line);
        if (r) yield r;
      }
      line++;
      start = nl + 1;
    }
    rest = buf.subarray(start);
    if (!skipping && rest.length > MAX_LINE_BYTES) {
      yield tooLong(line);
      skipping = true;
    }
    if (skipping) rest = Buffer.alloc(0);
  }
  if (rest.length && !skipping) {
    const r = one(rest, line);
    if (r) yield r;
  }
}

// ------------------------------------------------------------------------------------------------
// CSV

/** Header names compared without case, spaces, underscores or dashes ("Variant Price" = "variant_price"). */
export const headerKey = (h: string): string => h.toLowerCase().replace(/[\s_\-()]/g, '');

interface CsvRecord {
  line: number;
  get(...names: string[]): string;
}

/** Streams a CSV file (header row, UTF-8 with or without BOM) as records with lookups by header alias. */
async function* readCsv(path: string): AsyncGenerator<CsvRecord | { line: number; error: string }> {
  const parser = createReadStream(path).pipe(
    parse({ bom: true, columns: (header: string[]) => header.map(headerKey), skip_empty_lines: true, relax_column_count: true, max_record_size: MAX_RECORD_BYTES, info: true, trim: true, skip_records_with_error: false }),
  );
  const it = parser[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<{ record: Record<string, string>; info: { lines: number } }>;
    try {
      next = await it.next();
    } catch (e) {
      // A broken quote or an oversized record ends the file: report it at its line.
      const err = e as Error & { lines?: number };
      yield { line: err.lines ?? 0, error: `unreadable CSV: ${err.message}` };
      return;
    }
    if (next.done) return;
    const { record, info } = next.value;
    yield {
      line: info.lines,
      get: (...names: string[]) => {
        for (const n of names) {
          const v = record[headerKey(n)];
          if (v !== undefined && v !== '') return v;
        }
        return '';
      },
    };
  }
}

/** A number from a CSV cell ("1,299.00", "₹ 499", "12"); undefined for an empty cell, NaN for junk. */
export function csvNumber(s: string): number | undefined {
  const t = s.replace(/[\s,₹$€£]/g, '').replace(/^(INR|USD|EUR|GBP|Rs\.?)/i, '');
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : Number.NaN;
}

/** Plain text of an HTML product body: tags dropped, entities decoded, whitespace collapsed per line. */
export function htmlToText(html: string): string {
  return html
    .replace(/<\s*(br|\/p|\/li|\/h\d|\/div)\s*\/?>/gi, '\n')
    .replace(/<li[^>]*>/gi, '- ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Math.min(0x10ffff, Number(d))))
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/**
 * A Shopify product export (Products > Export, "CSV for Excel, Numbers…" or plain CSV): rows that
 * share a Handle are one product (its variants and extra images). The product's id is the Handle,
 * its price the lowest variant price, its stock the sum of variant quantities (unknown when no
 * variant tracks inventory), its category Shopify's Product Category (else Type, else Vendor), its
 * description the body as text with vendor and tags, its page `/products/<handle>`. A product whose
 * Status is draft or archived (or Published is false) is removed from the chat catalogue.
 */
export async function* readShopifyProducts(path: string): AsyncGenerator<ImportItem> {
  type Acc = { line: number; handle: string; title: string; body: string; vendor: string; category: string; type: string; tags: string; status: string; published: string; prices: number[]; qty: number | undefined; image: string; bad: { line: number; error: string } | null };
  const flush = (a: Acc): ImportItem => {
    if (a.bad) return { kind: 'products', line: a.bad.line, error: `${a.handle}: ${a.bad.error}` };
    const status = a.status.toLowerCase();
    if ((status && status !== 'active') || a.published.toLowerCase() === 'false') return { kind: 'products', line: a.line, remove: a.handle };
    const extra = [a.vendor && `Brand: ${a.vendor}`, a.tags && `Tags: ${a.tags}`].filter(Boolean).join('. ');
    const description = [htmlToText(a.body), extra].filter(Boolean).join('\n');
    const row: Record<string, unknown> = {
      id: a.handle,
      ...(a.title ? { title: a.title } : {}),
      description,
      ...(a.category || a.type || a.vendor ? { category: a.category || a.type || a.vendor } : {}),
      ...(a.prices.length ? { price: Math.min(...a.prices) } : {}),
      ...(a.qty !== undefined ? { stock: Math.max(0, a.qty) } : {}),
      ...(a.image ? { image: a.image } : {}),
      url: `/products/${encodeURIComponent(a.handle)}`,
      source: 'import:shopify',
    };
    return { kind: 'products', line: a.line, row };
  };
  let cur: Acc | null = null;
  let sawHeader = false;
  for await (const r of readCsv(path)) {
    if ('error' in r) {
      if (cur) yield flush(cur);
      cur = null;
      yield { kind: 'products', line: r.line, error: r.error };
      continue;
    }
    const handle = r.get('Handle');
    if (!sawHeader) {
      sawHeader = true;
      if (!handle && !r.get('Title')) {
        yield { kind: 'products', line: r.line, error: 'not a Shopify product CSV: no Handle column' };
        return;
      }
    }
    if (!handle) {
      yield { kind: 'products', line: r.line, error: 'row without a Handle' };
      continue;
    }
    if (!cur || cur.handle !== handle) {
      if (cur) yield flush(cur);
      cur = { line: r.line, handle, title: '', body: '', vendor: '', category: '', type: '', tags: '', status: '', published: '', prices: [], qty: undefined, image: '', bad: null };
    }
    const a: Acc = cur;
    a.title ||= r.get('Title');
    a.body ||= r.get('Body (HTML)', 'Body HTML', 'Body');
    a.vendor ||= r.get('Vendor');
    a.category ||= r.get('Product Category', 'Category').replace(/\s*>\s*/g, ' > ');
    a.type ||= r.get('Type', 'Product Type');
    a.tags ||= r.get('Tags');
    a.status ||= r.get('Status');
    a.published ||= r.get('Published');
    a.image ||= r.get('Image Src', 'Variant Image');
    const price = csvNumber(r.get('Variant Price', 'Price'));
    if (price !== undefined) {
      if (Number.isNaN(price) || price < 0) a.bad ??= { line: r.line, error: `"Variant Price" is not a price: ${JSON.stringify(r.get('Variant Price', 'Price').slice(0, 40))}` };
      else a.prices.push(price);
    }
    const qty = csvNumber(r.get('Variant Inventory Qty', 'Inventory Qty', 'Inventory quantity'));
    if (qty !== undefined) {
      if (Number.isNaN(qty) || !Number.isInteger(qty)) a.bad ??= { line: r.line, error: '"Variant Inventory Qty" is not a whole number' };
      else a.qty = (a.qty ?? 0) + qty;
    }
  }
  if (cur) yield flush(cur);
}

const STATUS: [RegExp, string][] = [
  [/^(return[\s_-]?requested|returning)$/, 'return_requested'],
  [/^(returned|refunded)$/, 'returned'],
  [/^(cancel+ed|voided|void)$/, 'cancelled'],
  [/^(delivered|completed?|complete)$/, 'delivered'],
  [/^(shipped|fulfilled|in[\s_-]?transit|dispatched|out[\s_-]?for[\s_-]?delivery)$/, 'shipped'],
  [/^(processing|pending|unfulfilled|open|paid|authori[sz]ed|new|on[\s_-]?hold|partial(ly[\s_-]?fulfilled)?)$/, 'processing'],
];

/** An order status from the words platforms use; null when unknown. Empty means processing. */
export function orderStatus(s: string): string | null {
  const t = s.trim().toLowerCase();
  if (t === '') return 'processing';
  for (const [re, status] of STATUS) if (re.test(t)) return status;
  return null;
}

/**
 * A generic orders CSV, one row per order line; rows of one order share its id and need not be
 * next to each other. Column names are matched loosely (see docs/import.md): order id, customer id
 * (or the e-mail: customer `email:<address>`), customer name and e-mail, status, created at,
 * product id (or SKU), quantity, unit price, shipping address, tracking, carrier. The customers
 * named come first (upserted with the name and e-mail given), then the orders.
 */
export async function* readOrdersCsv(path: string): AsyncGenerator<ImportItem> {
  type Acc = { line: number; row: Record<string, unknown>; lines: Record<string, unknown>[]; bad: { line: number; error: string } | null };
  const orders = new Map<string, Acc>();
  const customers = new Map<string, { line: number; row: Record<string, unknown> }>();
  let sawHeader = false;
  for await (const r of readCsv(path)) {
    if ('error' in r) {
      yield { kind: 'orders', line: r.line, error: r.error };
      break;
    }
    const orderId = r.get('order_id', 'Order ID', 'Order', 'Name', 'Order Number', 'order_number');
    if (!sawHeader) {
      sawHeader = true;
      if (!orderId && !r.get('product_id', 'sku', 'Lineitem sku')) {
        yield { kind: 'orders', line: r.line, error: 'not an orders CSV: no order id column (order_id, Order ID, Name)' };
        return;
      }
    }
    if (!orderId) {
      yield { kind: 'orders', line: r.line, error: 'row without an order id' };
      continue;
    }
    const email = r.get('email', 'customer_email', 'Customer Email');
    const customerId = r.get('customer_id', 'Customer ID', 'customer') || (email ? `email:${email.toLowerCase()}` : '');
    let acc = orders.get(orderId);
    if (!acc) {
      const rawStatus = r.get('status', 'order_status', 'Fulfillment Status', 'Financial Status');
      const cancelled = r.get('Cancelled at', 'cancelled_at') !== '';
      const status = cancelled ? 'cancelled' : orderStatus(rawStatus);
      acc = {
        line: r.line,
        bad: status === null ? { line: r.line, error: `unknown order status ${JSON.stringify(rawStatus.slice(0, 40))}` } : !customerId ? { line: r.line, error: 'no customer id or e-mail' } : null,
        lines: [],
        row: {
          id: orderId,
          customerId,
          status: status ?? 'processing',
          createdAt: r.get('created_at', 'Created at', 'order_date', 'date'),
          ...(r.get('updated_at', 'Updated at') ? { updatedAt: r.get('updated_at', 'Updated at') } : {}),
          tracking: r.get('tracking', 'tracking_number', 'Tracking Number') || null,
          carrier: r.get('carrier', 'Shipping Carrier', 'Shipping Method') || null,
          shippingAddress: {
            line1: r.get('ship_line1', 'shipping_address1', 'Shipping Address1', 'Shipping Street', 'address'),
            city: r.get('ship_city', 'shipping_city', 'Shipping City', 'city'),
            postcode: r.get('ship_postcode', 'shipping_zip', 'Shipping Zip', 'postcode', 'zip'),
            country: r.get('ship_country', 'shipping_country', 'Shipping Country', 'country'),
          },
        },
      };
      orders.set(orderId, acc);
    }
    if (customerId && !customers.has(customerId)) {
      const name = r.get('customer_name', 'Customer Name', 'Billing Name', 'Shipping Name', 'name');
      customers.set(customerId, { line: r.line, row: { id: customerId, ...(name ? { name } : email ? { name: email.split('@')[0] } : {}), ...(email ? { email } : {}) } });
    }
    const qty = csvNumber(r.get('qty', 'quantity', 'Lineitem quantity'));
    const price = csvNumber(r.get('unit_price', 'price', 'Lineitem price'));
    const productId = r.get('product_id', 'Product ID', 'sku', 'Lineitem sku');
    if (!productId) acc.bad ??= { line: r.line, error: 'no product id (product_id or sku)' };
    acc.lines.push({ productId, qty: qty ?? 1, unitPrice: price ?? Number.NaN });
  }
  // Customers first, so the orders' customers exist.
  for (const c of customers.values()) yield { kind: 'customers', line: c.line, row: c.row };
  for (const a of orders.values()) {
    if (a.bad) yield { kind: 'orders', line: a.bad.line, error: `${String(a.row.id)}: ${a.bad.error}` };
    else yield { kind: 'orders', line: a.line, row: { ...a.row, lines: a.lines } };
  }
}
