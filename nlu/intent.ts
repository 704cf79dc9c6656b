import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DEFAULT_SOFTMAX,
  logitsInto,
  mulberry32,
  shuffleInPlace,
  softmaxInPlace,
  trainSoftmax,
  type SoftmaxWeights,
  type SparseVec,
} from './classifier.js';
import type { Encoder } from './encoder-types.js';
import { hashExamples, type IntentExample } from './intent-data.js';
import { DEFAULT_LEXICAL, lexicalFeatures, type LexicalOptions } from './intent-features.js';

// Intent classification on top of the shared sentence encoder.
//
// Method: multinomial logistic regression over [sentence vector ; hashed word and character
// n-grams], trained with seeded mini-batch Adam and label smoothing (classifier.ts). The encoder
// is frozen, so training is one embedding pass plus seconds of arithmetic.
//
// Out-of-scope: a message is out_of_scope when the out-of-scope class wins (if the training data
// has out-of-scope examples) or when the highest in-scope probability is below a threshold. The
// threshold is tuned on a validation split carved from the training data: a fifth of the intents
// is held out entirely and plays "unknown intent" (pseudo out-of-scope), a fifth of every other
// class is held out as in-scope validation, and real out-of-scope examples (if any) are split the
// same way. A calibration model is trained on the rest, and the threshold maximizing the mean of
// in-scope accuracy and out-of-scope recall on that validation set is kept for the final model,
// which is then trained on all the data.

export const OUT_OF_SCOPE = 'out_of_scope';
/** Bumped whenever the method changes in a way that makes saved models stale. */
export const INTENT_METHOD_VERSION = 2;

export interface IntentTrainOptions {
  seed: number;
  epochs: number;
  lr: number;
  batchSize: number;
  labelSmoothing: number;
  weightDecay: number;
  classBalance: number;
  /** Weight of the lexical features relative to the (unit) sentence vector; 0 turns them off. */
  lexicalScale: number;
  lexical: LexicalOptions;
  /** Share of in-scope intents held out as pseudo out-of-scope for calibration. */
  heldOutIntents: number;
  /** Share of each remaining class held out as validation for calibration. */
  validation: number;
  /** Objective weight of in-scope accuracy vs out-of-scope recall when tuning the threshold. */
  inScopeWeight: number;
  /**
   * Most validation in-scope accuracy the threshold may cost. Held-out intents are harder to
   * reject than typical out-of-scope messages (they come from the same domain), so without this
   * bound the tuned threshold rejects too many in-scope messages.
   */
  maxInScopeLoss: number;
  /** Labels in the training data that mean out-of-scope (mapped to out_of_scope). */
  oosLabels: readonly string[];
  /** Threshold used when the data is too small to calibrate (fewer than 4 intents, no OOS). */
  fallbackThreshold: number;
}

export const DEFAULT_INTENT_OPTIONS: IntentTrainOptions = {
  seed: 1,
  epochs: 6,
  lr: 0.02,
  batchSize: 32,
  labelSmoothing: 0.1,
  weightDecay: 1e-4,
  classBalance: 0.5,
  lexicalScale: 1,
  lexical: { ...DEFAULT_LEXICAL, buckets: 1 << 14 },
  heldOutIntents: 0.2,
  validation: 0.2,
  inScopeWeight: 0.5,
  maxInScopeLoss: 0.02,
  oosLabels: [OUT_OF_SCOPE, 'oos'],
  fallbackThreshold: 0.3,
};

export interface IntentScore {
  intent: string;
  score: number;
}

export interface IntentPrediction {
  /** The winning intent, or out_of_scope. */
  intent: string;
  /** Probability of the winning in-scope intent; for out_of_scope, how sure the fallback is. */
  confidence: number;
  /** Best in-scope intents with their probabilities (for clarifying questions). */
  top: IntentScore[];
  outOfScope: boolean;
}

export interface CalibrationReport {
  method: 'held-out-intents' | 'fallback';
  threshold: number;
  heldOutIntents: string[];
  validationInScope: number;
  validationOutOfScope: number;
  inScopeAccuracy: number;
  oosRecall: number;
}

export interface IntentModelMeta {
  version: number;
  labels: string[];
  threshold: number;
  fingerprint: string;
  encoderChecksum: string;
  dim: number;
  options: IntentTrainOptions;
  examples: number;
  calibration: CalibrationReport;
  trainSeconds: number;
}

/** Embeds many texts; EmbeddingCache.embedAll or encoder.embedMany fit. */
export type EmbedMany = (texts: readonly string[]) => Promise<Float32Array[]>;

export class IntentModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntentModelError';
  }
}

