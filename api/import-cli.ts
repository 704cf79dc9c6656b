// npm run import -- FILE [--format jsonl|shopify|orders-csv] [--kind products|customers|orders]
//                       [--currency INR] [--db path] [--no-embed] [--quiet] [--errors N]
//
// Imports a store export into the database (docs/import.md has the formats): JSONL in the
// documented shapes, a Shopify product CSV, or a generic orders CSV. Rows go through the admin API's
// batches (1,000 per transaction, idempotent: importing a file twice changes nothing the second
// time); refused rows are listed on stderr as FILE:LINE: id: field: reason and the good rows land.
// Then the products whose text is new are embedded into the vector cache (progress bar), so a
// running server picks the changes up within seconds (it polls the catalogue) without embedding
// them again, and the next start loads them. The store is the server's (DATABASE_URL, else SHOPBOT_DB)
// unless --db names a SQLite file. Stdout gets one JSON summary line. Exit codes: 0
// imported (even with refused rows), 2 bad arguments or unreadable file, 1 other failures.

import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import type { Encoder } from '../nlu/encoder-types.js';
import { loadConfiguredEncoder } from '../nlu/off-thread.js';
import { cliStoreLocation, openCliStore, storeLabel } from '../store/cli-store.js';
import { tellNodes } from '../store/sql/cluster.js';
import { FORMATS, type Format } from './import/formats.js';
import { importFile, type ImportReport } from './import/run.js';
import { KINDS, type Kind } from './schemas.js';

const USAGE = 'usage: npm run --silent import -- FILE [--format jsonl|shopify|orders-csv] [--kind products|customers|orders] [--currency INR] [--db path] [--no-embed] [--quiet] [--errors N]';

function guessFormat(file: string): Format | null {
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return null;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const err = (l: string) => process.stderr.write(`${l}\n`);
  let file: string;
  let format: Format;
  let kind: Kind | undefined;
  let flags: Record<string, string | true>;
  let maxErrors: number;
  try {
    const parsed = parseArgs(argv);
    flags = parsed.flags;
    if (parsed.positional.length !== 1 || flags.help) throw new Error(parsed.positional.length > 1 ? 'one file at a time' : 'which file?');
    file = resolve(parsed.positional[0]!);
    const f = stringFlag(flags, 'format') ?? guessFormat(file);
    if (!f || !(FORMATS as readonly string[]).includes(f)) throw new Error(`--format must be one of ${FORMATS.join(', ')}${f ? ` (got ${f})` : ''}`);
    format = f as Format;
    const k = stringFlag(flags, 'kind');
    if (k !== undefined && !(k in KINDS)) throw new Error(`--kind must be one of ${Object.keys(KINDS).join(', ')}`);
    kind = k as Kind | undefined;
    maxErrors = intFlag(flags, 'errors', 20);
    if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  } catch (e) {
    err(`import: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(env);
  const where = cliStoreLocation(config, stringFlag(flags, 'db'));
  const quiet = flags.quiet === true || env.SHOPBOT_QUIET === '1';
  const currency = (stringFlag(flags, 'currency') ?? env.SHOPBOT_CURRENCY ?? 'INR').toUpperCase();
  let encoder: Encoder | undefined;
  const store = await openCliStore(where);
  try {
    // Inline: the command has the machine to itself, so ONNX Runtime may use every core.
    if (flags['no-embed'] !== true) encoder = await loadConfiguredEncoder(config, { inference: 'inline', over: { log: () => {} } });
    const report: ImportReport = await importFile({ file, format, ...(kind ? { kind } : {}), sql: store.sql, currency, ...(encoder ? { encoder } : {}), cacheDir: config.dataDir, silent: quiet });
    // Running nodes on the same PostgreSQL apply the catalogue changes now, not at their next poll.
    await tellNodes(store.sql, 'catalog', {});
    for (const e of report.errors.slice(0, maxErrors)) err(`${file}:${e.line}: ${e.kind ?? 'row'}${e.id ? ` ${e.id}` : ''}: ${e.message}`);
    if (report.errors.length > maxErrors) err(`... and ${report.errors.length - maxErrors} more refused rows`);
    const { errors, ...rest } = report;
    process.stdout.write(`${JSON.stringify({ ok: true, db: storeLabel(where), ...rest, refused: errors.length })}\n`);
    return 0;
  } catch (e) {
    err(`import: ${(e as Error).message}`);
    process.stdout.write(`${JSON.stringify({ ok: false, file, error: (e as Error).message })}\n`);
    return /which rows|not a |unreadable/.test((e as Error).message) ? 2 : 1;
  } finally {
    await encoder?.close();
    await store.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
