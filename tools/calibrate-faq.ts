// Fits the production confidence model on a held-out split (never on the test split):
//
//   npx tsx tools/calibrate-faq.ts [--index fixtures/retrieval/faq-index.jsonl] [--calib fixtures/retrieval/faq-calib.jsonl]
//                                  [--out retrieval/calibration.json] [--precision 0.95]
//
// 1. Builds a fresh index from the index file and ranks every calibration question once.
// 2. Picks the re-rank settings (vote temperature, agreement weight) with the best hit@1 on the
//    in-scope calibration questions.
// 3. Fits a logistic model p(top answer is right | sim, share, margin) on all calibration
//    questions (out-of-scope ones are always wrong).
// 4. Chooses a similarity floor and a threshold on that probability together: the pair with the best
//    utility (+1 per right answer, -precision/(1-precision) = -19 per wrong one) among those whose
//    one-sided 95% Wilson lower bound of the precision among answered questions stays >= --precision.
//    Out-of-scope questions are weighted to --oos-share (default 0.5) of the traffic.

import { resolve } from 'node:path';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { loadEncoder } from '../nlu/encoder.js';
import { featuresOf, rerank } from '../retrieval/answer.js';
import { DEFAULT_CALIBRATION_PATH, DEFAULT_RERANK, confidence, saveCalibration, type Calibration, type Features, type RerankSettings } from '../retrieval/calibration.js';
import type { SearchHit } from '../retrieval/index-store.js';
import { buildTempIndex, parsePair, parseQuestion, readRows } from '../retrieval/pairs.js';
import { redactText } from '../retrieval/redact.js';
import { cleanQuestion } from '../retrieval/answer.js';

export interface Sample {
  features: Features;
  correct: boolean;
  /** Sample weight (default 1). */
  weight?: number;
}

/** Logistic regression by gradient descent on standardized features; weights returned on the raw scale. */
export function fitLogistic(samples: readonly Sample[], iters = 3000, lr = 0.5, l2 = 1e-3): Calibration['weights'] {
  const X = samples.map((s) => [s.features.sim, s.features.share, s.features.margin]);
  const y = samples.map((s) => (s.correct ? 1 : 0));
  const wt = samples.map((s) => s.weight ?? 1);
  const n = wt.reduce((a, b) => a + b, 0);
  const mean = [0, 1, 2].map((j) => X.reduce((a, x, i) => a + wt[i]! * x[j]!, 0) / n);
  const std = [0, 1, 2].map((j) => Math.sqrt(X.reduce((a, x, i) => a + wt[i]! * (x[j]! - mean[j]!) ** 2, 0) / n) || 1);
  const Z = X.map((x) => x.map((v, j) => (v - mean[j]!) / std[j]!));
  let b = 0;
  const w = [0, 0, 0];
  for (let it = 0; it < iters; it++) {
    let gb = 0;
    const gw = [0, 0, 0];
    for (let i = 0; i < Z.length; i++) {
      const z = Z[i]!;
      const p = 1 / (1 + Math.exp(-(b + w[0]! * z[0]! + w[1]! * z[1]! + w[2]! * z[2]!)));
      const e = (p - y[i]!) * wt[i]!;
      gb += e;
      for (let j = 0; j < 3; j++) gw[j]! += e * z[j]!;
    }
    b -= (lr * gb) / n;
    for (let j = 0; j < 3; j++) w[j]! -= lr * (gw[j]! / n + l2 * w[j]!);
  }
  const raw = w.map((wj, j) => wj / std[j]!);
  const bias = b - w.reduce((a, wj, j) => a + (wj * mean[j]!) / std[j]!, 0);
  return { bias, sim: raw[0]!, share: raw[1]!, margin: raw[2]! };
}