/** Identity of a trained model: the data, the options, the method and the encoder weights. */
export function intentFingerprint(examples: readonly IntentExample[], encoderChecksum: string, options: IntentTrainOptions): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: INTENT_METHOD_VERSION, data: hashExamples(examples), enc: encoderChecksum, options }))
    .digest('hex');
}

function scaledLexical(text: string, o: IntentTrainOptions): SparseVec | undefined {
  if (o.lexicalScale <= 0) return undefined;
  const f = lexicalFeatures(text, o.lexical);
  if (o.lexicalScale !== 1) for (let i = 0; i < f.val.length; i++) f.val[i]! *= o.lexicalScale;
  return f;
}

/** A trained intent head: pure arithmetic on a sentence vector (plus the text for n-grams). */
export class IntentClassifier {
  private readonly z: Float32Array;
  private readonly oosIndex: number;

  constructor(
    readonly weights: SoftmaxWeights,
    readonly meta: IntentModelMeta,
  ) {
    this.z = new Float32Array(meta.labels.length);
    this.oosIndex = meta.labels.indexOf(OUT_OF_SCOPE);
  }

  get labels(): readonly string[] {
    return this.meta.labels;
  }

  get threshold(): number {
    return this.meta.threshold;
  }

  /** Probabilities over all labels (a copy), from the sentence vector and the raw text. */
  probabilities(vector: Float32Array, text: string): Float32Array {
    if (!(vector instanceof Float32Array) || vector.length !== this.weights.dim) {
      throw new IntentModelError(`expected a ${this.weights.dim}-dimensional Float32Array sentence vector`);
    }
    logitsInto(this.weights, vector, 0, scaledLexical(typeof text === 'string' ? text : '', this.meta.options), this.z);
    softmaxInPlace(this.z);
    return Float32Array.from(this.z);
  }

  /** Classifies one message from its sentence vector (computed once by the caller) and text. */
  predictVector(vector: Float32Array, text: string, threshold = this.meta.threshold, topN = 3): IntentPrediction {
    const p = this.probabilities(vector, text);
    return this.decide(p, threshold, topN);
  }

  decide(p: Float32Array, threshold = this.meta.threshold, topN = 3): IntentPrediction {
    const labels = this.meta.labels;
    const order: number[] = [];
    for (let c = 0; c < p.length; c++) if (c !== this.oosIndex) order.push(c);
    order.sort((a, b) => p[b]! - p[a]! || a - b);
    const top = order.slice(0, topN).map((c) => ({ intent: labels[c]!, score: p[c]! }));
    const best = order[0];
    const pBest = best === undefined ? 0 : p[best]!;
    const pOos = this.oosIndex >= 0 ? p[this.oosIndex]! : 0;
    if (best === undefined || pOos > pBest || pBest < threshold) {
      return { intent: OUT_OF_SCOPE, confidence: Math.max(pOos, 1 - pBest), top, outOfScope: true };
    }
    return { intent: labels[best]!, confidence: pBest, top, outOfScope: false };
  }

  /** Serializes to one binary blob: magic, JSON header length, header, float32 weights. */
  toBuffer(): Buffer {
    const header = Buffer.from(
      JSON.stringify({ meta: this.meta, shape: { nClasses: this.weights.nClasses, dim: this.weights.dim, sparseDim: this.weights.sparseDim, denseScale: this.weights.denseScale } }),
      'utf8',
    );
    const { W, b, S } = this.weights;
    const body = Buffer.alloc((W.length + b.length + S.length) * 4);
    let off = 0;
    for (const arr of [W, b, S]) {
      for (let i = 0; i < arr.length; i++) body.writeFloatLE(arr[i]!, off + i * 4);
      off += arr.length * 4;
    }
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length, 0);
    return Buffer.concat([MAGIC, len, header, body]);
  }

  static fromBuffer(buf: Buffer): IntentClassifier {
    if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new IntentModelError('not an intent model file');
    const hlen = buf.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4;
    if (start + hlen > buf.length) throw new IntentModelError('intent model file is truncated');
    let header: { meta: IntentModelMeta; shape: { nClasses: number; dim: number; sparseDim: number; denseScale: number } };
    try {
      header = JSON.parse(buf.subarray(start, start + hlen).toString('utf8'));
    } catch {
      throw new IntentModelError('intent model header is not valid JSON');
    }
    const { nClasses: C, dim: D, sparseDim: H, denseScale } = header.shape;
    const need = (C * D + C + H * C) * 4;
    const body = buf.subarray(start + hlen);
    if (body.length !== need) throw new IntentModelError(`intent model body has ${body.length} bytes, expected ${need}`);
    const read = (offset: number, n: number): Float32Array => {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = body.readFloatLE(offset + i * 4);
      return out;
    };
    const W = read(0, C * D);
    const b = read(C * D * 4, C);
    const S = read((C * D + C) * 4, H * C);
    if (header.meta.labels.length !== C) throw new IntentModelError('intent model labels do not match its weights');
    return new IntentClassifier({ nClasses: C, dim: D, sparseDim: H, denseScale, W, b, S }, header.meta);
  }

  /** Writes atomically (temp file + rename), so a crash never leaves half a model. */
  save(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, this.toBuffer());
    renameSync(tmp, path);
  }

  static load(path: string): IntentClassifier {
    if (!existsSync(path)) throw new IntentModelError(`intent model not found: ${path}`);
    return IntentClassifier.fromBuffer(readFileSync(path));
  }
}

