import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import { CSAT_TEXTS, csatPayload } from './csat.js';
import { TestServer } from '../testing/test-server.js';
import { botTexts, connect, conversationOf, fakeGraph, fixtureRows, postSignedWebhook, type ChatClient, type FakeGraph } from '../testing/test-client.js';

// Saved replies and CSAT through the real server (models, SQLite file, socket.io on 127.0.0.1),
// with real socket.io clients for the customer and the agents, and signed Messenger webhooks whose
// answers go to a local fake of Meta's Graph API.

const SECRET = 'csat-session-secret-0123456789';
const APP_SECRET = 'csat-app-secret';

interface FixtureCustomer {
  id: string;
  name: string;
  identities: { channel: string; external_id: string }[];
}

/** A seeded customer with a web identity, and their latest order. */
function knownCustomer(): { customer: FixtureCustomer; web: string; latest: { id: string; created_at: string } } {
  const orders = fixtureRows<{ id: string; customer_id: string; created_at: string; status: string }>('orders.jsonl');
  for (const c of fixtureRows<FixtureCustomer>('customers.jsonl')) {
    const web = c.identities.find((i) => i.channel === 'web')?.external_id;
    const mine = orders.filter((o) => o.customer_id === c.id).sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
    if (web && mine.length > 0 && / /.test(c.name)) return { customer: c, web, latest: mine[0]! };
  }
  throw new Error('no fixture customer with a web identity and orders');
}

