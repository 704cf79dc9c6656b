import { dot } from '../core/dot.js';

// Answer groups for units whose answers come without a label: leader clustering of the answers'
// vectors (nearest centroid above a cosine, else a new group).

export interface AnswerGroup {
  id: string;
  /** Sum of the member answers' vectors (the centroid's direction). */
  sum: Float32Array;
  size: number;
}

function normalized(v: Float32Array): Float32Array {
  const out = new Float32Array(v);
  let n = 0;
  for (let i = 0; i < out.length; i++) n += out[i]! * out[i]!;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < out.length; i++) out[i]! /= n;
  return out;
}

export class AnswerGroups {
  private readonly groups = new Map<string, AnswerGroup>();

  constructor(
    /** Group-less answers join a group when this close to its centroid. */
    private readonly groupCosine: number,
  ) {}

  /** Adds or replaces groups (loaded from the database, or committed updates). */
  set(groups: Iterable<AnswerGroup>): void {
    for (const g of groups) this.groups.set(g.id, g);
  }

  /**
   * The group of an answer: the nearest centroid (committed groups and this batch's `updates`) at
   * groupCosine or above, else a new one. The changed or new group goes into `updates`, to be
   * written and then `set`.
   */
  assign(answerVec: Float32Array, updates: Map<string, AnswerGroup>): string {
    let best: AnswerGroup | null = null;
    let bestSim = -Infinity;
    const consider = (g: AnswerGroup) => {
      const sim = dot(normalized(g.sum), answerVec);
      if (sim > bestSim) {
        bestSim = sim;
        best = g;
      }
    };
    for (const g of this.groups.values()) if (!updates.has(g.id)) consider(g);
    for (const g of updates.values()) consider(g);
    let g: AnswerGroup;
    if (best !== null && bestSim >= this.groupCosine) {
      const b: AnswerGroup = best;
      g = { id: b.id, sum: new Float32Array(b.sum), size: b.size + 1 };
      for (let d = 0; d < g.sum.length; d++) g.sum[d]! += answerVec[d]!;
    } else {
      let id = `a${this.groups.size + updates.size + 1}`;
      while (this.groups.has(id) || updates.has(id)) id += 'x';
      g = { id, sum: new Float32Array(answerVec), size: 1 };
    }
    updates.set(g.id, g);
    return g.id;
  }
}
