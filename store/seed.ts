import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../core/config.js';
import { formatLineErrors, readJsonl, type LineError } from '../core/jsonl.js';
import { progress } from '../core/progress.js';
import { hashPassword, verifyPasswordHash } from './agents.js';
import { openMemory, type DB } from './db.js';
import { copySqliteInto } from './copy.js';
import type { Sql } from './sql/executor.js';
import { SqliteSql } from './sql/sqlite.js';
import type { OrderRow } from './orders.js';
import { checkProductUrl, demoProductUrl, type ProductRow } from './products.js';
import type { ReviewRow } from './reviews.js';
import { MAX_ID_BYTES, MAX_SHORT_BYTES } from './text.js';
import { EVENT_TYPES, IDENTITY_CHANNELS, ROLES, type EventType, type IdentityChannel, type OrderStatus, type Role, type StaffRole } from './types.js';
import { arr, id, Invalid, num, obj, oneOf, optId, optNum, optStr, ref, str, text, time, validator, type Obj } from './validate.js';

// Loads the demo store from fixtures/store/*.jsonl. Every file is read and validated first (bad rows
// are reported with file:line and skipped), then everything is written in ONE transaction, so a
// crash or error mid-way leaves the previous database exactly as it was. Rows are upserted by id
// and only rewritten when a value differs, so seeding the same fixtures twice changes nothing.

/** Bump when seeding logic changes in a way that should make seedIfNeeded re-run. */
export const SEED_FORMAT = 2;

export const REQUIRED_FILES = ['products.jsonl', 'customers.jsonl', 'orders.jsonl', 'reviews.jsonl', 'transcripts.jsonl'] as const;
export const OPTIONAL_FILES = ['events.jsonl'] as const;

interface DemoStaff {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly skills: readonly string[];
  readonly role: StaffRole;
  readonly defaultPassword: string;
}

/**
 * Demo-only support agent created by the seed; an admin, so the demo can approve learned answers.
 * Never use the default password outside a demo.
 */
export const DEMO_AGENT = {
  id: 'agent-anna',
  name: 'Anna',
  email: 'agent@example.com',
  skills: ['orders', 'payments', 'product'],
  role: 'admin',
  /** Demo only: override with SHOPBOT_AGENT_PASSWORD. */
  defaultPassword: 'demo-agent',
} as const satisfies DemoStaff;

/** Demo-only product-team account (reads insights, cannot take chats). */
export const DEMO_PRODUCT = {
  id: 'staff-pat',
  name: 'Pat (product)',
  email: 'product@example.com',
  skills: [],
  role: 'product',
  /** Demo only: override with SHOPBOT_PRODUCT_PASSWORD. */
  defaultPassword: 'demo-product',
} as const satisfies DemoStaff;

/** Fixture statuses; 'return_requested' only arises at runtime but is accepted too. */
const FIXTURE_ORDER_STATUSES: readonly OrderStatus[] = ['processing', 'shipped', 'delivered', 'cancelled', 'return_requested', 'returned'];

export type SeedTable = 'products' | 'customers' | 'identities' | 'orders' | 'reviews' | 'transcripts' | 'messages' | 'events' | 'agents';
export const SEED_TABLES: readonly SeedTable[] = ['products', 'customers', 'identities', 'orders', 'reviews', 'transcripts', 'messages', 'events', 'agents'];

export interface TableCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface RejectedRow {
  file: string;
  line: number;
  error: string;
}

export interface SeedReport {
  dir: string;
  fingerprint: string;
  /** True when seedIfNeeded found the database already seeded with these fixtures. */
  skipped: boolean;
  /**
   * PostgreSQL (seedSqlIfNeeded): the database holds a catalogue seeded from other fixtures (or none
   * of the demo's), which the start-up seed leaves as it is: it only fills an empty database.
   */
  outdated?: boolean;
  tables: Record<SeedTable, TableCounts>;
  rejected: RejectedRow[];
  durationMs: number;
}

export interface SeedOptions {
  /** No progress bars or report on stderr. Defaults to SHOPBOT_QUIET=1. */
  silent?: boolean;
  stream?: NodeJS.WriteStream;
  /** Demo agent password; defaults to SHOPBOT_AGENT_PASSWORD, then the documented demo default. */
  agentPassword?: string;
  /** Demo product-team password; defaults to SHOPBOT_PRODUCT_PASSWORD, then the documented demo default. */
  productPassword?: string;
  /** Called before each row is written, inside the transaction (tests use it to inject failures). */
  onRow?: (table: SeedTable, index: number) => void;
}

