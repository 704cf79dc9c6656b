import type { DB } from './db.js';
import { StoreError } from './errors.js';
import { checkProductUrl, toProduct, type ProductRow } from './products.js';
import { checkText, isoTime, MAX_ID_BYTES, MAX_SHORT_BYTES, MAX_TEXT_BYTES } from './text.js';
import { IDENTITY_CHANNELS, ORDER_STATUSES, type IdentityChannel, type OrderStatus, type Product } from './types.js';

// Batch writes for the admin API and the import command: upsert and delete products, customers and
// orders by id. Each batch runs in ONE transaction and each row in a savepoint of it, so a row the
// database refuses (unknown customer, a product id that is too long) gets its own error and the good
// rows land. Rows are rewritten only when a value differs, so sending the same batch twice reports
// 'unchanged' the second time and leaves the same state.
//
// Products are never deleted outright: order lines point at them. Removal sets deleted_at, and the
// ProductRepo never reads, lists or searches such a product again; upserting it brings it back.
// Every product batch that changes something takes the next catalogue change number (meta
// 'catalog_seq') and stamps it on the rows it changed, so any process can ask what changed since.

export type RowStatus = 'inserted' | 'updated' | 'unchanged' | 'deleted' | 'not_found' | 'error';

export interface RowError {
  code: 'invalid' | 'not_found' | 'conflict' | 'too_large';
  message: string;
  /** The field at fault, as a path ("lines[2].product_id"), when one is. */
  field?: string;
}

export interface RowResult {
  /** Position of the row in the batch (0-based). */
  index: number;
  id: string | null;
  status: RowStatus;
  error?: RowError;
}

export interface BatchResult {
  results: RowResult[];
  /** Rows per status. */
  counts: Record<RowStatus, number>;
  /** The catalogue change number of this batch; null when nothing in the catalogue changed. */
  catalogSeq: number | null;
}

/** A product as the admin API and the importers send it: fields left out keep their current value (new products take defaults). */
export interface ProductUpsert {
  id: string;
  title?: string;
  description?: string;
  category?: string;
  price?: number;
  currency?: string;
  stock?: number;
  image?: string | null;
  rating?: number | null;
  ratingCount?: number | null;
  url?: string | null;
  source?: string;
}

export interface CustomerUpsert {
  id: string;
  name?: string;
  email?: string | null;
  country?: string | null;
  createdAt?: string;
  vip?: boolean;
  /** Channel identities to link (existing links of the customer are kept). */
  identities?: { channel: string; externalId: string }[];
}

export interface OrderUpsert {
  id: string;
  customerId: string;
  status: OrderStatus;
  createdAt: string;
  updatedAt?: string;
  tracking?: string | null;
  carrier?: string | null;
  shippingAddress: { line1: string; city: string; postcode: string; country: string };
  lines: { productId: string; qty: number; unitPrice: number }[];
}

/** A catalogue row changed since some change number: the product, or only its id when it was removed. */
export interface ChangedProduct extends Pick<Product, 'id' | 'title' | 'description' | 'category' | 'price' | 'currency' | 'stock' | 'rating' | 'ratingCount'> {
  deleted: boolean;
  seq: number;
}

/** Most rows in one batch (the API's limit; the importers send batches of this size). */
export const MAX_BATCH_ROWS = 1000;

/** A row-level refusal, turned into that row's error. */
class RowFailure extends Error {
  constructor(
    readonly error: RowError,
  ) {
    super(error.message);
  }
}

const fail = (code: RowError['code'], message: string, field?: string): never => {
  throw new RowFailure({ code, message, ...(field ? { field } : {}) });
};

function text(field: string, v: string, max: number, opts: { empty?: boolean } = {}): string {
  try {
    const t = checkText(field, v, max);
    if (!opts.empty && t.trim() === '') fail('invalid', `"${field}" must not be empty`, field);
    return t;
  } catch (e) {
    if (e instanceof StoreError) fail(e.code === 'too_large' ? 'too_large' : 'invalid', e.message.replace(/^\w+ /, `"${field}" `), field);
    throw e;
  }
}

function money(field: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail('invalid', `"${field}" must be a number >= 0`, field);
  return Math.round(v * 100) / 100;
}

function count(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) fail('invalid', `"${field}" must be a whole number >= 0`, field);
  return v;
}

function timeOf(field: string, v: string): string {
  try {
    return isoTime(v);
  } catch {
    return fail('invalid', `"${field}" is not a date: ${JSON.stringify(String(v).slice(0, 40))}`, field);
  }
}

