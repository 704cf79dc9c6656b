import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import type { Store } from '../store/index.js';
import { formatCode, typedCode } from './linking.js';
import type { Running } from '../app/main.js';
import { TestServer } from '../testing/test-server.js';
import { botTexts, conversationOf, fixtureRows, postSignedWebhook, type ChatClient, type FakeGraph } from '../testing/test-client.js';

// Account linking web chat -> Messenger, end to end: the real server (real models, SQLite file,
// bot), real socket.io clients and signed Messenger webhooks; only Meta's Graph API is a local fake.

const SECRET = 'linking-session-secret-0123456789';
const APP_SECRET = 'linking-app-secret';
const PAGE = 'shopbot.demo';

describe('typed link codes', () => {
  it('reads "link XXXX-XXXX" in its usual spellings and nothing else', () => {
    expect(typedCode('link K7QD-M2XP')).toBe('K7QDM2XP');
    expect(typedCode('  Link: k7qd m2xp ')).toBe('K7QDM2XP');
    expect(typedCode('link code K7QDM2XP.')).toBe('K7QDM2XP');
    expect(typedCode('link accounts')).toBeNull(); // a word, not a code: no digit
    expect(typedCode('please link K7QD-M2XP')).toBeNull();
    expect(typedCode('link K7QD-M2XP and more')).toBeNull();
    expect(typedCode(undefined)).toBeNull();
    expect(formatCode('K7QDM2XP')).toBe('K7QD-M2XP');
  });
});

interface FixtureCustomer {
  id: string;
  email: string | null;
  identities: { channel: string; external_id: string }[];
}


/** A seeded customer known only on the web (no Messenger yet), with a shipped order. */
function webOnlyCustomer(): { customer: FixtureCustomer; web: string; orderId: string } {
  const customers = new Map(fixtureRows<FixtureCustomer>('customers.jsonl').map((c) => [c.id, c]));
  for (const o of fixtureRows<{ id: string; customer_id: string; status: string }>('orders.jsonl')) {
    const c = customers.get(o.customer_id);
    if (o.status === 'shipped' && c && c.identities.length === 1 && c.identities[0]!.channel === 'web') return { customer: c, web: c.identities[0]!.external_id, orderId: o.id };
  }
  throw new Error('no web-only fixture customer with a shipped order');
}

const usedPsids = new Set<string>();
/** A fresh Page-scoped id nobody has used yet. */
function newPsid(): string {
  for (;;) {
    const p = String(randomInt(1e9, 9e9)) + String(randomInt(1e6, 9e6));
    if (!usedPsids.has(p)) {
      usedPsids.add(p);
      return p;
    }
  }
}

