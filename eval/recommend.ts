import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { formatLineErrors, isRecord, readJsonl } from '../core/jsonl.js';
import { loadEncoder } from '../nlu/encoder.js';
import {
  leaveLastOut,
  MetricAccumulator,
  ndcgForRank,
  PopularityBaseline,
  rankUnder,
  sampleKeys,
  coordinateSearch,
  type BlendCandidate,
  type EvalInteraction,
} from './recommend-metrics.js';
import { evaluateSessions, type HitCounts } from './recommend-session.js';
import { embedItems, type ItemMatrix } from '../recommender/item-embeddings.js';
import { loadEvents, MemoryEvents, parseTime } from '../recommender/memory-sources.js';
import { TopK } from '../recommender/topk.js';
import { Recommender, type RecommenderOptions } from '../recommender/recommender.js';
import type { CatalogItem, Interaction } from '../recommender/types.js';

// `npm run --silent eval -- recommend --interactions I.jsonl --items P.jsonl [--k 10]`
//
// I lines {"user","item","ts"} (epoch seconds or ISO), P lines {"id","title","category"?,"description"?}.
// Protocol (also in recommender/README.md):
//   - (user, item) repeats are collapsed to their first occurrence;
//   - every user with >= 3 distinct items has their LAST item held out (by ts, ties broken by line
//     order in I), the rest of the file is training data;
//   - blend weights and the history position decay are tuned on a validation split carved from the
//     training data only (each training user's last training item), never on the test items;
//   - the real Recommender (same rules as in the bot: diversity, near-duplicate cut) is trained on
//     the training data and asked for k items per test user; the popularity baseline (most distinct
//     training users) is computed in the same run. Both exclude items the user already interacted
//     with, as is standard; recall@k = hit rate, ndcg@k with one relevant item, coverage@k = distinct
//     recommended items / catalogue size.
// With --events E.jsonl (store events: customer_id, product_id, type, ts; e.g. fixtures/store/events.jsonl)
// the JSON also gets `session_next_item`: hit@k of the next new item a customer views or buys within
// a browsing session, for popularity, the profile without the session, and profile + session
// (protocol in eval/recommend-session.ts and recommender/README.md).
// Stdout's last line is the contract's JSON; details (tuned weights, validation scores) go to stderr.

interface EvalItem {
  id: string;
  title: string;
  category: string;
  description: string;
}

