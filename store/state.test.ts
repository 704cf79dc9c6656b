import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { isStoreError } from './errors.js';
import { createStore, type Store } from './index.js';
import type { Sql } from './sql/executor.js';
import { SqliteBotStorage } from './state.js';
import { describeEngines } from '../testing/engines.js';
import { tempStore } from '../testing/store-helpers.js';

let ctx: ReturnType<typeof tempStore>;
let store: Store;

beforeEach(() => {
  ctx = tempStore();
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

describe('StateRepo (bot_state)', () => {
  it('puts, gets and deletes JSON values with etags', () => {
    const e1 = store.state.put('conv/1', { step: 'ask_order', slots: { orderId: null } });
    expect(store.state.get('conv/1')).toMatchObject({ key: 'conv/1', value: { step: 'ask_order', slots: { orderId: null } }, etag: e1 });
    const e2 = store.state.put('conv/1', { step: 'done' }, { etag: e1 });
    expect(e2).not.toBe(e1);
    expect(store.state.getMany(['conv/1', 'missing']).size).toBe(1);
    expect(store.state.delete('conv/1')).toBe(true);
    expect(store.state.get('conv/1')).toBeUndefined();
    expect(store.state.delete('conv/1')).toBe(false);
  });

  it('rejects writes with a stale etag (optimistic concurrency), across connections', () => {
    const other = createStore(openDatabase(ctx.path));
    try {
      const e1 = store.state.put('user/7', { n: 1 });
      const e2 = other.state.put('user/7', { n: 2 }, { etag: e1 });
      let err: unknown;
      try {
        store.state.put('user/7', { n: 3 }, { etag: e1 });
      } catch (e) {
        err = e;
      }
      expect(isStoreError(err, 'etag_mismatch')).toBe(true);
      expect(store.state.get('user/7')).toMatchObject({ value: { n: 2 }, etag: e2 });
      expect(() => store.state.put('user/7', {}, { etag: null })).toThrow(/already exists/);
      expect(() => store.state.delete('user/7', { etag: e1 })).toThrow(/stale/);
      expect(store.state.delete('user/7', { etag: e2 })).toBe(true);
      expect(() => store.state.put('user/8', {}, { etag: 'nope' })).toThrow(/stale/);
      store.state.put('user/8', { fresh: true }, { etag: null });
    } finally {
      other.close();
    }
  });

  it('putMany is all-or-nothing', () => {
    const e = store.state.put('a', 1);
    expect(() =>
      store.state.putMany([
        { key: 'b', value: 2 },
        { key: 'a', value: 3, etag: 'stale' },
      ]),
    ).toThrow();
    expect(store.state.get('b')).toBeUndefined();
    expect(store.state.get('a')).toMatchObject({ value: 1, etag: e });
  });

  it('shares bot_state with the Bot Framework Storage', async () => {
    const storage = new SqliteBotStorage(store.sql);
    await storage.write({ 'c/0': { turn: 7 } });
    expect(store.state.get('c/0')).toMatchObject({ value: { turn: 7 } });
    store.state.put('c/0', { turn: 8 });
    expect((await storage.read(['c/0']))['c/0']).toMatchObject({ turn: 8, eTag: store.state.get('c/0')!.etag });
  });
});

describeEngines('SqliteBotStorage (Bot Framework Storage with eTags)', (engine) => {
  let sql: Sql;
  let storage: SqliteBotStorage;
  beforeEach(async () => {
    sql = await engine.fresh();
    storage = new SqliteBotStorage(sql);
  });

  it('works as a Bot Framework Storage', async () => {
    await storage.write({ 'c/1': { turn: 1 }, 'c/2': { turn: 1, eTag: '*' } });
    const read = await storage.read(['c/1', 'c/2', 'c/3']);
    expect(Object.keys(read).sort()).toEqual(['c/1', 'c/2']);
    expect(read['c/1']).toMatchObject({ turn: 1 });
    const etag = read['c/1']!.eTag!;
    await storage.write({ 'c/1': { turn: 2, eTag: etag } });
    await expect(storage.write({ 'c/1': { turn: 3, eTag: etag } })).rejects.toThrow(/stale/);
    expect((await storage.read(['c/1']))['c/1']).toMatchObject({ turn: 2 });
    await storage.delete(['c/1']);
    expect(await storage.read(['c/1'])).toEqual({});
  });

  it('lets exactly one of two writers holding the same eTag win, and writes several items all or nothing', async () => {
    await storage.write({ 'c/1': { turn: 1 } });
    const etag = (await storage.read(['c/1']))['c/1']!.eTag!;
    const other = engine.name === 'postgres' ? new SqliteBotStorage(await engine.another(sql)) : storage;
    const results = await Promise.allSettled([storage.write({ 'c/1': { turn: 2, by: 'a', eTag: etag } }), other.write({ 'c/1': { turn: 2, by: 'b', eTag: etag } })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isStoreError(lost.reason, 'etag_mismatch')).toBe(true);
    const now = (await storage.read(['c/1']))['c/1']!;
    expect(now.turn).toBe(2);
    expect(now.eTag).not.toBe(etag);
    // A stale eTag on one of several items: none of them is written.
    await expect(storage.write({ 'c/2': { turn: 1 }, 'c/1': { turn: 3, eTag: etag } })).rejects.toThrow(/stale/);
    expect(await storage.read(['c/1', 'c/2'])).toEqual({ 'c/1': now });
    // A key that does not exist yet is written whatever eTag it names.
    await storage.write({ 'c/3': { turn: 1, eTag: 'never-seen' } });
    expect((await storage.read(['c/3']))['c/3']).toMatchObject({ turn: 1 });
    await storage.delete(['c/1', 'c/3', 'c/none']);
    expect(await storage.read(['c/1', 'c/3'])).toEqual({});
    expect(await storage.read([])).toEqual({});
  });
});
