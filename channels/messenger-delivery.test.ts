import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity } from 'botbuilder';
import { clock, tempStore } from '../testing/store-helpers.js';
import { DeliveryDesk } from './delivery.js';
import type { ChannelOutlet } from './gateway.js';
import { createHttpApp, type HttpApp } from '../app/server.js';
import { fakeGraph, postSignedWebhook, type ChatClient, type FakeGraph } from '../testing/test-client.js';
import { TestServer } from '../testing/test-server.js';
import { createMessengerWebhook, GraphSender, messengerOutlet } from './messenger.js';
import { HUMAN_AGENT_WINDOW_MS, STANDARD_WINDOW_MS } from './messenger-window.js';

// Agent replies on Messenger (issue #18 item 7) against a local fake of Meta's Graph API: the
// 24-hour window (RESPONSE), the HUMAN_AGENT tag up to 7 days, "not delivered" after that, retries
// of transient Send API failures, no retry of permanent ones, and Messenger's delivery and read
// events. First at the channel with a fake clock and a fake sleep, then through the real server with
// an agent's socket.

const SECRET = 'delivery-app-secret';
const HOUR = 60 * 60 * 1000;
const TRANSIENT_500 = { status: 500, body: { error: { message: 'An unknown error has occurred.', type: 'OAuthException', code: 1, is_transient: true } } };
const UNAVAILABLE_551 = { status: 400, body: { error: { message: "(#551) This person isn't available right now.", type: 'OAuthException', code: 551, error_subcode: 1545041 } } };

