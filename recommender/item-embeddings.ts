import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dotAt } from '../core/dot.js';
import { progress } from '../core/progress.js';
import type { Encoder } from '../nlu/encoder-types.js';
import type { CatalogItem } from './types.js';

// Item vectors: the shared encoder over title, category and description, computed once. Vectors are
// cached on disk keyed by (hash of the item text, encoder checksum), so a restart or a second eval
// run re-embeds only items whose text changed, and weights of another model never mix in.

/** All item vectors in one row-major Float32Array (n x dim), L2-normalized (zero rows allowed). */
export interface ItemMatrix {
  dim: number;
  n: number;
  data: Float32Array;
}

const MAX_TEXT_CHARS = 1200;
/** Description characters embedded (the same cut as tools/build-recommend-eval-set.ts, so the bot and the eval share cached vectors). */
export const DESCRIPTION_CHARS = 500;

/** The text embedded for an item: title first (it matters most), then category, then the description's start. */
export function itemText(item: Pick<CatalogItem, 'title' | 'category' | 'description'>): string {
  const parts = [item.title.trim()];
  const cat = (item.category ?? '').trim();
  if (cat) parts.push(cat);
  const desc = (item.description ?? '').replace(/\s+/g, ' ').trim().slice(0, DESCRIPTION_CHARS).trim();
  if (desc) parts.push(desc);
  const text = parts.filter((p) => p !== '').join('. ');
  return text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text;
}

function textKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

const MAGIC = 0x31565253; // "SRV1"
const KEY_BYTES = 16;

/** On-disk vector cache for one encoder checksum. */
export class VectorCache {
  private readonly entries = new Map<string, Float32Array>();
  private dirty = false;
  readonly file: string;

  constructor(
    dir: string,
    checksum: string,
    readonly dim: number,
  ) {
    this.file = join(dir, `item-vectors-${createHash('sha256').update(checksum).digest('hex').slice(0, 16)}-${dim}.bin`);
    this.load();
  }

  get size(): number {
    return this.entries.size;
  }

  get(text: string): Float32Array | undefined {
    return this.entries.get(textKey(text));
  }

  set(text: string, v: Float32Array): void {
    this.entries.set(textKey(text), v);
    this.dirty = true;
  }

  /** Size and mtime of the file when last read or written (another process may have saved since). */
  private seen = '';

  private stamp(): string {
    try {
      const st = statSync(this.file);
      return `${st.size}:${st.mtimeMs}`;
    } catch {
      return '';
    }
  }

  /** Reads vectors another process (the import command) saved since; returns how many were new. */
  refresh(): number {
    if (this.stamp() === this.seen) return 0;
    const before = this.entries.size;
    this.load();
    return this.entries.size - before;
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    this.seen = this.stamp();
    try {
      const buf = readFileSync(this.file);
      if (buf.length < 12 || buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== this.dim) return;
      const count = buf.readUInt32LE(8);
      const rec = KEY_BYTES + this.dim * 4;
      if (buf.length !== 12 + count * rec) return; // truncated or foreign: ignore, it will be rewritten
      for (let i = 0; i < count; i++) {
        const off = 12 + i * rec;
        const key = buf.subarray(off, off + KEY_BYTES).toString('hex');
        if (this.entries.has(key)) continue; // same text, same vector
        const v = new Float32Array(this.dim);
        for (let d = 0; d < this.dim; d++) v[d] = buf.readFloatLE(off + KEY_BYTES + d * 4);
        this.entries.set(key, v);
      }
    } catch {
      // an unreadable cache only costs a re-embed
    }
  }

