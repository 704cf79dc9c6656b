import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './index.js';
import { clock, errorOf, rejectionOf, seededStore } from '../testing/store-helpers.js';

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

const conv = (customerId: string | null = 'C1') => store.conversations.create({ customerId, channel: 'web' }).id;
const agent = (name: string, skills: string[] = []) => store.agents.create({ name, email: `${name.toLowerCase()}@example.com`, password: 'pw-123456789', skills });

describe('TeamRepo', () => {
  it('creates teams with unique names and clean skills, renames, changes skills and deletes them', () => {
    const t = store.teams.create({ name: ' Payments ', skills: ['payments', ' payments', 'refunds'] });
    expect(t).toMatchObject({ name: 'Payments', skills: ['payments', 'refunds'], memberIds: [] });
    expect(errorOf(() => store.teams.create({ name: 'payments' })).code).toBe('conflict');
    expect(errorOf(() => store.teams.create({ name: '  ' })).code).toBe('invalid_input');
    expect(errorOf(() => store.teams.create({ name: 'X', skills: [''] })).code).toBe('invalid_input');
    expect(errorOf(() => store.teams.create({ name: 'x'.repeat(121) })).code).toBe('too_large');
    const o = store.teams.create({ name: 'Orders', skills: ['orders'] });
    expect(store.teams.list().map((x) => x.name)).toEqual(['Orders', 'Payments']);
    expect(store.teams.getByName('PAYMENTS')?.id).toBe(t.id);
    expect(store.teams.rename(o.id, 'Order desk').name).toBe('Order desk');
    expect(errorOf(() => store.teams.rename(o.id, 'payments')).code).toBe('conflict');
    expect(store.teams.setSkills(o.id, ['orders', 'returns']).skills).toEqual(['orders', 'returns']);
    expect(errorOf(() => store.teams.setSkills('ghost', [])).code).toBe('not_found');
    expect(store.teams.delete(o.id)).toBe(true);
    expect(store.teams.get(o.id)).toBeUndefined();
  });

  it('members: added once, listed by name, removed; an agent\'s skills are its own plus its teams\'', async () => {
    const pay = store.teams.create({ name: 'Payments', skills: ['payments'] });
    const prod = store.teams.create({ name: 'Product', skills: ['product'] });
    const zoe = await agent('Zoe', ['orders']);
    const bo = await agent('Bo');
    store.teams.addMember(pay.id, zoe.id);
    store.teams.addMember(pay.id, zoe.id);
    store.teams.addMember(pay.id, bo.id);
    store.teams.addMember(prod.id, bo.id);
    expect(store.teams.get(pay.id)!.memberIds).toEqual([bo.id, zoe.id]);
    expect(store.teams.teamsOf(bo.id).map((t) => t.name)).toEqual(['Payments', 'Product']);
    expect(errorOf(() => store.teams.addMember(pay.id, 'ghost')).code).toBe('not_found');
    const skills = store.teams.skillsOf([zoe.id, bo.id, 'ghost']);
    expect([...skills.get(zoe.id)!].sort()).toEqual(['orders', 'payments']);
    expect([...skills.get(bo.id)!].sort()).toEqual(['payments', 'product']);
    expect(skills.has('ghost')).toBe(false);
    store.teams.removeMember(prod.id, bo.id);
    expect([...store.teams.skillsOf([bo.id]).get(bo.id)!]).toEqual(['payments']);
    // deleting a team or an agent removes the membership
    store.teams.delete(pay.id);
    expect(store.teams.skillsOf([bo.id]).get(bo.id)).toBeUndefined();
  });

  it('a resolved chat is rated under the resolving agent\'s team (the one with the chat\'s skill first)', async () => {
    const a = await agent('Ravi');
    const general = store.teams.create({ name: 'A general', skills: ['orders'] });
    const pay = store.teams.create({ name: 'Payments', skills: ['payments'] });
    store.teams.addMember(general.id, a.id);
    store.teams.addMember(pay.id, a.id);
    const t = store.tickets.create({ conversationId: conv(), reason: 'card declined', skill: 'payments' });
    store.tickets.assign(t.id, a.id);
    store.teams.stampTicket(t.id);
    store.tickets.resolve(t.id);
    expect((await store.csat.record({ conversationId: t.conversationId, rating: 5, channel: 'web' })).teamId).toBe(pay.id);
    // no team: null, as before teams existed
    const lone = await agent('Lone');
    const u = store.tickets.create({ conversationId: conv('C2'), reason: 'x', skill: 'orders' });
    store.tickets.assign(u.id, lone.id);
    store.teams.stampTicket(u.id);
    store.tickets.resolve(u.id);
    expect((await store.csat.record({ conversationId: u.conversationId, rating: 3, channel: 'web' })).teamId).toBeNull();
  });
});

