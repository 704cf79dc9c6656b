// The FAQ index: question vectors in an hnswlib-node HierarchicalNSW (cosine) saved as
// `<dir of the database>/faq.hnsw`, and everything else in SQLite tables prefixed faq_ (units,
// their vectors, answer groups, ingested sources, and meta: model checksum, HNSW parameters, count).
//
// The database (SQLite or PostgreSQL, through the store's async SQL contract) is the source of
// truth; the .hnsw file is a saved copy of the graph. Opening loads the file and adds any unit the
// file does not have yet from its stored vector, so nothing is re-embedded unless the model changed
// (checksum differs), and a crash between an add and the next save loses nothing. Writes go through
// one queue (one writer); reads are synchronous and never see a half-added unit, because a unit's
// metadata in memory and its point in the graph are put in place in one synchronous step after its
// transaction commits. faq_meta is read once on open (and by refresh()) and kept in memory, written
// through by setMeta(). The tables are
// faq-tables.ts, the graph and its file faq-graph.ts, the clustering of unlabelled answers
// answer-groups.ts.

import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { dot } from '../core/dot.js';
import { openDatabase } from '../store/db.js';
import type { Sql } from '../store/sql/executor.js';
import { SqliteSql } from '../store/sql/sqlite.js';
import type { Encoder } from '../nlu/encoder-types.js';
import { AnswerGroups, type AnswerGroup } from './answer-groups.js';
import { MAX_SOURCES, unitKey, type QaUnit } from './extract.js';
import { ensureCapacity, openGraph, writeGraph, type Hnsw } from './faq-graph.js';
import { faqTables, fromBlob, parseSources, readFaqMeta, readGroups, reembedAll, storedVector, toBlob, toUnit } from './faq-tables.js';

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
  /** SQLite file holding the faq_ tables (normally the store's database); `faq.hnsw` goes next to it. */
  dbPath: string;
  /**
   * The store's SQL connection (either engine): every repository over one connection. Without it
   * the index opens its own SQLite connection to `dbPath` (tools, tests), with the store's settings
   * and migrations.
   */
  sql?: Sql;
  /** Defaults to `faq.hnsw` next to `dbPath`. */
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

/** A unit of this batch merged into a stored one: its new sources, date and (when newer) answer. */
interface Merge {
  label: number;
  sources: string[];
  ts: string | null;
  answer: string | null;
}

/** What one add() wrote, to be made visible once its transaction committed. */
interface Written {
  fresh: { row: StoredUnit; vec: Float32Array }[];
  merges: Merge[];
  groupUpdates: Map<string, AnswerGroup>;
  result: AddResult;
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
  private readonly groups: AnswerGroups;
  private tail: Promise<unknown> = Promise.resolve();
  private dirty = false;
  private saveTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly dedupeCosine: number;
  private readonly autosaveMs: number;
  private readonly readonly: boolean;
  private readonly log: (line: string) => void;
  /** faq_meta as last read or written. */
  private meta: Map<string, string>;
  /** Whether close() closes the connection (one the index opened itself). */
  private ownsDb = true;
  /** Told the labels this index added, merged or removed (so other nodes can sync() them). */
  onChange: ((labels: number[]) => void) | null = null;

  private constructor(
    readonly sql: Sql,
    readonly encoder: Encoder,
    opts: FaqIndexOptions,
    params: HnswParams,
    hnsw: Hnsw,
    report: LoadReport,
    meta: Map<string, string>,
  ) {
    this.indexPath = resolve(opts.indexPath ?? join(dirname(resolve(opts.dbPath)), 'faq.hnsw'));
    this.params = params;
    this.hnsw = hnsw;
    this.loadReport = report;
    this.dedupeCosine = opts.dedupeCosine ?? 0.97;
    this.groups = new AnswerGroups(opts.groupCosine ?? 0.85);
    this.autosaveMs = opts.autosaveMs ?? 2000;
    this.readonly = opts.readonly ?? false;
    this.log = opts.log ?? ((line) => process.stderr.write(line + '\n'));
    this.meta = meta;
  }

