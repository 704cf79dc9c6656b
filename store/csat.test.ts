import { beforeEach, expect, it } from 'vitest';
import { CsatRepo } from './csat.js';
import { isStoreError } from './errors.js';
import type { Sql } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { clock } from '../testing/store-helpers.js';
import { addAgent, addConversation, addCustomer, addTicket } from '../testing/store-rows.js';

// CSAT ratings on both engines: one per resolution, updates, refusals, averages per agent.

describeEngines('CsatRepo', (engine) => {
  let sql: Sql;
  let csat: CsatRepo;
  let c: ReturnType<typeof clock>;
  let convs = 0;

  beforeEach(async () => {
    c = clock();
    sql = await engine.fresh();
    csat = new CsatRepo(sql, c.now);
    await addCustomer(sql, 'C1', { name: 'Priya Sharma' });
    await addAgent(sql, 'A1', 'Anna');
    await addAgent(sql, 'A2', 'Ravi');
  });

  const count = async () => Number((await sql.get<{ n: number }>('SELECT count(*) AS n FROM csat_ratings'))!.n);

  const openChat = async () => {
    const id = `conv-${++convs}`;
    await addConversation(sql, id, 'C1');
    return id;
  };

  /** A conversation whose hand-off `agentId` resolved (now, on the clock); returns its ids. */
  const resolvedChat = async (agentId: string, conversationId?: string) => {
    const conv = conversationId ?? (await openChat());
    c.advance(1000);
    const ticketId = await addTicket(sql, conv, { customerId: 'C1', agentId, resolvedAt: new Date(c.now()).toISOString() });
    return { conversationId: conv, ticketId };
  };

  it('stores a rating with the conversation, the agent who resolved it and no team, and a second answer updates it', async () => {
    const { conversationId, ticketId } = await resolvedChat('A1');
    const first = await csat.record({ conversationId, rating: 4, comment: '  Quick and kind  ', channel: 'web' });
    expect(first).toMatchObject({ ticketId, conversationId, agentId: 'A1', teamId: null, rating: 4, comment: 'Quick and kind', channel: 'web' });
    c.advance(5000);
    // Rating again without a comment keeps the comment; with one, it replaces it.
    const second = await csat.record({ conversationId, ticketId, rating: 5, channel: 'web' });
    expect(second).toMatchObject({ id: first.id, rating: 5, comment: 'Quick and kind', createdAt: first.createdAt });
    expect(second.updatedAt > first.updatedAt).toBe(true);
    expect(await csat.record({ conversationId, rating: 5, comment: '', channel: 'messenger' })).toMatchObject({ comment: null, channel: 'messenger' });
    expect(await csat.forConversation(conversationId)).toHaveLength(1);
    expect(await csat.forTicket(ticketId)).toMatchObject({ rating: 5, channel: 'messenger' });
    expect(await csat.forTicket(ticketId + 1000)).toBeUndefined();
    expect(await count()).toBe(1);
  });

  it('refuses a conversation never resolved, a ticket of another conversation, and ratings outside 1–5', async () => {
    const open = await openChat();
    await expect(csat.record({ conversationId: open, rating: 4, channel: 'web' })).rejects.toThrow(/no resolved chat/);
    // Assigned (not yet resolved) is not rateable either, nor returned to the bot.
    const assigned = await addTicket(sql, open, { agentId: 'A1' });
    await expect(csat.record({ conversationId: open, rating: 4, channel: 'web' })).rejects.toThrow(/no resolved chat/);
    await sql.run("UPDATE handoff_tickets SET status = 'returned' WHERE id = ?", [assigned]);
    const refused = await csat.record({ conversationId: open, ticketId: assigned, rating: 4, channel: 'web' }).catch((e: unknown) => e);
    expect(isStoreError(refused, 'invalid_transition')).toBe(true);
    const other = await resolvedChat('A2');
    await expect(csat.record({ conversationId: open, ticketId: other.ticketId, rating: 4, channel: 'web' })).rejects.toThrow(/no resolved chat/);
    for (const rating of [0, 6, 3.5, Number.NaN]) await expect(csat.record({ conversationId: other.conversationId, rating, channel: 'web' })).rejects.toThrow(/1 to 5/);
    await expect(csat.record({ conversationId: other.conversationId, rating: 3, comment: 'x'.repeat(1001), channel: 'web' })).rejects.toThrow(/at most 1000/);
    expect(await count()).toBe(0);
    // The database refuses an out-of-range rating written around the repository.
    await expect(
      sql.run("INSERT INTO csat_ratings (ticket_id, conversation_id, rating, channel, created_at, updated_at) VALUES (?, ?, 9, 'web', 'x', 'x')", [other.ticketId, other.conversationId]),
    ).rejects.toThrow(/check/i);
  });

  it('rates each resolution of a conversation separately (the latest by default), under the team stamped on the ticket', async () => {
    const { conversationId, ticketId } = await resolvedChat('A1');
    const again = await resolvedChat('A2', conversationId);
    expect(await csat.resolution(conversationId)).toMatchObject({ ticketId: again.ticketId, agentId: 'A2' });
    expect(await csat.record({ conversationId, rating: 2, channel: 'web' })).toMatchObject({ ticketId: again.ticketId, agentId: 'A2' });
    expect(await csat.record({ conversationId, ticketId, rating: 5, channel: 'web' })).toMatchObject({ ticketId, agentId: 'A1' });
    expect((await csat.forConversation(conversationId)).map((r) => [r.ticketId, r.rating])).toEqual([
      [again.ticketId, 2],
      [ticketId, 5],
    ]);
    await sql.run("INSERT INTO teams (id, name, created_at) VALUES ('T1', 'Payments', 'x')");
    const teamChat = await openChat();
    const stamped = await addTicket(sql, teamChat, { agentId: 'A1', resolvedAt: new Date(c.now()).toISOString(), teamId: 'T1' });
    expect(await csat.record({ conversationId: teamChat, rating: 3, channel: 'web' })).toMatchObject({ ticketId: stamped, teamId: 'T1' });
  });

  it('averages per agent, best first, with the distribution, optionally since a time', async () => {
    for (const r of [5, 4, 4]) await csat.record({ conversationId: (await resolvedChat('A1')).conversationId, rating: r, channel: 'web' });
    c.advance(60_000);
    const since = c.now();
    for (const r of [2, 3]) await csat.record({ conversationId: (await resolvedChat('A2')).conversationId, rating: r, channel: 'messenger' });
    expect(await csat.averages()).toEqual([
      { agentId: 'A1', agentName: 'Anna', teamId: null, ratings: 3, average: 4.33, distribution: [0, 0, 0, 2, 1], lastAt: expect.any(String) },
      { agentId: 'A2', agentName: 'Ravi', teamId: null, ratings: 2, average: 2.5, distribution: [0, 1, 1, 0, 0], lastAt: expect.any(String) },
    ]);
    expect((await csat.averages({ sinceMs: since })).map((a) => a.agentName)).toEqual(['Ravi']);
  });
});
