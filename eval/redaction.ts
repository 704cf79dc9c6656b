import { resolve } from 'node:path';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { formatLineErrors, isRecord, readJsonl } from '../core/jsonl.js';
import { PII_TYPES, redact, type PiiType, type Redaction } from '../retrieval/redact.js';

// `npm run --silent eval -- redaction --file F.jsonl [--strict] [--misses N]`
//
// Scores retrieval/redact.ts on hand-labelled messages (fixtures/redaction/*.jsonl), one JSON object
// per line: {"text": "...", "spans": [{"start": 10, "end": 22, "type": "UPI_ID"}]} (UTF-16 offsets,
// end exclusive). Each text goes through redact(text) with no known values and no known names: the
// detector alone, which is harder than production, where the customer's and agent's names are passed.
//
// Definitions (every figure is about the input text, through the offsets redact() reports):
// - A gold span is CAUGHT when every letter and digit inside it lies inside some redaction that
//   redact() reports; punctuation and spaces inside the span may stay ("Flat 402, Sunshine
//   Apartments" redacted as two pieces around ", " is caught). A span only partly covered is a leak:
//   what is left of it is still in the output text at that place.
// - recall = caught / gold spans, over personal types; the store's own contact data
//   (SUPPORT_EMAIL, SUPPORT_PHONE, WEBSITE) is reported in per_type but not in recall, n or
//   leaked_messages, as it is not personal. per_type[T] = {n, recall} over the gold spans of type T.
//   Recall ignores the type redact() gave (a UPI id typed EMAIL is still not leaked);
//   type_agreement = share of caught spans whose largest overlapping redaction has the gold type.
// - precision = share of the redactions redact() reports that overlap (by at least one character)
//   some gold span of any type; char_precision = share of the redacted letters and digits that lie
//   inside gold spans. Both are 1 when nothing is redacted.
// - leaked_messages = messages in which at least one personal gold span is not caught;
//   false_positive_messages = messages without any gold span in which something was redacted.
// --misses N prints up to N leaked spans and N false redactions to stderr (for the dev file; do not
// look at the heldout file's). Malformed lines are reported with their line number and skipped
// (--strict: the eval fails instead).

/** The store's own contact data: typed by the redactor, but not personal. */
export const STORE_TYPES: ReadonlySet<PiiType> = new Set<PiiType>(['SUPPORT_EMAIL', 'SUPPORT_PHONE', 'WEBSITE']);

export interface GoldSpan {
  start: number;
  end: number;
  type: PiiType;
}

export interface RedactionRow {
  text: string;
  spans: GoldSpan[];
}

export const MAX_EVAL_LINES = 100_000;

/** Validates one line: offsets inside the text, span text non-empty and trimmed, known types, no overlaps. */
export function parseRedactionRow(v: unknown): RedactionRow | string {
  if (!isRecord(v)) return 'expected a JSON object {"text", "spans"}';
  if (typeof v.text !== 'string' || v.text.trim() === '') return '"text" must be a non-empty string';
  if (!Array.isArray(v.spans)) return '"spans" must be an array';
  const text = v.text;
  const spans: GoldSpan[] = [];
  for (const [i, s] of v.spans.entries()) {
    if (!isRecord(s)) return `span ${i}: expected {"start", "end", "type"}`;
    const { start, end, type } = s;
    if (!Number.isInteger(start) || !Number.isInteger(end)) return `span ${i}: "start" and "end" must be integers`;
    const a = start as number;
    const b = end as number;
    if (a < 0 || b > text.length || a >= b) return `span ${i}: offsets ${a}-${b} outside the text (length ${text.length}) or empty`;
    if (typeof type !== 'string' || !(PII_TYPES as readonly string[]).includes(type)) return `span ${i}: unknown type ${JSON.stringify(type)}`;
    const value = text.slice(a, b);
    if (value.trim() !== value) return `span ${i}: ${JSON.stringify(value)} has leading or trailing white space`;
    spans.push({ start: a, end: b, type: type as PiiType });
  }
  spans.sort((x, y) => x.start - y.start);
  for (let i = 1; i < spans.length; i++) if (spans[i]!.start < spans[i - 1]!.end) return `spans ${i - 1} and ${i} overlap`;
  return { text, spans };
}

export interface TypeScore {
  n: number;
  recall: number;
}

export interface RedactionMetrics {
  task: 'redaction';
  messages: number;
  n: number;
  recall: number;
  precision: number;
  char_precision: number;
  type_agreement: number;
  leaked_messages: number;
  false_positive_messages: number;
  per_type: Record<string, TypeScore>;
}

export interface Miss {
  text: string;
  span: GoldSpan;
  /** The span's text as it is in the message. */
  value: string;
}

export interface FalseRedaction {
  text: string;
  redaction: Redaction;
}

