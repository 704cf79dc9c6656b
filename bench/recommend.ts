import { cpus, loadavg } from 'node:os';
import { intFlag, parseArgs } from '../core/args.js';
import { normalizeInPlace, type ItemMatrix } from '../recommender/item-embeddings.js';
import { MemoryCatalog, MemoryEvents } from '../recommender/memory-sources.js';
import { Recommender } from '../recommender/recommender.js';
import type { CatalogItem, Interaction } from '../recommender/types.js';
import { emit, percentile, round, rssMb } from './stats.js';
import { mulberry32 } from '../core/rng.js';

// `npm run bench -- recommend [--items 10000] [--customers 5000] [--requests 1000] [--dim 384]`
//
// Latency of one recommend() call on a synthetic catalogue (no encoder: random unit vectors stand
// in for item embeddings, clustered by category so content scores are not uniform noise) with
// synthetic basket history (customers buy within a few categories). Phases, each as a JSON line:
// build, personal (customers with history, no query), cold (unknown customers), query (request
// vector + price filter), query_category (request vector + category filter), related. Summary last.

function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

function unitVector(r: () => number, dim: number, around?: Float32Array, spread = 1): Float32Array {
  const v = new Float32Array(dim);
  for (let d = 0; d < dim; d++) v[d] = (around ? around[d]! : 0) + spread * gaussian(r) / Math.sqrt(dim);
  return normalizeInPlace(v);
}

interface Synthetic {
  items: CatalogItem[];
  vectors: ItemMatrix;
  events: Interaction[];
  leaves: string[];
  vocab: string[];
}

function synthesize(nItems: number, nCustomers: number, dim: number, seed: number): Synthetic {
  const r = mulberry32(seed);
  const depts = ['Electronics', 'Home & Kitchen', 'Home & Gifts', 'Books', 'Fashion', 'Sports', 'Toys & Games', 'Beauty', 'Grocery', 'Office Products'];
  const leaves: string[] = [];
  for (const d of depts) for (let s = 0; s < 5; s++) for (let l = 0; l < 4; l++) leaves.push(`${d} > Sub ${s} > Leaf ${s}.${l}`);
  const centres = leaves.map(() => unitVector(r, dim));
  // title words: 300 made-up words, three per title, so a two-word query matches ~2% of the catalogue
  const vocab = Array.from({ length: 300 }, (_, w) => `w${w.toString(36)}x${'abcdefghij'[w % 10]}`);
  const items: CatalogItem[] = [];
  const data = new Float32Array(nItems * dim);
  const leafOf: number[] = [];
  for (let i = 0; i < nItems; i++) {
    const leaf = Math.floor(r() * leaves.length);
    leafOf.push(leaf);
    data.set(unitVector(r, dim, centres[leaf], 0.8), i * dim);
    items.push({
      id: `P${String(i).padStart(6, '0')}`,
      title: `${vocab[Math.floor(r() * vocab.length)]} ${vocab[Math.floor(r() * vocab.length)]} ${vocab[Math.floor(r() * vocab.length)]} item ${i}`,
      category: leaves[leaf],
      price: Math.round(50 + r() * r() * 5000),
      stock: r() < 0.05 ? 0 : 1 + Math.floor(r() * 100),
      rating: 3 + 2 * r(),
      ratingCount: Math.floor(r() * r() * 5000),
    });
  }
  const byLeaf = new Map<number, number[]>();
  leafOf.forEach((l, i) => byLeaf.set(l, [...(byLeaf.get(l) ?? []), i]));
  // popularity is skewed: pick items with a Zipf-like bias inside a leaf
  const pick = (leaf: number) => {
    const list = byLeaf.get(leaf) ?? [0];
    return list[Math.floor(list.length * r() * r())]!;
  };
  const events: Interaction[] = [];
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let c = 0; c < nCustomers; c++) {
    const customerId = `C${String(c).padStart(6, '0')}`;
    const favourite = [0, 1, 2].map(() => Math.floor(r() * leaves.length));
    const baskets = 1 + Math.floor(r() * 4);
    for (let b = 0; b < baskets; b++) {
      const ts = t0 + Math.floor(r() * 90 * 86_400_000);
      const size = 1 + Math.floor(r() * 5);
      for (let k = 0; k < size; k++) {
        const item = pick(favourite[Math.floor(r() * favourite.length)]!);
        events.push({ customerId, productId: items[item]!.id, type: 'view', ts: ts - 3_600_000 });
        events.push({ customerId, productId: items[item]!.id, type: 'purchase', ts, basket: `${customerId}-${b}` });
      }
    }
  }
  events.sort((a, b) => a.ts - b.ts);
  return { items, vectors: { dim, n: nItems, data }, events, leaves, vocab };
}

interface Timings {
  wall: number[];
  /** CPU time of this process per call (user + system): what the call costs when the machine is
   * shared, without the time it waited for a core. */
  cpu: number[];
}

async function timeIt(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<Timings> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn(i);
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall, cpu };
}

