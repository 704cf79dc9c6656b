// Builds the bot's own intent data under fixtures/nlu/ from the public Bitext datasets and the
// hand-written examples in tools/build-intents-data.ts. Deterministic: every choice is keyed by a
// hash of the text, so re-running gives byte-identical files.
//
//   npx tsx tools/build-intents.ts [--datasets /work/shared/datasets] [--out fixtures/nlu]
//
// Files:
//   intents-train.jsonl  27 Bitext intents (bitext-cs instructions not held out for the test, plus up
//                        to 150 per intent from bitext-utterances-20k) + 9 shopping/small-talk
//                        intents + out_of_scope
//   intents-test.jsonl   unseen paraphrases: 40 bitext-cs instructions per intent whose text (case,
//                        punctuation and digits ignored) is in no training row
//                        and the held-out quarter of the hand-written shopping examples
//   intents-oos.jsonl    held-out out-of-scope messages (label out_of_scope)
//   heldout-train.jsonl / heldout-test.jsonl  an out-of-scope benchmark in the style of CLINC150:
//                        8 intents are removed from training and appear in the test as "oos",
//                        together with the out-of-scope messages; training has no OOS examples.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import {
  COMPARE_TEMPLATES,
  EXTRA_TRAIN,
  MORE_SLOTS,
  MORE_TEMPLATES,
  OUT_OF_SCOPE,
  PRICE_TEMPLATES,
  PRODUCT_NOUNS,
  QUESTION_TEMPLATES,
  RECOMMEND_TEMPLATES,
  SEARCH_TEMPLATES,
  SHOPPING,
  SLOT_VALUES,
} from './build-intents-data.js';
import { fnv1a } from './fixtures/rng.js';
import { hashOrder } from './hash-order.js';

export const OOS_LABEL = 'out_of_scope';
const UTTERANCES_PER_INTENT = 150;
const TEST_PER_INTENT = 40;
const TEMPLATES_PER_INTENT = 120;
const HELDOUT_INTENTS = [
  'newsletter_subscription',
  'switch_account',
  'check_cancellation_fee',
  'review',
  'delivery_period',
  'recover_password',
  'compare_products',
  'thanks',
];
/** bitext-cs spells one intent differently from the 20k utterances. */
const RENAME: Record<string, string> = { check_invoice: 'check_invoices' };

interface Row {
  text: string;
  label: string;
}


