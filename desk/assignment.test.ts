import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../store/index.js';
import { seededStore } from '../testing/store-helpers.js';
import { canTake, priorityOf, RoundRobin, type Candidate } from './assignment.js';
import type { GatewayPort } from '../channels/gateway-port.js';
import { HandoffService } from './handoff.js';
import type { BotServices } from '../bot/services.js';
import { connect, type ChatClient } from '../testing/test-client.js';

// Auto-assignment (issue #18 item 3): the policy on its own, then the real HandoffService on a real
// socket.io server and SQLite file, with a recording stand-in for the gateway (what each customer is
// sent). No models. Waits are for events, never for time.

describe('assignment policy', () => {
  const c = (id: string, skills: string[], open: number, cap = 3): Candidate => ({ id, skills: new Set(skills), open, cap });

  it('takes a chat only below the cap, with the skill (general and skill-less agents take any), and not one it let lapse', () => {
    expect(canTake(c('a', ['orders'], 0), { skill: 'orders', lapsedAgents: [] })).toBe(true);
    expect(canTake(c('a', ['orders'], 3), { skill: 'orders', lapsedAgents: [] })).toBe(false);
    expect(canTake(c('a', ['orders'], 0), { skill: 'payments', lapsedAgents: [] })).toBe(false);
    expect(canTake(c('a', ['orders'], 0), { skill: 'general', lapsedAgents: [] })).toBe(true);
    expect(canTake(c('a', ['orders'], 0), { skill: null, lapsedAgents: [] })).toBe(true);
    expect(canTake(c('a', [], 0), { skill: 'payments', lapsedAgents: [] })).toBe(true);
    expect(canTake(c('a', ['orders'], 0), { skill: 'orders', lapsedAgents: ['a'] })).toBe(false);
  });

  it('gives the least-loaded agent the chat, round-robin among equals', () => {
    const rr = new RoundRobin();
    const agents = [c('a', [], 0), c('b', [], 0), c('c', [], 1)];
    const t = { skill: null, lapsedAgents: [] };
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      const pick = rr.pick(t, agents)!;
      order.push(pick.id);
      pick.open++;
      rr.given(pick.id);
    }
    // a and b (0 open) first; then all hold 1 and c, never given one, is next; then in turn
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(rr.pick(t, agents.map((x) => ({ ...x, cap: 2 })))).toBeNull();
  });

  it('puts upset customers and VIPs first', () => {
    expect(priorityOf(0, { vip: false, upset: false })).toBe(0);
    expect(priorityOf(1, { vip: false, upset: true })).toBe(2);
    expect(priorityOf(0, { vip: true, upset: false })).toBe(2);
    expect(priorityOf(2, { vip: true, upset: true })).toBe(4);
  });
});

interface Sent {
  conversationId: string;
  text?: string;
  name?: string;
  value?: Record<string, unknown>;
}