const MAGIC = Buffer.from('SHOPBOT-INTENT\n', 'utf8');

interface Prepared {
  labels: Int32Array;
  dense: Float32Array;
  sparse: (SparseVec | undefined)[];
}

function subset(p: Prepared, idx: readonly number[], relabel: Map<number, number>, dim: number): { dense: Float32Array; labels: Int32Array; sparse: SparseVec[] | undefined } {
  const dense = new Float32Array(idx.length * dim);
  const labels = new Int32Array(idx.length);
  const hasSparse = p.sparse[0] !== undefined;
  const sparse: SparseVec[] = [];
  idx.forEach((i, k) => {
    dense.set(p.dense.subarray(i * dim, i * dim + dim), k * dim);
    labels[k] = relabel.get(p.labels[i]!)!;
    if (hasSparse) sparse.push(p.sparse[i]!);
  });
  return { dense, labels, sparse: hasSparse ? sparse : undefined };
}

/**
 * Threshold maximizing w·inScopeAccuracy + (1-w)·oosRecall on validation scores, where a message
 * is out-of-scope when its best in-scope probability is below the threshold (or the OOS class won).
 * Recall is averaged over the non-empty OOS groups (e.g. real OOS examples, held-out intents).
 * Among equally good thresholds the middle of the first best interval is kept (widest margin).
 */
export function tuneThreshold(
  inScope: readonly { correct: boolean; score: number }[],
  oosGroups: readonly (readonly { predictedOos: boolean; score: number }[])[],
  inScopeWeight: number,
  maxInScopeLoss = 1,
): { threshold: number; inScopeAccuracy: number; oosRecall: number } {
  const groups = oosGroups.filter((g) => g.length > 0);
  const cands = new Set<number>([0]);
  for (const e of inScope) cands.add(e.score);
  for (const g of groups) for (const e of g) cands.add(e.score);
  const sorted = [...cands].sort((a, b) => a - b);
  sorted.push(sorted[sorted.length - 1]! + 1e-6); // "everything is out of scope"
  // Objective at t = sorted[k]; every t in (sorted[k-1], sorted[k]] splits the same way.
  const evalAt = (t: number): { j: number; acc: number; rec: number } => {
    let c = 0;
    for (const e of inScope) if (e.correct && e.score >= t) c++;
    const acc = inScope.length > 0 ? c / inScope.length : 1;
    let rec = 0;
    for (const g of groups) {
      let r = 0;
      for (const e of g) if (e.predictedOos || e.score < t) r++;
      rec += r / g.length;
    }
    rec = groups.length > 0 ? rec / groups.length : 0;
    return { j: inScopeWeight * acc + (1 - inScopeWeight) * rec, acc, rec };
  };
  const js = sorted.map(evalAt);
  // Only thresholds that cost at most maxInScopeLoss of in-scope accuracy are allowed.
  const floor = js[0]!.acc - maxInScopeLoss - 1e-12;
  const ok = (k: number) => js[k]!.acc >= floor;
  let lo = 0;
  for (let k = 1; k < js.length; k++) if (ok(k) && js[k]!.j > js[lo]!.j + 1e-12) lo = k;
  let hi = lo;
  while (hi + 1 < js.length && ok(hi + 1) && Math.abs(js[hi + 1]!.j - js[lo]!.j) <= 1e-12) hi++;
  const from = lo > 0 ? sorted[lo - 1]! : 0;
  const threshold = (from + sorted[hi]!) / 2;
  const at = evalAt(threshold);
  return { threshold, inScopeAccuracy: at.acc, oosRecall: at.rec };
}

export interface CalibrationScores {
  inScope: { correct: boolean; score: number }[];
  oosGroups: { predictedOos: boolean; score: number }[][];
}

