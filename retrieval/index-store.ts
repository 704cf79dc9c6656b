// The FAQ index: question vectors in an hnswlib-node HierarchicalNSW (cosine) saved as
// `<dir of the database>/faq.hnsw`, and everything else in SQLite tables prefixed faq_ (units,
// their vectors, answer groups, ingested sources, and meta: model checksum, HNSW parameters, count).
//
// SQLite is the source of truth; the .hnsw file is a saved copy of the graph. Opening loads the
// file and adds any unit the file does not have yet from its stored vector, so nothing is
// re-embedded unless the model changed (checksum differs), and a crash between an add and the next
// save loses nothing. Writes go through one queue (one writer); reads are synchronous and never see
// a half-added unit, because a unit's row, its metadata in memory and its point in the graph are
// all put in place in one synchronous step after its transaction commits. The tables are
// faq-tables.ts, the graph and its file faq-graph.ts, the clustering of unlabelled answers
// answer-groups.ts.

import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { dot } from '../core/dot.js';
import { openDatabase, type DB } from '../store/db.js';
import type { Encoder } from '../nlu/encoder-types.js';
import { AnswerGroups, type AnswerGroup } from './answer-groups.js';
import { MAX_SOURCES, unitKey, type QaUnit } from './extract.js';
import { ensureCapacity, openGraph, writeGraph, type Hnsw } from './faq-graph.js';
import { faqStatements, fromBlob, parseSources, readFaqMeta, readGroups, reembedAll, storedVector, toBlob, toUnit, type FaqStatements } from './faq-tables.js';

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
  private readonly stmts: FaqStatements;
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
    this.groups = new AnswerGroups(opts.groupCosine ?? 0.85);
    this.autosaveMs = opts.autosaveMs ?? 2000;
    this.readonly = opts.readonly ?? false;
    this.log = opts.log ?? ((line) => process.stderr.write(line + '\n'));
    this.stmts = faqStatements(db);
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
    const { meta, total } = readFaqMeta(db);
    const stored: Partial<HnswParams> = meta.has('hnsw') ? (JSON.parse(meta.get('hnsw')!) as HnswParams) : {};
    const params: HnswParams = { ...DEFAULT_HNSW, ...stored, ...(opts.hnsw ?? {}) };
    const modelChanged = total > 0 && (meta.get('checksum') !== enc.checksum || Number(meta.get('dim')) !== enc.dim);
    if (modelChanged && opts.readonly) throw new Error('the FAQ index was built with another model; open it once as the writer to rebuild it');
    const graphChanged = stored.m !== undefined && (stored.m !== params.m || stored.efConstruction !== params.efConstruction);
    const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));

    if (modelChanged) {
      log(`[faq] model changed (index ${meta.get('checksum')?.slice(0, 12) ?? 'none'}, encoder ${enc.checksum.slice(0, 12)}): re-embedding ${total} questions`);
      await reembedAll(db, enc, opts.quiet ?? false);
    }
    const { hnsw, fromFile, rebuilt } = openGraph(indexPath, enc.dim, params, total, !modelChanged && !graphChanged, log);
    const report: LoadReport = { fromFile, fromDb: 0, reembedded: modelChanged ? total : 0, rebuilt };

    const index = new FaqIndex(db, enc, { ...opts, indexPath }, params, hnsw, report);
    index.groups.set(readGroups(db));
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

  /** The stored vector of a unit (no encoder call). */
  vectorOf(label: number): Float32Array | undefined {
    return storedVector(this.db, label);
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
    const written = this.db.transaction(() => this.write(units, vectors, answerVecs, sourceIds))();
    this.publish(written);
    return written.result;
  }

  /**
   * The transaction of an add: each unit merges into an exact duplicate (key), a near duplicate of
   * its group in the graph or earlier in this batch, or is inserted with the next label; answer
   * groups and ingested sources are written with them.
   */
  private write(units: readonly QaUnit[], vectors: readonly Float32Array[], answerVecs: Map<number, Float32Array>, sourceIds: readonly string[]): Written {
    const now = new Date().toISOString();
    const w: Written = { fresh: [], merges: [], groupUpdates: new Map(), result: { added: 0, merged: 0, labels: [] } };
    const { fresh, result } = w;
    let next = Math.max(this.maxLabel, this.stmts.maxLabel.get()?.m ?? -1) + 1;
    units.forEach((u, i) => {
      const vec = vectors[i]!;
      const group = u.group ?? this.groups.assign(answerVecs.get(i)!, w.groupUpdates);
      const key = u.key || unitKey(u.question, u.group);
      const target = this.storedDuplicate(key, vec, group);
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
        w.merges.push(m);
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
    for (const g of w.groupUpdates.values()) this.stmts.upsertGroup.run(g.id, toBlob(g.sum), g.size);
    for (const s of sourceIds) this.stmts.markIngested.run(s, now, units.length);
    return w;
  }

  /** The stored unit a new one merges into: its exact duplicate (key), else a near duplicate of its group in the graph. */
  private storedDuplicate(key: string, vec: Float32Array, group: string): { label: number; sources: string[]; ts: string | null } | undefined {
    const exact = this.stmts.byKey.get(key);
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
      try {
        await writeGraph(this.hnsw, this.indexPath);
      } catch (e) {
        this.dirty = true;
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
