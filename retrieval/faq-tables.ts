import type { DB } from '../store/db.js';
import { progress as progressBar } from '../core/progress.js';
import type { Encoder } from '../nlu/encoder-types.js';
import type { StoredUnit } from './index-store.js';

// The FAQ index's SQLite side (the faq_ tables, store migrations): units with their vectors, answer
// groups, ingested sources and meta. The source of truth the graph is rebuilt from.

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

/** The statements the index runs on every add, merge, removal and look-up. */
export function faqStatements(db: DB) {
  return {
    byKey: db.prepare<[string], { label: number; sources: string; ts: string | null; deleted: number }>('SELECT label, sources, ts, deleted FROM faq_units WHERE key = ?'),
    insert: db.prepare(
      `INSERT INTO faq_units (label, key, question, answer, group_id, intent, sources, ts, vector, created_at)
         VALUES (@label, @key, @question, @answer, @group_id, @intent, @sources, @ts, @vector, @created_at)`,
    ),
    merge: db.prepare<[string, string | null, string | null, number]>('UPDATE faq_units SET sources = ?, ts = ?, answer = coalesce(?, answer) WHERE label = ?'),
    maxLabel: db.prepare<[], { m: number | null }>('SELECT max(label) AS m FROM faq_units'),
    newer: db.prepare<[number], UnitRow & { vector: Buffer }>('SELECT label, key, question, answer, group_id, intent, sources, ts, deleted, vector FROM faq_units WHERE label > ? ORDER BY label'),
    upsertGroup: db.prepare<[string, Buffer, number]>(
      'INSERT INTO faq_groups (id, centroid, size) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET centroid = excluded.centroid, size = excluded.size',
    ),
    ingested: db.prepare<[string], { source_id: string }>('SELECT source_id FROM faq_sources WHERE source_id = ?'),
    markIngested: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO faq_sources (source_id, ingested_at, units) VALUES (?, ?, ?)'),
    setMeta: db.prepare<[string, string]>('INSERT INTO faq_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM faq_meta WHERE key = ?'),
    remove: db.prepare<[number]>('UPDATE faq_units SET deleted = 1 WHERE label = ?'),
  };
}

export type FaqStatements = ReturnType<typeof faqStatements>;

/** Every faq_meta entry, and how many units (deleted ones included) the tables hold. */
export function readFaqMeta(db: DB): { meta: Map<string, string>; total: number } {
  const meta = new Map(db.prepare<[], { key: string; value: string }>('SELECT key, value FROM faq_meta').all().map((r) => [r.key, r.value]));
  const total = (db.prepare('SELECT count(*) AS n FROM faq_units').get() as { n: number }).n;
  return { meta, total };
}

/** The stored answer groups: id, centroid (sum of the answers' vectors) and size. */
export function readGroups(db: DB): { id: string; sum: Float32Array; size: number }[] {
  return db
    .prepare<[], { id: string; centroid: Buffer; size: number }>('SELECT id, centroid, size FROM faq_groups')
    .all()
    .map((g) => ({ id: g.id, sum: fromBlob(g.centroid), size: g.size }));
}

/** The stored vector of a unit. */
export function storedVector(db: DB, label: number): Float32Array | undefined {
  const r = db.prepare<[number], { vector: Buffer }>('SELECT vector FROM faq_units WHERE label = ?').get(label);
  return r ? fromBlob(r.vector) : undefined;
}

/** Embeds every stored question (and clustered answer) again with the current encoder. */
export async function reembedAll(db: DB, enc: Encoder, quiet: boolean): Promise<void> {
  const rows = db.prepare<[], { label: number; question: string }>('SELECT label, question FROM faq_units ORDER BY label').all();
  const bar = progressBar('faq re-embed', rows.length, { silent: quiet || undefined });
  const update = db.prepare<[Buffer, number]>('UPDATE faq_units SET vector = ? WHERE label = ?');
  for (let i = 0; i < rows.length; i += 256) {
    const chunk = rows.slice(i, i + 256);
    const vecs = await enc.embedMany(chunk.map((r) => r.question));
    db.transaction(() => chunk.forEach((r, j) => update.run(toBlob(vecs[j]!), r.label)))();
    bar.tick(chunk.length);
  }
  bar.done();
  // Answer-group centroids live in the old model's space: recompute them from the answers.
  const groups = db.prepare<[], { id: string }>('SELECT id FROM faq_groups').all();
  const answersOf = db.prepare<[string], { answer: string }>('SELECT answer FROM faq_units WHERE group_id = ? AND deleted = 0 LIMIT 50');
  const upsert = db.prepare<[Buffer, number, string]>('UPDATE faq_groups SET centroid = ?, size = ? WHERE id = ?');
  for (const g of groups) {
    const answers = answersOf.all(g.id).map((r) => r.answer);
    if (answers.length === 0) continue;
    const vecs = await enc.embedMany(answers);
    const sum = new Float32Array(enc.dim);
    for (const v of vecs) for (let d = 0; d < sum.length; d++) sum[d]! += v[d]!;
    upsert.run(toBlob(sum), vecs.length, g.id);
  }
}
