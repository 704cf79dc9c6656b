import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { Activity } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type SqliteStore } from '../store/index.js';
import type { InboundMessage } from './inbound.js';
import type { Running } from '../app/main.js';
import { createHttpApp, type HttpApp } from '../app/server.js';
import { TestServer } from '../testing/test-server.js';
import { connect, type ChatClient } from '../testing/test-client.js';
import { cleanName, createBotFrameworkChannel, isLoopbackUrl, storeLimitError } from './botframework.js';

// The Bot Framework channel end to end: the real bot (real models, SQLite, FAQ index, recommender)
// behind POST /api/messages. Only the Bot Framework connector service (the channel's true external
// edge, where normal-mode replies are POSTed) is a local fake.

interface Posted {
  path: string;
  conversationId: string;
  replyToId: string | null;
  auth: string | undefined;
  activity: Partial<Activity> & Record<string, unknown>;
}

interface FakeConnector {
  url: string;
  posted: Posted[];
  /** Resolves with the first posted activity (past or future) matching. */
  waitFor(pred: (p: Posted) => boolean, timeoutMs?: number): Promise<Posted>;
  close(): Promise<void>;
}

/** A local stand-in for the Bot Framework connector service (`serviceUrl`): records every reply. */
async function fakeConnector(): Promise<FakeConnector> {
  const posted: Posted[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end();
        return;
      }
      try {
        const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Posted['activity'];
        posted.push({ path: req.url!, conversationId: decodeURIComponent(m[1]!), replyToId: m[2] ? decodeURIComponent(m[2]) : null, auth: req.headers.authorization, activity });
      } catch {
        // recorded nothing: the test will notice
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `reply-${++n}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    posted,
    async waitFor(pred, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = posted.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`connector got no matching activity; got: ${JSON.stringify(posted.map((p) => [p.conversationId, p.activity.type, p.activity.name ?? p.activity.text])).slice(0, 2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

interface HeroCard {
  title: string;
  subtitle: string;
  buttons: { type: string; title: string; value: string }[];
}

describe('Bot Framework channel (POST /api/messages) with the real bot', () => {
  let server: TestServer;
  let running: Running;
  let connector: FakeConnector;
  let store: SqliteStore;
  const logs: string[] = [];
  const clients: ChatClient[] = [];

  /** An activity as the Emulator / a Bot Framework channel sends it. */
  const activity = (user: string, conversationId: string, extra: Record<string, unknown>) => ({
    type: 'message',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    channelId: 'emulator',
    serviceUrl: connector.url,
    from: { id: user, name: 'Test User', role: 'user' },
    recipient: { id: 'shopbot-app', name: 'ShopBot', role: 'bot' },
    conversation: { id: conversationId },
    locale: 'en-US',
    ...extra,
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${running.url}/api/messages`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  /** One expectReplies turn: the bot's replies come back in the response body. */
  const ask = async (user: string, conversationId: string, extra: Record<string, unknown>) => {
    const a = activity(user, conversationId, { deliveryMode: 'expectReplies', ...extra });
    const res = await post(a);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { activities: (Partial<Activity> & Record<string, unknown>)[] };
    return { sent: a, replies: body.activities, messages: body.activities.filter((x) => x.type === 'message') };
  };
  const identityOwner = (user: string): string | undefined =>
    (store.db.prepare('SELECT customer_id FROM channel_identities WHERE channel = ? AND external_id = ?').get('emulator', `emulator:${user}`) as { customer_id: string } | undefined)?.customer_id;
  const conversationsOf = async (customerId: string) => (await store.conversations.listForCustomer(customerId, 50)).filter((c) => c.source === 'live');

  beforeAll(async () => {
    connector = await fakeConnector();
    const env: NodeJS.ProcessEnv = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'botframework-test-secret-0123456789', SHOPBOT_PUBLIC_URL: 'https://shop.example/store/' };
    for (const k of ['MicrosoftAppId', 'MicrosoftAppPassword', 'MicrosoftAppTenantId', 'MicrosoftAppType', 'SHOPBOT_BOTFRAMEWORK']) delete env[k];
    server = await TestServer.start({ prefix: 'shopbot-botframework-', env, logs, clients });
    ({ running, store } = server);
  }, 1_800_000);

  afterAll(async () => {
    await server?.close();
    await connector?.close();
  });

  it('answers in the HTTP response with deliveryMode expectReplies: greeting, product cards, card clicks', async () => {
    const user = `user-${randomUUID()}`;
    const conv = `conv-${randomUUID()}`;
    const hi = await ask(user, conv, { text: 'hi' });
    expect(hi.messages.length).toBeGreaterThan(0);
    expect(hi.messages[0]!.text).toMatch(/^Hi/);
    // Addressed back to the Bot Framework conversation, as a reply to the customer's activity.
    for (const r of hi.replies) {
      expect(r.conversation?.id).toBe(conv);
      expect(r.recipient?.id).toBe(user);
      expect(r.from?.id).toBe('shopbot-app');
      expect(r.replyToId).toBe(hi.sent.id);
      expect(r.channelId).toBe('emulator');
    }
    expect(hi.messages.some((m) => (m.suggestedActions?.actions.length ?? 0) > 0)).toBe(true);
    // Nothing went to the connector: every reply rode in the response.
    expect(connector.posted.filter((p) => p.conversationId === conv)).toHaveLength(0);

    const search = await ask(user, conv, { text: 'show me a usb charging cable under 500 rupees' });
    const withCards = search.messages.find((m) => m.attachments?.length);
    expect(withCards, JSON.stringify(search.messages).slice(0, 1000)).toBeDefined();
    expect(withCards!.attachmentLayout).toBe('carousel');
    const cards = withCards!.attachments!.map((a) => {
      expect(a.contentType).toBe('application/vnd.microsoft.card.hero');
      return a.content as HeroCard;
    });
    expect(cards.some((c) => /cable|charg|usb/i.test(c.title))).toBe(true);
    for (const c of cards) expect(Number(/[\d,]+/.exec(c.subtitle)![0].replace(/,/g, ''))).toBeLessThanOrEqual(500);
    // "View on store" is made absolute against SHOPBOT_PUBLIC_URL: a Bot Framework client has no store page to resolve it.
    const onStore = cards[0]!.buttons.find((b) => b.type === 'openUrl');
    expect(onStore?.value).toMatch(/^https:\/\/shop\.example\/\?product=P-/);

    // A card button: Web Chat / the Emulator send a string postBack value as the message text.
    const view = cards[0]!.buttons.find((b) => b.title === 'View')!;
    expect(view.type).toBe('postBack');
    const clicked = await ask(user, conv, { text: view.value });
    expect(clicked.messages.map((m) => m.text).join(' ')).toMatch(/costs/);
    // ... and messageBack / object values arrive as `value`.
    const add = cards[0]!.buttons.find((b) => b.title === 'Add to cart')!;
    // With no page cart to answer, the bot confirms nothing; a client whose page took it says so.
    const noCart = await ask(user, conv, { value: JSON.parse(add.value) as unknown });
    expect(noCart.messages.map((m) => m.text).join(' ')).toMatch(/can't reach a cart/);
    const added = await ask(user, conv, { value: { ...(JSON.parse(add.value) as object), result: 'added' } });
    expect(added.messages.map((m) => m.text).join(' ')).toMatch(/Added .* to your cart/);

    // Everything is in the store under one customer identity and one conversation.
    const customerId = identityOwner(user);
    expect(customerId).toBeDefined();
    const convs = await conversationsOf(customerId!);
    expect(convs).toHaveLength(1);
    const transcript = await store.conversations.transcript(convs[0]!.id);
    expect(transcript.filter((m) => m.role === 'customer').map((m) => m.text)).toEqual(['hi', 'show me a usb charging cable under 500 rupees', '', '', '']);
    expect(transcript.find((m) => m.role === 'customer' && m.seq > 3 && m.text === '')?.payload).toEqual({ value: view.value });
    expect(transcript.some((m) => m.role === 'bot' && Array.isArray((m.payload as { attachments?: unknown[] } | null)?.attachments))).toBe(true);
    expect((await store.events.recentForCustomer(customerId!, { limit: 50 })).map((e) => e.type)).toEqual(expect.arrayContaining(['impression', 'click', 'add_to_cart']));
  });

  it('posts normal-mode replies to the connector, and keeps one store conversation per Bot Framework user', async () => {
    const user = `user-${randomUUID()}`;
    const conv = `conv-${randomUUID()}`;
    const first = activity(user, conv, { text: 'hello there' });
    const res = await post(first);
    expect(res.status).toBe(200);
    // The turn has finished when the response comes: its replies are already at the connector.
    const replies = connector.posted.filter((p) => p.conversationId === conv);
    const messages = replies.filter((p) => p.activity.type === 'message');
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]!.activity.text).toMatch(/^Hi/);
    for (const p of replies) {
      expect(p.replyToId).toBe(first.id);
      expect(p.path).toBe(`/v3/conversations/${conv}/activities/${first.id}`);
      expect(p.activity.recipient?.id).toBe(user);
      expect(p.activity.replyToId).toBe(first.id);
      // Auth is off: no token is fetched or sent.
      expect(p.auth).toBeUndefined();
    }
    // Customer echoes are never sent back to the channel.
    expect(replies.some((p) => p.activity.text === 'hello there')).toBe(false);

    const second = activity(user, conv, { text: 'what payment methods do you accept?' });
    expect((await post(second)).status).toBe(200);
    const answer = connector.posted.filter((p) => p.replyToId === second.id && p.activity.type === 'message');
    expect(answer.length).toBeGreaterThan(0);
    expect(answer.map((p) => p.activity.text).join(' ')).not.toMatch(/\{\{|\}\}/);

    // A new Emulator conversation of the same user still continues the same store conversation.
    const third = activity(user, `conv-${randomUUID()}`, { text: 'thanks' });
    expect((await post(third)).status).toBe(200);

    const customerId = identityOwner(user)!;
    expect(customerId).toBeDefined();
    const convs = await conversationsOf(customerId);
    expect(convs).toHaveLength(1);
    const transcript = await store.conversations.transcript(convs[0]!.id);
    expect(transcript.filter((m) => m.role === 'customer').map((m) => m.text)).toEqual(['hello there', 'what payment methods do you accept?', 'thanks']);
    expect(transcript.filter((m) => m.role === 'bot').length).toBeGreaterThanOrEqual(3);
    // The conversation reference is persisted, so proactive replies survive a restart.
    const ref = (await store.state.get<{ serviceUrl: string; conversation: { id: string }; user: { id: string } }>(`botframework:ref:emulator:${user}`))?.value;
    expect(ref).toMatchObject({ serviceUrl: connector.url, conversation: { id: third.conversation.id }, user: { id: user } });
  });

  it('hands off to a person: handoff.initiate with the transcript, handoff.status, and proactive agent replies', async () => {
    const login = await fetch(`${running.url}/api/agents/login`, { method: 'POST', body: JSON.stringify({ email: 'agent@example.com', password: 'demo-agent' }), headers: { 'content-type': 'application/json' } });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const agent = await connect(running.url, '/agents', { token });
    clients.push(agent);

    const user = `user-${randomUUID()}`;
    const conv = `conv-${randomUUID()}`;
    expect((await post(activity(user, conv, { text: 'hello' }))).status).toBe(200);
    const ask = activity(user, conv, { text: 'I want to talk to a human please' });
    expect((await post(ask)).status).toBe(200);

    const inTurn = connector.posted.filter((p) => p.conversationId === conv && p.replyToId === ask.id);
    const initiate = inTurn.find((p) => p.activity.type === 'event' && p.activity.name === 'handoff.initiate');
    expect(initiate, JSON.stringify(inTurn.map((p) => p.activity))).toBeDefined();
    expect(initiate!.activity.value).toMatchObject({ reason: 'asked', skill: expect.any(String), ticketId: expect.any(Number) });
    const transcriptAttachment = initiate!.activity.attachments?.[0];
    expect(transcriptAttachment?.name).toBe('Transcript');
    const transcript = (transcriptAttachment?.content as { activities: Partial<Activity>[] }).activities;
    expect(transcript.map((a) => a.text)).toEqual(expect.arrayContaining(['hello', 'I want to talk to a human please']));
    expect(transcript.some((a) => a.from?.role === 'bot' && /^Hi/.test(a.text ?? ''))).toBe(true);
    const status = inTurn.find((p) => p.activity.type === 'event' && p.activity.name === 'handoff.status');
    expect(status?.activity.value).toMatchObject({ status: 'pending' });
    expect(inTurn.findIndex((p) => p === initiate)).toBeLessThan(inTurn.findIndex((p) => p === status));
    expect(inTurn.some((p) => p.activity.type === 'message' && /queue/.test(String(p.activity.text)))).toBe(true);

    // The agent takes the chat; the customer's turn is over, so these go out proactively.
    const ticketId = (initiate!.activity.value as { ticketId: number }).ticketId;
    const before = connector.posted.length;
    expect((await agent.emit('accept', { ticketId })).ok).toBe(true);
    const joined = await connector.waitFor((p) => p.conversationId === conv && p.activity.type === 'message' && /joined the chat/.test(String(p.activity.text)));
    expect(connector.posted.indexOf(joined)).toBeGreaterThanOrEqual(before);
    expect(joined.replyToId).not.toBe(ask.id);
    expect(joined.activity.recipient?.id).toBe(user);
    await connector.waitFor((p) => p.conversationId === conv && p.activity.name === 'handoff.status' && (p.activity.value as { status?: string }).status === 'assigned');
    expect((await agent.emit('message', { ticketId, text: 'Hi, Anna here. How can I help?' })).ok).toBe(true);
    // Bot Framework shows replies under the bot's name: the agent's message names the agent.
    const relayed = await connector.waitFor((p) => p.conversationId === conv && p.activity.text === 'Anna: Hi, Anna here. How can I help?');
    expect((relayed.activity.channelData as { agentName?: string } | undefined)?.agentName).toBe('Anna');

    // The customer's next message reaches the agent; the bot stays quiet.
    const agentFrom = agent.events.length;
    const reply = activity(user, conv, { text: 'my parcel is late' });
    expect((await post(reply)).status).toBe(200);
    await agent.waitFor((e) => e.event === 'customer_message', { from: agentFrom });
    expect(connector.posted.filter((p) => p.replyToId === reply.id && p.activity.type === 'message')).toHaveLength(0);
    expect((await agent.emit('resolve', { ticketId })).ok).toBe(true);
    await connector.waitFor((p) => p.conversationId === conv && p.activity.name === 'handoff.status' && (p.activity.value as { status?: string }).status === 'resolved');
    agent.close();
  });

  it('takes an activity in once however often the channel delivers it (per channel and conversation)', async () => {
    const user = `user-${randomUUID()}`;
    const conv = `conv-${randomUUID()}`;
    const first = activity(user, conv, { text: 'hello there' });
    expect((await post(first)).status).toBe(200);
    const answered = connector.posted.filter((p) => p.replyToId === first.id && p.activity.type === 'message').length;
    expect(answered).toBeGreaterThan(0);
    // Three retries, two of them at once: 200 each, no second turn, nothing stored twice.
    const retries = await Promise.all([post(first), post(first)]);
    expect(retries.map((r) => r.status)).toEqual([200, 200]);
    expect((await post(first)).status).toBe(200);
    // An expectReplies retry gets an empty answer, not a second turn.
    const again = await post({ ...first, deliveryMode: 'expectReplies' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { activities: Partial<Activity>[] }).activities.filter((a) => a.type === 'message')).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(connector.posted.filter((p) => p.replyToId === first.id && p.activity.type === 'message')).toHaveLength(answered);
    const customerId = identityOwner(user)!;
    const transcript = await store.conversations.transcript((await conversationsOf(customerId))[0]!.id);
    expect(transcript.filter((m) => m.role === 'customer').map((m) => m.text)).toEqual(['hello there']);
    expect(logs.some((l) => l.includes('[botframework]') && l.includes('repeated delivery') && l.includes(first.id))).toBe(true);
    // The same activity id in another conversation is another message.
    const elsewhere = activity(user, `conv-${randomUUID()}`, { id: first.id, text: 'thanks' });
    expect((await post(elsewhere)).status).toBe(200);
    expect((await store.conversations.transcript((await conversationsOf(customerId))[0]!.id)).filter((m) => m.role === 'customer').map((m) => m.text)).toEqual(['hello there', 'thanks']);
  });

  it('refuses text over 64 KB (413) and a from.id too long for the store (400) with a JSON error, storing nothing', async () => {
    const before = (store.db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
    const conv = `conv-${randomUUID()}`;
    const bigUser = `user-${randomUUID()}`;
    const big = await post(activity(bigUser, conv, { text: 'x'.repeat(64 * 1024 + 1) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toMatch(/text/);
    // Multi-byte text is measured in bytes, as the store does.
    expect((await post(activity(bigUser, conv, { text: 'é'.repeat(32 * 1024 + 1) }))).status).toBe(413);
    expect(identityOwner(bigUser)).toBeUndefined();
    expect(logs.some((l) => /\[botframework\] refused .*text/.test(l))).toBe(true);

    // The external id is `emulator:${from.id}`: 256 bytes at most in all.
    for (const id of ['u'.repeat(250), 'u'.repeat(256 - 'emulator:'.length + 1), 'é'.repeat(124)]) {
      const res = await post(activity(id, conv, { text: 'hi' }));
      expect(res.status, id).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/from\.id/);
      expect(identityOwner(id)).toBeUndefined();
    }
    expect(logs.some((l) => /\[botframework\] refused .*from\.id/.test(l))).toBe(true);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n).toBe(before);
    expect(connector.posted.filter((p) => p.conversationId === conv)).toHaveLength(0);

    // Right at the limits it works.
    const longest = 'u'.repeat(256 - 'emulator:'.length);
    const ok = await ask(longest, conv, { text: 'hi' });
    expect(ok.messages[0]!.text).toMatch(/^Hi/);
    expect(identityOwner(longest)).toBeDefined();
  });

  it('keeps from.name plain text: no markup or control characters reach the store or a reply', async () => {
    const user = `user-${randomUUID()}`;
    const conv = `conv-${randomUUID()}`;
    const hi = await ask(user, conv, { text: 'hi', from: { id: user, name: '<img src=x onerror=alert(1)>', role: 'user' } });
    const texts = hi.messages.map((m) => String(m.text)).join('\n');
    expect(texts).toMatch(/^Hi/);
    expect(texts).not.toMatch(/[<>]/);
    const customer = (await store.customers.get(identityOwner(user)!))!;
    expect(customer.name).toBe('img src=x onerror=alert(1)');
    const ref = (await store.state.get<{ user: { name?: string } }>(`botframework:ref:emulator:${user}`))?.value;
    expect(ref?.user.name).toBe('img src=x onerror=alert(1)');

    const other = `user-${randomUUID()}`;
    const named = await ask(other, `conv-${randomUUID()}`, { text: 'hi', from: { id: other, name: '  Ann\u0000a \n\t \u202eSmith\u200b ', role: 'user' } });
    expect(named.messages[0]!.text).toMatch(/^Hi Anna!/);
    expect((await store.customers.get(identityOwner(other)!))!.name).toBe('Anna Smith');
  });

  it('ignores non-message activities and refuses malformed, oversized and incomplete requests without going down', async () => {
    const user = `user-${randomUUID()}`;
    const conv = `conv-${randomUUID()}`;
    const update = activity(user, conv, { type: 'conversationUpdate', membersAdded: [{ id: user, name: 'Test User' }, { id: 'shopbot-app', name: 'ShopBot' }] });
    delete (update as Record<string, unknown>).text;
    expect((await post(update)).status).toBe(200);
    expect((await post(activity(user, conv, { type: 'typing' }))).status).toBe(200);
    expect((await post(activity(user, conv, { type: 'event', name: 'webchat/join', value: {} }))).status).toBe(200);
    expect((await post('{"type": "message", ')).status).toBe(400);
    expect((await post('[1, 2, 3]')).status).toBe(400);
    expect((await post({ type: 'message', text: 'no addressing' })).status).toBe(400);
    expect((await post(activity(user, conv, { serviceUrl: 'file:///etc/passwd', text: 'hi' }))).status).toBe(400);
    // Authentication is off here, so replies may only go to a connector on this machine (no SSRF).
    expect((await post(activity(user, conv, { serviceUrl: 'http://169.254.169.254/latest/', text: 'hi' }))).status).toBe(403);
    expect((await post(activity(user, conv, { serviceUrl: 'https://attacker.example/', text: 'hi' }))).status).toBe(403);
    expect(logs.some((l) => /refused serviceUrl http:\/\/169\.254\.169\.254/.test(l))).toBe(true);
    expect((await post(activity(user, conv, { text: 'x'.repeat(300 * 1024) }))).status).toBe(413);
    expect((await fetch(`${running.url}/api/messages`)).status).toBe(405);
    // None of that created a customer or reached the connector.
    expect(identityOwner(user)).toBeUndefined();
    expect(connector.posted.filter((p) => p.conversationId === conv)).toHaveLength(0);

    // Still serving, and the same user can talk normally.
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    const ok = await ask(user, conv, { text: 'hi' });
    expect(ok.messages[0]!.text).toMatch(/^Hi/);
  });
});

describe('Bot Framework names and store limits', () => {
  it('cleans a display name to plain text: no control, format or markup characters, one space, at most 64 characters', () => {
    expect(cleanName('<img src=x onerror=alert(1)>')).toBe('img src=x onerror=alert(1)');
    expect(cleanName('<script>alert("x")</script>')).toBe('scriptalert("x")/script');
    expect(cleanName('  Ann\u0000a \n\t Smith\u202e\u200b ')).toBe('Anna Smith');
    expect(cleanName('[click](https://evil.example)')).toBe('click(https://evil.example)');
    expect(cleanName('José Ñúñez 李')).toBe('José Ñúñez 李');
    expect(cleanName('A'.repeat(500))).toBe('A'.repeat(64));
    // An emoji is never cut in half.
    expect(cleanName('😀'.repeat(100))).toBe('😀'.repeat(64));
    for (const empty of ['', '   ', '<>', '\u0000\u0007', 42, null, undefined, {}]) expect(cleanName(empty)).toBeUndefined();
  });

  it('names the first field over the store limits, with 413 for text and 400 for ids', () => {
    const base = { type: 'message', channelId: 'emulator', from: { id: 'u1' }, text: 'hi' };
    expect(storeLimitError(base)).toBeNull();
    expect(storeLimitError({ ...base, text: 'x'.repeat(64 * 1024) })).toBeNull();
    expect(storeLimitError({ ...base, text: 'x'.repeat(64 * 1024 + 1) })).toMatchObject({ status: 413 });
    expect(storeLimitError({ ...base, from: { id: 'u'.repeat(247) } })).toBeNull();
    expect(storeLimitError({ ...base, from: { id: 'u'.repeat(248) } })).toMatchObject({ status: 400, error: expect.stringMatching(/from\.id/) });
    // Text of other activity types is never stored.
    expect(storeLimitError({ ...base, type: 'typing', text: 'x'.repeat(64 * 1024 + 1) })).toBeNull();
  });
});

describe('loopback service URLs', () => {
  it('accepts only this machine', () => {
    for (const u of ['http://localhost:3978', 'http://127.0.0.1:50000/', 'https://[::1]:8443/x', 'http://127.1.2.3']) expect(isLoopbackUrl(u), u).toBe(true);
    for (const u of ['http://169.254.169.254/', 'https://example.com', 'http://localhost.example.com', 'http://10.0.0.1', 'not a url', 'http://0.0.0.0']) expect(isLoopbackUrl(u), u).toBe(false);
  });
});

describe('Bot Framework channel with authentication on', () => {
  let app: HttpApp;
  let base: string;
  let dataDir: string;
  let store: SqliteStore;
  const received: InboundMessage[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    // A real (empty) store; the gateway only records, since nothing may reach it.
    dataDir = mkdtempSync(join(tmpdir(), 'shopbot-botframework-auth-'));
    store = openStore(join(dataDir, 'shop.db'));
    app = createHttpApp({ log: (l) => logs.push(l) });
    const channel = createBotFrameworkChannel({
      gateway: { receive: async (m) => (received.push(m), { seq: 0, conversationId: '', customerId: '', done: Promise.resolve() }), addOutlet: () => {} },
      store,
      settings: { enabled: true, appId: '00000000-0000-0000-0000-000000000001', appPassword: 'not-a-real-secret', appTenantId: '', appType: 'MultiTenant' },
      log: (l) => logs.push(l),
    });
    app.route('/api/messages', channel.handler);
    base = `http://127.0.0.1:${(await app.listen(0, '127.0.0.1')).port}/api/messages`;
  });

  afterAll(async () => {
    await app?.close();
    store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const message = (user: string) =>
    JSON.stringify({ type: 'message', id: 'a1', channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9', from: { id: user }, recipient: { id: 'bot' }, conversation: { id: 'c1' }, text: 'hi' });

  it('rejects unsigned and forged requests with 401 and stores nothing', async () => {
    const before = (store.db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
    const unsigned = await fetch(base, { method: 'POST', body: message('intruder-1'), headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    const garbage = await fetch(base, { method: 'POST', body: message('intruder-2'), headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-jwt' } });
    expect(garbage.status).toBe(401);
    // A JWT shaped like the Bot Framework's, but not signed by it: 401 once its signing keys are
    // fetched, 503 where they cannot be (no network here); never a turn.
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = b64({ alg: 'RS256', typ: 'JWT', kid: 'forged' });
    const claims = b64({ iss: 'https://api.botframework.com', aud: '00000000-0000-0000-0000-000000000001', serviceurl: 'http://127.0.0.1:9', exp: Math.floor(Date.now() / 1000) + 3600 });
    const forged = await fetch(base, { method: 'POST', body: message('intruder-3'), headers: { 'content-type': 'application/json', authorization: `Bearer ${head}.${claims}.${Buffer.from('sig').toString('base64url')}` } });
    expect([401, 503]).toContain(forged.status);
    expect(received).toHaveLength(0);
    for (const user of ['intruder-1', 'intruder-2', 'intruder-3']) {
      expect(store.db.prepare('SELECT 1 FROM channel_identities WHERE external_id = ?').get(`emulator:${user}`)).toBeUndefined();
      expect(await store.state.get(`botframework:ref:emulator:${user}`)).toBeUndefined();
    }
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n).toBe(before);
    expect(logs.some((l) => l.includes('rejected an unauthenticated request'))).toBe(true);
    // Malformed bodies are still a 400, whatever the auth.
    expect((await fetch(base, { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });
});
