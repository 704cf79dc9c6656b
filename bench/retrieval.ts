import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { parseArgs, stringFlag } from '../core/args.js';
import { DEFAULT_HNSW } from '../retrieval/index-store.js';
import { emit, round, rssMb } from './stats.js';
import { mulberry32 } from '../core/rng.js';

// HNSW (hnswlib-node, cosine) against exact brute-force search, in the same run, on synthetic
// L2-normalized vectors of dimension 384:
//   clustered (default): points around n/100 random centres (cosine ~0.75 to their centre, ~0.55
//     between two points of one cluster, ~0 across clusters), like sentence embeddings of many
//     paraphrases of fewer questions; queries are fresh points from the same distribution.
//   uniform: points uniform on the sphere, the hardest case for any graph index (no structure).
// Exact search is hnswlib's BruteforceSearch (C++, same distance code), so the speed-up compares
// algorithms, not languages. recall@10 is measured against it on the same queries.
//
//   npm run bench -- retrieval [--sizes 10000,100000] [--dist clustered|uniform] [--queries 200]
//     [--configs 16:200,32:200] [--efs 16,32,64,128]
//
// The production parameters (retrieval/index-store.ts DEFAULT_HNSW) were chosen from this; the
// summary repeats them next to the best configuration of this run.

const { HierarchicalNSW, BruteforceSearch } = hnswlib;
const DIM = 384;
const K = 10;

function gaussian(r: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = Math.max(r(), 1e-12);
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  };
}

function normalizeInPlace(v: Float32Array): void {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
}

/** n unit vectors (flat) and nq queries from the same distribution. */
export function synthetic(n: number, nq: number, dist: 'clustered' | 'uniform', seed = 42): { data: Float32Array; queries: Float32Array } {
  const g = gaussian(mulberry32(seed));
  const centres = Math.max(1, Math.round(n / 100));
  const C = new Float32Array(centres * DIM);
  for (let c = 0; c < centres; c++) {
    const v = C.subarray(c * DIM, (c + 1) * DIM);
    for (let d = 0; d < DIM; d++) v[d] = g();
    normalizeInPlace(v);
  }
  const sigma = 0.045; // |noise| ~ 0.88: cosine to the centre ~0.75
  const pick = mulberry32(seed + 1);
  const make = (count: number): Float32Array => {
    const out = new Float32Array(count * DIM);
    for (let i = 0; i < count; i++) {
      const v = out.subarray(i * DIM, (i + 1) * DIM);
      if (dist === 'uniform') for (let d = 0; d < DIM; d++) v[d] = g();
      else {
        const c = Math.floor(pick() * centres);
        for (let d = 0; d < DIM; d++) v[d] = C[c * DIM + d]! + sigma * g();
      }
      normalizeInPlace(v);
    }
    return out;
  };
  return { data: make(n), queries: make(nq) };
}

const row = (flat: Float32Array, i: number): number[] => Array.from(flat.subarray(i * DIM, (i + 1) * DIM));

function timeQueries(nq: number, search: (i: number) => void, minMs = 600): number {
  let done = 0;
  const t0 = performance.now();
  do {
    for (let i = 0; i < nq; i++) search(i);
    done += nq;
  } while (performance.now() - t0 < minMs);
  return done / ((performance.now() - t0) / 1000);
}