describe('saved replies and CSAT through the real server', () => {
  let server: TestServer;
  let graph: FakeGraph;
  const logs: string[] = [];
  const clients: ChatClient[] = [];
  const signer = new TokenSigner(Buffer.from(SECRET, 'utf8'));

  beforeAll(async () => {
    graph = await fakeGraph();
    const env = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET, MESSENGER_APP_SECRET: APP_SECRET, MESSENGER_VERIFY_TOKEN: 'verify-me', MESSENGER_PAGE_TOKEN: 'page-token', MESSENGER_GRAPH_BASE: graph.url };
    server = await TestServer.start({ prefix: 'shopbot-csat-', env, logs, clients });
  }, 1_800_000);
  afterAll(async () => {
    await server?.close();
    await graph?.close();
  });

  const admin = async () => (await server.store.agents.getByEmail('agent@example.com'))!;
  const agentClient = async (agentId: string) => {
    const c = await connect(server.running.url, '/agents', { token: (await server.store.agents.createSession(agentId)).token });
    clients.push(c);
    await c.waitFor((e) => e.event === 'queue');
    return c;
  };
  const ask = async (c: ChatClient, text: string, until: (texts: string[]) => boolean) => {
    const from = c.events.length;
    expect((await c.send({ text })).ok).toBe(true);
    await c.waitFor(() => until(botTexts(c, from)), { from, timeoutMs: 30_000 });
  };
  const until = async (cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('seeds the shared demo replies, fills one for the open chat, and refuses raw placeholders', async () => {
    const agent = await agentClient((await admin()).id);
    const { customer, web, latest } = knownCustomer();
    const c = await server.customerClient({ token: signer.sign(web, 3600) });
    await ask(c, 'I want to talk to a person please', (t) => t.some((x) => /queue/.test(x)));
    const ticket = (await server.store.tickets.openForConversation(await conversationOf(c)))!;
    expect((await agent.emit('accept', { ticketId: ticket.id })).ok).toBe(true);

    const list = await agent.emit('canned_list', {});
    const replies = list.replies as { id: number; shortcut: string; shared: boolean; editable: boolean }[];
    expect(replies.map((r) => r.shortcut)).toEqual(['/delay', '/refund', '/returns', '/thanks', '/tracking']);
    expect(replies.every((r) => r.shared && r.editable)).toBe(true);
    const returns = replies.find((r) => r.shortcut === '/returns')!;
    const filled = await agent.emit('canned_fill', { ticketId: ticket.id, id: returns.id });
    expect(filled.ok).toBe(true);
    expect(filled.text).toContain(`Hi ${customer.name.split(' ')[0]},`);
    expect(filled.text).toContain(`choose order ${latest.id} and the item`);
    expect(filled.text).not.toMatch(/\{\{|\}\}/);
    expect(filled.missing).toEqual([]);
    // Filling needs the chat to be one's own.
    expect((await agent.emit('canned_fill', { ticketId: 999_999, id: returns.id })).ok).toBe(false);

    const raw = await agent.emit('message', { ticketId: ticket.id, text: 'Your order {{order.id}} is on its way' });
    expect(raw).toMatchObject({ ok: false, error: expect.stringMatching(/replace \{\{order\.id\}\}/) });
    expect((await agent.emit('message', { ticketId: ticket.id, text: filled.text })).ok).toBe(true);
    await c.waitFor((e) => e.event === 'message' && e.data.role === 'agent' && String(e.data.text).includes(latest.id));
    expect(botTexts(c).some((t) => t.includes('{{'))).toBe(false);
    expect((await agent.emit('return', { ticketId: ticket.id })).ok).toBe(true);
  });

  it('agents manage their own replies; only admins change shared ones', async () => {
    const ravi = await server.store.agents.create({ name: 'Ravi Iyer', email: `ravi-${randomUUID()}@example.com`, password: 'pw-12345678', role: 'agent' });
    const agent = await agentClient(ravi.id);
    const boss = await agentClient((await admin()).id);
    const shared = ((await agent.emit('canned_list', {})).replies as { id: number; shortcut: string; editable: boolean }[]).find((r) => r.shortcut === '/thanks')!;
    expect(shared.editable).toBe(false);
    expect(await agent.emit('canned_update', { id: shared.id, shortcut: '/thanks', title: 'x', body: 'y' })).toMatchObject({ ok: false, error: expect.stringMatching(/only an admin/) });
    expect(await agent.emit('canned_delete', { id: shared.id })).toMatchObject({ ok: false });
    expect(await agent.emit('canned_create', { shortcut: '/x', title: 'x', body: 'y', shared: true })).toMatchObject({ ok: false, error: expect.stringMatching(/only an admin/) });

    const mine = await agent.emit('canned_create', { shortcut: '/Hello', title: 'Greeting', body: 'Hello {{customer.firstName}}, Ravi here.' });
    expect(mine).toMatchObject({ ok: true, reply: { shortcut: '/hello', shared: false, editable: true } });
    const id = (mine.reply as { id: number }).id;
    expect(await agent.emit('canned_create', { shortcut: '/bad', title: 'x', body: 'Your {{order.number}}' })).toMatchObject({ ok: false, error: expect.stringMatching(/unknown placeholder \{\{order\.number\}\}/) });
    expect(await agent.emit('canned_create', { shortcut: 'has space', title: 'x', body: 'y' })).toMatchObject({ ok: false, error: expect.stringMatching(/shortcut/) });
    expect(await agent.emit('canned_update', { id, shortcut: '/hello', title: 'Greeting', body: 'Hi {{customer.firstName}}!' })).toMatchObject({ ok: true, reply: { body: 'Hi {{customer.firstName}}!' } });
    // Another agent (even an admin) neither sees nor changes Ravi's own reply.
    expect(((await boss.emit('canned_list', {})).replies as { id: number }[]).some((r) => r.id === id)).toBe(false);
    expect(await boss.emit('canned_delete', { id })).toMatchObject({ ok: false, error: 'no such saved reply' });
    expect(await boss.emit('csat_summary', {})).toMatchObject({ ok: true });
    expect(await agent.emit('csat_summary', {})).toMatchObject({ ok: false, error: expect.stringMatching(/only an admin/) });
    expect(await agent.emit('canned_delete', { id })).toMatchObject({ ok: true, deleted: true });
    // An admin adds and removes a shared one.
    const s = await boss.emit('canned_create', { shortcut: '/warranty', title: 'Warranty', body: 'Our warranty page has the details.', shared: true });
    expect(s).toMatchObject({ ok: true, reply: { shared: true } });
    expect(((await agent.emit('canned_list', { query: 'warr' })).replies as { shortcut: string }[]).map((r) => r.shortcut)).toEqual(['/warranty']);
    expect(await boss.emit('canned_delete', { id: (s.reply as { id: number }).id })).toMatchObject({ ok: true, deleted: true });
  });

  it('web: an agent resolves, the customer rates 4 with a comment, stored with the agent; an unresolved chat cannot be rated', async () => {
    const agent = await agentClient((await admin()).id);
    const c = await server.customerClient();
    await ask(c, 'talk to a person please', (t) => t.some((x) => /queue/.test(x)));
    const conversationId = await conversationOf(c);
    // Not resolved yet: nothing to rate.
    expect(await c.emit('csat', { rating: 5 })).toMatchObject({ ok: false, code: 'not_resolved' });
    const ticket = (await server.store.tickets.openForConversation(conversationId))!;
    expect((await agent.emit('accept', { ticketId: ticket.id })).ok).toBe(true);
    expect((await agent.emit('message', { ticketId: ticket.id, text: 'Your replacement ships today.' })).ok).toBe(true);
    const from = c.events.length;
    expect((await agent.emit('resolve', { ticketId: ticket.id })).ok).toBe(true);
    const asked = await c.waitFor((e) => e.event === 'csat', { from });
    expect(asked.data).toMatchObject({ ticketId: ticket.id, agentName: 'Anna', question: expect.stringMatching(/rate your chat with Anna/) });
    expect((asked.data.choices as { rating: number; label: string }[]).map((x) => x.rating)).toEqual([1, 2, 3, 4, 5]);

    // A reconnecting widget is asked again while unrated.
    const token = String([...c.events].reverse().find((e) => e.event === 'session')!.data.token);
    const again = await server.customerClient({ token });
    await again.waitFor((e) => e.event === 'csat' && e.data.ticketId === ticket.id);

    expect(await c.emit('csat', { ticketId: ticket.id, rating: 7 })).toMatchObject({ ok: false, code: 'invalid' });
    expect(await c.emit('csat', { ticketId: ticket.id, rating: 3 })).toMatchObject({ ok: true, rating: 3, comment: null });
    expect(await c.emit('csat', { ticketId: ticket.id, rating: 4, comment: 'Quick and helpful, thank you' })).toMatchObject({ ok: true, rating: 4 });
    const stored = await server.store.csat.forConversation(conversationId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ ticketId: ticket.id, agentId: (await admin()).id, teamId: null, rating: 4, comment: 'Quick and helpful, thank you', channel: 'web' });
    // Rated: a new connection is not asked again.
    const third = await server.customerClient({ token });
    await new Promise((r) => setTimeout(r, 500));
    expect(third.events.some((e) => e.event === 'csat')).toBe(false);

    // Another customer's connection cannot rate this chat: its own conversation was never resolved.
    const stranger = await server.customerClient();
    await ask(stranger, 'hello', (t) => t.length > 0);
    expect(await stranger.emit('csat', { ticketId: ticket.id, rating: 1 })).toMatchObject({ ok: false, code: 'not_resolved' });
    expect((await server.store.csat.forTicket(ticket.id))!.rating).toBe(4);

    const summary = await agent.emit('csat_summary', {});
    const adminId = (await admin()).id;
    expect((summary.allTime as { agentId: string; ratings: number }[]).find((a) => a.agentId === adminId)!.ratings).toBeGreaterThanOrEqual(1);
  });

  it('Messenger: resolving sends quick replies 1-5 through the Send API; the tapped rating and the comment after it are stored', async () => {
    const agent = await agentClient((await admin()).id);
    const psid = `8${String(Date.now()).slice(-9)}0001`;
    const post = (event: Record<string, unknown>) =>
      postSignedWebhook(server.running.url, { object: 'page', entry: [{ id: 'page', time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: 'page' }, timestamp: Date.now(), ...event }] }] }, APP_SECRET);
    const sent = () => graph.received.filter((r) => (r.body.recipient as { id: string }).id === psid && r.body.message).map((r) => r.body.message as { text?: string; quick_replies?: { title: string; payload: string }[] });

    expect((await post({ message: { mid: `m_${randomUUID()}`, text: 'I need to talk to a human agent' } })).status).toBe(200);
    await until(() => sent().some((m) => /queue/.test(m.text ?? '')), 'the queue notice');
    const customer = (await server.store.customers.findByIdentity('messenger', psid))!;
    const conversationId = (await server.store.conversations.listForCustomer(customer.id, 5))[0]!.id;
    const ticket = (await server.store.tickets.openForConversation(conversationId))!;
    expect((await agent.emit('accept', { ticketId: ticket.id })).ok).toBe(true);
    const before = sent().length;
    expect((await agent.emit('resolve', { ticketId: ticket.id })).ok).toBe(true);
    await until(() => sent().some((m) => m.quick_replies?.length === 5), 'the rating question');
    const question = sent().slice(before).find((m) => m.quick_replies)!;
    expect(question.text).toBe(CSAT_TEXTS.question('Anna'));
    expect(question.quick_replies!.map((q) => q.payload)).toEqual([1, 2, 3, 4, 5].map((n) => csatPayload(ticket.id, n)));
    expect(question.quick_replies!.every((q) => q.title.length <= 20 && /\d$/.test(q.title))).toBe(true);

    // The customer taps 4 (a quick reply), then types a comment.
    const tapped = sent().length;
    expect((await post({ message: { mid: `m_${randomUUID()}`, text: '😊 4', quick_reply: { payload: csatPayload(ticket.id, 4) } } })).status).toBe(200);
    await until(async () => (await server.store.csat.forTicket(ticket.id)) !== undefined, 'the rating');
    await until(() => sent().slice(tapped).some((m) => m.text === CSAT_TEXTS.askComment(4)), 'the comment prompt');
    expect(sent().slice(tapped).find((m) => m.text === CSAT_TEXTS.askComment(4))!.quick_replies).toEqual([{ content_type: 'text', title: CSAT_TEXTS.noComment, payload: csatPayload(ticket.id, 'skip') }]);
    const commented = sent().length;
    expect((await post({ message: { mid: `m_${randomUUID()}`, text: 'Anna sorted it out in minutes' } })).status).toBe(200);
    await until(() => sent().slice(commented).some((m) => m.text === CSAT_TEXTS.commentThanks), 'the thanks');
    expect(await server.store.csat.forTicket(ticket.id)).toMatchObject({ conversationId, agentId: (await admin()).id, rating: 4, comment: 'Anna sorted it out in minutes', channel: 'messenger' });
    // Neither the rating nor the comment became a bot turn.
    await new Promise((r) => setTimeout(r, 1500));
    const texts = (await server.store.conversations.transcript(conversationId)).map((m) => m.text);
    expect(texts).not.toContain('Anna sorted it out in minutes');
    expect(sent().slice(commented)).toHaveLength(1);

    // A rating for a chat of someone else is ignored; a payload for a chat never resolved too.
    const other = `8${String(Date.now()).slice(-9)}0002`;
    await postSignedWebhook(server.running.url, { object: 'page', entry: [{ id: 'page', time: Date.now(), messaging: [{ sender: { id: other }, recipient: { id: 'page' }, timestamp: Date.now(), message: { mid: `m_${randomUUID()}`, text: '1', quick_reply: { payload: csatPayload(ticket.id, 1) } } }] }] }, APP_SECRET);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await server.store.csat.forTicket(ticket.id))!.rating).toBe(4);
  });
});
