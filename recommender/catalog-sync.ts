import { progress } from '../core/progress.js';
import type { Encoder } from '../nlu/encoder-types.js';
import { CatalogAdmin, type ChangedProduct } from '../store/catalog-admin.js';
import type { Sql } from '../store/sql/executor.js';
import { itemText, VectorCache } from './item-embeddings.js';
import type { Recommender } from './recommender.js';
import type { CatalogItem } from './types.js';

// Keeps a running recommender in step with the store's catalogue without a restart. Every product
// batch of the admin API or an import stamps its rows with a catalogue change number
// (store/catalog-admin.ts); sync() reads the rows changed since the last number it applied, embeds
// only products whose item text is new (the vector cache is keyed by a hash of that text, so a
// price or stock change, or a text seen before, costs no forward pass), and applies everything to
// the recommender in one synchronous step. Removed products leave every suggestion list at once.
// Calls are serialized; poll() also picks up changes made by another process (the import command).

export interface SyncReport {
  /** Catalogue change number applied up to. */
  seq: number;
  /** Products added or changed, and removed. */
  changed: number;
  removed: number;
  /** Products whose item text changed and were embedded; the others reused their vector. */
  embedded: number;
  reused: number;
  ms: number;
}

export interface CatalogSyncOptions {
  /** The store's async SQL. */
  sql: Sql;
  recommender: Recommender;
  /** Without an encoder (or a recommender without content), only fields and removals are applied. */
  encoder?: Encoder;
  /** The vector cache's folder (the data folder), shared with the first start and the import command. */
  cacheDir?: string;
  /** The change number the recommender's catalogue was read at (read it BEFORE listing the products). */
  since: number;
  /** Progress bar for syncs that embed at least this many products (default 256). */
  progressFrom?: number;
  silent?: boolean;
  log?: (line: string) => void;
}

const toItem = (p: ChangedProduct): CatalogItem => ({
  id: p.id,
  title: p.title,
  description: p.description,
  category: p.category,
  price: p.price,
  stock: p.stock,
  rating: p.rating,
  ratingCount: p.ratingCount,
});

export class CatalogSync {
  private readonly admin: CatalogAdmin;
  private readonly cache: VectorCache | null;
  private seq: number;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: CatalogSyncOptions) {
    this.admin = new CatalogAdmin(opts.sql);
    this.seq = opts.since;
    this.cache = opts.encoder && opts.cacheDir ? new VectorCache(opts.cacheDir, opts.encoder.checksum, opts.encoder.dim) : null;
    this.log = opts.log ?? (() => {});
  }

  /** The change number applied so far. */
  get applied(): number {
    return this.seq;
  }

  /** Applies every catalogue change after the last one applied (serialized with other calls). */
  sync(): Promise<SyncReport> {
    const run = this.chain.then(() => this.run());
    this.chain = run.catch(() => {});
    return run;
  }

  /** Checks for changes every `intervalMs` (cheap: one row of `meta`); returns stop(). */
  poll(intervalMs = 2000): () => void {
    this.timer = setInterval(() => {
      void this.admin
        .catalogSeq()
        .then((latest) => (latest <= this.seq ? null : this.sync()))
        .then(
          (r) => r && this.log(`[catalog] picked up changes: ${r.changed} changed (${r.embedded} embedded, ${r.reused} reused), ${r.removed} removed in ${r.ms} ms`),
          (err: unknown) => this.log(`[catalog] sync failed: ${(err as Error).message}`),
        );
    }, intervalMs);
    this.timer.unref();
    return () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
    };
  }

  private async run(): Promise<SyncReport> {
    const t0 = performance.now();
    const target = await this.admin.catalogSeq();
    const report: SyncReport = { seq: this.seq, changed: 0, removed: 0, embedded: 0, reused: 0, ms: 0 };
    if (target <= this.seq) return report;
    const rows = await this.admin.changedProductsSince(this.seq);
    const upsert = rows.filter((r) => !r.deleted).map(toItem);
    const remove = rows.filter((r) => r.deleted).map((r) => r.id);
    const vectors = new Map<string, Float32Array>();
    const { recommender, encoder } = this.opts;
    if (encoder && recommender.hasItemVectors) {
      this.cache?.refresh(); // vectors the import command embedded for us
      const missing: { id: string; text: string }[] = [];
      for (const it of upsert) {
        const text = itemText(it);
        if (text.trim() === '') continue;
        const i = recommender.catalog.indexOf(it.id);
        const current = i === undefined ? undefined : recommender.catalog.items[i];
        if (current && !recommender.catalog.isRemoved(i!) && itemText(current) === text) continue; // same text: the vector it has is right
        const hit = this.cache?.get(text);
        if (hit) {
          vectors.set(it.id, hit);
          report.reused++;
        } else missing.push({ id: it.id, text });
      }
      if (missing.length > 0) {
        const bar = progress('re-embedding products', missing.length, { silent: this.opts.silent ?? missing.length < (this.opts.progressFrom ?? 256) });
        const vecs = await encoder.embedMany(
          missing.map((m) => m.text),
          { onBatch: (idx) => bar.tick(idx.length) },
        );
        bar.done();
        missing.forEach((m, k) => {
          vectors.set(m.id, vecs[k]!);
          this.cache?.set(m.text, vecs[k]!);
        });
        this.cache?.save();
        report.embedded = missing.length;
      }
    }
    // One synchronous step: the next request sees every change of these batches.
    recommender.applyCatalogChanges({ upsert, remove, vectors });
    this.seq = rows.reduce((m, r) => Math.max(m, r.seq), target);
    report.seq = this.seq;
    report.changed = upsert.length;
    report.removed = remove.length;
    report.ms = Math.round(performance.now() - t0);
    return report;
  }
}
