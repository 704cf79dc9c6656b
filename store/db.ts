import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, type MigrationResult } from './migrations.js';

export type DB = Database.Database;

export interface OpenOptions {
  /** Milliseconds a writer waits for a lock held by another connection (default 5000). */
  busyTimeoutMs?: number;
  /** Run pending migrations on open (default true). */
  migrate?: boolean;
  readonly?: boolean;
}

export interface OpenedDatabase {
  db: DB;
  migrations: MigrationResult | null;
}

function configure(db: DB, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  db.pragma('foreign_keys = ON');
  if (!db.memory && !db.readonly) {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode (only a power loss can drop the
    // last commits), and much faster than FULL.
    db.pragma('synchronous = NORMAL');
  }
}

/**
 * Opens (creating the folder and file if needed) the SQLite database at `path` with WAL, foreign
 * keys and a busy timeout, and brings its schema up to date.
 */
export function openDatabase(path: string, opts: OpenOptions = {}): DB {
  return openDatabaseWithReport(path, opts).db;
}

/** Like openDatabase, also telling which migrations were applied. */
export function openDatabaseWithReport(path: string, opts: OpenOptions = {}): OpenedDatabase {
  const file = resolve(path);
  if (!opts.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  try {
    configure(db, opts.busyTimeoutMs ?? 5000);
    const migrations = opts.migrate === false || opts.readonly ? null : migrate(db);
    return { db, migrations };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** A private in-memory database with the full schema, for tests. */
export function openMemory(): DB {
  const db = new Database(':memory:');
  configure(db, 0);
  migrate(db);
  return db;
}

/** Runs `fn` in an IMMEDIATE transaction (takes the write lock up front, no upgrade deadlocks). */
export function writeTransaction<T>(db: DB, fn: () => T): T {
  return db.transaction(fn).immediate();
}
