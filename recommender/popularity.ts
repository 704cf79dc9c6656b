import type { InteractionType } from './types.js';

// Popularity, the cold-start fallback (new customer) and a prior in every blend, as two signals:
//   popularity  all-time purchase counts (plus a small catalogue-rating prior, so products nobody has
//               bought yet, e.g. a new product, are not all tied at 0);
//   trending    the same counts with exponential time decay:
//               trend_i(t) = sum over events e on i of typeWeight(e) * 2^(-(t - ts_e) / halfLife)
//               stored relative to a fixed anchor time, so an event updates one number (no rescan):
//               the common factor 2^(-(t - anchor)/halfLife) does not change the ranking.
// Both are normalized to [0, 1] (1 = the top item).

export const POPULARITY_TYPE_WEIGHTS: Readonly<Record<InteractionType, number>> = {
  purchase: 1,
  add_to_cart: 0.5,
  click: 0.2,
  view: 0.1,
  impression: 0,
};

export interface PopularityOptions {
  /** Half-life of the trending signal in days (default 14). */
  trendingHalfLifeDays?: number;
  /** Weight of the rating prior relative to the most popular item's count (default 0.05). */
  priorWeight?: number;
}

const DAY_MS = 86_400_000;

export class Popularity {
  private all: Float64Array;
  private trend: Float64Array;
  private prior: Float64Array;
  private anchor: number | null = null;
  private readonly tau: number;
  private readonly priorWeight: number;
  private cacheAll: Float32Array | null = null;
  private cacheTrend: Float32Array | null = null;

  constructor(nItems: number, opts: PopularityOptions = {}) {
    this.all = new Float64Array(nItems);
    this.trend = new Float64Array(nItems);
    this.prior = new Float64Array(nItems);
    const h = opts.trendingHalfLifeDays ?? 14;
    this.tau = h > 0 && Number.isFinite(h) ? (h * DAY_MS) / Math.LN2 : Infinity;
    this.priorWeight = opts.priorWeight ?? 0.05;
  }

  grow(nItems: number): void {
    if (nItems <= this.all.length) return;
    const grown = (a: Float64Array) => {
      const b = new Float64Array(nItems);
      b.set(a);
      return b;
    };
    this.all = grown(this.all);
    this.trend = grown(this.trend);
    this.prior = grown(this.prior);
    this.cacheAll = this.cacheTrend = null;
  }

  /** Catalogue prior from rating (0..5) and review count: rating/5 * ln(1 + count). */
  setPrior(i: number, rating: number | null | undefined, ratingCount: number | null | undefined): void {
    const r = typeof rating === 'number' && Number.isFinite(rating) ? Math.max(0, Math.min(5, rating)) / 5 : 0;
    const c = typeof ratingCount === 'number' && Number.isFinite(ratingCount) ? Math.log1p(Math.max(0, ratingCount)) : 0;
    this.prior[i] = r * c;
    this.cacheAll = null;
  }

  /** Adds one event (`ts` in epoch ms). */
  add(i: number, type: InteractionType, ts: number, weight = 1): void {
    if (i < 0 || i >= this.all.length) return;
    const w = POPULARITY_TYPE_WEIGHTS[type] * weight;
    if (w === 0 || !Number.isFinite(ts)) return;
    this.all[i]! += w;
    if (this.anchor === null) this.anchor = ts;
    let e = this.tau === Infinity ? 0 : (ts - this.anchor) / this.tau;
    if (e > 60) {
      // re-anchor so the stored numbers never overflow
      const f = Math.exp(-e);
      for (let k = 0; k < this.trend.length; k++) this.trend[k]! *= f;
      this.anchor = ts;
      e = 0;
    }
    this.trend[i]! += w * Math.exp(e);
    this.cacheAll = this.cacheTrend = null;
  }

  /** All-time popularity in [0, 1], the rating prior as a tie-breaker (or alone before any event). */
  scores(): Float32Array {
    if (this.cacheAll) return this.cacheAll;
    const n = this.all.length;
    let maxRaw = 0;
    let maxPrior = 0;
    for (let i = 0; i < n; i++) {
      if (this.all[i]! > maxRaw) maxRaw = this.all[i]!;
      if (this.prior[i]! > maxPrior) maxPrior = this.prior[i]!;
    }
    const out = new Float32Array(n);
    const pw = maxRaw > 0 ? this.priorWeight : 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const v = (maxRaw > 0 ? this.all[i]! / maxRaw : 0) + (maxPrior > 0 ? (pw * this.prior[i]!) / maxPrior : 0);
      out[i] = v;
      if (v > max) max = v;
    }
    if (max > 0) for (let i = 0; i < n; i++) out[i]! /= max;
    this.cacheAll = out;
    return out;
  }

  /** Trending (time-decayed) popularity in [0, 1]. */
  trending(): Float32Array {
    if (this.cacheTrend) return this.cacheTrend;
    const n = this.trend.length;
    let max = 0;
    for (let i = 0; i < n; i++) if (this.trend[i]! > max) max = this.trend[i]!;
    const out = new Float32Array(n);
    if (max > 0) for (let i = 0; i < n; i++) out[i] = this.trend[i]! / max;
    this.cacheTrend = out;
    return out;
  }

  /** true when the item has any event weight (not only the catalogue prior). */
  hasEvents(i: number): boolean {
    return (this.all[i] ?? 0) > 0;
  }
}
