import { dotAt } from '../core/dot.js';
import { mulberry32 } from '../core/rng.js';

export { mulberry32 };

// Small, dependency-free maths for classifier heads on top of the frozen sentence encoder:
// multinomial logistic regression (softmax) over dense sentence vectors plus
// optional sparse hashed lexical features, trained with mini-batch Adam. Everything works on
// Float32Arrays with no per-example allocation in the hot loops, and is deterministic: the same
// data, options and seed give bit-identical weights.


/** In-place Fisher-Yates shuffle driven by `rand`. */
export function shuffleInPlace<T>(arr: { length: number; [i: number]: T }, rand: () => number): void {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
}

/** Standard normal sample (Box-Muller), from a seeded stream. */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A sparse feature vector: parallel arrays of feature indices and values. */
export interface SparseVec {
  idx: Int32Array;
  val: Float32Array;
}

export interface TrainSet {
  /** n × dim dense features, row-major. */
  dense: Float32Array;
  dim: number;
  /** Optional sparse features per example (indices < sparseDim). */
  sparse?: readonly SparseVec[];
  sparseDim?: number;
  /** Class index per example. */
  labels: Int32Array;
  nClasses: number;
}

export interface SoftmaxOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** L2 penalty (decoupled weight decay, as in AdamW) per step, relative to lr. */
  weightDecay: number;
  /** Label smoothing epsilon in [0, 1). */
  labelSmoothing: number;
  /** Weight classes by n / (C · n_c)^power: 0 = none, 1 = fully balanced. */
  classBalance: number;
  /** Multiplies the dense features (the sentence vectors are unit length). */
  denseScale: number;
  /** Skip the dense gradient of wrong classes whose probability is below this (speed; 0 = exact). */
  skipProb: number;
  seed: number;
  /** Called after each epoch with the mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

export const DEFAULT_SOFTMAX: SoftmaxOptions = {
  epochs: 30,
  batchSize: 32,
  lr: 0.01,
  weightDecay: 1e-4,
  labelSmoothing: 0,
  classBalance: 0.5,
  denseScale: 1,
  skipProb: 1e-4,
  seed: 1,
};

/** Weights of a trained softmax head. Dense weights are C × dim; sparse weights sparseDim × C. */
export interface SoftmaxWeights {
  nClasses: number;
  dim: number;
  sparseDim: number;
  denseScale: number;
  W: Float32Array;
  b: Float32Array;
  S: Float32Array;
}

/** Logits of one example into `out` (length C). */
export function logitsInto(m: SoftmaxWeights, x: Float32Array, xOff: number, sp: SparseVec | undefined, out: Float32Array): void {
  const { nClasses: C, dim: D, W, b, S, denseScale } = m;
  for (let c = 0; c < C; c++) {
    // Four independent accumulators: twice the throughput of one in V8.
    out[c] = dotAt(W, c * D, x, xOff, D) * denseScale + b[c]!;
  }
  if (sp && m.sparseDim > 0) {
    for (let k = 0; k < sp.idx.length; k++) {
      const row = sp.idx[k]! * C;
      const v = sp.val[k]!;
      for (let c = 0; c < C; c++) out[c]! += S[row + c]! * v;
    }
  }
}

/** Softmax in place; returns the log of the partition function (for energy scores). */
export function softmaxInPlace(z: Float32Array, temperature = 1): number {
  let max = -Infinity;
  for (let i = 0; i < z.length; i++) if (z[i]! > max) max = z[i]!;
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    const e = Math.exp((z[i]! - max) / temperature);
    z[i] = e;
    sum += e;
  }
  for (let i = 0; i < z.length; i++) z[i]! /= sum;
  return max / temperature + Math.log(sum);
}

/**
 * Multinomial logistic regression with mini-batch Adam (lazy updates for the sparse rows a batch
 * touches), decoupled weight decay, label smoothing and optional class balancing.
 */
