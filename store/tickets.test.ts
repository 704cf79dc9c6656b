import { beforeEach, expect, it } from 'vitest';
import type { Sql } from './sql/executor.js';
import { TicketRepo } from './tickets.js';
import { describeEngines } from '../testing/engines.js';
import { clock, rejectionOf } from '../testing/store-helpers.js';
import { addAgent, addConversation, addCustomer } from '../testing/store-rows.js';

// Hand-off tickets on both engines: the queue and its positions, assignment (with skills and caps),
// the end of a ticket, time-outs, requeueing with the agents who let a chat lapse.

describeEngines('TicketRepo', (engine) => {
  let sql: Sql;
  let tickets: TicketRepo;
  let time: ReturnType<typeof clock>;
  let convs = 0;

  beforeEach(async () => {
    time = clock();
    sql = await engine.fresh();
    tickets = new TicketRepo(sql, time.now);
    await addCustomer(sql, 'C1', { name: 'Priya Sharma' });
    await addCustomer(sql, 'C2', { name: 'Arjun Mehta' });
    await addAgent(sql, 'A1', 'Ravi');
    await addAgent(sql, 'A2', 'Mei');
  });

  const conv = async (customerId: string | null = 'C1') => {
    const id = `conv-${++convs}`;
    await addConversation(sql, id, customerId);
    return id;
  };
  const handoff = async (conversationId: string) => (await sql.get<{ handoff: string; updated_at: string }>('SELECT handoff, updated_at FROM conversations WHERE id = ?', [conversationId]))!;
  const say = (conversationId: string, seq: number, role: string, text: string, sentiment: string | null = null) =>
    sql.run("INSERT INTO messages (conversation_id, seq, direction, role, channel, text, sentiment, created_at) VALUES (?, ?, ?, ?, 'web', ?, ?, ?)", [
      conversationId,
      seq,
      role === 'customer' ? 'in' : 'out',
      role,
      text,
      sentiment,
      new Date(time.now()).toISOString(),
    ]);

  it('a queue entry carries the message that led to the hand-off (not a bare request for a person, nor a later "hello?")', async () => {
    const said = (conversationId: string, seq: number, role: string, text: string, intent: string | null) =>
      sql.run("INSERT INTO messages (conversation_id, seq, direction, role, channel, text, intent, created_at) VALUES (?, ?, ?, ?, 'web', ?, ?, ?)", [
        conversationId,
        seq,
        role === 'customer' ? 'in' : 'out',
        role,
        text,
        intent,
        new Date(time.now()).toISOString(),
      ]);
    const a = await conv();
    await said(a, 1, 'customer', 'hi', 'greeting');
    await said(a, 2, 'customer', 'my refund for the broken kettle has still not come', 'get_refund');
    await said(a, 3, 'bot', 'From our Refunds page: …', null);
    await said(a, 4, 'customer', 'I want to talk to a person', 'contact_human_agent');
    const t = await tickets.create({ conversationId: a, reason: 'asked' });
    time.advance(60_000);
    await said(a, 5, 'customer', 'hello?', null);
    await said(a, 6, 'customer', 'ok', null);
    expect(await tickets.queueEntryForConversation(a)).toMatchObject({ id: t.id, request: { text: 'my refund for the broken kettle has still not come' }, lastMessage: { text: 'ok' } });
    expect((await tickets.queueEntries()).find((e) => e.id === t.id)?.request).toEqual({ text: 'my refund for the broken kettle has still not come' });

    // Nothing but the request itself: that message. Nothing before the ticket: none.
    const b = await conv('C2');
    await said(b, 1, 'customer', 'hello', 'greeting');
    await said(b, 2, 'customer', 'Talk to a person', 'contact_human_agent');
    await tickets.create({ conversationId: b, reason: 'asked' });
    expect((await tickets.queueEntryForConversation(b))?.request).toEqual({ text: 'Talk to a person' });
    const c = await conv(null);
    await tickets.create({ conversationId: c, reason: 'needs_human' });
    time.advance(1_000);
    await said(c, 1, 'customer', 'hello?', null);
    expect(await tickets.queueEntryForConversation(c)).toMatchObject({ request: null, lastMessage: { text: 'hello?' } });
  });

  it("a queue entry carries the sentiments of the customer's latest three read messages, oldest first", async () => {
    const a = await conv();
    await say(a, 1, 'customer', 'thanks for the quick delivery last time', 'positive');
    await say(a, 2, 'customer', 'this is the third time my refund failed!!', 'negative');
    await say(a, 3, 'bot', 'I am sorry …', null);
    await say(a, 4, 'customer', 'agent please', 'neutral');
    await tickets.create({ conversationId: a, reason: 'asked' });
    // Written after a person took the chat: not read, no sentiment, not counted.
    await say(a, 5, 'customer', 'hello?', null);
    expect((await tickets.queueEntryForConversation(a))?.recentSentiments).toEqual(['positive', 'negative', 'neutral']);
    expect((await tickets.queueEntries()).find((e) => e.conversationId === a)?.recentSentiments).toEqual(['positive', 'negative', 'neutral']);
    const b = await conv('C2');
    await tickets.create({ conversationId: b, reason: 'asked' });
    expect((await tickets.queueEntryForConversation(b))?.recentSentiments).toEqual([]);
  });

  it('queues tickets by priority then age, with positions and wait times', async () => {
    const a = await tickets.create({ conversationId: await conv(), reason: 'wants a human', skill: 'orders' });
    time.advance(10_000);
    const b = await tickets.create({ conversationId: await conv('C2'), reason: 'payment failed', skill: 'payments' });
    time.advance(10_000);
    const c = await tickets.create({ conversationId: await conv(null), reason: 'angry customer', priority: 5 });
    time.advance(5_000);
    expect(a).toMatchObject({ status: 'pending', customerId: 'C1', skill: 'orders', priority: 0, agentId: null, createdAt: '2026-01-01T10:00:00.000Z' });
    expect(await handoff(a.conversationId)).toEqual({ handoff: 'pending', updated_at: '2026-01-01T10:00:00.000Z' });
    expect((await tickets.queue()).map((t) => [t.id, t.position, t.waitMs])).toEqual([
      [c.id, 1, 5_000],
      [a.id, 2, 25_000],
      [b.id, 3, 15_000],
    ]);
    expect(await tickets.position(c.id)).toBe(1);
    expect(await tickets.position(a.id)).toBe(2);
    expect(await tickets.position(b.id)).toBe(3);
    expect(await tickets.position(9999)).toBeNull();
    // filtered by skill: payments tickets plus those needing no particular skill; positions stay global
    expect((await tickets.queue({ skills: ['payments'] })).map((t) => [t.id, t.position])).toEqual([
      [c.id, 1],
      [b.id, 3],
    ]);
    expect((await tickets.queue({ skills: [] })).map((t) => t.id)).toEqual([c.id]);
    expect((await tickets.queue({ limit: 1 })).map((t) => t.id)).toEqual([c.id]);
  });

  it('allows only one open ticket per conversation', async () => {
    const id = await conv();
    const t = await tickets.create({ conversationId: id, reason: 'help' });
    expect((await rejectionOf(tickets.create({ conversationId: id, reason: 'help again' }))).code).toBe('conflict');
    expect((await tickets.openForConversation(id))?.id).toBe(t.id);
    await tickets.returnToBot(t.id);
    expect(await tickets.openForConversation(id)).toBeUndefined();
    expect((await tickets.create({ conversationId: id, reason: 'help later' })).status).toBe('pending');
    expect((await rejectionOf(tickets.create({ conversationId: 'ghost', reason: 'x' }))).code).toBe('not_found');
    expect((await rejectionOf(tickets.create({ conversationId: id, reason: 'x', priority: 1.5 }))).code).toBe('invalid_input');
  });

  it('assigns, resolves and updates the conversation hand-off state, whose time never goes back', async () => {
    const a = await tickets.create({ conversationId: await conv(), reason: 'refund' });
    const b = await tickets.create({ conversationId: await conv('C2'), reason: 'refund' });
    time.advance(30_000);
    const assigned = await tickets.assign(a.id, 'A1');
    expect(assigned).toMatchObject({ status: 'assigned', agentId: 'A1', assignedAt: new Date(time.now()).toISOString() });
    expect(await handoff(a.conversationId)).toEqual({ handoff: 'agent', updated_at: '2026-01-01T10:00:30.000Z' });
    expect(await tickets.position(a.id)).toBeNull();
    expect(await tickets.position(b.id)).toBe(1); // moved up
    expect((await tickets.listForAgent('A1')).map((t) => t.id)).toEqual([a.id]);
    expect((await rejectionOf(tickets.assign(a.id, 'A1'))).message).toMatch(/is assigned; only pending tickets can be assigned/);
    expect((await rejectionOf(tickets.assign(b.id, 'ghost-agent'))).code).toBe('not_found');
    expect((await rejectionOf(tickets.assign(9999, 'A1'))).code).toBe('not_found');
    expect((await rejectionOf(tickets.resolve(b.id))).message).toMatch(/is pending; only assigned tickets can become resolved/);
    // A conversation written to later than the clock keeps its time.
    await sql.run("UPDATE conversations SET updated_at = '2030-01-01T00:00:00.000Z' WHERE id = ?", [a.conversationId]);
    const resolved = await tickets.resolve(a.id, 'Refund issued');
    expect(resolved).toMatchObject({ status: 'resolved', summary: 'Refund issued', resolvedAt: '2026-01-01T10:00:30.000Z' });
    expect(await handoff(a.conversationId)).toEqual({ handoff: 'none', updated_at: '2030-01-01T00:00:00.000Z' });
    expect((await tickets.listForAgent('A1', 'resolved')).map((t) => t.id)).toEqual([a.id]);
    expect((await rejectionOf(tickets.returnToBot(a.id))).code).toBe('invalid_transition');
    expect((await rejectionOf(tickets.resolve(9999))).code).toBe('not_found');
    expect((await rejectionOf(tickets.resolve(1.5))).code).toBe('not_found');
    expect(await tickets.get(1.5)).toBeUndefined();
  });

  it('claims the next ticket matching the agent’s skills', async () => {
    const orders = await tickets.create({ conversationId: await conv(), reason: 'where is it', skill: 'orders', priority: 9 });
    const payments = await tickets.create({ conversationId: await conv('C2'), reason: 'card declined', skill: 'payments' });
    expect((await tickets.claimNext('A2', ['payments']))?.id).toBe(payments.id);
    expect(await tickets.claimNext('A2', ['payments'])).toBeUndefined();
    expect((await tickets.claimNext('A2'))?.id).toBe(orders.id); // no skill filter
    expect(await tickets.openCounts(['A2', 'A1'])).toEqual(new Map([['A2', 2]]));
  });

  it('lists every pending position from one query, and queue entries with the customer and their last message', async () => {
    const a = await tickets.create({ conversationId: await conv(), reason: 'refund' });
    time.advance(1_000);
    const b = await tickets.create({ conversationId: await conv('C2'), reason: 'late parcel' });
    time.advance(1_000);
    const c = await tickets.create({ conversationId: await conv(null), reason: 'angry', priority: 2 });
    time.advance(4_000);
    expect(await tickets.positions()).toEqual([
      { id: c.id, conversationId: c.conversationId, position: 1 },
      { id: a.id, conversationId: a.conversationId, position: 2 },
      { id: b.id, conversationId: b.conversationId, position: 3 },
    ]);
    // the same positions as position(id), one count per ticket
    for (const p of await tickets.positions()) expect(await tickets.position(p.id)).toBe(p.position);

    await say(a.conversationId, 1, 'customer', 'first', 'neutral');
    await say(a.conversationId, 2, 'customer', 'where is my refund?', 'negative');
    await say(a.conversationId, 3, 'bot', 'Let me get a person.');
    await sql.run('UPDATE customers SET vip = 1 WHERE id = ?', ['C2']);
    const entries = await tickets.queueEntries();
    expect(entries.map((e) => [e.id, e.position, e.waitMs, e.customerName, e.vip, e.lastMessage])).toEqual([
      [c.id, 1, 4_000, null, false, null],
      [a.id, 2, 6_000, 'Priya Sharma', false, { text: 'where is my refund?', sentiment: 'negative' }],
      [b.id, 3, 5_000, 'Arjun Mehta', true, null],
    ]);
    expect((await tickets.queueEntries({ limit: 1 })).map((e) => e.id)).toEqual([c.id]);

    // one-row look-ups carry no position (that would be queue-wide work)
    expect(await tickets.queueEntryForConversation(a.conversationId)).toMatchObject({ id: a.id, position: null, lastMessage: { text: 'where is my refund?' } });
    expect((await tickets.queueEntriesFor([b.id, 9999, a.id, 0.5])).map((e) => [e.id, e.position])).toEqual([
      [a.id, null],
      [b.id, null],
    ]);
    expect(await tickets.queueEntriesFor([])).toEqual([]);

    await tickets.assign(c.id, 'A1');
    expect((await tickets.positions()).map((p) => [p.id, p.position])).toEqual([
      [a.id, 1],
      [b.id, 2],
    ]);
    expect(await tickets.queueEntryForConversation(c.conversationId)).toBeUndefined();
    expect(await tickets.queueEntriesFor([c.id])).toEqual([]);
  });

  it('times out tickets nobody picked up', async () => {
    const old = await tickets.create({ conversationId: await conv(), reason: 'x' });
    time.advance(10 * 60_000);
    const fresh = await tickets.create({ conversationId: await conv('C2'), reason: 'y' });
    const expired = await tickets.expirePending(5 * 60_000);
    expect(expired.map((t) => [t.id, t.status])).toEqual([[old.id, 'timeout']]);
    expect((await tickets.get(fresh.id))!.status).toBe('pending');
    expect((await handoff(old.conversationId)).handoff).toBe('none');
    expect((await rejectionOf(tickets.timeout(old.id))).code).toBe('invalid_transition');
  });

  it('estimates the wait from how long the last day\'s tickets waited for an agent (median), not before there are a few', async () => {
    expect(await tickets.medianPickupMs({ now: time.now() })).toBeNull();
    for (const waitMin of [2, 4, 30]) {
      const t = await tickets.create({ conversationId: await conv(), reason: 'help' });
      time.advance(waitMin * 60_000);
      await tickets.assign(t.id, 'A1');
    }
    expect(await tickets.medianPickupMs({ now: time.now() })).toBeCloseTo(4 * 60_000, -1);
    // A day later those no longer count.
    expect(await tickets.medianPickupMs({ now: time.now() + 25 * 3600_000 })).toBeNull();
  });

  it('refuses an assignment over the agent’s cap', async () => {
    const t1 = await tickets.create({ conversationId: await conv(), reason: 'x' });
    const t2 = await tickets.create({ conversationId: await conv('C2'), reason: 'y' });
    await tickets.assign(t1.id, 'A1', { maxOpen: 1 });
    expect(await tickets.openCounts(['A1', 'ghost'])).toEqual(new Map([['A1', 1]]));
    expect(await tickets.openCounts([])).toEqual(new Map());
    const err = await rejectionOf(tickets.assign(t2.id, 'A1', { maxOpen: 1 }));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/already have 1 open chat/);
    expect((await tickets.get(t2.id))!.status).toBe('pending');
  });

  it('requeues an unanswered assignment (waiting from now) and remembers each agent who let it lapse once', async () => {
    const t1 = await tickets.create({ conversationId: await conv(), reason: 'x' });
    const t2 = await tickets.create({ conversationId: await conv('C2'), reason: 'y' });
    await tickets.assign(t1.id, 'A1');
    await tickets.assign(t2.id, 'A1');
    time.advance(1_000);
    await say(t2.conversationId, 1, 'agent', 'Hi, looking now');
    time.advance(60_000);
    expect(await tickets.unanswered(120_000)).toEqual([]);
    expect((await tickets.unanswered(60_000)).map((t) => t.id)).toEqual([t1.id]);
    expect((await rejectionOf(tickets.requeue(t1.id, 'A2'))).message).toMatch(/is assigned with A1; only a ticket assigned to A2/);
    expect(await tickets.requeue(t1.id, 'A1')).toMatchObject({ status: 'pending', agentId: null, assignedAt: null });
    expect((await handoff(t1.conversationId)).handoff).toBe('pending');
    expect((await tickets.pendingForAssignment()).map((t) => [t.id, t.lapsedAgents])).toEqual([[t1.id, ['A1']]]);
    // the queue time-out counts from when it came back, not from when it was opened
    expect(await tickets.expirePending(30_000)).toEqual([]);
    await tickets.assign(t1.id, 'A2');
    await tickets.requeue(t1.id, 'A2');
    await tickets.assign(t1.id, 'A1');
    await tickets.requeue(t1.id, 'A1');
    expect((await tickets.pendingForAssignment())[0]!.lapsedAgents).toEqual(['A1', 'A2']);
    expect((await rejectionOf(tickets.requeue(9999, 'A1'))).code).toBe('not_found');
  });
});
