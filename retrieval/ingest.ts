// Ingest: conversations -> redacted question/answer units -> the FAQ index, with a progress bar.
// Resumable: every conversation id is recorded (in the same transaction as its units) once done,
// so a re-run, or a run after a crash, only processes conversations it has not seen.
//
//   npx tsx retrieval/ingest.ts                       # historical transcripts of the store (DATABASE_URL, else SHOPBOT_DB)
//   npx tsx retrieval/ingest.ts --jsonl file.jsonl    # any JSONL of conversations (transcripts format)

import { resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { formatLineErrors, readJsonl } from '../core/jsonl.js';
import { progress } from '../core/progress.js';
import { getSharedEncoder } from '../nlu/shared-encoder.js';
import { extractUnit, fromStoreTranscript, parseConversation, type ConversationInput, type ExtractOptions, type QaUnit } from './extract.js';
import { FaqIndex } from './index-store.js';
import { openCliStore } from '../store/cli-store.js';
import type { Store } from '../store/index.js';

export interface IngestOptions {
  /** Conversations per write batch (default 128). */
  batch?: number;
  quiet?: boolean;
  extract?: ExtractOptions;
}

export interface IngestReport {
  conversations: number;
  /** Already ingested before this run. */
  skipped: number;
  /** Conversations without a question/answer unit (unresolved, no answer...). */
  withoutUnit: number;
  added: number;
  merged: number;
  size: number;
}

export async function ingestConversations(index: FaqIndex, convs: Iterable<ConversationInput>, total: number, opts: IngestOptions = {}): Promise<IngestReport> {
  const batchSize = Math.max(1, opts.batch ?? 128);
  const report: IngestReport = { conversations: 0, skipped: 0, withoutUnit: 0, added: 0, merged: 0, size: 0 };
  const bar = progress('faq ingest', total, opts.quiet ? { silent: true } : {});
  let units: QaUnit[] = [];
  let ids: string[] = [];
  const flush = async (): Promise<void> => {
    if (ids.length === 0) return;
    const res = await index.add(units, { sourceIds: ids });
    report.added += res.added;
    report.merged += res.merged;
    bar.tick(ids.length);
    units = [];
    ids = [];
  };
  for (const c of convs) {
    report.conversations++;
    if (ids.includes(c.id) || (await index.isIngested(c.id))) {
      report.skipped++;
      bar.tick();
      continue;
    }
    const u = extractUnit(c, opts.extract);
    if (u) units.push(u);
    else report.withoutUnit++;
    ids.push(c.id);
    if (ids.length >= batchSize) await flush();
  }
  await flush();
  await index.save();
  report.size = index.size;
  bar.done(`${report.added} added, ${report.merged} merged, ${report.skipped} already ingested, ${report.withoutUnit} without a unit; ${report.size} units`);
  return report;
}

/** Conversations of a JSONL file (transcripts format); bad lines are reported and skipped. */
export async function readConversations(path: string): Promise<ConversationInput[]> {
  const { rows, errors } = await readJsonl(path, parseConversation);
  if (errors.length > 0) process.stderr.write(formatLineErrors(path, errors) + '\n');
  return rows;
}

/** Historical transcripts of the store database (read through its own read-only connection). */
export async function readStoreTranscripts(dbPath: string): Promise<ConversationInput[]> {
  const { openDatabase } = await import('../store/db.js');
  const { ConversationRepo } = await import('../store/conversations.js');
  const { SqliteSql } = await import('../store/sql/sqlite.js');
  const db = openDatabase(dbPath, { readonly: true });
  try {
    const out: ConversationInput[] = [];
    for await (const t of new ConversationRepo(new SqliteSql(db)).historical()) out.push(fromStoreTranscript(t));
    return out;
  } finally {
    db.close();
  }
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const config = loadConfig();
  const jsonl = stringFlag(flags, 'jsonl');
  const dbFlag = stringFlag(flags, 'db');
  const dbPath = resolve(dbFlag ?? config.dbPath);
  // With DATABASE_URL (and no --db) the index's tables and the transcripts are the server's, in PostgreSQL.
  const store = config.databaseUrl && !dbFlag ? await openCliStore({ databaseUrl: config.databaseUrl, dbPath }) : null;
  try {
    const convs = jsonl ? await readConversations(resolve(jsonl)) : store ? await transcriptsOf(store) : await readStoreTranscripts(dbPath);
    const encoder = await getSharedEncoder(config);
    const index = await FaqIndex.open({ dbPath, ...(store ? { sql: store.sql } : {}), encoder }); // faq.hnsw next to the database (in the data folder)
    try {
      return { task: 'faq-ingest', ...(await ingestConversations(index, convs, convs.length)) };
    } finally {
      await index.close();
      await encoder.close();
    }
  } finally {
    await store?.close();
  }
}

async function transcriptsOf(store: Store): Promise<ConversationInput[]> {
  const out: ConversationInput[] = [];
  for await (const t of store.conversations.historical()) out.push(fromStoreTranscript(t));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e: unknown) => {
      process.stderr.write(`ingest: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