/** Maps what SQLite refuses to a row error a store owner can act on. */
function sqlError(e: unknown, what: string): RowError {
  const code = (e as { code?: string }).code ?? '';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return { code: 'not_found', message: `${what} refers to a customer or product that does not exist` };
  if (code.startsWith('SQLITE_CONSTRAINT')) return { code: 'invalid', message: `${what} breaks a rule of the store: ${(e as Error).message}` };
  throw e;
}

/** A products row with the columns the catalogue's changes keep: removal and change number. */
type StoredProductRow = ProductRow & { deleted_at: string | null; catalog_seq: number };

const PRODUCT_COLUMNS = ['title', 'description', 'category', 'price', 'currency', 'stock', 'image', 'rating', 'rating_count', 'source', 'url'] as const;

const emptyCounts = (): Record<RowStatus, number> => ({ inserted: 0, updated: 0, unchanged: 0, deleted: 0, not_found: 0, error: 0 });

export class CatalogAdmin {
  private readonly s;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    const cols = `id, ${PRODUCT_COLUMNS.join(', ')}, deleted_at, catalog_seq`;
    this.s = {
      product: db.prepare<[string], StoredProductRow>(`SELECT ${cols} FROM products WHERE id = ?`),
      insertProduct: db.prepare<[StoredProductRow]>(`INSERT INTO products (${cols}) VALUES (@id, ${PRODUCT_COLUMNS.map((c) => `@${c}`).join(', ')}, NULL, @catalog_seq)`),
      updateProduct: db.prepare<[StoredProductRow]>(
        `UPDATE products SET ${PRODUCT_COLUMNS.map((c) => `${c} = @${c}`).join(', ')}, deleted_at = NULL, catalog_seq = @catalog_seq
         WHERE id = @id AND (deleted_at IS NOT NULL OR ${PRODUCT_COLUMNS.map((c) => `${c} IS NOT @${c}`).join(' OR ')})`,
      ),
      removeProduct: db.prepare<[string, number, string]>('UPDATE products SET deleted_at = ?, catalog_seq = ? WHERE id = ? AND deleted_at IS NULL'),
      seq: db.prepare<[], string>("SELECT value FROM meta WHERE key = 'catalog_seq'").pluck(),
      setSeq: db.prepare<[string, string]>(
        "INSERT INTO meta (key, value, updated_at) VALUES ('catalog_seq', ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      ),
      changedSince: db.prepare<[number], StoredProductRow>(`SELECT ${cols} FROM products WHERE catalog_seq > ? ORDER BY catalog_seq, id`),
      customer: db.prepare<[string], { id: string; name: string; email: string | null; country: string | null; created_at: string; vip: number }>(
        'SELECT id, name, email, country, created_at, vip FROM customers WHERE id = ?',
      ),
      insertCustomer: db.prepare<{ id: string; name: string; email: string | null; country: string | null; created_at: string; vip: number }>(
        'INSERT INTO customers (id, name, email, country, created_at, vip) VALUES (@id, @name, @email, @country, @created_at, @vip)',
      ),
      updateCustomer: db.prepare<{ id: string; name: string; email: string | null; country: string | null; created_at: string; vip: number }>(
        `UPDATE customers SET name = @name, email = @email, country = @country, created_at = @created_at, vip = @vip
         WHERE id = @id AND (name IS NOT @name OR email IS NOT @email OR country IS NOT @country OR created_at IS NOT @created_at OR vip IS NOT @vip)`,
      ),
      identityOwner: db.prepare<[string, string], string>('SELECT customer_id FROM channel_identities WHERE channel = ? AND external_id = ?').pluck(),
      insertIdentity: db.prepare<[string, string, string, string]>('INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES (?, ?, ?, ?)'),
      deleteCustomer: db.prepare<[string]>('DELETE FROM customers WHERE id = ?'),
      order: db.prepare<[string], Record<string, unknown>>(
        'SELECT id, customer_id, status, created_at, updated_at, tracking, carrier, ship_line1, ship_city, ship_postcode, ship_country FROM orders WHERE id = ?',
      ),
      insertOrder: db.prepare<[Record<string, unknown>]>(
        `INSERT INTO orders (id, customer_id, status, created_at, updated_at, tracking, carrier, ship_line1, ship_city, ship_postcode, ship_country)
         VALUES (@id, @customer_id, @status, @created_at, @updated_at, @tracking, @carrier, @ship_line1, @ship_city, @ship_postcode, @ship_country)`,
      ),
      updateOrder: db.prepare<[Record<string, unknown>]>(
        `UPDATE orders SET customer_id = @customer_id, status = @status, created_at = @created_at, updated_at = @updated_at, tracking = @tracking,
           carrier = @carrier, ship_line1 = @ship_line1, ship_city = @ship_city, ship_postcode = @ship_postcode, ship_country = @ship_country
         WHERE id = @id AND (customer_id IS NOT @customer_id OR status IS NOT @status OR created_at IS NOT @created_at OR updated_at IS NOT @updated_at
           OR tracking IS NOT @tracking OR carrier IS NOT @carrier OR ship_line1 IS NOT @ship_line1 OR ship_city IS NOT @ship_city
           OR ship_postcode IS NOT @ship_postcode OR ship_country IS NOT @ship_country)`,
      ),
      linesOf: db.prepare<[string], { product_id: string; qty: number; unit_price: number }>('SELECT product_id, qty, unit_price FROM order_lines WHERE order_id = ? ORDER BY line_no'),
      deleteLines: db.prepare<[string]>('DELETE FROM order_lines WHERE order_id = ?'),
      insertLine: db.prepare<[string, number, string, number, number]>('INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price) VALUES (?, ?, ?, ?, ?)'),
      productExists: db.prepare<[string], number>('SELECT 1 FROM products WHERE id = ?').pluck(),
      customerExists: db.prepare<[string], number>('SELECT 1 FROM customers WHERE id = ?').pluck(),
      deleteOrder: db.prepare<[string]>('DELETE FROM orders WHERE id = ?'),
    };
  }

