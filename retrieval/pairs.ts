// The evaluation file formats and building a fresh index from a file of question/answer pairs.
//   index file:  {"id":"..","question":"..","answer":"..","group":".."}
//   test file:   {"question":"..","group":".."}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRecord, formatLineErrors, readJsonl } from '../core/jsonl.js';
import { progress } from '../core/progress.js';
import type { Encoder } from '../nlu/encoder-types.js';
import { unitKey, type QaUnit } from './extract.js';
import { FaqIndex, type HnswParams } from './index-store.js';
import { redactText } from './redact.js';

export interface FaqPair {
  id: string;
  question: string;
  answer: string;
  group: string;
}

export interface FaqQuestion {
  question: string;
  group: string;
}

const MAX_FIELD = 64 * 1024;

function str(v: Record<string, unknown>, key: string): string | null {
  const x = v[key];
  return typeof x === 'string' && x.trim() !== '' && x.length <= MAX_FIELD ? x : null;
}

export function parsePair(v: unknown): FaqPair | string {
  if (!isRecord(v)) return 'expected an object';
  const id = typeof v.id === 'number' ? String(v.id) : str(v, 'id');
  const question = str(v, 'question');
  const answer = str(v, 'answer');
  const group = typeof v.group === 'number' ? String(v.group) : str(v, 'group');
  if (!id) return 'id must be a non-empty string';
  if (!question) return 'question must be a non-empty string (at most 64 KiB)';
  if (!answer) return 'answer must be a non-empty string (at most 64 KiB)';
  if (!group) return 'group must be a non-empty string';
  return { id, question, answer, group };
}

export function parseQuestion(v: unknown): FaqQuestion | string {
  if (!isRecord(v)) return 'expected an object';
  const question = typeof v.question === 'string' ? v.question : null;
  const group = typeof v.group === 'number' ? String(v.group) : str(v, 'group');
  if (question === null) return 'question must be a string';
  if (!group) return 'group must be a non-empty string';
  return { question, group };
}

/** Reads a JSONL file strictly enough for an evaluation: bad lines are reported on stderr and skipped. */
export async function readRows<T>(path: string, parse: (v: unknown) => T | string, what: string): Promise<T[]> {
  const { rows, errors } = await readJsonl(path, parse);
  if (errors.length > 0) process.stderr.write(`${what}: ${errors.length} line(s) skipped\n${formatLineErrors(path, errors)}\n`);
  if (rows.length === 0) throw new Error(`${path} has no usable ${what} rows`);
  return rows;
}

/** Pairs as index units, redacted the same way ingest redacts transcripts. */
export function pairsToUnits(pairs: readonly FaqPair[]): QaUnit[] {
  return pairs.map((p) => {
    const question = redactText(p.question).trim() || p.question;
    return { key: unitKey(question, p.group), question, answer: redactText(p.answer), group: p.group, intent: p.group, sources: [p.id], ts: null };
  });
}

export interface TempIndex {
  index: FaqIndex;
  dir: string;
  dispose(): Promise<void>;
}

/** A fresh index in a temporary folder, filled from `pairs` (embedded in batches, with a progress bar). */
export async function buildTempIndex(pairs: readonly FaqPair[], encoder: Encoder, opts: { hnsw?: Partial<HnswParams>; quiet?: boolean } = {}): Promise<TempIndex> {
  const dir = mkdtempSync(join(tmpdir(), 'faq-eval-'));
  const index = await FaqIndex.open({ dbPath: join(dir, 'faq.db'), encoder, autosaveMs: 60_000, ...(opts.hnsw ? { hnsw: opts.hnsw } : {}), log: () => undefined });
  const units = pairsToUnits(pairs);
  const bar = progress('faq index', units.length, opts.quiet ? { silent: true } : {});
  for (let i = 0; i < units.length; i += 256) {
    const chunk = units.slice(i, i + 256);
    await index.add(chunk);
    bar.tick(chunk.length);
  }
  bar.done(`${index.size} units from ${units.length} pairs`);
  return {
    index,
    dir,
    async dispose() {
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
