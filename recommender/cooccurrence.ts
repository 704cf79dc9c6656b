// Item-item co-occurrence ("bought together") from real baskets: classic item-kNN.
//
//   C(i,j)  = sum over customers u who bought both i and j of  w_u * pair(i,j,u)
//   w_u     = 1 / ln(1 + |I(u)|)           (inverse user frequency: a wholesale buyer of 500 items
//                                             says less about each pair than a 3-item basket)
//   pair    = same basket: 1 + proximity * e^-(d-1)/window, d = how many lines apart they are
//             (invoices list related lines next to each other: a red and a blue coat rack);
//             different baskets of the same customer: crossBasketWeight
//   sim(i,j)= C(i,j) / (n_i^alpha * n_j^(1-alpha) + shrink),  n_i = sum of w_u over buyers of i
//
// Each item keeps only its topN neighbours (sparse, Int32Array + Float32Array). Purchases can be
// added one at a time: the touched rows are marked stale and recomputed lazily on next use, so a
// purchase updates "bought together" immediately without a full retrain. (Norms of items the
// purchase does not touch drift slightly until the next scheduled full rebuild.)

export interface CoOccurrenceOptions {
  /** Neighbours kept per item (default 50). */
  topN?: number;
  /** Asymmetry of the normalization: 0.5 = cosine (default). */
  alpha?: number;
  /** Weight of a pair bought by the same customer in different baskets (default 0.3). */
  crossBasketWeight?: number;
  /** Added to the denominator; damps similarities of rarely bought items (default 0). */
  shrink?: number;
  /** Extra weight for lines close together in one basket: 1 + proximity * e^-(distance-1)/window (default 2, window 3; 0 turns it off). */
  proximity?: number;
  proximityWindow?: number;
}

export interface Neighbours {
  idx: Int32Array;
  sim: Float32Array;
}

const EMPTY: Neighbours = { idx: new Int32Array(0), sim: new Float32Array(0) };

interface UserHistory {
  items: number[];
  baskets: number[];
  slot: Map<number, number>;
}

export class CoOccurrence {
  readonly topN: number;
  readonly alpha: number;
  readonly crossBasketWeight: number;
  readonly shrink: number;
  readonly proximity: number;
  readonly proximityWindow: number;
  private n: number;
  private readonly users = new Map<string, number>();
  private readonly hist: UserHistory[] = [];
  private itemUsers: number[][];
  private rows: (Neighbours | undefined)[];
  private readonly basketIds = new Map<string, number>();
  private acc: Float64Array;
  private seen: Uint8Array;
  private norm: Float64Array;
  /** Distinct (customer, item) purchases added. */
  pairs = 0;

  constructor(nItems: number, opts: CoOccurrenceOptions = {}) {
    this.n = nItems;
    this.topN = opts.topN ?? 50;
    this.alpha = opts.alpha ?? 0.5;
    this.crossBasketWeight = opts.crossBasketWeight ?? 0.3;
    this.shrink = opts.shrink ?? 0;
    this.proximity = opts.proximity ?? 2;
    this.proximityWindow = opts.proximityWindow ?? 3;
    this.itemUsers = Array.from({ length: nItems }, () => []);
    this.rows = new Array(nItems);
    this.acc = new Float64Array(nItems);
    this.seen = new Uint8Array(nItems);
    this.norm = new Float64Array(nItems);
  }

  get items(): number {
    return this.n;
  }

  /** Makes room for items appended to the catalogue. */
  grow(nItems: number): void {
    if (nItems <= this.n) return;
    for (let i = this.n; i < nItems; i++) this.itemUsers.push([]);
    this.rows.length = nItems;
    this.acc = new Float64Array(nItems);
    this.seen = new Uint8Array(nItems);
    const norm = new Float64Array(nItems);
    norm.set(this.norm);
    this.norm = norm;
    this.n = nItems;
  }

  /** Number of distinct buyers of an item. */
  buyers(i: number): number {
    return this.itemUsers[i]?.length ?? 0;
  }

