// npm run kb -- <command> [--db path] [--dir path] [--quiet]
//
//   reindex [--dry-run]   bring the FAQ index's help-article units in line with the articles: embeds
//                         new and edited sections, removes deleted ones, skips unchanged ones
//   list                  parse the articles and list their sections and chunks (no index, no model)
//   ask "<question>"      what the bot would answer from the index as it is now, and from where
//
// Opens the server's store like `npm run seed` (DATABASE_URL, else SHOPBOT_DATA_DIR and SHOPBOT_DB; --db
// names a SQLite file instead; the FAQ graph file `faq.hnsw` goes to the data folder either way);
// articles come from SHOPBOT_HELP_DIR or fixtures/store/help (--dir overrides). Run it while the
// server is stopped: the server is the index's only writer while it runs (and re-indexes the
// articles itself at start). Progress and logs go to stderr; stdout gets one JSON line. Exit codes:
// 0 done, 2 bad arguments or an article that cannot be read (index untouched), 1 any other failure.

import { resolve } from 'node:path';
import { commandLine } from '../core/cli.js';
import { loadConfig } from '../core/config.js';
import { loadConfiguredEncoder } from '../nlu/off-thread.js';
import { openCliStore, storeLabel } from '../store/cli-store.js';
import { tellNodes } from '../store/sql/cluster.js';
import { FaqRetriever } from './answer.js';
import { FaqIndex } from './index-store.js';
import { chunkArticles, KnowledgeError, loadArticles, reindexKnowledge } from './knowledge.js';

const USAGE = 'usage: npm run kb -- reindex [--dry-run] | list | ask "<question>"   [--db path] [--dir path] [--quiet]';

class UsageError extends Error {}

interface Args {
  command: 'reindex' | 'list' | 'ask';
  question: string;
  db: string;
  /** DATABASE_URL, unless --db names a SQLite file. */
  databaseUrl: string | null;
  dir: string;
  dryRun: boolean;
  quiet: boolean;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Args {
  const config = loadConfig(env);
  const args: Args = { command: 'reindex', question: '', db: config.dbPath, databaseUrl: config.databaseUrl, dir: config.helpDir, dryRun: false, quiet: config.quiet };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--db') [args.db, args.databaseUrl] = [resolve(value()), null];
    else if (a.startsWith('--db=')) [args.db, args.databaseUrl] = [resolve(a.slice(5)), null];
    else if (a === '--dir') args.dir = resolve(value());
    else if (a.startsWith('--dir=')) args.dir = resolve(a.slice(6));
    else if (a === '--dry-run') args.dryRun = true;
    else if (a === '--quiet') args.quiet = true;
    else if (a === '--help' || a === '-h') throw new UsageError(USAGE);
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}\n${USAGE}`);
    else rest.push(a);
  }
  const [command, ...words] = rest;
  if (command !== 'reindex' && command !== 'list' && command !== 'ask') throw new UsageError(command ? `unknown command ${command}\n${USAGE}` : USAGE);
  args.command = command;
  if (command === 'ask') {
    args.question = words.join(' ').trim();
    if (!args.question) throw new UsageError(`ask needs a question\n${USAGE}`);
  } else if (words.length > 0) throw new UsageError(`unexpected ${words.join(' ')}\n${USAGE}`);
  return args;
}

async function run(args: Args): Promise<Record<string, unknown>> {
  if (args.command === 'list') {
    const articles = loadArticles(args.dir);
    const chunks = await chunkArticles(articles);
    return {
      ok: true,
      dir: args.dir,
      articles: articles.map((a) => ({
        slug: a.slug,
        title: a.title,
        url: a.url,
        updated: a.updated,
        keywords: a.keywords,
        sections: a.sections.map((s) => ({ anchor: s.anchor, heading: s.heading, chars: s.text.length, questions: s.questions.length, chunks: chunks.filter((c) => c.slug === a.slug && c.anchor === s.anchor).length })),
      })),
      chunks: chunks.length,
    };
  }
  const log = args.quiet ? () => undefined : (l: string) => process.stderr.write(`${l}\n`);
  const config = loadConfig();
  const encoder = await loadConfiguredEncoder(config, { inference: 'inline', over: { log } });
  const where = { databaseUrl: args.databaseUrl, dbPath: args.db };
  const store = args.databaseUrl ? await openCliStore(where) : null;
  try {
    const index = await FaqIndex.open({ dbPath: args.db, ...(store ? { sql: store.sql } : {}), encoder, quiet: args.quiet, log });
    try {
      if (args.command === 'reindex') {
        const report = await reindexKnowledge(index, args.dir, encoder, { log, progress: !args.quiet, dryRun: args.dryRun });
        // Running nodes on the same PostgreSQL re-read the index's changed units (a no-op on SQLite).
        if (store && !args.dryRun) await tellNodes(store.sql, 'faq', {});
        return { ok: true, db: storeLabel(where), dir: args.dir, dryRun: args.dryRun, ...report, indexSize: index.size };
      }
      const retriever = new FaqRetriever(index, encoder);
      const a = await retriever.answer(args.question);
      return { ok: true, question: args.question, topics: retriever.topics(args.question), confident: a.confident, answer: a.answer, source: a.source ?? null, score: Number(a.score.toFixed(3)), sources: a.sources };
    } finally {
      await index.close();
    }
  } finally {
    await store?.close();
    await encoder.close();
  }
}

export const main = commandLine(import.meta.url, (argv) => parseArgs(argv), async (args) => {
  try {
    process.stdout.write(`${JSON.stringify(await run(args))}\n`);
    return 0;
  } catch (e) {
    const bad = e instanceof KnowledgeError;
    process.stderr.write(`kb: ${bad ? 'nothing changed: ' : ''}${(e as Error).message}\n`);
    process.stdout.write(`${JSON.stringify({ ok: false, error: (e as Error).message })}\n`);
    return bad ? 2 : 1;
  }
});
