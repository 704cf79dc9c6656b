import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import type { Store } from '../store/index.js';
import type { Running } from './main.js';
import { TestServer } from '../testing/test-server.js';
import { botTexts, connect, conversationOf, sessionOf, fixtureRows, postSignedWebhook, type ChatClient, type FakeGraph } from '../testing/test-client.js';

// End to end: the real server (real models, real SQLite file, real FAQ index, real recommender)
// on 127.0.0.1, driven by real socket.io clients and signed Messenger webhooks. Only Meta's Graph
// API is a local fake.

const SECRET = 'e2e-session-secret-0123456789';
const APP_SECRET = 'e2e-app-secret';

interface FixtureCustomer {
  id: string;
  name: string;
  identities: { channel: string; external_id: string }[];
}


/** A seeded customer with both a web and a Messenger identity, and an order in a given status. */
function pickCustomer(status: string): { customer: FixtureCustomer; orderId: string; web: string; psid: string } {
  const orders = fixtureRows<{ id: string; customer_id: string; status: string }>('orders.jsonl');
  const customers = new Map(fixtureRows<FixtureCustomer>('customers.jsonl').map((c) => [c.id, c]));
  for (const o of orders) {
    const c = customers.get(o.customer_id);
    const web = c?.identities.find((i) => i.channel === 'web')?.external_id;
    const psid = c?.identities.find((i) => i.channel === 'messenger')?.external_id;
    if (o.status === status && c && web && psid) return { customer: c, orderId: o.id, web, psid };
  }
  throw new Error(`no fixture customer with web + messenger identities and a ${status} order`);
}

/** The price at the start of a card subtitle such as "₹1,299 · ★ 4.2 (24,269)". */
const price = (subtitle: string) => Number(/[\d,]+(\.\d+)?/.exec(subtitle)![0].replace(/,/g, ''));

