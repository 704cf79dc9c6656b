// Shared helpers for the store tests (not a test file itself): temp folders with real SQLite files
// and small fixture sets.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DB } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { createStore, type SqliteStore } from '../store/index.js';

export function tempDir(prefix = 'shopbot-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A migrated database file in a fresh temp folder, with all repositories. */
export function tempStore(now?: () => number): { store: SqliteStore; db: DB; path: string; dir: string; cleanup: () => void } {
  const t = tempDir();
  const path = join(t.dir, 'data', 'shop.db');
  const db = openDatabase(path);
  const store = createStore(db, now);
  return {
    store,
    db,
    path,
    dir: t.dir,
    cleanup: () => {
      if (db.open) db.close();
      t.cleanup();
    },
  };
}

/** A controllable clock. */
export function clock(start = Date.parse('2026-01-01T10:00:00.000Z')): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export type Row = Record<string, unknown>;

export const product = (id: string, over: Row = {}): Row => ({
  id,
  title: `Product ${id}`,
  description: `Description of ${id}`,
  category: 'Electronics > Audio',
  price: 100,
  currency: 'INR',
  stock: 5,
  image: null,
  rating: 4.2,
  rating_count: 10,
  source: 'test',
  ...over,
});

export const customer = (id: string, over: Row = {}): Row => ({
  id,
  name: `Customer ${id}`,
  email: `${id.toLowerCase()}@example.org`,
  country: 'India',
  created_at: '2024-01-01T00:00:00.000Z',
  identities: [{ channel: 'web', external_id: `web-${id}` }],
  ...over,
});

export const order = (id: string, customerId: string, productIds: string[], over: Row = {}): Row => ({
  id,
  customer_id: customerId,
  status: 'delivered',
  created_at: '2024-02-01T10:00:00.000Z',
  updated_at: '2024-02-03T10:00:00.000Z',
  tracking: 'TRK123',
  carrier: 'BlueDart',
  shipping_address: { line1: '1 MG Road', city: 'Bengaluru', postcode: '560001', country: 'India' },
  lines: productIds.map((p) => ({ product_id: p, qty: 1, unit_price: 100 })),
  ...over,
});

export const review = (id: string, productId: string, over: Row = {}): Row => ({
  id,
  product_id: productId,
  customer_id: null,
  rating: 4,
  title: 'Good',
  text: 'Works well',
  date: '2024-03-01T00:00:00.000Z',
  source: 'test',
  ...over,
});

export const transcript = (id: string, over: Row = {}): Row => ({
  id,
  customer_id: null,
  channel: 'web',
  intent: 'order_status',
  category: 'orders',
  started_at: '2024-04-01T09:00:00.000Z',
  resolution: 'resolved',
  source: 'test',
  turns: [
    { role: 'customer', text: 'Where is my order?', ts: '2024-04-01T09:00:00.000Z' },
    { role: 'agent', text: 'It ships tomorrow.', ts: '2024-04-01T09:01:00.000Z' },
  ],
  ...over,
});

export const event = (customerId: string, productId: string, type = 'view', ts = '2024-05-01T00:00:00.000Z'): Row => ({
  customer_id: customerId,
  product_id: productId,
  type,
  ts,
});

export interface FixtureSet {
  products?: (Row | string)[];
  customers?: (Row | string)[];
  orders?: (Row | string)[];
  reviews?: (Row | string)[];
  transcripts?: (Row | string)[];
  events?: (Row | string)[] | null;
}

/** A small consistent fixture set: 3 products, 2 customers, 2 orders, 3 reviews, 2 transcripts, events. */
export function baseFixtures(): Required<FixtureSet> {
  return {
    products: [
      product('P1', { title: 'Wireless Bluetooth Headphones', description: 'Over-ear headphones with noise cancelling', price: 2999, stock: 3 }),
      product('P2', { title: 'USB-C Charging Cable', description: 'Braided cable, 1 metre', category: 'Electronics > Cables', price: 299, stock: 0 }),
      product('P3', { title: 'Ceramic Coffee Mug', description: 'Dishwasher safe mug', category: 'Home & Kitchen', price: 349, stock: 12 }),
    ],
    customers: [
      customer('C1', { identities: [{ channel: 'web', external_id: 'web-c1' }, { channel: 'messenger', external_id: 'psid-c1' }] }),
      customer('C2'),
    ],
    orders: [order('O1', 'C1', ['P1', 'P2']), order('O2', 'C2', ['P3'], { status: 'processing', tracking: null, carrier: null })],
    reviews: [review('R1', 'P1', { rating: 5 }), review('R2', 'P1', { rating: 3, customer_id: 'C1' }), review('R3', 'P3')],
    transcripts: [transcript('T1', { customer_id: 'C1' }), transcript('T2', { intent: null, filled: { order_id: 'O1' } })],
    events: [event('C1', 'P1', 'view'), event('C1', 'P1', 'add_to_cart', '2024-05-01T00:01:00.000Z'), event('C2', 'P3', 'purchase')],
  };
}

/** Writes the fixture files (rows as JSON, strings verbatim as raw lines) into `dir`. */
export function writeFixtures(dir: string, set: FixtureSet): void {
  const files: [keyof FixtureSet, string][] = [
    ['products', 'products.jsonl'],
    ['customers', 'customers.jsonl'],
    ['orders', 'orders.jsonl'],
    ['reviews', 'reviews.jsonl'],
    ['transcripts', 'transcripts.jsonl'],
    ['events', 'events.jsonl'],
  ];
  for (const [key, file] of files) {
    const rows = set[key];
    if (rows === undefined || rows === null) continue;
    writeFileSync(join(dir, file), rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  }
}

export function countRows(db: DB, table: string): number {
  return db.prepare<[], number>(`SELECT count(*) FROM ${table}`).pluck().get() ?? 0;
}

/** Row counts of every seeded table, for before/after comparisons. */
export function snapshotCounts(db: DB): Record<string, number> {
  const tables = ['products', 'customers', 'channel_identities', 'orders', 'order_lines', 'reviews', 'conversations', 'messages', 'events', 'agents', 'meta'];
  return Object.fromEntries(tables.map((t) => [t, countRows(db, t)]));
}

/** A temp database seeded (silently) with `baseFixtures()` or the given set. */
export async function seededStore(set: FixtureSet = baseFixtures(), now?: () => number) {
  const t = tempStore(now);
  const fixturesDir = join(t.dir, 'fixtures');
  mkdirSync(fixturesDir);
  writeFixtures(fixturesDir, set);
  const { seed } = await import('../store/seed.js');
  const report = await seed(t.db, fixturesDir, { silent: true, agentPassword: 'test-password' });
  return { ...t, fixturesDir, report };
}

/** The StoreError that `fn` throws; fails the test when it throws nothing or something else. */
export function errorOf(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError');
}

/** The StoreError that the promise (or async `fn`) rejects with; fails the test when it resolves or rejects with something else. */
export async function rejectionOf(p: Promise<unknown> | (() => Promise<unknown>)): Promise<StoreError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError');
}
