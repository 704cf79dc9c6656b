import { StoreError } from './errors.js';
import { checkApplied, MIGRATIONS, migrationSql, SCHEMA_MIGRATIONS, validateMigrations, type Migration, type MigrationResult } from './migrations.js';
import type { Sql } from './sql/executor.js';
import { splitSql } from './sql/placeholders.js';
import { SqliteSql } from './sql/sqlite.js';

// The one migration history (migrations.ts) over the async contract, on either engine.
//
// SQLite runs each migration's own `up` on the connection, exactly as the synchronous `migrate` does,
// in a BEGIN IMMEDIATE transaction. PostgreSQL runs the migration's `postgres` form where it has one,
// otherwise its SQLite DDL translated by `toPostgres` (types, identity keys, case-insensitive
// columns, GLOB, time defaults); each migration's transaction first takes an advisory lock, so two
// nodes starting at once apply it once. Both record schema_migrations the same way.

/** The advisory lock migrations take on PostgreSQL (advisory locks are per database). */
export const MIGRATION_LOCK = 0x5b07_0002;

/**
 * SQLite's JSON checks the schema uses, for PostgreSQL: json_valid(text) (NULL for NULL, as
 * SQLite) and json_type(text) ('array', 'object', 'null'; NULL for text that is not JSON). Created
 * (or replaced) before migrations run; they belong to the dialect, not to the history.
 */
export const POSTGRES_FUNCTIONS = `
  CREATE OR REPLACE FUNCTION json_valid(value TEXT) RETURNS BOOLEAN
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
  BEGIN
    IF value IS NULL THEN RETURN NULL; END IF;
    PERFORM value::json;
    RETURN TRUE;
  EXCEPTION WHEN others THEN
    RETURN FALSE;
  END $$;
  CREATE OR REPLACE FUNCTION json_type(value TEXT) RETURNS TEXT
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
  BEGIN
    RETURN json_typeof(value::json);
  EXCEPTION WHEN others THEN
    RETURN NULL;
  END $$;
`;

const UTC_NOW = "(statement_timestamp() AT TIME ZONE 'UTC')";

/** SQLite GLOB pattern -> anchored POSIX regular expression (`*`, `?`, `[...]`, `[^...]`). */
export function globToRegex(glob: string): string {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) throw new SyntaxError(`unterminated [ in GLOB '${glob}'`);
      out += glob.slice(i, end + 1);
      i = end;
    } else out += /[\\^$.|+(){}]/.test(c) ? `\\${c}` : c;
  }
  return `${out}$`;
}

const unquote = (literal: string): string => literal.slice(1, -1).replace(/''/g, "'");
const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** Code with literals and comments blanked out (same length), to find structure without being fooled. */
function masked(text: string): string {
  return splitSql(text)
    .map((p) => (p.code ? p.text : p.text.length < 2 || p.text.startsWith('--') || p.text.startsWith('/*') ? ' '.repeat(p.text.length) : `'${'_'.repeat(p.text.length - 2)}'`))
    .join('');
}

/** Rewrites the code parts of `text` (never literals or quoted identifiers) with `fn`. */
function inCode(text: string, fn: (code: string) => string): string {
  return splitSql(text)
    .map((p) => (p.code ? fn(p.text) : p.text))
    .join('');
}

/** Top-level statements, without comments. */
function statements(text: string): string[] {
  const noComments = splitSql(text)
    .filter((p) => p.code || !(p.text.startsWith('--') || p.text.startsWith('/*')))
    .map((p) => p.text)
    .join('');
  const mask = masked(noComments);
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= mask.length; i++) {
    if (i === mask.length || mask[i] === ';') {
      const s = noComments.slice(start, i).trim();
      if (s) out.push(s);
      start = i + 1;
    }
  }
  return out;
}