  /**
   * Opens (or creates) the index: loads the saved graph and the units' metadata without calling the
   * encoder, adds what the saved graph misses from stored vectors, and re-embeds everything only when
   * the encoder's checksum differs from the one stored with the index.
   */
  static async open(opts: FaqIndexOptions): Promise<FaqIndex> {
    // The faq_ tables are store migrations; a connection of our own gets the same settings and schema.
    const owned = !opts.sql;
    const sql = opts.sql ?? new SqliteSql(openDatabase(resolve(opts.dbPath)));
    try {
      const index = await FaqIndex.load(sql, opts);
      index.ownsDb = owned;
      return index;
    } catch (e) {
      if (owned) await sql.close();
      throw e;
    }
  }

  private static async load(sql: Sql, opts: FaqIndexOptions): Promise<FaqIndex> {
    const enc = opts.encoder;
    const indexPath = resolve(opts.indexPath ?? join(dirname(resolve(opts.dbPath)), 'faq.hnsw'));
    const { meta, total } = await readFaqMeta(sql);
    const stored: Partial<HnswParams> = meta.has('hnsw') ? (JSON.parse(meta.get('hnsw')!) as HnswParams) : {};
    const params: HnswParams = { ...DEFAULT_HNSW, ...stored, ...(opts.hnsw ?? {}) };
    const modelChanged = total > 0 && (meta.get('checksum') !== enc.checksum || Number(meta.get('dim')) !== enc.dim);
    if (modelChanged && opts.readonly) throw new Error('the FAQ index was built with another model; open it once as the writer to rebuild it');
    const graphChanged = stored.m !== undefined && (stored.m !== params.m || stored.efConstruction !== params.efConstruction);
    const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));

    if (modelChanged) {
      log(`[faq] model changed (index ${meta.get('checksum')?.slice(0, 12) ?? 'none'}, encoder ${enc.checksum.slice(0, 12)}): re-embedding ${total} questions`);
      await reembedAll(sql, enc, opts.quiet ?? false);
    }
    const { hnsw, fromFile, rebuilt } = openGraph(indexPath, enc.dim, params, total, !modelChanged && !graphChanged, log);
    const report: LoadReport = { fromFile, fromDb: 0, reembedded: modelChanged ? total : 0, rebuilt };

    const index = new FaqIndex(sql, enc, { ...opts, indexPath }, params, hnsw, report, meta);
    index.groups.set(await readGroups(sql));
    const inGraph = new Set(report.fromFile > 0 ? hnsw.getIdsList() : []);
    report.fromDb = await index.absorbRows(-1, inGraph);
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
    await index.setMetas({
      checksum: enc.checksum,
      model: enc.modelId,
      dim: String(enc.dim),
      hnsw: JSON.stringify({ m: params.m, efConstruction: params.efConstruction, ef: params.ef }),
    });
    if (report.fromDb > 0 || report.rebuilt || modelChanged) {
      index.dirty = true;
      await index.save();
    }
    return index;
  }

  /** Puts database rows with label > `after` into memory and the graph (points from stored vectors). */
  private async absorbRows(after: number, inGraph: Set<number> = new Set()): Promise<number> {
    let added = 0;
    for await (const r of faqTables.newer(this.sql, after)) {
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
        ensureCapacity(this.hnsw, 1);
        this.hnsw.addPoint(Array.from(fromBlob(r.vector)), r.label);
        added++;
      }
      inGraph.delete(r.label);
      if (!this.units[r.label]) this.live++;
      this.units[r.label] = toUnit(r);
    }
    return added;
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

  /** A searchable unit's vector as the graph holds it (L2-normalized; no encoder call). */
  vectorOf(label: number): Float32Array | undefined {
    if (!this.units[label]) return undefined;
    try {
      return Float32Array.from(this.hnsw.getPoint(label));
    } catch {
      return undefined;
    }
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
  isIngested(sourceId: string): Promise<boolean> {
    return faqTables.ingested(this.sql, sourceId);
  }

  /** Whether a unit (a removed one too) has this key. */
  keyTaken(key: string): Promise<boolean> {
    return faqTables.keyTaken(this.sql, key);
  }

  /** A faq_meta value, as this index last read (open, refresh) or wrote it. */
  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.setMetas({ [key]: value });
  }

  /** Several faq_meta values in one transaction; visible to getMeta() once committed. */
  private async setMetas(values: Record<string, string>): Promise<void> {
    await this.sql.transaction(async (tx) => {
      for (const [k, v] of Object.entries(values)) await faqTables.setMeta(tx, k, v);
    });
    for (const [k, v] of Object.entries(values)) this.meta.set(k, v);
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
        if (opts.sourceIds?.length) await this.markIngested(opts.sourceIds);
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

  private async markIngested(sourceIds: readonly string[]): Promise<void> {
    const now = new Date().toISOString();
    await this.sql.transaction(async (tx) => {
      for (const s of sourceIds) await faqTables.markIngested(tx, s, now, 0);
    });
  }

  /**
   * The database part of add(), then memory and graph: the transaction commits first, and what it
   * wrote is published in one synchronous step after it (publish()), so a search never sees half of it.
   */
  private async commit(units: readonly QaUnit[], vectors: readonly Float32Array[], answerVecs: Map<number, Float32Array>, sourceIds: readonly string[]): Promise<AddResult> {
    // Rows another process added since we last looked come first, so labels never collide.
    await this.absorbRows(this.maxLabel);
    const written = await this.sql.transaction((tx) => this.write(tx, units, vectors, answerVecs, sourceIds));
    this.publish(written);
    if (written.result.labels.length > 0) this.onChange?.([...new Set(written.result.labels)]);
    return written.result;
  }

  /**
   * The transaction of an add: each unit merges into an exact duplicate (key), a near duplicate of
   * its group in the graph or earlier in this batch, or is inserted with the next label; answer
   * groups and ingested sources are written with them.
   */
  private async write(tx: Sql, units: readonly QaUnit[], vectors: readonly Float32Array[], answerVecs: Map<number, Float32Array>, sourceIds: readonly string[]): Promise<Written> {
    const now = new Date().toISOString();
    const w: Written = { fresh: [], merges: [], groupUpdates: new Map(), result: { added: 0, merged: 0, labels: [] } };
    const { fresh, result } = w;
    let next = Math.max(this.maxLabel, (await faqTables.maxLabel(tx)) ?? -1) + 1;
    for (const [i, u] of units.entries()) {
      const vec = vectors[i]!;
      const group = u.group ?? this.groups.assign(answerVecs.get(i)!, w.groupUpdates);
      const key = u.key || unitKey(u.question, u.group);
      const target = await this.storedDuplicate(tx, key, vec, group);
      if (!target) {
        const pending = fresh.find((f) => f.row.group === group && dot(f.vec, vec) >= this.dedupeCosine) ?? fresh.find((f) => f.row.key === key);
        if (pending) {
          for (const s of u.sources) if (!pending.row.sources.includes(s) && pending.row.sources.length < MAX_SOURCES) pending.row.sources.push(s);
          result.merged++;
          result.labels.push(pending.row.label);
          continue;
        }
      }
      if (target) {
        const merged = [...target.sources];
        for (const s of u.sources) if (!merged.includes(s) && merged.length < MAX_SOURCES) merged.push(s);
        const newer = u.ts !== null && (target.ts === null || u.ts > target.ts);
        const m = { label: target.label, sources: merged, ts: newer ? u.ts : target.ts, answer: newer ? u.answer : null };
        await faqTables.merge(tx, JSON.stringify(m.sources), m.ts, m.answer, m.label);
        w.merges.push(m);
        result.merged++;
        result.labels.push(target.label);
        continue;
      }
      const row: StoredUnit = { label: next++, key, question: u.question, answer: u.answer, group, intent: u.intent, sources: [...u.sources].slice(0, MAX_SOURCES), ts: u.ts };
      fresh.push({ row, vec });
      result.added++;
      result.labels.push(row.label);
    }
    for (const f of fresh) {
      await faqTables.insert(tx, {
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
    for (const g of w.groupUpdates.values()) await faqTables.upsertGroup(tx, g.id, toBlob(g.sum), g.size);
    for (const s of sourceIds) await faqTables.markIngested(tx, s, now, units.length);
    return w;
  }

  /** The stored unit a new one merges into: its exact duplicate (key), else a near duplicate of its group in the graph. */
  private async storedDuplicate(tx: Sql, key: string, vec: Float32Array, group: string): Promise<{ label: number; sources: string[]; ts: string | null } | undefined> {
    const exact = await faqTables.byKey(tx, key);
    if (exact && !exact.deleted) return { label: exact.label, sources: parseSources(exact.sources), ts: exact.ts };
    const near = this.search(vec, 1, (c) => c.group === group)[0];
    if (near && near.score >= this.dedupeCosine) return { label: near.label, sources: near.unit.sources, ts: near.unit.ts };
    return undefined;
  }

  /** Committed: now make it visible, all in this one synchronous step. */
  private publish({ fresh, merges, groupUpdates }: Written): void {
    this.groups.set(groupUpdates.values());
    for (const m of merges) {
      const u = this.units[m.label];
      if (u) this.units[m.label] = { ...u, sources: m.sources, ts: m.ts, answer: m.answer ?? u.answer };
    }
    if (fresh.length > 0) ensureCapacity(this.hnsw, fresh.length);
    for (const f of fresh) {
      this.hnsw.addPoint(Array.from(f.vec), f.row.label);
      this.units[f.row.label] = f.row;
      this.live++;
      this.maxLabel = Math.max(this.maxLabel, f.row.label);
    }
    if (fresh.length > 0 || merges.length > 0) this.scheduleSave();
  }

  /** Takes a unit out of search (e.g. an agent flagged a wrong answer). */
  remove(label: number): Promise<boolean> {
    return this.enqueue(async () => {
      if (!this.units[label]) return false;
      await faqTables.remove(this.sql, label);
      this.hnsw.markDelete(label);
      this.units[label] = undefined;
      this.live--;
      this.scheduleSave();
      this.onChange?.([label]);
      return true;
    });
  }

  /**
   * Another node changed these units (added, merged or removed them; all of them without `labels`):
   * reads their rows and the answer groups again and makes memory and the graph agree, without
   * embedding anything (vectors come from the rows). Runs in the write queue, like add() and remove().
   */
  sync(labels?: readonly number[]): Promise<void> {
    return this.enqueue(async () => {
      this.meta = (await readFaqMeta(this.sql)).meta;
      this.groups.set(await readGroups(this.sql));
      const before = this.maxLabel;
      await this.absorbRows(before);
      const known = labels?.filter((l) => l <= before);
      if (known && known.length === 0) return;
      for (const r of await faqTables.rows(this.sql, known)) {
        if (r.label > before) continue; // just absorbed
        const had = this.units[r.label];
        if (r.deleted) {
          if (!had) continue;
          this.hnsw.markDelete(r.label);
          this.units[r.label] = undefined;
          this.live--;
        } else if (had) {
          this.units[r.label] = toUnit(r);
        } else {
          // Searchable again (never done today, but the rows say so): back into the graph.
          const vec = await storedVector(this.sql, r.label);
          if (!vec) continue;
          try {
            this.hnsw.unmarkDelete(r.label);
          } catch {
            ensureCapacity(this.hnsw, 1);
            this.hnsw.addPoint(Array.from(vec), r.label);
          }
          this.units[r.label] = toUnit(r);
          this.live++;
        }
      }
      this.scheduleSave();
    }, false);
  }

  /** Picks up units (and meta) another process (the writer) added to the database since this one loaded. */
  async refresh(): Promise<number> {
    this.meta = (await readFaqMeta(this.sql)).meta;
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
      try {
        await writeGraph(this.hnsw, this.indexPath);
      } catch (e) {
        this.dirty = true;
        throw e;
      }
      await this.setMetas({ count: String(this.live), saved_at: new Date().toISOString() });
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
    if (this.ownsDb) await this.sql.close();
  }
}