describe('HandoffService with auto-assignment', () => {
  let ctx: Awaited<ReturnType<typeof seededStore>>;
  let store: SqliteStore;
  let http: HttpServer;
  let io: Server;
  let handoff: HandoffService;
  let url: string;
  const sent: Sent[] = [];
  const clients: ChatClient[] = [];
  const sentWaiters: { pred: (s: Sent) => boolean; resolve: (s: Sent) => void }[] = [];

  const start = async (settings: { maxChats: number; replyTimeoutMs: number }) => {
    const gateway = {
      route: () => ({ channel: 'web', externalId: 'x' }),
      whenIdle: async () => {},
      sendToConversation: async (conversationId: string, activity: { type?: string; text?: string; name?: string; value?: unknown }, role: 'bot' | 'agent' = 'bot') => {
        // Stored as the real gateway does: an agent's reply is what stops the reply timeout.
        if (activity.type === 'message') await store.conversations.appendMessage(conversationId, { role, text: activity.text ?? '' });
        const s: Sent = { conversationId, ...(activity.text ? { text: activity.text } : {}), ...(activity.name ? { name: activity.name } : {}), ...(activity.value ? { value: activity.value as Record<string, unknown> } : {}) };
        sent.push(s);
        for (const w of [...sentWaiters]) if (w.pred(s)) (sentWaiters.splice(sentWaiters.indexOf(w), 1), w.resolve(s));
      },
    } as unknown as GatewayPort;
    const services = { faq: { answer: async () => ({ answer: null, score: 0, sources: [] }) }, recommender: { recommend: async () => [] } } as unknown as BotServices;
    handoff = new HandoffService({ store, services, gateway, assignment: { mode: 'auto', ...settings }, log: () => {} });
    http = createServer();
    io = new Server(http);
    handoff.attach(io);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  };

  /** Resolves with the first message sent to a customer (past or future) that matches. */
  const sentTo = (pred: (s: Sent) => boolean): Promise<Sent> => {
    const found = sent.find(pred);
    return found ? Promise.resolve(found) : new Promise((resolve) => sentWaiters.push({ pred, resolve }));
  };

  beforeEach(async () => {
    ctx = await seededStore();
    store = ctx.store;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    handoff?.close();
    await io?.close();
    ctx.cleanup();
    sent.length = 0;
    sentWaiters.length = 0;
  });

  let n = 0;
  /** A signed-in agent's console socket, once it has its queue. */
  const agentOnline = async (name: string, skills: string[], over: { maxChats?: number } = {}) => {
    const a = await store.agents.create({ name, email: `${name.toLowerCase()}-${++n}@example.com`, password: 'pw-123456789', skills, ...over });
    const c = await connect(url, '/agents', { token: (await store.agents.createSession(a.id)).token });
    clients.push(c);
    await c.waitFor((e) => e.event === 'queue');
    return { id: a.id, name, c };
  };

  /** A customer's conversation asking for a person (through HandoffService.request, as the bot does). */
  const ask = async (customerId: string, skill: 'orders' | 'payments' | 'product' | 'general', opts: { text?: string; sentiment?: 'negative'; priority?: number } = {}) => {
    const conversationId = (await store.conversations.create({ customerId, channel: 'web' })).id;
    await store.conversations.appendMessage(conversationId, { role: 'customer', text: opts.text ?? 'I want a person', ...(opts.sentiment ? { sentiment: opts.sentiment } : {}) });
    await handoff.request({ conversationId, customerId, reason: 'asked', skill, priority: opts.priority ?? 0 });
    return { conversationId, ticketId: (await store.tickets.openForConversation(conversationId))!.id };
  };

  const assignedTo = (c: ChatClient) => c.events.filter((e) => e.event === 'chat_assigned').map((e) => e.data.ticketId as number);

  it('assigns by skill and load, round-robin among equals; an agent at the cap gets no new chat, by auto-assignment or by accepting', async () => {
    await start({ maxChats: 2, replyTimeoutMs: 0 });
    const ravi = await agentOnline('Ravi', ['orders']);
    const mei = await agentOnline('Mei', []);
    // Mei's skills come from her team
    const team = await store.teams.create({ name: 'Orders desk', skills: ['orders'] });
    await store.teams.addMember(team.id, mei.id);

    const chats: { conversationId: string; ticketId: number }[] = [];
    for (let i = 0; i < 4; i++) {
      chats.push(await ask(i % 2 ? 'C1' : 'C2', 'orders'));
      // each chat is assigned before the next is asked for, so the order is the policy's
      await Promise.race([ravi.c, mei.c].map((c) => c.waitFor((e) => e.event === 'chat_assigned' && e.data.ticketId === chats[i]!.ticketId)));
    }
    const toRavi = assignedTo(ravi.c);
    const toMei = assignedTo(mei.c);
    expect(toRavi).toHaveLength(2);
    expect(toMei).toHaveLength(2);
    // alternating: whoever got the first chat also got the third
    const first = toRavi.includes(chats[0]!.ticketId) ? toRavi : toMei;
    expect(first).toEqual([chats[0]!.ticketId, chats[2]!.ticketId]);
    // the customer heard who joined
    await sentTo((s) => s.conversationId === chats[0]!.conversationId && /joined the chat/.test(s.text ?? ''));
    expect((await store.tickets.get(chats[0]!.ticketId))!.status).toBe('assigned');

    // both at the cap of 2: a fifth chat waits, and neither can accept it by hand
    const fifth = await ask('C1', 'orders');
    await ravi.c.waitFor((e) => e.event === 'queue_add' && e.data.ticketId === fifth.ticketId);
    expect((await store.tickets.get(fifth.ticketId))!.status).toBe('pending');
    const refused = await ravi.c.emit('accept', { ticketId: fifth.ticketId });
    expect(refused).toMatchObject({ ok: false });
    expect(String(refused.error)).toMatch(/already have 2 open chats/);
    // a chat needing a skill nobody online has waits too, even with room
    const pay = await ask('C2', 'payments');

    // Ravi resolves one: the fifth goes to him at once; the payments chat still waits
    const held = assignedTo(ravi.c)[0]!;
    expect(await ravi.c.emit('resolve', { ticketId: held, summary: 'done' })).toMatchObject({ ok: true });
    await ravi.c.waitFor((e) => e.event === 'chat_assigned' && e.data.ticketId === fifth.ticketId);
    expect(await store.tickets.get(fifth.ticketId)).toMatchObject({ status: 'assigned', agentId: ravi.id });
    expect((await store.tickets.get(pay.ticketId))!.status).toBe('pending');
    // the resolved chat was stamped with the resolving agent's team (none for Ravi)
    expect(store.db.prepare<[number], string | null>('SELECT team_id FROM handoff_tickets WHERE id = ?').pluck().get(held)).toBeNull();

    // an agent's own cap overrides the default: an agent with cap 0 never gets one
    const idle = await agentOnline('Idle', ['payments'], { maxChats: 0 });
    const anna = await agentOnline('Payer', ['payments']);
    await anna.c.waitFor((e) => e.event === 'chat_assigned' && e.data.ticketId === pay.ticketId);
    expect(assignedTo(idle.c)).toEqual([]);
  });

  it('a chat its agent does not answer in time goes back to the queue, the customer is told, and another agent gets it', async () => {
    await start({ maxChats: 3, replyTimeoutMs: 1500 });
    const ravi = await agentOnline('Ravi', ['orders']);
    const chat = await ask('C1', 'orders');
    await ravi.c.waitFor((e) => e.event === 'chat_assigned' && e.data.ticketId === chat.ticketId);
    // Ravi says nothing: the chat is taken back from his console
    const back = await ravi.c.waitFor((e) => e.event === 'chat_unassigned' && e.data.ticketId === chat.ticketId);
    expect(back.data).toMatchObject({ reason: 'no_reply', timeoutMs: 1500 });
    const told = await sentTo((s) => s.conversationId === chat.conversationId && /back in the queue/.test(s.text ?? ''));
    expect(told.text).toMatch(/Ravi could not answer just now, so you are back in the queue \(number 1\)/);
    await sentTo((s) => s.conversationId === chat.conversationId && s.name === 'handoff.status' && s.value?.status === 'pending');
    expect(await store.tickets.get(chat.ticketId)).toMatchObject({ status: 'pending', agentId: null });
    expect(await ravi.c.emit('message', { ticketId: chat.ticketId, text: 'hello?' })).toMatchObject({ ok: false });
    // it is not given back to Ravi; Mei, coming online, gets it
    const mei = await agentOnline('Mei', ['orders']);
    await mei.c.waitFor((e) => e.event === 'chat_assigned' && e.data.ticketId === chat.ticketId);
    expect(assignedTo(ravi.c)).toEqual([chat.ticketId]);
    // Mei answers: her chat stays hers (a second new chat that Ravi does answer stays his too)
    expect(await mei.c.emit('message', { ticketId: chat.ticketId, text: 'Hi, Mei here' })).toMatchObject({ ok: true });
    const second = await ask('C2', 'orders');
    const got = await Promise.race([ravi.c, mei.c].map((c) => c.waitFor((e) => e.event === 'chat_assigned' && e.data.ticketId === second.ticketId).then(() => c)));
    expect(await got.emit('message', { ticketId: second.ticketId, text: 'On it' })).toMatchObject({ ok: true });
    // a third chat nobody answers lapses after the first two were answered: only it comes back
    const third = await ask('C1', 'general');
    await Promise.race([ravi.c, mei.c].map((c) => c.waitFor((e) => e.event === 'chat_unassigned' && e.data.ticketId === third.ticketId)));
    expect((await store.tickets.get(chat.ticketId))!.status).toBe('assigned');
    expect((await store.tickets.get(second.ticketId))!.status).toBe('assigned');
  });

  it('upset customers and VIPs go first, and the agents\' queue says why', async () => {
    await start({ maxChats: 1, replyTimeoutMs: 0 });
    await store.vip.set('C2', true);
    const plain = await ask('C1', 'general');
    const upset = await ask('C1', 'general', { text: 'this is useless, I am furious', sentiment: 'negative' });
    const vip = await ask('C2', 'general');
    const vipUpset = await ask('C2', 'general', { priority: 2 });
    expect((await store.tickets.queue()).map((t) => t.id)).toEqual([vipUpset.ticketId, upset.ticketId, vip.ticketId, plain.ticketId]);
    const ravi = await agentOnline('Ravi', []);
    const queue = ravi.c.events.find((e) => e.event === 'queue')!.data as unknown as { ticketId: number; vip: boolean; upset: boolean; priority: number }[];
    expect(queue.map((q) => [q.ticketId, q.priority, q.vip, q.upset])).toEqual([
      [vipUpset.ticketId, 4, true, false],
      [upset.ticketId, 2, false, true],
      [vip.ticketId, 2, true, false],
      [plain.ticketId, 0, false, false],
    ]);
    // with a cap of one, the agent gets the most urgent chat
    await ravi.c.waitFor((e) => e.event === 'chat_assigned');
    expect(assignedTo(ravi.c)).toEqual([vipUpset.ticketId]);
  });
});
