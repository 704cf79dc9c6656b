import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { formatLineErrors, isRecord, readJsonl, type LineError } from '../core/jsonl.js';
import { MAX_INPUT_BYTES } from './encoder.js';

// Labelled intent examples: JSONL lines {"text": "...", "label": "..."}. Files of up to 100,000
// lines are accepted; a malformed line rejects the whole file with its line number, because
// training or scoring on silently dropped rows gives misleading figures.

export interface IntentExample {
  text: string;
  label: string;
}

export const MAX_INTENT_LINES = 100_000;
export const MAX_LABEL_LENGTH = 200;

/** A data file that cannot be used, with every bad line (1-based) it found. */
export class IntentDataError extends Error {
  constructor(
    readonly file: string,
    readonly lineErrors: LineError[],
    message?: string,
  ) {
    super(message ?? `${file}: ${lineErrors.length} bad line(s)\n${formatLineErrors(file, lineErrors)}`);
    this.name = 'IntentDataError';
  }
}

/** Validates one parsed JSONL value; returns the example or why it is rejected. */
export function validateExample(value: unknown): IntentExample | string {
  if (!isRecord(value)) return 'expected a JSON object {"text": ..., "label": ...}';
  const { text, label } = value;
  if (typeof text !== 'string') return `"text" must be a string (got ${text === undefined ? 'nothing' : typeof text})`;
  if (typeof label !== 'string') return `"label" must be a string (got ${label === undefined ? 'nothing' : typeof label})`;
  if (text.trim().length === 0) return '"text" is empty';
  if (Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES) return `"text" is larger than ${MAX_INPUT_BYTES / 1024} KB`;
  const l = label.trim();
  if (l.length === 0) return '"label" is empty';
  if (l.length > MAX_LABEL_LENGTH) return `"label" is longer than ${MAX_LABEL_LENGTH} characters`;
  return { text, label: l };
}

/** Reads a labelled intent file; throws IntentDataError listing the bad lines. */
export async function readIntentFile(path: string, opts: { maxLines?: number } = {}): Promise<IntentExample[]> {
  if (!existsSync(path)) throw new IntentDataError(path, [], `${path}: file not found`);
  const maxLines = opts.maxLines ?? MAX_INTENT_LINES;
  const { rows, errors } = await readJsonl(path, validateExample, { maxLines });
  if (errors.length > 0) throw new IntentDataError(path, errors);
  if (rows.length === 0) throw new IntentDataError(path, [], `${path}: no examples`);
  return rows;
}

/** sha256 over the examples in order (text and label), for deciding when to retrain. */
export function hashExamples(examples: readonly IntentExample[]): string {
  const h = createHash('sha256');
  for (const e of examples) h.update(JSON.stringify([e.text, e.label])).update('\n');
  return h.digest('hex');
}
