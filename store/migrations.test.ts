import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, openDatabaseWithReport, openMemory } from './db.js';
import { isStoreError } from './errors.js';
import { MIGRATIONS, migrate, migrationSql, schemaVersion, validateMigrations, type Migration } from './migrations.js';
import { globToRegex, migrateSql, toPostgres } from './migrate-sql.js';
import { tempDir } from '../testing/store-helpers.js';
import { describeEngines, postgresEnabled } from '../testing/engines.js';
import { freshPostgres } from '../testing/postgres.js';
import { EVENT_TYPES, IDENTITY_CHANNELS, ORDER_STATUSES, TICKET_STATUSES } from './types.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function tmpPath(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return join(t.dir, 'nested', 'folder', 'shop.db');
}

describe('migrations', () => {
  it('creates the folder and applies every migration to a fresh database file', () => {
    const path = tmpPath();
    const { db, migrations } = openDatabaseWithReport(path);
    try {
      expect(existsSync(path)).toBe(true);
      expect(migrations?.applied).toEqual(MIGRATIONS.map((m) => m.version));
      const rows = db.prepare<[], { version: number; name: string; applied_at: string }>('SELECT * FROM schema_migrations ORDER BY version').all();
      expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      for (const r of rows) expect(Number.isNaN(Date.parse(r.applied_at))).toBe(false);
      expect(schemaVersion(db)).toBe(MIGRATIONS.length);
      const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      for (const t of ['products', 'customers', 'channel_identities', 'orders', 'order_lines', 'reviews', 'conversations', 'messages',
        'handoff_tickets', 'agents', 'agent_sessions', 'events', 'bot_state', 'meta', 'products_fts']) {
        expect(tables).toContain(t);
      }
    } finally {
      db.close();
    }
  });

  it('applies nothing when the database is reopened', () => {
    const path = tmpPath();
    openDatabase(path).close();
    const { db, migrations } = openDatabaseWithReport(path);
    try {
      expect(migrations?.applied).toEqual([]);
      expect(migrations?.version).toBe(MIGRATIONS.length);
      expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length });
    } finally {
      db.close();
    }
  });

  it('turns on WAL, foreign keys and a busy timeout', () => {
    const path = tmpPath();
    const db = openDatabase(path, { busyTimeoutMs: 1234 });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
      db.prepare("INSERT INTO meta (key, value, updated_at) VALUES ('k', 'v', 'now')").run();
      expect(existsSync(`${path}-wal`)).toBe(true);
      // foreign keys are enforced
      expect(() =>
        db.prepare("INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES ('web', 'x', 'nobody', 'now')").run(),
      ).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('in-memory databases get the same schema', () => {
    const db = openMemory();
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = tmpPath();
    const db = openDatabase(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 'x')").run();
    db.close();
    expect(() => openDatabase(path)).toThrow(/newer than this code knows/);
  });

  it('refuses when an applied migration has a different name', () => {
    const path = tmpPath();
    const db = openDatabase(path);
    db.prepare("UPDATE schema_migrations SET name = 'renamed' WHERE version = 2").run();
    db.close();
    expect(() => openDatabase(path)).toThrow(/applied as "renamed"/);
  });

  it('rolls a failing migration back completely and keeps the earlier version', () => {
    const path = tmpPath();
    mkdirSync(dirname(path), { recursive: true });
    const raw = new Database(path);
    const list: Migration[] = [
      { version: 1, name: 'one', up: (db) => db.exec('CREATE TABLE one (x INTEGER)') },
      {
        version: 2,
        name: 'two',
        up: (db) => {
          db.exec('CREATE TABLE two (x INTEGER)');
          throw new Error('boom');
        },
      },
    ];
    let err: unknown;
    try {
      migrate(raw, list);
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err, 'migration')).toBe(true);
    expect((err as Error).message).toMatch(/migration 2 \(two\) failed: boom/);
    expect(schemaVersion(raw)).toBe(1);
    const tables = raw.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toContain('one');
    expect(tables).not.toContain('two');
    raw.close();
  });

  it('migration 11 adds teams, password-change and cap columns, VIP customers and ticket re-queue columns', () => {
    const db = openMemory();
    try {
      const cols = (t: string) => db.prepare<[], string>(`SELECT name FROM pragma_table_info('${t}')`).pluck().all();
      expect(cols('teams')).toEqual(['id', 'name', 'skills', 'created_at']);
      expect(cols('team_members')).toEqual(['team_id', 'agent_id', 'added_at']);
      expect(cols('agents')).toEqual(expect.arrayContaining(['must_change_password', 'active', 'max_chats']));
      expect(cols('customers')).toContain('vip');
      expect(cols('handoff_tickets')).toEqual(expect.arrayContaining(['queued_at', 'lapsed_agents', 'team_id']));
      db.prepare('INSERT INTO teams (id, name, skills, created_at) VALUES (?, ?, ?, ?)').run('t1', 'Payments', JSON.stringify(['payments']), 'now');
      expect(() => db.prepare("INSERT INTO teams (id, name, created_at) VALUES ('t2', 'payments', 'now')").run()).toThrow(/UNIQUE/);
      expect(() => db.prepare("INSERT INTO teams (id, name, skills, created_at) VALUES ('t3', 'X', '{}', 'now')").run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO team_members (team_id, agent_id, added_at) VALUES ('t1', 'nobody', 'now')").run()).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('migration 12 adds Messenger threads, message deliveries and read marks', () => {
    const db = openMemory();
    try {
      const cols = (t: string) => db.prepare<[], string>(`SELECT name FROM pragma_table_info('${t}')`).pluck().all();
      expect(cols('messenger_threads')).toEqual(['psid', 'last_inbound_at']);
      expect(cols('message_deliveries')).toEqual(['message_id', 'channel', 'recipient', 'status', 'reason', 'attempts', 'external_id', 'sent_at', 'updated_at']);
      expect(cols('read_marks')).toEqual(['conversation_id', 'reader', 'seq', 'read_at']);
      db.prepare("INSERT INTO conversations (id, channel, started_at, updated_at, source) VALUES ('v', 'web', 'now', 'now', 'live')").run();
      const msg = db.prepare("INSERT INTO messages (conversation_id, seq, direction, role, channel, text, created_at) VALUES ('v', 1, 'out', 'agent', 'web', 'hi', 'now')").run().lastInsertRowid;
      db.prepare("INSERT INTO message_deliveries (message_id, channel, status, updated_at) VALUES (?, 'web', 'sent', 'now')").run(msg);
      expect(() => db.prepare("INSERT INTO message_deliveries (message_id, channel, status, updated_at) VALUES (999, 'web', 'sent', 'now')").run()).toThrow(/FOREIGN KEY/);
      expect(() => db.prepare("UPDATE message_deliveries SET status = 'lost'").run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO read_marks (conversation_id, reader, seq, read_at) VALUES ('v', 'bot', 1, 'now')").run()).toThrow(/CHECK/);
      db.prepare("INSERT INTO read_marks (conversation_id, reader, seq, read_at) VALUES ('v', 'customer', 1, 'now')").run();
      db.prepare("DELETE FROM conversations WHERE id = 'v'").run();
      expect(db.prepare('SELECT (SELECT count(*) FROM message_deliveries) + (SELECT count(*) FROM read_marks) AS n').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('validates the migration list itself', () => {
    expect(() => validateMigrations(MIGRATIONS)).not.toThrow();
    expect(() => validateMigrations([{ version: 2, name: 'a', up: () => {} }])).toThrow(/expected 1/);
    expect(() =>
      validateMigrations([
        { version: 1, name: 'a', up: () => {} },
        { version: 2, name: 'a', up: () => {} },
      ]),
    ).toThrow(/unique/);
  });

  it('CHECK constraints accept exactly the enum values the TypeScript types declare', () => {
    const db = openMemory();
    db.prepare("INSERT INTO customers (id, name, created_at) VALUES ('c', 'C', 'now')").run();
    db.prepare("INSERT INTO products (id, title, category, price, currency, source) VALUES ('p', 'P', 'x', 1, 'INR', 't')").run();
    db.prepare("INSERT INTO conversations (id, channel, started_at, updated_at, source) VALUES ('v', 'web', 'now', 'now', 'live')").run();
    db.prepare("INSERT INTO agents (id, name, email, password_hash, created_at) VALUES ('a', 'A', 'a@x', 'h', 'now')").run();
    for (const ch of IDENTITY_CHANNELS) {
      db.prepare("INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES (?, 'e', 'c', 'now')").run(ch);
    }
    expect(() => db.prepare("INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES ('fax', 'e', 'c', 'now')").run()).toThrow(/CHECK/);
    for (const [i, s] of ORDER_STATUSES.entries()) {
      db.prepare(`INSERT INTO orders (id, customer_id, status, created_at, updated_at, ship_line1, ship_city, ship_postcode, ship_country)
        VALUES (?, 'c', ?, 'now', 'now', 'l', 'c', 'p', 'x')`).run(`o${i}`, s);
    }
    expect(() =>
      db.prepare(`INSERT INTO orders (id, customer_id, status, created_at, updated_at, ship_line1, ship_city, ship_postcode, ship_country)
        VALUES ('bad', 'c', 'lost', 'now', 'now', 'l', 'c', 'p', 'x')`).run(),
    ).toThrow(/CHECK/);
    for (const s of TICKET_STATUSES) {
      db.prepare("INSERT INTO handoff_tickets (conversation_id, status, reason, agent_id, created_at) VALUES ('v', ?, 'r', 'a', 'now')").run(s);
      db.prepare("UPDATE handoff_tickets SET status = 'resolved'").run(); // keep the one-open-ticket index happy
    }
    for (const t of EVENT_TYPES) {
      db.prepare("INSERT INTO events (customer_id, product_id, type, ts) VALUES ('c', 'p', ?, 'now')").run(t);
    }
    expect(() => db.prepare("INSERT INTO events (customer_id, product_id, type, ts) VALUES ('c', 'p', 'like', 'now')").run()).toThrow(/CHECK/);
    db.close();
  });
});

// ---- PostgreSQL: the same history through migrateSql (store/migrate-sql.ts) ----

describe('toPostgres (SQLite DDL as PostgreSQL runs it)', () => {
  it('translates types, identity keys, blobs, byte lengths and WITHOUT ROWID', () => {
    expect(
      toPostgres(`CREATE TABLE t (
        id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL, x REAL, v BLOB,
        text TEXT CHECK (length(CAST(text AS BLOB)) <= 10), note TEXT DEFAULT 'INTEGER REAL BLOB' -- INTEGER
      ) WITHOUT ROWID`),
    ).toBe(`CREATE TABLE t (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT NOT NULL, x DOUBLE PRECISION, v BYTEA,
        text TEXT CHECK (octet_length(text) <= 10), note TEXT DEFAULT 'INTEGER REAL BLOB' 
      );`);
  });

  it('turns COLLATE NOCASE into lower() indexes, unique where the column is', () => {
    expect(toPostgres('CREATE TABLE IF NOT EXISTS a (id TEXT PRIMARY KEY COLLATE NOCASE, email TEXT NOT NULL UNIQUE COLLATE NOCASE, c TEXT COLLATE NOCASE, CHECK (c <> \'x, y\'))').split('\n')).toEqual([
      "CREATE TABLE IF NOT EXISTS a (id TEXT PRIMARY KEY, email TEXT NOT NULL, c TEXT, CHECK (c <> 'x, y'));",
      'CREATE UNIQUE INDEX IF NOT EXISTS a_id_lower ON a (lower(id));',
      'CREATE UNIQUE INDEX IF NOT EXISTS a_email_lower ON a (lower(email));',
      'CREATE INDEX IF NOT EXISTS a_c_lower ON a (lower(c));',
    ]);
    expect(toPostgres('ALTER TABLE a ADD COLUMN d TEXT COLLATE NOCASE').split('\n')).toEqual(['ALTER TABLE a ADD COLUMN d TEXT;', 'CREATE INDEX a_d_lower ON a (lower(d));']);
    expect(() => toPostgres('SELECT x FROM a ORDER BY x COLLATE NOCASE')).toThrow(/COLLATE NOCASE outside/);
  });

  it('turns GLOB into a regular expression and the clock defaults into the same text', () => {
    expect(globToRegex('*[^a-z0-9_-]*')).toBe('^.*[^a-z0-9_-].*$');
    expect(globToRegex('a?.b*')).toBe('^a.\\.b.*$');
    expect(toPostgres("CREATE TABLE g (s TEXT CHECK (NOT s GLOB '*[^a-z]*'))")).toBe("CREATE TABLE g (s TEXT CHECK (NOT s ~ '^.*[^a-z].*$'));");
    expect(toPostgres("CREATE TABLE d (at TEXT NOT NULL DEFAULT (datetime('now')), ms TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))")).toBe(
      `CREATE TABLE d (at TEXT NOT NULL DEFAULT (to_char((statement_timestamp() AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24:MI:SS')), ms TEXT DEFAULT (to_char((statement_timestamp() AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));`,
    );
  });

  it('refuses what has no mechanical translation, so such a migration gets a postgres form', () => {
    for (const ddl of [
      'CREATE VIRTUAL TABLE f USING fts5 (a)',
      'CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END',
      'INSERT OR IGNORE INTO t VALUES (1)',
      'UPDATE t SET a = (SELECT value FROM json_each(t.b))',
      "CREATE TABLE d (at TEXT DEFAULT (datetime('now', '+1 day')))",
    ]) {
      expect(() => toPostgres(ddl), ddl).toThrow(/no mechanical PostgreSQL form/);
    }
  });

  it('translates every shipped migration that has no postgres form', () => {
    for (const m of MIGRATIONS) {
      if (m.postgres) continue;
      const ddl = migrationSql(m);
      expect(ddl, `migration ${m.version} is plain SQL or has a postgres form`).toBeDefined();
      expect(() => toPostgres(ddl!), `migration ${m.version} (${m.name})`).not.toThrow();
    }
  });
});

describeEngines('migrateSql', (engine) => {
  it('applies the full history to an empty database, and nothing the second time', async () => {
    const sql = await engine.fresh({ migrate: false });
    const first = await migrateSql(sql, MIGRATIONS, () => Date.parse('2026-12-03T10:00:00.000Z'));
    expect(first).toEqual({ applied: MIGRATIONS.map((m) => m.version), version: MIGRATIONS.length });
    expect(await sql.all('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: '2026-12-03T10:00:00.000Z' })),
    );
    expect(await migrateSql(sql)).toEqual({ applied: [], version: MIGRATIONS.length });
    expect(await sql.get('SELECT count(*) AS n FROM schema_migrations')).toEqual({ n: MIGRATIONS.length });
  });

  it('refuses a database written by a newer schema or with another name for a version', async () => {
    const sql = await engine.fresh();
    await sql.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 'x')");
    await expect(migrateSql(sql)).rejects.toThrow(/newer than this code knows/);
    await sql.run('DELETE FROM schema_migrations WHERE version = 999');
    await sql.run("UPDATE schema_migrations SET name = 'renamed' WHERE version = 2");
    await expect(migrateSql(sql)).rejects.toThrow(/applied as "renamed"/);
  });

  it('rolls a failing migration back completely and keeps the earlier version', async () => {
    const sql = await engine.fresh({ migrate: false });
    const list: Migration[] = [
      { version: 1, name: 'one', up: (db) => db.exec('CREATE TABLE one (x INTEGER)'), postgres: 'CREATE TABLE one (x BIGINT)' },
      {
        version: 2,
        name: 'two',
        up: (db) => {
          db.exec('CREATE TABLE two (x INTEGER)');
          throw new Error('boom');
        },
        postgres: async (tx) => {
          await tx.exec('CREATE TABLE two (x BIGINT)');
          throw new Error('boom');
        },
      },
    ];
    const err = await migrateSql(sql, list).catch((e: unknown) => e);
    expect(isStoreError(err, 'migration')).toBe(true);
    expect((err as Error).message).toMatch(/migration 2 \(two\) failed: boom/);
    expect(await sql.all('SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
    expect(await sql.get('SELECT count(*) AS n FROM one')).toEqual({ n: 0 });
    await expect(sql.get('SELECT count(*) AS n FROM two')).rejects.toThrow(/two/);
  });

  // One process per SQLite file: there, migrate()'s IMMEDIATE transactions cover it.
  it.skipIf(engine.name === 'sqlite')('applies each migration once when several nodes start at the same time', async () => {
    const sql = await engine.fresh({ migrate: false });
    const nodes = [sql, await engine.another(sql), await engine.another(sql)];
    const results = await Promise.all(nodes.map((n) => migrateSql(n)));
    expect(results.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(results.map((r) => r.version)).toEqual(nodes.map(() => MIGRATIONS.length));
  });

  it.skipIf(engine.name === 'postgres')('leaves SQLite exactly as migrate() does', async () => {
    const sql = await engine.fresh({ migrate: false });
    await migrateSql(sql);
    const reference = openMemory();
    const schema = 'SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name';
    expect(await sql.all(schema)).toEqual(reference.prepare(schema).all());
    reference.close();
  });
});

describe.skipIf(!postgresEnabled())('the PostgreSQL schema', () => {
  it('has the tables, columns (names, order, types, nullability) and indexes SQLite has', async () => {
    const pg = await freshPostgres();
    const sqlite = openMemory();
    try {
      // FTS5's table and its shadow tables are SQLite's; PostgreSQL has an index (products_fts) instead.
      const tables = sqlite
        .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'products_fts%' ORDER BY name")
        .pluck()
        .all();
      const TYPES: Record<string, string> = { INTEGER: 'bigint', REAL: 'double precision', TEXT: 'text', BLOB: 'bytea' };
      const expected = tables.map((t) => ({
        table: t,
        columns: sqlite
          .prepare<[string], { name: string; type: string; notnull: number; pk: number }>('SELECT name, type, "notnull", pk FROM pragma_table_info(?)')
          .all(t)
          .map((c) => `${c.name} ${TYPES[c.type] ?? c.type}${c.notnull || c.pk ? ' not null' : ''}`),
      }));
      const pgColumns = await pg.sql.all<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
        `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
         WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
      );
      const actual = [...new Set(pgColumns.map((c) => c.table_name))].sort().map((t) => ({
        table: t,
        columns: pgColumns.filter((c) => c.table_name === t).map((c) => `${c.column_name} ${c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}`),
      }));
      expect(actual).toEqual(expected);

      const sqliteIndexes = sqlite.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all();
      const pgIndexes = (await pg.sql.all<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()')).map((r) => r.indexname);
      expect(pgIndexes).toEqual(expect.arrayContaining([...sqliteIndexes, 'products_fts']));
    } finally {
      sqlite.close();
      await pg.drop();
    }
  });
});
