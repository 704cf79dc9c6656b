// Development benchmark for the intent method's out-of-scope detection, so methods are chosen
// without looking at fixtures/nlu/heldout-test.jsonl (the reporting benchmark).
//
//   npx tsx tools/intent-oos-dev.ts [--rotations 5] [--variants '[{"oosScore":"softmax","calibrationFolds":1},{}]'] [--seed 1] [--with-oos]
//
// Builds CLINC-style rotations from intents-train + intents-test + intents-oos: rotation k removes
// 8 in-scope intents (a seeded shuffle of the 36, taken 8 at a time with wrap-around; never the 8
// of heldout-train.jsonl) and every out-of-scope example from training (--with-oos keeps those, the
// bot model's setting; intents-oos stays unseen); its test is intents-test with the removed intents
// + intents-oos labelled oos. Each variant (a partial IntentTrainOptions over the defaults) is
// trained on every rotation. Prints one JSON line per (variant, rotation) and a mean line per
// variant: in-scope accuracy, OOS recall and precision, recall on the removed intents' messages and
// on the out-of-domain messages of intents-oos, head training seconds. Vectors come from the
// on-disk embedding cache (data/cache), so a re-run embeds nothing.
import { resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { mulberry32, shuffleInPlace } from '../nlu/classifier.js';
import { loadEncoder } from '../nlu/encoder.js';
import { intentMetrics } from '../eval/intent.js';
import { readIntentFile, type IntentExample } from '../nlu/intent-data.js';
import { EmbeddingCache } from '../nlu/intent-embeddings.js';
import { OUT_OF_SCOPE, predictIntents, trainIntentClassifier, type IntentTrainOptions } from '../nlu/intent.js';

const { flags } = parseArgs(process.argv.slice(2));
const config = loadConfig();
const nRot = Number(stringFlag(flags, 'rotations') ?? 5);
const rotSeed = Number(stringFlag(flags, 'seed') ?? 1);
const withOos = Boolean(flags['with-oos']);
const variants = JSON.parse(stringFlag(flags, 'variants') ?? '[{"oosScore":"softmax","calibrationFolds":1},{}]') as Partial<IntentTrainOptions>[];
const log = (line: string) => process.stderr.write(line + '\n');
const fx = (f: string) => resolve(config.fixturesDir, 'nlu', f);

const train = await readIntentFile(fx('intents-train.jsonl'));
const test = await readIntentFile(fx('intents-test.jsonl'));
const oos = await readIntentFile(fx('intents-oos.jsonl'));
const heldoutTrainLabels = new Set((await readIntentFile(fx('heldout-train.jsonl'))).map((e) => e.label));
const intents = [...new Set(train.map((e) => e.label))].filter((l) => l !== OUT_OF_SCOPE).sort();
const benchmarkRemoved = intents.filter((l) => !heldoutTrainLabels.has(l)).sort().join(',');

const order = [...intents];
shuffleInPlace(order, mulberry32(0x1d1a ^ rotSeed));
const rotations: string[][] = [];
for (let k = 0; rotations.length < nRot && k < 100; k++) {
  const removed = Array.from({ length: 8 }, (_, j) => order[(8 * k + j) % order.length]!).sort();
  if (removed.join(',') === benchmarkRemoved) continue; // never the reporting benchmark's split
  rotations.push(removed);
}

rotations.forEach((r, k) => log(`rotation ${k} leaves out: ${r.join(', ')}`));

const encoder = await loadEncoder({ ...config.encoder, log: () => {} });
const cache = new EmbeddingCache(encoder, resolve(config.dataDir, 'cache'));
const embed = (t: readonly string[]) => cache.embedAll(t);
const round = (x: number) => Math.round(x * 10000) / 10000;

try {
  for (const variant of variants) {
    const rows: { inScope: number; recall: number; precision: number; unseenIntents: number; outOfDomain: number; headS: number }[] = [];
    for (const [r, removed] of rotations.entries()) {
      const gone = new Set(removed);
      const tr: IntentExample[] = train.filter((e) => (withOos || e.label !== OUT_OF_SCOPE) && !gone.has(e.label));
      const te: IntentExample[] = [...test, ...oos].map((e) => (gone.has(e.label) || e.label === OUT_OF_SCOPE ? { text: e.text, label: 'oos' } : e));
      const res = await trainIntentClassifier(tr, embed, encoder.checksum, variant);
      const preds = await predictIntents(res.classifier, te.map((e) => e.text), embed);
      const m = intentMetrics(te.map((e) => e.label), preds.map((p) => (p.outOfScope ? 'oos' : p.intent)), 'oos');
      // Recall on the two kinds of out-of-scope messages: the removed intents and intents-oos.
      const recallOf = (kind: (e: IntentExample) => boolean) => {
        const idx = [...test, ...oos].flatMap((e, i) => (kind(e) ? [i] : []));
        return round(idx.filter((i) => preds[i]!.outOfScope).length / idx.length);
      };
      const row = {
        inScope: m.in_scope_accuracy!,
        recall: m.oos_recall!,
        precision: m.oos_precision ?? 0,
        unseenIntents: recallOf((e) => gone.has(e.label)),
        outOfDomain: recallOf((e) => e.label === OUT_OF_SCOPE),
        headS: round(res.trainSeconds),
      };
      rows.push(row);
      const rule = res.classifier.meta.oosRule;
      console.log(JSON.stringify({ variant, rotation: r, removed, in_scope_accuracy: row.inScope, oos_recall: row.recall, oos_precision: row.precision, recall_unseen_intents: row.unseenIntents, recall_out_of_domain: row.outOfDomain, head_s: row.headS, rule }));
    }
    const mean = (f: (x: (typeof rows)[number]) => number) => round(rows.reduce((a, x) => a + f(x), 0) / rows.length);
    console.log(JSON.stringify({ variant, rotations: rows.length, mean_in_scope_accuracy: mean((x) => x.inScope), mean_oos_recall: mean((x) => x.recall), mean_oos_precision: mean((x) => x.precision), mean_recall_unseen_intents: mean((x) => x.unseenIntents), mean_recall_out_of_domain: mean((x) => x.outOfDomain), mean_head_s: mean((x) => x.headS) }));
  }
  cache.save();
} finally {
  await encoder.close();
}