  /** Writes the cache atomically (temp file + rename) if anything was added. */
  save(): void {
    if (!this.dirty) return;
    const rec = KEY_BYTES + this.dim * 4;
    const buf = Buffer.alloc(12 + this.entries.size * rec);
    buf.writeUInt32LE(MAGIC, 0);
    buf.writeUInt32LE(this.dim, 4);
    buf.writeUInt32LE(this.entries.size, 8);
    let off = 12;
    for (const [key, v] of this.entries) {
      buf.write(key, off, KEY_BYTES, 'hex');
      for (let d = 0; d < this.dim; d++) buf.writeFloatLE(v[d]!, off + KEY_BYTES + d * 4);
      off += rec;
    }
    mkdirSync(join(this.file, '..'), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, buf);
    renameSync(tmp, this.file);
    this.seen = this.stamp();
    this.dirty = false;
  }
}

export interface EmbedItemsOptions {
  /** Folder for the vector cache; omit to disable caching. */
  cacheDir?: string;
  /** Vectors embedded between two saves of the cache. */
  chunk?: number;
  silent?: boolean;
  /** Progress bar label. */
  label?: string;
  /** Called with the number of texts each forward pass embedded. */
  onProgress?: (n: number) => void;
  /** An open cache to use instead of opening `cacheDir` (long-lived callers keep one). */
  cache?: VectorCache;
}

export interface EmbedItemsResult {
  matrix: ItemMatrix;
  embedded: number;
  cached: number;
}

/** Embeds every item (in `items` order) with the shared encoder, reusing cached vectors. */
export async function embedItems(encoder: Encoder, items: readonly CatalogItem[], opts: EmbedItemsOptions = {}): Promise<EmbedItemsResult> {
  const dim = encoder.dim;
  const data = new Float32Array(items.length * dim);
  const cache = opts.cache ?? (opts.cacheDir ? new VectorCache(opts.cacheDir, encoder.checksum, dim) : null);
  const texts = items.map((it) => itemText(it));
  const missing: number[] = [];
  let cached = 0;
  texts.forEach((t, i) => {
    if (t.trim() === '') return; // no text: zero row, content never matches it
    const hit = cache?.get(t);
    if (hit) {
      data.set(hit, i * dim);
      cached++;
    } else missing.push(i);
  });
  if (missing.length > 0) {
    // One bulk call: the encoder groups texts of similar token length into each forward pass
    // (nlu/length-buckets.ts) and reports every pass, so the bar moves and the cache is saved as we
    // go (an interrupted run keeps what it embedded).
    const saveEvery = opts.chunk ?? 512;
    const bar = progress(opts.label ?? 'embedding items', missing.length, { silent: opts.silent ?? false });
    let unsaved = 0;
    await encoder.embedMany(
      missing.map((i) => texts[i]!),
      {
        onBatch(indexes, vecs) {
          indexes.forEach((k, j) => {
            const i = missing[k]!;
            data.set(vecs[j]!, i * dim);
            cache?.set(texts[i]!, vecs[j]!);
          });
          bar.tick(indexes.length);
          unsaved += indexes.length;
          if (unsaved >= saveEvery) {
            cache?.save();
            unsaved = 0;
          }
          opts.onProgress?.(indexes.length);
        },
      },
    );
    cache?.save();
    bar.done();
  }
  return { matrix: { dim, n: items.length, data }, embedded: missing.length, cached };
}

/** L2-normalizes a vector in place (zero stays zero) and returns it. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}

/** Row i of the matrix as a view (no copy). */
export function row(m: ItemMatrix, i: number): Float32Array {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim);
}

/** Dot product of row i with v. */
export function dotRow(m: ItemMatrix, i: number, v: Float32Array): number {
  const d = m.data;
  const dim = m.dim;
  let off = i * dim;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < dim; k += 4, off += 4) {
    s0 += d[off]! * v[k]!;
    s1 += d[off + 1]! * v[k + 1]!;
    s2 += d[off + 2]! * v[k + 2]!;
    s3 += d[off + 3]! * v[k + 3]!;
  }
  for (; k < dim; k++, off++) s0 += d[off]! * v[k]!;
  return s0 + s1 + s2 + s3;
}

/** Dot product of rows i and j. */
export function dotRows(m: ItemMatrix, i: number, j: number): number {
  return dotAt(m.data, i * m.dim, m.data, j * m.dim, m.dim);
}