export class SeedError extends Error {
  constructor(
    message: string,
    readonly missing: string[] = [],
  ) {
    super(message);
    this.name = 'SeedError';
  }
}

/** The folder holding the *.jsonl files: `dir/store` if it exists, else `dir` itself. */
export function resolveFixturesDir(dir: string): string {
  const nested = join(dir, 'store');
  return existsSync(nested) && statSync(nested).isDirectory() ? resolve(nested) : resolve(dir);
}

function missingFiles(dir: string): string[] {
  return REQUIRED_FILES.filter((f) => !existsSync(join(dir, f)));
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** sha256 over the names and contents of the fixture files (content-based: mtimes do not matter). */
export async function fixturesFingerprint(fixturesDir: string): Promise<string> {
  const dir = resolveFixturesDir(fixturesDir);
  const h = createHash('sha256').update(`seed-format:${SEED_FORMAT}\n`);
  for (const f of [...REQUIRED_FILES, ...OPTIONAL_FILES]) {
    const p = join(dir, f);
    h.update(`${f}:${existsSync(p) ? await sha256File(p) : 'absent'}\n`);
  }
  return h.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Validated rows (snake_case, ready to bind)

type ProductIn = ProductRow;

interface CustomerIn {
  id: string;
  name: string;
  email: string | null;
  country: string | null;
  created_at: string;
  identities: { channel: IdentityChannel; external_id: string }[];
}

type OrderIn = Omit<OrderRow, 'return_reason'> & { lines: { line_no: number; product_id: string; qty: number; unit_price: number }[] };

type ReviewIn = ReviewRow;

interface TranscriptIn {
  id: string;
  customer_id: string | null;
  channel: string;
  started_at: string;
  updated_at: string;
  intent: string | null;
  category: string | null;
  resolution: string | null;
  origin: string | null;
  filled: string | null;
  turns: { role: Role; text: string; ts: string }[];
}

interface EventIn {
  customer_id: string;
  product_id: string;
  type: EventType;
  ts: string;
}

interface Known {
  products: Set<string>;
  customers: Set<string>;
  /** "channel\0external_id" -> customer id */
  identities: Map<string, string>;
}

function unique(seen: Set<string>, value: string, what: string): void {
  if (seen.has(value)) throw new Invalid(`duplicate ${what} id ${JSON.stringify(value)} (an earlier line already defines it)`);
}

function productValidator(seen: Set<string>) {
  return validator<ProductIn>((o) => {
    const row: ProductIn = {
      id: id(o, 'id'),
      title: str(o, 'title', { maxBytes: 4 * MAX_SHORT_BYTES }),
      description: text(o, 'description'),
      category: str(o, 'category', { maxBytes: MAX_ID_BYTES }),
      price: num(o, 'price', { min: 0 }),
      currency: str(o, 'currency', { maxBytes: 3 }).toUpperCase(),
      stock: num(o, 'stock', { min: 0, int: true }),
      image: optStr(o, 'image', { maxBytes: 4096 }),
      rating: optNum(o, 'rating', { min: 0, max: 5 }),
      rating_count: optNum(o, 'rating_count', { min: 0, int: true }),
      source: str(o, 'source', { maxBytes: MAX_ID_BYTES }),
      // The product's page; the demo catalogue (no url in the fixtures) opens on the demo store page.
      url: o.url === undefined || o.url === null ? demoProductUrl(id(o, 'id')) : checkProductUrl(o.url),
    };
    if (row.url === null) throw new Invalid(`"url" must be a path on the store's site ("/p/1") or an http(s) URL, got ${JSON.stringify(o.url).slice(0, 100)}`);
    if (!/^[A-Z]{3}$/.test(row.currency)) throw new Invalid(`"currency" must be a 3-letter ISO 4217 code, got ${JSON.stringify(row.currency)}`);
    unique(seen, row.id, 'product');
    seen.add(row.id);
    return row;
  });
}

function customerValidator(seen: Set<string>, known: Known) {
  return validator<CustomerIn>((o) => {
    const cid = id(o, 'id');
    const email = optStr(o, 'email', { maxBytes: MAX_SHORT_BYTES });
    if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new Invalid(`"email" is not an e-mail address: ${JSON.stringify(email)}`);
    const identities = (o.identities === undefined || o.identities === null ? [] : arr(o, 'identities')).map((v, i) => {
      const path = `identities[${i}]`;
      const io = obj(v, path);
      return { channel: oneOf(io, 'channel', IDENTITY_CHANNELS, `${path}.channel`), external_id: id(io, 'external_id', `${path}.external_id`) };
    });
    const row: CustomerIn = {
      id: cid,
      name: str(o, 'name'),
      email,
      country: optStr(o, 'country', { maxBytes: MAX_ID_BYTES }),
      created_at: time(o, 'created_at'),
      identities,
    };
    unique(seen, cid, 'customer');
    for (const [i, ident] of identities.entries()) {
      const owner = known.identities.get(`${ident.channel}\0${ident.external_id}`);
      if (owner !== undefined && owner !== cid) {
        throw new Invalid(`"identities[${i}]": ${ident.channel} identity ${JSON.stringify(ident.external_id)} already belongs to customer ${JSON.stringify(owner)}`);
      }
    }
    seen.add(cid);
    for (const ident of identities) known.identities.set(`${ident.channel}\0${ident.external_id}`, cid);
    return row;
  });
}

function orderValidator(seen: Set<string>, known: Known) {
  return validator<OrderIn>((o) => {
    const oid = id(o, 'id');
    const created = time(o, 'created_at');
    const addr = obj(o.shipping_address === undefined ? undefined : o.shipping_address, 'shipping_address');
    const lines = arr(o, 'lines').map((v, i) => {
      const path = `lines[${i}]`;
      const lo = obj(v, path);
      return {
        line_no: i + 1,
        product_id: ref(id(lo, 'product_id', `${path}.product_id`), known.products, 'product', `${path}.product_id`),
        qty: num(lo, 'qty', { min: 1, int: true }, `${path}.qty`),
        unit_price: num(lo, 'unit_price', { min: 0 }, `${path}.unit_price`),
      };
    });
    if (lines.length === 0) throw new Invalid('"lines" must not be empty');
    const row: OrderIn = {
      id: oid,
      customer_id: ref(id(o, 'customer_id'), known.customers, 'customer', 'customer_id'),
      status: oneOf(o, 'status', FIXTURE_ORDER_STATUSES),
      created_at: created,
      updated_at: o.updated_at === undefined || o.updated_at === null ? created : time(o, 'updated_at'),
      tracking: optStr(o, 'tracking', { maxBytes: MAX_ID_BYTES }),
      carrier: optStr(o, 'carrier', { maxBytes: MAX_ID_BYTES }),
      ship_line1: str(addr, 'line1', {}, 'shipping_address.line1'),
      ship_city: str(addr, 'city', {}, 'shipping_address.city'),
      ship_postcode: str(addr, 'postcode', { maxBytes: MAX_ID_BYTES }, 'shipping_address.postcode'),
      ship_country: str(addr, 'country', { maxBytes: MAX_ID_BYTES }, 'shipping_address.country'),
      lines,
    };
    unique(seen, oid, 'order');
    seen.add(oid);
    return row;
  });
}

function reviewValidator(seen: Set<string>, known: Known) {
  return validator<ReviewIn>((o) => {
    const customer = optId(o, 'customer_id');
    const row: ReviewIn = {
      id: id(o, 'id'),
      product_id: ref(id(o, 'product_id'), known.products, 'product', 'product_id'),
      customer_id: customer === null ? null : ref(customer, known.customers, 'customer', 'customer_id'),
      rating: num(o, 'rating', { min: 1, max: 5, int: true }),
      title: optStr(o, 'title', { maxBytes: 4 * MAX_SHORT_BYTES, empty: true }) ?? '',
      text: text(o, 'text'),
      date: time(o, 'date'),
      source: str(o, 'source', { maxBytes: MAX_ID_BYTES }),
    };
    unique(seen, row.id, 'review');
    seen.add(row.id);
    return row;
  });
}

function transcriptValidator(seen: Set<string>, known: Known) {
  return validator<TranscriptIn>((o) => {
    const customer = optId(o, 'customer_id');
    const started = time(o, 'started_at');
    const turns = arr(o, 'turns').map((v, i) => {
      const path = `turns[${i}]`;
      const t = obj(v, path);
      return { role: oneOf(t, 'role', ROLES, `${path}.role`), text: text(t, 'text', `${path}.text`), ts: time(t, 'ts', `${path}.ts`) };
    });
    if (turns.length === 0) throw new Invalid('"turns" must not be empty');
    let filled: string | null = null;
    if (o.filled !== undefined && o.filled !== null) filled = JSON.stringify(obj(o.filled, 'filled'));
    const last = turns.reduce((m, t) => (t.ts > m ? t.ts : m), started);
    const row: TranscriptIn = {
      id: id(o, 'id'),
      customer_id: customer === null ? null : ref(customer, known.customers, 'customer', 'customer_id'),
      channel: str(o, 'channel', { maxBytes: 64 }),
      started_at: started,
      updated_at: last,
      intent: optStr(o, 'intent', { maxBytes: MAX_ID_BYTES }),
      category: optStr(o, 'category', { maxBytes: MAX_ID_BYTES }),
      resolution: optStr(o, 'resolution', { maxBytes: MAX_SHORT_BYTES, empty: true }),
      origin: optStr(o, 'source', { maxBytes: MAX_ID_BYTES }),
      filled,
      turns,
    };
    unique(seen, row.id, 'transcript');
    seen.add(row.id);
    return row;
  });
}

function eventValidator(known: Known) {
  return validator<EventIn>((o: Obj) => ({
    customer_id: ref(id(o, 'customer_id'), known.customers, 'customer', 'customer_id'),
    product_id: ref(id(o, 'product_id'), known.products, 'product', 'product_id'),
    type: oneOf(o, 'type', EVENT_TYPES),
    ts: time(o, 'ts'),
  }));
}

// ---------------------------------------------------------------------------------------------
// Writing

type Outcome = 'inserted' | 'updated' | 'unchanged';

interface Upsert<P> {
  insert: { run(p: P): { changes: number } };
  update: { run(p: P): { changes: number } };
}

/** INSERT … ON CONFLICT DO NOTHING, then UPDATE … WHERE some column differs. */
function upsert<P>(u: Upsert<P>, params: P): Outcome {
  if (u.insert.run(params).changes === 1) return 'inserted';
  return u.update.run(params).changes === 1 ? 'updated' : 'unchanged';
}

/** Builds the INSERT-or-IGNORE and the UPDATE-if-different statements for a table keyed by `keys`. */
function prepUpsert<P>(db: DB, table: string, keys: readonly string[], columns: readonly string[]): Upsert<P> {
  const all = [...keys, ...columns];
  const insert = db.prepare<[P]>(
    `INSERT INTO ${table} (${all.join(', ')}) VALUES (${all.map((c) => `@${c}`).join(', ')}) ON CONFLICT (${keys.join(', ')}) DO NOTHING`,
  );
  const update = db.prepare<[P]>(
    `UPDATE ${table} SET ${columns.map((c) => `${c} = @${c}`).join(', ')}
     WHERE ${keys.map((k) => `${k} = @${k}`).join(' AND ')} AND (${columns.map((c) => `${c} IS NOT @${c}`).join(' OR ')})`,
  );
  return { insert, update };
}

const emptyCounts = (): TableCounts => ({ inserted: 0, updated: 0, unchanged: 0, rejected: 0 });

/** A one-line-per-table summary plus the rejected rows, for stderr. */
export function formatSeedReport(r: SeedReport): string {
  const out: string[] = [];
  out.push(r.skipped ? `seed: ${r.dir} already seeded with these fixtures (${r.fingerprint.slice(0, 12)}); nothing to do` : `seed: ${r.dir} (fixtures ${r.fingerprint.slice(0, 12)}) in ${r.durationMs} ms`);
  if (!r.skipped) {
    out.push(`  ${'table'.padEnd(12)} ${'inserted'.padStart(9)} ${'updated'.padStart(9)} ${'unchanged'.padStart(9)} ${'rejected'.padStart(9)}`);
    for (const t of SEED_TABLES) {
      const c = r.tables[t];
      out.push(`  ${t.padEnd(12)} ${String(c.inserted).padStart(9)} ${String(c.updated).padStart(9)} ${String(c.unchanged).padStart(9)} ${String(c.rejected).padStart(9)}`);
    }
  }
  const byFile = new Map<string, LineError[]>();
  for (const e of r.rejected) byFile.set(e.file, [...(byFile.get(e.file) ?? []), { line: e.line, error: e.error }]);
  for (const [file, errors] of byFile) out.push(formatLineErrors(file, errors));
  return out.join('\n');
}

interface Parsed {
  products: ProductIn[];
  customers: CustomerIn[];
  orders: OrderIn[];
  reviews: ReviewIn[];
  transcripts: TranscriptIn[];
  events: EventIn[];
}

/**
 * Seeds `db` from the fixtures in `fixturesDir` (or `fixturesDir/store`). Throws SeedError if a
 * required file is missing (nothing is written); otherwise returns (and, unless silent, prints to
 * stderr) a report of inserted / updated / unchanged / rejected rows per table.
 */
/** The demo staff passwords a configuration sets, as seed options. */
export function demoPasswords(config: Pick<Config, 'demoStaff'>): { agentPassword?: string; productPassword?: string } {
  return { ...(config.demoStaff.agentPassword ? { agentPassword: config.demoStaff.agentPassword } : {}), ...(config.demoStaff.productPassword ? { productPassword: config.demoStaff.productPassword } : {}) };
}

export async function seed(db: DB, fixturesDir: string, opts: SeedOptions = {}): Promise<SeedReport> {
  const started = Date.now();
  const silent = opts.silent ?? false;
  const stream = opts.stream ?? process.stderr;
  const dir = resolveFixturesDir(fixturesDir);
  const missing = missingFiles(dir);
  if (missing.length > 0) throw new SeedError(`missing fixture file(s) in ${dir}: ${missing.join(', ')}`, missing);
  const fingerprint = await fixturesFingerprint(dir);

  const tables = Object.fromEntries(SEED_TABLES.map((t) => [t, emptyCounts()])) as Record<SeedTable, TableCounts>;
  const rejected: RejectedRow[] = [];

  // What already exists counts as a valid reference target.
  const known: Known = {
    products: new Set(db.prepare<[], string>('SELECT id FROM products').pluck().all()),
    customers: new Set(db.prepare<[], string>('SELECT id FROM customers').pluck().all()),
    identities: new Map(
      db
        .prepare<[], { channel: string; external_id: string; customer_id: string }>('SELECT channel, external_id, customer_id FROM channel_identities')
        .all()
        .map((r) => [`${r.channel}\0${r.external_id}`, r.customer_id]),
    ),
  };

  const read = async <T>(file: string, table: SeedTable, validate: (v: unknown) => T | string): Promise<T[]> => {
    const path = join(dir, file);
    if (!existsSync(path)) return [];
    const { rows, errors } = await readJsonl(path, validate);
    tables[table].rejected += errors.length;
    for (const e of errors) rejected.push({ file, line: e.line, error: e.error });
    return rows;
  };

  const parsed: Parsed = {
    products: await read('products.jsonl', 'products', productValidator(new Set())),
    customers: [],
    orders: [],
    reviews: [],
    transcripts: [],
    events: [],
  };
  for (const p of parsed.products) known.products.add(p.id);
  parsed.customers = await read('customers.jsonl', 'customers', customerValidator(new Set(), known));
  for (const c of parsed.customers) known.customers.add(c.id);
  parsed.orders = await read('orders.jsonl', 'orders', orderValidator(new Set(), known));
  parsed.reviews = await read('reviews.jsonl', 'reviews', reviewValidator(new Set(), known));
  parsed.transcripts = await read('transcripts.jsonl', 'transcripts', transcriptValidator(new Set(), known));
  parsed.events = await read('events.jsonl', 'events', eventValidator(known));

  const staffPlans = [
    await planDemoStaff(db, DEMO_AGENT, opts.agentPassword ?? DEMO_AGENT.defaultPassword),
    await planDemoStaff(db, DEMO_PRODUCT, opts.productPassword ?? DEMO_PRODUCT.defaultPassword),
  ];

  const write = db.transaction(() => {
    writeAll(db, parsed, tables, { silent, stream, onRow: opts.onRow });
    staffPlans.forEach((plan, i) => {
      opts.onRow?.('agents', i);
      tables.agents[applyDemoStaff(db, plan)]++;
    });
    const setMeta = db.prepare<[string, string, string]>(
      'INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at WHERE value IS NOT excluded.value',
    );
    const now = new Date().toISOString();
    setMeta.run('fixtures_fingerprint', fingerprint, now);
    setMeta.run('seed_format', String(SEED_FORMAT), now);
  });
  write.immediate();

  const report: SeedReport = { dir, fingerprint, skipped: false, tables, rejected, durationMs: Date.now() - started };
  if (!silent) stream.write(`${formatSeedReport(report)}\n`);
  return report;
}

function writeAll(
  db: DB,
  data: Parsed,
  tables: Record<SeedTable, TableCounts>,
  io: { silent: boolean; stream: NodeJS.WriteStream; onRow: SeedOptions['onRow'] },
): void {
  const bar = (label: string, total: number) => progress(`seed ${label}`, total, { silent: io.silent, stream: io.stream });
  const count = (table: SeedTable, o: Outcome) => tables[table][o]++;

  // products
  const products = prepUpsert<ProductIn>(db, 'products', ['id'], [
    'title', 'description', 'category', 'price', 'currency', 'stock', 'image', 'rating', 'rating_count', 'source', 'url',
  ]);
  let p = bar('products', data.products.length);
  data.products.forEach((row, i) => {
    io.onRow?.('products', i);
    count('products', upsert(products, row));
    p.tick();
  });
  p.done();

  // customers + identities
  const customers = prepUpsert<Omit<CustomerIn, 'identities'>>(db, 'customers', ['id'], ['name', 'email', 'country', 'created_at']);
  const identity = db.prepare<[string, string, string, string]>(
    'INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING',
  );
  const identityOwner = db.prepare<[string, string], string>('SELECT customer_id FROM channel_identities WHERE channel = ? AND external_id = ?').pluck();
  p = bar('customers', data.customers.length);
  data.customers.forEach((row, i) => {
    io.onRow?.('customers', i);
    const { identities, ...c } = row;
    count('customers', upsert(customers, c));
    for (const ident of identities) {
      if (identity.run(ident.channel, ident.external_id, c.id, c.created_at).changes === 1) {
        count('identities', 'inserted');
      } else if (identityOwner.get(ident.channel, ident.external_id) === c.id) {
        count('identities', 'unchanged');
      } else {
        throw new Error(`${ident.channel} identity ${ident.external_id} changed owner during the seed`);
      }
    }
    p.tick();
  });
  p.done();

  // orders + lines
  const orders = prepUpsert<Omit<OrderIn, 'lines'>>(db, 'orders', ['id'], [
    'customer_id', 'status', 'created_at', 'updated_at', 'tracking', 'carrier', 'ship_line1', 'ship_city', 'ship_postcode', 'ship_country',
  ]);
  const linesOf = db.prepare<[string], { line_no: number; product_id: string; qty: number; unit_price: number }>(
    'SELECT line_no, product_id, qty, unit_price FROM order_lines WHERE order_id = ? ORDER BY line_no',
  );
  const deleteLines = db.prepare<[string]>('DELETE FROM order_lines WHERE order_id = ?');
  const insertLine = db.prepare<[string, number, string, number, number]>(
    'INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price) VALUES (?, ?, ?, ?, ?)',
  );
  p = bar('orders', data.orders.length);
  data.orders.forEach((row, i) => {
    io.onRow?.('orders', i);
    const { lines, ...o } = row;
    let outcome = upsert(orders, { ...o });
    const current = linesOf.all(o.id);
    const same =
      current.length === lines.length &&
      current.every((c, k) => {
        const n = lines[k]!;
        return c.line_no === n.line_no && c.product_id === n.product_id && c.qty === n.qty && c.unit_price === n.unit_price;
      });
    if (!same) {
      deleteLines.run(o.id);
      for (const l of lines) insertLine.run(o.id, l.line_no, l.product_id, l.qty, l.unit_price);
      if (outcome === 'unchanged') outcome = 'updated';
    }
    count('orders', outcome);
    p.tick();
  });
  p.done();

  // reviews
  const reviews = prepUpsert<ReviewIn>(db, 'reviews', ['id'], ['product_id', 'customer_id', 'rating', 'title', 'text', 'date', 'source']);
  p = bar('reviews', data.reviews.length);
  data.reviews.forEach((row, i) => {
    io.onRow?.('reviews', i);
    count('reviews', upsert(reviews, row));
    p.tick();
  });
  p.done();

  // historical transcripts -> conversations + messages
  type ConvParams = Omit<TranscriptIn, 'turns'> & { status: 'closed'; handoff: 'none'; source: 'historical' };
  const convs = prepUpsert<ConvParams>(db, 'conversations', ['id'], [
    'customer_id', 'channel', 'started_at', 'updated_at', 'status', 'handoff', 'source', 'intent', 'category', 'resolution', 'origin', 'filled',
  ]);
  interface MsgParams {
    conversation_id: string;
    seq: number;
    customer_id: string | null;
    direction: 'in' | 'out';
    role: Role;
    channel: string;
    text: string;
    payload: null;
    intent: null;
    confidence: null;
    sentiment: null;
    sentiment_score: null;
    created_at: string;
  }
  const msgs = prepUpsert<MsgParams>(db, 'messages', ['conversation_id', 'seq'], [
    'customer_id', 'direction', 'role', 'channel', 'text', 'payload', 'intent', 'confidence', 'sentiment', 'sentiment_score', 'created_at',
  ]);
  const trimMessages = db.prepare<[string, number]>('DELETE FROM messages WHERE conversation_id = ? AND seq > ?');
  p = bar('transcripts', data.transcripts.length);
  data.transcripts.forEach((row, i) => {
    io.onRow?.('transcripts', i);
    const { turns, ...c } = row;
    let outcome = upsert(convs, { ...c, status: 'closed', handoff: 'none', source: 'historical' });
    let messagesChanged = false;
    turns.forEach((t, k) => {
      const m = upsert(msgs, {
        conversation_id: c.id,
        seq: k + 1,
        customer_id: c.customer_id,
        direction: t.role === 'customer' ? 'in' : 'out',
        role: t.role,
        channel: c.channel,
        text: t.text,
        payload: null,
        intent: null,
        confidence: null,
        sentiment: null,
        sentiment_score: null,
        created_at: t.ts,
      });
      count('messages', m);
      if (m !== 'unchanged') messagesChanged = true;
    });
    const removed = trimMessages.run(c.id, turns.length).changes;
    if ((messagesChanged || removed > 0) && outcome === 'unchanged') outcome = 'updated';
    count('transcripts', outcome);
    p.tick();
  });
  p.done();

  // behavioural events (keyed by their natural key; no ids in the fixtures)
  const events = db.prepare<[EventIn]>(
    `INSERT INTO events (customer_id, product_id, type, context, ts, origin) VALUES (@customer_id, @product_id, @type, NULL, @ts, 'seed')
     ON CONFLICT (customer_id, product_id, type, ts) WHERE origin = 'seed' DO NOTHING`,
  );
  if (data.events.length > 0) {
    p = bar('events', data.events.length);
    data.events.forEach((row, i) => {
      io.onRow?.('events', i);
      count('events', events.run(row).changes === 1 ? 'inserted' : 'unchanged');
      p.tick();
    });
    p.done();
  }
}

interface StaffPlan {
  action: 'insert' | 'update' | 'none';
  id: string;
  staff: DemoStaff;
  hash: string | null;
}

/** Decides (outside the transaction: scrypt is async) what to do about one demo staff account. */
async function planDemoStaff(db: DB, staff: DemoStaff, password: string): Promise<StaffPlan> {
  const row = db
    .prepare<[string], { id: string; name: string; skills: string; role: string; password_hash: string }>('SELECT id, name, skills, role, password_hash FROM agents WHERE email = ?')
    .get(staff.email);
  if (!row) return { action: 'insert', id: staff.id, staff, hash: await hashPassword(password) };
  const sameProfile = row.name === staff.name && row.skills === JSON.stringify(staff.skills) && row.role === staff.role;
  const samePassword = await verifyPasswordHash(password, row.password_hash);
  if (sameProfile && samePassword) return { action: 'none', id: row.id, staff, hash: null };
  return { action: 'update', id: row.id, staff, hash: samePassword ? row.password_hash : await hashPassword(password) };
}

function applyDemoStaff(db: DB, plan: StaffPlan): Outcome {
  const { staff } = plan;
  if (plan.action === 'none') return 'unchanged';
  if (plan.action === 'insert') {
    db.prepare<[string, string, string, string, string, string, string]>(
      'INSERT INTO agents (id, name, email, password_hash, skills, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(plan.id, staff.name, staff.email, plan.hash!, JSON.stringify(staff.skills), staff.role, new Date().toISOString());
    return 'inserted';
  }
  db.prepare<[string, string, string, string, string]>('UPDATE agents SET name = ?, skills = ?, role = ?, password_hash = ? WHERE id = ?').run(
    staff.name,
    JSON.stringify(staff.skills),
    staff.role,
    plan.hash!,
    plan.id,
  );
  return 'updated';
}

/** The fingerprint of the fixtures the database was last seeded with, or null. */
export function seededFingerprint(db: DB): string | null {
  const get = db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck();
  const format = get.get('seed_format');
  if (format !== String(SEED_FORMAT)) return null;
  return get.get('fixtures_fingerprint') ?? null;
}

function skippedReport(dir: string, fingerprint: string, started: number): SeedReport {
  return {
    dir,
    fingerprint,
    skipped: true,
    tables: Object.fromEntries(SEED_TABLES.map((t) => [t, emptyCounts()])) as Record<SeedTable, TableCounts>,
    rejected: [],
    durationMs: Date.now() - started,
  };
}

/**
 * Seeds unless the database was already seeded with exactly these fixtures (same content
 * fingerprint); the check costs one hash of the files and one query.
 */
export async function seedIfNeeded(db: DB, fixturesDir: string, opts: SeedOptions = {}): Promise<SeedReport> {
  const started = Date.now();
  const dir = resolveFixturesDir(fixturesDir);
  const missing = missingFiles(dir);
  if (missing.length > 0) throw new SeedError(`missing fixture file(s) in ${dir}: ${missing.join(', ')}`, missing);
  const fingerprint = await fixturesFingerprint(dir);
  if (seededFingerprint(db) === fingerprint) return skippedReport(dir, fingerprint, started);
  return seed(db, dir, opts);
}

/** The fingerprint a database of either engine was last seeded with, or null. */
async function seededFingerprintOf(sql: Sql): Promise<string | null> {
  const get = async (key: string) => (await sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key]))?.value;
  if ((await get('seed_format')) !== String(SEED_FORMAT)) return null;
  return (await get('fixtures_fingerprint')) ?? null;
}

/**
 * seedIfNeeded on either engine. SQLite: seedIfNeeded on its connection, as always. PostgreSQL: an
 * empty database (never seeded, no products) gets the fixtures seeded into an in-memory SQLite
 * database (the same validation, report and demo staff) and copied over in one transaction, so nodes
 * starting at once seed it once; a database seeded already is left as it is (`outdated` when that was
 * from other fixtures: changes to a live PostgreSQL catalogue go through the admin API or the import).
 */
export async function seedSqlIfNeeded(sql: Sql, fixturesDir: string, opts: SeedOptions = {}): Promise<SeedReport> {
  if (sql instanceof SqliteSql) return seedIfNeeded(sql.connection, fixturesDir, opts);
  const started = Date.now();
  const dir = resolveFixturesDir(fixturesDir);
  const missing = missingFiles(dir);
  if (missing.length > 0) throw new SeedError(`missing fixture file(s) in ${dir}: ${missing.join(', ')}`, missing);
  const fingerprint = await fixturesFingerprint(dir);
  const state = async (s: Sql): Promise<'seeded' | 'outdated' | 'empty'> => {
    const seeded = await seededFingerprintOf(s);
    if (seeded === fingerprint) return 'seeded';
    return seeded !== null || (await s.get('SELECT 1 AS one FROM products LIMIT 1')) ? 'outdated' : 'empty';
  };
  const before = await state(sql);
  if (before !== 'empty') return { ...skippedReport(dir, fingerprint, started), ...(before === 'outdated' ? { outdated: true } : {}) };
  const memory = openMemory();
  try {
    const report = await seed(memory, dir, opts);
    return await sql.transaction(async (tx) => {
      const now = await state(tx); // another node may have seeded it meanwhile
      if (now !== 'empty') return { ...skippedReport(dir, fingerprint, started), ...(now === 'outdated' ? { outdated: true } : {}) };
      await copySqliteInto(memory, tx);
      return { ...report, durationMs: Date.now() - started };
    });
  } finally {
    memory.close();
  }
}

/** Seeds only when the catalogue is empty (first start of the demo); otherwise does nothing. */
export async function seedIfEmpty(db: DB, fixturesDir: string, opts: SeedOptions = {}): Promise<SeedReport | null> {
  const n = db.prepare<[], number>('SELECT count(*) FROM products').pluck().get() ?? 0;
  return n === 0 ? seed(db, fixturesDir, opts) : null;
}
