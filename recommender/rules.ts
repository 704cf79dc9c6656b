import { dotRows, type ItemMatrix } from './item-embeddings.js';

// Business rules applied around the scores: category matching for NLU filters, consumables (which
// may be bought again), diversity (MMR with a per-category cap and a near-duplicate cut), and the
// frequency cap that keeps the bot from pushing products in every message.

/** Lower-cased path levels of "Dept > Sub > Leaf". */
export function categoryLevels(category: string | undefined): string[] {
  return (category ?? '')
    .split('>')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

/** The last level ("Leaf"), or '' when unknown. */
export function leafCategory(category: string | undefined): string {
  const parts = (category ?? '').split('>').map((s) => s.trim()).filter((s) => s !== '');
  return parts[parts.length - 1] ?? '';
}

/**
 * Does an item's category satisfy a filter from NLU? The filter matches the whole path, a path prefix
 * ("Electronics > Mobiles"), or any single level ("chargers"), case-insensitively, with a naive
 * singular/plural tolerance ("charger" matches "Chargers").
 */
export function matchesCategory(itemCategory: string | undefined, filter: string): boolean {
  const want = categoryLevels(filter);
  if (want.length === 0) return true;
  const have = categoryLevels(itemCategory);
  const same = (a: string, b: string) => a === b || a + 's' === b || a === b + 's' || a + 'es' === b || a === b + 'es';
  if (want.length > 1) {
    if (want.length > have.length) return false;
    return want.every((w, i) => same(w, have[i]!));
  }
  return have.some((h) => same(want[0]!, h));
}

/** Categories whose products are consumed and bought again (e.g. "Batteries", "Coffee"). */
export function isConsumable(itemCategory: string | undefined, consumables: readonly string[]): boolean {
  return consumables.some((c) => matchesCategory(itemCategory, c));
}

export interface DiversityOptions {
  /** MMR trade-off: 1 = pure relevance, lower = more diverse (default 0.85). */
  lambda?: number;
  /** At most this many items from one leaf category (0 or Infinity: no cap). */
  maxPerCategory?: number;
  /** Two items whose vectors have cosine >= this are near-duplicates (default 0.95)... */
  nearDuplicate?: number;
  /** ...and at most this many mutual near-duplicates are kept, e.g. two colours of one item (default 2). */
  maxNearDuplicates?: number;
}

export interface Candidate {
  item: number;
  score: number;
}

/**
 * Greedy MMR over a shortlist: picks `k` items maximizing lambda * relevance - (1 - lambda) * max
 * similarity to what is already picked, skipping an item once `maxNearDuplicates` near-duplicates
 * of it are picked and items whose leaf category is full. May return fewer than k when the rules
 * leave too few candidates.
 */
export function diversify(candidates: readonly Candidate[], vectors: ItemMatrix, leafOf: (item: number) => string, k: number, opts: DiversityOptions = {}): Candidate[] {
  const lambda = opts.lambda ?? 0.85;
  const cap = opts.maxPerCategory && opts.maxPerCategory > 0 ? opts.maxPerCategory : Infinity;
  const dup = opts.nearDuplicate ?? 0.95;
  const maxDup = Math.max(1, opts.maxNearDuplicates ?? 2);
  if (candidates.length === 0 || k <= 0) return [];
  // best first (ties: smaller item index), so the scan below can stop early
  const order = candidates.map((c, i) => i).sort((a, b) => candidates[b]!.score - candidates[a]!.score || candidates[a]!.item - candidates[b]!.item);
  const maxScore = candidates[order[0]!]!.score;
  const minScore = candidates[order[order.length - 1]!]!.score;
  const span = maxScore - minScore || 1;
  const m = candidates.length;
  const rel = new Float64Array(m);
  for (let c = 0; c < m; c++) rel[c] = (candidates[c]!.score - minScore) / span;
  const maxSim = new Float64Array(m); // similarity to the closest picked item seen so far
  const dupCount = new Uint8Array(m); // picked near-duplicates of each candidate
  const seenPicks = new Int32Array(m); // how many picks each candidate was compared with (lazy)
  const done = new Uint8Array(m); // picked or ruled out for good
  const perCat = new Map<string, number>();
  const leaves = cap === Infinity ? null : candidates.map((c) => leafOf(c.item).toLowerCase());
  const picked: Candidate[] = [];
  const hasVectors = vectors.n > 0;
  // Lazy greedy MMR: the penalty only grows as items are picked, so lambda * relevance bounds a
  // candidate's value; candidates are compared with new picks only when they could still win.
  while (picked.length < k) {
    let best = -1;
    let bestVal = -Infinity;
    for (const c of order) {
      if (done[c]) continue;
      if (lambda * rel[c]! <= bestVal) break;
      if (leaves && leaves[c] && (perCat.get(leaves[c]!) ?? 0) >= cap) {
        done[c] = 1;
        continue;
      }
      if (hasVectors) {
        for (let p = seenPicks[c]!; p < picked.length; p++) {
          const sim = dotRows(vectors, picked[p]!.item, candidates[c]!.item);
          if (sim >= dup) dupCount[c]!++;
          if (sim > maxSim[c]!) maxSim[c] = sim;
        }
        seenPicks[c] = picked.length;
        if (dupCount[c]! >= maxDup) {
          done[c] = 1;
          continue;
        }
      }
      const val = lambda * rel[c]! - (1 - lambda) * Math.max(0, maxSim[c]!);
      if (val > bestVal) {
        bestVal = val;
        best = c;
      }
    }
    if (best < 0) break;
    done[best] = 1;
    if (leaves && leaves[best]) perCat.set(leaves[best]!, (perCat.get(leaves[best]!) ?? 0) + 1);
    picked.push(candidates[best]!);
  }
  return picked;
}

export interface FrequencyCapOptions {
  /** Minimum time between two proactive suggestions to one customer (default 10 minutes). */
  minGapMs?: number;
  /** At most this many proactive suggestions per customer per rolling window (default 5). */
  maxPerWindow?: number;
  /** The rolling window (default 24 hours). */
  windowMs?: number;
}

/**
 * Per-customer cap on proactive suggestions, with an injectable clock (pass `now`). Explicit
 * requests ("show me chargers") are never capped; only suggestions the bot makes on its own are.
 */
export class FrequencyCap {
  private readonly pushes = new Map<string, number[]>();
  readonly minGapMs: number;
  readonly maxPerWindow: number;
  readonly windowMs: number;

  constructor(opts: FrequencyCapOptions = {}) {
    this.minGapMs = opts.minGapMs ?? 10 * 60_000;
    this.maxPerWindow = opts.maxPerWindow ?? 5;
    this.windowMs = opts.windowMs ?? 24 * 3_600_000;
  }

  /** May the bot push suggestions to this customer now? */
  allows(customerId: string, now: number): boolean {
    const times = this.recent(customerId, now);
    const last = times[times.length - 1];
    if (last !== undefined && now - last < this.minGapMs) return false;
    return times.length < this.maxPerWindow;
  }

  /** Remembers that suggestions were pushed now. */
  note(customerId: string, now: number): void {
    const times = this.recent(customerId, now);
    times.push(now);
    this.pushes.set(customerId, times);
    if (this.pushes.size > 100_000) {
      const oldest = this.pushes.keys().next().value;
      if (oldest !== undefined) this.pushes.delete(oldest);
    }
  }

  private recent(customerId: string, now: number): number[] {
    return (this.pushes.get(customerId) ?? []).filter((t) => now - t < this.windowMs);
  }
}