/** One-sided Wilson lower bound of a proportion (z = 1.645: 95%). */
export function wilsonLower(successes: number, n: number, z = 1.645): number {
  if (n === 0) return 0;
  const p = successes / n;
  const z2 = z * z;
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

/**
 * The threshold with the best utility (each right answer +1, each wrong one -cost, weighted) among
 * those whose answered set keeps the lower bound of the (weighted) precision >= target. The bound
 * uses the unweighted count of answered samples. Threshold 1.01 = never answer.
 */
export function chooseThreshold(
  scored: readonly { p: number; correct: boolean; weight?: number }[],
  target: number,
  cost = target / (1 - target),
): { threshold: number; answered: number; precision: number; utility: number } {
  const sorted = [...scored].filter((s) => s.p > 0).sort((a, b) => b.p - a.p);
  let best = { threshold: 1.01, answered: 0, precision: 1, utility: 0 };
  let ok = 0;
  let all = 0;
  for (let i = 0; i < sorted.length; i++) {
    const w = sorted[i]!.weight ?? 1;
    all += w;
    if (sorted[i]!.correct) ok += w;
    const next = sorted[i + 1];
    if (next && next.p === sorted[i]!.p) continue; // only cut between distinct scores
    const n = i + 1;
    const precision = ok / all;
    const utility = ok - cost * (all - ok);
    if (wilsonLower(precision * n, n) >= target && utility > best.utility) best = { threshold: sorted[i]!.p, answered: n, precision, utility };
  }
  return best;
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const indexFile = resolve(stringFlag(flags, 'index') ?? 'fixtures/retrieval/faq-index.jsonl');
  const calibFile = resolve(stringFlag(flags, 'calib') ?? 'fixtures/retrieval/faq-calib.jsonl');
  const out = resolve(stringFlag(flags, 'out') ?? DEFAULT_CALIBRATION_PATH);
  const target = Number(stringFlag(flags, 'precision') ?? '0.95');
  // Share of out-of-scope messages assumed in live traffic: the few out-of-scope calibration
  // questions are weighted up to it, so the threshold is not tuned to a mostly in-scope mix.
  const oosShare = Number(stringFlag(flags, 'oos-share') ?? '0.5');
  if (!(oosShare > 0 && oosShare < 1)) throw new Error('--oos-share must be in (0, 1)');
  const candidates = intFlag(flags, 'candidates', DEFAULT_RERANK.candidates);
  const pairs = await readRows(indexFile, parsePair, 'index');
  const questions = await readRows(calibFile, parseQuestion, 'calibration');
  const config = loadConfig();
  const encoder = await loadEncoder({ ...config.encoder });
  const temp = await buildTempIndex(pairs, encoder);
  try {
    const known = new Set(pairs.map((p) => p.group));
    const vecs = await encoder.embedMany(questions.map((q) => redactText(cleanQuestion(q.question)) || '?'));
    const hits: SearchHit[][] = vecs.map((v) => temp.index.search(v, candidates));

    // 2. Re-rank settings by hit@1 on in-scope questions.
    const inScope = questions.map((q, i) => ({ q, i })).filter(({ q }) => known.has(q.group));
    let bestRr: RerankSettings = { ...DEFAULT_RERANK, candidates };
    let bestHit = -1;
    for (const tau of [0.02, 0.03, 0.05, 0.08]) {
      for (const agreement of [0, 0.02, 0.05, 0.1, 0.2, 0.4]) {
        const rr = { ...DEFAULT_RERANK, candidates, tau, agreement };
        const hit = inScope.filter(({ q, i }) => rerank(hits[i]!, rr)[0]?.group === q.group).length / inScope.length;
        if (hit > bestHit + 1e-9) {
          bestHit = hit;
          bestRr = rr;
        }
      }
    }

    // 3-4. Confidence model and threshold.
    const nOos = questions.length - inScope.length;
    const oosWeight = nOos > 0 ? (inScope.length / nOos) * (oosShare / (1 - oosShare)) : 1;
    const samples: Sample[] = questions.map((q, i) => {
      const ranked = rerank(hits[i]!, bestRr);
      return { features: featuresOf(ranked, bestRr.tau), correct: ranked[0]?.group === q.group, weight: known.has(q.group) ? 1 : oosWeight };
    });
    const weights = fitLogistic(samples);
    // The similarity floor and the threshold together: the pair with the best utility wins (ties:
    // the higher floor, the safer one).
    let draft: Calibration = { version: 1, rerank: bestRr, weights, threshold: 1.01, minSim: 0 };
    let scored: { p: number; correct: boolean; weight: number }[] = [];
    let cut = { threshold: 1.01, answered: 0, precision: 1, utility: -Infinity };
    for (let floor = 0; floor <= 0.8001; floor += floor < 0.3 ? 0.3 : 0.01) {
      const d: Calibration = { ...draft, minSim: Number(floor.toFixed(2)) };
      const sc = samples.map((s) => ({ p: confidence(d, s.features), correct: s.correct, weight: s.weight ?? 1 }));
      const c = chooseThreshold(sc, target);
      if (c.utility >= cut.utility) {
        cut = c;
        scored = sc;
        draft = d;
      }
    }
    const calibration: Calibration = {
      ...draft,
      threshold: cut.threshold,
      fitted: {
        index: indexFile.replace(resolve('.') + '/', ''),
        calibration: calibFile.replace(resolve('.') + '/', ''),
        questions: questions.length,
        out_of_scope: questions.length - inScope.length,
        hit_at_1: Number(bestHit.toFixed(4)),
        out_of_scope_share_assumed: oosShare,
        in_scope_answered_rate: Number((scored.filter((s, i) => s.p >= cut.threshold && known.has(questions[i]!.group)).length / inScope.length).toFixed(4)),
        out_of_scope_answered: scored.filter((s, i) => s.p >= cut.threshold && !known.has(questions[i]!.group)).length,
        weighted_precision_when_answered: Number(cut.precision.toFixed(4)),
        precision_lower_bound_target: target,
        model: encoder.modelId,
        checksum: encoder.checksum,
      },
    };
    saveCalibration(out, calibration);
    process.stderr.write(`calibration written to ${out}\n`);
    return { task: 'calibrate', ...calibration.fitted, threshold: calibration.threshold, min_sim: calibration.minSim, rerank: bestRr, weights };
  } finally {
    await temp.dispose();
    await encoder.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e: unknown) => {
      process.stderr.write(`calibrate: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