export interface TrainResult {
  classifier: IntentClassifier;
  embedSeconds: number;
  trainSeconds: number;
  /** The validation scores the threshold was tuned on (for diagnostics); null without calibration. */
  calibrationScores: CalibrationScores | null;
}

/**
 * Trains from scratch: embeds the texts, calibrates the out-of-scope threshold on a held-out
 * split, then trains the final head on all examples. Deterministic for a given seed and data.
 */
export async function trainIntentClassifier(
  examples: readonly IntentExample[],
  embed: EmbedMany,
  encoderChecksum: string,
  options: Partial<IntentTrainOptions> = {},
  log: (line: string) => void = () => {},
): Promise<TrainResult> {
  const o: IntentTrainOptions = { ...DEFAULT_INTENT_OPTIONS, ...options };
  if (examples.length === 0) throw new IntentModelError('no training examples');
  const oosSet = new Set(o.oosLabels);
  const norm = examples.map((e) => ({ text: e.text, label: oosSet.has(e.label) ? OUT_OF_SCOPE : e.label }));
  const labels = [...new Set(norm.map((e) => e.label))].sort();
  const inScopeLabels = labels.filter((l) => l !== OUT_OF_SCOPE);
  if (inScopeLabels.length === 0) throw new IntentModelError('training data has no in-scope intent');

  const t0 = performance.now();
  const vectors = await embed(norm.map((e) => e.text));
  const embedSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const dim = vectors[0]!.length;
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const prepared: Prepared = {
    labels: Int32Array.from(norm.map((e) => labelIndex.get(e.label)!)),
    dense: new Float32Array(norm.length * dim),
    sparse: norm.map((e) => scaledLexical(e.text, o)),
  };
  vectors.forEach((v, i) => prepared.dense.set(v, i * dim));
  const softmax = {
    epochs: o.epochs,
    lr: o.lr,
    batchSize: o.batchSize,
    labelSmoothing: o.labelSmoothing,
    weightDecay: o.weightDecay,
    classBalance: o.classBalance,
    denseScale: DEFAULT_SOFTMAX.denseScale,
    skipProb: DEFAULT_SOFTMAX.skipProb,
  };
  const sparseDim = o.lexicalScale > 0 ? o.lexical.buckets : 0;

  // --- calibration ---
  const rand = mulberry32((o.seed ^ 0x5bd1e995) >>> 0);
  const shuffledIntents = [...inScopeLabels];
  shuffleInPlace(shuffledIntents, rand);
  const oosIdx = labelIndex.get(OUT_OF_SCOPE);
  const nHeld = inScopeLabels.length >= 4 ? Math.max(1, Math.round(inScopeLabels.length * o.heldOutIntents)) : 0;
  const held = new Set(shuffledIntents.slice(0, nHeld).map((l) => labelIndex.get(l)!));
  const byClass = new Map<number, number[]>();
  prepared.labels.forEach((y, i) => {
    const list = byClass.get(y) ?? [];
    list.push(i);
    byClass.set(y, list);
  });
  const calTrain: number[] = [];
  const valIn: number[] = [];
  const valOos: number[] = [];
  const valPseudo: number[] = [];
  for (const [y, idx] of [...byClass].sort((a, b) => a[0] - b[0])) {
    if (held.has(y)) {
      valPseudo.push(...idx);
      continue;
    }
    const shuffled = [...idx];
    shuffleInPlace(shuffled, rand);
    const nVal = shuffled.length >= 3 ? Math.max(1, Math.round(shuffled.length * o.validation)) : 0;
    (y === oosIdx ? valOos : valIn).push(...shuffled.slice(0, nVal));
    calTrain.push(...shuffled.slice(nVal));
  }

  let calibration: CalibrationReport;
  let calibrationScores: CalibrationScores | null = null;
  if (valIn.length > 0 && (valOos.length > 0 || valPseudo.length > 0)) {
    const calLabels = labels.map((_, i) => i).filter((i) => !held.has(i));
    const relabel = new Map(calLabels.map((c, k) => [c, k]));
    const tr = subset(prepared, calTrain, relabel, dim);
    log(`intent: calibrating on ${calTrain.length} examples of ${calLabels.length} labels (${nHeld} intents held out as unknown)`);
    const w = trainSoftmax({ dense: tr.dense, dim, labels: tr.labels, nClasses: calLabels.length, sparse: tr.sparse, sparseDim: tr.sparse ? sparseDim : 0 }, { ...softmax, seed: o.seed + 1 });
    const calMeta = { labels: calLabels.map((c) => labels[c]!), options: o } as IntentModelMeta;
    const cal = new IntentClassifier(w, calMeta);
    const score = (i: number) => {
      const p = cal.probabilities(prepared.dense.subarray(i * dim, i * dim + dim), norm[i]!.text);
      const d = cal.decide(p, 0, 1);
      return { label: d.intent, score: d.top[0]?.score ?? 0, predictedOos: d.outOfScope };
    };
    const inScope = valIn.map((i) => {
      const s = score(i);
      return { correct: s.label === norm[i]!.label, score: s.score };
    });
    const groups = [valOos.map(score), valPseudo.map(score)];
    const tuned = tuneThreshold(inScope, groups, o.inScopeWeight, o.maxInScopeLoss);
    calibrationScores = { inScope, oosGroups: groups };
    calibration = {
      method: 'held-out-intents',
      threshold: tuned.threshold,
      heldOutIntents: [...held].map((c) => labels[c]!).sort(),
      validationInScope: valIn.length,
      validationOutOfScope: valOos.length + valPseudo.length,
      inScopeAccuracy: tuned.inScopeAccuracy,
      oosRecall: tuned.oosRecall,
    };
    log(`intent: threshold ${tuned.threshold.toFixed(3)} (validation in-scope accuracy ${tuned.inScopeAccuracy.toFixed(3)}, out-of-scope recall ${tuned.oosRecall.toFixed(3)})`);
  } else {
    calibration = { method: 'fallback', threshold: o.fallbackThreshold, heldOutIntents: [], validationInScope: 0, validationOutOfScope: 0, inScopeAccuracy: NaN, oosRecall: NaN };
    log(`intent: too little data to calibrate; threshold ${o.fallbackThreshold}`);
  }

  // --- final model on everything ---
  log(`intent: training on ${norm.length} examples, ${labels.length} labels`);
  const weights = trainSoftmax(
    { dense: prepared.dense, dim, labels: prepared.labels, nClasses: labels.length, sparse: o.lexicalScale > 0 ? (prepared.sparse as SparseVec[]) : undefined, sparseDim },
    { ...softmax, seed: o.seed },
  );
  const trainSeconds = (performance.now() - t1) / 1000;
  const meta: IntentModelMeta = {
    version: INTENT_METHOD_VERSION,
    labels,
    threshold: calibration.threshold,
    fingerprint: intentFingerprint(examples, encoderChecksum, o),
    encoderChecksum,
    dim,
    options: o,
    examples: examples.length,
    calibration,
    trainSeconds,
  };
  return { classifier: new IntentClassifier(weights, meta), embedSeconds, trainSeconds, calibrationScores };
}

