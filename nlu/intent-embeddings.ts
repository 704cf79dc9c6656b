import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Encoder } from './encoder-types.js';
import { progress } from '../core/progress.js';

// Embeds training and test texts once. Vectors are cached in memory by a hash of the text, and —
// when a cache folder is given — on disk per encoder checksum, so re-running an eval or retraining
// after a small data change only embeds the new texts. A cache made with other weights is never
// used: its file name carries the encoder checksum.

const HASH_BYTES = 16;

/** Cache key of a text: the first 16 bytes of its sha256, base64url (22 characters). */
export function textKey(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest().subarray(0, HASH_BYTES).toString('base64url');
}

export interface EmbedOptions {
  /** Folder for the on-disk cache (e.g. data/cache); none keeps the cache in memory only. */
  cacheDir?: string;
  /** Label for the progress bar; progress is silent when undefined. */
  label?: string;
  /** Texts per embedMany call. */
  chunk?: number;
}

export class EmbeddingCache {
  private readonly mem = new Map<string, Float32Array>();
  private readonly file: string | null;
  private dirty = 0;
  private loaded = false;

  constructor(
    private readonly encoder: Encoder,
    cacheDir?: string,
  ) {
    this.file = cacheDir ? join(cacheDir, `embeddings-${encoder.checksum.slice(0, 16)}-${encoder.dim}.bin`) : null;
  }

  get size(): number {
    this.ensureLoaded();
    return this.mem.size;
  }

  /** Reads the file on first use: a start that loads saved models never needs the vectors. */
  private ensureLoaded(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (this.file && existsSync(this.file)) this.load(this.file);
  }

  private load(file: string): void {
    const buf = readFileSync(file);
    const rec = HASH_BYTES + this.encoder.dim * 4;
    if (buf.length % rec !== 0) return; // torn or foreign file: ignore, it is rewritten on save
    for (let off = 0; off < buf.length; off += rec) {
      const key = buf.subarray(off, off + HASH_BYTES).toString('base64url');
      const v = new Float32Array(this.encoder.dim);
      const src = buf.subarray(off + HASH_BYTES, off + rec);
      for (let d = 0; d < this.encoder.dim; d++) v[d] = src.readFloatLE(d * 4);
      this.mem.set(key, v);
    }
  }

  /** Writes the whole cache atomically (temp file + rename) when something new was embedded. */
  save(): void {
    if (!this.file || this.dirty === 0) return;
    this.ensureLoaded();
    const rec = HASH_BYTES + this.encoder.dim * 4;
    const buf = Buffer.alloc(rec * this.mem.size);
    let off = 0;
    for (const [key, v] of this.mem) {
      Buffer.from(key, 'base64url').copy(buf, off, 0, HASH_BYTES);
      for (let d = 0; d < this.encoder.dim; d++) buf.writeFloatLE(v[d]!, off + HASH_BYTES + d * 4);
      off += rec;
    }
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, buf);
    renameSync(tmp, this.file);
    this.dirty = 0;
  }

  /** One vector per text, in order; only texts not seen before go through the encoder. */
  async embedAll(texts: readonly string[], opts: { label?: string; chunk?: number } = {}): Promise<Float32Array[]> {
    this.ensureLoaded();
    const keys = texts.map(textKey);
    const missing: string[] = [];
    const missingKeys: string[] = [];
    const queued = new Set<string>();
    keys.forEach((k, i) => {
      if (!this.mem.has(k) && !queued.has(k)) {
        queued.add(k);
        missing.push(texts[i]!);
        missingKeys.push(k);
      }
    });
    if (missing.length > 0) {
      // Similar lengths in one forward pass waste less compute on padding.
      const byLength = missing.map((_, i) => i).sort((a, b) => missing[a]!.length - missing[b]!.length || a - b);
      const sortedTexts = byLength.map((i) => missing[i]!);
      const sortedKeys = byLength.map((i) => missingKeys[i]!);
      missing.splice(0, missing.length, ...sortedTexts);
      missingKeys.splice(0, missingKeys.length, ...sortedKeys);
      const chunk = opts.chunk ?? 256;
      const bar = progress(opts.label ?? 'embed', missing.length, { silent: opts.label === undefined || undefined });
      for (let i = 0; i < missing.length; i += chunk) {
        const vecs = await this.encoder.embedMany(missing.slice(i, i + chunk));
        vecs.forEach((v, j) => this.mem.set(missingKeys[i + j]!, v));
        this.dirty += vecs.length;
        bar.tick(vecs.length);
      }
      bar.done();
    }
    return keys.map((k) => this.mem.get(k)!);
  }
}
