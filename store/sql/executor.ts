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
   * while a transaction is open wait for it (they never join it by accident).
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Closes the connection (pool). */
  close(): Promise<void>;
}
