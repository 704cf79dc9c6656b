import { progress } from '../../core/progress.js';
import type { Encoder } from '../../nlu/encoder-types.js';
import { itemText, VectorCache } from '../../recommender/item-embeddings.js';
import type { Sql } from '../../store/sql/executor.js';
import { SqliteSql } from '../../store/sql/sqlite.js';
import { CatalogAdmin, MAX_BATCH_ROWS, type RowStatus } from '../../store/catalog-admin.js';
import type { DB } from '../../store/db.js';
import { deleteBatch, upsertBatch } from '../batches.js';
import type { Kind } from '../schemas.js';
import { readJsonlRows, readOrdersCsv, readShopifyProducts, type Format, type ImportItem } from './formats.js';

// The import command's work, usable from code and tests: read a file in one of the formats, write
// its rows through the same batches as the admin API (1,000 rows per transaction, per-row errors,
// idempotent), then embed the products whose item text is new into the shared vector cache, so a
// running server (which polls for catalogue changes) and the next start find the vectors ready.

export interface ImportOptions {
  file: string;
  format: Format;
  /** For JSONL: what the file holds (default: from the file name, e.g. products.jsonl). */
  kind?: Kind;
  /** The store: `sql` (either engine: the CLI's configured store, a running server's), or a SQLite `db`. */
  db?: DB;
  sql?: Sql;
  /** Currency of new products that name none. */
  currency: string;
  /** Embeds changed products (with progress); omit to leave that to the server. */
  encoder?: Encoder;
  /** The data folder holding the vector cache (the server's). */
  cacheDir?: string;
  batchSize?: number;
  silent?: boolean;
}

export interface ImportError {
  line: number;
  kind: Kind | null;
  id: string | null;
  field?: string;
  message: string;
}

export interface ImportReport {
  file: string;
  format: Format;
  /** Rows read (products, customers, orders), refused lines included. */
  rows: number;
  counts: Record<Kind, Record<RowStatus, number>>;
  /** Every refused row with its line (the CLI prints the first ones). */
  errors: ImportError[];
  /** Products whose text was new and were embedded; the rest reused cached vectors. */
  embedded: number;
  reused: number;
  seconds: number;
  embedSeconds: number;
  /** Products inserted or updated per second, embedding included. */
  productsPerSecond: number | null;
}

export function kindFromName(file: string): Kind | null {
  const base = file.split(/[\\/]/).pop()!.toLowerCase();
  for (const k of ['products', 'customers', 'orders'] as const) if (base.includes(k)) return k;
  return null;
}

function reader(opts: ImportOptions): AsyncGenerator<ImportItem> {
  if (opts.format === 'shopify') return readShopifyProducts(opts.file);
  if (opts.format === 'orders-csv') return readOrdersCsv(opts.file);
  const kind = opts.kind ?? kindFromName(opts.file);
  if (!kind) throw new Error(`which rows does ${opts.file} hold? Name it products/customers/orders.jsonl or pass --kind`);
  return readJsonlRows(opts.file, kind);
}

const emptyCounts = (): Record<RowStatus, number> => ({ inserted: 0, updated: 0, unchanged: 0, deleted: 0, not_found: 0, error: 0 });

