import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { isStoreError } from './errors.js';
import { createStore } from './index.js';
import { DeliveryRepo, MessengerThreadRepo, ReadMarkRepo, RECEIPT_TTL_MS, ReceiptRepo } from './receipts.js';
import type { Sql } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { clock, tempStore } from '../testing/store-helpers.js';
import { addConversation, addCustomer, addMessage } from '../testing/store-rows.js';

// inbound_receipts on a real SQLite file: channel message ids already taken in, so a webhook retry
// (also one after a restart) is recognised.

let ctx: ReturnType<typeof tempStore> | undefined;
afterEach(() => {
  ctx?.cleanup();
  ctx = undefined;
});

describeEngines('ReceiptRepo (inbound_receipts)', (engine) => {
  let sql: Sql;
  let c: ReturnType<typeof clock>;
  let receipts: ReceiptRepo;
  beforeEach(async () => {
    c = clock();
    sql = await engine.fresh();
    receipts = new ReceiptRepo(sql, c.now);
  });
  const count = async () => Number((await sql.get<{ n: number }>('SELECT count(*) AS n FROM inbound_receipts'))!.n);

  it('says a message id is new exactly once per channel', async () => {
    expect(await receipts.firstTime('messenger', 'm_abc')).toBe(true);
    expect(await receipts.firstTime('messenger', 'm_abc')).toBe(false);
    expect(await receipts.firstTime('messenger', 'm_abc')).toBe(false);
    // The same id on another channel is another message.
    expect(await receipts.firstTime('botframework', 'm_abc')).toBe(true);
    expect(await receipts.has('messenger', 'm_abc')).toBe(true);
    expect(await receipts.has('messenger', 'm_other')).toBe(false);
    expect(await count()).toBe(2);
  });

  it('lets only one of many concurrent deliveries of the same id be the first', async () => {
    const many = await Promise.all(Array.from({ length: 8 }, () => receipts.firstTime('messenger', 'm_race')));
    expect(many.filter(Boolean)).toHaveLength(1);
    if (engine.name === 'postgres') {
      // Another node (another pool) sees the same receipts.
      const other = new ReceiptRepo(await engine.another(sql), c.now);
      const both = await Promise.all([receipts.firstTime('messenger', 'm_nodes'), other.firstTime('messenger', 'm_nodes')]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await other.firstTime('messenger', 'm_race')).toBe(false);
    }
  });

  it('forgets a receipt on request (a turn that failed before anything was stored may be retried)', async () => {
    expect(await receipts.firstTime('botframework', 'a1')).toBe(true);
    expect(await receipts.forget('botframework', 'a1')).toBe(true);
    expect(await receipts.firstTime('botframework', 'a1')).toBe(true);
    expect(await receipts.forget('botframework', 'never')).toBe(false);
  });

  it('keeps ids longer than the column allows apart by their digest', async () => {
    const long = 'm_' + 'x'.repeat(2000);
    expect(await receipts.firstTime('messenger', long)).toBe(true);
    expect(await receipts.firstTime('messenger', long)).toBe(false);
    expect(await receipts.firstTime('messenger', long + 'y')).toBe(true);
    // Exactly at the limit the id is kept as it is.
    expect(await receipts.firstTime('messenger', 'z'.repeat(512))).toBe(true);
    const ids = (await sql.all<{ message_id: string }>('SELECT message_id FROM inbound_receipts')).map((r) => r.message_id);
    expect(ids.every((id) => id.length <= 512)).toBe(true);
    expect(ids).toContain('z'.repeat(512));
  });

  it('refuses an empty id or a bad channel with a StoreError instead of a constraint error', async () => {
    for (const [channel, id] of [['messenger', ''], ['', 'm1'], ['c'.repeat(33), 'm1']] as const) {
      const err = await receipts.firstTime(channel, id).catch((e: unknown) => e);
      expect(isStoreError(err, 'invalid_input')).toBe(true);
    }
    expect(await count()).toBe(0);
  });

  it('prunes receipts older than a given age; a pruned id counts as new again', async () => {
    await receipts.firstTime('messenger', 'old');
    c.advance(RECEIPT_TTL_MS - 1000);
    await receipts.firstTime('messenger', 'recent');
    c.advance(2000);
    expect(await receipts.prune(RECEIPT_TTL_MS)).toBe(1);
    expect(await receipts.has('messenger', 'old')).toBe(false);
    expect(await receipts.has('messenger', 'recent')).toBe(true);
    expect(await receipts.firstTime('messenger', 'old')).toBe(true);
  });

  it('prunes by itself every Nth new receipt', async () => {
    receipts = new ReceiptRepo(sql, c.now, { pruneEvery: 5, ttlMs: 60_000 });
    for (let i = 0; i < 3; i++) await receipts.firstTime('messenger', `old-${i}`);
    c.advance(120_000);
    await receipts.firstTime('messenger', 'new-1');
    // Duplicates do not count towards N.
    await receipts.firstTime('messenger', 'new-1');
    expect(await count()).toBe(4);
    await receipts.firstTime('messenger', 'new-2');
    expect(await count()).toBe(2);
    expect(await receipts.has('messenger', 'new-1')).toBe(true);
  });
});

