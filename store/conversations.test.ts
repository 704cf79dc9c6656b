import { beforeEach, expect, it } from 'vitest';
import { ConversationRepo } from './conversations.js';
import type { Sql } from './sql/executor.js';
import type { Transcript } from './types.js';
import { describeEngines } from '../testing/engines.js';
import { clock, rejectionOf } from '../testing/store-helpers.js';
import { addCustomer } from '../testing/store-rows.js';

// Conversations and messages on both engines: live conversations per customer, turns in order with
// their annotations, the hand-off state, and the historical transcripts read page by page.

/** A historical transcript as the seed stores it. */
async function historical(sql: Sql, id: string, customerId: string | null, over: { intent?: string | null; filled?: string | null; turns?: [string, string][] } = {}): Promise<void> {
  await sql.run(
    `INSERT INTO conversations (id, customer_id, channel, started_at, updated_at, status, handoff, source, intent, category, resolution, origin, filled)
     VALUES (?, ?, 'web', '2024-04-01T09:00:00.000Z', '2024-04-01T09:01:00.000Z', 'closed', 'none', 'historical', ?, 'orders', 'resolved', 'test', ?)`,
    [id, customerId, over.intent === undefined ? 'order_status' : over.intent, over.filled ?? null],
  );
  const turns = over.turns ?? [
    ['customer', 'Where is my order?'],
    ['agent', 'It ships tomorrow.'],
  ];
  for (const [i, [role, text]] of turns.entries()) {
    await sql.run("INSERT INTO messages (conversation_id, seq, customer_id, direction, role, channel, text, created_at) VALUES (?, ?, ?, ?, ?, 'web', ?, '2024-04-01T09:00:00.000Z')", [
      id,
      i + 1,
      customerId,
      role === 'customer' ? 'in' : 'out',
      role,
      text,
    ]);
  }
}