  /** A product as stored, removed ones included (deletedAt set). */
  getProduct(id: string): (Required<Omit<ProductUpsert, 'source'>> & { source: string; deletedAt: string | null }) | undefined {
    const r = this.s.product.get(id);
    if (!r) return undefined;
    // The url as stored (toProduct leaves out one that is no longer a safe link).
    return { ...toProduct(r), url: r.url, deletedAt: r.deleted_at };
  }

  /** The latest catalogue change number (0 before the first change). */
  catalogSeq(): number {
    return Number(this.s.seq.get() ?? 0);
  }

  /** Products changed (or removed) by catalogue changes after `seq`, oldest change first. */
  changedProductsSince(seq: number): ChangedProduct[] {
    return this.s.changedSince.all(seq).map((r) => {
      const { id, title, description, category, price, currency, stock, rating, ratingCount } = toProduct(r);
      return { id, deleted: r.deleted_at !== null, title, description, category, price, currency, stock, rating, ratingCount, seq: r.catalog_seq };
    });
  }

  /**
   * Inserts new products and updates known ones (fields left out keep their values; a removed
   * product comes back). New products need title, category and price; currency defaults to
   * `defaults.currency`, stock to 0, source to `defaults.source`.
   */
  upsertProducts(rows: readonly ProductUpsert[], defaults: { currency: string; source: string }): BatchResult {
    return this.catalogBatch(rows, (row, seq) => {
      const id = text('id', row.id, MAX_ID_BYTES);
      const cur = this.s.product.get(id);
      const pick = <K extends keyof ProductUpsert>(k: K): ProductUpsert[K] | undefined => (row[k] === undefined ? undefined : row[k]);
      const need = <T>(k: keyof ProductUpsert, v: T | undefined): T => (v === undefined ? fail('invalid', `"${k}" is required for a new product`, k) : v);
      const next: StoredProductRow = {
        id,
        title: text('title', need('title', pick('title') ?? cur?.title), 4 * MAX_SHORT_BYTES),
        description: text('description', pick('description') ?? cur?.description ?? '', MAX_TEXT_BYTES, { empty: true }),
        category: text('category', need('category', pick('category') ?? cur?.category), MAX_ID_BYTES),
        price: money('price', need('price', pick('price') ?? cur?.price)),
        currency: (pick('currency') ?? cur?.currency ?? defaults.currency).toUpperCase(),
        stock: count('stock', pick('stock') ?? cur?.stock ?? 0),
        image: row.image !== undefined ? (row.image === null ? null : text('image', row.image, 4096)) : (cur?.image ?? null),
        rating: row.rating !== undefined ? row.rating : (cur?.rating ?? null),
        rating_count: row.ratingCount !== undefined ? (row.ratingCount === null ? null : count('ratingCount', row.ratingCount)) : (cur?.rating_count ?? null),
        source: text('source', pick('source') ?? cur?.source ?? defaults.source, MAX_ID_BYTES),
        url: row.url !== undefined ? row.url : (cur?.url ?? null),
        deleted_at: null,
        catalog_seq: seq(),
      };
      if (!/^[A-Z]{3}$/.test(next.currency)) fail('invalid', `"currency" must be a 3-letter ISO 4217 code, got ${JSON.stringify(next.currency)}`, 'currency');
      if (next.rating !== null && !(typeof next.rating === 'number' && next.rating >= 0 && next.rating <= 5)) fail('invalid', '"rating" must be between 0 and 5', 'rating');
      if (next.url !== null && checkProductUrl(next.url) === null) fail('invalid', `"url" must be a path on the store's site ("/p/1") or an http(s) URL`, 'url');
      if (!cur) {
        this.s.insertProduct.run(next);
        return 'inserted';
      }
      return this.s.updateProduct.run(next).changes === 1 ? 'updated' : 'unchanged';
    });
  }

