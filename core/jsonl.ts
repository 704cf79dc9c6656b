import { createReadStream } from 'node:fs';

/** One line of a JSONL file that could not be used, with its 1-based line number. */
export interface LineError {
  line: number;
  error: string;
}

export interface JsonlResult<T> {
  rows: T[];
  errors: LineError[];
}

/** Longest line read; a longer one is reported and skipped (no row is anywhere near this). */
export const MAX_LINE_BYTES = 1024 * 1024;

type RawLine = { bytes: Buffer } | { tooLong: true };

/** The file's lines as bytes (without the newline), so each can be checked as UTF-8 on its own. */
async function* byteLines(path: string, maxLineBytes: number): AsyncGenerator<RawLine> {
  let rest: Buffer = Buffer.alloc(0);
  let skipping = false; // inside a line that is already too long: drop bytes up to its newline
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      if (skipping) skipping = false;
      else yield nl - start > maxLineBytes ? { tooLong: true } : { bytes: buf.subarray(start, nl) };
      start = nl + 1;
    }
    rest = buf.subarray(start);
    if (!skipping && rest.length > maxLineBytes) {
      yield { tooLong: true };
      skipping = true;
    }
    if (skipping) rest = Buffer.alloc(0);
  }
  if (rest.length && !skipping) yield { bytes: rest };
}

/**
 * Reads a JSONL file line by line. Each parsed object goes through `validate`, which returns the
 * typed row or a string explaining why the line is rejected. Malformed lines (not UTF-8, not JSON,
 * longer than MAX_LINE_BYTES) are reported with their line number and skipped, so one bad row never
 * aborts an import. Blank lines, a byte order mark and CRLF line ends are accepted.
 */
export async function readJsonl<T>(
  path: string,
  validate: (value: unknown) => T | string,
  opts: { maxLines?: number; maxLineBytes?: number } = {},
): Promise<JsonlResult<T>> {
  const maxLines = opts.maxLines ?? Number.POSITIVE_INFINITY;
  const rows: T[] = [];
  const errors: LineError[] = [];
  // fatal: a line with bytes that are not UTF-8 is rejected, not silently turned into U+FFFD.
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let line = 0;
  for await (const raw of byteLines(path, opts.maxLineBytes ?? MAX_LINE_BYTES)) {
    line++;
    if (line > maxLines) {
      errors.push({ line, error: `file has more than ${maxLines} lines; the rest is ignored` });
      break;
    }
    if ('tooLong' in raw) {
      errors.push({ line, error: `line is longer than ${Math.round((opts.maxLineBytes ?? MAX_LINE_BYTES) / 1024)} KB` });
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(raw.bytes).trim();
    } catch {
      errors.push({ line, error: 'not valid UTF-8 text' });
      continue;
    }
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
