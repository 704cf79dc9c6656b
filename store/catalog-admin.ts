import { StoreError } from './errors.js';
import { violation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
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
  const v = violation(e);
  if (v === 'foreign_key') return { code: 'not_found', message: `${what} refers to a customer or product that does not exist` };
  if (v !== null) return { code: 'invalid', message: `${what} breaks a rule of the store: ${(e as Error).message}` };
  throw e;
}

/** A products row with the columns the catalogue's changes keep: removal and change number. */
type StoredProductRow = ProductRow & { deleted_at: string | null; catalog_seq: number };

const PRODUCT_COLUMNS = ['title', 'description', 'category', 'price', 'currency', 'stock', 'image', 'rating', 'rating_count', 'source', 'url'] as const;

const emptyCounts = (): Record<RowStatus, number> => ({ inserted: 0, updated: 0, unchanged: 0, deleted: 0, not_found: 0, error: 0 });

const COLS = `id, ${PRODUCT_COLUMNS.join(', ')}, deleted_at, catalog_seq`;

type CustomerRow = { id: string; name: string; email: string | null; country: string | null; created_at: string; vip: number };

export class CatalogAdmin {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /** A product as stored, removed ones included (deletedAt set). */
  async getProduct(id: string, sql: Sql = this.sql): Promise<(Required<Omit<ProductUpsert, 'source'>> & { source: string; deletedAt: string | null }) | undefined> {
    const r = await sql.get<StoredProductRow>(`SELECT ${COLS} FROM products WHERE id = ?`, [id]);
    if (!r) return undefined;
    // The url as stored (toProduct leaves out one that is no longer a safe link).
    return { ...toProduct(r), url: r.url, deletedAt: r.deleted_at };
  }

  /** The latest catalogue change number (0 before the first change). */
  async catalogSeq(sql: Sql = this.sql): Promise<number> {
    return Number((await sql.get<{ value: string }>("SELECT value FROM meta WHERE key = 'catalog_seq'"))?.value ?? 0);
  }

  /** Products changed (or removed) by catalogue changes after `seq`, oldest change first. */
  async changedProductsSince(seq: number, sql: Sql = this.sql): Promise<ChangedProduct[]> {
    return (await sql.all<StoredProductRow>(`SELECT ${COLS} FROM products WHERE catalog_seq > ? ORDER BY catalog_seq, id`, [seq])).map((r) => {
      const { id, title, description, category, price, currency, stock, rating, ratingCount } = toProduct(r);
      return { id, deleted: r.deleted_at !== null, title, description, category, price, currency, stock, rating, ratingCount, seq: r.catalog_seq };
    });
  }

