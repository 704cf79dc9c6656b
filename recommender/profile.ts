import { normalizeInPlace, type ItemMatrix } from './item-embeddings.js';
import type { Interaction, InteractionType } from './types.js';

// One customer's profile, the same whatever channel they talk on (it is keyed by customer id, never
// by channel identity). It holds their recent interactions and turns them into
//   - a weighted history: item -> sum over its events of typeWeight * timeDecay * positionDecay
//     (purchases count most, views least; recent events count more; among events with the same
//     timestamp, e.g. lines of one order, later lines count more);
//   - an interest vector: the weighted mean of those items' vectors, L2-normalized.
// A recorded event updates it at once (no retraining).

export const PROFILE_TYPE_WEIGHTS: Readonly<Record<InteractionType, number>> = {
  purchase: 1,
  add_to_cart: 0.7,
  click: 0.4,
  view: 0.25,
  impression: 0,
};

export interface ProfileOptions {
  /** Half-life of an interaction's weight in days (default 30). */
  halfLifeDays?: number;
  /** Multiplier per step back in the history (1 = none; default 0.5, the value the eval's validation picks on basket data). */
  positionDecay?: number;
  /** Interactions kept per customer, newest win (default 200). */
  maxEvents?: number;
}

export interface WeightedItem {
  item: number;
  weight: number;
}

/** An interaction resolved to a catalogue index. */
export interface ProfileEvent {
  item: number;
  type: InteractionType;
  ts: number;
  /** Session (conversation id) the event was recorded in, when known. */
  session?: string;
}

export interface ImpressionStat {
  count: number;
  last: number;
  engaged: boolean;
}

const DAY_MS = 86_400_000;

export class CustomerProfile {
  readonly events: ProfileEvent[] = [];
  /** Item -> time of the latest purchase. */
  readonly purchased = new Map<number, number>();
  readonly impressions = new Map<number, ImpressionStat>();
  private cacheKey = '';
  private cachedHistory: WeightedItem[] = [];
  private cachedVector: Float32Array | null = null;
  version = 0;

  constructor(
    readonly customerId: string,
    private readonly opts: Required<ProfileOptions>,
  ) {}

  /** Adds one interaction; events are kept in time order (stable for equal timestamps). */
  add(e: ProfileEvent): void {
    if (e.type === 'impression') {
      const s = this.impressions.get(e.item) ?? { count: 0, last: 0, engaged: false };
      s.count++;
      s.last = Math.max(s.last, e.ts);
      this.impressions.set(e.item, s);
      this.version++;
      return;
    }
    let at = this.events.length;
    while (at > 0 && this.events[at - 1]!.ts > e.ts) at--;
    this.events.splice(at, 0, e);
    if (this.events.length > this.opts.maxEvents) this.events.splice(0, this.events.length - this.opts.maxEvents);
    if (e.type === 'purchase') this.purchased.set(e.item, Math.max(this.purchased.get(e.item) ?? 0, e.ts));
    if (e.type === 'click' || e.type === 'add_to_cart' || e.type === 'purchase') {
      const s = this.impressions.get(e.item);
      if (s) s.engaged = true;
    }
    this.version++;
  }

  get isEmpty(): boolean {
    return this.events.length === 0;
  }

  /** Distinct items with their combined weight, heaviest first (ties: most recent first). */
  weightedHistory(now: number): WeightedItem[] {
    this.refresh(now, null);
    return this.cachedHistory;
  }

  /** The interest vector (unit length), or null for a customer with no signal. */
  interestVector(now: number, items: ItemMatrix): Float32Array | null {
    this.refresh(now, items);
    return this.cachedVector;
  }

  private refresh(now: number, items: ItemMatrix | null): void {
    const dayBucket = Math.floor(now / (DAY_MS / 24)); // decay moves hourly: cache per hour
    const key = `${this.version}:${dayBucket}:${items ? items.n : -1}`;
    if (key === this.cacheKey) return;
    const hist = weighEvents(this.events, now, this.opts);
    this.cachedHistory = hist;
    this.cachedVector = items ? interestOf(hist, items) : null;
    this.cacheKey = key;
  }

  /**
   * The history split at the current session: `longTerm` weighs the events outside the session as
   * weightedHistory() does (time and position decay); `session` weighs the session's events by type
   * and by recency within the session alone (x `sessionDecay` per step back, newest = 1), so three
   * views a minute ago are not drowned by a year of orders, nor the other way round.
   */
  splitHistory(now: number, inSession: (e: ProfileEvent) => boolean, sessionDecay: number): { longTerm: WeightedItem[]; session: WeightedItem[]; sessionEvents: number } {
    const outside: ProfileEvent[] = [];
    const inside: ProfileEvent[] = [];
    for (const e of this.events) (inSession(e) ? inside : outside).push(e);
    const longTerm = weighEvents(outside, now, this.opts);
    const weights = new Map<number, number>();
    const lastPos = new Map<number, number>();
    let pos = 1;
    let counted = 0;
    for (let k = inside.length - 1; k >= 0; k--) {
      const e = inside[k]!;
      const tw = PROFILE_TYPE_WEIGHTS[e.type];
      if (tw === 0) continue;
      counted++;
      weights.set(e.item, (weights.get(e.item) ?? 0) + tw * pos);
      pos *= sessionDecay;
      if (!lastPos.has(e.item)) lastPos.set(e.item, k);
    }
    const session = [...weights].map(([item, weight]) => ({ item, weight }));
    session.sort((a, b) => b.weight - a.weight || lastPos.get(b.item)! - lastPos.get(a.item)! || a.item - b.item);
    return { longTerm, session, sessionEvents: counted };
  }
}