  /** Removes products (soft: their order lines stay valid); an already removed one is 'unchanged'. */
  deleteProducts(ids: readonly string[]): BatchResult {
    return this.catalogBatch(
      ids.map((id) => ({ id })),
      (row, seq) => {
        const id = text('id', row.id, MAX_ID_BYTES);
        const cur = this.s.product.get(id);
        if (!cur) return 'not_found';
        if (cur.deleted_at !== null) return 'unchanged';
        this.s.removeProduct.run(new Date(this.now()).toISOString(), seq(), id);
        return 'deleted';
      },
    );
  }

  upsertCustomers(rows: readonly CustomerUpsert[]): BatchResult {
    return this.batch(rows, (row) => {
      const id = text('id', row.id, MAX_ID_BYTES);
      const cur = this.s.customer.get(id);
      const email = row.email !== undefined ? (row.email === null ? null : text('email', row.email, MAX_SHORT_BYTES)) : (cur?.email ?? null);
      if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) fail('invalid', `"email" is not an e-mail address: ${JSON.stringify(email.slice(0, 80))}`, 'email');
      const next = {
        id,
        name: text('name', row.name ?? cur?.name ?? fail('invalid', '"name" is required for a new customer', 'name'), MAX_SHORT_BYTES),
        email,
        country: row.country !== undefined ? (row.country === null ? null : text('country', row.country, MAX_ID_BYTES)) : (cur?.country ?? null),
        created_at: row.createdAt !== undefined ? timeOf('createdAt', row.createdAt) : (cur?.created_at ?? new Date(this.now()).toISOString()),
        vip: row.vip !== undefined ? (row.vip ? 1 : 0) : (cur?.vip ?? 0),
      };
      let status: RowStatus = cur ? (this.s.updateCustomer.run(next).changes === 1 ? 'updated' : 'unchanged') : (this.s.insertCustomer.run(next), 'inserted');
      (row.identities ?? []).forEach((ident, k) => {
        const field = `identities[${k}]`;
        if (!(IDENTITY_CHANNELS as readonly string[]).includes(ident.channel)) fail('invalid', `"${field}.channel" must be one of ${IDENTITY_CHANNELS.join(', ')}`, `${field}.channel`);
        const ext = text(`${field}.externalId`, ident.externalId, MAX_ID_BYTES);
        const owner = this.s.identityOwner.get(ident.channel, ext);
        if (owner === id) return;
        if (owner !== undefined) fail('conflict', `${ident.channel} identity ${JSON.stringify(ext)} already belongs to customer ${JSON.stringify(owner)}`, field);
        this.s.insertIdentity.run(ident.channel as IdentityChannel, ext, id, next.created_at);
        if (status === 'unchanged') status = 'updated';
      });
      return status;
    });
  }

  /** Deletes customers with everything they own (orders, identities, events; conversations keep no customer). */
  deleteCustomers(ids: readonly string[]): BatchResult {
    return this.batch(
      ids.map((id) => ({ id })),
      (row) => (this.s.deleteCustomer.run(text('id', row.id, MAX_ID_BYTES)).changes === 1 ? 'deleted' : 'not_found'),
    );
  }

  /** Inserts or replaces orders (their lines included); any status may be set (the shop is the source of truth). */
  upsertOrders(rows: readonly OrderUpsert[]): BatchResult {
    return this.batch(rows, (row) => {
      const id = text('id', row.id, MAX_ID_BYTES);
      if (!(ORDER_STATUSES as readonly string[]).includes(row.status)) fail('invalid', `"status" must be one of ${ORDER_STATUSES.join(', ')}`, 'status');
      const customer = text('customerId', row.customerId, MAX_ID_BYTES);
      if (!this.s.customerExists.get(customer)) fail('not_found', `customer ${JSON.stringify(customer)} does not exist; upsert the customer first`, 'customerId');
      if (!Array.isArray(row.lines) || row.lines.length === 0) fail('invalid', '"lines" must hold at least one line', 'lines');
      const lines = row.lines.map((l, k) => {
        const productId = text(`lines[${k}].productId`, l.productId, MAX_ID_BYTES);
        if (!this.s.productExists.get(productId)) fail('not_found', `product ${JSON.stringify(productId)} does not exist`, `lines[${k}].productId`);
        if (!Number.isInteger(l.qty) || l.qty < 1) fail('invalid', `"lines[${k}].qty" must be a whole number >= 1`, `lines[${k}].qty`);
        return { product_id: productId, qty: l.qty, unit_price: money(`lines[${k}].unitPrice`, l.unitPrice) };
      });
      const a = row.shippingAddress;
      const created = timeOf('createdAt', row.createdAt);
      const next = {
        id,
        customer_id: customer,
        status: row.status,
        created_at: created,
        updated_at: row.updatedAt !== undefined ? timeOf('updatedAt', row.updatedAt) : created,
        tracking: row.tracking == null ? null : text('tracking', row.tracking, MAX_ID_BYTES),
        carrier: row.carrier == null ? null : text('carrier', row.carrier, MAX_ID_BYTES),
        ship_line1: text('shippingAddress.line1', a.line1, MAX_SHORT_BYTES),
        ship_city: text('shippingAddress.city', a.city, MAX_SHORT_BYTES),
        ship_postcode: text('shippingAddress.postcode', a.postcode, MAX_ID_BYTES),
        ship_country: text('shippingAddress.country', a.country, MAX_ID_BYTES),
      };
      const existed = this.s.order.get(id) !== undefined;
      let status: RowStatus = existed ? (this.s.updateOrder.run(next).changes === 1 ? 'updated' : 'unchanged') : (this.s.insertOrder.run(next), 'inserted');
      const current = this.s.linesOf.all(id);
      const same = current.length === lines.length && current.every((c, k) => c.product_id === lines[k]!.product_id && c.qty === lines[k]!.qty && c.unit_price === lines[k]!.unit_price);
      if (!same) {
        this.s.deleteLines.run(id);
        lines.forEach((l, k) => this.s.insertLine.run(id, k + 1, l.product_id, l.qty, l.unit_price));
        if (status === 'unchanged') status = 'updated';
      }
      return status;
    });
  }

  deleteOrders(ids: readonly string[]): BatchResult {
    return this.batch(
      ids.map((id) => ({ id })),
      (row) => (this.s.deleteOrder.run(text('id', row.id, MAX_ID_BYTES)).changes === 1 ? 'deleted' : 'not_found'),
    );
  }

  /** A product batch: its rows carry the next catalogue change number, recorded only if some row changed. */
  private catalogBatch<R extends { id: string }>(rows: readonly R[], apply: (row: R, seq: () => number) => RowStatus): BatchResult {
    let seq = 0;
    const result = this.batch(
      rows,
      (row) => apply(row, () => seq),
      () => {
        // inside the IMMEDIATE transaction: no other writer can take the same number
        seq = this.catalogSeq() + 1;
      },
      (counts) => {
        if (counts.inserted + counts.updated + counts.deleted > 0) this.s.setSeq.run(String(seq), new Date(this.now()).toISOString());
      },
    );
    const changed = result.counts.inserted + result.counts.updated + result.counts.deleted > 0;
    return { ...result, catalogSeq: changed ? seq : null };
  }

  /** Runs `apply` per row in a savepoint of one IMMEDIATE transaction: a failing row is reported and rolled back alone. */
  private batch<R extends { id: string }>(rows: readonly R[], apply: (row: R) => RowStatus, begin?: () => void, end?: (counts: Record<RowStatus, number>) => void): BatchResult {
    if (rows.length > MAX_BATCH_ROWS) throw new StoreError('too_large', `a batch holds at most ${MAX_BATCH_ROWS} rows (got ${rows.length})`);
    const results: RowResult[] = [];
    const counts = emptyCounts();
    const one = this.db.transaction((row: R) => apply(row));
    this.db
      .transaction(() => {
        begin?.();
        rows.forEach((row, index) => {
          const id = typeof row?.id === 'string' ? row.id.slice(0, MAX_ID_BYTES) : null;
          let r: RowResult;
          try {
            r = { index, id, status: one(row) };
          } catch (e) {
            const error = e instanceof RowFailure ? e.error : sqlError(e, `row ${index}`);
            r = { index, id, status: 'error', error };
          }
          counts[r.status]++;
          results.push(r);
        });
        end?.(counts);
      })
      .immediate();
    return { results, counts, catalogSeq: null };
  }
}