describe('VIP customers', () => {
  it('are set by id or e-mail, listed, and shown in the agents\' queue', async () => {
    expect(await store.vip.isVip('C1')).toBe(false);
    expect(await store.vip.set('C1', true)).toBe('C1');
    expect(await store.vip.set(store.customers.get('C2')!.email!.toUpperCase(), true)).toBe('C2');
    expect((await store.vip.list()).map((c) => c.id).sort()).toEqual(['C1', 'C2']);
    await store.vip.set('C2', false);
    expect(await store.vip.isVip('C2')).toBe(false);
    expect((await rejectionOf(store.vip.set('nobody@example.org', true))).code).toBe('not_found');
    expect((await rejectionOf(store.vip.set('ghost', true))).code).toBe('not_found');
    store.tickets.create({ conversationId: conv('C1'), reason: 'x' });
    store.tickets.create({ conversationId: conv('C2'), reason: 'y' });
    expect(store.tickets.queueEntries().map((e) => [e.customerId, e.vip])).toEqual([['C1', true], ['C2', false]]);
  });
});

describe('assignment bookkeeping in TicketRepo', () => {
  it('counts open chats per agent and refuses an assignment over the cap', async () => {
    const a = await agent('Ravi');
    const t1 = store.tickets.create({ conversationId: conv(), reason: 'x' });
    const t2 = store.tickets.create({ conversationId: conv('C2'), reason: 'y' });
    store.tickets.assign(t1.id, a.id, { maxOpen: 1 });
    expect(store.tickets.openCounts([a.id, 'ghost'])).toEqual(new Map([[a.id, 1]]));
    const err = errorOf(() => store.tickets.assign(t2.id, a.id, { maxOpen: 1 }));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/already have 1 open chat/);
    expect(store.tickets.get(t2.id)!.status).toBe('pending');
  });

  it('finds assignments the agent left unanswered, requeues them (waiting from now) and remembers who let them lapse', async () => {
    const a = await agent('Ravi');
    const t1 = store.tickets.create({ conversationId: conv(), reason: 'x' });
    const t2 = store.tickets.create({ conversationId: conv('C2'), reason: 'y' });
    store.tickets.assign(t1.id, a.id);
    store.tickets.assign(t2.id, a.id);
    time.advance(1_000);
    store.conversations.appendMessage(t2.conversationId, { role: 'agent', text: 'Hi, looking now' });
    time.advance(60_000);
    expect(store.tickets.unanswered(120_000)).toEqual([]);
    expect(store.tickets.unanswered(60_000).map((t) => t.id)).toEqual([t1.id]);
    expect(errorOf(() => store.tickets.requeue(t1.id, 'someone-else')).code).toBe('invalid_transition');
    const back = store.tickets.requeue(t1.id, a.id);
    expect(back).toMatchObject({ status: 'pending', agentId: null, assignedAt: null });
    expect(store.conversations.get(t1.conversationId)!.handoff).toBe('pending');
    expect(store.tickets.pendingForAssignment().map((t) => [t.id, t.lapsedAgents])).toEqual([[t1.id, [a.id]]]);
    // the queue time-out counts from when it came back, not from when it was opened
    expect(store.tickets.expirePending(30_000)).toEqual([]);
    store.tickets.assign(t1.id, a.id);
    store.tickets.requeue(t1.id, a.id);
    expect(store.tickets.pendingForAssignment()[0]!.lapsedAgents).toEqual([a.id]);
  });
});