/**
 * item -> sum over its events of typeWeight * timeDecay * positionDecay, heaviest first (ties: most
 * recent first). Age is measured from the latest of these events (capped by now): the weights rank
 * the customer's own events against each other, so a customer back after a year keeps a profile.
 */
export function weighEvents(events: readonly ProfileEvent[], now: number, opts: Required<ProfileOptions>): WeightedItem[] {
  const tau = (opts.halfLifeDays * DAY_MS) / Math.LN2;
  const weights = new Map<number, number>();
  const lastPos = new Map<number, number>();
  const n = events.length;
  const latest = n > 0 ? Math.min(now, events[n - 1]!.ts) : now;
  let pos = 1;
  for (let k = n - 1; k >= 0; k--) {
    const e = events[k]!;
    const tw = PROFILE_TYPE_WEIGHTS[e.type];
    if (tw === 0) continue;
    const age = Math.max(0, latest - e.ts);
    const w = tw * Math.exp(-age / tau) * pos;
    pos *= opts.positionDecay;
    weights.set(e.item, (weights.get(e.item) ?? 0) + w);
    if (!lastPos.has(e.item)) lastPos.set(e.item, k);
  }
  const hist = [...weights].map(([item, weight]) => ({ item, weight }));
  hist.sort((a, b) => b.weight - a.weight || lastPos.get(b.item)! - lastPos.get(a.item)! || a.item - b.item);
  return hist;
}

/** The weighted mean of the history's item vectors, unit length; null without any history. */
export function interestOf(hist: readonly WeightedItem[], items: ItemMatrix): Float32Array | null {
  const dim = items.dim;
  const v = new Float32Array(dim);
  let total = 0;
  for (const { item, weight } of hist) {
    if (item >= items.n) continue;
    const off = item * dim;
    for (let d = 0; d < dim; d++) v[d]! += weight * items.data[off + d]!;
    total += weight;
  }
  return total > 0 ? normalizeInPlace(v) : null;
}

export function profileOptions(opts: ProfileOptions = {}): Required<ProfileOptions> {
  return {
    halfLifeDays: opts.halfLifeDays ?? 30,
    positionDecay: opts.positionDecay ?? 0.5,
    maxEvents: opts.maxEvents ?? 200,
  };
}

/**
 * Profiles by customer id, loaded from the event source on first use and kept in a bounded LRU.
 * recordEvent() updates a cached profile in place, so the next recommendation already reflects it.
 */
export class ProfileStore {
  private readonly lru = new Map<string, CustomerProfile>();
  /** Profiles being read from an asynchronous source: concurrent requests share one read. */
  private readonly loading = new Map<string, Promise<CustomerProfile>>();
  readonly opts: Required<ProfileOptions>;

  constructor(
    private readonly load: (customerId: string, limit: number) => Interaction[] | Promise<Interaction[]>,
    private readonly indexOf: (productId: string) => number | undefined,
    opts: ProfileOptions = {},
    private readonly maxProfiles = 50_000,
  ) {
    this.opts = profileOptions(opts);
  }

  /** The profile, read from the source when not cached. A source that reads asynchronously needs fetch() instead. */
  get(customerId: string): CustomerProfile {
    const hit = this.hit(customerId);
    if (hit) return hit;
    const events = this.load(customerId, this.opts.maxEvents);
    if (!Array.isArray(events)) throw new Error(`the profile of ${customerId} is read asynchronously: fetch() it first`);
    return this.keep(this.build(customerId, events));
  }

  /** The profile, read from the source (synchronous or not) when not cached. */
  fetch(customerId: string): Promise<CustomerProfile> {
    const hit = this.hit(customerId);
    if (hit) return Promise.resolve(hit);
    const pending = this.loading.get(customerId);
    if (pending) return pending;
    const current = () => this.loading.get(customerId) === reading && this.loading.delete(customerId);
    const reading: Promise<CustomerProfile> = Promise.resolve(this.load(customerId, this.opts.maxEvents)).then(
      (events) => {
        const p = this.build(customerId, events);
        // Forgotten while it was read (a customer merge): served to this request, not kept.
        return current() ? this.keep(p) : p;
      },
      (err: unknown) => {
        current();
        throw err;
      },
    );
    this.loading.set(customerId, reading);
    return reading;
  }

  private hit(customerId: string): CustomerProfile | undefined {
    const hit = this.lru.get(customerId);
    if (hit) {
      this.lru.delete(customerId);
      this.lru.set(customerId, hit);
    }
    return hit;
  }

  private build(customerId: string, events: readonly Interaction[]): CustomerProfile {
    const p = new CustomerProfile(customerId, this.opts);
    for (const e of events) {
      const item = this.indexOf(e.productId);
      if (item !== undefined) p.add({ item, type: e.type, ts: e.ts, ...(e.session ? { session: e.session } : {}) });
    }
    return p;
  }

  private keep(p: CustomerProfile): CustomerProfile {
    this.lru.set(p.customerId, p);
    if (this.lru.size > this.maxProfiles) {
      const oldest = this.lru.keys().next().value;
      if (oldest !== undefined) this.lru.delete(oldest);
    }
    return p;
  }

  /** The cached profile, if loaded (recordEvent only updates loaded profiles; others load fresh). */
  peek(customerId: string): CustomerProfile | undefined {
    return this.lru.get(customerId);
  }

  forget(customerId: string): void {
    this.lru.delete(customerId);
    this.loading.delete(customerId);
  }

  get size(): number {
    return this.lru.size;
  }
}
