// The confidence model: re-rank settings, a logistic model over three features of the ranked
// candidates, and the threshold on its probability. Fitted by tools/calibrate-faq.ts on a held-out split and
// saved as JSON: `retrieval/calibration.json` is the production default; an index can carry its own
// (`faq.calibration.json` next to faq.hnsw) after calibrating on the store's own data.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RerankSettings {
  /** Candidates fetched from the graph before re-ranking. */
  candidates: number;
  /** Softmax temperature of the group vote over candidate similarities. */
  tau: number;
  /** Weight of the unit's group share (answer-group agreement) added to its similarity. */
  agreement: number;
  /** Weight of recency (exp(-age / 1 year)). */
  recency: number;
  /** Weight of a match between the unit's intent and the NLU intent of the question. */
  intent: number;
}

export interface Features {
  /** Cosine similarity of the top unit. */
  sim: number;
  /** Vote share of the top unit's group among the candidates. */
  share: number;
  /** Best similarity in the top group minus the best similarity of any other group. */
  margin: number;
}

export interface Calibration {
  version: 1;
  rerank: RerankSettings;
  /** p(correct) = sigmoid(bias + sim*w.sim + share*w.share + margin*w.margin). */
  weights: { bias: number; sim: number; share: number; margin: number };
  /** Answer only when p >= threshold. */
  threshold: number;
  /**
   * Below this top similarity the confidence is 0, whatever the other features say: a question far
   * from everything indexed is out of scope even when its few neighbours agree with each other.
   */
  minSim: number;
  /** How it was fitted, for the record. */
  fitted?: Record<string, unknown>;
}

export const DEFAULT_RERANK: RerankSettings = { candidates: 20, tau: 0.05, agreement: 0.1, recency: 0.005, intent: 0.03 };

/** Used only when no calibration file exists: conservative (answers only very close matches). */
export const FALLBACK_CALIBRATION: Calibration = {
  version: 1,
  rerank: DEFAULT_RERANK,
  weights: { bias: -30, sim: 30, share: 2, margin: 10 },
  threshold: 0.9,
  minSim: 0.6,
};

export const DEFAULT_CALIBRATION_PATH = join(dirname(fileURLToPath(import.meta.url)), 'calibration.json');

/** File of an index's own calibration, next to its graph file. */
export const calibrationPathFor = (indexPath: string): string => join(dirname(indexPath), 'faq.calibration.json');

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function confidence(c: Calibration, f: Features): number {
  if (f.sim < c.minSim) return 0;
  const w = c.weights;
  return sigmoid(w.bias + w.sim * f.sim + w.share * f.share + w.margin * f.margin);
}

function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

export function parseCalibration(v: unknown): Calibration {
  const c = v as Calibration;
  const ok =
    c &&
    c.version === 1 &&
    c.weights &&
    [c.weights.bias, c.weights.sim, c.weights.share, c.weights.margin, c.threshold, c.minSim].every(isNum) &&
    c.rerank &&
    [c.rerank.candidates, c.rerank.tau, c.rerank.agreement, c.rerank.recency, c.rerank.intent].every(isNum);
  if (!ok) throw new Error('not a valid calibration (version 1)');
  return c;
}

export function loadCalibration(path: string): Calibration {
  return parseCalibration(JSON.parse(readFileSync(path, 'utf8')));
}

/** The index's own calibration if it has one, else the production default, else the fallback. */
export function resolveCalibration(indexPath?: string): { calibration: Calibration; from: string } {
  const candidates = [indexPath ? calibrationPathFor(indexPath) : null, DEFAULT_CALIBRATION_PATH].filter((p): p is string => p !== null);
  for (const p of candidates) if (existsSync(p)) return { calibration: loadCalibration(p), from: p };
  return { calibration: FALLBACK_CALIBRATION, from: 'fallback' };
}

export function saveCalibration(path: string, c: Calibration): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(c, null, 2) + '\n');
  renameSync(tmp, path);
}
