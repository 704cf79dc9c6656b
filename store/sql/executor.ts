// The store's one contract with a SQL engine. Repositories are written once against `Sql` and run
// on SQLite (better-sqlite3, the embedded default) or PostgreSQL (selected by DATABASE_URL).
//
// SQL is written in the common subset of both dialects with `?` placeholders (positional, an array
// of values) or `@name` placeholders (an object); the PostgreSQL engine rewrites them to `$n`.
// Where the dialects differ (upserts that ignore, time arithmetic, JSON, case-insensitive
// comparison) a repository asks `sql.dialect` through the helpers in `dialect.ts`, so the
// differences stay in one place.

export type SqlValue = string | number | bigint | boolean | null | Buffer;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
}

export type Dialect = 'sqlite' | 'postgres';

export interface TransactionOptions {
  /**
   * What the transaction reads and then writes, named so that two transactions touching the same
   * thing get the same name: `conversation:<id>`, `customer:<id>`, `identity:<channel>:<externalId>`,
   * `state:<key>` (several: an array). A scoped transaction must read-then-write nothing outside its
   * scope: on PostgreSQL it runs beside transactions of other scopes (a shared store-wide lock and an
   * exclusive lock per scope), and only unscoped transactions (the store-wide lock, exclusive) and
   * those of the same scope exclude it. SQLite ignores it (one writer at a time anyway). On a nested
   * call (a savepoint) a scope the outer transaction does not hold yet is locked too, until the outer
   * one ends. Unset (or an empty list): the transaction runs alone, as before scopes existed.
   */
  scope?: string | readonly string[];
}

/** A transaction's scopes, checked (non-empty strings), distinct and sorted (every transaction locks them in one order). */
export function scopeList(scope: TransactionOptions['scope']): string[] {
  if (scope === undefined) return [];
  const list = typeof scope === 'string' ? [scope] : [...scope];
  for (const s of list) if (typeof s !== 'string' || s === '') throw new Error('a transaction scope is a non-empty string');
  return [...new Set(list)].sort();
}

export interface Sql {
  readonly dialect: Dialect;
  /** Every row of a query. */
  all<T>(text: string, params?: SqlParams): Promise<T[]>;
  /** The first row of a query, or undefined. */
  get<T>(text: string, params?: SqlParams): Promise<T | undefined>;
  /** A statement without rows (or whose rows are not needed). */
  run(text: string, params?: SqlParams): Promise<RunResult>;
  /** Several statements without parameters (schema changes). */
  exec(text: string): Promise<void>;
  /**
   * Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when
   * it rejects. Takes the write lock up front (SQLite: BEGIN IMMEDIATE), so two writers never
   * deadlock on an upgrade. Nested calls on `tx` run as savepoints. Statements on the outer `Sql`
   * while a transaction is open wait for it (they never join it by accident). `opts.scope`: see
   * `TransactionOptions` (only `fn`'s statements on `tx` are covered by it).
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /** Closes the connection (pool). */
  close(): Promise<void>;
}