describe('ShopBot end to end', () => {
  let server: TestServer;
  let running: Running;
  let graph: FakeGraph;
  let store: Store;
  const signer = new TokenSigner(Buffer.from(SECRET, 'utf8'));

  const customerClient = (auth: Record<string, unknown> = {}) => server.customerClient(auth);
  const ask = async (c: ChatClient, text: string, until: (texts: string[], from: number) => boolean = (t) => t.length > 0) => {
    const from = c.events.length;
    const ack = await c.send({ text });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    await c.waitFor(() => until(botTexts(c, from), from), { from });
    return from;
  };
  const postWebhook = (body: unknown) => postSignedWebhook(running.url, body, APP_SECRET);

  // The first file of a run builds the warm data folder (minutes on 2 busy cores); others wait for it.
  beforeAll(async () => {
    const env = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET };
    server = await TestServer.start({ prefix: 'shopbot-e2e-', env, messenger: { appSecret: APP_SECRET } });
    ({ running, store, graph } = server);
  }, 1_800_000);

  afterAll(() => server?.close());

  it('greets a new web visitor with a signed session and quick replies', async () => {
    const c = await customerClient();
    const session = c.events.find((e) => e.event === 'session')!.data;
    expect(signer.verify(session.token)).not.toBeNull();
    const from = await ask(c, 'hello there');
    expect(botTexts(c, from)[0]).toMatch(/^Hi/);
    await c.waitFor((e) => e.event === 'suggestions', { from });
    // A bare connection stored nothing; the first message created the guest and named the conversation.
    expect(session.conversationId).toBeNull();
    const stored = await store.conversations.transcript(await conversationOf(c));
    expect(stored.map((m) => m.role)).toEqual(['customer', 'bot']);
    expect(stored[0]!.intent).toBe('greeting');
    expect(stored[0]!.sentiment).not.toBeNull();
    // The bot's reply names the customer message it answers.
    const reply = c.events.slice(from).find((e) => e.event === 'message' && e.data.role === 'bot')!;
    expect(reply.data.replyTo).toBe(stored[0]!.seq);
  });

  it('searches products, shows cards within the budget, and records card clicks and add-to-cart', async () => {
    const c = await customerClient();
    const from = c.events.length;
    await c.send({ text: 'show me a usb charging cable under 500 rupees' });
    await conversationOf(c);
    const customerId = sessionOf(c).customerId!;
    const cardEvent = await c.waitFor((e) => e.event === 'card', { from });
    const cards = cardEvent.data.cards as { title: string; subtitle: string; buttons: { title: string; value: string }[] }[];
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) {
      expect(price(card.subtitle)).toBeLessThanOrEqual(500);
    }
    expect(cards.some((card) => /cable|charg|usb/i.test(card.title))).toBe(true);

    const view = cards[0]!.buttons.find((b) => b.title === 'View')!;
    const afterClick = c.events.length;
    await c.send({ value: view.value });
    await c.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && /costs/.test(String(e.data.text)), { from: afterClick });
    const addValue = JSON.parse(cards[0]!.buttons.find((b) => b.title === 'Add to cart')!.value) as Record<string, unknown>;
    // No page cart answered (a channel without one): nothing is confirmed, nothing recorded.
    let at = c.events.length;
    await c.send({ value: JSON.stringify(addValue) });
    await c.waitFor((e) => e.event === 'message' && /can't reach a cart/.test(String(e.data.text)), { from: at });
    expect((await store.events.recentForCustomer(customerId, { limit: 50 })).map((e) => e.type)).not.toContain('add_to_cart');
    // The page's cart refused: the bot says so and why.
    at = c.events.length;
    await c.send({ value: JSON.stringify({ ...addValue, result: 'refused', reason: 'only 2 per customer' }) });
    await c.waitFor((e) => e.event === 'message' && /couldn't add .* to your cart: only 2 per customer/.test(String(e.data.text)), { from: at });
    expect((await store.events.recentForCustomer(customerId, { limit: 50 })).map((e) => e.type)).not.toContain('add_to_cart');
    // The page's cart took it: confirmed and learned from.
    at = c.events.length;
    await c.send({ value: JSON.stringify({ ...addValue, result: 'added' }) });
    await c.waitFor((e) => e.event === 'message' && /Added .* to your cart/.test(String(e.data.text)), { from: at });
    const types = (await store.events.recentForCustomer(customerId, { limit: 50 })).map((e) => e.type);
    expect(types).toContain('impression');
    expect(types).toContain('click');
    expect(types).toContain('add_to_cart');
  });

  it('follows up on "the second one" and "cheaper?"', async () => {
    const c = await customerClient();
    let from = c.events.length;
    await c.send({ text: 'I am looking for wireless earbuds' });
    const first = (await c.waitFor((e) => e.event === 'card', { from })).data.cards as { title: string; subtitle: string }[];
    expect(first.length).toBeGreaterThan(1);
    from = await ask(c, 'tell me about the second one', (t) => t.some((x) => /costs/.test(x)));
    expect(botTexts(c, from).join(' ')).toContain(first[1]!.title.slice(0, 30));
    from = c.events.length;
    await c.send({ text: 'cheaper?' });
    const cheaper = (await c.waitFor((e) => e.event === 'card', { from })).data.cards as { subtitle: string }[];
    const cheapestBefore = Math.min(...first.map((x) => price(x.subtitle)));
    for (const x of cheaper) expect(price(x.subtitle)).toBeLessThan(cheapestBefore);
  });

  it('answers an FAQ from past transcripts without leaking placeholders or other customers’ data', async () => {
    const c = await customerClient();
    const from = await ask(c, 'what payment methods do you accept?');
    const answer = botTexts(c, from).join('\n');
    expect(answer).not.toMatch(/not confident|not sure I understood/);
    expect(answer).not.toMatch(/\{\{|\}\}/);
    expect(answer).not.toMatch(/@example\.(com|org)/);
  });

  it('tells a known customer the status of their own order, and nothing about anyone else’s', async () => {
    const mine = pickCustomer('shipped');
    const other = pickCustomer('processing');
    const c = await customerClient({ token: signer.sign(mine.web, 3600) });
    expect(c.events.find((e) => e.event === 'session')!.data.customerId).toBe(mine.customer.id);
    let from = await ask(c, `where is my order ${mine.orderId}?`);
    expect(botTexts(c, from).join(' ')).toContain(mine.orderId);
    from = await ask(c, `what is the status of order ${other.orderId}`);
    const reply = botTexts(c, from).join(' ');
    expect(reply).toMatch(/couldn't find that order/);
    expect(reply).not.toContain(other.orderId);
  });

  it('asks a guest for the order number and the e-mail on it, and answers only when both match', async () => {
    const owner = pickCustomer('shipped');
    const email = fixtureRows<{ id: string; email: string }>('customers.jsonl').find((c) => c.id === owner.customer.id)!.email;
    const c = await customerClient();
    let from = await ask(c, 'where is my order');
    expect(botTexts(c, from).join(' ')).toMatch(/order number.*e-mail/i);
    // The number alone is not enough, and a wrong e-mail gets the same answer as a wrong number.
    from = await ask(c, `my order number is ${owner.orderId}`);
    expect(botTexts(c, from).join(' ')).toMatch(/e-mail/i);
    from = await ask(c, 'its someone.else@example.com');
    let reply = botTexts(c, from).join(' ');
    expect(reply).toMatch(/couldn't find an order with that number and e-mail/);
    expect(reply).not.toContain(owner.orderId);
    expect(reply).not.toMatch(/on its way|delivered|shipped/i);
    from = await ask(c, `${owner.orderId} ${email.toUpperCase()}`);
    reply = botTexts(c, from).join(' ');
    expect(reply).toContain(owner.orderId);
    expect(reply).toMatch(/on its way/);
  });

  it('meets a complaint with empathy and a person, and records the real mood', async () => {
    const c = await customerClient();
    const from = await ask(c, 'this is the third time my refund failed, absolutely useless!!', (t) => t.some((x) => /queue|offline/.test(x)));
    const reply = botTexts(c, from).join(' ');
    expect(reply).toMatch(/sorry/i);
    expect(reply).not.toMatch(/can't help with that|not sure I understood/);
    const conversationId = await conversationOf(c);
    const [complaint] = (await store.conversations.transcript(conversationId)).filter((m) => m.role === 'customer');
    expect(complaint!.sentiment).toBe('negative');
    const d = await customerClient();
    await ask(d, 'Talk to a person', (t) => t.some((x) => /queue|offline/.test(x)));
    const [ask2] = (await store.conversations.transcript(await conversationOf(d))).filter((m) => m.role === 'customer');
    expect(ask2!.sentiment).toBe('neutral');
  });

  it('cancels a processing order only after confirmation', async () => {
    const mine = pickCustomer('processing');
    const c = await customerClient({ token: signer.sign(mine.web, 3600) });
    let from = await ask(c, `please cancel my order ${mine.orderId}`);
    expect(botTexts(c, from).join(' ')).toMatch(/Do you want me to cancel/);
    expect((await store.orders.get(mine.orderId))!.status).toBe('processing');
    from = await ask(c, 'yes');
    expect(botTexts(c, from).join(' ')).toMatch(/is cancelled/);
    expect((await store.orders.get(mine.orderId))!.status).toBe('cancelled');
  });

  it('keeps customers apart: a forged token starts a new guest who never sees another chat', async () => {
    const a = await customerClient();
    await ask(a, 'hello');
    await conversationOf(a);
    const aSession = sessionOf(a);
    const forged = String(aSession.token).slice(0, -4) + 'AAAA';
    const b = await customerClient({ token: forged });
    const bSession = b.events.find((e) => e.event === 'session')!.data;
    expect(bSession.customerId).not.toBe(aSession.customerId);
    expect(bSession.conversationId).not.toBe(aSession.conversationId);
    const before = b.events.length;
    await ask(a, 'hi, I want something for my kitchen');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.events.slice(before).filter((e) => e.event === 'message')).toHaveLength(0);
  });

  it('replays missed messages after a reconnect and resumes after a reload', async () => {
    const a = await customerClient();
    await ask(a, 'hello');
    await conversationOf(a);
    const session = sessionOf(a);
    const seqs = a.events.filter((e) => e.event === 'message').map((e) => Number(e.data.seq));
    const lastSeen = seqs[0]!; // pretend only the first message arrived
    a.close();
    const again = await customerClient({ token: session.token, afterSeq: lastSeen });
    expect(again.events.find((e) => e.event === 'session')!.data.conversationId).toBe(session.conversationId);
    const replayed = again.events.filter((e) => e.event === 'message').map((e) => Number(e.data.seq));
    expect(replayed).toEqual(seqs.filter((s) => s > lastSeen));
  });

  it('refuses empty, oversized and flooding messages with clear errors, and treats HTML as text', async () => {
    const c = await customerClient();
    expect(await c.send({ text: '   ' })).toMatchObject({ ok: false, code: 'empty' });
    expect(await c.send({ text: 'x'.repeat(5000) })).toMatchObject({ ok: false, code: 'too_long' });
    const from = await ask(c, '<script>alert("x")</script> hello');
    const echoed = c.events.slice(from).find((e) => e.event === 'message' && e.data.role === 'customer');
    expect(echoed?.data.text).toBe('<script>alert("x")</script> hello');
    const acks = await Promise.all(Array.from({ length: 30 }, () => c.send({ text: 'spam' })));
    expect(acks.some((a) => a.code === 'rate_limited')).toBe(true);
    // The server is still serving.
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    // Public health says only that (the model workers' figures are on the staff-only /api/staff/health, desk/staff-auth.test.ts).
    expect(await health.json()).toEqual({ ok: true });
  });

  it('hands a chat to an agent, relays both ways, and resolves it, learning nothing without approval', async () => {
    const login = await fetch(`${running.url}/api/agents/login`, { method: 'POST', body: JSON.stringify({ email: 'agent@example.com', password: 'demo-agent' }), headers: { 'content-type': 'application/json' } });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const bad = await fetch(`${running.url}/api/agents/login`, { method: 'POST', body: JSON.stringify({ email: 'agent@example.com', password: 'wrong' }), headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(401);
    await expect(connect(running.url, '/agents', { token: 'forged' })).rejects.toThrow(/unauthorized/);
    const agent = await server.staffClient(token);

    const c = await customerClient();
    let from = await ask(c, 'I want to talk to a human please', (t) => t.some((x) => /number \d+ in the queue/.test(x)));
    const conversationId = await conversationOf(c);
    await c.waitFor((e) => e.event === 'handoff' && e.data.status === 'pending', { from });
    // The queue reaches agents as a snapshot on connection, then row by row.
    const rows = (e: { event: string; data: unknown }) => (e.event === 'queue' ? (e.data as { ticketId: number; conversationId: string }[]) : e.event === 'queue_add' ? [e.data as { ticketId: number; conversationId: string }] : []);
    const queued = await agent.waitFor((e) => rows(e).some((t) => t.conversationId === conversationId));
    const ticket = rows(queued).find((t) => t.conversationId === conversationId)!;

    // While waiting (an agent is online but has not taken the chat) the bot keeps answering, and
    // asking again does not queue twice.
    let waiting = await ask(c, 'meanwhile, can i pay with cash on delivery?', (t) => t.some((x) => /cash on delivery/i.test(x)));
    expect(botTexts(c, waiting).join(' ')).toMatch(/Payment methods page/);
    waiting = await ask(c, 'talk to a human', (t) => t.some((x) => /already in the queue/i.test(x)));
    expect((await store.tickets.queue()).filter((q) => q.conversationId === conversationId)).toHaveLength(1);

    const accepted = await agent.emit('accept', { ticketId: ticket.ticketId });
    expect(accepted.ok).toBe(true);
    const view = accepted.view as { summary: string; transcript: { role: string; intent: string | null }[] };
    expect(view.summary).toMatch(/customer wrote/i);
    expect(view.transcript.some((m) => m.role === 'customer' && m.intent !== null)).toBe(true);
    // The agent sees what the bot answered while the customer waited.
    expect(view.transcript.some((m) => m.role === 'bot' && /Payment methods page/.test((m as { text?: string }).text ?? ''))).toBe(true);
    await c.waitFor((e) => e.event === 'message' && /Anna .*joined/.test(String(e.data.text)), { from });

    from = c.events.length;
    expect((await agent.emit('message', { ticketId: ticket.ticketId, text: 'Hi, Anna here. Your parcel ships tomorrow with express delivery.' })).ok).toBe(true);
    const relayed = await c.waitFor((e) => e.event === 'message' && e.data.role === 'agent', { from });
    expect(relayed.data.agentName).toBe('Anna');
    // The agent sees the customer typing (the web channel forwards it only while an agent has the chat).
    const typingFrom = agent.events.length;
    expect((await c.emit('typing', { on: true })).ok).toBe(true);
    await agent.waitFor((e) => e.event === 'customer_typing' && e.data.conversationId === conversationId, { from: typingFrom });

    const agentFrom = agent.events.length;
    await c.send({ text: 'great, when exactly does express delivery arrive?' });
    await agent.waitFor((e) => e.event === 'customer_message', { from: agentFrom });
    // The bot stays quiet while the agent has the chat.
    await new Promise((r) => setTimeout(r, 300));
    expect(botTexts(c, from).filter((t) => !t.includes('Anna here'))).toHaveLength(0);

    expect((await agent.emit('message', { ticketId: ticket.ticketId, text: 'Express delivery arrives within one working day.' })).ok).toBe(true);
    const resolved = await agent.emit('resolve', { ticketId: ticket.ticketId });
    expect(resolved.ok).toBe(true);
    // The agent is offered a draft to save for everyone; nothing is learned until someone does.
    expect((resolved.draft as { answer: string }).answer).toMatch(/express delivery/i);
    expect(await store.learned.list()).toHaveLength(0);
    await c.waitFor((e) => e.event === 'handoff' && e.data.status === 'resolved', { from });
    expect((await store.tickets.get(ticket.ticketId))!.status).toBe('resolved');
    expect((await store.conversations.get(conversationId))!.handoff).toBe('none');
    // Another agent action on a resolved chat is refused.
    expect((await agent.emit('message', { ticketId: ticket.ticketId, text: 'late' })).ok).toBe(false);
  });

  it('after a hand-back, does not ask a guest again for the order number and e-mail they gave the agent', async () => {
    const login = await fetch(`${running.url}/api/agents/login`, { method: 'POST', body: JSON.stringify({ email: 'agent@example.com', password: 'demo-agent' }), headers: { 'content-type': 'application/json' } });
    const agent = await server.staffClient(((await login.json()) as { token: string }).token);
    const owner = pickCustomer('shipped');
    const email = fixtureRows<{ id: string; email: string }>('customers.jsonl').find((c) => c.id === owner.customer.id)!.email;
    const c = await customerClient();
    // A look-up that missed first (a wrong e-mail), as in a real chat.
    await ask(c, 'where is my order');
    expect(botTexts(c, await ask(c, `${owner.orderId} someone.else@example.com`)).join(' ')).toMatch(/couldn't find an order/);
    await ask(c, 'need to talk to a person', (t) => t.some((x) => /queue/.test(x)));
    const conversationId = await conversationOf(c);
    const ticket = await store.tickets.openForConversation(conversationId);
    expect((await agent.emit('accept', { ticketId: ticket!.id })).ok).toBe(true);
    const agentFrom = agent.events.length;
    await c.send({ text: `its ${owner.orderId}, mail id ${email}` });
    await agent.waitFor((e) => e.event === 'customer_message', { from: agentFrom });
    expect((await agent.emit('resolve', { ticketId: ticket!.id })).ok).toBe(true);
    await c.waitFor((e) => e.event === 'handoff' && e.data.status === 'resolved');
    const from = await ask(c, 'so where is my order now?');
    const reply = botTexts(c, from).join(' ');
    expect(reply).toContain(owner.orderId);
    expect(reply).not.toMatch(/e-mail/i);
    // Another guest gets nothing of it.
    const d = await customerClient();
    const other = botTexts(d, await ask(d, 'where is my order now?')).join(' ');
    expect(other).toMatch(/order number/i);
    expect(other).not.toContain(owner.orderId);
  });

  it("suggests the agent the store's own answer, with its source, and nothing below the bot's confidence", async () => {
    const login = await fetch(`${running.url}/api/agents/login`, { method: 'POST', body: JSON.stringify({ email: 'agent@example.com', password: 'demo-agent' }), headers: { 'content-type': 'application/json' } });
    const agent = await server.staffClient(((await login.json()) as { token: string }).token);
    const c = await customerClient();
    await ask(c, 'can i pay with cash on delivery?');
    await ask(c, 'talk to a person please', (t) => t.some((x) => /queue/.test(x)));
    const ticket = (await store.tickets.openForConversation(await conversationOf(c)))!;
    const accepted = await agent.emit('accept', { ticketId: ticket.id });
    const view = accepted.view as { suggestedAnswers: { text: string; from?: string }[] };
    expect(view.suggestedAnswers).toHaveLength(1);
    expect(view.suggestedAnswers[0]!.from).toMatch(/Payment methods/);
    expect(view.suggestedAnswers[0]!.text).toContain('₹49');
    expect((await agent.emit('return', { ticketId: ticket.id })).ok).toBe(true);
    // A question nothing answers confidently gets no suggestion at all.
    const d = await customerClient();
    await ask(d, 'qwerty zxcv asdf');
    await ask(d, 'talk to a person please', (t) => t.some((x) => /queue/.test(x)));
    const t2 = (await store.tickets.openForConversation(await conversationOf(d)))!;
    const v2 = (await agent.emit('accept', { ticketId: t2.id })).view as { suggestedAnswers: unknown[] };
    expect(v2.suggestedAnswers).toHaveLength(0);
    expect((await agent.emit('return', { ticketId: t2.id })).ok).toBe(true);
  });

  it('serves one customer on Messenger and web with one history', async () => {
    const both = pickCustomer('delivered');
    const res = await postWebhook({ object: 'page', entry: [{ id: 'page', time: Date.now(), messaging: [{ sender: { id: both.psid }, recipient: { id: 'page' }, timestamp: Date.now(), message: { mid: 'mid-1', text: 'hi' } }] }] });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 20_000;
    while (!graph.received.some((r) => (r.body.recipient as { id: string }).id === both.psid && r.body.message) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const sent = graph.received.filter((r) => (r.body.recipient as { id: string }).id === both.psid && r.body.message);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]!.query).toContain('access_token=page-token');
    expect(JSON.stringify(sent[0]!.body.message)).toMatch(/Hi/);

    // The same customer on the web sees the Messenger turns in their one conversation.
    const web = await customerClient({ token: signer.sign(both.web, 3600), afterSeq: 0 });
    expect(web.events.find((e) => e.event === 'session')!.data.customerId).toBe(both.customer.id);
    const history = web.events.filter((e) => e.event === 'message');
    expect(history.some((e) => e.data.role === 'customer' && e.data.text === 'hi')).toBe(true);
    expect(history.some((e) => e.data.role === 'bot')).toBe(true);

    const unsigned = await fetch(`${running.url}/webhooks/messenger`, { method: 'POST', body: '{"object":"page","entry":[]}', headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
  });

  it('keeps history, sessions and the hand-off queue across a restart', async () => {
    const c = await customerClient();
    await ask(c, 'I need a human agent right now', (t) => t.some((x) => /queue|offline/.test(x)));
    await conversationOf(c);
    const session = sessionOf(c);
    const ticket = await store.tickets.openForConversation(String(session.conversationId));
    expect(ticket?.status).toBe('pending');
    await server.restart();
    ({ running, store } = server);
    const again = await customerClient({ token: session.token, afterSeq: 0 });
    expect(again.events.find((e) => e.event === 'session')!.data.conversationId).toBe(session.conversationId);
    expect(again.events.filter((e) => e.event === 'message').length).toBeGreaterThanOrEqual(2);
    expect((await store.tickets.openForConversation(String(session.conversationId)))?.id).toBe(ticket!.id);
    // The widget learns the hand-off state with the session, and the waiting status with its position.
    expect(sessionOf(again).handoff).toBe('pending');
    await again.waitFor((e) => e.event === 'handoff' && e.data.status === 'pending' && typeof e.data.position === 'number');
  }, 600_000);
});
