// npm run apikeys -- create --name NAME [--store ID] | list | revoke ID   [--db path]
//
// Works on the server's store (DATABASE_URL, else SHOPBOT_DB), or the SQLite file --db names.
// Keys of the admin API (/api/admin/v1, see docs/import.md). `create` prints the key ONCE (stdout,
// one JSON line): only its SHA-256 is stored, so a lost key is revoked and replaced, never shown
// again. `list` prints the keys without secrets; `revoke` stops a key at once. Exit codes: 0 done,
// 2 bad arguments, 1 other failures (unknown key to revoke included).

import { pathToFileURL } from 'node:url';
import { parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { ApiKeyRepo } from '../store/api-keys.js';
import { cliStoreLocation, openCliStore } from '../store/cli-store.js';
import type { StoreLocation } from '../store/index.js';

const USAGE = 'usage: npm run --silent apikeys -- create --name NAME [--store ID] | list | revoke KEY_ID   [--db path]';

export async function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), err: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  let where: StoreLocation;
  try {
    parsed = parseArgs(argv);
    where = cliStoreLocation(loadConfig(env), stringFlag(parsed.flags, 'db'));
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command, arg] = parsed.positional;
  if (!command || !['create', 'list', 'revoke'].includes(command) || parsed.flags.help) {
    err(USAGE);
    return 2;
  }
  const store = await openCliStore(where);
  try {
    const keys = new ApiKeyRepo(store.sql);
    if (command === 'create') {
      const name = stringFlag(parsed.flags, 'name');
      if (!name) {
        err(`create needs --name\n${USAGE}`);
        return 2;
      }
      const { key, apiKey } = await keys.create({ name, storeId: stringFlag(parsed.flags, 'store') ?? 'default' });
      err(`apikeys: created ${apiKey.id} for store ${apiKey.storeId}. The key is printed once; keep it secret (only its hash is stored).`);
      out(JSON.stringify({ ok: true, ...apiKey, key }));
      return 0;
    }
    if (command === 'list') {
      out(JSON.stringify({ ok: true, keys: await keys.list() }));
      return 0;
    }
    if (!arg) {
      err(`revoke needs the key id (see list)\n${USAGE}`);
      return 2;
    }
    const done = await keys.revoke(arg);
    out(JSON.stringify({ ok: done, id: arg, ...(done ? {} : { error: 'no such live key' }) }));
    return done ? 0 : 1;
  } catch (e) {
    err(`apikeys: ${(e as Error).message}`);
    return 1;
  } finally {
    await store.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await run(process.argv.slice(2));
}
