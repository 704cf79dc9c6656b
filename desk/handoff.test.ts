import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.js';
import { seededStore } from '../testing/store-helpers.js';
import type { GatewayPort } from '../channels/gateway-port.js';
import { HandoffService } from './handoff.js';
import type { BotServices } from '../bot/services.js';
import { connect, type ChatClient, type Recorded } from '../testing/test-client.js';

// The hand-off queue under load: the real HandoffService on a real socket.io server and a real
// SQLite store, with a recording stand-in for the gateway (what each waiting customer is sent) and
// a counter of store calls (each one or two SQL statements). No models: this file is fast.

const N = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  conversationId: string;
  name?: string;
  value?: Record<string, unknown>;
}

/** Wraps a repository so every method call is recorded as `repo.method`. */
function counted<T extends object>(repo: T, name: string, calls: string[]): T {
  return new Proxy(repo, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(`${name}.${String(prop)}`);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('HandoffService queue updates', () => {
  let ctx: Awaited<ReturnType<typeof seededStore>>;
  let store: Store;
  let http: HttpServer;
  let io: Server;
  let handoff: HandoffService;
  let url: string;
  let token: string;
  const sent: Sent[] = [];
  const calls: string[] = [];
  const clients: ChatClient[] = [];

  beforeEach(async () => {
    ctx = await seededStore();
    store = ctx.store;
    const watched: Store = { ...store, tickets: counted(store.tickets, 'tickets', calls), conversations: counted(store.conversations, 'conversations', calls), customers: counted(store.customers, 'customers', calls) };
    const gateway = {
      route: () => ({ channel: 'web', externalId: 'x' }),
      sendToConversation: async (conversationId: string, activity: { name?: string; value?: unknown }) => {
        sent.push({ conversationId, ...(activity.name ? { name: activity.name } : {}), ...(activity.value ? { value: activity.value as Record<string, unknown> } : {}) });
      },
    } as unknown as GatewayPort;
    const services = { faq: { answer: async () => ({ answer: null, score: 0, sources: [] }) }, recommender: { recommend: async () => [] } } as unknown as BotServices;
    handoff = new HandoffService({ store: watched, services, gateway, log: () => {} });
    http = createServer();
    io = new Server(http);
    handoff.attach(io);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const agent = await store.agents.create({ name: 'Ravi', email: 'ravi@example.com', password: 'pw-123456' });
    token = (await store.agents.createSession(agent.id)).token;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    handoff.close();
    await io.close();
    ctx.cleanup();
    sent.length = 0;
    calls.length = 0;
  });

  const agentClient = async () => {
    const c = await connect(url, '/agents', { token });
    clients.push(c);
    await c.waitFor((e) => e.event === 'queue');
    return c;
  };

  /** N conversations queued through HandoffService.request, each with a customer message. */
  const queueUp = async (n: number) => {
    const convs: string[] = [];
    for (let i = 0; i < n; i++) {
      const conversationId = (await store.conversations.create({ customerId: i % 2 ? 'C1' : 'C2', channel: 'web' })).id;
      await store.conversations.appendMessage(conversationId, { role: 'customer', text: `I want a person (${i})` });
      await handoff.request({ conversationId, customerId: i % 2 ? 'C1' : 'C2', reason: 'asked', skill: 'general', priority: 0 });
      convs.push(conversationId);
    }
    return convs;
  };

  const statusesTo = (conversationId: string) => sent.filter((s) => s.conversationId === conversationId && s.name === 'handoff.status').map((s) => s.value);
  const since = (c: ChatClient, from: number, event: string): Recorded[] => c.events.slice(from).filter((e) => e.event === event);

  it(`one customer message with ${N} chats queued: one coalesced row update for the agents, nothing for the other customers, O(1) store calls`, async () => {
    const agent = await agentClient();
    const convs = await queueUp(N);
    await sleep(600); // the queue flush has settled
    const ticket = (await store.tickets.openForConversation(convs[50]!))!;

    const from = agent.events.length;
    sent.length = 0;
    calls.length = 0;
    await store.conversations.appendMessage(convs[50]!, { role: 'customer', text: 'is anyone there?', sentiment: 'negative' });
    await handoff.customerWrote(convs[50]!);
    const callsAtMessage = calls.length;
    await sleep(500); // one row flush window and then some

    expect(callsAtMessage).toBeLessThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(2); // the message itself, plus that one row when the flush runs
    expect(sent).toEqual([]); // no other waiting customer hears about it
    expect(since(agent, 0, 'queue_add')).toHaveLength(N);
    expect(agent.events.slice(from).map((e) => e.event)).toEqual(['queue_update']);
    expect(agent.events[from]!.data).toMatchObject({ ticketId: ticket.id, conversationId: convs[50], lastMessage: 'is anyone there?', sentiment: 'negative', customerName: (await store.customers.get('C2'))!.name, position: 51 });

    // A burst from one customer is coalesced: one row update per ticket per flush window.
    const burst = agent.events.length;
    calls.length = 0;
    for (let i = 0; i < 10; i++) {
      await store.conversations.appendMessage(convs[7]!, { role: 'customer', text: `hello ${i}` });
      await handoff.customerWrote(convs[7]!);
    }
    await agent.waitFor((e) => e.event === 'queue_update', { from: burst });
    await sleep(600);
    const updates = since(agent, burst, 'queue_update');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.data).toMatchObject({ conversationId: convs[7], lastMessage: 'hello 9' });
    expect(calls.length).toBeLessThanOrEqual(1);
    expect(sent).toEqual([]);
  });

  it('tells only the customers behind a leaving one their new position, and the agents which row went', async () => {
    const agent = await agentClient();
    const convs = await queueUp(5);
    await agent.waitFor(() => since(agent, 0, 'queue_add').length === 5);
    await sleep(600);
    // request() told each customer their position (the bot sends it); the flush did not repeat it
    for (const c of convs) expect(statusesTo(c)).toEqual([]);
    const ids = await Promise.all(convs.map(async (c) => (await store.tickets.openForConversation(c))!.id));
    expect(since(agent, 0, 'queue_add').map((e) => [e.data.ticketId, e.data.position])).toEqual(ids.map((id, i) => [id, i + 1]));

    // The customer in position 2 leaves: 3, 4 and 5 move up; 1 hears nothing.
    let from = agent.events.length;
    sent.length = 0;
    await handoff.cancel(convs[1]!);
    await agent.waitFor((e) => e.event === 'queue_remove', { from });
    await sleep(100);
    expect(since(agent, from, 'queue_remove').map((e) => e.data)).toEqual([{ ticketId: ids[1] }]);
    expect(statusesTo(convs[0]!)).toEqual([]);
    expect(statusesTo(convs[1]!)).toEqual([]);
    expect([2, 3, 4].map((i) => statusesTo(convs[i]!))).toEqual([[{ status: 'pending', position: 2 }], [{ status: 'pending', position: 3 }], [{ status: 'pending', position: 4 }]]);

    // Leaving from the back changes nobody's position.
    await sleep(600);
    from = agent.events.length;
    sent.length = 0;
    await handoff.cancel(convs[4]!);
    await agent.waitFor((e) => e.event === 'queue_remove', { from });
    await sleep(100);
    expect(sent).toEqual([]);

    // The agent accepts the first chat: the others move up, a second agent connecting gets the snapshot.
    await sleep(600);
    from = agent.events.length;
    sent.length = 0;
    expect((await agent.emit('accept', { ticketId: ids[0] })).ok).toBe(true);
    await agent.waitFor((e) => e.event === 'queue_remove' && e.data.ticketId === ids[0], { from });
    await sleep(100);
    expect(statusesTo(convs[2]!)).toEqual([{ status: 'pending', position: 1 }]);
    expect(statusesTo(convs[3]!)).toEqual([{ status: 'pending', position: 2 }]);
    const second = await agentClient();
    const snapshot = second.events.find((e) => e.event === 'queue')!.data as unknown as { ticketId: number; position: number; lastMessage: string }[];
    expect(snapshot.map((t) => [t.ticketId, t.position, t.lastMessage])).toEqual([
      [ids[2], 1, 'I want a person (2)'],
      [ids[3], 2, 'I want a person (3)'],
    ]);

    // The accepted chat's messages go to its agent, not into the queue.
    from = agent.events.length;
    await store.conversations.appendMessage(convs[0]!, { role: 'customer', text: 'thanks for taking this' });
    await handoff.customerWrote(convs[0]!);
    await agent.waitFor((e) => e.event === 'customer_message', { from });
    await sleep(400);
    expect(since(agent, from, 'queue_update')).toEqual([]);
  });

  it('a queue of many coalesces arrivals: one flush per window, and customers queued while nobody is online still get their position', async () => {
    const convs = await queueUp(20); // no agent online: the bot says "offline", the flush sends positions
    await sleep(100);
    expect(convs.map((c) => statusesTo(c))).toEqual(convs.map((_, i) => [{ status: 'pending', position: i + 1 }]));
    const flushes = calls.filter((c) => c === 'tickets.positions').length;
    expect(flushes).toBeLessThanOrEqual(2);
    // An agent connecting gets the whole queue in one query.
    calls.length = 0;
    const agent = await agentClient();
    const snapshot = agent.events.find((e) => e.event === 'queue')!.data as unknown as unknown[];
    expect(snapshot).toHaveLength(20);
    expect(calls.filter((c) => c.startsWith('tickets.queue'))).toEqual(['tickets.queueEntries']);
    expect(calls.filter((c) => c.startsWith('customers.') || c.startsWith('conversations.'))).toEqual([]);
  });
});
