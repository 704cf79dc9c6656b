import pg from 'pg';
import type { RunResult, Sql, SqlParams, SqlValue } from './executor.js';
import { bindNumbered, NumberedCache } from './placeholders.js';

// PostgreSQL (node-postgres) behind the async contract. A pool of connections; statements outside a
// transaction run on any of them (autocommit). A transaction takes one connection for its whole
// length, so nothing else can join it, and nested calls become savepoints on that connection.
//
// Rows look like SQLite's: BIGINT (ids, counts, ms timestamps) and NUMERIC (sum, avg) come back as
// JS numbers, not strings (exact up to 2^53); booleans the server computes (`a = b AS same`) come
// back as 1/0, as SQLite returns them; JSON values come back as their text. Values bind like
// SQLite's: true/false as 1/0 (the schema keeps flags as INTEGER 0/1 columns on both engines),
// bigint as its decimal text, Buffers as bytea.
//
// Transactions behave as on SQLite: one writer at a time. Each takes a store-wide advisory lock
// (pg_advisory_xact_lock) after BEGIN, the counterpart of SQLite's BEGIN IMMEDIATE, so transactions
// on every node run one after another and read-then-write code stays correct under READ COMMITTED.
// Within one process they also queue in order, without holding a pooled connection while they wait.

const { Pool } = pg;

/** The advisory lock every write transaction takes (any constant; advisory locks are per database). */
export const WRITE_LOCK = 0x5b07_0001;

const INT8 = 20;
const NUMERIC = 1700;
const BOOL = 16;
const JSON_OID = 114;
const JSONB = 3802;

function parseInt8(v: string): number {
  return Number(v);
}

const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
    switch (oid) {
      case INT8:
        return parseInt8;
      case NUMERIC:
        return (v: string) => Number(v);
      case BOOL:
        return (v: string) => (v === 't' ? 1 : 0);
      case JSON_OID:
      case JSONB:
        return (v: string) => v;
      default:
        return pg.types.getTypeParser(oid, 'text');
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function value(v: SqlValue): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return v.toString();
  return v;
}

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** Statements on one queryable (the pool, or a transaction's connection). */
class Direct implements Sql {
  readonly dialect = 'postgres' as const;
  constructor(
    protected readonly target: Queryable,
    protected readonly statements: NumberedCache,
    private readonly depth = 0,
  ) {}

  protected async query(text: string, params: SqlParams | undefined): Promise<pg.QueryResult> {
    const stmt = this.statements.get(text);
    const values = bindNumbered(stmt, params).map(value);
    return this.target.query({ text: stmt.text, values });
  }

  async all<T>(text: string, params?: SqlParams): Promise<T[]> {
    return (await this.query(text, params)).rows as T[];
  }

  async get<T>(text: string, params?: SqlParams): Promise<T | undefined> {
    return (await this.query(text, params)).rows[0] as T | undefined;
  }

  async run(text: string, params?: SqlParams): Promise<RunResult> {
    return { changes: (await this.query(text, params)).rowCount ?? 0 };
  }

  async exec(text: string): Promise<void> {
    // No values: the simple query protocol, which takes several statements at once.
    await this.target.query(text);
  }

  /** Nested transaction inside an open one: a savepoint. */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const name = `sp${this.depth + 1}`;
    await this.target.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn(new Direct(this.target, this.statements, this.depth + 1));
      await this.target.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (e) {
      await this.target.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.target.query(`RELEASE SAVEPOINT ${name}`);
      throw e;
    }
  }

  async close(): Promise<void> {
    throw new Error('close the Sql the transaction was opened on, not the transaction');
  }
}

export interface PostgresOptions {
  /** postgres://user:password@host:port/database (DATABASE_URL). */
  connectionString: string;
  /** Most connections the pool opens (default 10). */
  max?: number;
  /** Milliseconds to wait for a connection before failing (default 10000). */
  connectionTimeoutMillis?: number;
  /** Called when an idle pooled connection fails (the server restarted, a network error). */
  onIdleError?: (e: Error) => void;
}

export class PostgresSql extends Direct {
  /** Settles when the transaction now open (and every one queued before it) has finished. */
  private tail: Promise<void> = Promise.resolve();
  private readonly owned: pg.Pool;

  constructor(opts: PostgresOptions) {
    const pool = new Pool({
      connectionString: opts.connectionString,
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 10_000,
      types: typeParsers,
    });
    // An idle connection that dies must not take the process with it; the pool opens a new one.
    pool.on('error', (e) => opts.onIdleError?.(e));
    super(pool, new NumberedCache());
    this.owned = pool;
  }

  /** The pool, for components that speak PostgreSQL themselves (the socket.io adapter). */
  get pool(): pg.Pool {
    return this.owned;
  }

  override async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    try {
      await before;
      const client = await this.owned.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN').catch((e: Error) => {
          broken = e;
          throw e;
        });
        try {
          await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
          const result = await fn(new Direct(client, this.statements));
          await client.query('COMMIT');
          return result;
        } catch (e) {
          // A connection that cannot even roll back is gone: it is destroyed, not pooled again.
          await client.query('ROLLBACK').catch((r: Error) => (broken = r));
          throw e;
        }
      } finally {
        client.release(broken);
      }
    } finally {
      release();
    }
  }

  override async close(): Promise<void> {
    await this.owned.end();
  }
}