/** Splits `body` (between a table's parentheses) at top-level commas, using its mask. */
function topLevelParts(body: string, mask: string): { text: string; mask: string }[] {
  const parts: { text: string; mask: string }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= mask.length; i++) {
    const c = mask[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (i === mask.length || (c === ',' && depth === 0)) {
      parts.push({ text: body.slice(start, i), mask: mask.slice(start, i) });
      start = i + 1;
    }
  }
  return parts;
}

const NOCASE = /\s+COLLATE\s+NOCASE\b/i;

/**
 * One column definition with COLLATE NOCASE on PostgreSQL: the collation goes, and a lower() index
 * keeps what it meant for uniqueness (UNIQUE / PRIMARY KEY: no two values equal but for case) and
 * for lookups (`lower(col) = lower(?)`, the common subset's case-insensitive comparison).
 */
function dropNocase(table: string, def: string, ifNotExists: boolean): { def: string; index: string } {
  const column = /^\s*("?)(\w+)\1/.exec(def)?.[2];
  if (!column) throw new SyntaxError(`cannot read the column in: ${def}`);
  let out = def.replace(NOCASE, '');
  const pk = /\bPRIMARY\s+KEY\b/i.test(out);
  const unique = pk || /\bUNIQUE\b/i.test(out);
  if (!pk) out = out.replace(/\s+UNIQUE\b/i, '');
  const exists = ifNotExists ? 'IF NOT EXISTS ' : '';
  const index = `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${exists}${table}_${column}_lower ON ${table} (lower(${column}))`;
  return { def: out, index };
}

function translateStatement(stmt: string): string[] {
  // Forms that only SQLite has: such a migration needs an explicit `postgres` variant.
  const sqliteOnly =
    /\b(CREATE\s+VIRTUAL\s+TABLE|CREATE\s+TRIGGER|INSERT\s+OR\s+\w+|REPLACE\s+INTO|PRAGMA|json_each|json_tree|json_insert|json_set|json_group_array|json_extract|datetime\s*\((?!\s*'now'\s*\))|strftime\s*\((?!\s*'%Y-%m-%dT%H:%M:%fZ'\s*,\s*'now'\s*\))|julianday|unixepoch)/i.exec(stmt);
  if (sqliteOnly) throw new SyntaxError(`no mechanical PostgreSQL form for "${sqliteOnly[0]}"`);

  let s = stmt
    .replace(/\bdatetime\s*\(\s*'now'\s*\)/gi, `to_char(${UTC_NOW}, 'YYYY-MM-DD HH24:MI:SS')`)
    .replace(/\bstrftime\s*\(\s*'%Y-%m-%dT%H:%M:%fZ'\s*,\s*'now'\s*\)/gi, `to_char(${UTC_NOW}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`)
    .replace(/\bGLOB\s+('(?:[^']|'')*')/gi, (_m, lit: string) => `~ ${quote(globToRegex(unquote(lit)))}`);
  s = inCode(s, (c) =>
    c
      .replace(/\blength\s*\(\s*CAST\s*\(\s*(\w+)\s+AS\s+BLOB\s*\)\s*\)/gi, 'octet_length($1)')
      .replace(/\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b/gi, 'BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY')
      .replace(/\bINTEGER\b/gi, 'BIGINT')
      .replace(/\bREAL\b/gi, 'DOUBLE PRECISION')
      .replace(/\bBLOB\b/gi, 'BYTEA')
      .replace(/\)\s*WITHOUT\s+ROWID\s*$/i, ')'),
  );

  if (!NOCASE.test(masked(s))) return [s];
  const indexes: string[] = [];
  const mask = masked(s);
  const create = /^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(/i.exec(mask);
  const alter = /^ALTER\s+TABLE\s+(\w+)\s+ADD\s+(?:COLUMN\s+)?/i.exec(mask);
  if (create) {
    const open = create[0].length;
    const close = mask.lastIndexOf(')');
    const parts = topLevelParts(s.slice(open, close), mask.slice(open, close)).map((p) => {
      if (!NOCASE.test(p.mask)) return p.text;
      const { def, index } = dropNocase(create[2]!, p.text, Boolean(create[1]));
      indexes.push(index);
      return def;
    });
    s = s.slice(0, open) + parts.join(',') + s.slice(close);
  } else if (alter) {
    const { def, index } = dropNocase(alter[1]!, s.slice(alter[0].length), false);
    if (/\bUNIQUE\b/i.test(s.slice(alter[0].length))) throw new SyntaxError('ADD COLUMN ... UNIQUE: SQLite refuses it too');
    indexes.push(index);
    s = s.slice(0, alter[0].length) + def;
  }
  if (NOCASE.test(masked(s))) throw new SyntaxError(`COLLATE NOCASE outside a column definition: ${stmt}`);
  return [s, ...indexes];
}

/**
 * A migration's SQLite DDL on PostgreSQL: INTEGER -> BIGINT (ms timestamps overflow int4),
 * INTEGER PRIMARY KEY AUTOINCREMENT -> BIGINT identity, REAL -> DOUBLE PRECISION, BLOB -> BYTEA,
 * length(CAST(x AS BLOB)) -> octet_length(x), WITHOUT ROWID dropped, COLLATE NOCASE -> a lower()
 * index (unique where the column is), GLOB -> ~ with the same pattern as a regular expression,
 * datetime('now') / strftime('%Y-%m-%dT%H:%M:%fZ', 'now') -> the same text from the server's clock.
 * Throws for what cannot be translated mechanically (FTS5, triggers, json_each, INSERT OR ...).
 */
export function toPostgres(ddl: string): string {
  return statements(ddl)
    .flatMap(translateStatement)
    .map((s) => `${s};`)
    .join('\n');
}

async function applyPostgres(m: Migration, tx: Sql): Promise<void> {
  if (typeof m.postgres === 'function') return m.postgres(tx);
  if (typeof m.postgres === 'string') return tx.exec(m.postgres);
  const ddl = migrationSql(m);
  if (ddl === undefined) throw new Error('written as a function over better-sqlite3: give it a `postgres` form');
  let translated: string;
  try {
    translated = toPostgres(ddl);
  } catch (e) {
    throw new Error(`${(e as Error).message}: give it a \`postgres\` form`);
  }
  await tx.exec(translated);
}

/**
 * Applies every migration newer than the database's version on either engine, each in its own
 * transaction with its schema_migrations row (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory
 * lock), so a failed migration leaves the previous version and concurrent starts apply it once.
 * Refuses a database written by a newer schema or with other names, as `migrate` does.
 */
export async function migrateSql(sql: Sql, list: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): Promise<MigrationResult> {
  validateMigrations(list);
  const postgres = sql.dialect === 'postgres';
  if (!postgres && !(sql instanceof SqliteSql)) throw new TypeError('migrateSql on SQLite needs a SqliteSql (migrations run on its connection)');
  const lock = (tx: Sql) => (postgres ? tx.get('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]) : undefined);
  const applied = async (tx: Sql): Promise<number> =>
    checkApplied(await tx.all<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version'), list);

  let version = await sql.transaction(async (tx) => {
    await lock(tx);
    if (postgres) await tx.exec(POSTGRES_FUNCTIONS);
    await tx.exec(postgres ? toPostgres(SCHEMA_MIGRATIONS) : SCHEMA_MIGRATIONS);
    return applied(tx);
  });

  const done: number[] = [];
  for (const m of list) {
    if (m.version <= version) continue;
    try {
      const did = await sql.transaction(async (tx) => {
        await lock(tx);
        if (await tx.get('SELECT version FROM schema_migrations WHERE version = ?', [m.version])) return false; // another node got there first
        if (postgres) await applyPostgres(m, tx);
        else m.up((sql as SqliteSql).connection);
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, new Date(now()).toISOString()]);
        return true;
      });
      if (did) done.push(m.version);
    } catch (e) {
      throw new StoreError('migration', `migration ${m.version} (${m.name}) failed: ${(e as Error).message}`);
    }
    version = m.version;
  }
  return { applied: done, version: await applied(sql) };
}
