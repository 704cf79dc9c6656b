import type { Sql } from '../store/sql/executor.js';
import { inList } from '../store/sql/dialect.js';
import { progress as progressBar } from '../core/progress.js';
import type { Encoder } from '../nlu/encoder-types.js';
import type { StoredUnit } from './index-store.js';

// The FAQ index's database side (the faq_ tables, store migrations), on either engine: units with
// their vectors, answer groups, ingested sources and meta. The source of truth the graph is rebuilt from.

export interface UnitRow {
  label: number;
  key: string;
  question: string;
  answer: string;
  group_id: string;
  intent: string | null;
  sources: string;
  ts: string | null;
  deleted: number;
}

export const toBlob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
export const fromBlob = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export function parseSources(s: string): string[] {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export const toUnit = (r: UnitRow): StoredUnit => ({
  label: r.label,
  key: r.key,
  question: r.question,
  answer: r.answer,
  group: r.group_id,
  intent: r.intent,
  sources: parseSources(r.sources),
  ts: r.ts,
});

/** A unit's row with its vector, as the index reads it to put the unit in memory and the graph. */
export type StoredRow = UnitRow & { vector: Buffer };

/** Rows read at a time by label (no cursor is held, on either engine). */
const PAGE = 1000;

/**
 * The statements the index runs on every add, merge, removal and look-up, over the async SQL
 * contract (`tx` where they belong to an add's transaction).
 */
export const faqTables = {
  byKey: (sql: Sql, key: string) => sql.get<{ label: number; sources: string; ts: string | null; deleted: number }>('SELECT label, sources, ts, deleted FROM faq_units WHERE key = ?', [key]),
  /** Whether a key is used by a unit, removed ones included. */
  keyTaken: async (sql: Sql, key: string) => (await sql.get('SELECT 1 AS one FROM faq_units WHERE key = ?', [key])) !== undefined,
  insert: (sql: Sql, row: Omit<UnitRow, 'deleted'> & { vector: Buffer; created_at: string }) =>
    sql.run(
      `INSERT INTO faq_units (label, key, question, answer, group_id, intent, sources, ts, vector, created_at)
         VALUES (@label, @key, @question, @answer, @group_id, @intent, @sources, @ts, @vector, @created_at)`,
      { ...row },
    ),
  merge: (sql: Sql, sources: string, ts: string | null, answer: string | null, label: number) =>
    sql.run('UPDATE faq_units SET sources = ?, ts = ?, answer = coalesce(CAST(? AS TEXT), answer) WHERE label = ?', [sources, ts, answer, label]),
  maxLabel: async (sql: Sql) => (await sql.get<{ m: number | null }>('SELECT max(label) AS m FROM faq_units'))?.m ?? null,
  /** Units with label > `after`, in label order, a page at a time. */
  async *newer(sql: Sql, after: number): AsyncGenerator<StoredRow> {
    for (let from = after; ; ) {
      const rows = await sql.all<StoredRow>('SELECT label, key, question, answer, group_id, intent, sources, ts, deleted, vector FROM faq_units WHERE label > ? ORDER BY label LIMIT ?', [from, PAGE]);
      yield* rows;
      if (rows.length < PAGE) return;
      from = rows[rows.length - 1]!.label;
    }
  },
  upsertGroup: (sql: Sql, id: string, centroid: Buffer, size: number) =>
    sql.run('INSERT INTO faq_groups (id, centroid, size) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET centroid = excluded.centroid, size = excluded.size', [id, centroid, size]),
  ingested: async (sql: Sql, sourceId: string) => (await sql.get('SELECT source_id FROM faq_sources WHERE source_id = ?', [sourceId])) !== undefined,
  markIngested: (sql: Sql, sourceId: string, at: string, units: number) =>
    sql.run('INSERT INTO faq_sources (source_id, ingested_at, units) VALUES (?, ?, ?) ON CONFLICT (source_id) DO NOTHING', [sourceId, at, units]),
  setMeta: (sql: Sql, key: string, value: string) => sql.run('INSERT INTO faq_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]),
  remove: (sql: Sql, label: number) => sql.run('UPDATE faq_units SET deleted = 1 WHERE label = ?', [label]),
  /** These units' rows (every unit's without `labels`), without their vectors. */
  rows: (sql: Sql, labels?: readonly number[]) =>
    labels
      ? sql.all<UnitRow>(`SELECT label, key, question, answer, group_id, intent, sources, ts, deleted FROM faq_units WHERE label IN (${inList(labels)}) ORDER BY label`, [...labels])
      : sql.all<UnitRow>('SELECT label, key, question, answer, group_id, intent, sources, ts, deleted FROM faq_units ORDER BY label'),
};

/** Every faq_meta entry, and how many units (deleted ones included) the tables hold. */
export async function readFaqMeta(sql: Sql): Promise<{ meta: Map<string, string>; total: number }> {
  const meta = new Map((await sql.all<{ key: string; value: string }>('SELECT key, value FROM faq_meta')).map((r) => [r.key, r.value]));
  const total = (await sql.get<{ n: number }>('SELECT count(*) AS n FROM faq_units'))?.n ?? 0;
  return { meta, total };
}

/** The stored answer groups: id, centroid (sum of the answers' vectors) and size. */
export async function readGroups(sql: Sql): Promise<{ id: string; sum: Float32Array; size: number }[]> {
  return (await sql.all<{ id: string; centroid: Buffer; size: number }>('SELECT id, centroid, size FROM faq_groups')).map((g) => ({ id: g.id, sum: fromBlob(g.centroid), size: g.size }));
}

/** The stored vector of a unit. */
export async function storedVector(sql: Sql, label: number): Promise<Float32Array | undefined> {
  const r = await sql.get<{ vector: Buffer }>('SELECT vector FROM faq_units WHERE label = ?', [label]);
  return r ? fromBlob(r.vector) : undefined;
}

/** Embeds every stored question (and clustered answer) again with the current encoder. */
export async function reembedAll(sql: Sql, enc: Encoder, quiet: boolean): Promise<void> {
  const rows = await sql.all<{ label: number; question: string }>('SELECT label, question FROM faq_units ORDER BY label');
  const bar = progressBar('faq re-embed', rows.length, { silent: quiet || undefined });
  for (let i = 0; i < rows.length; i += 256) {
    const chunk = rows.slice(i, i + 256);
    const vecs = await enc.embedMany(chunk.map((r) => r.question));
    await sql.transaction(async (tx) => {
      for (const [j, r] of chunk.entries()) await tx.run('UPDATE faq_units SET vector = ? WHERE label = ?', [toBlob(vecs[j]!), r.label]);
    });
    bar.tick(chunk.length);
  }
  bar.done();
  // Answer-group centroids live in the old model's space: recompute them from the answers.
  const groups = await sql.all<{ id: string }>('SELECT id FROM faq_groups');
  for (const g of groups) {
    const answers = (await sql.all<{ answer: string }>('SELECT answer FROM faq_units WHERE group_id = ? AND deleted = 0 ORDER BY label LIMIT 50', [g.id])).map((r) => r.answer);
    if (answers.length === 0) continue;
    const vecs = await enc.embedMany(answers);
    const sum = new Float32Array(enc.dim);
    for (const v of vecs) for (let d = 0; d < sum.length; d++) sum[d]! += v[d]!;
    await sql.run('UPDATE faq_groups SET centroid = ?, size = ? WHERE id = ?', [toBlob(sum), vecs.length, g.id]);
  }
}