  /**
   * Adds one purchase. `basket` groups lines bought together (an order id, or customer + time).
   * Returns false when the customer had already bought the item (only its basket is refreshed).
   */
  add(customer: string, item: number, basket: string): boolean {
    if (item < 0 || item >= this.n) return false;
    let u = this.users.get(customer);
    if (u === undefined) {
      u = this.hist.length;
      this.users.set(customer, u);
      this.hist.push({ items: [], baskets: [], slot: new Map() });
    }
    let b = this.basketIds.get(basket);
    if (b === undefined) {
      b = this.basketIds.size;
      this.basketIds.set(basket, b);
    }
    const h = this.hist[u]!;
    const at = h.slot.get(item);
    if (at !== undefined) {
      if (h.baskets[at] !== b) {
        h.baskets[at] = b;
        this.invalidateUser(h);
      }
      return false;
    }
    // n_i sums the weights of i's buyers; this customer's weight drops as their history grows.
    const before = h.items.length === 0 ? 0 : this.userWeight(u);
    h.slot.set(item, h.items.length);
    h.items.push(item);
    h.baskets.push(b);
    this.itemUsers[item]!.push(u);
    this.pairs++;
    const after = this.userWeight(u);
    for (const i of h.items) this.norm[i]! += i === item ? after : after - before;
    this.invalidateUser(h);
    return true;
  }

  private invalidateUser(h: UserHistory): void {
    for (const i of h.items) this.rows[i] = undefined;
  }

  private userWeight(u: number): number {
    return 1 / Math.log(1 + this.hist[u]!.items.length);
  }

  private itemNorm(i: number): number {
    return this.norm[i]!;
  }

  /** Top-N neighbours of item i, best first (computed now if stale). */
  neighbours(i: number): Neighbours {
    if (i < 0 || i >= this.n) return EMPTY;
    const cached = this.rows[i];
    if (cached) return cached;
    const row = this.computeRow(i);
    this.rows[i] = row;
    return row;
  }

  /** Computes every stale row now (e.g. after a bulk load), instead of lazily on first use. */
  buildAll(onProgress?: (done: number) => void): void {
    for (let i = 0; i < this.n; i++) {
      if (!this.rows[i]) this.rows[i] = this.computeRow(i);
      if (onProgress && (i & 1023) === 1023) onProgress(i + 1);
    }
  }

  private computeRow(i: number): Neighbours {
    const buyers = this.itemUsers[i]!;
    if (buyers.length === 0) return EMPTY;
    const acc = this.acc;
    const seen = this.seen;
    const touched: number[] = [];
    for (const u of buyers) {
      const h = this.hist[u]!;
      const w = this.userWeight(u);
      const pi = h.slot.get(i)!;
      const bi = h.baskets[pi]!;
      const items = h.items;
      const baskets = h.baskets;
      for (let k = 0; k < items.length; k++) {
        const j = items[k]!;
        if (j === i) continue;
        if (!seen[j]) {
          seen[j] = 1;
          touched.push(j);
        }
        if (baskets[k] === bi) {
          // lines next to each other in one basket are related more often than lines far apart
          acc[j]! += this.proximity > 0 ? w * (1 + this.proximity * Math.exp(-(Math.abs(k - pi) - 1) / this.proximityWindow)) : w;
        } else acc[j]! += w * this.crossBasketWeight;
      }
    }
    const ni = this.itemNorm(i);
    const a = this.alpha;
    const scored: { j: number; s: number }[] = [];
    for (const j of touched) {
      const c = acc[j]!;
      acc[j] = 0;
      seen[j] = 0;
      const s = c / (Math.pow(ni, a) * Math.pow(this.itemNorm(j), 1 - a) + this.shrink);
      if (s > 0) scored.push({ j, s });
    }
    scored.sort((x, y) => y.s - x.s || x.j - y.j);
    const m = Math.min(this.topN, scored.length);
    const out: Neighbours = { idx: new Int32Array(m), sim: new Float32Array(m) };
    for (let k = 0; k < m; k++) {
      out.idx[k] = scored[k]!.j;
      out.sim[k] = scored[k]!.s;
    }
    return out;
  }

  /**
   * Adds sum_h weight_h * sim(h, j) into `scores` for every neighbour j of the weighted history,
   * and records in `best` which history item contributed most to j (for "because you bought X").
   * `touched` receives each j the first time it is scored.
   */
  scoreInto(history: readonly { item: number; weight: number }[], scores: Float32Array, best: Int32Array, bestContribution: Float32Array, touched: number[]): void {
    for (const { item, weight } of history) {
      if (weight <= 0) continue;
      const nb = this.neighbours(item);
      for (let k = 0; k < nb.idx.length; k++) {
        const j = nb.idx[k]!;
        const c = weight * nb.sim[k]!;
        if (scores[j] === 0 && best[j] === -1) touched.push(j);
        scores[j]! += c;
        if (c > bestContribution[j]!) {
          bestContribution[j] = c;
          best[j] = item;
        }
      }
    }
  }
}
