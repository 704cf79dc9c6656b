import pg from 'pg';
import { scopeList, type RunResult, type Sql, type SqlParams, type SqlValue, type TransactionOptions } from './executor.js';
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
//
// Scoped transactions (`transaction(fn, { scope })`, issue #19: the cluster's throughput) take the
// store-wide lock in SHARED mode and an exclusive lock on each scope they name
// (pg_advisory_xact_lock(SCOPE_SPACE, hashtext(scope)), in sorted order), so transactions of
// different scopes run side by side, on one node or several, while an unscoped one still runs alone
// (its exclusive store-wide lock excludes every scoped one, and a scoped one every unscoped one).
// In-process they wait, without a connection, only for what their locks would make them wait for:
// earlier unscoped transactions and earlier ones of the same scope; unscoped ones still wait for
// every earlier transaction. At most `max - reserve` scoped transactions hold a pooled connection at
// once (waiting for a lock included), so statements outside transactions always find one.

const { Pool } = pg;

/** The advisory lock every write transaction takes (any constant; advisory locks are per database). */
export const WRITE_LOCK = 0x5b07_0001;
/**
 * The class (first key of the two-int form) of the scope locks. Distinct from sql/cluster.ts's turn,
 * leader and attachment classes (0x5b07_0010..12); the one-bigint WRITE_LOCK lives in another key
 * space (pg_locks.objsubid 1, the two-int form 2), so it never collides with a scope either.
 */
export const SCOPE_SPACE = 0x5b07_0013;

/** `SELECT pg_advisory_xact_lock($1, hashtext($2)), ...` for `n` scopes after `first` parameters. */
function scopeLocks(n: number, first: number): string {
  return Array.from({ length: n }, (_, i) => `pg_advisory_xact_lock($${first + 1}, hashtext($${first + i + 2}))`).join(', ');
}

/** First come, first served slots (scoped transactions holding a pooled connection). */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async take(): Promise<void> {
    if (this.free > 0 && this.waiting.length === 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

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
    /** The scopes the open transaction holds (null: unscoped, it holds the whole store). */
    private readonly held: Set<string> | null = null,
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

  /**
   * Nested transaction inside an open one: a savepoint. A scope the open transaction does not hold
   * is locked first (before the savepoint, so that it lasts until the outer transaction ends; taking
   * scopes in two orders can deadlock, which PostgreSQL detects and refuses one of them).
   */
  async transaction<T>(fn: (tx: Sql) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    const missing = this.held ? scopeList(opts?.scope).filter((s) => !this.held!.has(s)) : [];
    if (missing.length > 0) {
      await this.target.query(`SELECT ${scopeLocks(missing.length, 0)}`, [SCOPE_SPACE, ...missing]);
      for (const s of missing) this.held!.add(s);
    }
    const name = `sp${this.depth + 1}`;
    await this.target.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn(new Direct(this.target, this.statements, this.depth + 1, this.held));
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
  /** Most connections the pool opens (default 20). */
  max?: number;
  /** Milliseconds to wait for a connection before failing (default 10000). */
  connectionTimeoutMillis?: number;
  /** Called when an idle pooled connection fails (the server restarted, a network error). */
  onIdleError?: (e: Error) => void;
}

/** The pool's default size: room for scoped transactions side by side and the statements outside them. */
export const DEFAULT_POOL_MAX = 20;

export class PostgresSql extends Direct {
  /** Every transaction of this process not finished yet (an unscoped one waits for them all). */
  private readonly open = new Set<Promise<void>>();
  /** Settles when the latest unscoped transaction (and so every one before it) has finished. */
  private exclusiveTail: Promise<void> = Promise.resolve();
  /** Per scope: settles when the latest transaction of that scope has finished. */
  private readonly scopeTails = new Map<string, Promise<void>>();
  /** Connections scoped transactions may hold at once; the rest of the pool is left to statements. */
  private readonly slots: Slots;
  private readonly owned: pg.Pool;

  constructor(opts: PostgresOptions) {
    const max = opts.max ?? DEFAULT_POOL_MAX;
    const pool = new Pool({
      connectionString: opts.connectionString,
      max,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 10_000,
      types: typeParsers,
    });
    // An idle connection that dies must not take the process with it; the pool opens a new one.
    pool.on('error', (e) => opts.onIdleError?.(e));
    super(pool, new NumberedCache());
    this.owned = pool;
    // A quarter of the pool (at least one connection, at most 4) stays free of scoped transactions.
    this.slots = new Slots(Math.max(1, max - Math.min(4, Math.max(1, Math.floor(max / 4)))));
  }

  /** The pool, for components that speak PostgreSQL themselves (the socket.io adapter). */
  get pool(): pg.Pool {
    return this.owned;
  }

  override async transaction<T>(fn: (tx: Sql) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    const scopes = scopeList(opts?.scope);
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    // Unscoped: after every earlier transaction of this process, in order (as before scopes).
    // Scoped: after earlier unscoped ones and earlier ones of the same scope (what its locks would
    // wait for anyway), without holding a connection meanwhile.
    const before: Promise<unknown> = scopes.length === 0 ? Promise.all(this.open) : Promise.all([this.exclusiveTail, ...scopes.map((s) => this.scopeTails.get(s))]);
    if (scopes.length === 0) this.exclusiveTail = done;
    for (const s of scopes) this.scopeTails.set(s, done);
    this.open.add(done);
    let slot = false;
    try {
      await before;
      if (scopes.length > 0) {
        await this.slots.take();
        slot = true;
      }
      const client = await this.owned.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN').catch((e: Error) => {
          broken = e;
          throw e;
        });
        try {
          if (scopes.length === 0) await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
          // One round trip; a select list is evaluated left to right: the shared lock, then the scopes.
          else await client.query(`SELECT pg_advisory_xact_lock_shared($1), ${scopeLocks(scopes.length, 1)}`, [WRITE_LOCK, SCOPE_SPACE, ...scopes]);
          const result = await fn(new Direct(client, this.statements, 0, scopes.length === 0 ? null : new Set(scopes)));
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
      if (slot) this.slots.give();
      this.open.delete(done);
      for (const s of scopes) if (this.scopeTails.get(s) === done) this.scopeTails.delete(s);
      release();
    }
  }

  override async close(): Promise<void> {
    await this.owned.end();
  }
}
