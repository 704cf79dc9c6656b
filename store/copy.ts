import type { DB } from './db.js';
import type { Sql, SqlValue } from './sql/executor.js';

// Copies a SQLite store's rows into another database of the same schema (normally a fresh
// PostgreSQL one): the demo seed on PostgreSQL is written into an in-memory SQLite database first and
// copied over, and tests start PostgreSQL stores from a warm SQLite file. Tables go parents first
// (foreign keys), rows in batches, a row whose key is already there is left as it is; identity
// columns continue after the copied ids.

/** The most values one INSERT binds (PostgreSQL allows 65535 parameters per statement). */
const MAX_VALUES = 30_000;
const MAX_ROWS = 500;

const quoted = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** The target's tables and their columns (PostgreSQL: the current schema; SQLite: the main database). */
async function targetColumns(to: Sql): Promise<Map<string, Set<string>>> {
  const rows =
    to.dialect === 'postgres'
      ? await to.all<{ t: string; c: string }>('SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema()')
      : await to.all<{ t: string; c: string }>("SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'");
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    const cols = out.get(r.t) ?? new Set<string>();
    cols.add(r.c);
    out.set(r.t, cols);
  }
  return out;
}

/** `from`'s tables that `to` has too, parents before the tables whose foreign keys name them. */
function tablesInOrder(from: DB, wanted: (table: string) => boolean): string[] {
  const names = from
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .all()
    .map((r) => r.name)
    .filter(wanted);
  const parents = new Map(names.map((t) => [t, from.prepare<[], { table: string }>(`SELECT "table" FROM pragma_foreign_key_list(${literal(t)})`).all().map((r) => r.table)]));
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, path: Set<string>): void => {
    if (seen.has(t) || path.has(t) || !parents.has(t)) return;
    path.add(t);
    for (const p of parents.get(t)!) if (p !== t) visit(p, path);
    path.delete(t);
    seen.add(t);
    out.push(t);
  };
  for (const t of names) visit(t, new Set());
  return out;
}

export interface CopyOptions {
  /** Tables left out (besides schema_migrations, which each database keeps for itself). */
  skip?: readonly string[];
}

/**
 * Copies every row of `from` into `to` (run it in a transaction of `to` to make it all or nothing);
 * returns the rows inserted per table. Only tables and columns both databases have are copied, so
 * SQLite's FTS5 tables stay behind (PostgreSQL indexes the products themselves).
 */
export async function copySqliteInto(from: DB, to: Sql, opts: CopyOptions = {}): Promise<Record<string, number>> {
  const target = await targetColumns(to);
  const skip = new Set(['schema_migrations', ...(opts.skip ?? [])]);
  const tables = tablesInOrder(from, (t) => !skip.has(t) && target.has(t));
  const copied: Record<string, number> = {};
  for (const table of tables) {
    const have = target.get(table)!;
    const columns = from
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info(${literal(table)})`)
      .all()
      .map((r) => r.name)
      .filter((c) => have.has(c));
    if (columns.length === 0) continue;
    const perInsert = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_VALUES / columns.length)));
    const head = `INSERT INTO ${quoted(table)} (${columns.map(quoted).join(', ')}) VALUES `;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    let batch: SqlValue[] = [];
    let rows = 0;
    let n = 0;
    const flush = async (): Promise<void> => {
      if (rows === 0) return;
      n += (await to.run(`${head}${Array.from({ length: rows }, () => tuple).join(', ')} ON CONFLICT DO NOTHING`, batch)).changes;
      batch = [];
      rows = 0;
    };
    // Read whole (no cursor is held across the inserts' awaits).
    for (const row of from.prepare(`SELECT ${columns.map(quoted).join(', ')} FROM ${quoted(table)}`).raw().all() as SqlValue[][]) {
      batch.push(...row);
      if (++rows === perInsert) await flush();
    }
    await flush();
    copied[table] = n;
  }
  if (to.dialect === 'postgres') await continueIdentities(to, tables);
  return copied;
}

/** Identity columns of the copied tables continue after their largest value. */
async function continueIdentities(to: Sql, tables: readonly string[]): Promise<void> {
  const identities = await to.all<{ t: string; c: string }>("SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES'");
  for (const { t, c } of identities) {
    if (!tables.includes(t)) continue;
    await to.get(`SELECT setval(pg_get_serial_sequence(?, ?), (SELECT coalesce(max(${quoted(c)}), 0) + 1 FROM ${quoted(t)}), false)`, [quoted(t), c]);
  }
}
