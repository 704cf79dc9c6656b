// The FAQ index: question vectors in an hnswlib-node HierarchicalNSW (cosine) saved as
// `<dir of the database>/faq.hnsw`, and everything else in SQLite tables prefixed faq_ (units,
// their vectors, answer groups, ingested sources, and meta: model checksum, HNSW parameters, count).
//
// SQLite is the source of truth; the .hnsw file is a saved copy of the graph. Opening loads the
// file and adds any unit the file does not have yet from its stored vector, so nothing is
// re-embedded unless the model changed (checksum differs), and a crash between an add and the next
// save loses nothing. Writes go through one queue (one writer); reads are synchronous and never see
// a half-added unit, because a unit's row, its metadata in memory and its point in the graph are
// all put in place in one synchronous step after its transaction commits.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import hnswlib from 'hnswlib-node';
import { dot } from '../core/dot.js';
import { openDatabase, type DB } from '../store/db.js';
import { progress as progressBar } from '../core/progress.js';
import type { Encoder } from '../nlu/encoder-types.js';
import { MAX_SOURCES, unitKey, type QaUnit } from './extract.js';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

export interface HnswParams {
  /** Links per node. */
  m: number;
  efConstruction: number;
  /** Search beam width (at least k). */
  ef: number;
}

/**
 * Chosen with `npm run bench -- retrieval` (retrieval/README.md): at 100k vectors ef 32 gives recall@10
 * 0.998 at ~33x the exact search's queries/s; M 32 builds 3x slower for no recall gain.
 */
export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 200, ef: 32 };

export interface StoredUnit {
  label: number;
  key: string;
  question: string;
  answer: string;
  group: string;
  intent: string | null;
  sources: string[];
  ts: string | null;
}

export interface SearchHit {
  label: number;
  /** Cosine similarity to the query, in [-1, 1]. */
  score: number;
  unit: StoredUnit;
}

export interface AddResult {
  added: number;
  merged: number;
  /** One label per input unit, in order (the existing unit's label when merged). */
  labels: number[];
}

export interface FaqIndexOptions {
  /** SQLite file holding the faq_ tables (normally the store's database). */
  dbPath: string;
  /**
   * The store's open connection to that file: every repository over one connection. Without it the
   * index opens its own (tools, tests), with the store's settings and migrations.
   */
  db?: DB;
  /** Defaults to `faq.hnsw` next to the database. */
  indexPath?: string;
  encoder: Encoder;
  hnsw?: Partial<HnswParams>;
  /** A new question this close (cosine) to an indexed one of the same group merges into it (0.97). */
  dedupeCosine?: number;
  /** Group-less answers join an answer group when this close to its centroid (0.85). */
  groupCosine?: number;
  /** Save the graph this long after the last write; 0 saves after every write (default 2000). */
  autosaveMs?: number;
  log?: (line: string) => void;
  /** Progress bars for re-embedding on open (stderr). */
  quiet?: boolean;
  /**
   * A reader next to the writer process: never writes the graph file or meta; add() and remove()
   * reject; refresh() picks up the writer's additions.
   */
  readonly?: boolean;
}

export interface LoadReport {
  /** Units read from the .hnsw file. */
  fromFile: number;
  /** Units added from their stored vectors (file older than the database, or missing). */
  fromDb: number;
  /** Units embedded again because the model changed. */
  reembedded: number;
  rebuilt: boolean;
}


interface UnitRow {
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

const toBlob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const fromBlob = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

function normalized(v: Float32Array): Float32Array {
  const out = new Float32Array(v);
  let n = 0;
  for (let i = 0; i < out.length; i++) n += out[i]! * out[i]!;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < out.length; i++) out[i]! /= n;
  return out;
}