type Sent = { messaging_type?: string; tag?: string; sender_action?: string; message?: { text?: string } };
const sentTo = (graph: FakeGraph, psid: string): Sent[] => graph.received.filter((r) => (r.body.recipient as { id?: string } | undefined)?.id === psid).map((r) => r.body as Sent);
const withText = (graph: FakeGraph, psid: string, text: string) => sentTo(graph, psid).filter((b) => b.message?.text === text);

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('Messenger agent replies at the channel (fake clock, fake Graph API)', () => {
  const c = clock(Date.parse('2026-03-10T12:00:00Z'));
  const logs: string[] = [];
  const waits: number[] = [];
  let db: ReturnType<typeof tempStore>;
  let graph: FakeGraph;
  let app: HttpApp;
  let base: string;
  let desk: DeliveryDesk;
  let outlet: ChannelOutlet;
  let n = 0;

  beforeAll(async () => {
    db = tempStore(c.now);
    graph = await fakeGraph();
    desk = new DeliveryDesk({ store: db.store, now: c.now, log: (l) => logs.push(l) });
    const sender = new GraphSender(graph.url, 'page-token', (l) => logs.push(l), { sleep: async (ms) => void waits.push(ms) });
    outlet = messengerOutlet({ sender, threads: desk.threads, delivery: desk, now: c.now, log: (l) => logs.push(l) });
    app = createHttpApp({ log: (l) => logs.push(l) });
    app.route(
      '/webhooks/messenger',
      createMessengerWebhook({ verifyToken: 'vt', appSecret: SECRET, pageAccessToken: 'page-token', graphBase: graph.url, threads: desk.threads, onReceipt: (r) => desk.messengerReceipt(r), now: c.now, log: (l) => logs.push(l), onMessage: async () => {} }),
    );
    base = `http://127.0.0.1:${(await app.listen(0, '127.0.0.1')).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await graph?.close();
    db?.cleanup();
  });

  /** A Messenger customer who wrote "now" (on the fake clock), with a live conversation. */
  async function customerWhoWrote() {
    const psid = `6${String(++n).padStart(9, '0')}`;
    const ts = c.now();
    const body = { object: 'page', entry: [{ id: 'page', time: ts, messaging: [{ sender: { id: psid }, recipient: { id: 'page' }, timestamp: ts, message: { mid: `m_${randomUUID()}`, text: 'hello?' } }] }] };
    expect((await postSignedWebhook(base, body, SECRET)).status).toBe(200);
    await until(async () => (await desk.threads.lastInbound(psid)) === ts, 'the last inbound time');
    const customer = (await db.store.customers.resolveOrCreate('messenger', psid, { name: 'Meera' })).customer;
    const conversation = await db.store.conversations.create({ customerId: customer.id, channel: 'messenger' });
    return { psid, conversation };
  }

  /** An agent's reply handed to the outlet as the gateway does; resolves when its status settled. */
  async function agentSays(psid: string, conversationId: string, text: string) {
    const message = await db.store.conversations.appendMessage(conversationId, { role: 'agent', text });
    const activity: Partial<Activity> = { type: 'message', text };
    await outlet.deliver({ channel: 'messenger', externalId: psid }, conversationId, { message, activity }, activity);
    await until(async () => (await desk.deliveries.get(message.id))?.status !== 'sending', `the status of "${text}"`);
    return (await desk.deliveries.get(message.id))!;
  }

  it('sends a reply within 24 hours as RESPONSE, and records it as sent with Meta\'s message id', async () => {
    const { psid, conversation } = await customerWhoWrote();
    c.advance(23 * HOUR);
    const d = await agentSays(psid, conversation.id, 'Your parcel left the warehouse.');
    expect(d).toMatchObject({ status: 'sent', attempts: 1, recipient: psid, reason: null });
    expect(d.externalId).toMatch(/^m_fake_/);
    const sent = withText(graph, psid, 'Your parcel left the warehouse.');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.messaging_type).toBe('RESPONSE');
    expect(sent[0]!.tag).toBeUndefined();
  });

  it('tags a reply after 24 hours HUMAN_AGENT, and sends no bot message then', async () => {
    const { psid, conversation } = await customerWhoWrote();
    c.advance(STANDARD_WINDOW_MS + HOUR);
    const d = await agentSays(psid, conversation.id, 'Sorry for the wait: it ships today.');
    expect(d.status).toBe('sent');
    expect(withText(graph, psid, 'Sorry for the wait: it ships today.').map((b) => [b.messaging_type, b.tag])).toEqual([['MESSAGE_TAG', 'HUMAN_AGENT']]);
    // A bot message may not use the tag: it is not sent, and the log says why.
    const bot = await db.store.conversations.appendMessage(conversation.id, { role: 'bot', text: 'Anything else?' });
    await outlet.deliver({ channel: 'messenger', externalId: psid }, conversation.id, { message: bot, activity: { type: 'message', text: 'Anything else?' } }, { type: 'message', text: 'Anything else?' });
    expect(withText(graph, psid, 'Anything else?')).toHaveLength(0);
    expect(logs.some((l) => l.includes(`not sent to ${psid}`) && /only a person's reply/.test(l))).toBe(true);
  });

  it('after 7 days sends nothing and records the reply as not delivered, with the reason', async () => {
    const { psid, conversation } = await customerWhoWrote();
    c.advance(HUMAN_AGENT_WINDOW_MS + HOUR);
    const d = await agentSays(psid, conversation.id, 'Are you still there?');
    expect(d.status).toBe('failed');
    expect(d.reason).toMatch(/^The customer last wrote on Messenger 7 days ago.*up to 7 days/);
    expect(withText(graph, psid, 'Are you still there?')).toHaveLength(0);
    // Writing again opens the window again.
    const again = await customerWhoWrote();
    expect((await agentSays(again.psid, again.conversation.id, 'Welcome back!')).status).toBe('sent');
  });

  it('retries a 500 with back-off and delivers the message once', async () => {
    const { psid, conversation } = await customerWhoWrote();
    let failures = 0;
    graph.respond = (body) => ((body.message as { text?: string } | undefined)?.text === 'Refund approved.' && failures++ === 0 ? TRANSIENT_500 : undefined);
    waits.length = 0;
    try {
      const d = await agentSays(psid, conversation.id, 'Refund approved.');
      expect(d).toMatchObject({ status: 'sent', attempts: 2 });
    } finally {
      graph.respond = null;
    }
    // Two requests: the 500 and the one that went through; one back-off wait between them.
    expect(withText(graph, psid, 'Refund approved.')).toHaveLength(2);
    expect(failures).toBe(2);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(500);
    expect(logs.some((l) => l.includes(`Send API to ${psid}, try 1 failed`))).toBe(true);
  });

  it('does not retry a permanent error: one request, not delivered with Meta\'s reason', async () => {
    const { psid, conversation } = await customerWhoWrote();
    graph.respond = (body) => ((body.message as { text?: string } | undefined)?.text === 'Hello again' ? UNAVAILABLE_551 : undefined);
    waits.length = 0;
    try {
      const d = await agentSays(psid, conversation.id, 'Hello again');
      expect(d.status).toBe('failed');
      expect(d.attempts).toBe(1);
      expect(d.reason).toMatch(/^The customer cannot receive messages on Messenger right now \(Meta error 551\/1545041\)/);
    } finally {
      graph.respond = null;
    }
    expect(withText(graph, psid, 'Hello again')).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("takes Messenger's delivery (mids) and read (watermark) events, and sends mark_seen only inside 24 hours", async () => {
    const { psid, conversation } = await customerWhoWrote();
    const first = await agentSays(psid, conversation.id, 'First');
    c.advance(1000);
    const second = await agentSays(psid, conversation.id, 'Second');
    const post = (event: Record<string, unknown>) => postSignedWebhook(base, { object: 'page', entry: [{ id: 'page', time: c.now(), messaging: [{ sender: { id: psid }, recipient: { id: 'page' }, timestamp: c.now(), ...event }] }] }, SECRET);
    expect((await post({ delivery: { mids: [first.externalId], watermark: first.sentAt } })).status).toBe(200);
    await until(async () => (await desk.deliveries.get(first.messageId))?.status === 'delivered', 'the delivery event');
    expect((await desk.deliveries.get(second.messageId))?.status).toBe('sent');
    expect((await post({ read: { watermark: second.sentAt } })).status).toBe(200);
    await until(async () => (await desk.deliveries.get(second.messageId))?.status === 'read', 'the read event');
    expect((await desk.deliveries.get(first.messageId))?.status).toBe('read');
    expect(await desk.marks.get(conversation.id, 'customer')).toBe(second.seq);
    // A read event does not open the window: it is not a message from the customer.
    expect(await desk.threads.lastInbound(psid)).toBe(c.now() - 1000);

    const read: Partial<Activity> = { type: 'event', name: 'read', value: { seq: 1 } };
    await outlet.deliver({ channel: 'messenger', externalId: psid }, conversation.id, null, read);
    expect(sentTo(graph, psid).filter((b) => b.sender_action === 'mark_seen')).toHaveLength(1);
    c.advance(STANDARD_WINDOW_MS + HOUR);
    await outlet.deliver({ channel: 'messenger', externalId: psid }, conversation.id, null, read);
    expect(sentTo(graph, psid).filter((b) => b.sender_action === 'mark_seen')).toHaveLength(1);
  });
});

describe('Messenger agent replies through the real server: the agent sees each message\'s status', () => {
  const APP_SECRET = 'delivery-e2e-app-secret';
  let server: TestServer;
  let graph: FakeGraph;

  beforeAll(async () => {
    const env = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'delivery-e2e-secret-0123456789' };
    server = await TestServer.start({ prefix: 'shopbot-delivery-', env, messenger: { appSecret: APP_SECRET } });
    ({ graph } = server);
  }, 1_800_000);
  afterAll(() => server?.close());

  const psid = `9${String(Date.now()).slice(-9)}0001`;
  const post = (event: Record<string, unknown>) =>
    postSignedWebhook(server.running.url, { object: 'page', entry: [{ id: 'page', time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: 'page' }, timestamp: Date.now(), ...event }] }] }, APP_SECRET);
  /** Moves the customer's last message back in time, as if they had written `agoMs` ago. */
  const lastWroteAgo = (agoMs: number) => server.store.db.prepare('UPDATE messenger_threads SET last_inbound_at = ? WHERE psid = ?').run(Date.now() - agoMs, psid);
  let agent: ChatClient;
  let ticketId: number;

  /** The agent sends `text`; resolves with its seq and the `delivery` update that settled it. */
  async function reply(text: string): Promise<{ seq: number; update: { seq: number; status: string; reason: string | null } }> {
    const from = agent.events.length;
    const ack = await agent.emit('message', { ticketId, text });
    expect(ack.ok).toBe(true);
    const seq = ack.seq as number;
    const settled = (e: { event: string; data: Record<string, unknown> }) => e.event === 'delivery' && (e.data.updates as { seq: number; status: string }[]).some((u) => u.seq === seq && u.status !== 'sending');
    const event = await agent.waitFor(settled, { from, timeoutMs: 20_000 });
    return { seq, update: (event.data.updates as { seq: number; status: string; reason: string | null }[]).find((u) => u.seq === seq)! };
  }

  it('hands the Messenger customer to an agent', async () => {
    agent = await server.staffClient((await server.store.agents.createSession((await server.store.agents.getByEmail('agent@example.com'))!.id)).token);
    await agent.waitFor((e) => e.event === 'queue');
    expect((await post({ message: { mid: `m_${randomUUID()}`, text: 'I need to talk to a human agent' } })).status).toBe(200);
    await until(async () => {
      const customer = await server.store.customers.findByIdentity('messenger', psid);
      const conversation = customer && (await server.store.conversations.listForCustomer(customer.id, 5))[0];
      return !!conversation && (await server.store.tickets.openForConversation(conversation.id))?.status === 'pending';
    }, 'the ticket', 30_000);
    const customer = (await server.store.customers.findByIdentity('messenger', psid))!;
    ticketId = (await server.store.tickets.openForConversation((await server.store.conversations.listForCustomer(customer.id, 5))[0]!.id))!.id;
    expect((await agent.emit('accept', { ticketId })).ok).toBe(true);
  });

  it('within 24 hours: RESPONSE, and the agent sees "sent"', async () => {
    const { update } = await reply('Hi, I am looking into it now.');
    expect(update.status).toBe('sent');
    expect(withText(graph, psid, 'Hi, I am looking into it now.').map((b) => b.messaging_type)).toEqual(['RESPONSE']);
  });

  it('after 24 hours: the HUMAN_AGENT tag', async () => {
    lastWroteAgo(30 * HOUR);
    const { update } = await reply('Following up on your order.');
    expect(update.status).toBe('sent');
    expect(withText(graph, psid, 'Following up on your order.').map((b) => [b.messaging_type, b.tag])).toEqual([['MESSAGE_TAG', 'HUMAN_AGENT']]);
  });

  it('after 7 days: nothing is sent and the agent is shown "not delivered" with the reason', async () => {
    lastWroteAgo(8 * 24 * HOUR);
    const { seq, update } = await reply('Is there anything else?');
    expect(update.status).toBe('failed');
    expect(update.reason).toMatch(/^The customer last wrote on Messenger 8 days ago/);
    expect(withText(graph, psid, 'Is there anything else?')).toHaveLength(0);
    // Reopening the chat shows it the same way.
    const snapshot = await agent.emit('receipts', { ticketId });
    expect((snapshot.deliveries as { seq: number; status: string }[]).find((d) => d.seq === seq)).toMatchObject({ status: 'failed' });
  });

  it('a 500 then a 200: delivered once after one retry; a permanent error: not delivered, no retry', async () => {
    lastWroteAgo(HOUR);
    let failed = 0;
    graph.respond = (body) => {
      const text = (body.message as { text?: string } | undefined)?.text;
      if (text === 'Your refund is on its way.' && failed++ === 0) return TRANSIENT_500;
      if (text === 'One more thing.') return UNAVAILABLE_551;
      return undefined;
    };
    try {
      const ok = await reply('Your refund is on its way.');
      expect(ok.update.status).toBe('sent');
      expect(withText(graph, psid, 'Your refund is on its way.')).toHaveLength(2);
      const bad = await reply('One more thing.');
      expect(bad.update.status).toBe('failed');
      expect(bad.update.reason).toMatch(/cannot receive messages on Messenger right now \(Meta error 551/);
      expect(withText(graph, psid, 'One more thing.')).toHaveLength(1);
    } finally {
      graph.respond = null;
    }
  });

  it("Messenger's read event shows the agent's messages as read; the agent's seen sends mark_seen", async () => {
    const from = agent.events.length;
    expect((await post({ read: { watermark: Date.now() } })).status).toBe(200);
    await agent.waitFor((e) => e.event === 'delivery' && (e.data.updates as { status: string }[]).some((u) => u.status === 'read'), { from, timeoutMs: 20_000 });
    const snapshot = await agent.emit('receipts', { ticketId });
    const statuses = (snapshot.deliveries as { status: string }[]).map((d) => d.status);
    expect(statuses).toContain('read');
    expect(statuses.filter((s) => s === 'failed')).toHaveLength(2);

    const last = (await server.store.conversations.recentMessages((await server.store.tickets.get(ticketId))!.conversationId, 1))[0]!;
    expect(await agent.emit('seen', { ticketId, seq: last.seq })).toMatchObject({ ok: true, seq: last.seq });
    await until(() => sentTo(graph, psid).some((b) => b.sender_action === 'mark_seen'), 'mark_seen');
    // Another agent's chat cannot be marked.
    expect(await agent.emit('seen', { ticketId: 999_999, seq: 1 })).toMatchObject({ ok: false });
  });
});