/** Key for de-duplication: case, punctuation and the digits of order numbers do not count. */
export function normalizeText(s: string): string {
  return s
    .toLowerCase()
    .replace(/\p{N}/gu, '0')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Minimal RFC 4180 reader: quoted fields with commas, doubled quotes and line breaks; BOM. */
export function parseCsv(text: string): string[][] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += ch;
  }
  if (quoted) throw new Error('unterminated quoted field at end of CSV');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function readCsvObjects(path: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  if (!header) throw new Error(`${path}: empty CSV`);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

function fillTemplates(intent: string, templates: readonly string[]): string[] {
  const out = new Set<string>();
  if (templates.length === 0) return [];
  const pick = <T>(xs: readonly T[], k: string): T => xs[fnv1a(k) % xs.length]!;
  for (let i = 0; out.size < TEMPLATES_PER_INTENT && i < TEMPLATES_PER_INTENT * 5; i++) {
    const key = `${intent}:${i}`;
    const brand = pick(SLOT_VALUES.brand, key + 'b');
    let brand2 = pick(SLOT_VALUES.brand, key + 'b2');
    if (brand2 === brand) brand2 = SLOT_VALUES.brand[(SLOT_VALUES.brand.indexOf(brand) + 1) % SLOT_VALUES.brand.length]!;
    const text = pick(templates, key + 't')
      .replaceAll('{p}', pick(PRODUCT_NOUNS, key + 'p'))
      .replaceAll('{price}', pick(SLOT_VALUES.price, key + 'r'))
      .replaceAll('{colour}', pick(SLOT_VALUES.colour, key + 'c'))
      .replaceAll('{who}', pick(SLOT_VALUES.who, key + 'w'))
      .replaceAll('{size}', pick(MORE_SLOTS.size, key + 's'))
      .replaceAll('{brand2}', brand2)
      .replaceAll('{brand}', brand);
    out.add(text);
  }
  return [...out];
}

export interface IntentData {
  train: Row[];
  test: Row[];
  oos: Row[];
  heldoutTrain: Row[];
  heldoutTest: Row[];
}

export function buildIntentData(datasets: string): IntentData {
  const utter = readCsvObjects(join(datasets, 'bitext-utterances-20k/TrainingdatasetBitextsample.csv'));
  const cs = readCsvObjects(join(datasets, 'bitext-cs/Bitext_Sample_Customer_Support_Training_Dataset_4.5K_responses.csv'));

  const byIntent20k = new Map<string, string[]>();
  for (const r of utter) {
    const intent = RENAME[r.intent!] ?? r.intent!;
    const text = r.utterance!.trim().replace(/\s+/g, ' ');
    if (!text) continue;
    const list = byIntent20k.get(intent) ?? [];
    list.push(text);
    byIntent20k.set(intent, list);
  }
  const seen20k = new Set(utter.map((r) => normalizeText(r.utterance!)));

  const byIntentCs = new Map<string, string[]>();
  for (const r of cs) {
    const intent = RENAME[r.intent!] ?? r.intent!;
    const text = r.instruction!.trim().replace(/\s+/g, ' ');
    if (!text) continue;
    const list = byIntentCs.get(intent) ?? [];
    list.push(text);
    byIntentCs.set(intent, list);
  }

  const train: Row[] = [];
  const test: Row[] = [];
  const used = new Set<string>();
  const add = (rows: Row[], text: string, label: string): boolean => {
    const k = normalizeText(text);
    if (!k || used.has(k)) return false;
    used.add(k);
    rows.push({ text, label });
    return true;
  };

  // bitext-cs (the newer Bitext release, the closest to what customers type in chat) gives the
  // test set and most of the training data; the older 20k utterances add variety to training.
  const bitextIntents = [...byIntent20k.keys()].sort();
  for (const intent of bitextIntents) {
    const csRows = hashOrder(byIntentCs.get(intent) ?? [], (t) => t, 'cs:');
    let nTest = 0;
    let nTrain = 0;
    for (const t of csRows) {
      if (nTest < TEST_PER_INTENT && !seen20k.has(normalizeText(t))) {
        if (add(test, t, intent)) nTest++;
      } else if (add(train, t, intent)) nTrain++;
    }
    let n20k = 0;
    for (const t of hashOrder(byIntent20k.get(intent)!, (x) => x, 'u20k:')) {
      if (n20k >= UTTERANCES_PER_INTENT) break;
      if (add(train, t, intent)) n20k++;
    }
  }

  const templates: Record<string, readonly string[]> = {
    product_search: SEARCH_TEMPLATES,
    recommendation_request: RECOMMEND_TEMPLATES,
    product_question: QUESTION_TEMPLATES,
    compare_products: COMPARE_TEMPLATES,
    price_availability: PRICE_TEMPLATES,
  };
  for (const [intent, examples] of Object.entries(SHOPPING)) {
    const ordered = hashOrder(examples, (t) => t, 'shop:');
    const nTest = Math.round(ordered.length / 4);
    ordered.forEach((t, i) => add(i < nTest ? test : train, t, intent));
    for (const t of fillTemplates(intent, [...(templates[intent] ?? []), ...(MORE_TEMPLATES[intent] ?? [])])) add(train, t, intent);
    for (const t of EXTRA_TRAIN[intent] ?? []) add(train, t, intent);
  }

  const oos: Row[] = [];
  hashOrder(OUT_OF_SCOPE, (t) => t, 'oos:').forEach((t, i) => add(i % 2 === 0 ? oos : train, t, OOS_LABEL));

  const byText = (a: Row, b: Row) => (a.label < b.label ? -1 : a.label > b.label ? 1 : fnv1a(a.text) - fnv1a(b.text));
  train.sort(byText);
  test.sort(byText);
  oos.sort(byText);

  const held = new Set(HELDOUT_INTENTS);
  const heldoutTrain = train.filter((r) => r.label !== OOS_LABEL && !held.has(r.label));
  const heldoutTest = [...test, ...oos].map((r) => (held.has(r.label) || r.label === OOS_LABEL ? { text: r.text, label: 'oos' } : r));
  return { train, test, oos, heldoutTrain, heldoutTest };
}

function writeJsonl(path: string, rows: readonly Row[]): void {
  writeFileSync(path, rows.map((r) => JSON.stringify({ text: r.text, label: r.label })).join('\n') + '\n');
}

function counts(rows: readonly Row[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const r of rows) c[r.label] = (c[r.label] ?? 0) + 1;
  return c;
}

export function main(argv: string[]): void {
  const { flags } = parseArgs(argv);
  const datasets = resolve(stringFlag(flags, 'datasets') ?? '/work/shared/datasets');
  const out = resolve(stringFlag(flags, 'out') ?? 'fixtures/nlu');
  const data = buildIntentData(datasets);
  mkdirSync(out, { recursive: true });
  writeJsonl(join(out, 'intents-train.jsonl'), data.train);
  writeJsonl(join(out, 'intents-test.jsonl'), data.test);
  writeJsonl(join(out, 'intents-oos.jsonl'), data.oos);
  writeJsonl(join(out, 'heldout-train.jsonl'), data.heldoutTrain);
  writeJsonl(join(out, 'heldout-test.jsonl'), data.heldoutTest);
  const summary = {
    train: data.train.length,
    test: data.test.length,
    oos: data.oos.length,
    heldout_train: data.heldoutTrain.length,
    heldout_test: data.heldoutTest.length,
    intents: Object.keys(counts(data.train)).length,
    train_per_intent: counts(data.train),
    test_per_intent: counts(data.test),
  };
  process.stderr.write(JSON.stringify(summary, null, 1) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