function parseSources(s: string): string[] {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

const toUnit = (r: UnitRow): StoredUnit => ({
  label: r.label,
  key: r.key,
  question: r.question,
  answer: r.answer,
  group: r.group_id,
  intent: r.intent,
  sources: parseSources(r.sources),
  ts: r.ts,
});

interface AnswerGroup {
  id: string;
  sum: Float32Array;
  size: number;
}

export class FaqIndex {
  readonly indexPath: string;
  readonly params: HnswParams;
  readonly loadReport: LoadReport;
  private hnsw: Hnsw;
  /** Metadata by label; undefined for labels not (or no longer) searchable. */
  private units: (StoredUnit | undefined)[] = [];
  private live = 0;
  private maxLabel = -1;
  private groups = new Map<string, AnswerGroup>();
  private tail: Promise<unknown> = Promise.resolve();
  private dirty = false;
  private saveTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly dedupeCosine: number;
  private readonly groupCosine: number;
  private readonly autosaveMs: number;
  private readonly readonly: boolean;
  private readonly log: (line: string) => void;
  private readonly stmts;
  /** Whether close() closes the connection (one the index opened itself). */
  private ownsDb = true;

  private constructor(
    readonly db: DB,
    readonly encoder: Encoder,
    opts: FaqIndexOptions,
    params: HnswParams,
    hnsw: Hnsw,
    report: LoadReport,
  ) {
    this.indexPath = resolve(opts.indexPath ?? join(dirname(resolve(opts.dbPath)), 'faq.hnsw'));
    this.params = params;
    this.hnsw = hnsw;
    this.loadReport = report;
    this.dedupeCosine = opts.dedupeCosine ?? 0.97;
    this.groupCosine = opts.groupCosine ?? 0.85;
    this.autosaveMs = opts.autosaveMs ?? 2000;
    this.readonly = opts.readonly ?? false;
    this.log = opts.log ?? ((line) => process.stderr.write(line + '\n'));
    this.stmts = {
      byKey: db.prepare<[string], { label: number; sources: string; ts: string | null; deleted: number }>('SELECT label, sources, ts, deleted FROM faq_units WHERE key = ?'),
      insert: db.prepare(
        `INSERT INTO faq_units (label, key, question, answer, group_id, intent, sources, ts, vector, created_at)
         VALUES (@label, @key, @question, @answer, @group_id, @intent, @sources, @ts, @vector, @created_at)`,
      ),
      merge: db.prepare<[string, string | null, string | null, number]>('UPDATE faq_units SET sources = ?, ts = ?, answer = coalesce(?, answer) WHERE label = ?'),
      maxLabel: db.prepare<[], { m: number | null }>('SELECT max(label) AS m FROM faq_units'),
      newer: db.prepare<[number], UnitRow & { vector: Buffer }>(
        'SELECT label, key, question, answer, group_id, intent, sources, ts, deleted, vector FROM faq_units WHERE label > ? ORDER BY label',
      ),
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

  /**
   * Opens (or creates) the index: loads the saved graph and the units' metadata without calling the
   * encoder, adds what the saved graph misses from stored vectors, and re-embeds everything only when
   * the encoder's checksum differs from the one stored with the index.
   */
  static async open(opts: FaqIndexOptions): Promise<FaqIndex> {
    // The faq_ tables are store migrations; a connection of our own gets the same settings and schema.
    const owned = !opts.db;
    const db = opts.db ?? openDatabase(resolve(opts.dbPath));
    try {
      const index = await FaqIndex.load(db, opts);
      index.ownsDb = owned;
      return index;
    } catch (e) {
      if (owned) db.close();
      throw e;
    }
  }

  private static async load(db: DB, opts: FaqIndexOptions): Promise<FaqIndex> {
    const enc = opts.encoder;
    const indexPath = resolve(opts.indexPath ?? join(dirname(resolve(opts.dbPath)), 'faq.hnsw'));
    const meta = new Map(db.prepare<[], { key: string; value: string }>('SELECT key, value FROM faq_meta').all().map((r) => [r.key, r.value]));
    const stored: Partial<HnswParams> = meta.has('hnsw') ? (JSON.parse(meta.get('hnsw')!) as HnswParams) : {};
    const params: HnswParams = { ...DEFAULT_HNSW, ...stored, ...(opts.hnsw ?? {}) };
    const total = (db.prepare('SELECT count(*) AS n FROM faq_units').get() as { n: number }).n;
    const modelChanged = total > 0 && (meta.get('checksum') !== enc.checksum || Number(meta.get('dim')) !== enc.dim);
    if (modelChanged && opts.readonly) throw new Error('the FAQ index was built with another model; open it once as the writer to rebuild it');
    const graphChanged = stored.m !== undefined && (stored.m !== params.m || stored.efConstruction !== params.efConstruction);
    const report: LoadReport = { fromFile: 0, fromDb: 0, reembedded: 0, rebuilt: false };
    const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));

    if (modelChanged) {
      log(`[faq] model changed (index ${meta.get('checksum')?.slice(0, 12) ?? 'none'}, encoder ${enc.checksum.slice(0, 12)}): re-embedding ${total} questions`);
      await FaqIndex.reembed(db, enc, opts.quiet ?? false);
      report.reembedded = total;
    }

    let hnsw: Hnsw | null = null;
    if (!modelChanged && !graphChanged && existsSync(indexPath)) {
      try {
        const h = new HierarchicalNSW('cosine', enc.dim);
        h.readIndexSync(indexPath);
        if (h.getNumDimensions() !== enc.dim) throw new Error(`dimension ${h.getNumDimensions()} != ${enc.dim}`);
        hnsw = h;
        report.fromFile = h.getCurrentCount();
      } catch (e) {
        log(`[faq] ${indexPath} could not be read (${(e as Error).message}); rebuilding it from the stored vectors`);
      }
    }
    if (!hnsw) {
      hnsw = new HierarchicalNSW('cosine', enc.dim);
      hnsw.initIndex({ maxElements: Math.max(1024, total * 2), m: params.m, efConstruction: params.efConstruction, randomSeed: 100 });
      report.rebuilt = total > 0;
    }
    hnsw.setEf(params.ef);

    const index = new FaqIndex(db, enc, { ...opts, indexPath }, params, hnsw, report);
    index.loadGroups();
    const inGraph = new Set(report.fromFile > 0 ? hnsw.getIdsList() : []);
    report.fromDb = index.absorbRows(-1, inGraph);
    // Labels in the graph that the database does not know (cannot happen unless files were mixed up).
    for (const label of inGraph) {
      if (!index.units[label]) {
        try {
          hnsw.markDelete(label);
        } catch {
          /* already deleted */
        }
      }
    }
    if (opts.readonly) return index;
    const setMeta = (k: string, v: string) => index.stmts.setMeta.run(k, v);
    db.transaction(() => {
      setMeta('checksum', enc.checksum);
      setMeta('model', enc.modelId);
      setMeta('dim', String(enc.dim));
      setMeta('hnsw', JSON.stringify({ m: params.m, efConstruction: params.efConstruction, ef: params.ef }));
    })();
    if (report.fromDb > 0 || report.rebuilt || modelChanged) {
      index.dirty = true;
      await index.save();
    }
    return index;
  }

  /** Embeds every stored question (and clustered answer) again with the current encoder. */
  private static async reembed(db: DB, enc: Encoder, quiet: boolean): Promise<void> {
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

  private loadGroups(): void {
    for (const g of this.db.prepare<[], { id: string; centroid: Buffer; size: number }>('SELECT id, centroid, size FROM faq_groups').all()) {
      this.groups.set(g.id, { id: g.id, sum: fromBlob(g.centroid), size: g.size });
    }
  }

  /** Puts database rows with label > `after` into memory and the graph (points from stored vectors). */
  private absorbRows(after: number, inGraph: Set<number> = new Set()): number {
    let added = 0;
    for (const r of this.stmts.newer.iterate(after)) {
      this.maxLabel = Math.max(this.maxLabel, r.label);
      if (r.deleted) {
        if (inGraph.has(r.label)) {
          try {
            this.hnsw.markDelete(r.label);
          } catch {
            /* already deleted in the saved graph */
          }
        }
        inGraph.delete(r.label);
        continue;
      }
      if (!inGraph.has(r.label)) {
        this.ensureCapacity(1);
        this.hnsw.addPoint(Array.from(fromBlob(r.vector)), r.label);
        added++;
      }
      inGraph.delete(r.label);
      if (!this.units[r.label]) this.live++;
      this.units[r.label] = toUnit(r);
    }
    return added;
  }

  private ensureCapacity(extra: number): void {
    const need = this.hnsw.getCurrentCount() + extra;
    const max = this.hnsw.getMaxElements();
    if (need > max) this.hnsw.resizeIndex(Math.max(need, max * 2));
  }

  /** Number of searchable units. */
  get size(): number {
    return this.live;
  }

  /** Every searchable unit (for evaluation, export and tests). */
  allUnits(): StoredUnit[] {
    return this.units.filter((u): u is StoredUnit => u !== undefined);
  }

  unit(label: number): StoredUnit | undefined {
    return this.units[label];
  }

  /** The stored vector of a unit (no encoder call). */
  vectorOf(label: number): Float32Array | undefined {
    const r = this.db.prepare<[number], { vector: Buffer }>('SELECT vector FROM faq_units WHERE label = ?').get(label);
    return r ? fromBlob(r.vector) : undefined;
  }

  /**
   * The k nearest units to an L2-normalized query vector, most similar first. Synchronous: it sees
   * every unit whose add has finished and none that is half-added.
   */
  search(query: Float32Array | readonly number[], k: number, filter?: (u: StoredUnit) => boolean): SearchHit[] {
    if (this.live === 0 || k <= 0) return [];
    const kk = Math.min(Math.floor(k), this.live);
    const q = Array.isArray(query) ? (query as number[]) : Array.from(query as Float32Array);
    if (q.length !== this.encoder.dim) throw new Error(`query vector has ${q.length} dimensions, expected ${this.encoder.dim}`);
    const res = filter
      ? this.hnsw.searchKnn(q, kk, (label) => {
          const u = this.units[label];
          return u !== undefined && filter(u);
        })
      : this.hnsw.searchKnn(q, kk);
    const hits: SearchHit[] = [];
    for (let i = 0; i < res.neighbors.length; i++) {
      const label = res.neighbors[i]!;
      const unit = this.units[label];
      if (unit) hits.push({ label, score: 1 - res.distances[i]!, unit });
    }
    return hits;
  }

  /** Whether a source (transcript id) was already ingested. */
  isIngested(sourceId: string): boolean {
    return this.stmts.ingested.get(sourceId) !== undefined;
  }

  getMeta(key: string): string | undefined {
    return this.stmts.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  /** Runs `fn` after every write queued before it (one writer at a time). */
  private enqueue<T>(fn: () => Promise<T> | T, write = true): Promise<T> {
    if (this.closed) return Promise.reject(new Error('FAQ index is closed'));
    if (write && this.readonly) return Promise.reject(new Error('FAQ index is open read-only'));
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Adds units (already redacted). Exact duplicates (same normalized question and group) and near
   * duplicates (cosine >= dedupeCosine, same group) merge into the existing unit. `sourceIds` are
   * recorded as ingested in the same transaction, so a resumed ingest skips them.
   */
  add(units: readonly QaUnit[], opts: { vectors?: readonly Float32Array[]; sourceIds?: readonly string[] } = {}): Promise<AddResult> {
    return this.enqueue(async () => {
      if (units.length === 0) {
        if (opts.sourceIds?.length) this.markIngested(opts.sourceIds);
        return { added: 0, merged: 0, labels: [] };
      }
      const vectors = opts.vectors ?? (await this.encoder.embedMany(units.map((u) => u.question)));
      if (vectors.length !== units.length) throw new Error('one vector per unit is needed');
      const ungrouped = units.map((u, i) => (u.group === null ? i : -1)).filter((i) => i >= 0);
      const answerVecs = new Map<number, Float32Array>();
      if (ungrouped.length > 0) {
        const av = await this.encoder.embedMany(ungrouped.map((i) => units[i]!.answer));
        ungrouped.forEach((i, j) => answerVecs.set(i, av[j]!));
      }
      return this.commit(units, vectors, answerVecs, opts.sourceIds ?? []);
    });
  }

  private markIngested(sourceIds: readonly string[]): void {
    const now = new Date().toISOString();
    this.db.transaction(() => sourceIds.forEach((s) => this.stmts.markIngested.run(s, now, 0)))();
  }

  /** The synchronous part of add(): transaction first, then memory and graph, with no await between. */
  private commit(units: readonly QaUnit[], vectors: readonly Float32Array[], answerVecs: Map<number, Float32Array>, sourceIds: readonly string[]): AddResult {
    // Rows another process added since we last looked come first, so labels never collide.
    this.absorbRows(this.maxLabel);
    const now = new Date().toISOString();
    const fresh: { row: StoredUnit; vec: Float32Array }[] = [];
    const merges: { label: number; sources: string[]; ts: string | null; answer: string | null }[] = [];
    const groupUpdates = new Map<string, AnswerGroup>();
    const result: AddResult = { added: 0, merged: 0, labels: [] };

    this.db.transaction(() => {
      let next = Math.max(this.maxLabel, this.stmts.maxLabel.get()?.m ?? -1) + 1;
      units.forEach((u, i) => {
        const vec = vectors[i]!;
        let group = u.group;
        if (group === null) group = this.assignGroup(answerVecs.get(i)!, groupUpdates);
        // Exact duplicate (key), then near duplicate in the graph or earlier in this batch.
        const key = u.key || unitKey(u.question, u.group);
        let target: { label: number; sources: string[]; ts: string | null } | undefined;
        const exact = this.stmts.byKey.get(key);
        if (exact && !exact.deleted) target = { label: exact.label, sources: parseSources(exact.sources), ts: exact.ts };
        if (!target) {
          const near = this.search(vec, 1, (c) => c.group === group)[0];
          if (near && near.score >= this.dedupeCosine) target = { label: near.label, sources: near.unit.sources, ts: near.unit.ts };
        }
        if (!target) {
          const pending = fresh.find((f) => f.row.group === group && dot(f.vec, vec) >= this.dedupeCosine) ?? fresh.find((f) => f.row.key === key);
          if (pending) {
            for (const s of u.sources) if (!pending.row.sources.includes(s) && pending.row.sources.length < MAX_SOURCES) pending.row.sources.push(s);
            result.merged++;
            result.labels.push(pending.row.label);
            return;
          }
        }
        if (target) {
          const merged = [...target.sources];
          for (const s of u.sources) if (!merged.includes(s) && merged.length < MAX_SOURCES) merged.push(s);
          const newer = u.ts !== null && (target.ts === null || u.ts > target.ts);
          const m = { label: target.label, sources: merged, ts: newer ? u.ts : target.ts, answer: newer ? u.answer : null };
          this.stmts.merge.run(JSON.stringify(m.sources), m.ts, m.answer, m.label);
          merges.push(m);
          result.merged++;
          result.labels.push(target.label);
          return;
        }
        const row: StoredUnit = { label: next++, key, question: u.question, answer: u.answer, group, intent: u.intent, sources: [...u.sources].slice(0, MAX_SOURCES), ts: u.ts };
        fresh.push({ row, vec });
        result.added++;
        result.labels.push(row.label);
      });
      for (const f of fresh) {
        this.stmts.insert.run({
          label: f.row.label,
          key: f.row.key,
          question: f.row.question,
          answer: f.row.answer,
          group_id: f.row.group,
          intent: f.row.intent,
          sources: JSON.stringify(f.row.sources),
          ts: f.row.ts,
          vector: toBlob(f.vec),
          created_at: now,
        });
      }
      for (const g of groupUpdates.values()) this.stmts.upsertGroup.run(g.id, toBlob(g.sum), g.size);
      for (const s of sourceIds) this.stmts.markIngested.run(s, now, units.length);
    })();

    // Committed: now make it visible, all in this one synchronous step.
    for (const g of groupUpdates.values()) this.groups.set(g.id, g);
    for (const m of merges) {
      const u = this.units[m.label];
      if (u) this.units[m.label] = { ...u, sources: m.sources, ts: m.ts, answer: m.answer ?? u.answer };
    }
    if (fresh.length > 0) this.ensureCapacity(fresh.length);
    for (const f of fresh) {
      this.hnsw.addPoint(Array.from(f.vec), f.row.label);
      this.units[f.row.label] = f.row;
      this.live++;
      this.maxLabel = Math.max(this.maxLabel, f.row.label);
    }
    if (fresh.length > 0 || merges.length > 0) this.scheduleSave();
    return result;
  }

  /** Leader clustering of answers without a label: nearest centroid above groupCosine, else a new group. */
  private assignGroup(answerVec: Float32Array, updates: Map<string, AnswerGroup>): string {
    let best: AnswerGroup | null = null;
    let bestSim = -Infinity;
    const consider = (g: AnswerGroup) => {
      const sim = dot(normalized(g.sum), answerVec);
      if (sim > bestSim) {
        bestSim = sim;
        best = g;
      }
    };
    for (const g of this.groups.values()) if (!updates.has(g.id)) consider(g);
    for (const g of updates.values()) consider(g);
    let g: AnswerGroup;
    if (best !== null && bestSim >= this.groupCosine) {
      const b: AnswerGroup = best;
      g = { id: b.id, sum: new Float32Array(b.sum), size: b.size + 1 };
      for (let d = 0; d < g.sum.length; d++) g.sum[d]! += answerVec[d]!;
    } else {
      let id = `a${this.groups.size + updates.size + 1}`;
      while (this.groups.has(id) || updates.has(id)) id += 'x';
      g = { id, sum: new Float32Array(answerVec), size: 1 };
    }
    updates.set(g.id, g);
    return g.id;
  }

  /** Takes a unit out of search (e.g. an agent flagged a wrong answer). */
  remove(label: number): Promise<boolean> {
    return this.enqueue(() => {
      if (!this.units[label]) return false;
      this.stmts.remove.run(label);
      this.hnsw.markDelete(label);
      this.units[label] = undefined;
      this.live--;
      this.scheduleSave();
      return true;
    });
  }

  /** Picks up units another process (the writer) added to the database since this one loaded. */
  refresh(): number {
    return this.absorbRows(this.maxLabel);
  }

  private scheduleSave(): void {
    this.dirty = true;
    if (this.saveTimer || this.closed) return;
    if (this.autosaveMs <= 0) {
      void this.save().catch((e: unknown) => this.log(`[faq] save failed: ${(e as Error).message}`));
      return;
    }
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save().catch((e: unknown) => this.log(`[faq] save failed: ${(e as Error).message}`));
    }, this.autosaveMs);
    this.saveTimer.unref();
  }

  /**
   * Writes the graph to a temporary file, fsyncs it and renames it over faq.hnsw, so a reader never
   * opens a half-written file. Runs in the write queue: no point is added while the graph is written.
   */
  save(): Promise<void> {
    if (this.readonly) return Promise.resolve();
    return this.enqueue(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      mkdirSync(dirname(this.indexPath), { recursive: true });
      const tmp = `${this.indexPath}.tmp-${process.pid}`;
      try {
        await this.hnsw.writeIndex(tmp);
        const fd = openSync(tmp, 'r+');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, this.indexPath);
      } catch (e) {
        this.dirty = true;
        rmSync(tmp, { force: true });
        throw e;
      }
      this.stmts.setMeta.run('count', String(this.live));
      this.stmts.setMeta.run('saved_at', new Date().toISOString());
    });
  }

  /** Size of the saved graph file in bytes (0 before the first save). */
  fileBytes(): number {
    return existsSync(this.indexPath) ? statSync(this.indexPath).size : 0;
  }

  /** Waits for queued writes, saves, and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    await this.save().catch((e: unknown) => this.log(`[faq] save on close failed: ${(e as Error).message}`));
    this.closed = true;
    await this.tail;
    if (this.ownsDb) this.db.close();
  }
}
