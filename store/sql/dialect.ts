import type { Dialect } from './executor.js';

// The few places where SQLite and PostgreSQL differ and a repository has to care, in one file.
// Everything else is written once in the common subset (store/README.md, "PostgreSQL").

/** Which rule of the schema a refused statement broke, on either engine; null if it is no such error. */
export type Violation = 'unique' | 'primary_key' | 'foreign_key' | 'check' | 'not_null' | 'other';

const SQLITE: Record<string, Violation> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'primary_key',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_NOTNULL: 'not_null',
};

// PostgreSQL's SQLSTATE class 23 (integrity constraint violation).
const POSTGRES: Record<string, Violation> = {
  '23505': 'unique',
  '23503': 'foreign_key',
  '23514': 'check',
  '23502': 'not_null',
};

/**
 * The constraint a statement broke (better-sqlite3's `SQLITE_CONSTRAINT_*` codes, pg's SQLSTATE
 * 23xxx), so a repository maps it to a StoreError once for both engines. PostgreSQL reports a
 * duplicate primary key as a unique violation; its constraint name (`<table>_pkey`) tells them apart.
 */
export function violation(e: unknown): Violation | null {
  const err = e as { code?: unknown; constraint?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (code.startsWith('SQLITE_CONSTRAINT')) return SQLITE[code] ?? 'other';
  if (/^23[0-9A-Z]{3}$/.test(code)) {
    const v = POSTGRES[code] ?? 'other';
    return v === 'unique' && typeof err?.constraint === 'string' && err.constraint.endsWith('_pkey') ? 'primary_key' : v;
  }
  return null;
}

/** A duplicate key: a UNIQUE constraint or index, or the primary key. */
export const isUniqueViolation = (e: unknown): boolean => {
  const v = violation(e);
  return v === 'unique' || v === 'primary_key';
};

/** A row refers to a missing row (or a referenced row was deleted). */
export const isForeignKeyViolation = (e: unknown): boolean => violation(e) === 'foreign_key';

/** Any rule of the schema (unique, primary key, foreign key, check, not null). */
export const isConstraintViolation = (e: unknown): boolean => violation(e) !== null;

/**
 * `?, ?, ?` for an IN list of `values.length` values (`NULL` for an empty list, which matches
 * nothing on both engines, where PostgreSQL refuses `IN ()`).
 */
export function inList(values: readonly unknown[]): string {
  return values.length === 0 ? 'NULL' : Array.from(values, () => '?').join(', ');
}

/**
 * Days (fractional) from ISO-8601 time `b` to `a`, two SQL expressions (columns, or `?`/`@name` with
 * CAST(... AS TEXT)): time arithmetic on the stored text, the one thing each engine spells its own way.
 * SQLite's julianday() is exact to about 0.02 ms; PostgreSQL's to the microsecond.
 */
export function daysBetween(dialect: Dialect, a: string, b: string): string {
  return dialect === 'sqlite'
    ? `(julianday(${a}) - julianday(${b}))`
    : `(EXTRACT(EPOCH FROM (CAST(${a} AS timestamptz) - CAST(${b} AS timestamptz))) / 86400.0)`;
}
