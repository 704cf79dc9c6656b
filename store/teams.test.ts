import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './index.js';
import type { Sql } from './sql/executor.js';
import { TeamRepo } from './teams.js';
import { describeEngines } from '../testing/engines.js';
import { clock, errorOf, rejectionOf, seededStore } from '../testing/store-helpers.js';
import { addAgent, addConversation, addCustomer, addTicket } from '../testing/store-rows.js';

// Teams, VIP customers and the desk's ticket bookkeeping (issue #18 items 2-3) on a real SQLite file.

let ctx: Awaited<ReturnType<typeof seededStore>>;
let store: Store;
let time: ReturnType<typeof clock>;

beforeEach(async () => {
  time = clock();
  ctx = await seededStore(undefined, time.now);
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

const conv = async (customerId: string | null = 'C1') => (await store.conversations.create({ customerId, channel: 'web' })).id;
const agent = (name: string, skills: string[] = []) => store.agents.create({ name, email: `${name.toLowerCase()}@example.com`, password: 'pw-123456789', skills });

describeEngines('TeamRepo', (engine) => {
  let sql: Sql;
  let teams: TeamRepo;
  beforeEach(async () => {
    sql = await engine.fresh();
    teams = new TeamRepo(sql, time.now);
  });
  const addAgentWith = async (id: string, name: string, skills: string[] = []) => {
    await addAgent(sql, id, name);
    await sql.run('UPDATE agents SET skills = ? WHERE id = ?', [JSON.stringify(skills), id]);
    return { id };
  };

  it('creates teams with unique names and clean skills, renames, changes skills and deletes them', async () => {
    const t = await teams.create({ name: ' Payments ', skills: ['payments', ' payments', 'refunds'] });
    expect(t).toMatchObject({ name: 'Payments', skills: ['payments', 'refunds'], memberIds: [] });
    expect(await teams.get(t.id)).toEqual(t);
    expect((await rejectionOf(teams.create({ name: 'payments' }))).code).toBe('conflict');
    expect((await rejectionOf(teams.create({ name: '  ' }))).code).toBe('invalid_input');
    expect((await rejectionOf(teams.create({ name: 'X', skills: [''] }))).code).toBe('invalid_input');
    expect((await rejectionOf(teams.create({ name: 'x'.repeat(121) }))).code).toBe('too_large');
    const o = await teams.create({ name: 'orders', skills: ['orders'] });
    expect((await teams.list()).map((x) => x.name)).toEqual(['orders', 'Payments']);
    expect((await teams.getByName('PAYMENTS'))?.id).toBe(t.id);
    expect((await teams.rename(o.id, 'Order desk')).name).toBe('Order desk');
    expect((await rejectionOf(teams.rename(o.id, 'payments'))).code).toBe('conflict');
    expect((await teams.setSkills(o.id, ['orders', 'returns'])).skills).toEqual(['orders', 'returns']);
    expect((await rejectionOf(teams.setSkills('ghost', []))).code).toBe('not_found');
    expect(await teams.delete(o.id)).toBe(true);
    expect(await teams.delete(o.id)).toBe(false);
    expect(await teams.get(o.id)).toBeUndefined();
  });

  it('members: added once, listed by name, removed; an agent\'s skills are its own plus its teams\'', async () => {
    const pay = await teams.create({ name: 'Payments', skills: ['payments'] });
    const prod = await teams.create({ name: 'Product', skills: ['product'] });
    const zoe = await addAgentWith('A-zoe', 'Zoe', ['orders']);
    const bo = await addAgentWith('A-bo', 'Bo');
    await teams.addMember(pay.id, zoe.id);
    await teams.addMember(pay.id, zoe.id);
    await teams.addMember(pay.id, bo.id);
    expect((await teams.addMember(prod.id, bo.id)).memberIds).toEqual([bo.id]);
    expect((await teams.get(pay.id))!.memberIds).toEqual([bo.id, zoe.id]);
    expect((await teams.list()).map((t) => [t.name, t.memberIds])).toEqual([
      ['Payments', [bo.id, zoe.id]],
      ['Product', [bo.id]],
    ]);
    expect((await teams.teamsOf(bo.id)).map((t) => t.name)).toEqual(['Payments', 'Product']);
    const of = await teams.teamsOfAgents([zoe.id, bo.id, 'ghost']);
    expect([...of.entries()].map(([a, ts]) => [a, ts.map((t) => t.name)]).sort()).toEqual([
      [bo.id, ['Payments', 'Product']],
      [zoe.id, ['Payments']],
    ]);
    expect((await rejectionOf(teams.addMember(pay.id, 'ghost'))).code).toBe('not_found');
    const skills = await teams.skillsOf([zoe.id, bo.id, 'ghost']);
    expect([...skills.get(zoe.id)!].sort()).toEqual(['orders', 'payments']);
    expect([...skills.get(bo.id)!].sort()).toEqual(['payments', 'product']);
    expect(skills.has('ghost')).toBe(false);
    await teams.removeMember(prod.id, bo.id);
    expect([...(await teams.skillsOf([bo.id])).get(bo.id)!]).toEqual(['payments']);
    // deleting a team or an agent removes the membership
    await teams.delete(pay.id);
    expect((await teams.skillsOf([bo.id])).get(bo.id)).toBeUndefined();
    expect(await teams.teamsOf(bo.id)).toEqual([]);
  });

  it('stamps a ticket with its agent\'s team that has the ticket\'s skill, else the first by name, else none', async () => {
    const general = await teams.create({ name: 'a general', skills: ['orders'] });
    const pay = await teams.create({ name: 'Payments', skills: ['payments'] });
    const ravi = await addAgentWith('A-ravi', 'Ravi');
    const lone = await addAgentWith('A-lone', 'Lone');
    await teams.addMember(general.id, ravi.id);
    await teams.addMember(pay.id, ravi.id);
    await addCustomer(sql, 'C9');
    let n = 0;
    // One open ticket per conversation: each ticket here has its own.
    const ticket = async (over: Parameters<typeof addTicket>[2]) => {
      const conv = `conv-${++n}`;
      await addConversation(sql, conv, 'C9');
      return addTicket(sql, conv, over);
    };
    const teamOf = async (id: number) => (await sql.get<{ team_id: string | null }>('SELECT team_id FROM handoff_tickets WHERE id = ?', [id]))!.team_id;
    const payments = await ticket({ agentId: ravi.id });
    await sql.run("UPDATE handoff_tickets SET skill = 'payments' WHERE id = ?", [payments]);
    await teams.stampTicket(payments);
    expect(await teamOf(payments)).toBe(pay.id);
    const other = await ticket({ agentId: ravi.id });
    await teams.stampTicket(other);
    expect(await teamOf(other)).toBe(general.id);
    const alone = await ticket({ agentId: lone.id, teamId: pay.id });
    await teams.stampTicket(alone);
    expect(await teamOf(alone)).toBeNull();
    const queued = await ticket({ teamId: pay.id });
    await teams.stampTicket(queued);
    expect(await teamOf(queued)).toBe(pay.id);
  });
});

describe('teams and tickets', () => {
  it('a resolved chat is rated under the resolving agent\'s team (the one with the chat\'s skill first)', async () => {
    const a = await agent('Ravi');
    const general = await store.teams.create({ name: 'A general', skills: ['orders'] });
    const pay = await store.teams.create({ name: 'Payments', skills: ['payments'] });
    await store.teams.addMember(general.id, a.id);
    await store.teams.addMember(pay.id, a.id);
    const t = await store.tickets.create({ conversationId: await conv(), reason: 'card declined', skill: 'payments' });
    await store.tickets.assign(t.id, a.id);
    await store.teams.stampTicket(t.id);
    await store.tickets.resolve(t.id);
    expect((await store.csat.record({ conversationId: t.conversationId, rating: 5, channel: 'web' })).teamId).toBe(pay.id);
    // no team: null, as before teams existed
    const lone = await agent('Lone');
    const u = await store.tickets.create({ conversationId: await conv('C2'), reason: 'x', skill: 'orders' });
    await store.tickets.assign(u.id, lone.id);
    await store.teams.stampTicket(u.id);
    await store.tickets.resolve(u.id);
    expect((await store.csat.record({ conversationId: u.conversationId, rating: 3, channel: 'web' })).teamId).toBeNull();
  });
});

describe('VIP customers', () => {
  it('are set by id or e-mail, listed, and shown in the agents\' queue', async () => {
    expect(await store.vip.isVip('C1')).toBe(false);
    expect(await store.vip.set('C1', true)).toBe('C1');
    expect(await store.vip.set((await store.customers.get('C2'))!.email!.toUpperCase(), true)).toBe('C2');
    expect((await store.vip.list()).map((c) => c.id).sort()).toEqual(['C1', 'C2']);
    await store.vip.set('C2', false);
    expect(await store.vip.isVip('C2')).toBe(false);
    expect((await rejectionOf(store.vip.set('nobody@example.org', true))).code).toBe('not_found');
    expect((await rejectionOf(store.vip.set('ghost', true))).code).toBe('not_found');
    await store.tickets.create({ conversationId: await conv('C1'), reason: 'x' });
    await store.tickets.create({ conversationId: await conv('C2'), reason: 'y' });
    expect((await store.tickets.queueEntries()).map((e) => [e.customerId, e.vip])).toEqual([['C1', true], ['C2', false]]);
  });
});

describe('assignment bookkeeping in TicketRepo', () => {
  it('counts open chats per agent and refuses an assignment over the cap', async () => {
    const a = await agent('Ravi');
    const t1 = await store.tickets.create({ conversationId: await conv(), reason: 'x' });
    const t2 = await store.tickets.create({ conversationId: await conv('C2'), reason: 'y' });
    await store.tickets.assign(t1.id, a.id, { maxOpen: 1 });
    expect(await store.tickets.openCounts([a.id, 'ghost'])).toEqual(new Map([[a.id, 1]]));
    const err = (await rejectionOf(store.tickets.assign(t2.id, a.id, { maxOpen: 1 })));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/already have 1 open chat/);
    expect((await store.tickets.get(t2.id))!.status).toBe('pending');
  });

  it('finds assignments the agent left unanswered, requeues them (waiting from now) and remembers who let them lapse', async () => {
    const a = await agent('Ravi');
    const t1 = await store.tickets.create({ conversationId: await conv(), reason: 'x' });
    const t2 = await store.tickets.create({ conversationId: await conv('C2'), reason: 'y' });
    await store.tickets.assign(t1.id, a.id);
    await store.tickets.assign(t2.id, a.id);
    time.advance(1_000);
    await store.conversations.appendMessage(t2.conversationId, { role: 'agent', text: 'Hi, looking now' });
    time.advance(60_000);
    expect(await store.tickets.unanswered(120_000)).toEqual([]);
    expect((await store.tickets.unanswered(60_000)).map((t) => t.id)).toEqual([t1.id]);
    expect((await rejectionOf(store.tickets.requeue(t1.id, 'someone-else'))).code).toBe('invalid_transition');
    const back = await store.tickets.requeue(t1.id, a.id);
    expect(back).toMatchObject({ status: 'pending', agentId: null, assignedAt: null });
    expect((await store.conversations.get(t1.conversationId))!.handoff).toBe('pending');
    expect((await store.tickets.pendingForAssignment()).map((t) => [t.id, t.lapsedAgents])).toEqual([[t1.id, [a.id]]]);
    // the queue time-out counts from when it came back, not from when it was opened
    expect(await store.tickets.expirePending(30_000)).toEqual([]);
    await store.tickets.assign(t1.id, a.id);
    await store.tickets.requeue(t1.id, a.id);
    expect((await store.tickets.pendingForAssignment())[0]!.lapsedAgents).toEqual([a.id]);
  });
});
