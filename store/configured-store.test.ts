import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copySqliteInto } from './copy.js';
import { openConfiguredStore, openMemoryStore, type Store } from './index.js';
import { seedSqlIfNeeded } from './seed.js';
import { freshPostgres, type FreshPostgres } from '../testing/postgres.js';
import { postgresEnabled } from '../testing/engines.js';
import { baseFixtures, product, tempDir, writeFixtures } from '../testing/store-helpers.js';

// The store the app opens: the embedded SQLite file by default, PostgreSQL with DATABASE_URL (its
// schema migrated on open, the demo fixtures seeded into an empty database once, however many nodes
// start at once).

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function fixtures(set = baseFixtures()): string {
  const t = tempDir('shopbot-fixtures-');
  cleanups.push(t.cleanup);
  writeFixtures(t.dir, set);
  return t.dir;
}

describe('openConfiguredStore', () => {
  it('opens the SQLite file when no DATABASE_URL is set, as openStore does', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const store = await openConfiguredStore({ databaseUrl: null, dbPath: join(t.dir, 'data', 'shop.db') });
    cleanups.push(() => store.close());
    expect(store.sql.dialect).toBe('sqlite');
    expect(store.db).not.toBeNull();
    const report = await seedSqlIfNeeded(store.sql, fixtures(), { silent: true, agentPassword: 'test-password' });
    expect(report.skipped).toBe(false);
    expect(await store.products.count()).toBe(3);
  });
});

describe.skipIf(!postgresEnabled())('openConfiguredStore with DATABASE_URL (PostgreSQL)', () => {
  const empty = async (): Promise<FreshPostgres> => {
    const pg = await freshPostgres({ migrate: false });
    cleanups.push(pg.drop);
    return pg;
  };
  const open = async (url: string): Promise<Store> => {
    const store = await openConfiguredStore({ databaseUrl: url, dbPath: '/nonexistent/shop.db' }, { poolSize: 4, log: () => undefined });
    cleanups.push(() => store.close());
    return store;
  };

  it('migrates an empty database, builds every repository on it, and seeds the fixtures once', async () => {
    const pg = await empty();
    const store = await open(pg.url);
    expect(store.sql.dialect).toBe('postgres');
    expect(store.db).toBeNull();
    const dir = fixtures();
    const first = await seedSqlIfNeeded(store.sql, dir, { silent: true, agentPassword: 'test-password' });
    expect(first).toMatchObject({ skipped: false });
    expect(first.tables.products.inserted).toBe(3);
    expect(await store.products.count()).toBe(3);
    expect((await store.products.search('wireless headphones'))[0]?.id).toBe('P1');
    expect((await store.customers.findByIdentity('messenger', 'psid-c1'))?.id).toBe('C1');
    expect((await store.orders.get('O1'))?.lines.map((l) => l.productId)).toEqual(['P1', 'P2']);
    expect((await store.agents.verifyPassword('agent@example.com', 'test-password'))?.name).toBe('Anna');
    // Ids copied from the seed: new rows continue after them.
    const before = await store.sql.get<{ n: number }>('SELECT max(id) AS n FROM events');
    expect(await store.events.record({ customerId: 'C1', productId: 'P3', type: 'view' })).toBe(before!.n + 1);
    // A second start (another node) finds it seeded.
    const other = await open(pg.url);
    expect(await seedSqlIfNeeded(other.sql, dir, { silent: true })).toMatchObject({ skipped: true });
    expect(await other.products.count()).toBe(3);
  });

  it('seeds once when two nodes start on an empty database at the same time', async () => {
    const pg = await empty();
    const [a, b] = await Promise.all([open(pg.url), open(pg.url)]);
    const dir = fixtures();
    const reports = await Promise.all([seedSqlIfNeeded(a.sql, dir, { silent: true }), seedSqlIfNeeded(b.sql, dir, { silent: true })]);
    expect(reports.filter((r) => !r.skipped)).toHaveLength(1);
    expect(await a.products.count()).toBe(3);
    expect(Number((await a.sql.get<{ n: number }>('SELECT count(*) AS n FROM order_lines'))!.n)).toBe(3);
  });

  it('leaves a database with a catalogue of its own as it is', async () => {
    const pg = await empty();
    const store = await open(pg.url);
    await seedSqlIfNeeded(store.sql, fixtures(), { silent: true });
    const set = baseFixtures();
    set.products.push(product('P9', { title: 'Steel water bottle' }));
    const report = await seedSqlIfNeeded(store.sql, fixtures(set), { silent: true });
    expect(report).toMatchObject({ skipped: true, outdated: true });
    expect(await store.products.get('P9')).toBeUndefined();
  });

  it('copies a SQLite store into PostgreSQL, parents first, keeping rows already there', async () => {
    const pg = await freshPostgres();
    cleanups.push(pg.drop);
    const from = openMemoryStore();
    cleanups.push(() => from.close());
    const c = await from.customers.create({ id: 'C1', name: 'Asha' });
    const conv = await from.conversations.create({ customerId: c.id, channel: 'web' });
    await from.conversations.appendMessage(conv.id, { role: 'customer', text: 'hello' });
    await from.state.put('k', { v: 1 });
    await pg.sql.run("INSERT INTO customers (id, name, created_at) VALUES ('C1', 'Kept', '2026-01-01T00:00:00.000Z')");
    const copied = await pg.sql.transaction((tx) => copySqliteInto(from.db, tx));
    expect(copied).toMatchObject({ customers: 0, conversations: 1, messages: 1, bot_state: 1 });
    expect(copied).not.toHaveProperty('products_fts');
    expect(copied).not.toHaveProperty('schema_migrations');
    expect((await pg.sql.get<{ name: string }>("SELECT name FROM customers WHERE id = 'C1'"))!.name).toBe('Kept');
    const id = await pg.sql.get<{ id: number }>("INSERT INTO messages (conversation_id, seq, direction, role, channel, text, created_at) VALUES (?, 2, 'out', 'bot', 'web', 'hi', '2026-01-01T00:00:00.000Z') RETURNING id", [conv.id]);
    expect(id!.id).toBe(2);
  });
});

