// PostgreSQL for the tests: SHOPBOT_TEST_POSTGRES names a server (postgres://user:pw@host:port/db,
// a role that may create databases; `.ci/run` starts one). Each test gets a database of its own,
// cloned from a template that holds the full schema (built once per schema, under an advisory lock,
// so parallel test files build it once), and dropped after the test.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { migrateSql } from '../store/migrate-sql.js';
import { PostgresSql } from '../store/sql/postgres.js';

/** The test server's URL, or undefined when the PostgreSQL tests are to be skipped. */
export const POSTGRES_URL: string | undefined = process.env.SHOPBOT_TEST_POSTGRES || undefined;

const TEMPLATE_LOCK = 0x5b07_0003;
const PREFIX = 'shopbot_test_';

/** `url` with another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function serverUrl(): string {
  if (!POSTGRES_URL) throw new Error('SHOPBOT_TEST_POSTGRES is not set');
  return POSTGRES_URL;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The schema's template database name: changes whenever the migrations or their translation do. */
function templateName(): string {
  const root = resolve(import.meta.dirname, '..');
  const hash = createHash('sha256');
  for (const f of ['store/migrations.ts', 'store/migrate-sql.ts']) hash.update(readFileSync(resolve(root, f)));
  return `${PREFIX}tpl_${hash.digest('hex').slice(0, 12)}`;
}

let template: Promise<string> | undefined;

/** The template with the full schema, built if this server does not have it yet. */
export function schemaTemplate(): Promise<string> {
  template ??= withAdmin(async (admin) => {
    const name = templateName();
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      const have = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (have.rowCount) return name;
      // Built under another name and renamed, so a template is never seen half-built.
      const building = `${name}_b${process.pid}`;
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      await admin.query(`CREATE DATABASE ${building} TEMPLATE template0`);
      const sql = new PostgresSql({ connectionString: withDatabase(serverUrl(), building), max: 1 });
      try {
        await migrateSql(sql);
      } finally {
        await sql.close();
      }
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      // Templates of older schemas are of no more use (one in use by a clone just stays).
      const old = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}tpl\\_%' AND datname <> $1`, [name]);
      for (const r of old.rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname}`).catch(() => undefined);
      return name;
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  return template;
}

let counter = 0;

export interface FreshPostgres {
  sql: PostgresSql;
  /** The database's URL, for a second connection (another "node"). */
  url: string;
  /** Closes every connection to the database and drops it. */
  drop: () => Promise<void>;
}

/** A database of its own: the full schema (default), or empty with `migrate: false`. */
export async function freshPostgres(opts: { migrate?: boolean } = {}): Promise<FreshPostgres> {
  const from = opts.migrate === false ? 'template0' : await schemaTemplate();
  const name = `${PREFIX}${process.pid}_${++counter}_${Date.now().toString(36)}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${from}`));
  const url = withDatabase(serverUrl(), name);
  const sql = new PostgresSql({ connectionString: url, max: 4 });
  return {
    sql,
    url,
    drop: async () => {
      await sql.close().catch(() => undefined);
      // FORCE ends the tests' own sessions; a session of another role (someone watching
      // pg_stat_activity on a shared server) cannot be ended, and the throwaway database then stays.
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch((err: Error) => {
        if (!/member of the role whose process is being terminated/.test(err.message)) throw err;
      });
    },
  };
}
