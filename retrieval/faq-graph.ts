import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { HnswParams } from './index-store.js';

// The FAQ index's graph: an hnswlib-node HierarchicalNSW (cosine) and its saved copy, faq.hnsw.

const { HierarchicalNSW } = hnswlib;
export type Hnsw = InstanceType<typeof HierarchicalNSW>;

/**
 * The saved graph when `reuse` allows and the file reads with the right dimension, else a new empty
 * one sized for `total` units (`rebuilt` when there are units to put back). Its ef is set.
 */
export function openGraph(indexPath: string, dim: number, params: HnswParams, total: number, reuse: boolean, log: (line: string) => void): { hnsw: Hnsw; fromFile: number; rebuilt: boolean } {
  let saved: Hnsw | null = null;
  if (reuse && existsSync(indexPath)) {
    try {
      const h = new HierarchicalNSW('cosine', dim);
      h.readIndexSync(indexPath);
      if (h.getNumDimensions() !== dim) throw new Error(`dimension ${h.getNumDimensions()} != ${dim}`);
      saved = h;
    } catch (e) {
      log(`[faq] ${indexPath} could not be read (${(e as Error).message}); rebuilding it from the stored vectors`);
    }
  }
  const hnsw = saved ?? new HierarchicalNSW('cosine', dim);
  if (!saved) hnsw.initIndex({ maxElements: Math.max(1024, total * 2), m: params.m, efConstruction: params.efConstruction, randomSeed: 100 });
  hnsw.setEf(params.ef);
  return { hnsw, fromFile: saved ? saved.getCurrentCount() : 0, rebuilt: !saved && total > 0 };
}

/** Room for `extra` more points (the graph at least doubles when it grows). */
export function ensureCapacity(hnsw: Hnsw, extra: number): void {
  const need = hnsw.getCurrentCount() + extra;
  const max = hnsw.getMaxElements();
  if (need > max) hnsw.resizeIndex(Math.max(need, max * 2));
}

/** Writes the graph to a temporary file, fsyncs it and renames it over `indexPath`: a reader never opens a half-written file. */
export async function writeGraph(hnsw: Hnsw, indexPath: string): Promise<void> {
  mkdirSync(dirname(indexPath), { recursive: true });
  const tmp = `${indexPath}.tmp-${process.pid}`;
  try {
    await hnsw.writeIndex(tmp);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, indexPath);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
