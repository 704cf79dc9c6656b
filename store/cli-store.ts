import { openConfiguredStore, type Store, type StoreLocation } from './index.js';

// The store a command-line tool works on: the server's own (DATABASE_URL: PostgreSQL, shared by every
// node; otherwise the SQLite file SHOPBOT_DB), unless `--db FILE` names a SQLite file explicitly.

/** `--db FILE` wins (a SQLite file); otherwise where the server keeps its store. */
export function cliStoreLocation(config: StoreLocation, dbFlag?: string): StoreLocation {
  return dbFlag ? { databaseUrl: null, dbPath: dbFlag } : { databaseUrl: config.databaseUrl ?? null, dbPath: config.dbPath };
}

/** Opens it: a small pool on PostgreSQL (a tool needs one or two connections), migrated like the server's. */
export function openCliStore(where: StoreLocation): Promise<Store> {
  return openConfiguredStore(where, { poolSize: 2, log: (line) => process.stderr.write(`${line}\n`) });
}

/** Where the store is, for a tool's JSON line and messages: the file, or the URL without its password. */
export function storeLabel(where: StoreLocation): string {
  if (!where.databaseUrl) return where.dbPath;
  try {
    const u = new URL(where.databaseUrl);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
