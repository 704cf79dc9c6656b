import { resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { loadEncoder } from '../nlu/encoder.js';
import { readIntentFile, type IntentExample } from '../nlu/intent-data.js';
import { EmbeddingCache } from '../nlu/intent-embeddings.js';
import { OUT_OF_SCOPE, predictIntents, trainIntentClassifier, type IntentClassifier } from '../nlu/intent.js';
import { loadBotIntentClassifier } from '../nlu/intent-bot.js';

// `npm run --silent eval -- intent --train T.jsonl --test E.jsonl [--oos-label oos]`
//
// Trains the project's intent method on T from scratch (without --train: loads, or trains once,
// the bot's own model from fixtures/nlu/intents-train.jsonl) and scores it on E. Test examples
// labelled with the OOS label (default "oos"; "out_of_scope" is accepted too) are out-of-scope.
// --test takes one file or several separated by commas. Progress goes to stderr; the metrics
// object is returned for the dispatcher to print as the last stdout line.
//
// Metrics: accuracy and macro_f1 over all test labels with out-of-scope as one class;
// in_scope_accuracy = share of in-scope test messages given exactly their intent (an out-of-scope
// answer counts as wrong); oos_recall / oos_precision for the out-of-scope class (null when
// undefined: no OOS examples / no OOS predictions); train_s = seconds to train from scratch,
// embedding included (0 when a saved model is used; vectors cached by an earlier run are reused,
// --no-cache forces a cold run); predict_per_s = messages classified per second end to end
// (sentence encoder included, batched), measured uncached on up to 512 test messages.

export interface IntentMetrics {
  task: 'intent';
  n: number;
  accuracy: number;
  macro_f1: number;
  in_scope_accuracy: number | null;
  oos_recall: number | null;
  oos_precision: number | null;
  train_s: number;
  predict_per_s: number;
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

/** Scores predicted labels against gold labels; `oos` is the common out-of-scope label. */
export function intentMetrics(gold: readonly string[], pred: readonly string[], oos: string): Omit<IntentMetrics, 'task' | 'train_s' | 'predict_per_s'> {
  const n = gold.length;
  let correct = 0;
  let inScope = 0;
  let inScopeCorrect = 0;
  let oosGold = 0;
  let oosPred = 0;
  let oosBoth = 0;
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (let i = 0; i < n; i++) {
    const g = gold[i]!;
    const p = pred[i]!;
    if (g === p) {
      correct++;
      inc(tp, g);
    } else {
      inc(fp, p);
      inc(fn, g);
    }
    if (g === oos) oosGold++;
    else {
      inScope++;
      if (g === p) inScopeCorrect++;
    }
    if (p === oos) oosPred++;
    if (g === oos && p === oos) oosBoth++;
  }
  const labels = new Set([...gold, ...pred]);
  let f1sum = 0;
  for (const l of labels) {
    const t = tp.get(l) ?? 0;
    const denom = 2 * t + (fp.get(l) ?? 0) + (fn.get(l) ?? 0);
    f1sum += denom > 0 ? (2 * t) / denom : 0;
  }
  return {
    n,
    accuracy: n > 0 ? round(correct / n) : 0,
    macro_f1: labels.size > 0 ? round(f1sum / labels.size) : 0,
    in_scope_accuracy: inScope > 0 ? round(inScopeCorrect / inScope) : null,
    oos_recall: oosGold > 0 ? round(oosBoth / oosGold) : null,
    oos_precision: oosPred > 0 ? round(oosBoth / oosPred) : null,
  };
}

async function readTestFiles(spec: string): Promise<IntentExample[]> {
  const out: IntentExample[] = [];
  for (const f of spec.split(',').map((s) => s.trim()).filter(Boolean)) out.push(...(await readIntentFile(resolve(f))));
  return out;
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const config = loadConfig();
  const trainPath = stringFlag(flags, 'train');
  const testSpec = stringFlag(flags, 'test');
  if (!testSpec) throw new Error('usage: eval intent [--train T.jsonl] --test E.jsonl[,F.jsonl] [--oos-label oos] [--seed N] [--no-cache]');
  const oosLabel = stringFlag(flags, 'oos-label') ?? 'oos';
  const seedFlag = stringFlag(flags, 'seed');
  const seed = seedFlag === undefined ? undefined : Number(seedFlag);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--seed must be an integer (got "${seedFlag}")`);
  const log = (line: string) => process.stderr.write(line + '\n');

  // Read and validate every file before loading the model, so bad input fails fast.
  const train = trainPath ? await readIntentFile(resolve(trainPath)) : null;
  const test = await readTestFiles(testSpec);
  const oosLabels = [...new Set([oosLabel, OUT_OF_SCOPE])];
  log(`eval intent: ${train ? `${train.length} training examples, ` : ''}${test.length} test examples`);

  const encoder = await loadEncoder({ ...config.encoder, log });
  try {
    // Vectors are cached on disk per encoder checksum (data/cache), so a re-run only embeds new texts.
    const cache = new EmbeddingCache(encoder, flags['no-cache'] ? undefined : resolve(config.dataDir, 'cache'));
    let classifier: IntentClassifier;
    let trainS = 0;
    if (train) {
      const t0 = performance.now();
      const result = await trainIntentClassifier(
        train,
        (texts) => cache.embedAll(texts, { label: 'embed train' }),
        encoder.checksum,
        { oosLabels, ...(seed !== undefined ? { seed } : {}) },
        log,
      );
      trainS = (performance.now() - t0) / 1000;
      classifier = result.classifier;
      log(`eval intent: trained in ${trainS.toFixed(1)} s (embedding ${result.embedSeconds.toFixed(1)} s, head ${result.trainSeconds.toFixed(1)} s)`);
      cache.save();
    } else {
      classifier = (await loadBotIntentClassifier({ config, encoder, cache, log })).classifier;
    }
    const texts = test.map((e) => e.text);
    const preds = await predictIntents(classifier, texts, (t) => cache.embedAll(t, { label: 'embed test' }));
    cache.save();
    // Throughput end to end (sentence encoder included, batched as a bulk job would run), measured
    // on fresh vectors for up to 512 test messages, so cached vectors never flatter it.
    const sample = texts.slice(0, 512);
    const t1 = performance.now();
    await predictIntents(classifier, sample, (t) => encoder.embedMany(t));
    const predictS = (performance.now() - t1) / 1000;
    const gold = test.map((e) => (oosLabels.includes(e.label) ? oosLabel : e.label));
    const pred = preds.map((p) => (p.outOfScope ? oosLabel : p.intent));
    const unknown = new Set(gold.filter((g) => g !== oosLabel && !classifier.labels.includes(g)));
    if (unknown.size > 0) log(`eval intent: ${unknown.size} test label(s) never seen in training count as in-scope errors: ${[...unknown].slice(0, 10).join(', ')}`);
    const metrics: IntentMetrics = {
      task: 'intent',
      ...intentMetrics(gold, pred, oosLabel),
      train_s: Math.round(trainS * 100) / 100,
      predict_per_s: Math.round((sample.length / Math.max(predictS, 1e-9)) * 10) / 10,
    };
    return metrics as unknown as Record<string, unknown>;
  } finally {
    await encoder.close();
  }
}
