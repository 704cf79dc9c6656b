// Builds the "narrow" intent benchmark under fixtures/nlu/: train on one Bitext source, test on
// unseen paraphrases of the same 27 intents from the other (issue #14). Deterministic: every choice
// is keyed by a hash of the text, so re-running gives byte-identical files.
//
//   npx tsx tools/build-narrow-intents.ts [--datasets /work/shared/datasets] [--out fixtures/nlu]
//
// Files:
//   narrow-train.jsonl          every bitext-cs instruction (27 intents), templated the way Bitext
//                               publishes its data: the annotated entity (order number, account type,
//                               invoice number, ...) replaced by a placeholder such as {{Order Number}}
//   narrow-test.jsonl           40 bitext-utterances-20k utterances per intent (fewer where the 20k
//                               sample has fewer) whose text is in no training row
//   narrow-reverse-train.jsonl  the reverse direction: up to 150 bitext-utterances-20k utterances per
//                               intent
//   narrow-reverse-test.jsonl   40 templated bitext-cs instructions per intent, in no training row
//
// "In no training row": compared after lower-casing, removing placeholders, punctuation and
// collapsing digits (normalizeText of build-intents.ts). No out-of-scope examples on either side:
// the benchmark measures what the out-of-scope gate costs in-scope accuracy when the training data
// is narrow and templated.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { normalizeText, parseCsv } from './build-intents.js';
import { hashOrder } from './hash-order.js';

const TEST_PER_INTENT = 40;
const REVERSE_TRAIN_PER_INTENT = 150;
/** bitext-cs spells one intent differently from the 20k utterances. */
const RENAME: Record<string, string> = { check_invoice: 'check_invoices' };
/** Bitext's placeholder names for the entity types annotated in bitext-cs. */
const PLACEHOLDER: Record<string, string> = {
  order_id: '{{Order Number}}',
  account_type: '{{Account Type}}',
  invoice_id: '{{Invoice Number}}',
  person_name: '{{Person Name}}',
  refund_amount: '{{Refund Amount}}',
  delivery_city: '{{Delivery City}}',
  delivery_country: '{{Delivery Country}}',
};

interface Row {
  text: string;
  label: string;
}


/** De-duplication key: placeholders, case, punctuation and digits do not count. */
export function narrowKey(text: string): string {
  return normalizeText(text.replace(/\{\{[^{}]*\}\}/g, ' '));
}

function readCsvObjects(path: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  if (!header) throw new Error(`${path}: empty CSV`);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The instruction with its annotated entity replaced by Bitext's placeholder. The offsets in the
 * CSV are unreliable (a third do not point at the value), so the value is searched: literally
 * (case-insensitive, on word edges), else — for numbers written with leading zeros or another
 * amount — the first number of the right shape.
 */
export function templated(instruction: string, type: string, value: string): string {
  const ph = PLACEHOLDER[type];
  if (!ph || !value) return instruction;
  const literal = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(value)}(?![\\p{L}\\p{N}])`, 'iu');
  if (literal.test(instruction)) return instruction.replace(literal, ph);
  const shape: Record<string, RegExp> = {
    order_id: /\d{5,}/,
    invoice_id: /#?\d{3,}/,
    refund_amount: /\$?\d+(?:[.,]\d+)?/,
  };
  const re = shape[type];
  return re && re.test(instruction) ? instruction.replace(re, ph) : instruction;
}

export interface NarrowData {
  train: Row[];
  test: Row[];
  reverseTrain: Row[];
  reverseTest: Row[];
}

export function buildNarrowData(datasets: string): NarrowData {
  const utter = readCsvObjects(join(datasets, 'bitext-utterances-20k/TrainingdatasetBitextsample.csv'));
  const cs = readCsvObjects(join(datasets, 'bitext-cs/Bitext_Sample_Customer_Support_Training_Dataset_4.5K_responses.csv'));
  const clean = (s: string) => s.trim().replace(/\s+/g, ' ');
  const group = (rows: { text: string; label: string }[]) => {
    const m = new Map<string, string[]>();
    for (const r of rows) {
      if (!r.text) continue;
      const list = m.get(r.label) ?? [];
      list.push(r.text);
      m.set(r.label, list);
    }
    return m;
  };
  const u20k = group(utter.map((r) => ({ text: clean(r.utterance!), label: RENAME[r.intent!] ?? r.intent! })));
  const csT = group(cs.map((r) => ({ text: clean(templated(r.instruction!, r.entity_type!, r.entity_value!)), label: RENAME[r.intent!] ?? r.intent! })));
  const intents = [...u20k.keys()].sort();
  const csIntents = [...csT.keys()].sort();
  if (intents.join() !== csIntents.join()) throw new Error(`the two Bitext sources have different intents: ${intents.join()} vs ${csIntents.join()}`);

  /** Training rows (deduplicated by key) and test rows whose key is in no training row. */
  const direction = (trainBy: Map<string, string[]>, trainCap: number, testBy: Map<string, string[]>, salt: string) => {
    const train: Row[] = [];
    const seen = new Set<string>();
    for (const label of intents) {
      let n = 0;
      for (const t of hashOrder(trainBy.get(label)!, (t) => t, `${salt}train:`)) {
        if (n >= trainCap) break;
        const k = narrowKey(t);
        if (!k || seen.has(k)) continue;
        seen.add(k);
        train.push({ text: t, label });
        n++;
      }
    }
    const test: Row[] = [];
    const used = new Set<string>();
    for (const label of intents) {
      let n = 0;
      for (const t of hashOrder(testBy.get(label)!, (t) => t, `${salt}test:`)) {
        if (n >= TEST_PER_INTENT) break;
        const k = narrowKey(t);
        if (!k || seen.has(k) || used.has(k)) continue;
        used.add(k);
        test.push({ text: t, label });
        n++;
      }
    }
    return { train, test };
  };
  const fwd = direction(csT, Infinity, u20k, 'narrow:');
  const rev = direction(u20k, REVERSE_TRAIN_PER_INTENT, csT, 'reverse:');
  return { train: fwd.train, test: fwd.test, reverseTrain: rev.train, reverseTest: rev.test };
}

function writeJsonl(path: string, rows: readonly Row[]): void {
  writeFileSync(path, rows.map((r) => JSON.stringify({ text: r.text, label: r.label })).join('\n') + '\n');
}

export function main(argv: string[]): void {
  const { flags } = parseArgs(argv);
  const datasets = resolve(stringFlag(flags, 'datasets') ?? '/work/shared/datasets');
  const out = resolve(stringFlag(flags, 'out') ?? 'fixtures/nlu');
  const d = buildNarrowData(datasets);
  mkdirSync(out, { recursive: true });
  writeJsonl(join(out, 'narrow-train.jsonl'), d.train);
  writeJsonl(join(out, 'narrow-test.jsonl'), d.test);
  writeJsonl(join(out, 'narrow-reverse-train.jsonl'), d.reverseTrain);
  writeJsonl(join(out, 'narrow-reverse-test.jsonl'), d.reverseTest);
  const placeholders = d.train.filter((r) => r.text.includes('{{')).length;
  const counts = (rows: readonly Row[]) => rows.reduce<Record<string, number>>((c, r) => ((c[r.label] = (c[r.label] ?? 0) + 1), c), {});
  process.stderr.write(
    JSON.stringify({ train: d.train.length, train_with_placeholder: placeholders, test: d.test.length, reverse_train: d.reverseTrain.length, reverse_test: d.reverseTest.length, test_per_intent: counts(d.test) }) + '\n',
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
