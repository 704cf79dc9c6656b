// Builds the FAQ evaluation files from the historical transcripts fixture, deterministically:
//
//   npx tsx tools/build-faq-eval-set.ts [--transcripts fixtures/store/transcripts.jsonl] [--out fixtures/retrieval]
//
// Bitext transcripts carry an intent label: it is the answer group. Per group, units are sorted by a
// hash of their transcript id and split 70 / 15 / 15 into
//   faq-index.jsonl  {"id","question","answer","group"}   what the index is built from (redacted, as ingest stores it)
//   faq-calib.jsonl  {"question","group"}                 held out, used only by calibrate.ts to fit the threshold
//   faq-test.jsonl   {"question","group"}                 held out, used only by the eval
// Held-out questions are the customers' own wording (unredacted, as a customer would type it) and are
// dropped when their redacted, normalized form equals an indexed question: every test question is an
// unseen paraphrase. Out-of-scope questions (group "none", out-of-scope.txt) alternate between calib
// and test; the calibration split also gets 150 product questions made from catalog titles
// (fixtures/store/products.jsonl), so the threshold learns that product search is not an FAQ.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { formatLineErrors, isRecord, readJsonl } from '../core/jsonl.js';
import { extractUnit, normalizeQuestion, parseConversation, type ConversationInput } from '../retrieval/extract.js';
import { redactText } from '../retrieval/redact.js';

const rank = (id: string): string => createHash('sha256').update(`faq-split:${id}`).digest('hex');

export interface EvalSet {
  index: { id: string; question: string; answer: string; group: string }[];
  calib: { question: string; group: string }[];
  test: { question: string; group: string }[];
}

const PRODUCT_TEMPLATES = ['do you have the {t}?', 'is the {t} in stock', 'how much is the {t}', 'tell me about the {t}', 'is the {t} any good?', 'compare the {t} with similar ones'];

/**
 * Product questions for the calibration split only (search/recommendation, never an FAQ answer):
 * a deterministic sample of catalog titles, shortened to their first words.
 */
export function productQuestions(titles: readonly { id: string; title: string }[], n: number): string[] {
  return [...titles]
    .sort((a, b) => (rank(a.id) < rank(b.id) ? -1 : 1))
    .slice(0, n)
    .map((p, i) => {
      const t = p.title.replace(/[([].*$/, '').split(/\s+/).slice(0, 6).join(' ').replace(/[,;:-]+$/, '').trim();
      return PRODUCT_TEMPLATES[i % PRODUCT_TEMPLATES.length]!.replace('{t}', t);
    })
    .filter((q) => q.length > 12);
}

export function buildEvalSet(convs: readonly ConversationInput[], outOfScope: readonly string[], calibExtra: readonly string[] = []): EvalSet {
  const byGroup = new Map<string, { conv: ConversationInput; raw: string; question: string; answer: string }[]>();
  for (const c of convs) {
    if (c.source !== 'bitext' || !c.intent) continue;
    const unit = extractUnit(c, { requireResolved: false });
    if (!unit) continue;
    // The customer's own words, as typed (the unit's question is the redacted form).
    const raw = c.turns.find((t) => t.role === 'customer')?.text.trim() ?? '';
    if (raw === '') continue;
    const list = byGroup.get(c.intent) ?? [];
    list.push({ conv: c, raw, question: unit.question, answer: unit.answer });
    byGroup.set(c.intent, list);
  }
  const out: EvalSet = { index: [], calib: [], test: [] };
  for (const group of [...byGroup.keys()].sort()) {
    const list = byGroup.get(group)!.sort((a, b) => (rank(a.conv.id) < rank(b.conv.id) ? -1 : 1));
    const nTest = Math.round(list.length * 0.15);
    const nCalib = Math.round(list.length * 0.15);
    const test = list.slice(0, nTest);
    const calib = list.slice(nTest, nTest + nCalib);
    const index = list.slice(nTest + nCalib);
    const indexed = new Set(index.map((u) => normalizeQuestion(u.question)));
    for (const u of index) out.index.push({ id: u.conv.id, question: u.question, answer: u.answer, group });
    const heldOut = (u: { raw: string }) => !indexed.has(normalizeQuestion(redactText(u.raw)));
    for (const u of calib.filter(heldOut)) out.calib.push({ question: u.raw, group });
    for (const u of test.filter(heldOut)) out.test.push({ question: u.raw, group });
  }
  outOfScope.forEach((q, i) => (i % 2 === 0 ? out.calib : out.test).push({ question: q, group: 'none' }));
  for (const q of calibExtra) out.calib.push({ question: q, group: 'none' });
  return out;
}

export function readOutOfScope(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const jsonl = (rows: readonly object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const transcripts = resolve(stringFlag(flags, 'transcripts') ?? 'fixtures/store/transcripts.jsonl');
  const outDir = resolve(stringFlag(flags, 'out') ?? 'fixtures/retrieval');
  const { rows, errors } = await readJsonl(transcripts, parseConversation);
  if (errors.length > 0) process.stderr.write(formatLineErrors(transcripts, errors) + '\n');
  const productsFile = resolve(stringFlag(flags, 'products') ?? 'fixtures/store/products.jsonl');
  const products = await readJsonl(productsFile, (v) => (isRecord(v) && typeof v.id === 'string' && typeof v.title === 'string' ? { id: v.id, title: v.title } : 'needs id and title'));
  const set = buildEvalSet(rows, readOutOfScope(join(outDir, 'out-of-scope.txt')), productQuestions(products.rows, 150));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'faq-index.jsonl'), jsonl(set.index));
  writeFileSync(join(outDir, 'faq-calib.jsonl'), jsonl(set.calib));
  writeFileSync(join(outDir, 'faq-test.jsonl'), jsonl(set.test));
  return {
    index: set.index.length,
    calib: set.calib.length,
    test: set.test.length,
    groups: new Set(set.index.map((u) => u.group)).size,
    none_calib: set.calib.filter((q) => q.group === 'none').length,
    none_test: set.test.filter((q) => q.group === 'none').length,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e: unknown) => {
      process.stderr.write(`build-faq-eval-set: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