function idOf(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

async function loadItems(path: string): Promise<EvalItem[]> {
  const { rows, errors } = await readJsonl(path, (v): EvalItem | string => {
    if (!isRecord(v)) return 'not an object';
    const id = idOf(v.id);
    if (!id) return 'missing "id"';
    const s = (x: unknown) => (typeof x === 'string' ? x : '');
    return { id, title: s(v.title), category: s(v.category), description: s(v.description) };
  });
  if (errors.length > 0) process.stderr.write(formatLineErrors(path, errors, 5) + '\n');
  return rows;
}

async function loadInteractions(path: string): Promise<EvalInteraction[]> {
  let line = 0;
  const { rows, errors } = await readJsonl(path, (v): EvalInteraction | string => {
    const at = line++;
    if (!isRecord(v)) return 'not an object';
    const user = idOf(v.user);
    const item = idOf(v.item);
    const ts = parseTime(v.ts);
    if (!user || !item) return 'missing "user" or "item"';
    if (ts === null) return `bad "ts" ${JSON.stringify(v.ts)}`;
    return { user, item, ts, line: at };
  });
  if (errors.length > 0) process.stderr.write(formatLineErrors(path, errors, 5) + '\n');
  return rows;
}

function toEvents(rows: readonly EvalInteraction[]): Interaction[] {
  return rows.map((r) => ({ customerId: r.user, productId: r.item, type: 'purchase' as const, ts: r.ts }));
}

interface Tuned {
  weights: BlendCandidate;
  /** Weights for departments with at least MIN_DEPARTMENT_USERS validation customers. */
  departmentWeights: Record<string, BlendCandidate>;
  positionDecay: number;
  trendingHalfLifeDays: number;
  valUsers: number;
  valNdcg: number;
  valPopularityNdcg: number;
}

const DEFAULT_TUNED: Tuned = {
  // trending is left out offline: leave-last-out over years of history has no meaningful "now"
  weights: { content: 0.3, collaborative: 1, popularity: 0.1, trending: 0, categoryPopularity: 0.5 },
  departmentWeights: {},
  positionDecay: 0.9,
  trendingHalfLifeDays: 14,
  valUsers: 0,
  valNdcg: NaN,
  valPopularityNdcg: NaN,
};

/** One validation user's blend parts, restricted to a candidate pool (see tune()). */
interface UserPool {
  department: string | null;
  /** position of the target in the pool arrays */
  target: number;
  content: Float32Array | null;
  collaborative: Float32Array;
  popularity: Float32Array;
  trending: Float32Array;
  categoryPopularity: Float32Array;
}

const POOL_PER_PART = 200;
const MIN_DEPARTMENT_USERS = 50;

function blendNdcg(pools: readonly UserPool[], g: BlendCandidate, k: number): number {
  let sum = 0;
  for (const p of pools) {
    const scores = new Float32Array(p.collaborative.length);
    for (let i = 0; i < scores.length; i++) {
      scores[i] =
        (p.content ? g.content * p.content[i]! : 0) +
        g.collaborative * p.collaborative[i]! +
        g.popularity * p.popularity[i]! +
        g.trending * p.trending[i]! +
        g.categoryPopularity * p.categoryPopularity[i]!;
    }
    sum += ndcgForRank(rankUnder(scores, p.target, NO_EXCLUDE), k);
  }
  return sum;
}

function topIndexes(scores: Float32Array, m: number, exclude: ReadonlySet<number>, into: Set<number>): void {
  const top = new TopK(m);
  for (let i = 0; i < scores.length; i++) if (scores[i]! > top.threshold && !exclude.has(i)) top.push(i, scores[i]!);
  for (const { i } of top.sorted()) into.add(i);
}

/**
 * Tunes on a validation split carved from the TRAINING data only: each training user with >= 3
 * items has their last training item held out. For every history position decay and trending
 * half-life, the blend's parts are computed once per validation user, then the weights are found
 * by coordinate search on mean ndcg@k of the raw blend (before the business rules). To keep this
 * fast, each user's ranking is computed within a pool: the target plus the top 200 items of each
 * part (an item outside every part's top 200 cannot reach the top 10 of any blend in practice).
 */
function tune(items: CatalogItem[], vectors: ItemMatrix | undefined, train: EvalInteraction[], k: number, maxUsers: number, opts: RecommenderOptions): Tuned {
  const val = leaveLastOut(train, 3);
  const users = sampleKeys([...val.test.keys()].sort(), maxUsers);
  if (users.length === 0) return DEFAULT_TUNED;
  const now = val.train.reduce((m, r) => Math.max(m, r.ts), 0);
  const events = new MemoryEvents(toEvents(val.train));
  const base = new PopularityBaseline(val.train);
  const seenByUser = new Map<string, Set<string>>();
  for (const r of val.train) {
    let s = seenByUser.get(r.user);
    if (!s) seenByUser.set(r.user, (s = new Set()));
    s.add(r.item);
  }
  let popNdcg = 0;
  for (const u of users) popNdcg += ndcgForRank(base.recommend(seenByUser.get(u) ?? new Set(), k).indexOf(val.test.get(u)!), k);
  let best: Tuned = { ...DEFAULT_TUNED, departmentWeights: {}, valUsers: users.length, valNdcg: -1, valPopularityNdcg: popNdcg / users.length };
  let bestPools: UserPool[] = [];
  for (const positionDecay of [1, 0.7, 0.5, 0.3, 0.15]) {
    const contentByUser = new Map<string, Float32Array | null>();
    for (const trendingHalfLifeDays of [14]) {
      const rec = new Recommender({ ...opts, items, vectors, events, profile: { positionDecay }, popularity: { trendingHalfLifeDays }, clock: () => now });
      const pools: UserPool[] = [];
      for (const u of users) {
        const target = rec.catalog.indexOf(val.test.get(u)!);
        if (target === undefined) continue;
        const c = rec.componentScores(u, now, { content: !contentByUser.has(u) });
        if (!contentByUser.has(u)) contentByUser.set(u, c.content);
        const content = contentByUser.get(u) ?? null;
        const pool = new Set<number>([target]);
        if (content) topIndexes(content, POOL_PER_PART, c.exclude, pool);
        topIndexes(c.collaborative, POOL_PER_PART, c.exclude, pool);
        topIndexes(c.popularity, POOL_PER_PART, c.exclude, pool);
        topIndexes(c.trending, POOL_PER_PART, c.exclude, pool);
        topIndexes(c.categoryPopularity, POOL_PER_PART, c.exclude, pool);
        const idx = [...pool].sort((a, b) => a - b); // ascending: rank ties break by index as in the recommender
        const pick = (a: Float32Array) => Float32Array.from(idx, (i) => a[i]!);
        pools.push({
          department: rec.departmentOf(u, now),
          target: idx.indexOf(target),
          content: content ? pick(content) : null,
          collaborative: pick(c.collaborative),
          popularity: pick(c.popularity),
          trending: pick(c.trending),
          categoryPopularity: pick(c.categoryPopularity),
        });
      }
      const found = coordinateSearch(best.valNdcg >= 0 ? best.weights : DEFAULT_TUNED.weights, (g) => blendNdcg(pools, g, k) / users.length);
      if (found.score > best.valNdcg + 1e-12) {
        best = { ...best, weights: found.weights, positionDecay, trendingHalfLifeDays, valNdcg: found.score };
        bestPools = pools;
      }
    }
  }
  // Departments behave differently (gift-shop baskets vs electronics): with enough validation
  // customers, a department gets its own weights, searched from the global ones.
  const byDept = new Map<string, UserPool[]>();
  for (const p of bestPools) if (p.department !== null) byDept.set(p.department, [...(byDept.get(p.department) ?? []), p]);
  let total = blendNdcg(bestPools, best.weights, k);
  for (const [dept, pools] of [...byDept].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (pools.length < MIN_DEPARTMENT_USERS) continue;
    const global = blendNdcg(pools, best.weights, k);
    const found = coordinateSearch(best.weights, (g) => blendNdcg(pools, g, k));
    // only a clear gain justifies more parameters: 5% better on the department's validation users
    if (found.score > global * 1.05 + 1e-9) {
      best.departmentWeights[dept] = found.weights;
      total += found.score - global;
    }
  }
  best.valNdcg = total / users.length;
  return best;
}

const NO_EXCLUDE: ReadonlySet<number> = new Set();

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const interactionsPath = stringFlag(flags, 'interactions');
  const itemsPath = stringFlag(flags, 'items');
  if (!interactionsPath || !itemsPath) throw new Error('usage: eval recommend --interactions I.jsonl --items P.jsonl [--events E.jsonl] [--k 10] [--content off] [--diversity off] [--no-tune] [--dump per-user.jsonl]');
  const eventsPath = stringFlag(flags, 'events');
  const k = intFlag(flags, 'k', 10);
  const maxValUsers = intFlag(flags, 'max-val-users', 500);
  const useContent = stringFlag(flags, 'content') !== 'off';
  const diversity = stringFlag(flags, 'diversity') !== 'off';
  /** --dump FILE: one line per test user (target, its rank in our list and in the baseline's, -1 = missed). */
  const dumpPath = stringFlag(flags, 'dump');
  const t0 = performance.now();

  const [fileItems, rows] = await Promise.all([loadItems(itemsPath), loadInteractions(interactionsPath)]);
  if (rows.length === 0) throw new Error(`${interactionsPath}: no usable interactions`);
  // the catalogue: the items file plus any item that only appears in the interactions (no text)
  const byId = new Map<string, CatalogItem>();
  for (const it of fileItems) if (!byId.has(it.id)) byId.set(it.id, { id: it.id, title: it.title, category: it.category, description: it.description });
  let textless = 0;
  for (const r of rows) {
    if (!byId.has(r.item)) {
      byId.set(r.item, { id: r.item, title: '' });
      textless++;
    }
  }
  const items = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  let vectors: ItemMatrix | undefined;
  let requestVector: Float32Array | null = null;
  let encoderInfo = 'off';
  if (useContent) {
    const config = loadConfig();
    const enc = await loadEncoder({ ...config.encoder, model: stringFlag(flags, 'model') ?? config.encoder.model });
    const res = await embedItems(enc, items, { cacheDir: stringFlag(flags, 'cache-dir') ?? join(config.dataDir, 'cache', 'recommender') });
    vectors = res.matrix;
    encoderInfo = `${enc.modelId} (${res.cached} cached, ${res.embedded} embedded)`;
    // what NLU hands the recommender for "recommend something" (session eval, method d)
    if (eventsPath) requestVector = await enc.embed('recommend something');
    await enc.close();
  }

  const split = leaveLastOut(rows, 3);
  if (split.test.size === 0) throw new Error('no user has at least 3 distinct items: nothing to evaluate');
  // --diversity off measures the rules' cost; --mmr-lambda, --category-cap, --near-duplicate override single rules
  const num = (name: string): number | undefined => {
    const v = stringFlag(flags, name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number (got "${v}")`);
    return n;
  };
  const opts: RecommenderOptions = diversity
    ? { diversity: { lambda: num('mmr-lambda'), maxPerCategory: num('category-cap'), nearDuplicate: num('near-duplicate') } }
    : { diversity: { lambda: 1, maxPerCategory: 0, nearDuplicate: 2 } };
  const tuned = flags['no-tune'] ? DEFAULT_TUNED : tune(items, vectors, split.train, k, maxValUsers, opts);

  const now = split.train.reduce((m, r) => Math.max(m, r.ts), 0);
  const rec = new Recommender({ ...opts, items, vectors, events: new MemoryEvents(toEvents(split.train)), weights: tuned.weights, departmentWeights: tuned.departmentWeights, profile: { positionDecay: tuned.positionDecay }, popularity: { trendingHalfLifeDays: tuned.trendingHalfLifeDays }, clock: () => now });
  const base = new PopularityBaseline(split.train);
  const seenByUser = new Map<string, Set<string>>();
  for (const r of split.train) {
    let s = seenByUser.get(r.user);
    if (!s) seenByUser.set(r.user, (s = new Set()));
    s.add(r.item);
  }
  const ours = new MetricAccumulator();
  const pop = new MetricAccumulator();
  const dump: string[] = [];
  for (const user of [...split.test.keys()].sort()) {
    const target = split.test.get(user)!;
    const list = rec.rank({ customerId: user, k }).map((r) => r.productId);
    const baseline = base.recommend(seenByUser.get(user) ?? new Set(), k);
    ours.add(list, target, k);
    pop.add(baseline, target, k);
    if (dumpPath) dump.push(JSON.stringify({ user, target, rank: list.indexOf(target), popularity_rank: baseline.indexOf(target), recommended: list }));
  }
  if (dumpPath) writeFileSync(dumpPath, dump.join('\n') + '\n');

  let session: Record<string, unknown> | undefined;
  if (eventsPath) {
    const t1 = performance.now();
    const sweep = (stringFlag(flags, 'session-sweep') ?? '').split(',').filter((x) => x.trim() !== '').map(Number);
    if (sweep.some((w) => !(w >= 0 && w <= 1))) throw new Error('--session-sweep takes shares between 0 and 1, e.g. 0.3,0.5,0.7,1');
    const res = await evaluateSessions(items, vectors, await loadEvents(eventsPath), opts, {
      k,
      gapMs: (num('session-gap-hours') ?? 3) * 3_600_000,
      requestVector,
      sweep,
    });
    const hits = (c: HitCounts) => ({
      queries: c.queries,
      [`popularity_hit@${k}`]: r4(c.popularity / Math.max(1, c.queries)),
      [`profile_hit@${k}`]: r4(c.profile / Math.max(1, c.queries)),
      [`profile_session_hit@${k}`]: r4(c.profile_session / Math.max(1, c.queries)),
      ...(c.request_text_as_query !== undefined ? { [`request_text_as_query_hit@${k}`]: r4(c.request_text_as_query / Math.max(1, c.queries)) } : {}),
    });
    session = { sessions_scored: res.sessions_scored, customers: res.customers, ...hits(res.all), with_profile: hits(res.with_profile) };
    process.stderr.write(
      JSON.stringify({
        detail: 'recommend session_next_item',
        events: eventsPath,
        sessions: res.sessions,
        skipped_known_targets: res.skipped_known_targets,
        skipped_unknown_items: res.skipped_unknown_items,
        ...(res.sweep ? { session_weight_sweep: Object.fromEntries(Object.entries(res.sweep).map(([w, h]) => [w, r4(h)])) } : {}),
        seconds: r4((performance.now() - t1) / 1000),
      }) + '\n',
    );
  }

  process.stderr.write(
    JSON.stringify({
      detail: 'recommend',
      interactions: rows.length,
      duplicates_collapsed: split.duplicates,
      train: split.train.length,
      catalog: items.length,
      items_without_text: textless,
      encoder: encoderInfo,
      diversity,
      tuned_weights: tuned.weights,
      tuned_department_weights: tuned.departmentWeights,
      tuned_position_decay: tuned.positionDecay,
      tuned_trending_half_life_days: tuned.trendingHalfLifeDays,
      validation_users: tuned.valUsers,
      validation_ndcg: r4(tuned.valNdcg),
      validation_popularity_ndcg: r4(tuned.valPopularityNdcg),
      seconds: r4((performance.now() - t0) / 1000),
    }) + '\n',
  );
  return {
    task: 'recommend',
    users: ours.users,
    [`recall@${k}`]: r4(ours.recall),
    [`ndcg@${k}`]: r4(ours.meanNdcg),
    [`popularity_recall@${k}`]: r4(pop.recall),
    [`popularity_ndcg@${k}`]: r4(pop.meanNdcg),
    [`coverage@${k}`]: r4(ours.recommended.size / items.length),
    ...(session ? { session_next_item: session } : {}),
  };
}
