// Runs a store test body on both engines: SQLite always, PostgreSQL when SHOPBOT_TEST_POSTGRES
// names a server (otherwise its tests are reported as skipped, never as passed).
//
//   describeEngines('tickets', (engine) => {
//     it('queues a ticket', async () => {
//       const sql = await engine.fresh(); // the full schema, this test's own; gone after it
//       ...
//     });
//   });
//
// A database opened in a test is closed (and on PostgreSQL dropped) after that test; one opened in
// beforeAll, after the describe block.
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe } from 'vitest';
import { openMemory } from '../store/db.js';
import { toPostgres } from '../store/migrate-sql.js';
import type { Dialect, Sql } from '../store/sql/executor.js';
import { PostgresSql } from '../store/sql/postgres.js';
import { SqliteSql } from '../store/sql/sqlite.js';
import { freshPostgres, POSTGRES_URL } from './postgres.js';

export interface FreshOptions {
  /** Apply the migrations (default true); false gives an empty database. */
  migrate?: boolean;
}

export interface Engine {
  readonly name: Dialect;
  /** A database of this test's own (the full schema unless `migrate: false`). */
  fresh(opts?: FreshOptions): Promise<Sql>;
  /**
   * Another connection (PostgreSQL: another pool, as a second node would have) to the database
   * `sql` came from; PostgreSQL only, since a SQLite database serves one process.
   */
  another(sql: Sql): Promise<Sql>;
  /** SQLite DDL as this engine runs it (translated for PostgreSQL, as migrations are). */
  ddl(sqliteDdl: string): string;
}

type Cleanup = () => Promise<void>;

function engine(name: Dialect): { engine: Engine; beforeTest: () => void; afterTest: Cleanup; afterBlock: Cleanup } {
  const perTest: Cleanup[] = [];
  const perBlock: Cleanup[] = [];
  const urls = new WeakMap<Sql, string>();
  let inTest = false;
  const track = (c: Cleanup): void => {
    (inTest ? perTest : perBlock).push(c);
  };
  const drain = (list: Cleanup[]) => async (): Promise<void> => {
    inTest = false;
    while (list.length) await list.pop()!();
  };

  const fresh = async (opts: FreshOptions = {}): Promise<Sql> => {
    if (name === 'sqlite') {
      let db: Database.Database;
      if (opts.migrate === false) {
        db = new Database(':memory:');
        db.pragma('foreign_keys = ON');
      } else db = openMemory();
      const sql = new SqliteSql(db);
      track(async () => {
        if (db.open) db.close();
      });
      return sql;
    }
    const pg = await freshPostgres(opts);
    urls.set(pg.sql, pg.url);
    track(pg.drop);
    return pg.sql;
  };

  const another = async (sql: Sql): Promise<Sql> => {
    const url = urls.get(sql);
    if (!url) throw new Error('another() needs a PostgreSQL database from fresh()');
    const second = new PostgresSql({ connectionString: url, max: 4 });
    // Closed before the database is dropped (cleanups run last in, first out).
    track(() => second.close().catch(() => undefined));
    return second;
  };

  const ddl = (text: string): string => (name === 'postgres' ? toPostgres(text) : text);

  return { engine: { name, fresh, another, ddl }, beforeTest: () => void (inTest = true), afterTest: drain(perTest), afterBlock: drain(perBlock) };
}

/** `describe(name)` with the body once per engine: `name > sqlite > ...`, `name > postgres > ...`. */
export function describeEngines(name: string, body: (engine: Engine) => void): void {
  describe(name, () => {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      describe.skipIf(dialect === 'postgres' && !POSTGRES_URL)(dialect, () => {
        const e = engine(dialect);
        beforeEach(e.beforeTest);
        afterEach(e.afterTest);
        afterAll(e.afterBlock);
        body(e.engine);
      });
    }
  });
}

/** Whether the PostgreSQL half of describeEngines runs (SHOPBOT_TEST_POSTGRES is set). */
export const postgresEnabled = (): boolean => POSTGRES_URL !== undefined;