  /**
   * Inserts new products and updates known ones (fields left out keep their values; a removed
   * product comes back). New products need title, category and price; currency defaults to
   * `defaults.currency`, stock to 0, source to `defaults.source`.
   */
  async upsertProducts(rows: readonly ProductUpsert[], defaults: { currency: string; source: string }): Promise<BatchResult> {
    return this.catalogBatch(rows, async (tx, row, seq) => {
      const id = text('id', row.id, MAX_ID_BYTES);
      const cur = await tx.get<StoredProductRow>(`SELECT ${COLS} FROM products WHERE id = ?`, [id]);
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
        await tx.run(`INSERT INTO products (${COLS}) VALUES (@id, ${PRODUCT_COLUMNS.map((c) => `@${c}`).join(', ')}, NULL, @catalog_seq)`, { ...next });
        return 'inserted';
      }
      // Rewritten only when a value differs (IS DISTINCT FROM: NULL-safe on both engines).
      const changed = await tx.run(
        `UPDATE products SET ${PRODUCT_COLUMNS.map((c) => `${c} = @${c}`).join(', ')}, deleted_at = NULL, catalog_seq = @catalog_seq
         WHERE id = @id AND (deleted_at IS NOT NULL OR ${PRODUCT_COLUMNS.map((c) => `${c} IS DISTINCT FROM @${c}`).join(' OR ')})`,
        { ...next },
      );
      return changed.changes === 1 ? 'updated' : 'unchanged';
    });
  }

  /** Removes products (soft: their order lines stay valid); an already removed one is 'unchanged'. */
  async deleteProducts(ids: readonly string[]): Promise<BatchResult> {
    return this.catalogBatch(
      ids.map((id) => ({ id })),
      async (tx, row, seq) => {
        const id = text('id', row.id, MAX_ID_BYTES);
        const cur = await tx.get<StoredProductRow>(`SELECT ${COLS} FROM products WHERE id = ?`, [id]);
        if (!cur) return 'not_found';
        if (cur.deleted_at !== null) return 'unchanged';
        await tx.run('UPDATE products SET deleted_at = ?, catalog_seq = ? WHERE id = ? AND deleted_at IS NULL', [new Date(this.now()).toISOString(), seq(), id]);
        return 'deleted';
      },
    );
  }

  async upsertCustomers(rows: readonly CustomerUpsert[]): Promise<BatchResult> {
    return this.batch(rows, async (tx, row) => {
      const id = text('id', row.id, MAX_ID_BYTES);
      const cur = await tx.get<CustomerRow>('SELECT id, name, email, country, created_at, vip FROM customers WHERE id = ?', [id]);
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
      let status: RowStatus;
      if (cur) {
        const r = await tx.run(
          `UPDATE customers SET name = @name, email = @email, country = @country, created_at = @created_at, vip = @vip
           WHERE id = @id AND (name IS DISTINCT FROM @name OR email IS DISTINCT FROM @email OR country IS DISTINCT FROM @country
             OR created_at IS DISTINCT FROM @created_at OR vip IS DISTINCT FROM @vip)`,
          { ...next },
        );
        status = r.changes === 1 ? 'updated' : 'unchanged';
      } else {
        await tx.run('INSERT INTO customers (id, name, email, country, created_at, vip) VALUES (@id, @name, @email, @country, @created_at, @vip)', { ...next });
        status = 'inserted';
      }
      for (const [k, ident] of (row.identities ?? []).entries()) {
        const field = `identities[${k}]`;
        if (!(IDENTITY_CHANNELS as readonly string[]).includes(ident.channel)) fail('invalid', `"${field}.channel" must be one of ${IDENTITY_CHANNELS.join(', ')}`, `${field}.channel`);
        const ext = text(`${field}.externalId`, ident.externalId, MAX_ID_BYTES);
        const owner = (await tx.get<{ customer_id: string }>('SELECT customer_id FROM channel_identities WHERE channel = ? AND external_id = ?', [ident.channel, ext]))?.customer_id;
        if (owner === id) continue;
        if (owner !== undefined) fail('conflict', `${ident.channel} identity ${JSON.stringify(ext)} already belongs to customer ${JSON.stringify(owner)}`, field);
        await tx.run('INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES (?, ?, ?, ?)', [ident.channel as IdentityChannel, ext, id, next.created_at]);
        if (status === 'unchanged') status = 'updated';
      }
      return status;
    });
  }

  /** Deletes customers with everything they own (orders, identities, events; conversations keep no customer). */
  async deleteCustomers(ids: readonly string[]): Promise<BatchResult> {
    return this.batch(
      ids.map((id) => ({ id })),
      async (tx, row) => ((await tx.run('DELETE FROM customers WHERE id = ?', [text('id', row.id, MAX_ID_BYTES)])).changes === 1 ? 'deleted' : 'not_found'),
    );
  }

  /** Inserts or replaces orders (their lines included); any status may be set (the shop is the source of truth). */
  async upsertOrders(rows: readonly OrderUpsert[]): Promise<BatchResult> {
    return this.batch(rows, async (tx, row) => {
      const id = text('id', row.id, MAX_ID_BYTES);
      if (!(ORDER_STATUSES as readonly string[]).includes(row.status)) fail('invalid', `"status" must be one of ${ORDER_STATUSES.join(', ')}`, 'status');
      const customer = text('customerId', row.customerId, MAX_ID_BYTES);
      if (!(await tx.get('SELECT 1 AS one FROM customers WHERE id = ?', [customer]))) fail('not_found', `customer ${JSON.stringify(customer)} does not exist; upsert the customer first`, 'customerId');
      if (!Array.isArray(row.lines) || row.lines.length === 0) fail('invalid', '"lines" must hold at least one line', 'lines');
      const lines: { product_id: string; qty: number; unit_price: number }[] = [];
      for (const [k, l] of row.lines.entries()) {
        const productId = text(`lines[${k}].productId`, l.productId, MAX_ID_BYTES);
        if (!(await tx.get('SELECT 1 AS one FROM products WHERE id = ?', [productId]))) fail('not_found', `product ${JSON.stringify(productId)} does not exist`, `lines[${k}].productId`);
        if (!Number.isInteger(l.qty) || l.qty < 1) fail('invalid', `"lines[${k}].qty" must be a whole number >= 1`, `lines[${k}].qty`);
        lines.push({ product_id: productId, qty: l.qty, unit_price: money(`lines[${k}].unitPrice`, l.unitPrice) });
      }
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
      const existed = (await tx.get('SELECT 1 AS one FROM orders WHERE id = ?', [id])) !== undefined;
      let status: RowStatus;
      if (existed) {
        const r = await tx.run(
          `UPDATE orders SET customer_id = @customer_id, status = @status, created_at = @created_at, updated_at = @updated_at, tracking = @tracking,
             carrier = @carrier, ship_line1 = @ship_line1, ship_city = @ship_city, ship_postcode = @ship_postcode, ship_country = @ship_country
           WHERE id = @id AND (customer_id IS DISTINCT FROM @customer_id OR status IS DISTINCT FROM @status OR created_at IS DISTINCT FROM @created_at
             OR updated_at IS DISTINCT FROM @updated_at OR tracking IS DISTINCT FROM @tracking OR carrier IS DISTINCT FROM @carrier
             OR ship_line1 IS DISTINCT FROM @ship_line1 OR ship_city IS DISTINCT FROM @ship_city OR ship_postcode IS DISTINCT FROM @ship_postcode
             OR ship_country IS DISTINCT FROM @ship_country)`,
          { ...next },
        );
        status = r.changes === 1 ? 'updated' : 'unchanged';
      } else {
        await tx.run(
          `INSERT INTO orders (id, customer_id, status, created_at, updated_at, tracking, carrier, ship_line1, ship_city, ship_postcode, ship_country)
           VALUES (@id, @customer_id, @status, @created_at, @updated_at, @tracking, @carrier, @ship_line1, @ship_city, @ship_postcode, @ship_country)`,
          { ...next },
        );
        status = 'inserted';
      }
      const current = await tx.all<{ product_id: string; qty: number; unit_price: number }>('SELECT product_id, qty, unit_price FROM order_lines WHERE order_id = ? ORDER BY line_no', [id]);
      const same = current.length === lines.length && current.every((c, k) => c.product_id === lines[k]!.product_id && c.qty === lines[k]!.qty && c.unit_price === lines[k]!.unit_price);
      if (!same) {
        await tx.run('DELETE FROM order_lines WHERE order_id = ?', [id]);
        for (const [k, l] of lines.entries()) await tx.run('INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price) VALUES (?, ?, ?, ?, ?)', [id, k + 1, l.product_id, l.qty, l.unit_price]);
        if (status === 'unchanged') status = 'updated';
      }
      return status;
    });
  }

  async deleteOrders(ids: readonly string[]): Promise<BatchResult> {
    return this.batch(
      ids.map((id) => ({ id })),
      async (tx, row) => ((await tx.run('DELETE FROM orders WHERE id = ?', [text('id', row.id, MAX_ID_BYTES)])).changes === 1 ? 'deleted' : 'not_found'),
    );
  }

  /** A product batch: its rows carry the next catalogue change number, recorded only if some row changed. */
  private async catalogBatch<R extends { id: string }>(rows: readonly R[], apply: (tx: Sql, row: R, seq: () => number) => Promise<RowStatus>): Promise<BatchResult> {
    let seq = 0;
    const result = await this.batch(
      rows,
      (tx, row) => apply(tx, row, () => seq),
      async (tx) => {
        // inside the batch's write transaction: no other writer can take the same number
        seq = (await this.catalogSeq(tx)) + 1;
      },
      async (tx, counts) => {
        if (counts.inserted + counts.updated + counts.deleted > 0) {
          await tx.run(
            "INSERT INTO meta (key, value, updated_at) VALUES ('catalog_seq', ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            [String(seq), new Date(this.now()).toISOString()],
          );
        }
      },
    );
    const changed = result.counts.inserted + result.counts.updated + result.counts.deleted > 0;
    return { ...result, catalogSeq: changed ? seq : null };
  }

  /** Runs `apply` per row in a savepoint of one write transaction: a failing row is reported and rolled back alone. */
  private async batch<R extends { id: string }>(
    rows: readonly R[],
    apply: (tx: Sql, row: R) => Promise<RowStatus>,
    begin?: (tx: Sql) => Promise<void>,
    end?: (tx: Sql, counts: Record<RowStatus, number>) => Promise<void>,
  ): Promise<BatchResult> {
    if (rows.length > MAX_BATCH_ROWS) throw new StoreError('too_large', `a batch holds at most ${MAX_BATCH_ROWS} rows (got ${rows.length})`);
    const results: RowResult[] = [];
    const counts = emptyCounts();
    await this.sql.transaction(async (tx) => {
      await begin?.(tx);
      for (const [index, row] of rows.entries()) {
        const id = typeof row?.id === 'string' ? row.id.slice(0, MAX_ID_BYTES) : null;
        let r: RowResult;
        try {
          r = { index, id, status: await tx.transaction((sp) => apply(sp, row)) };
        } catch (e) {
          const error = e instanceof RowFailure ? e.error : sqlError(e, `row ${index}`);
          r = { index, id, status: 'error', error };
        }
        counts[r.status]++;
        results.push(r);
      }
      await end?.(tx, counts);
    });
    return { results, counts, catalogSeq: null };
  }
}
