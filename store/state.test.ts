import { beforeEach, expect, it } from 'vitest';
import { isStoreError } from './errors.js';
import type { Sql } from './sql/executor.js';
import { SqliteBotStorage, StateRepo } from './state.js';
import { describeEngines } from '../testing/engines.js';
import { rejectionOf } from '../testing/store-helpers.js';

describeEngines('StateRepo (bot_state)', (engine) => {
  let sql: Sql;
  let state: StateRepo;
  beforeEach(async () => {
    sql = await engine.fresh();
    state = new StateRepo(sql);
  });

  it('puts, gets and deletes JSON values with etags', async () => {
    const e1 = await state.put('conv/1', { step: 'ask_order', slots: { orderId: null } });
    expect(await state.get('conv/1')).toMatchObject({ key: 'conv/1', value: { step: 'ask_order', slots: { orderId: null } }, etag: e1 });
    const e2 = await state.put('conv/1', { step: 'done' }, { etag: e1 });
    expect(e2).not.toBe(e1);
    expect((await state.getMany(['conv/1', 'missing'])).size).toBe(1);
    expect((await state.getMany([])).size).toBe(0);
    expect(await state.delete('conv/1')).toBe(true);
    expect(await state.get('conv/1')).toBeUndefined();
    expect(await state.delete('conv/1')).toBe(false);
  });

  it('rejects writes with a stale etag (optimistic concurrency), across connections', async () => {
    const other = new StateRepo(engine.name === 'postgres' ? await engine.another(sql) : sql);
    const e1 = await state.put('user/7', { n: 1 });
    const e2 = await other.put('user/7', { n: 2 }, { etag: e1 });
    const err = await rejectionOf(state.put('user/7', { n: 3 }, { etag: e1 }));
    expect(isStoreError(err, 'etag_mismatch')).toBe(true);
    expect(await state.get('user/7')).toMatchObject({ value: { n: 2 }, etag: e2 });
    await expect(state.put('user/7', {}, { etag: null })).rejects.toThrow(/already exists/);
    await expect(state.delete('user/7', { etag: e1 })).rejects.toThrow(/stale/);
    expect(await state.delete('user/7', { etag: e2 })).toBe(true);
    await expect(state.put('user/8', {}, { etag: 'nope' })).rejects.toThrow(/stale/);
    await state.put('user/8', { fresh: true }, { etag: null });
    // Two writers holding the same etag at once: exactly one wins.
    const e3 = await state.put('user/9', { n: 0 });
    const results = await Promise.allSettled([state.put('user/9', { by: 'a' }, { etag: e3 }), other.put('user/9', { by: 'b' }, { etag: e3 })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('putMany is all-or-nothing', async () => {
    const e = await state.put('a', 1);
    await expect(
      state.putMany([
        { key: 'b', value: 2 },
        { key: 'a', value: 3, etag: 'stale' },
      ]),
    ).rejects.toThrow(/stale/);
    expect(await state.get('b')).toBeUndefined();
    expect(await state.get('a')).toMatchObject({ value: 1, etag: e });
    expect(await state.putMany([{ key: 'b', value: 2 }, { key: 'a', value: 3, etag: e }])).toHaveLength(2);
  });

  it("writes on a caller's transaction commit or roll back with it", async () => {
    await state.put('kept', 1);
    await expect(
      sql.transaction(async (tx) => {
        await state.put('new', 1, {}, tx);
        await state.delete('kept', {}, tx);
        expect(await state.get('new', tx)).toMatchObject({ value: 1 });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await state.get('new')).toBeUndefined();
    expect(await state.get('kept')).toMatchObject({ value: 1 });
    await sql.transaction(async (tx) => {
      await state.put('new', 2, { etag: null }, tx);
    });
    expect(await state.get('new')).toMatchObject({ value: 2 });
  });

  it('shares bot_state with the Bot Framework Storage', async () => {
    const storage = new SqliteBotStorage(sql);
    await storage.write({ 'c/0': { turn: 7 } });
    expect(await state.get('c/0')).toMatchObject({ value: { turn: 7 } });
    await state.put('c/0', { turn: 8 });
    expect((await storage.read(['c/0']))['c/0']).toMatchObject({ turn: 8, eTag: (await state.get('c/0'))!.etag });
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
