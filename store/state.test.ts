import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { isStoreError } from './errors.js';
import { createStore, type Store } from './index.js';
import { SqliteBotStorage } from './state.js';
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

  it('works as a Bot Framework Storage', async () => {
    const storage = new SqliteBotStorage(store.state);
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
});