describeEngines('ConversationRepo', (engine) => {
  let sql: Sql;
  let conversations: ConversationRepo;
  let time: ReturnType<typeof clock>;

  beforeEach(async () => {
    time = clock();
    sql = await engine.fresh();
    conversations = new ConversationRepo(sql, time.now);
    await addCustomer(sql, 'C1');
    await addCustomer(sql, 'C2');
    await historical(sql, 'T1', 'C1');
    await historical(sql, 'T2', null, { intent: null, filled: '{"order_id":"O1"}' });
  });

  const all = async (pageSize?: number) => {
    const out: Transcript[] = [];
    for await (const t of conversations.historical(pageSize)) out.push(t);
    return out;
  };

  it('creates live conversations and finds them per customer', async () => {
    const c = await conversations.create({ customerId: 'C2', channel: 'web' });
    expect(c).toMatchObject({ customerId: 'C2', channel: 'web', status: 'open', handoff: 'none', source: 'live', intent: null, startedAt: '2026-01-01T10:00:00.000Z' });
    expect(await conversations.get(c.id)).toEqual(c);
    expect((await conversations.latestOpen('C2', 'web'))?.id).toBe(c.id);
    expect(await conversations.latestOpen('C2', 'messenger')).toBeUndefined();
    expect((await conversations.listForCustomer('C2')).map((x) => x.id)).toEqual([c.id]);
    expect((await conversations.listForCustomer('C1')).map((x) => x.id)).toEqual(['T1']); // historical ones too
    expect((await rejectionOf(conversations.create({ customerId: 'ghost', channel: 'web' }))).code).toBe('not_found');
    expect((await rejectionOf(conversations.create({ id: 'T1', customerId: null, channel: 'web' }))).code).toBe('conflict');
    const anon = await conversations.create({ customerId: null, channel: 'web' });
    expect(anon.customerId).toBeNull();
  });

  it('lists a customer’s conversations most recently active first, the same time by id', async () => {
    for (const id of ['c-b', 'c-c', 'c-a']) await conversations.create({ id, customerId: 'C2', channel: 'web' });
    expect((await conversations.listForCustomer('C2')).map((c) => c.id)).toEqual(['c-c', 'c-b', 'c-a']);
    time.advance(1000);
    await conversations.appendMessage('c-a', { role: 'customer', text: 'hi' });
    expect((await conversations.listForCustomer('C2', 2)).map((c) => c.id)).toEqual(['c-a', 'c-c']);
    expect((await conversations.latestOpen('C2', 'web'))!.id).toBe('c-a');
  });

  it('appends turns in both directions with NLU annotations and returns the transcript in order', async () => {
    const c = await conversations.create({ customerId: 'C1', channel: 'messenger' });
    const m1 = await conversations.appendMessage(c.id, { role: 'customer', text: 'Where is my order O1?', intent: 'order_status', confidence: 0.93, sentiment: 'neutral', sentimentScore: 0.1 });
    time.advance(1000);
    const m2 = await conversations.appendMessage(c.id, { role: 'bot', text: 'It was delivered.', payload: { card: 'order', orderId: 'O1' } });
    expect(m1).toMatchObject({ seq: 1, direction: 'in', role: 'customer', channel: 'messenger', customerId: 'C1', intent: 'order_status', confidence: 0.93, sentimentScore: 0.1, payload: null });
    expect(m2).toMatchObject({ seq: 2, direction: 'out', role: 'bot', payload: { card: 'order', orderId: 'O1' }, sentiment: null, createdAt: '2026-01-01T10:00:01.000Z' });
    expect(await conversations.transcript(c.id)).toEqual([m1, m2]);
    expect(await conversations.transcript(c.id, { afterId: m1.id })).toEqual([m2]);
    expect(await conversations.transcript(c.id, { limit: 1 })).toEqual([m1]);
    expect(await conversations.recentMessages(c.id, 1)).toEqual([m2]);
    expect(await conversations.recentMessages(c.id)).toEqual([m1, m2]);
    expect((await conversations.get(c.id))!.updatedAt).toBe(m2.createdAt);
    // A message stamped earlier than the conversation's time leaves that time alone.
    await conversations.appendMessage(c.id, { role: 'bot', text: 'late', createdAt: '2025-01-01T00:00:00.000Z' });
    expect((await conversations.get(c.id))!.updatedAt).toBe(m2.createdAt);
    expect((await conversations.recentMessages(c.id, 1))[0]!.seq).toBe(3);
  });

  it('numbers the messages of concurrent writers without a gap or a repeat', async () => {
    const c = await conversations.create({ customerId: 'C1', channel: 'web' });
    const written = await Promise.all(Array.from({ length: 12 }, (_, i) => conversations.appendMessage(c.id, { role: i % 2 ? 'bot' : 'customer', text: `m${i}` })));
    expect(written.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('annotates a stored message with NLU results afterwards', async () => {
    const c = await conversations.create({ customerId: 'C1', channel: 'web' });
    const m = await conversations.appendMessage(c.id, { role: 'customer', text: 'this is broken!!' });
    const a = await conversations.annotateMessage(m.id, { intent: 'product_defect', confidence: 0.8, sentiment: 'negative', sentimentScore: 0.97 });
    expect(a).toMatchObject({ id: m.id, text: 'this is broken!!', intent: 'product_defect', confidence: 0.8, sentiment: 'negative', sentimentScore: 0.97 });
    expect(await conversations.annotateMessage(m.id, { confidence: 0.5 })).toMatchObject({ intent: 'product_defect', confidence: 0.5, sentiment: 'negative' });
    expect(await conversations.annotateMessage(m.id, { intent: null })).toMatchObject({ intent: null, confidence: 0.5 });
    expect((await conversations.getMessage(m.id))!.confidence).toBe(0.5);
    expect(await conversations.getMessage(99999)).toBeUndefined();
    expect((await rejectionOf(conversations.annotateMessage(99999, { intent: 'x' }))).code).toBe('not_found');
    expect((await rejectionOf(conversations.annotateMessage(m.id, { confidence: 2 }))).code).toBe('invalid_input');
  });

  it('validates messages', async () => {
    const c = await conversations.create({ customerId: 'C1', channel: 'web' });
    expect((await rejectionOf(conversations.appendMessage('ghost', { role: 'customer', text: 'hi' }))).code).toBe('not_found');
    expect((await rejectionOf(conversations.appendMessage(c.id, { role: 'robot' as never, text: 'hi' }))).code).toBe('invalid_input');
    expect((await rejectionOf(conversations.appendMessage(c.id, { role: 'bot', text: 'hi', confidence: 1.5 }))).code).toBe('invalid_input');
    expect((await rejectionOf(conversations.appendMessage(c.id, { role: 'bot', text: 'hi', sentiment: 'angry' as never }))).code).toBe('invalid_input');
    const big = await rejectionOf(conversations.appendMessage(c.id, { role: 'customer', text: 'é'.repeat(40_000) }));
    expect(big.code).toBe('too_large');
    expect(big.message).toMatch(/message text is 80000 bytes; the limit is 65536 bytes/);
    expect((await conversations.appendMessage(c.id, { role: 'customer', text: 'x'.repeat(65536) })).text).toHaveLength(65536);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect((await rejectionOf(conversations.appendMessage(c.id, { role: 'bot', text: 'x', payload: circular }))).code).toBe('invalid_input');
    expect(await conversations.transcript(c.id)).toHaveLength(1);
  });

  it('tracks intent, hand-off state and closing', async () => {
    const c = await conversations.create({ customerId: 'C1', channel: 'web' });
    await conversations.setIntent(c.id, 'cancel_order', 'orders');
    await conversations.setIntent(c.id, 'order_status');
    time.advance(5000);
    await conversations.setHandoff(c.id, 'pending');
    await conversations.close(c.id, 'resolved by bot');
    expect(await conversations.get(c.id)).toMatchObject({ intent: 'order_status', category: 'orders', handoff: 'pending', status: 'closed', resolution: 'resolved by bot', updatedAt: '2026-01-01T10:00:05.000Z' });
    expect(await conversations.latestOpen('C1', 'web')).toBeUndefined();
    expect((await rejectionOf(conversations.setHandoff(c.id, 'robot' as never))).code).toBe('invalid_input');
    expect((await rejectionOf(conversations.setHandoff('ghost', 'none'))).code).toBe('not_found');
    expect((await rejectionOf(conversations.setIntent('ghost', null))).code).toBe('not_found');
    expect((await rejectionOf(conversations.close('ghost'))).code).toBe('not_found');
  });

  it('reads historical transcripts with their messages, page by page, and leaves live ones out', async () => {
    await conversations.create({ customerId: 'C1', channel: 'web' });
    await historical(sql, 'T3', 'C2', { turns: [] });
    const transcripts = await all();
    expect(transcripts.map((t) => t.id)).toEqual(['T1', 'T2', 'T3']);
    expect(transcripts[0]).toMatchObject({ source: 'historical', status: 'closed', customerId: 'C1', intent: 'order_status', origin: 'test', resolution: 'resolved' });
    expect(transcripts[0]!.messages.map((m) => [m.seq, m.role, m.direction, m.text])).toEqual([
      [1, 'customer', 'in', 'Where is my order?'],
      [2, 'agent', 'out', 'It ships tomorrow.'],
    ]);
    expect(transcripts[1]!.filled).toEqual({ order_id: 'O1' });
    expect(transcripts[1]!.intent).toBeNull();
    expect(transcripts[2]!.messages).toEqual([]);
    expect(await all(1)).toEqual(transcripts);
    expect(await all(2)).toEqual(transcripts);
    expect(await conversations.count('historical')).toBe(3);
    expect(await conversations.count('live')).toBe(1);
  });

  it('writes a message in a caller’s transaction, or not at all', async () => {
    const c = await conversations.create({ customerId: 'C1', channel: 'web' });
    await expect(
      sql.transaction(async (tx) => {
        await conversations.appendMessage(c.id, { role: 'customer', text: 'lost?' }, tx);
        throw new Error('crash');
      }),
    ).rejects.toThrow(/crash/);
    expect(await conversations.transcript(c.id)).toEqual([]);
    expect((await conversations.get(c.id))!.updatedAt).toBe('2026-01-01T10:00:00.000Z');
  });
});
