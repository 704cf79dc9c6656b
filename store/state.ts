import { randomBytes } from 'node:crypto';
import { StoreError } from './errors.js';
import { inList } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { checkText, isoTime, toJson } from './text.js';
import type { StateItem } from './types.js';

// Key-value storage for bot state (conversation / user state) with optimistic concurrency: every
// write gets a new etag, and a write that names an etag only succeeds if it is still current.

interface StateRow {
  key: string;
  value: string;
  etag: string;
  updated_at: string;
}

const MAX_KEY_BYTES = 1024;
const MAX_VALUE_BYTES = 4 * 1024 * 1024;

export interface PutOptions {
  /**
   * Expected current etag. undefined or '*': write unconditionally. A string: the write fails with
   * 'etag_mismatch' unless the stored etag is that string (a missing key also fails). null: the key
   * must not exist yet.
   */
  etag?: string | null;
}

const newEtag = (): string => randomBytes(9).toString('base64url');

const STATE = 'SELECT key, value, etag, updated_at FROM bot_state';
const UPSERT = `INSERT INTO bot_state (key, value, etag, updated_at) VALUES (@key, @value, @etag, @updated_at)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at`;

const toItem = <T>(r: StateRow): StateItem<T> => ({ key: r.key, value: JSON.parse(r.value) as T, etag: r.etag, updatedAt: r.updated_at });

/**
 * Every method takes an optional `sql`: a caller's transaction (`tx`) runs the statement in it, so
 * state written with other repositories' rows (linking, the web identity) commits or rolls back
 * with them on either engine.
 */
export class StateRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  async get<T = unknown>(key: string, sql: Sql = this.sql): Promise<StateItem<T> | undefined> {
    const r = await sql.get<StateRow>(`${STATE} WHERE key = ?`, [key]);
    return r ? toItem<T>(r) : undefined;
  }

  async getMany<T = unknown>(keys: readonly string[], sql: Sql = this.sql): Promise<Map<string, StateItem<T>>> {
    const out = new Map<string, StateItem<T>>();
    if (keys.length === 0) return out;
    for (const r of await sql.all<StateRow>(`${STATE} WHERE key IN (${inList(keys)})`, keys)) out.set(r.key, toItem<T>(r));
    return out;
  }

  /** Stores a JSON-serialisable value and returns its new etag. */
  async put(key: string, value: unknown, opts: PutOptions = {}, sql: Sql = this.sql): Promise<string> {
    const row: StateRow = {
      key: checkText('state key', key, MAX_KEY_BYTES),
      value: toJson('state value', value === undefined ? null : value, MAX_VALUE_BYTES) ?? 'null',
      etag: newEtag(),
      updated_at: isoTime(undefined, this.now),
    };
    const expected = opts.etag;
    if (expected === undefined || expected === '*') {
      await sql.run(UPSERT, { ...row });
    } else if (expected === null) {
      const r = await sql.run('INSERT INTO bot_state (key, value, etag, updated_at) VALUES (@key, @value, @etag, @updated_at) ON CONFLICT (key) DO NOTHING', { ...row });
      if (r.changes === 0) throw new StoreError('etag_mismatch', `state "${key}" already exists`);
    } else {
      const r = await sql.run('UPDATE bot_state SET value = @value, etag = @etag, updated_at = @updated_at WHERE key = @key AND etag = @expected', { ...row, expected });
      if (r.changes === 0) throw new StoreError('etag_mismatch', `state "${key}" was changed by someone else (etag ${expected} is stale)`);
    }
    return row.etag;
  }

  /** Several puts in one transaction: all succeed or none is written. Returns the new etags. */
  async putMany(changes: ReadonlyArray<{ key: string; value: unknown; etag?: string | null }>, sql: Sql = this.sql): Promise<string[]> {
    // Scope: each put is one statement that checks its eTag itself (a conditional write); the keys' locks only order writers.
    return sql.transaction(async (tx) => {
      const etags: string[] = [];
      for (const c of changes) etags.push(await this.put(c.key, c.value, { etag: c.etag }, tx));
      return etags;
    }, { scope: changes.map((c) => `state:${c.key}`) });
  }

  /** Deletes a key (optionally only if its etag matches); returns whether a row was removed. */
  async delete(key: string, opts: { etag?: string } = {}, sql: Sql = this.sql): Promise<boolean> {
    if (opts.etag === undefined || opts.etag === '*') return (await sql.run('DELETE FROM bot_state WHERE key = ?', [key])).changes === 1;
    if ((await sql.run('DELETE FROM bot_state WHERE key = ? AND etag = ?', [key, opts.etag])).changes === 1) return true;
    if (await sql.get(`${STATE} WHERE key = ?`, [key])) throw new StoreError('etag_mismatch', `state "${key}" was changed by someone else (etag ${opts.etag} is stale)`);
    return false;
  }
}

/** Shape of a Bot Framework StoreItem: any object, with an optional eTag. */
export type StoreItems = Record<string, Record<string, unknown> & { eTag?: string }>;

/**
 * Adapter with the Bot Framework `Storage` interface (read / write / delete), structurally
 * compatible with botbuilder's, so bot state lives in the store's database, on either engine (it
 * runs on the async SQL contract; the name stays from when SQLite was the only one). Semantics
 * follow botbuilder's MemoryStorage: an item's eTag of '*' or none overwrites; any other eTag must
 * match the stored one (writing a key that does not exist yet always succeeds).
 */
export class SqliteBotStorage {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    const out: StoreItems = {};
    if (keys.length === 0) return out;
    const rows = await this.sql.all<StateRow>(`SELECT key, value, etag, updated_at FROM bot_state WHERE key IN (${inList(keys)})`, keys);
    for (const r of rows) out[r.key] = { ...(JSON.parse(r.value) as Record<string, unknown>), eTag: r.etag };
    return out;
  }

  async write(changes: StoreItems): Promise<void> {
    const keys = Object.keys(changes);
    if (keys.length === 0) return;
    // One key (what a turn's state saves) is one statement; several go in one transaction.
    if (keys.length === 1) return this.writeOne(this.sql, keys[0]!, changes[keys[0]!]!);
    // Scope: each item is one statement that checks its eTag itself; nothing else is read or written.
    await this.sql.transaction(async (tx) => {
      for (const key of keys) await this.writeOne(tx, key, changes[key]!);
    }, { scope: keys.map((k) => `state:${k}`) });
  }

  /**
   * One item in one statement: unconditional with eTag '*' or none; otherwise inserted if the key
   * is new, updated only while the stored eTag is the one given (two writers holding the same eTag:
   * exactly one wins, on either engine).
   */
  private async writeOne(sql: Sql, key: string, item: StoreItems[string]): Promise<void> {
    const { eTag, ...value } = item;
    const row: StateRow = {
      key: checkText('state key', key, MAX_KEY_BYTES),
      value: toJson('state value', value, MAX_VALUE_BYTES) ?? 'null',
      etag: newEtag(),
      updated_at: isoTime(undefined, this.now),
    };
    const insert = 'INSERT INTO bot_state (key, value, etag, updated_at) VALUES (@key, @value, @etag, @updated_at) ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at';
    if (eTag === undefined || eTag === '*') {
      await sql.run(insert, { ...row });
      return;
    }
    const r = await sql.run(`${insert} WHERE bot_state.etag = @expected`, { ...row, expected: eTag });
    if (r.changes === 0) throw new StoreError('etag_mismatch', `state "${key}" was changed by someone else (etag ${eTag} is stale)`);
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.sql.run(`DELETE FROM bot_state WHERE key IN (${inList(keys)})`, keys);
  }
}
