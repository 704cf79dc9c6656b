import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './index.js';
import { clock, errorOf, seededStore } from '../testing/store-helpers.js';

let ctx: Awaited<ReturnType<typeof seededStore>>;
let store: Store;
let time: ReturnType<typeof clock>;

beforeEach(async () => {
  time = clock();
  ctx = await seededStore(undefined, time.now);
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

const conv = (customerId: string | null = 'C1') => store.conversations.create({ customerId, channel: 'web' }).id;

describe('TicketRepo', () => {
  it('queues tickets by priority then age, with positions and wait times', () => {
    const a = store.tickets.create({ conversationId: conv(), reason: 'wants a human', skill: 'orders' });
    time.advance(10_000);
    const b = store.tickets.create({ conversationId: conv('C2'), reason: 'payment failed', skill: 'payments' });
    time.advance(10_000);
    const c = store.tickets.create({ conversationId: conv(null), reason: 'angry customer', priority: 5 });
    time.advance(5_000);
    expect(a).toMatchObject({ status: 'pending', customerId: 'C1', skill: 'orders', priority: 0, agentId: null });
    expect(store.conversations.get(a.conversationId)!.handoff).toBe('pending');
    const q = store.tickets.queue();
    expect(q.map((t) => [t.id, t.position, t.waitMs])).toEqual([
      [c.id, 1, 5_000],
      [a.id, 2, 25_000],
      [b.id, 3, 15_000],
    ]);
    expect(store.tickets.position(c.id)).toBe(1);
    expect(store.tickets.position(a.id)).toBe(2);
    expect(store.tickets.position(b.id)).toBe(3);
    // filtered by skill: payments tickets plus those needing no particular skill; positions stay global
    expect(store.tickets.queue({ skills: ['payments'] }).map((t) => [t.id, t.position])).toEqual([
      [c.id, 1],
      [b.id, 3],
    ]);
  });

  it('allows only one open ticket per conversation', () => {
    const id = conv();
    const t = store.tickets.create({ conversationId: id, reason: 'help' });
    const err = errorOf(() => store.tickets.create({ conversationId: id, reason: 'help again' }));
    expect(err.code).toBe('conflict');
    expect(store.tickets.openForConversation(id)?.id).toBe(t.id);
    store.tickets.returnToBot(t.id);
    expect(store.tickets.openForConversation(id)).toBeUndefined();
    expect(store.tickets.create({ conversationId: id, reason: 'help later' }).status).toBe('pending');
    expect(errorOf(() => store.tickets.create({ conversationId: 'ghost', reason: 'x' })).code).toBe('not_found');
  });

  it('assigns, resolves and updates the conversation hand-off state', async () => {
    const agent = await store.agents.create({ name: 'Ravi', email: 'ravi@example.com', password: 'pw-123456', skills: ['orders'] });
    const a = store.tickets.create({ conversationId: conv(), reason: 'refund' });
    const b = store.tickets.create({ conversationId: conv('C2'), reason: 'refund' });
    time.advance(30_000);
    const assigned = store.tickets.assign(a.id, agent.id);
    expect(assigned).toMatchObject({ status: 'assigned', agentId: agent.id, assignedAt: new Date(time.now()).toISOString() });
    expect(store.conversations.get(a.conversationId)!.handoff).toBe('agent');
    expect(store.tickets.position(a.id)).toBeNull();
    expect(store.tickets.position(b.id)).toBe(1); // moved up
    expect(store.tickets.listForAgent(agent.id).map((t) => t.id)).toEqual([a.id]);
    expect(errorOf(() => store.tickets.assign(a.id, agent.id)).message).toMatch(/is assigned; only pending tickets can be assigned/);
    expect(errorOf(() => store.tickets.assign(b.id, 'ghost-agent')).code).toBe('not_found');
    expect(errorOf(() => store.tickets.resolve(b.id)).message).toMatch(/is pending; only assigned tickets can become resolved/);
    const resolved = store.tickets.resolve(a.id, 'Refund issued');
    expect(resolved).toMatchObject({ status: 'resolved', summary: 'Refund issued' });
    expect(resolved.resolvedAt).not.toBeNull();
    expect(store.conversations.get(a.conversationId)!.handoff).toBe('none');
    expect(errorOf(() => store.tickets.returnToBot(a.id)).code).toBe('invalid_transition');
    expect(errorOf(() => store.tickets.resolve(9999)).code).toBe('not_found');
  });

  it('claims the next ticket matching the agent’s skills', async () => {
    const agent = await store.agents.create({ name: 'Mei', email: 'mei@example.com', password: 'pw-123456', skills: ['payments'] });
    const orders = store.tickets.create({ conversationId: conv(), reason: 'where is it', skill: 'orders', priority: 9 });
    const payments = store.tickets.create({ conversationId: conv('C2'), reason: 'card declined', skill: 'payments' });
    expect(store.tickets.claimNext(agent.id, agent.skills)?.id).toBe(payments.id);
    expect(store.tickets.claimNext(agent.id, agent.skills)).toBeUndefined();
    expect(store.tickets.claimNext(agent.id)?.id).toBe(orders.id); // no skill filter
  });

  it('lists every pending position from one query, and queue entries with the customer and their last message', async () => {
    const agent = await store.agents.create({ name: 'Ravi', email: 'ravi@example.com', password: 'pw-123456' });
    const a = store.tickets.create({ conversationId: conv(), reason: 'refund' });
    time.advance(1_000);
    const b = store.tickets.create({ conversationId: conv('C2'), reason: 'late parcel' });
    time.advance(1_000);
    const c = store.tickets.create({ conversationId: conv(null), reason: 'angry', priority: 2 });
    time.advance(4_000);
    expect(store.tickets.positions()).toEqual([
      { id: c.id, conversationId: c.conversationId, position: 1 },
      { id: a.id, conversationId: a.conversationId, position: 2 },
      { id: b.id, conversationId: b.conversationId, position: 3 },
    ]);
    // the same positions as position(id), one count per ticket
    for (const p of store.tickets.positions()) expect(store.tickets.position(p.id)).toBe(p.position);

    store.conversations.appendMessage(a.conversationId, { role: 'customer', text: 'first', sentiment: 'neutral' });
    store.conversations.appendMessage(a.conversationId, { role: 'customer', text: 'where is my refund?', sentiment: 'negative' });
    store.conversations.appendMessage(a.conversationId, { role: 'bot', text: 'Let me get a person.' });
    const entries = store.tickets.queueEntries();
    expect(entries.map((e) => [e.id, e.position, e.waitMs, e.customerName, e.lastMessage])).toEqual([
      [c.id, 1, 4_000, null, null],
      [a.id, 2, 6_000, (await store.customers.get('C1'))!.name, { text: 'where is my refund?', sentiment: 'negative' }],
      [b.id, 3, 5_000, (await store.customers.get('C2'))!.name, null],
    ]);
    expect(store.tickets.queueEntries({ limit: 1 }).map((e) => e.id)).toEqual([c.id]);

    // one-row look-ups carry no position (that would be queue-wide work)
    expect(store.tickets.queueEntryForConversation(a.conversationId)).toMatchObject({ id: a.id, position: null, lastMessage: { text: 'where is my refund?' } });
    expect(store.tickets.queueEntriesFor([b.id, 9999, a.id]).map((e) => [e.id, e.position])).toEqual([
      [a.id, null],
      [b.id, null],
    ]);
    expect(store.tickets.queueEntriesFor([])).toEqual([]);

    store.tickets.assign(c.id, agent.id);
    expect(store.tickets.positions().map((p) => [p.id, p.position])).toEqual([
      [a.id, 1],
      [b.id, 2],
    ]);
    expect(store.tickets.queueEntryForConversation(c.conversationId)).toBeUndefined();
    expect(store.tickets.queueEntriesFor([c.id])).toEqual([]);
  });

  it('times out tickets nobody picked up', () => {
    const old = store.tickets.create({ conversationId: conv(), reason: 'x' });
    time.advance(10 * 60_000);
    const fresh = store.tickets.create({ conversationId: conv('C2'), reason: 'y' });
    const expired = store.tickets.expirePending(5 * 60_000);
    expect(expired.map((t) => [t.id, t.status])).toEqual([[old.id, 'timeout']]);
    expect(store.tickets.get(fresh.id)!.status).toBe('pending');
    expect(store.conversations.get(old.conversationId)!.handoff).toBe('none');
    expect(errorOf(() => store.tickets.timeout(old.id)).code).toBe('invalid_transition');
  });

  it('estimates the wait from how long the last day\'s tickets waited for an agent (median), not before there are a few', async () => {
    const agent = await store.agents.create({ name: 'Ravi', email: 'ravi@example.com', password: 'pw-123456', skills: ['orders'] });
    expect(store.tickets.medianPickupMs({ now: time.now() })).toBeNull();
    for (const waitMin of [2, 4, 30]) {
      const t = store.tickets.create({ conversationId: conv(), reason: 'help' });
      time.advance(waitMin * 60_000);
      store.tickets.assign(t.id, agent.id);
    }
    expect(store.tickets.medianPickupMs({ now: time.now() })).toBeCloseTo(4 * 60_000, -3);
    // A day later those no longer count.
    expect(store.tickets.medianPickupMs({ now: time.now() + 25 * 3600_000 })).toBeNull();
  });
});
