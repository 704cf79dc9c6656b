import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, openDatabaseWithReport, openMemory } from './db.js';
import { isStoreError } from './errors.js';
import { MIGRATIONS, migrate, schemaVersion, validateMigrations, type Migration } from './migrations.js';
import { tempDir } from '../testing/store-helpers.js';
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
