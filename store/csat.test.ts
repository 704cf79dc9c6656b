import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError, type Agent, type Store } from './index.js';
import { clock, tempStore } from '../testing/store-helpers.js';

// CSAT ratings on a real SQLite file: one per resolution, updates, refusals, averages per agent.

describe('CsatRepo', () => {
  let t: ReturnType<typeof tempStore>;
  let store: Store;
  let c: ReturnType<typeof clock>;
  let anna: Agent;
  let ravi: Agent;

  beforeEach(async () => {
    c = clock();
    t = tempStore(c.now);
    store = t.store;
    store.customers.create({ id: 'C1', name: 'Priya Sharma' });
    anna = await store.agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw-123456' });
    ravi = await store.agents.create({ name: 'Ravi', email: 'ravi@example.com', password: 'pw-123456' });
  });
  afterEach(() => t.cleanup());

  /** A conversation whose hand-off `agent` accepted and resolved; returns its ids. */
  const resolvedChat = (agent: Agent) => {
    const conversationId = store.conversations.create({ customerId: 'C1', channel: 'web' }).id;
    const ticket = store.tickets.create({ conversationId, reason: 'asked' });
    store.tickets.assign(ticket.id, agent.id);
    c.advance(1000);
    store.tickets.resolve(ticket.id, 'done');
    return { conversationId, ticketId: ticket.id };
  };

  it('stores a rating with the conversation, the agent who resolved it and no team, and a second answer updates it', () => {
    const { conversationId, ticketId } = resolvedChat(anna);
    const first = store.csat.record({ conversationId, rating: 4, comment: '  Quick and kind  ', channel: 'web' });
    expect(first).toMatchObject({ ticketId, conversationId, agentId: anna.id, teamId: null, rating: 4, comment: 'Quick and kind', channel: 'web' });
    c.advance(5000);
    // Rating again without a comment keeps the comment; with one, it replaces it.
    const second = store.csat.record({ conversationId, ticketId, rating: 5, channel: 'web' });
    expect(second).toMatchObject({ id: first.id, rating: 5, comment: 'Quick and kind', createdAt: first.createdAt });
    expect(second.updatedAt > first.updatedAt).toBe(true);
    expect(store.csat.record({ conversationId, rating: 5, comment: '', channel: 'messenger' })).toMatchObject({ comment: null, channel: 'messenger' });
    expect(store.csat.forConversation(conversationId)).toHaveLength(1);
    expect(t.db.prepare('SELECT count(*) AS n FROM csat_ratings').get()).toEqual({ n: 1 });
  });

  it('refuses a conversation never resolved, a ticket of another conversation, and ratings outside 1–5', () => {
    const open = store.conversations.create({ customerId: 'C1', channel: 'web' }).id;
    expect(() => store.csat.record({ conversationId: open, rating: 4, channel: 'web' })).toThrow(/no resolved chat/);
    // Assigned (not yet resolved) is not rateable either, nor returned to the bot.
    const ticket = store.tickets.create({ conversationId: open, reason: 'asked' });
    store.tickets.assign(ticket.id, anna.id);
    expect(() => store.csat.record({ conversationId: open, rating: 4, channel: 'web' })).toThrow(/no resolved chat/);
    store.tickets.returnToBot(ticket.id);
    try {
      store.csat.record({ conversationId: open, ticketId: ticket.id, rating: 4, channel: 'web' });
      expect.unreachable();
    } catch (e) {
      expect(isStoreError(e, 'invalid_transition')).toBe(true);
    }
    const other = resolvedChat(ravi);
    expect(() => store.csat.record({ conversationId: open, ticketId: other.ticketId, rating: 4, channel: 'web' })).toThrow(/no resolved chat/);
    for (const rating of [0, 6, 3.5, Number.NaN]) expect(() => store.csat.record({ conversationId: other.conversationId, rating, channel: 'web' })).toThrow(/1 to 5/);
    expect(() => store.csat.record({ conversationId: other.conversationId, rating: 3, comment: 'x'.repeat(1001), channel: 'web' })).toThrow(/at most 1000/);
    expect(t.db.prepare('SELECT count(*) AS n FROM csat_ratings').get()).toEqual({ n: 0 });
    // The database refuses an out-of-range rating written around the repository.
    expect(() => t.db.prepare("INSERT INTO csat_ratings (ticket_id, conversation_id, rating, channel, created_at, updated_at) VALUES (?, ?, 9, 'web', 'x', 'x')").run(other.ticketId, other.conversationId)).toThrow(/CHECK/);
  });

  it('rates each resolution of a conversation separately (the latest by default)', () => {
    const { conversationId, ticketId } = resolvedChat(anna);
    const again = store.tickets.create({ conversationId, reason: 'asked' });
    store.tickets.assign(again.id, ravi.id);
    c.advance(1000);
    store.tickets.resolve(again.id);
    expect(store.csat.record({ conversationId, rating: 2, channel: 'web' })).toMatchObject({ ticketId: again.id, agentId: ravi.id });
    expect(store.csat.record({ conversationId, ticketId, rating: 5, channel: 'web' })).toMatchObject({ ticketId, agentId: anna.id });
    expect(store.csat.forConversation(conversationId).map((r) => [r.ticketId, r.rating])).toEqual([
      [again.id, 2],
      [ticketId, 5],
    ]);
  });

  it('averages per agent, best first, with the distribution, optionally since a time', () => {
    for (const r of [5, 4, 4]) store.csat.record({ conversationId: resolvedChat(anna).conversationId, rating: r, channel: 'web' });
    c.advance(60_000);
    const since = c.now();
    for (const r of [2, 3]) store.csat.record({ conversationId: resolvedChat(ravi).conversationId, rating: r, channel: 'messenger' });
    expect(store.csat.averages()).toEqual([
      { agentId: anna.id, agentName: 'Anna', teamId: null, ratings: 3, average: 4.33, distribution: [0, 0, 0, 2, 1], lastAt: expect.any(String) },
      { agentId: ravi.id, agentName: 'Ravi', teamId: null, ratings: 2, average: 2.5, distribution: [0, 1, 1, 0, 0], lastAt: expect.any(String) },
    ]);
    expect(store.csat.averages({ sinceMs: since }).map((a) => a.agentName)).toEqual(['Ravi']);
  });
});