function intList(s: string): number[] {
  return s.split(',').map((x) => {
    const n = Number(x.trim());
    if (!Number.isInteger(n) || n <= 0) throw new Error(`not a positive integer: "${x}"`);
    return n;
  });
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const sizes = intList(stringFlag(flags, 'sizes') ?? '10000,100000');
  const dist = (stringFlag(flags, 'dist') ?? 'clustered') as 'clustered' | 'uniform';
  if (dist !== 'clustered' && dist !== 'uniform') throw new Error('--dist must be clustered or uniform');
  const nq = intList(stringFlag(flags, 'queries') ?? '200')[0]!;
  const configs = (stringFlag(flags, 'configs') ?? '16:200').split(',').map((c) => {
    const [m, efc] = intList(c.replace(':', ','));
    return { m: m!, efConstruction: efc! };
  });
  const efs = intList(stringFlag(flags, 'efs') ?? '16,32,64,128');
  const target = 0.98;
  const dir = mkdtempSync(join(tmpdir(), 'bench-retrieval-'));
  const summary: Record<string, unknown> = { bench: 'retrieval', dist, dim: DIM, k: K, queries: nq, recall_target: target, production_params: DEFAULT_HNSW };
  try {
    for (const n of sizes) {
      const t0 = performance.now();
      const { data, queries } = synthetic(n, nq, dist);
      const q = Array.from({ length: nq }, (_, i) => row(queries, i));
      emit({ phase: 'data', n, dist, seconds: round((performance.now() - t0) / 1000, 2) });

      // Exact search: ground truth and baseline speed.
      let t = performance.now();
      const exact = new BruteforceSearch('cosine', DIM);
      exact.initIndex(n);
      for (let i = 0; i < n; i++) exact.addPoint(row(data, i), i);
      const exactBuild = (performance.now() - t) / 1000;
      const truth = q.map((v) => new Set(exact.searchKnn(v, K).neighbors));
      const exactQps = timeQueries(nq, (i) => exact.searchKnn(q[i]!, K), 1500);
      emit({ phase: 'exact', n, build_s: round(exactBuild, 2), qps: round(exactQps, 1) });

      const results: Record<string, unknown>[] = [];
      for (const cfg of configs) {
        t = performance.now();
        const h = new HierarchicalNSW('cosine', DIM);
        h.initIndex({ maxElements: n, m: cfg.m, efConstruction: cfg.efConstruction, randomSeed: 100 });
        for (let i = 0; i < n; i++) h.addPoint(row(data, i), i);
        const build = (performance.now() - t) / 1000;
        const file = join(dir, `hnsw-${n}-${cfg.m}-${cfg.efConstruction}.bin`);
        h.writeIndexSync(file);
        const bytes = statSync(file).size;
        rmSync(file, { force: true });
        emit({ phase: 'hnsw_build', n, m: cfg.m, ef_construction: cfg.efConstruction, build_s: round(build, 2), index_mb: round(bytes / 1048576, 1), rss_mb: rssMb() });
        for (const ef of efs) {
          h.setEf(Math.max(ef, K));
          let hits = 0;
          for (let i = 0; i < nq; i++) for (const id of h.searchKnn(q[i]!, K).neighbors) if (truth[i]!.has(id)) hits++;
          const recall = hits / (nq * K);
          const qps = timeQueries(nq, (i) => h.searchKnn(q[i]!, K));
          const r = { phase: 'hnsw_search', n, m: cfg.m, ef_construction: cfg.efConstruction, ef, recall_at_10: round(recall, 4), qps: round(qps, 1), speedup_vs_exact: round(qps / exactQps, 1) };
          emit(r);
          results.push({ ...r, build_s: round(build, 2), index_mb: round(bytes / 1048576, 1) });
        }
      }
      // Smallest ef reaching the target recall, per configuration; the fastest of those wins.
      const ok = results.filter((r) => (r.recall_at_10 as number) >= target).sort((a, b) => (b.qps as number) - (a.qps as number));
      const best = ok[0];
      summary[`n${n}`] = {
        exact_qps: round(exactQps, 1),
        chosen: best ? { m: best.m, ef_construction: best.ef_construction, ef: best.ef, recall_at_10: best.recall_at_10, qps: best.qps, speedup_vs_exact: best.speedup_vs_exact, build_s: best.build_s, index_mb: best.index_mb } : null,
        rss_mb: rssMb(),
      };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  summary.rss_mb = rssMb();
  return summary;
}