export interface RedactionScores {
  metrics: RedactionMetrics;
  misses: Miss[];
  falseRedactions: FalseRedaction[];
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
const isAlnum = (ch: string): boolean => /[\p{L}\p{N}]/u.test(ch);

/** Scores `redactFn` (default: redact) on labelled rows. */
export function scoreRedaction(rows: readonly RedactionRow[], redactFn: (text: string) => { found: Redaction[] } = redact): RedactionScores {
  const perType = new Map<PiiType, { n: number; caught: number }>();
  let n = 0;
  let caught = 0;
  let agreeing = 0;
  let caughtAll = 0;
  let redactions = 0;
  let redactionsOnGold = 0;
  let redactedChars = 0;
  let redactedCharsOnGold = 0;
  let leakedMessages = 0;
  let fpMessages = 0;
  const misses: Miss[] = [];
  const falseRedactions: FalseRedaction[] = [];

  for (const row of rows) {
    const { text, spans } = row;
    const found = redactFn(text).found.filter((f) => f.end > f.start);
    // Per character: redacted? inside gold?
    const redacted = new Uint8Array(text.length);
    for (const f of found) for (let i = Math.max(0, f.start); i < Math.min(text.length, f.end); i++) redacted[i] = 1;
    const gold = new Uint8Array(text.length);
    for (const s of spans) for (let i = s.start; i < s.end; i++) gold[i] = 1;

    let leaked = false;
    for (const s of spans) {
      let ok = true;
      for (let i = s.start; i < s.end; i++) {
        if (!redacted[i] && isAlnum(text[i]!)) {
          ok = false;
          break;
        }
      }
      const t = perType.get(s.type) ?? { n: 0, caught: 0 };
      t.n++;
      if (ok) t.caught++;
      perType.set(s.type, t);
      if (ok) {
        caughtAll++;
        // The redaction that overlaps the span most decides the type.
        let best: Redaction | null = null;
        let bestOverlap = 0;
        for (const f of found) {
          const overlap = Math.min(f.end, s.end) - Math.max(f.start, s.start);
          if (overlap > bestOverlap) {
            best = f;
            bestOverlap = overlap;
          }
        }
        if (best?.type === s.type) agreeing++;
      }
      if (STORE_TYPES.has(s.type)) continue;
      n++;
      if (ok) caught++;
      else {
        leaked = true;
        misses.push({ text, span: s, value: text.slice(s.start, s.end) });
      }
    }
    if (leaked) leakedMessages++;
    if (spans.length === 0 && found.length > 0) fpMessages++;

    for (const f of found) {
      redactions++;
      let onGold = false;
      for (let i = Math.max(0, f.start); i < Math.min(text.length, f.end); i++) {
        if (gold[i]) {
          onGold = true;
          break;
        }
      }
      if (onGold) redactionsOnGold++;
      else falseRedactions.push({ text, redaction: f });
    }
    for (let i = 0; i < text.length; i++) {
      if (redacted[i] && isAlnum(text[i]!)) {
        redactedChars++;
        if (gold[i]) redactedCharsOnGold++;
      }
    }
  }

  const per_type: Record<string, TypeScore> = {};
  for (const type of [...perType.keys()].sort()) {
    const t = perType.get(type)!;
    per_type[type] = { n: t.n, recall: round(t.n ? t.caught / t.n : 1) };
  }
  return {
    metrics: {
      task: 'redaction',
      messages: rows.length,
      n,
      recall: round(n ? caught / n : 1),
      precision: round(redactions ? redactionsOnGold / redactions : 1),
      char_precision: round(redactedChars ? redactedCharsOnGold / redactedChars : 1),
      type_agreement: round(caughtAll ? agreeing / caughtAll : 1),
      leaked_messages: leakedMessages,
      false_positive_messages: fpMessages,
      per_type,
    },
    misses,
    falseRedactions,
  };
}

/** Reads a labelled file; malformed lines are reported (or fatal with `strict`). */
export async function readRedactionFile(path: string, strict: boolean): Promise<RedactionRow[]> {
  const { rows, errors } = await readJsonl(path, parseRedactionRow, { maxLines: MAX_EVAL_LINES });
  if (errors.length > 0) {
    const report = formatLineErrors(path, errors, 20);
    if (strict) throw new Error(`${errors.length} malformed line(s):\n${report}`);
    process.stderr.write(`rejected ${errors.length} malformed line(s):\n${report}\n`);
  }
  if (rows.length === 0) throw new Error(`${path}: no valid lines`);
  return rows;
}

const context = (text: string, start: number, end: number): string =>
  JSON.stringify(text.slice(Math.max(0, start - 30), start) + '[' + text.slice(start, end) + ']' + text.slice(end, end + 30));

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const file = stringFlag(flags, 'file') ?? stringFlag(flags, 'test');
  if (!file) throw new Error('usage: eval redaction --file F.jsonl [--strict] [--misses N]');
  const rows = await readRedactionFile(resolve(file), flags.strict === true);
  const t0 = performance.now();
  const { metrics, misses, falseRedactions } = scoreRedaction(rows);
  const ms = performance.now() - t0;
  const show = flags.misses === undefined ? 0 : intFlag(flags, 'misses', 20);
  if (show > 0) {
    for (const m of misses.slice(0, show)) process.stderr.write(`missed ${m.span.type}: ${context(m.text, m.span.start, m.span.end)}\n`);
    for (const f of falseRedactions.slice(0, show)) process.stderr.write(`false ${f.redaction.type}: ${context(f.text, f.redaction.start, f.redaction.end)}\n`);
  }
  process.stderr.write(`${rows.length} messages scored in ${Math.round(ms)} ms\n`);
  return { ...metrics };
}