/** Classifies many texts: one batched embedding pass, then the head. */
export async function predictIntents(classifier: IntentClassifier, texts: readonly string[], embed: EmbedMany): Promise<IntentPrediction[]> {
  const vecs = await embed(texts);
  return vecs.map((v, i) => classifier.predictVector(v, texts[i]!));
}

export interface LoadOrTrainOptions {
  encoder: Encoder;
  examples: readonly IntentExample[];
  /** Where the trained head is persisted, e.g. data/intent/intent-head.bin. */
  modelPath: string;
  options?: Partial<IntentTrainOptions>;
  /** Defaults to encoder.embedMany; pass an EmbeddingCache's embedAll to reuse vectors. */
  embed?: EmbedMany;
  log?: (line: string) => void;
}

/**
 * Loads the persisted head when its fingerprint (data, options, method, encoder weights) matches;
 * otherwise trains, saves and returns a new one. `trained` says which happened.
 */
export async function loadOrTrainIntentClassifier(opts: LoadOrTrainOptions): Promise<{ classifier: IntentClassifier; trained: boolean }> {
  const o: IntentTrainOptions = { ...DEFAULT_INTENT_OPTIONS, ...opts.options };
  const fingerprint = intentFingerprint(opts.examples, opts.encoder.checksum, o);
  const log = opts.log ?? (() => {});
  if (existsSync(opts.modelPath)) {
    try {
      const saved = IntentClassifier.load(opts.modelPath);
      if (saved.meta.fingerprint === fingerprint && saved.meta.version === INTENT_METHOD_VERSION) return { classifier: saved, trained: false };
      log('intent: training data, options or encoder changed; retraining');
    } catch (err) {
      log(`intent: saved model unusable (${(err as Error).message}); retraining`);
    }
  }
  const embed = opts.embed ?? ((texts: readonly string[]) => opts.encoder.embedMany(texts));
  const { classifier } = await trainIntentClassifier(opts.examples, embed, opts.encoder.checksum, o, log);
  classifier.save(opts.modelPath);
  return { classifier, trained: true };
}
