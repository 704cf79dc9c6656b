import type Database from 'better-sqlite3';
import { scopeList, type RunResult, type Sql, type SqlParams, type SqlValue, type TransactionOptions } from './executor.js';

// better-sqlite3 behind the async contract. Statements run synchronously underneath (that is
// what makes SQLite fast here); the promise only keeps one interface for both engines. One
// connection serves everything, so a transaction must keep other callers out while its `fn`
// awaits: they queue behind it instead of silently joining it.

type Bound = unknown[] | [Record<string, unknown>];
type Stmt = Database.Statement<unknown[], unknown>;

const MAX_CACHED = 500;

function bind(params: SqlParams | undefined): Bound {
  if (params === undefined) return [];
  const value = (v: SqlValue): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
  if (Array.isArray(params)) return (params as readonly SqlValue[]).map(value);
  const named: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params as Record<string, SqlValue>)) named[k] = value(v);
  return [named];
}

class Statements {
  private readonly cache = new Map<string, Stmt>();
  constructor(private readonly db: Database.Database) {}

  get(text: string): Stmt {
    let s = this.cache.get(text);
    if (!s) {
      s = this.db.prepare(text);
      // Dynamic SQL (IN lists of varying length) must not grow the cache without bound.
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(text, s);
    }
    return s;
  }
}

/** Runs statements directly on the connection (inside a transaction, or when none is open). */
class Direct implements Sql {
  readonly dialect = 'sqlite' as const;
  constructor(
    protected readonly db: Database.Database,
    protected readonly stmts: Statements,
    private readonly depth = 0,
  ) {}

  async all<T>(text: string, params?: SqlParams): Promise<T[]> {
    await this.ready();
    return this.stmts.get(text).all(...bind(params)) as T[];
  }

  async get<T>(text: string, params?: SqlParams): Promise<T | undefined> {
    await this.ready();
    return this.stmts.get(text).get(...bind(params)) as T | undefined;
  }

  async run(text: string, params?: SqlParams): Promise<RunResult> {
    await this.ready();
    return { changes: this.stmts.get(text).run(...bind(params)).changes };
  }

  async exec(text: string): Promise<void> {
    await this.ready();
    this.db.exec(text);
  }

  /** Nested transaction inside an open one: a savepoint (a scope changes nothing: one writer). */
  async transaction<T>(fn: (tx: Sql) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    scopeList(opts?.scope); // checked as on PostgreSQL, then ignored
    const name = `sp${this.depth + 1}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(new Direct(this.db, this.stmts, this.depth + 1));
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (e) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }

  protected async ready(): Promise<void> {}
}

export class SqliteSql extends Direct {
  /** Settles when the transaction now open (and every one queued before it) has finished. */
  private tail: Promise<void> = Promise.resolve();
  private open = 0;

  constructor(db: Database.Database) {
    super(db, new Statements(db));
  }

  /** The underlying connection, for code not yet moved to the async contract. */
  get connection(): Database.Database {
    return this.db;
  }

  /** `opts.scope` is ignored: SQLite has one writer, so every transaction runs alone anyway. */
  override async transaction<T>(fn: (tx: Sql) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    scopeList(opts?.scope); // checked as on PostgreSQL, then ignored
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    this.open++;
    try {
      await before;
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(new Direct(this.db, this.stmts));
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      this.open--;
      release();
    }
  }

  protected override async ready(): Promise<void> {
    while (this.open > 0) await this.tail;
  }
}
