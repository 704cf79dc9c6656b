// Partial top-k selection with a fixed-size min-heap: O(n log k) instead of sorting all n scores.
// Ties are broken by the smaller index, so results are deterministic.

export class TopK {
  private readonly idx: Int32Array;
  private readonly score: Float64Array;
  private size = 0;

  constructor(readonly capacity: number) {
    const cap = Math.max(1, capacity);
    this.idx = new Int32Array(cap);
    this.score = new Float64Array(cap);
  }

  /** true when (s, i) ranks below (t, j): lower score, or same score and larger index. */
  private static worse(s: number, i: number, t: number, j: number): boolean {
    return s < t || (s === t && i > j);
  }

  /** Smallest score kept so far, -Infinity while not full (a cheap pre-check for callers). */
  get threshold(): number {
    return this.size < this.capacity ? -Infinity : this.score[0]!;
  }

  push(i: number, s: number): void {
    if (this.size < this.capacity) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!TopK.worse(s, i, this.score[p]!, this.idx[p]!)) break;
        this.idx[c] = this.idx[p]!;
        this.score[c] = this.score[p]!;
        c = p;
      }
      this.idx[c] = i;
      this.score[c] = s;
      return;
    }
    if (!TopK.worse(this.score[0]!, this.idx[0]!, s, i)) return;
    // replace the root and sift down
    let c = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && TopK.worse(this.score[r]!, this.idx[r]!, this.score[l]!, this.idx[l]!)) m = r;
      if (!TopK.worse(this.score[m]!, this.idx[m]!, s, i)) break;
      this.idx[c] = this.idx[m]!;
      this.score[c] = this.score[m]!;
      c = m;
    }
    this.idx[c] = i;
    this.score[c] = s;
  }

  /** Kept entries, best first. */
  sorted(): { i: number; s: number }[] {
    const out: { i: number; s: number }[] = [];
    for (let k = 0; k < this.size; k++) out.push({ i: this.idx[k]!, s: this.score[k]! });
    out.sort((a, b) => b.s - a.s || a.i - b.i);
    return out;
  }
}
