import type { InteractionType } from './types.js';

// Time-decayed popularity, the cold-start fallback (new customer) and a small prior in every blend.
//
//   pop_i(t) = sum over events e on i of typeWeight(e) * 2^(-(t - ts_e) / halfLife)
//
// stored relative to a fixed anchor time so an event updates one number (no rescan): the common
// factor 2^(-(t - anchor)/halfLife) does not change the ranking. Products nobody has interacted with
// yet (a new product) get a small prior from their catalogue rating, so they are not all tied at 0.

export const POPULARITY_TYPE_WEIGHTS: Readonly<Record<InteractionType, number>> = {
  purchase: 1,
  add_to_cart: 0.5,
  click: 0.2,
  view: 0.1,
  impression: 0,
};

export interface PopularityOptions {
  /** Half-life of an event's weight in days (default 30; Infinity = no decay). */
  halfLifeDays?: number;
  /** Weight of the rating prior relative to the most popular item's event score (default 0.05). */
  priorWeight?: number;
}

const DAY_MS = 86_400_000;

export class Popularity {
  private raw: Float64Array;
  private prior: Float64Array;
  private anchor: number | null = null;
  private readonly tau: number;
  private readonly priorWeight: number;
  private cache: Float32Array | null = null;

  constructor(nItems: number, opts: PopularityOptions = {}) {
    this.raw = new Float64Array(nItems);
    this.prior = new Float64Array(nItems);
    // halfLifeDays: Infinity (or 0) turns decay off: plain weighted counts
    const h = opts.halfLifeDays ?? 30;
    this.tau = h > 0 && Number.isFinite(h) ? (h * DAY_MS) / Math.LN2 : Infinity;
    this.priorWeight = opts.priorWeight ?? 0.05;
  }

  grow(nItems: number): void {
    if (nItems <= this.raw.length) return;
    const raw = new Float64Array(nItems);
    raw.set(this.raw);
    this.raw = raw;
    const prior = new Float64Array(nItems);
    prior.set(this.prior);
    this.prior = prior;
    this.cache = null;
  }

  /** Catalogue prior from rating (0..5) and review count: rating/5 * ln(1 + count). */
  setPrior(i: number, rating: number | null | undefined, ratingCount: number | null | undefined): void {
    const r = typeof rating === 'number' && Number.isFinite(rating) ? Math.max(0, Math.min(5, rating)) / 5 : 0;
    const c = typeof ratingCount === 'number' && Number.isFinite(ratingCount) ? Math.log1p(Math.max(0, ratingCount)) : 0;
    this.prior[i] = r * c;
    this.cache = null;
  }

  /** Adds one event (`ts` in epoch ms). */
  add(i: number, type: InteractionType, ts: number, weight = 1): void {
    if (i < 0 || i >= this.raw.length) return;
    const w = POPULARITY_TYPE_WEIGHTS[type] * weight;
    if (w === 0 || !Number.isFinite(ts)) return;
    if (this.anchor === null) this.anchor = ts;
    let e = this.tau === Infinity ? 0 : (ts - this.anchor) / this.tau;
    if (e > 60) {
      // re-anchor so the stored numbers never overflow
      const f = Math.exp(-e);
      for (let k = 0; k < this.raw.length; k++) this.raw[k]! *= f;
      this.anchor = ts;
      e = 0;
    }
    this.raw[i]! += w * Math.exp(e);
    this.cache = null;
  }

  /** Popularity in [0, 1] for every item (1 = most popular), events first, rating prior as a tie-breaker. */
  scores(): Float32Array {
    if (this.cache) return this.cache;
    const n = this.raw.length;
    let maxRaw = 0;
    let maxPrior = 0;
    for (let i = 0; i < n; i++) {
      if (this.raw[i]! > maxRaw) maxRaw = this.raw[i]!;
      if (this.prior[i]! > maxPrior) maxPrior = this.prior[i]!;
    }
    const out = new Float32Array(n);
    const pw = maxRaw > 0 ? this.priorWeight : 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const v = (maxRaw > 0 ? this.raw[i]! / maxRaw : 0) + (maxPrior > 0 ? (pw * this.prior[i]!) / maxPrior : 0);
      out[i] = v;
      if (v > max) max = v;
    }
    if (max > 0) for (let i = 0; i < n; i++) out[i]! /= max;
    this.cache = out;
    return out;
  }

  /** true when the item has any event weight (not only the catalogue prior). */
  hasEvents(i: number): boolean {
    return (this.raw[i] ?? 0) > 0;
  }
}
