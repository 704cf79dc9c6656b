import { randomBytes } from 'node:crypto';
import type { DB } from './db.js';
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

export class StateRepo {
  private readonly getStmt;
  private readonly getManyStmt;
  private readonly upsertStmt;
  private readonly insertStmt;
  private readonly updateIfStmt;
  private readonly deleteStmt;
  private readonly deleteIfStmt;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.getStmt = db.prepare<[string], StateRow>('SELECT key, value, etag, updated_at FROM bot_state WHERE key = ?');
    this.getManyStmt = db.prepare<[string], StateRow>('SELECT key, value, etag, updated_at FROM bot_state WHERE key IN (SELECT value FROM json_each(?))');
    this.upsertStmt = db.prepare<[StateRow]>(
      `INSERT INTO bot_state (key, value, etag, updated_at) VALUES (@key, @value, @etag, @updated_at)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at`,
    );
    this.insertStmt = db.prepare<[StateRow]>(
      'INSERT INTO bot_state (key, value, etag, updated_at) VALUES (@key, @value, @etag, @updated_at) ON CONFLICT (key) DO NOTHING',
    );
    this.updateIfStmt = db.prepare<[StateRow & { expected: string }]>(
      'UPDATE bot_state SET value = @value, etag = @etag, updated_at = @updated_at WHERE key = @key AND etag = @expected',
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM bot_state WHERE key = ?');
    this.deleteIfStmt = db.prepare<[string, string]>('DELETE FROM bot_state WHERE key = ? AND etag = ?');
  }

  get<T = unknown>(key: string): StateItem<T> | undefined {
    const r = this.getStmt.get(key);
    return r ? { key: r.key, value: JSON.parse(r.value) as T, etag: r.etag, updatedAt: r.updated_at } : undefined;
  }

  getMany<T = unknown>(keys: readonly string[]): Map<string, StateItem<T>> {
    const out = new Map<string, StateItem<T>>();
    if (keys.length === 0) return out;
    for (const r of this.getManyStmt.all(JSON.stringify(keys))) {
      out.set(r.key, { key: r.key, value: JSON.parse(r.value) as T, etag: r.etag, updatedAt: r.updated_at });
    }
    return out;
  }

  /** Stores a JSON-serialisable value and returns its new etag. */
  put(key: string, value: unknown, opts: PutOptions = {}): string {
    const row: StateRow = {
      key: checkText('state key', key, MAX_KEY_BYTES),
      value: toJson('state value', value === undefined ? null : value, MAX_VALUE_BYTES) ?? 'null',
      etag: newEtag(),
      updated_at: isoTime(undefined, this.now),
    };
    const expected = opts.etag;
    if (expected === undefined || expected === '*') {
      this.upsertStmt.run(row);
    } else if (expected === null) {
      if (this.insertStmt.run(row).changes === 0) throw new StoreError('etag_mismatch', `state "${key}" already exists`);
    } else if (this.updateIfStmt.run({ ...row, expected }).changes === 0) {
      throw new StoreError('etag_mismatch', `state "${key}" was changed by someone else (etag ${expected} is stale)`);
    }
    return row.etag;
  }

  /** Several puts in one transaction: all succeed or none is written. Returns the new etags. */
  putMany(changes: ReadonlyArray<{ key: string; value: unknown; etag?: string | null }>): string[] {
    return this.db.transaction(() => changes.map((c) => this.put(c.key, c.value, { etag: c.etag })))();
  }

  /** Runs `fn` in one write transaction (for read-modify-write sequences). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Deletes a key (optionally only if its etag matches); returns whether a row was removed. */
  delete(key: string, opts: { etag?: string } = {}): boolean {
    if (opts.etag === undefined || opts.etag === '*') return this.deleteStmt.run(key).changes === 1;
    if (this.deleteIfStmt.run(key, opts.etag).changes === 1) return true;
    if (this.getStmt.get(key)) throw new StoreError('etag_mismatch', `state "${key}" was changed by someone else (etag ${opts.etag} is stale)`);
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
    await this.sql.transaction(async (tx) => {
      for (const key of keys) await this.writeOne(tx, key, changes[key]!);
    });
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
