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
  weightGrid,
  type BlendCandidate,
  type EvalInteraction,
} from './eval-core.js';
import { embedItems, type ItemMatrix } from './item-embeddings.js';
import { MemoryEvents, parseTime } from './memory-sources.js';
import { Recommender, type RecommenderOptions } from './recommender.js';
import type { CatalogItem, Interaction } from './types.js';

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
  positionDecay: number;
  valUsers: number;
  valNdcg: number;
  valPopularityNdcg: number;
}

/** Grid search on the validation split (train only): weights x history position decay. */
function tune(items: CatalogItem[], vectors: ItemMatrix | undefined, train: EvalInteraction[], k: number, maxUsers: number, opts: RecommenderOptions): Tuned {
  const val = leaveLastOut(train, 3);
  const users = sampleKeys([...val.test.keys()].sort(), maxUsers);
  const grid = weightGrid();
  const now = val.train.reduce((m, r) => Math.max(m, r.ts), 0);
  const events = new MemoryEvents(toEvents(val.train));
  let best: Tuned = { weights: { content: 0.3, collaborative: 1, popularity: 0.1 }, positionDecay: 0.9, valUsers: users.length, valNdcg: -1, valPopularityNdcg: 0 };
  const base = new PopularityBaseline(val.train);
  const seenByUser = new Map<string, Set<string>>();
  for (const r of val.train) {
    let s = seenByUser.get(r.user);
    if (!s) seenByUser.set(r.user, (s = new Set()));
    s.add(r.item);
  }
  let popNdcg = 0;
  for (const u of users) popNdcg += ndcgForRank(base.recommend(seenByUser.get(u) ?? new Set(), k).indexOf(val.test.get(u)!), k);
  for (const positionDecay of [1, 0.9, 0.7, 0.5]) {
    const rec = new Recommender({ ...opts, items, vectors, events, profile: { positionDecay }, clock: () => now });
    const sums = new Float64Array(grid.length);
    const scratch = new Float32Array(items.length);
    for (const u of users) {
      const target = rec.catalog.indexOf(val.test.get(u)!);
      if (target === undefined) continue;
      const c = rec.componentScores(u, now);
      grid.forEach((g, gi) => {
        for (let i = 0; i < scratch.length; i++) scratch[i] = (c.content ? g.content * c.content[i]! : 0) + g.collaborative * c.collaborative[i]! + g.popularity * c.popularity[i]!;
        sums[gi]! += ndcgForRank(rankUnder(scratch, target, c.exclude), k);
      });
    }
    grid.forEach((g, gi) => {
      const ndcg = users.length ? sums[gi]! / users.length : 0;
      if (ndcg > best.valNdcg + 1e-12) best = { weights: g, positionDecay, valUsers: users.length, valNdcg: ndcg, valPopularityNdcg: 0 };
    });
  }
  best.valPopularityNdcg = users.length ? popNdcg / users.length : 0;
  return best;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const interactionsPath = stringFlag(flags, 'interactions');
  const itemsPath = stringFlag(flags, 'items');
  if (!interactionsPath || !itemsPath) throw new Error('usage: eval recommend --interactions I.jsonl --items P.jsonl [--k 10] [--content off] [--diversity off] [--no-tune]');
  const k = intFlag(flags, 'k', 10);
  const maxValUsers = intFlag(flags, 'max-val-users', 1000);
  const useContent = stringFlag(flags, 'content') !== 'off';
  const diversity = stringFlag(flags, 'diversity') !== 'off';
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
  let encoderInfo = 'off';
  if (useContent) {
    const config = loadConfig();
    const enc = await loadEncoder({ ...config.encoder, model: stringFlag(flags, 'model') ?? config.encoder.model });
    const res = await embedItems(enc, items, { cacheDir: stringFlag(flags, 'cache-dir') ?? join(config.dataDir, 'cache', 'recommender') });
    vectors = res.matrix;
    encoderInfo = `${enc.modelId} (${res.cached} cached, ${res.embedded} embedded)`;
    await enc.close();
  }

  const split = leaveLastOut(rows, 3);
  if (split.test.size === 0) throw new Error('no user has at least 3 distinct items: nothing to evaluate');
  const opts: RecommenderOptions = diversity ? {} : { diversity: { lambda: 1, maxPerCategory: 0, nearDuplicate: 2 } };
  const tuned = flags['no-tune']
    ? { weights: { content: 0.3, collaborative: 1, popularity: 0.1 }, positionDecay: 0.9, valUsers: 0, valNdcg: NaN, valPopularityNdcg: NaN }
    : tune(items, vectors, split.train, k, maxValUsers, opts);

  const now = split.train.reduce((m, r) => Math.max(m, r.ts), 0);
  const rec = new Recommender({ ...opts, items, vectors, events: new MemoryEvents(toEvents(split.train)), weights: tuned.weights, profile: { positionDecay: tuned.positionDecay }, clock: () => now });
  const base = new PopularityBaseline(split.train);
  const seenByUser = new Map<string, Set<string>>();
  for (const r of split.train) {
    let s = seenByUser.get(r.user);
    if (!s) seenByUser.set(r.user, (s = new Set()));
    s.add(r.item);
  }
  const ours = new MetricAccumulator();
  const pop = new MetricAccumulator();
  for (const user of [...split.test.keys()].sort()) {
    const target = split.test.get(user)!;
    ours.add(rec.rank({ customerId: user, k }).map((r) => r.productId), target, k);
    pop.add(base.recommend(seenByUser.get(user) ?? new Set(), k), target, k);
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
      tuned_position_decay: tuned.positionDecay,
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
  };
}