describe('ReceiptRepo on a SQLite file', () => {
  it('remembers receipts across connections and a reopen of the file (a restart)', async () => {
    ctx = tempStore();
    expect(await ctx.store.receipts.firstTime('messenger', 'm_restart')).toBe(true);
    const other = createStore(openDatabase(ctx.path));
    try {
      expect(await other.receipts.firstTime('messenger', 'm_restart')).toBe(false);
    } finally {
      other.close();
    }
    ctx.db.close();
    const reopened = createStore(openDatabase(ctx.path));
    try {
      expect(await reopened.receipts.firstTime('messenger', 'm_restart')).toBe(false);
      expect(await reopened.receipts.firstTime('messenger', 'm_new')).toBe(true);
    } finally {
      reopened.close();
    }
  });
});

describeEngines('MessengerThreadRepo, DeliveryRepo and ReadMarkRepo (migration 12)', (engine) => {
  const setup = async () => {
    const c = clock();
    const sql = await engine.fresh();
    await addCustomer(sql, 'C1', { name: 'Asha' });
    await addConversation(sql, 'conv-1', 'C1', { channel: 'messenger' });
    let seq = 0;
    const say = async (role: 'customer' | 'agent' | 'bot', text: string) => {
      seq++;
      return { id: await addMessage(sql, 'conv-1', seq, { role, text, customerId: 'C1', channel: 'messenger' }), seq, conversationId: 'conv-1' };
    };
    return { c, sql, conv: { id: 'conv-1' }, say, threads: new MessengerThreadRepo(sql), deliveries: new DeliveryRepo(sql, c.now), marks: new ReadMarkRepo(sql, c.now) };
  };

  it('keeps the latest inbound time per PSID, never an older one', async () => {
    const { threads } = await setup();
    expect(await threads.lastInbound('4242')).toBeNull();
    await threads.touch('4242', 2_000);
    await threads.touch('4242', 1_000);
    expect(await threads.lastInbound('4242')).toBe(2_000);
    await threads.touch('4242', 3_000);
    expect(await threads.lastInbound('4242')).toBe(3_000);
    await expect(threads.touch('', 1)).rejects.toThrow(/PSID/);
    await expect(threads.touch('1', Number.NaN)).rejects.toThrow(/inbound time/);
  });

  it('moves a delivery forward only: sending -> sent -> delivered -> read; failed is final', async () => {
    const { c, say, deliveries } = await setup();
    const m1 = await say('agent', 'Hello');
    const started = await deliveries.start(m1.id, 'messenger', '4242');
    expect(started).toMatchObject({ messageId: m1.id, seq: m1.seq, status: 'sending', recipient: '4242', attempts: 0 });
    // A second start changes nothing.
    expect((await deliveries.start(m1.id, 'web')).channel).toBe('messenger');
    c.advance(1000);
    expect(await deliveries.sent(m1.id, { externalId: 'mid.1', attempts: 2 })).toMatchObject({ status: 'sent', externalId: 'mid.1', attempts: 2, sentAt: c.now() });
    expect(await deliveries.sent(m1.id)).toBeUndefined();
    expect(await deliveries.failed(m1.id, 'too late')).toBeUndefined();
    expect((await deliveries.advance(m1.id, 'read'))?.status).toBe('read');
    expect(await deliveries.advance(m1.id, 'delivered')).toBeUndefined();
    expect((await deliveries.get(m1.id))?.status).toBe('read');

    const m2 = await say('agent', 'Are you there?');
    await deliveries.start(m2.id, 'messenger', '4242');
    expect(await deliveries.failed(m2.id, 'x'.repeat(600), 3)).toMatchObject({ status: 'failed', attempts: 3 });
    expect((await deliveries.get(m2.id))!.reason!.length).toBe(500);
    expect(await deliveries.advance(m2.id, 'read')).toBeUndefined();
    expect((await deliveries.forConversation(m1.conversationId)).map((d) => [d.seq, d.status])).toEqual([
      [m1.seq, 'read'],
      [m2.seq, 'failed'],
    ]);
    await expect(deliveries.start(999_999, 'web')).rejects.toThrow(/not found/);
    await expect(deliveries.start(m2.id, '')).rejects.toThrow(/channel/);
  });

  it('applies read marks up to a seq, and Messenger watermarks and mids to what was sent before them', async () => {
    const { c, say, deliveries } = await setup();
    const a = await say('agent', 'one');
    const b = await say('agent', 'two');
    const late = await say('agent', 'three');
    for (const m of [a, b, late]) await deliveries.start(m.id, 'messenger', '4242');
    await deliveries.sent(a.id, { externalId: 'mid.a' });
    c.advance(1000);
    await deliveries.sent(b.id, { externalId: 'mid.b' });
    const watermark = c.now();
    c.advance(1000);
    await deliveries.sent(late.id, { externalId: 'mid.c' });
    expect((await deliveries.deliveredByExternalIds('messenger', '4242', ['mid.a', 'unknown'])).map((d) => d.seq)).toEqual([a.seq]);
    expect((await deliveries.watermark('messenger', '4242', watermark, 'read')).map((d) => d.seq)).toEqual([a.seq, b.seq]);
    expect(await deliveries.watermark('messenger', 'other', watermark + 10_000, 'read')).toEqual([]);
    expect((await deliveries.get(late.id))?.status).toBe('sent');
    expect((await deliveries.upTo(a.conversationId, late.seq, 'delivered')).map((d) => d.seq)).toEqual([late.seq]);
    expect((await deliveries.upTo(a.conversationId, late.seq, 'read')).map((d) => d.seq)).toEqual([late.seq]);
  });

  it("keeps each side's read mark per conversation, only moving forward", async () => {
    const { conv, marks } = await setup();
    expect(await marks.get(conv.id, 'agent')).toBe(0);
    expect(await marks.mark(conv.id, 'agent', 3)).toBe(true);
    expect(await marks.mark(conv.id, 'agent', 2)).toBe(false);
    expect(await marks.mark(conv.id, 'agent', 3)).toBe(false);
    expect(await marks.get(conv.id, 'agent')).toBe(3);
    expect(await marks.get(conv.id, 'customer')).toBe(0);
    expect(await marks.mark(conv.id, 'customer', 1)).toBe(true);
    await expect(marks.mark(conv.id, 'bot' as 'agent', 1)).rejects.toThrow(/reader/);
    await expect(marks.mark('no-such-conversation', 'agent', 1)).rejects.toThrow(/not found/);
  });
});