function phase(name: string, t: Timings): Record<string, unknown> {
  const row = {
    phase: name,
    requests: t.wall.length,
    p50_ms: round(percentile(t.wall, 50), 3),
    p95_ms: round(percentile(t.wall, 95), 3),
    max_ms: round(Math.max(...t.wall), 3),
    p50_cpu_ms: round(percentile(t.cpu, 50), 3),
    p95_cpu_ms: round(percentile(t.cpu, 95), 3),
  };
  emit(row);
  return row;
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const nItems = intFlag(flags, 'items', 10_000);
  const nCustomers = intFlag(flags, 'customers', 5_000);
  const requests = intFlag(flags, 'requests', 1_000);
  const dim = intFlag(flags, 'dim', 384);
  const seed = intFlag(flags, 'seed', 7);
  const k = intFlag(flags, 'k', 10);

  const rssBefore = rssMb();
  let t = performance.now();
  const syn = synthesize(nItems, nCustomers, dim, seed);
  const synthMs = performance.now() - t;
  t = performance.now();
  const now = Date.parse('2026-04-01T00:00:00Z');
  const rec = new Recommender({ items: syn.items, vectors: syn.vectors, events: new MemoryEvents(syn.events), catalog: new MemoryCatalog(syn.items), clock: () => now });
  const buildMs = performance.now() - t;
  emit({ phase: 'build', items: nItems, customers: nCustomers, events: syn.events.length, dim, synth_ms: round(synthMs), build_ms: round(buildMs), rss_mb: rssMb() });

  const r = mulberry32(seed + 1);
  const customer = () => `C${String(Math.floor(r() * nCustomers)).padStart(6, '0')}`;
  // warm-up: loads profiles and computes co-occurrence rows lazily, as a running bot would have
  for (let i = 0; i < 300; i++) rec.rank({ customerId: customer(), k });

  const personal = phase('personal', await timeIt(requests, () => rec.recommend({ customerId: customer(), k })));
  const cold = phase('cold', await timeIt(requests, (i) => rec.recommend({ customerId: `NEW-${i}`, k })));
  const queryVectors = Array.from({ length: 64 }, (_, i) => {
    const v = new Float32Array(dim);
    const base = syn.vectors.data.subarray(((i * 97) % nItems) * dim, ((i * 97) % nItems + 1) * dim);
    for (let d = 0; d < dim; d++) v[d] = base[d]! + gaussian(r) / Math.sqrt(dim);
    return normalizeInPlace(v);
  });
  const query = phase(
    'query',
    await timeIt(requests, (i) => rec.recommend({ customerId: customer(), query: `cheap ${syn.vocab[i % 300]} ${syn.vocab[(i * 7) % 300]} under 1000`, context: { queryVector: queryVectors[i % 64]!, filters: { maxPrice: 1000 } }, k })),
  );
  const queryCategory = phase(
    'query_category',
    await timeIt(requests, (i) => rec.recommend({ customerId: customer(), query: `${syn.vocab[(i * 13) % 300]} for my home`, context: { queryVector: queryVectors[i % 64]!, filters: { category: syn.leaves[i % syn.leaves.length]!.split(' > ')[0]! } }, k })),
  );
  const related = phase('related', await timeIt(Math.min(requests, 500), (i) => rec.related(syn.items[(i * 7919) % nItems]!.id, { k })));
  const events = phase(
    'record_event',
    await timeIt(Math.min(requests, 500), (i) => rec.recordEvent({ customerId: customer(), productId: syn.items[(i * 31) % nItems]!.id, type: i % 5 === 0 ? 'purchase' : 'click', ts: now })),
  );
  const afterEvents = phase('personal_after_events', await timeIt(requests, () => rec.recommend({ customerId: customer(), k })));
  const mem = process.memoryUsage();
  const worstP95 = Math.max(Number(personal.p95_ms), Number(cold.p95_ms), Number(query.p95_ms), Number(queryCategory.p95_ms), Number(afterEvents.p95_ms));
  return {
    bench: 'recommend',
    items: nItems,
    customers: nCustomers,
    dim,
    k,
    requests_per_phase: requests,
    build_ms: round(buildMs),
    p50_ms_personal: personal.p50_ms,
    p95_ms_personal: personal.p95_ms,
    p50_ms_cold: cold.p50_ms,
    p95_ms_cold: cold.p95_ms,
    p50_ms_query: query.p50_ms,
    p95_ms_query: query.p95_ms,
    p95_ms_query_category: queryCategory.p95_ms,
    p95_ms_related: related.p95_ms,
    p95_ms_record_event: events.p95_ms,
    p95_ms_worst: worstP95,
    p95_cpu_ms_personal: personal.p95_cpu_ms,
    p95_cpu_ms_query: query.p95_cpu_ms,
    load_average_1m: round(loadavg()[0]!, 2),
    cpus: cpus().length,
    target_p95_ms: 10,
    meets_target: worstP95 <= 10,
    rss_mb: rssMb(),
    rss_mb_at_start: rssBefore,
    heap_used_mb: round(mem.heapUsed / 1024 / 1024, 1),
    item_matrix_mb: round((nItems * dim * 4) / 1024 / 1024, 1),
  };
}
