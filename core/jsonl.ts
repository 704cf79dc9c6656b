import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One line of a JSONL file that could not be used, with its 1-based line number. */
export interface LineError {
  line: number;
  error: string;
}

export interface JsonlResult<T> {
  rows: T[];
  errors: LineError[];
}

/**
 * Reads a JSONL file line by line. Each parsed object goes through `validate`, which returns the
 * typed row or a string explaining why the line is rejected. Malformed lines are reported with
 * their line number and skipped, so one bad row never aborts an import. Blank lines are ignored.
 */
export async function readJsonl<T>(
  path: string,
  validate: (value: unknown) => T | string,
  opts: { maxLines?: number } = {},
): Promise<JsonlResult<T>> {
  const maxLines = opts.maxLines ?? Number.POSITIVE_INFINITY;
  const rows: T[] = [];
  const errors: LineError[] = [];
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of rl) {
    line++;
    if (line > maxLines) {
      errors.push({ line, error: `file has more than ${maxLines} lines; the rest is ignored` });
      break;
    }
    const text = raw.trim();
    if (!text) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      errors.push({ line, error: `invalid JSON: ${(e as Error).message}` });
      continue;
    }
    const result = validate(value);
    if (typeof result === 'string') errors.push({ line, error: result });
    else rows.push(result);
  }
  return { rows, errors };
}

/** Formats line errors as a short report, e.g. for stderr. */
export function formatLineErrors(file: string, errors: LineError[], max = 20): string {
  const shown = errors.slice(0, max).map((e) => `${file}:${e.line}: ${e.error}`);
  if (errors.length > max) shown.push(`... and ${errors.length - max} more`);
  return shown.join('\n');
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
