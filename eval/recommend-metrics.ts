// Pure parts of the offline evaluation: leave-last-out split, ranking metrics, the popularity
// baseline and the grid search for the blend weights. eval/recommend.ts wires them to files.

export interface EvalInteraction {
  user: string;
  item: string;
  /** epoch ms */
  ts: number;
  /** 0-based position in the input file: breaks ties between equal timestamps. */
  line: number;
}

export interface Split {
  train: EvalInteraction[];
  /** user -> held-out item */
  test: Map<string, string>;
  /** (user, item) repeats dropped before splitting */
  duplicates: number;
}

/**
 * Leave-last-out: for every user with at least `minItems` distinct items, the last one (by ts, then
 * by line order — UCI invoices put many lines at one timestamp, so the tie-break must be
 * deterministic) is held out; everything else is training data. Repeats of a (user, item) pair are
 * collapsed to their first occurrence first, so the held-out item is always new to the user (the
 * task is "what will they buy next that they have not bought before", and already-interacted items
 * are excluded from the candidates).
 */
export function leaveLastOut(rows: readonly EvalInteraction[], minItems = 3): Split {
  const sorted = [...rows].sort((a, b) => a.ts - b.ts || a.line - b.line);
  const seen = new Set<string>();
  const kept: EvalInteraction[] = [];
  for (const r of sorted) {
    const key = `${r.user}\u0000${r.item}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(r);
  }
  const byUser = new Map<string, EvalInteraction[]>();
  for (const r of kept) {
    let list = byUser.get(r.user);
    if (!list) byUser.set(r.user, (list = []));
    list.push(r);
  }
  const test = new Map<string, string>();
  const heldOut = new Set<EvalInteraction>();
  for (const [user, list] of byUser) {
    if (list.length < minItems) continue;
    const last = list[list.length - 1]!;
    test.set(user, last.item);
    heldOut.add(last);
  }
  return { train: kept.filter((r) => !heldOut.has(r)), test, duplicates: sorted.length - kept.length };
}

/** 0-based rank of `target` in `list`, or -1. */
export function rankOf(list: readonly string[], target: string): number {
  return list.indexOf(target);
}

/** DCG with one relevant item (ideal DCG = 1). */
export function ndcgForRank(rank: number, k: number): number {
  return rank >= 0 && rank < k ? 1 / Math.log2(rank + 2) : 0;
}

export class MetricAccumulator {
  users = 0;
  hits = 0;
  ndcg = 0;
  readonly recommended = new Set<string>();

  add(list: readonly string[], target: string, k: number): void {
    const r = rankOf(list.slice(0, k), target);
    this.users++;
    if (r >= 0) this.hits++;
    this.ndcg += ndcgForRank(r, k);
    for (const id of list.slice(0, k)) this.recommended.add(id);
  }

  get recall(): number {
    return this.users ? this.hits / this.users : 0;
  }

  get meanNdcg(): number {
    return this.users ? this.ndcg / this.users : 0;
  }
}

/** Most-popular baseline: items by number of distinct training users (ties by id), minus what the user already has. */
export class PopularityBaseline {
  private readonly ranked: string[];

  constructor(train: readonly EvalInteraction[]) {
    const count = new Map<string, number>();
    for (const r of train) count.set(r.item, (count.get(r.item) ?? 0) + 1);
    this.ranked = [...count.keys()].sort((a, b) => count.get(b)! - count.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  }

  recommend(seen: ReadonlySet<string>, k: number): string[] {
    const out: string[] = [];
    for (const id of this.ranked) {
      if (out.length >= k) break;
      if (!seen.has(id)) out.push(id);
    }
    return out;
  }
}

/**
 * 0-based rank the target would get under scores `s` among items not excluded, with the same
 * tie-break as the recommender (equal scores: lower index first).
 */
export function rankUnder(s: Float32Array | Float64Array, target: number, exclude: ReadonlySet<number>): number {
  const t = s[target]!;
  let rank = 0;
  for (let j = 0; j < s.length; j++) {
    if (j === target || exclude.has(j)) continue;
    const v = s[j]!;
    if (v > t || (v === t && j < target)) rank++;
  }
  return rank;
}

export interface BlendCandidate {
  content: number;
  collaborative: number;
  popularity: number;
  trending: number;
  categoryPopularity: number;
}

/** Values tried for each weight by the coordinate search. */
export const WEIGHT_GRID: Readonly<Record<keyof BlendCandidate, readonly number[]>> = {
  content: [0, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10],
  collaborative: [0, 0.25, 0.5, 1, 2, 4],
  popularity: [0, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
  // trending is not searched offline (see eval/recommend.ts); it stays at the start value
  trending: [],
  categoryPopularity: [0, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
};

/**
 * Coordinate ascent over the weight grid: starting from `start`, tries every value of one weight
 * with the others fixed and keeps the best (a tie keeps the current value), until a full round
 * changes nothing (at most `rounds`). `score` is the validation objective (higher is better).
 */
export function coordinateSearch(start: BlendCandidate, score: (w: BlendCandidate) => number, rounds = 4): { weights: BlendCandidate; score: number } {
  let best = { ...start };
  let bestScore = score(best);
  for (let r = 0; r < rounds; r++) {
    let changed = false;
    for (const key of Object.keys(WEIGHT_GRID) as (keyof BlendCandidate)[]) {
      for (const v of WEIGHT_GRID[key]) {
        if (v === best[key]) continue;
        const cand = { ...best, [key]: v };
        if (Object.values(cand).every((x) => x === 0)) continue;
        const sc = score(cand);
        if (sc > bestScore + 1e-12) {
          best = cand;
          bestScore = sc;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return { weights: best, score: bestScore };
}

/** Deterministic pseudo-random subset (FNV-1a hash of the key) of at most `max` keys. */
export function sampleKeys(keys: readonly string[], max: number): string[] {
  if (keys.length <= max) return [...keys];
  const h = (s: string) => {
    let x = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return x;
  };
  return [...keys].sort((a, b) => h(a) - h(b) || (a < b ? -1 : 1)).slice(0, max);
}