describe('account linking web chat -> Messenger, end to end', () => {
  let server: TestServer;
  let running: Running;
  let graph: FakeGraph;
  let store: Store;
  const signer = new TokenSigner(Buffer.from(SECRET, 'utf8'));
  let mid = 0;

  const customerClient = (auth: Record<string, unknown> = {}) => server.customerClient(auth);
  const session = (c: ChatClient) => c.events.filter((e) => e.event === 'session').at(-1)!.data as { token: string; customerId: string; conversationId: string; messenger: boolean; messengerLinked: boolean };
  const ask = async (c: ChatClient, text: string) => {
    const from = c.events.length;
    const ack = await c.send({ text });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    await c.waitFor(() => botTexts(c, from).length > 0, { from });
    return from;
  };
  const requestLink = async (c: ChatClient) => {
    const ack = (await c.emit('link', {})) as { ok: boolean; url: string | null; code: string; expiresAt: string };
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    return { ...ack, ref: new URL(ack.url!).searchParams.get('ref')! };
  };
  const postWebhook = async (messaging: Record<string, unknown>[]) => {
    const body = { object: 'page', entry: [{ id: 'page', time: Date.now(), messaging: messaging.map((m) => ({ recipient: { id: 'page' }, timestamp: Date.now(), ...m })) }] };
    const res = await postSignedWebhook(running.url, body, APP_SECRET);
    expect(res.status).toBe(200);
  };
  const referral = (psid: string, ref: string) => postWebhook([{ sender: { id: psid }, referral: { ref, source: 'SHORTLINK', type: 'OPEN_THREAD' } }]);
  const getStarted = (psid: string, ref: string) => postWebhook([{ sender: { id: psid }, postback: { title: 'Get Started', payload: 'GET_STARTED', referral: { ref, source: 'SHORTLINK', type: 'OPEN_THREAD' } } }]);
  const say = (psid: string, text: string, payload?: string) => postWebhook([{ sender: { id: psid }, message: { mid: `mid-${++mid}`, text, ...(payload ? { quick_reply: { payload } } : {}) } }]);
  /** Messages the fake Graph API was asked to send to `psid`, after index `from`. */
  const sentTo = (psid: string, from = 0) =>
    graph.received
      .slice(from)
      .filter((r) => (r.body.recipient as { id: string }).id === psid && r.body.message)
      .map((r) => r.body.message as { text?: string; quick_replies?: { title: string; payload: string }[] });
  /** Waits for a Send API message to `psid` whose text matches, sent after index `from`. */
  const waitSent = async (psid: string, re: RegExp, from: number) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const hit = sentTo(psid, from).find((m) => re.test(m.text ?? ''));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no message to ${psid} matching ${re}; got ${JSON.stringify(sentTo(psid, from))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const messengerOwner = (psid: string) => store.customers.findByIdentity('messenger', psid);
  const channelsOf = async (customerId: string) => (await store.customers.identities(customerId)).map((i) => `${i.channel}:${i.externalId}`);
  const openLive = async (customerId: string) => (await store.conversations.listForCustomer(customerId, 200)).filter((c) => c.source === 'live' && c.status === 'open');

  beforeAll(async () => {
    const env = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET, MESSENGER_PAGE_NAME: PAGE, SHOPBOT_PUBLIC_URL: 'https://shop.example/' };
    server = await TestServer.start({ prefix: 'shopbot-linking-', env, messenger: { appSecret: APP_SECRET } });
    ({ running, store, graph } = server);
  }, 1_800_000);

  afterAll(() => server?.close());

  it('a web guest continues on Messenger through the m.me link: one customer, both identities, one history', async () => {
    const c = await customerClient();
    const first = session(c);
    expect(first.messenger).toBe(true);
    expect(first.messengerLinked).toBe(false);
    await ask(c, 'hello');
    // The guest exists from their first message on: its session names them.
    await conversationOf(c);
    const s = session(c);

    const link = await requestLink(c);
    expect(link.url).toMatch(new RegExp(`^https://m\\.me/${PAGE.replace('.', '\\.')}\\?ref=link\\.`));
    expect(link.code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    const ttl = Date.parse(link.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(8 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000);
    // The link token is no web session token: presenting it as one starts a new guest.
    const intruder = await customerClient({ token: link.ref.slice('link.'.length) });
    expect(session(intruder).customerId).not.toBe(s.customerId);
    expect(signer.verify(link.ref.slice('link.'.length))).toBeNull();

    const psid = newPsid();
    const from = graph.received.length;
    const webFrom = c.events.length;
    await referral(psid, link.ref);
    await waitSent(psid, /Your Messenger is now connected/, from);
    const linked = await c.waitFor((e) => e.event === 'linked', { from: webFrom });
    expect(linked.data.message).toMatch(/this chat continues there/);
    await c.waitFor((e) => e.event === 'message' && /Your Messenger is now connected/.test(String(e.data.text)), { from: webFrom });

    // One customer with both identities; no second customer was created for the PSID.
    expect((await messengerOwner(psid))?.id).toBe(s.customerId);
    const identities = await channelsOf(s.customerId);
    expect(identities).toHaveLength(2);
    expect(identities).toContain(`messenger:${psid}`);
    expect(identities.some((i) => i.startsWith('web:'))).toBe(true);

    // A Messenger message shows in the open web chat (mirror) and lands in the same history.
    const beforeMsg = c.events.length;
    const graphBefore = graph.received.length;
    await say(psid, 'hi from messenger');
    await c.waitFor((e) => e.event === 'message' && e.data.role === 'customer' && e.data.text === 'hi from messenger', { from: beforeMsg });
    await c.waitFor((e) => e.event === 'message' && e.data.role === 'bot', { from: beforeMsg });
    await waitSent(psid, /./, graphBefore);
    const history = (await store.conversations.transcript(s.conversationId)).map((m) => `${m.role}:${m.text}`);
    expect(history[0]).toBe('customer:hello');
    expect(history).toContain('customer:hi from messenger');
    expect(history.some((h) => /^bot:Your Messenger is now connected/.test(h))).toBe(true);
    expect((await openLive(s.customerId)).map((x) => x.id)).toEqual([s.conversationId]);

    // A reload of the web chat knows Messenger is connected.
    const again = await customerClient({ token: s.token });
    expect(session(again).messengerLinked).toBe(true);

    // The same link again (a replay) is refused and changes nothing.
    const replayFrom = graph.received.length;
    const replayPsid = newPsid();
    await referral(replayPsid, link.ref);
    await waitSent(replayPsid, /already used/, replayFrom);
    expect(await messengerOwner(replayPsid)).toBeUndefined();
    expect(await channelsOf(s.customerId)).toHaveLength(2);
  });

  it('links a known web customer by the typed code, on Get Started too; a code works once and only the newest works', async () => {
    const known = webOnlyCustomer();
    const c = await customerClient({ token: signer.sign(known.web, 3600) });
    expect(session(c).customerId).toBe(known.customer.id);

    const psid = newPsid();
    // Before linking, the Messenger guest cannot see the customer's order: the number alone gets
    // the question for the e-mail on it, never the status.
    let from = graph.received.length;
    await say(psid, `where is my order ${known.orderId}?`);
    await waitSent(psid, /e-mail address you used/, from);
    const guestId = (await messengerOwner(psid))!.id;
    expect(guestId).not.toBe(known.customer.id);

    const first = await requestLink(c);
    const second = await requestLink(c);
    expect(second.code).not.toBe(first.code);
    from = graph.received.length;
    await say(psid, `link ${first.code}`);
    await waitSent(psid, /does not match/, from);
    expect((await messengerOwner(psid))!.id).toBe(guestId);

    // Lower case, no dash: still the code. This Messenger account already has a history, so even a
    // typed code (someone may have talked its owner into typing theirs) asks before joining it.
    from = graph.received.length;
    await say(psid, `link ${second.code.replace('-', '').toLowerCase()}`);
    await waitSent(psid, /Connect this Messenger/, from);
    expect((await messengerOwner(psid))!.id).toBe(guestId);
    // After the yes, the Messenger guest (a bare "Guest" with its history) is merged into the known
    // customer, who keeps name and e-mail.
    from = graph.received.length;
    const webFrom = c.events.length;
    await say(psid, 'Yes, connect', 'LINK_CONFIRM');
    await waitSent(psid, /Your Messenger is now connected/, from);
    await c.waitFor((e) => e.event === 'linked', { from: webFrom });
    expect((await messengerOwner(psid))?.id).toBe(known.customer.id);
    expect((await store.customers.get(known.customer.id))?.email).toBe(known.customer.email);
    expect(await store.customers.get(guestId)).toBeUndefined();
    // The typed code never went into anyone's history.
    const all: string[] = [];
    for (const x of await store.conversations.listForCustomer(known.customer.id, 200)) all.push(...(await store.conversations.transcript(x.id)).map((m) => m.text));
    expect(all.some((t) => t.includes(second.code.replace('-', '').toLowerCase()))).toBe(false);
    expect(all).toContain(`where is my order ${known.orderId}?`);

    // Now Messenger answers about the customer's own order.
    from = graph.received.length;
    await say(psid, `where is my order ${known.orderId}?`);
    await waitSent(psid, new RegExp(known.orderId), from);

    // The code is spent: another PSID typing it gets a polite refusal and nothing changes.
    const other = newPsid();
    from = graph.received.length;
    await say(other, `link ${second.code}`);
    await waitSent(other, /does not match/, from);
    expect(await messengerOwner(other)).toBeUndefined();

    // Get Started on a new thread carries the ref in the postback.
    const g = await customerClient();
    const gl = await requestLink(g);
    const fresh = newPsid();
    from = graph.received.length;
    await getStarted(fresh, gl.ref);
    await waitSent(fresh, /Your Messenger is now connected/, from);
    expect((await messengerOwner(fresh))?.id).toBe(session(g).customerId);
  });

  it('refuses forged, expired and replayed links with a clear reply and changes nothing', async () => {
    const c = await customerClient();
    await ask(c, 'hi');
    await conversationOf(c);
    const s = session(c);
    const link = await requestLink(c);
    const token = link.ref.slice('link.'.length);
    const code = link.code.replace('-', '');
    const linkSigner = signer.derive('messenger-link');
    const attempts: [string, RegExp][] = [
      // Tampered signature.
      [`link.${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`, /not valid/],
      // The right code, signed with another key.
      [`link.${new TokenSigner(Buffer.from('someone-else-secret-0123456789')).sign(code, 600)}`, /not valid/],
      // A web session token of this very customer is no link token.
      [`link.${s.token}`, /not valid/],
      // Genuinely signed, but expired an hour ago.
      [`link.${linkSigner.sign(code, 600, Date.now() - 3_600_000)}`, /expired/],
      // Genuinely signed, for a code that was never issued.
      [`link.${linkSigner.sign('ZZZZ9999', 600)}`, /already used or replaced/],
      ['link.garbage', /not valid/],
    ];
    for (const [ref, re] of attempts) {
      const psid = newPsid();
      const from = graph.received.length;
      await referral(psid, ref);
      await waitSent(psid, re, from);
      expect(await messengerOwner(psid)).toBeUndefined();
    }
    expect(await channelsOf(s.customerId)).toHaveLength(1);

    // The genuine link still works after all that (nothing was consumed)...
    const psid = newPsid();
    let from = graph.received.length;
    await referral(psid, link.ref);
    await waitSent(psid, /now connected/, from);
    expect((await messengerOwner(psid))?.id).toBe(s.customerId);
    // ...once: the same PSID opening it again is told it is spent, and it stays linked.
    from = graph.received.length;
    await referral(psid, link.ref);
    await waitSent(psid, /already used/, from);
    expect((await messengerOwner(psid))?.id).toBe(s.customerId);

    // A link whose stored record ran out (10 minutes) is refused as expired.
    const late = await requestLink(c);
    const key = `link:code:${late.code.replace('-', '')}`;
    await store.state.put(key, { ...(await store.state.get<Record<string, unknown>>(key))!.value, expiresAt: Date.now() - 1000 });
    const latePsid = newPsid();
    from = graph.received.length;
    await referral(latePsid, late.ref);
    await waitSent(latePsid, /expired/, from);
    expect(await messengerOwner(latePsid)).toBeUndefined();

    // A referral that is not ours (an ad, a plain m.me link) is ignored: no reply, no customer.
    const adPsid = newPsid();
    await referral(adPsid, 'summer-campaign');
    await new Promise((r) => setTimeout(r, 500));
    expect(sentTo(adPsid)).toEqual([]);
    expect(await messengerOwner(adPsid)).toBeUndefined();
  });

  it('merges a Messenger customer with its own history into the web customer after a confirmation, losing no message', async () => {
    const psid = newPsid();
    let from = graph.received.length;
    await say(psid, 'hello, I am looking for a phone charger');
    await waitSent(psid, /./, from);
    from = graph.received.length;
    await say(psid, 'thanks');
    await waitSent(psid, /./, from);
    const mCustomer = (await messengerOwner(psid))!;
    const mConversation = (await openLive(mCustomer.id))[0]!;
    const mMessages = (await store.conversations.transcript(mConversation.id)).map((m) => m.id);
    expect(mMessages.length).toBeGreaterThanOrEqual(4);

    const c = await customerClient();
    await ask(c, 'hi, do you ship to Pune?');
    await conversationOf(c);
    const s = session(c);
    const webMessages = (await store.conversations.transcript(s.conversationId)).map((m) => m.id);
    const link = await requestLink(c);

    // Someone else's link must not silently expose this Messenger history: it asks first.
    from = graph.received.length;
    await referral(psid, link.ref);
    const prompt = await waitSent(psid, /Connect this Messenger/, from);
    expect(prompt.quick_replies?.map((q) => q.payload)).toEqual(['LINK_CONFIRM', 'LINK_CANCEL']);
    expect((await messengerOwner(psid))?.id).toBe(mCustomer.id);
    // A hedged typed answer is no yes: the bot answers it as a message and nothing is joined.
    from = graph.received.length;
    await say(psid, 'sure, but wait');
    await waitSent(psid, /./, from);
    expect((await messengerOwner(psid))?.id).toBe(mCustomer.id);
    // "No" changes nothing.
    from = graph.received.length;
    await say(psid, 'No', 'LINK_CANCEL');
    await waitSent(psid, /nothing was connected/, from);
    expect((await messengerOwner(psid))?.id).toBe(mCustomer.id);
    expect(await store.customers.get(mCustomer.id)).toBeDefined();

    // Opening the link again and saying yes merges the two.
    from = graph.received.length;
    await referral(psid, link.ref);
    await waitSent(psid, /Connect this Messenger/, from);
    from = graph.received.length;
    const webFrom = c.events.length;
    await say(psid, 'Yes, connect', 'LINK_CONFIRM');
    await waitSent(psid, /now connected/, from);
    await c.waitFor((e) => e.event === 'linked', { from: webFrom });

    // Both were guests: the web customer (who asked) stays, the Messenger one is merged into it.
    expect((await messengerOwner(psid))?.id).toBe(s.customerId);
    expect(await store.customers.get(mCustomer.id)).toBeUndefined();
    for (const id of [...mMessages, ...webMessages]) expect((await store.conversations.getMessage(id))?.customerId).toBe(s.customerId);
    expect((await store.conversations.get(mConversation.id))?.customerId).toBe(s.customerId);

    // Exactly one live conversation stays open (the most recent); the other is closed as merged.
    const open = await openLive(s.customerId);
    expect(open).toHaveLength(1);
    const keeper = open[0]!;
    const closed = [mConversation.id, s.conversationId].find((id) => id !== keeper.id)!;
    expect(await store.conversations.get(closed)).toMatchObject({ status: 'closed', resolution: `merged into ${keeper.id}` });
    // The open web tab follows the conversation that continues.
    expect(session(c).conversationId).toBe(keeper.id);

    // From now on Messenger and web write into that one conversation, and the web chat shows it.
    const before = c.events.length;
    from = graph.received.length;
    await say(psid, 'one more question from messenger');
    await c.waitFor((e) => e.event === 'message' && e.data.role === 'customer' && e.data.text === 'one more question from messenger', { from: before });
    await waitSent(psid, /./, from);
    const webAck = await c.send({ text: 'and one from the web' });
    expect(webAck.ok).toBe(true);
    await c.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && Number(e.data.seq) > Number(webAck.seq));
    const texts = (await store.conversations.transcript(keeper.id)).map((m) => m.text);
    expect(texts).toContain('one more question from messenger');
    expect(texts).toContain('and one from the web');
    expect((await openLive(s.customerId)).map((x) => x.id)).toEqual([keeper.id]);
  });

  it('disconnects Messenger from the web chat or by "unlink" on Messenger: history stays, Messenger starts over, replies follow the web', async () => {
    const c = await customerClient();
    await ask(c, 'hello, do you have phone cases?');
    await conversationOf(c);
    const s = session(c);
    const linkTo = async (psid: string) => {
      const link = await requestLink(c);
      const from = graph.received.length;
      await referral(psid, link.ref);
      await waitSent(psid, /now connected/, from);
      expect((await messengerOwner(psid))?.id).toBe(s.customerId);
    };
    const route = async (conversationId: string) => (await store.state.get<{ channel: string; externalId: string }>(`route:${conversationId}`))?.value;

    // 1. From the web chat: every Messenger of the account is disconnected, and the PSID is told.
    const psid = newPsid();
    await linkTo(psid);
    let from = graph.received.length;
    await say(psid, 'what is my order status?');
    await waitSent(psid, /./, from);
    expect(await route(s.conversationId)).toEqual({ channel: 'messenger', externalId: psid });
    const before = (await store.conversations.transcript(s.conversationId)).map((m) => m.id);

    from = graph.received.length;
    let webFrom = c.events.length;
    const ack = (await c.emit('unlink', {})) as { ok: boolean; message: string };
    expect(ack).toMatchObject({ ok: true, message: expect.stringMatching(/disconnected/) });
    await waitSent(psid, /disconnected from your shop account in the web chat/, from);
    await c.waitFor((e) => e.event === 'unlinked', { from: webFrom });
    await c.waitFor((e) => e.event === 'session' && e.data.messengerLinked === false, { from: webFrom });
    expect(await messengerOwner(psid)).toBeUndefined();
    expect((await channelsOf(s.customerId)).filter((i) => i.startsWith('messenger:'))).toEqual([]);
    // Nothing written was moved or lost, and the conversation's replies now go to the web.
    expect((await store.conversations.transcript(s.conversationId)).map((m) => m.id)).toEqual(before);
    expect(await route(s.conversationId)).toEqual({ channel: 'web', externalId: expect.any(String) });
    expect((await route(s.conversationId))!.externalId).toBe((await store.customers.identities(s.customerId)).find((i) => i.channel === 'web')!.externalId);
    // Asking again: nothing to disconnect.
    expect(await c.emit('unlink', {})).toMatchObject({ ok: false, code: 'not_linked' });

    // The PSID now writes as a new guest, who cannot see the account's history.
    from = graph.received.length;
    webFrom = c.events.length;
    await say(psid, 'hello again from messenger');
    await waitSent(psid, /./, from);
    const guest = (await messengerOwner(psid))!;
    expect(guest.id).not.toBe(s.customerId);
    expect((await store.conversations.listForCustomer(guest.id, 10)).map((x) => x.id)).not.toContain(s.conversationId);
    expect((await store.conversations.transcript(s.conversationId)).map((m) => m.text)).not.toContain('hello again from messenger');
    await new Promise((r) => setTimeout(r, 300));
    expect(c.events.slice(webFrom).some((e) => e.event === 'message' && e.data.text === 'hello again from messenger')).toBe(false);

    // 2. On Messenger: "unlink" by a Messenger-only customer has nothing to disconnect.
    from = graph.received.length;
    await say(psid, 'unlink');
    await waitSent(psid, /not connected to a web chat account/, from);
    expect((await messengerOwner(psid))?.id).toBe(guest.id);

    // A second Messenger account linked, then "unlink" typed there: only that PSID leaves.
    const psid2 = newPsid();
    await linkTo(psid2);
    from = graph.received.length;
    await say(psid2, 'where is my refund?');
    await waitSent(psid2, /./, from);
    const keeper = (await openLive(s.customerId))[0]!.id;
    expect(await route(keeper)).toEqual({ channel: 'messenger', externalId: psid2 });
    from = graph.received.length;
    webFrom = c.events.length;
    await say(psid2, 'Unlink my account');
    await waitSent(psid2, /no longer connected to your shop account/, from);
    await c.waitFor((e) => e.event === 'unlinked', { from: webFrom });
    expect(await messengerOwner(psid2)).toBeUndefined();
    // Replies that follow the stored route (an agent's, a proactive one) now reach the web chat.
    expect((await route(keeper))?.channel).toBe('web');
  });

  it('tells a Messenger user who asks for the web chat how to continue there, and links nothing by itself', async () => {
    const psid = newPsid();
    for (const text of ['continue on the web', 'Link my account', 'chat on website?', 'connect web chat']) {
      const from = graph.received.length;
      await say(psid, text);
      const m = await waitSent(psid, /choose "Continue on Messenger" there/, from);
      expect(m.text, text).toContain('open https://shop.example/,');
    }
    // Handled by linking alone: the bot saw none of it, so no customer exists for the PSID yet.
    expect(await messengerOwner(psid)).toBeUndefined();
    // A question that merely mentions the website is the bot's.
    const from = graph.received.length;
    await say(psid, 'is the price on the website the same as in the app?');
    const reply = await waitSent(psid, /./, from);
    expect(reply.text).not.toMatch(/Continue on Messenger/);
    expect(await messengerOwner(psid)).toBeDefined();
  });

  it('cannot be used to take over someone else’s account by guessing codes', async () => {
    // Codes are random: many links give distinct codes over the whole alphabet.
    const victim = await customerClient();
    const codes = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const other = await customerClient();
      codes.add((await requestLink(other)).code);
    }
    const victimLink = await requestLink(victim);
    codes.add(victimLink.code);
    expect(codes.size).toBe(4);

    // An attacker typing guesses gets five tries, then is stopped, even with the right code.
    const attacker = newPsid();
    for (let i = 0; i < 5; i++) {
      const from = graph.received.length;
      await say(attacker, `link ${formatCode(`ABCD${2345 + i}`.slice(0, 8))}`);
      await waitSent(attacker, /does not match/, from);
    }
    let from = graph.received.length;
    await say(attacker, `link ${victimLink.code}`);
    await waitSent(attacker, /Too many attempts/, from);
    expect(await messengerOwner(attacker)).toBeUndefined();
    expect(await channelsOf(session(victim).customerId)).toHaveLength(1);

    // The refused attempt did not spend the victim's code: the victim can still use it.
    const mine = newPsid();
    from = graph.received.length;
    await say(mine, `link ${victimLink.code}`);
    await waitSent(mine, /now connected/, from);
    expect((await messengerOwner(mine))?.id).toBe(session(victim).customerId);

    // Asking for links is rate limited on the web side too.
    const acks = await Promise.all(Array.from({ length: 7 }, () => victim.emit('link', {})));
    expect(acks.some((a) => a.code === 'rate_limited')).toBe(true);
  });
});