export async function importFile(opts: ImportOptions): Promise<ImportReport> {
  const t0 = performance.now();
  if (!opts.sql && !opts.db) throw new Error('importFile needs the store: sql or db');
  const sql = opts.sql ?? new SqliteSql(opts.db!);
  const admin = new CatalogAdmin(sql);
  const seqBefore = await admin.catalogSeq();
  const items: ImportItem[] = [];
  for await (const it of reader(opts)) items.push(it);
  await remapEmailCustomers(sql, items);

  const counts = { products: emptyCounts(), customers: emptyCounts(), orders: emptyCounts() };
  const errors: ImportError[] = [];
  const batchSize = Math.max(1, Math.min(MAX_BATCH_ROWS, opts.batchSize ?? MAX_BATCH_ROWS));
  const bar = progress(`import ${opts.format}`, items.length, { silent: opts.silent ?? false });
  // Runs of one kind and action, in file order, in batches.
  let i = 0;
  while (i < items.length) {
    const first = items[i]!;
    const action = 'remove' in first ? 'remove' : 'error' in first ? 'error' : 'upsert';
    const kind = first.kind;
    const run: ImportItem[] = [];
    while (i < items.length && run.length < batchSize) {
      const it = items[i]!;
      const a = 'remove' in it ? 'remove' : 'error' in it ? 'error' : 'upsert';
      if (a !== action || it.kind !== kind) break;
      run.push(it);
      i++;
    }
    if (action === 'error') {
      for (const it of run) {
        const e = it as Extract<ImportItem, { error: string }>;
        errors.push({ line: e.line, kind: e.kind, id: null, message: e.error });
        if (e.kind) counts[e.kind].error++;
      }
    } else if (action === 'remove') {
      const r = await deleteBatch(admin, 'products', run.map((it) => (it as Extract<ImportItem, { remove: string }>).remove));
      r.results.forEach((x) => counts.products[x.status]++);
    } else {
      const rows = run.map((it) => (it as Extract<ImportItem, { row: unknown }>).row);
      const r = await upsertBatch(admin, kind as Kind, rows, { currency: opts.currency, source: `import:${opts.format}` });
      r.results.forEach((x, k) => {
        counts[kind as Kind][x.status]++;
        if (x.error) errors.push({ line: run[k]!.line, kind, id: x.id, ...(x.error.field ? { field: x.error.field } : {}), message: x.error.message });
      });
    }
    bar.tick(run.length);
  }
  bar.done();

  // Embed what changed (by text), so search and recommendations have the vectors at once.
  const te = performance.now();
  let embedded = 0;
  let reused = 0;
  const changed = (await admin.changedProductsSince(seqBefore)).filter((p) => !p.deleted);
  if (opts.encoder && changed.length > 0) {
    const cache = opts.cacheDir ? new VectorCache(opts.cacheDir, opts.encoder.checksum, opts.encoder.dim) : null;
    const missing = [...new Set(changed.map((p) => itemText(p)).filter((t) => t.trim() !== ''))].filter((t) => !cache?.get(t));
    reused = changed.length - missing.length;
    if (missing.length > 0) {
      const eb = progress('embedding products', missing.length, { silent: opts.silent ?? false });
      let unsaved = 0;
      await opts.encoder.embedMany(missing, {
        onBatch: (idx, vecs) => {
          idx.forEach((k, j) => cache?.set(missing[k]!, vecs[j]!));
          eb.tick(idx.length);
          unsaved += idx.length;
          if (unsaved >= 512) {
            cache?.save(); // an interrupted import keeps what it embedded
            unsaved = 0;
          }
        },
      });
      cache?.save();
      eb.done();
      embedded = missing.length;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const productsWritten = counts.products.inserted + counts.products.updated;
  return {
    file: opts.file,
    format: opts.format,
    rows: items.length,
    counts,
    errors,
    embedded,
    reused: Math.max(0, reused),
    seconds: Math.round(seconds * 100) / 100,
    embedSeconds: Math.round(((performance.now() - te) / 1000) * 100) / 100,
    productsPerSecond: productsWritten > 0 ? Math.round((productsWritten / seconds) * 10) / 10 : null,
  };
}

/**
 * Orders CSVs often name customers by e-mail only; such a customer (`email:<address>`) becomes the
 * store's existing customer with that e-mail when there is one.
 */
async function remapEmailCustomers(sql: Sql, items: ImportItem[]): Promise<void> {
  const byEmail = async (email: string) => (await sql.get<{ id: string }>('SELECT id FROM customers WHERE lower(email) = lower(?) ORDER BY created_at, id LIMIT 1', [email]))?.id;
  const map = new Map<string, string>();
  for (const it of items) {
    if (!('row' in it) || it.kind !== 'customers') continue;
    const id = String(it.row.id ?? '');
    if (!id.startsWith('email:')) continue;
    const existing = await byEmail(id.slice(6));
    if (existing) {
      map.set(id, existing);
      it.row = { ...it.row, id: existing };
      delete it.row.name; // keep the store's own name for a known customer
    }
  }
  if (map.size === 0) return;
  for (const it of items) if ('row' in it && it.kind === 'orders' && map.has(String(it.row.customerId))) it.row = { ...it.row, customerId: map.get(String(it.row.customerId)) };
}
