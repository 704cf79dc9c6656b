import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { copySqliteInto } from '../store/copy.js';
import { openDatabase } from '../store/db.js';
import { migrateSql } from '../store/migrate-sql.js';
import type { Sql } from '../store/sql/executor.js';
import { PostgresSql } from '../store/sql/postgres.js';
import { withDatabase } from './postgres.js';

// Nodes on PostgreSQL that start as fast as on a warm SQLite folder: the warm folder's store (the
// catalogue, customers, orders and the FAQ index's tables) is copied into the database once, and
// the SQLite file is removed from every node's folder, so nothing can quietly keep using it.

/** Copies `<dataDir>/shop.db` into `sql` (a migrated, empty database). */
export async function copyWarmStore(dataDir: string, sql: Sql): Promise<void> {
  const sqlite = openDatabase(join(dataDir, 'shop.db'));
  try {
    await sql.transaction((tx) => copySqliteInto(sqlite, tx));
  } finally {
    sqlite.close();
  }
}

/** Removes the SQLite store from a node's data folder (the node then has only DATABASE_URL). */
export function dropSqliteStore(dataDir: string): void {
  for (const f of ['shop.db', 'shop.db-wal', 'shop.db-shm']) rmSync(join(dataDir, f), { force: true });
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new database on the server of `serverUrl` (a role that may create databases), with the full
 * schema and the warm store of `dataDir` copied in; `drop()` removes it. For the chat bench, which
 * takes any server (`--database-url`), where the tests' `freshPostgres` takes SHOPBOT_TEST_POSTGRES.
 */
export async function scratchDatabase(serverUrl: string, name: string, dataDir: string): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  // C collation: text sorts by code point, as on SQLite (docs/deploy.md).
  await admin(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  const url = withDatabase(serverUrl, name);
  const drop = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  try {
    const sql = new PostgresSql({ connectionString: url, max: 2 });
    try {
      await migrateSql(sql);
      await copyWarmStore(dataDir, sql);
    } finally {
      await sql.close();
    }
  } catch (e) {
    await drop().catch(() => undefined);
    throw e;
  }
  return { url, drop };
}