export function trainSoftmax(data: TrainSet, options: Partial<SoftmaxOptions> = {}): SoftmaxWeights {
  const o = { ...DEFAULT_SOFTMAX, ...options };
  const { dim: D, nClasses: C, labels, dense } = data;
  const n = labels.length;
  const H = data.sparse ? (data.sparseDim ?? 0) : 0;
  if (n === 0) throw new Error('no training examples');
  if (dense.length !== n * D) throw new Error(`dense features: expected ${n * D} values, got ${dense.length}`);
  const rand = mulberry32(o.seed);

  const W = new Float32Array(C * D);
  const b = new Float32Array(C);
  const S = new Float32Array(H * C);
  // Small seeded init breaks ties deterministically (zero init would also work for softmax).
  for (let i = 0; i < W.length; i++) W[i] = gaussian(rand) * 0.01;

  const mW = new Float32Array(W.length);
  const vW = new Float32Array(W.length);
  const mb = new Float32Array(C);
  const vb = new Float32Array(C);
  const mS = new Float32Array(S.length);
  const vS = new Float32Array(S.length);
  const gW = new Float32Array(W.length);
  const gb = new Float32Array(C);
  const gS = new Float32Array(S.length);
  const touched = new Uint8Array(H);
  const touchedList = new Int32Array(Math.max(1, H));
  const stepS = new Int32Array(H); // last Adam step per sparse row (lazy Adam bias correction)

  // Class weights.
  const counts = new Float64Array(C);
  for (let i = 0; i < n; i++) counts[labels[i]!]!++;
  const cw = new Float32Array(C);
  for (let c = 0; c < C; c++) cw[c] = counts[c]! > 0 ? Math.pow(n / (C * counts[c]!), o.classBalance) : 0;

  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const z = new Float32Array(C);
  const common = new Float32Array(D);
  const skipProb = o.skipProb;
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  const smooth = o.labelSmoothing;
  const m = { nClasses: C, dim: D, sparseDim: H, denseScale: o.denseScale, W, b, S };
  let step = 0;

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffleInPlace(order, rand);
    let lossSum = 0;
    for (let start = 0; start < n; start += o.batchSize) {
      const end = Math.min(n, start + o.batchSize);
      gW.fill(0);
      gb.fill(0);
      common.fill(0);
      let nTouched = 0;
      let wsum = 0;
      for (let p = start; p < end; p++) {
        const i = order[p]!;
        const y = labels[i]!;
        const sp = data.sparse?.[i];
        logitsInto(m, dense, i * D, sp, z);
        softmaxInPlace(z);
        const w = cw[y]!;
        wsum += w;
        lossSum += -Math.log(Math.max(z[y]!, 1e-12)) * w;
        // Gradient of CE w.r.t. the logits: (p - smoothed target) · w. The smoothing part,
        // -(ε/C)·w, is the same for every class: its dense gradient is accumulated once per
        // example in `common` and spread over the classes once per batch. Classes whose
        // probability is negligible (< skipProb) skip the dense update: after the first epochs
        // that is most of them, which makes an epoch cost about one forward pass.
        const xo = i * D;
        const sw = (smooth / C) * w;
        if (sw !== 0) {
          const gs = -sw * o.denseScale;
          for (let d = 0; d < D; d++) common[d]! += gs * dense[xo + d]!;
        }
        for (let c = 0; c < C; c++) {
          const pc = z[c]!;
          const gp = (c === y ? pc - (1 - smooth) : pc) * w;
          z[c] = gp - sw;
          gb[c]! += gp - sw;
          if (c !== y && pc < skipProb) continue;
          const gs = gp * o.denseScale;
          const r = c * D;
          let d = 0;
          for (; d + 3 < D; d += 4) {
            gW[r + d]! += gs * dense[xo + d]!;
            gW[r + d + 1]! += gs * dense[xo + d + 1]!;
            gW[r + d + 2]! += gs * dense[xo + d + 2]!;
            gW[r + d + 3]! += gs * dense[xo + d + 3]!;
          }
          for (; d < D; d++) gW[r + d]! += gs * dense[xo + d]!;
        }
        if (sp && H > 0) {
          for (let k = 0; k < sp.idx.length; k++) {
            const f = sp.idx[k]!;
            if (!touched[f]) {
              touched[f] = 1;
              gS.fill(0, f * C, f * C + C);
              touchedList[nTouched++] = f;
            }
            const v = sp.val[k]!;
            const row = f * C;
            for (let c = 0; c < C; c++) gS[row + c]! += z[c]! * v;
          }
        }
      }
      if (smooth > 0) for (let c = 0; c < C; c++) for (let d = 0; d < D; d++) gW[c * D + d]! += common[d]!;
      step++;
      const inv = 1 / Math.max(wsum, 1e-12);
      const bc1 = 1 - Math.pow(beta1, step);
      const bc2 = 1 - Math.pow(beta2, step);
      const lr = o.lr;
      const decay = 1 - lr * o.weightDecay;
      const lrc = lr / bc1;
      const ibc2 = 1 / bc2;
      for (let k = 0; k < W.length; k++) {
        const g = gW[k]! * inv;
        const mk = (mW[k] = beta1 * mW[k]! + (1 - beta1) * g);
        const vk = (vW[k] = beta2 * vW[k]! + (1 - beta2) * g * g);
        W[k] = W[k]! * decay - (lrc * mk) / (Math.sqrt(vk * ibc2) + eps);
      }
      for (let c = 0; c < C; c++) {
        const g = gb[c]! * inv;
        const mk = (mb[c] = beta1 * mb[c]! + (1 - beta1) * g);
        const vk = (vb[c] = beta2 * vb[c]! + (1 - beta2) * g * g);
        b[c] = b[c]! - (lr * (mk / bc1)) / (Math.sqrt(vk / bc2) + eps);
      }
      for (let t = 0; t < nTouched; t++) {
        const f = touchedList[t]!;
        touched[f] = 0;
        // Lazy Adam: moments decay only when the row is touched; bias correction by global step.
        const skipped = step - stepS[f]! - 1;
        const d1 = skipped > 0 ? Math.pow(beta1, skipped) : 1;
        const d2 = skipped > 0 ? Math.pow(beta2, skipped) : 1;
        const wd = skipped > 0 ? Math.pow(decay, skipped + 1) : decay;
        stepS[f] = step;
        const row = f * C;
        for (let c = 0; c < C; c++) {
          const k = row + c;
          const g = gS[k]! * inv;
          const mk = (mS[k] = beta1 * mS[k]! * d1 + (1 - beta1) * g);
          const vk = (vS[k] = beta2 * vS[k]! * d2 + (1 - beta2) * g * g);
          S[k] = S[k]! * wd - (lrc * mk) / (Math.sqrt(vk * ibc2) + eps);
        }
      }
    }
    o.onEpoch?.(epoch, lossSum / n);
  }
  return m;
}

/** Top-k (value, index) of a score array, descending; ties by lower index. */
export function topK(scores: Float32Array, k: number): { index: number; score: number }[] {
  const out: { index: number; score: number }[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (out.length < k) {
      out.push({ index: i, score: s });
      out.sort((a, b) => b.score - a.score || a.index - b.index);
    } else if (s > out[k - 1]!.score) {
      out[k - 1] = { index: i, score: s };
      out.sort((a, b) => b.score - a.score || a.index - b.index);
    }
  }
  return out;
}
