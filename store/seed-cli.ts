// npm run seed -- [--db path] [--fixtures dir] [--if-needed] [--quiet]
//
// Seeds the demo store database from fixtures/store/*.jsonl. The report (progress, per-table counts,
// rejected rows with file:line) goes to stderr; stdout gets one JSON line for scripts. Exit codes:
// 0 seeded (even if some rows were rejected), 2 a fixture file is missing or bad arguments,
// 1 any other failure (the database is left as it was).
//
// With DATABASE_URL (and no --db), the database is PostgreSQL's, as the server's: the fixtures are
// seeded there only while it is empty (what every node does at start, once between them); a database
// holding a catalogue is left as it is (changes go through the admin API or `npm run import`).
//
// The demo support agent (agent@example.com, "Anna") gets the password from SHOPBOT_AGENT_PASSWORD,
// or "demo-agent" if unset. That default is for the local demo only.

import { commandLine } from '../core/cli.js';
import { loadConfig } from '../core/config.js';
import { openCliStore, storeLabel } from './cli-store.js';
import { openDatabase } from './db.js';
import type { StoreLocation } from './index.js';
import { demoPasswords, SeedError, seed, seedIfNeeded, seedSqlIfNeeded, SEED_TABLES, type SeedReport } from './seed.js';

interface Args {
  db: string;
  /** DATABASE_URL, unless --db names a SQLite file. */
  databaseUrl: string | null;
  fixtures: string;
  ifNeeded: boolean;
  quiet: boolean;
  /** The demo staff passwords of the configuration (SHOPBOT_AGENT_PASSWORD, SHOPBOT_PRODUCT_PASSWORD). */
  passwords: { agentPassword?: string; productPassword?: string };
}

const USAGE = 'usage: tsx store/seed-cli.ts [--db path] [--fixtures dir] [--if-needed] [--quiet]';

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Args {
  const config = loadConfig(env);
  const args: Args = { db: config.dbPath, databaseUrl: config.databaseUrl, fixtures: config.fixturesDir, ifNeeded: false, quiet: config.quiet, passwords: demoPasswords(config) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new SeedError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    // A named SQLite file wins over DATABASE_URL.
    if (a === '--db') [args.db, args.databaseUrl] = [value(), null];
    else if (a.startsWith('--db=')) [args.db, args.databaseUrl] = [a.slice(5), null];
    else if (a === '--fixtures') args.fixtures = value();
    else if (a.startsWith('--fixtures=')) args.fixtures = a.slice(11);
    else if (a === '--if-needed') args.ifNeeded = true;
    else if (a === '--quiet') args.quiet = true;
    else if (a === '--help' || a === '-h') throw new SeedError(USAGE);
    else throw new SeedError(`unknown argument ${a}\n${USAGE}`);
  }
  return args;
}

export function summary(db: string, r: SeedReport): Record<string, unknown> {
  const sum = (k: 'inserted' | 'updated' | 'unchanged' | 'rejected') => SEED_TABLES.reduce((n, t) => n + r.tables[t][k], 0);
  return {
    ok: true,
    db,
    fixtures: r.dir,
    fingerprint: r.fingerprint,
    skipped: r.skipped,
    inserted: sum('inserted'),
    updated: sum('updated'),
    unchanged: sum('unchanged'),
    rejected: sum('rejected'),
    tables: r.tables,
    ms: r.durationMs,
  };
}

export const main = commandLine(import.meta.url, (argv) => parseArgs(argv), async (args) => (args.databaseUrl ? seedPostgres(args, { databaseUrl: args.databaseUrl, dbPath: args.db }) : seedSqlite(args)));

/** PostgreSQL: seeds an empty database, leaves a seeded one alone (--if-needed makes no difference). */
async function seedPostgres(args: Args, where: StoreLocation): Promise<number> {
  const label = storeLabel(where);
  let store;
  try {
    store = await openCliStore(where);
  } catch (e) {
    process.stderr.write(`seed: cannot open ${label}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const report = await seedSqlIfNeeded(store.sql, args.fixtures, { silent: args.quiet, ...args.passwords });
    if (!args.quiet && report.skipped) {
      process.stderr.write(
        report.outdated
          ? `seed: ${label} holds a catalogue of its own; the demo fixtures are seeded only into an empty database (change it with npm run import or the admin API)\n`
          : `seed: ${label} is already seeded with these fixtures; nothing to do\n`,
      );
    }
    process.stdout.write(`${JSON.stringify(summary(label, report))}\n`);
    return 0;
  } catch (e) {
    const missing = e instanceof SeedError;
    process.stderr.write(`seed: ${missing ? '' : 'failed, database unchanged: '}${(e as Error).message}\n`);
    process.stdout.write(`${JSON.stringify({ ok: false, db: label, error: (e as Error).message })}\n`);
    return missing ? 2 : 1;
  } finally {
    await store.close();
  }
}

async function seedSqlite(args: Args): Promise<number> {
  let db;
  try {
    db = openDatabase(args.db);
  } catch (e) {
    process.stderr.write(`seed: cannot open ${args.db}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const opts = { silent: args.quiet, ...args.passwords };
    const report = args.ifNeeded ? await seedIfNeeded(db, args.fixtures, opts) : await seed(db, args.fixtures, opts);
    if (report.skipped && !args.quiet) process.stderr.write(`seed: ${args.db} is already seeded with these fixtures; nothing to do\n`);
    process.stdout.write(`${JSON.stringify(summary(args.db, report))}\n`);
    return 0;
  } catch (e) {
    const missing = e instanceof SeedError;
    process.stderr.write(`seed: ${missing ? '' : 'failed, database unchanged: '}${(e as Error).message}\n`);
    process.stdout.write(`${JSON.stringify({ ok: false, db: args.db, error: (e as Error).message })}\n`);
    return missing ? 2 : 1;
  } finally {
    db.close();
  }
}
