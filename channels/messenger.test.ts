import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFactory, CardFactory } from 'botbuilder';
import { createHttpApp, type HttpApp } from '../app/server.js';
import { MAX_MESSAGE_CHARS, type InboundMessage } from './inbound.js';
import { tempStore } from '../testing/store-helpers.js';
import { fakeGraph, postSignedWebhook, type FakeGraph } from '../testing/test-client.js';
import { TestServer } from '../testing/test-server.js';
import { createMessengerWebhook, parseWebhook, verifySignature, type MessengerInbound } from './messenger.js';
import { toSendApi } from './messenger-format.js';
import { MESSENGER_TEXTS } from './messenger-texts.js';

const SECRET = 'test-app-secret';
const sign = (body: string, secret = SECRET) => 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
const event = (psid: string, message: Record<string, unknown>) => JSON.stringify({ object: 'page', entry: [{ id: '1', time: 1, messaging: [{ sender: { id: psid }, recipient: { id: '1' }, timestamp: 1, ...message }] }] });

describe('Messenger signature and parsing', () => {
  it('accepts only the exact HMAC of the raw body', () => {
    const body = Buffer.from(event('123', { message: { mid: 'm1', text: 'hi' } }));
    expect(verifySignature(body, sign(body.toString()), SECRET)).toBe(true);
    expect(verifySignature(body, sign(body.toString(), 'other'), SECRET)).toBe(false);
    expect(verifySignature(Buffer.concat([body, Buffer.from(' ')]), sign(body.toString()), SECRET)).toBe(false);
    expect(verifySignature(body, 'sha1=abc', SECRET)).toBe(false);
    expect(verifySignature(body, 'sha256=zz', SECRET)).toBe(false);
    expect(verifySignature(body, undefined, SECRET)).toBe(false);
  });

  it('reads text, quick replies and postbacks and ignores echoes and garbage', () => {
    const body = JSON.parse(
      JSON.stringify({
        object: 'page',
        entry: [
          {
            messaging: [
              { sender: { id: '111' }, message: { mid: 'a', text: 'hello' } },
              { sender: { id: '111' }, message: { mid: 'b', text: 'Yes', quick_reply: { payload: 'YES' } } },
              { sender: { id: '111' }, postback: { title: 'View', payload: '{"action":"view","productId":"P-1"}' } },
              { sender: { id: '111' }, message: { mid: 'c', text: 'echo', is_echo: true } },
              { sender: { id: 'not-a-psid' }, message: { text: 'x' } },
              { sender: {}, message: { text: 'x' } },
              null,
            ],
          },
        ],
      }),
    );
    const out = parseWebhook(body);
    expect(out).toEqual([
      { channel: 'messenger', externalId: '111', text: 'hello', messageId: 'a' },
      { channel: 'messenger', externalId: '111', text: 'Yes', value: 'YES', messageId: 'b' },
      { channel: 'messenger', externalId: '111', value: '{"action":"view","productId":"P-1"}', text: 'View' },
    ]);
    expect(parseWebhook({ object: 'instagram' })).toEqual([]);
    expect(parseWebhook('nonsense')).toEqual([]);
  });

  it('reads m.me referrals: OPEN_THREAD into an existing thread, and Get Started with a ref on a new one', () => {
    const body = {
      object: 'page',
      entry: [
        {
          messaging: [
            { sender: { id: '222' }, recipient: { id: '1' }, timestamp: 1, referral: { ref: 'link.abc.def', source: 'SHORTLINK', type: 'OPEN_THREAD' } },
            { sender: { id: '333' }, postback: { title: 'Get Started', payload: 'GET_STARTED', referral: { ref: 'link.xyz', source: 'SHORTLINK', type: 'OPEN_THREAD' } } },
            { sender: { id: '444' }, postback: { title: 'Get Started', payload: 'GET_STARTED' } },
            // Malformed or oversized refs read as no referral; a bare one then carries nothing at all.
            { sender: { id: '555' }, referral: { ref: 42, source: 'SHORTLINK' } },
            { sender: { id: '555' }, referral: { ref: 'r'.repeat(2084) } },
            { sender: { id: '555' }, referral: 'link.abc' },
            { sender: { id: '666' }, postback: { title: 'Get Started', payload: 'GET_STARTED', referral: { ref: '' } } },
            // An echo never becomes a referral, even with one attached.
            { sender: { id: '777' }, message: { is_echo: true, text: 'x' }, referral: { ref: 'link.abc' } },
            { sender: { id: 'not-a-psid' }, referral: { ref: 'link.abc' } },
          ],
        },
      ],
    };
    expect(parseWebhook(body)).toEqual([
      { channel: 'messenger', externalId: '222', messageId: 'referral:222:1', referral: { ref: 'link.abc.def', source: 'SHORTLINK', type: 'OPEN_THREAD' } },
      { channel: 'messenger', externalId: '333', value: 'GET_STARTED', text: 'Get Started', referral: { ref: 'link.xyz', source: 'SHORTLINK', type: 'OPEN_THREAD' } },
      { channel: 'messenger', externalId: '444', value: 'GET_STARTED', text: 'Get Started' },
      { channel: 'messenger', externalId: '666', value: 'GET_STARTED', text: 'Get Started' },
    ]);
  });

  it('treats is_echo true, "true", 1 and "1" as an echo (the page\'s own message), and nothing else', () => {
    const echo = (is_echo: unknown, mid: string) => ({ sender: { id: '111' }, message: { mid, text: 'from the page', is_echo } });
    const body = { object: 'page', entry: [{ messaging: [echo(true, 'e1'), echo('true', 'e2'), echo(1, 'e3'), echo('1', 'e4'), echo('TRUE', 'e5'), echo(' true ', 'e6'), echo(false, 'n1'), echo('false', 'n2'), echo(0, 'n3'), echo(undefined, 'n4')] }] };
    expect(parseWebhook(body).map((m) => m.messageId)).toEqual(['n1', 'n2', 'n3', 'n4']);
  });

  it('reads attachment-only messages and over-long texts as messages the bot cannot read, with their kind', () => {
    const long = 'x'.repeat(MAX_MESSAGE_CHARS + 1);
    const body = {
      object: 'page',
      entry: [
        {
          time: 5,
          messaging: [
            { sender: { id: '111' }, message: { mid: 'p1', attachments: [{ type: 'image', payload: { url: 'https://scontent.example/photo.jpg' } }] } },
            { sender: { id: '111' }, message: { mid: 's1', sticker_id: 369239263222822, attachments: [{ type: 'image', payload: { url: 'https://scontent.example/like.png', sticker_id: 369239263222822 } }] } },
            { sender: { id: '111' }, message: { mid: 'l1', attachments: [{ type: 'location', payload: { coordinates: { lat: 12.9, long: 77.6 } } }] } },
            { sender: { id: '111' }, message: { mid: 'a1', attachments: [{ type: 'audio', payload: { url: 'javascript:alert(1)' } }, 'junk', { type: 42 }] } },
            // Text with a link preview is text; exactly the limit is text too.
            { sender: { id: '111' }, message: { mid: 't1', text: 'see https://example.com', attachments: [{ type: 'fallback', payload: { url: 'https://example.com' } }] } },
            { sender: { id: '111' }, message: { mid: 't2', text: 'y'.repeat(MAX_MESSAGE_CHARS) } },
            { sender: { id: '111' }, message: { mid: 'big', text: long } },
            { sender: { id: '111' }, message: { mid: 'blank', text: ' ', attachments: [{ type: 'video', payload: { url: 'https://scontent.example/v.mp4' } }] } },
          ],
        },
      ],
    };
    const out = parseWebhook(body);
    expect(out.map((m) => [m.messageId, m.unreadable?.kind ?? null])).toEqual([
      ['p1', 'attachment'],
      ['s1', 'attachment'],
      ['l1', 'attachment'],
      ['a1', 'attachment'],
      ['t1', null],
      ['t2', null],
      ['big', 'too_long'],
      ['blank', 'attachment'],
    ]);
    expect(out[0]!.unreadable).toEqual({ kind: 'attachment', media: [{ type: 'image', url: 'https://scontent.example/photo.jpg' }] });
    expect(out[1]!.unreadable).toEqual({ kind: 'attachment', media: [{ type: 'sticker', url: 'https://scontent.example/like.png' }] });
    expect(out[2]!.unreadable).toEqual({ kind: 'attachment', media: [{ type: 'location' }] });
    // Only http(s) addresses are kept; malformed entries are skipped.
    expect(out[3]!.unreadable).toEqual({ kind: 'attachment', media: [{ type: 'audio' }] });
    expect(out[6]!.unreadable).toEqual({ kind: 'too_long', chars: MAX_MESSAGE_CHARS + 1 });
    expect(out[6]!.text).toBe(long);
  });

  it('gives postbacks and referrals (no mid) a key of sender plus the postback mid or the timestamp', () => {
    const body = {
      object: 'page',
      entry: [
        {
          time: 1700000000999,
          messaging: [
            { sender: { id: '111' }, timestamp: 1700000000001, postback: { mid: 'pb-mid-1', title: 'View', payload: 'X' } },
            { sender: { id: '111' }, timestamp: 1700000000002, postback: { title: 'View', payload: 'X' } },
            { sender: { id: '111' }, postback: { title: 'View', payload: 'X' } },
            { sender: { id: '222' }, timestamp: 1700000000003, referral: { ref: 'abc' } },
          ],
        },
      ],
    };
    expect(parseWebhook(body).map((m) => m.messageId)).toEqual(['postback:111:pb-mid-1', 'postback:111:1700000000002', 'postback:111:1700000000999', 'referral:222:1700000000003']);
  });

  it('words the answers to unreadable messages and their transcript notes', () => {
    expect(MESSENGER_TEXTS.attachment([{ type: 'image' }])).toBe("Thanks for the photo! I can only read text for now — please describe what you need, or type 'agent' to talk to a person.");
    expect(MESSENGER_TEXTS.attachment([{ type: 'image' }, { type: 'image' }])).toMatch(/^Thanks for the photos! /);
    expect(MESSENGER_TEXTS.attachment([{ type: 'sticker' }])).toMatch(/^Thanks for the sticker! /);
    expect(MESSENGER_TEXTS.attachment([{ type: 'image' }, { type: 'video' }])).toMatch(/^Thanks for sending that! /);
    expect(MESSENGER_TEXTS.tooLong).toBe(`That message is too long for me — could you send it in shorter parts (up to ${MAX_MESSAGE_CHARS} characters)?`);
    expect(MESSENGER_TEXTS.attachmentNote([{ type: 'image' }])).toBe('[Customer sent a photo]');
    expect(MESSENGER_TEXTS.attachmentNote([{ type: 'audio' }, { type: 'audio' }])).toBe('[Customer sent 2 voice messages]');
    expect(MESSENGER_TEXTS.attachmentNote([{ type: 'fallback' }])).toBe('[Customer sent an attachment]');
  });

  it('maps cards to a generic template and suggested actions to quick replies, within Messenger limits', () => {
    const card = CardFactory.heroCard('A'.repeat(100), 'reason', ['https://example.com/a.jpg'], [{ type: 'postBack', title: 'View', value: '{"action":"view","productId":"P-1"}' }], { subtitle: '₹399 · ★ 4.2' });
    const activity = { ...MessageFactory.carousel([card], 'Here you go'), suggestedActions: { to: [], actions: [{ type: 'imBack', title: 'A very long quick reply title', value: 'x' }] } };
    const msgs = toSendApi('999', activity);
    expect(msgs).toHaveLength(2);
    expect(msgs[0]!.message).toEqual({ text: 'Here you go' });
    const tpl = msgs[1]!.message as { attachment: { payload: { elements: { title: string; image_url: string; buttons: unknown[] }[] } }; quick_replies: { title: string }[] };
    expect(tpl.attachment.payload.elements[0]!.title.length).toBeLessThanOrEqual(80);
    expect(tpl.attachment.payload.elements[0]!.image_url).toBe('https://example.com/a.jpg');
    expect(tpl.attachment.payload.elements[0]!.buttons).toEqual([{ type: 'postback', title: 'View', payload: '{"action":"view","productId":"P-1"}' }]);
    expect(tpl.quick_replies[0]!.title.length).toBeLessThanOrEqual(20);
    expect(toSendApi('999', { type: 'typing' })).toEqual([{ recipient: { id: '999' }, messaging_type: 'RESPONSE', sender_action: 'typing_on' }]);
  });
});

describe('Messenger webhook over real HTTP', () => {
  let app: HttpApp;
  let base: string;
  const received: InboundMessage[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    app = createHttpApp({ log: (l) => logs.push(l) });
    app.route('/webhooks/messenger', createMessengerWebhook({ verifyToken: 'vt', appSecret: SECRET, pageAccessToken: 'pat', graphBase: 'http://127.0.0.1:9', log: (l) => logs.push(l), onMessage: async (m) => void received.push(m), maxBodyBytes: 4096 }));
    const addr = await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${addr.port}/webhooks/messenger`;
  });
  afterAll(() => app.close());

  const post = (body: string, headers: Record<string, string>) => fetch(base, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('answers the verification challenge only with the right token', async () => {
    const ok = await fetch(`${base}?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=12345`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('12345');
    const bad = await fetch(`${base}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=12345`);
    expect(bad.status).toBe(403);
  });

  it('accepts a signed event and rejects unsigned, badly signed, oversized and malformed ones', async () => {
    const body = event('4242', { message: { mid: 'm-1', text: 'where is my order?' } });
    expect((await post(body, { 'x-hub-signature-256': sign(body) })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual([{ channel: 'messenger', externalId: '4242', text: 'where is my order?', messageId: 'm-1' }]);

    expect((await post(body, {})).status).toBe(401);
    expect((await post(body, { 'x-hub-signature-256': sign(body, 'forged') })).status).toBe(403);
    const huge = event('4242', { message: { text: 'x'.repeat(10_000) } });
    expect((await post(huge, { 'x-hub-signature-256': sign(huge) })).status).toBe(413);
    const notJson = '{"object": "page", ';
    expect((await post(notJson, { 'x-hub-signature-256': sign(notJson) })).status).toBe(400);
    expect(received).toHaveLength(1);
    expect(logs.some((l) => l.includes('without X-Hub-Signature-256'))).toBe(true);
    expect(logs.some((l) => l.includes('bad X-Hub-Signature-256'))).toBe(true);
  });

  it('passes a signed referral event through to the handler', async () => {
    received.length = 0;
    const body = event('8080', { referral: { ref: 'link.token', source: 'SHORTLINK', type: 'OPEN_THREAD' } });
    expect((await post(body, { 'x-hub-signature-256': sign(body) })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual([{ channel: 'messenger', externalId: '8080', messageId: 'referral:8080:1', referral: { ref: 'link.token', source: 'SHORTLINK', type: 'OPEN_THREAD' } }]);
    // The same body with a forged signature never reaches it.
    expect((await post(body, { 'x-hub-signature-256': sign(body, 'forged') })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
  });
});

describe('Messenger webhook retries and unreadable messages over real HTTP, with a real SQLite file', () => {
  let app: HttpApp;
  let base: string;
  let db: ReturnType<typeof tempStore>;
  let graph: FakeGraph;
  const received: InboundMessage[] = [];
  const unreadable: MessengerInbound[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    db = tempStore();
    graph = await fakeGraph();
    app = createHttpApp({ log: (l) => logs.push(l) });
    const options = { verifyToken: 'vt', appSecret: SECRET, pageAccessToken: 'pat', graphBase: graph.url, log: (l: string) => logs.push(l), receipts: db.store.receipts, onMessage: async (m: InboundMessage) => void received.push(m) };
    // Without onUnreadable the channel answers by itself; with it (as the app wires it) the handler does.
    app.route('/webhooks/messenger', createMessengerWebhook(options));
    app.route('/stored/webhooks/messenger', createMessengerWebhook({ ...options, onUnreadable: async (m) => void unreadable.push(m) }));
    base = `http://127.0.0.1:${(await app.listen(0, '127.0.0.1')).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await graph?.close();
    db?.cleanup();
  });

  const settle = () => new Promise((r) => setTimeout(r, 100));

  it('hands a message on once however often Meta delivers it, also concurrently, and logs the repeats', async () => {
    const body = JSON.parse(event('5151', { message: { mid: 'm-retry-1', text: 'where is my order?' } })) as unknown;
    const statuses = await Promise.all([1, 2, 3, 4].map(() => postSignedWebhook(base, body, SECRET).then((r) => r.status)));
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect((await postSignedWebhook(base, body, SECRET)).status).toBe(200);
    await settle();
    expect(received.filter((m) => m.messageId === 'm-retry-1')).toHaveLength(1);
    expect(logs.filter((l) => l.includes('repeated delivery') && l.includes('m-retry-1'))).toHaveLength(4);
    expect(await db.store.receipts.has('messenger', 'm-retry-1')).toBe(true);
  });

  it('de-duplicates postbacks by sender and timestamp, and referrals too; a new timestamp is a new tap', async () => {
    received.length = 0;
    const tap = (ts: number) => ({ object: 'page', entry: [{ id: '1', time: ts, messaging: [{ sender: { id: '5252' }, recipient: { id: '1' }, timestamp: ts, postback: { title: 'View', payload: 'VIEW_1' } }] }] });
    for (let i = 0; i < 3; i++) expect((await postSignedWebhook(base, tap(1700000000100), SECRET)).status).toBe(200);
    expect((await postSignedWebhook(base, tap(1700000000200), SECRET)).status).toBe(200);
    const ref = { object: 'page', entry: [{ id: '1', time: 1, messaging: [{ sender: { id: '5252' }, recipient: { id: '1' }, timestamp: 1700000000300, referral: { ref: 'link.x' } }] }] };
    for (let i = 0; i < 2; i++) expect((await postSignedWebhook(base, ref, SECRET)).status).toBe(200);
    await settle();
    expect(received.map((m) => m.messageId)).toEqual(['postback:5252:1700000000100', 'postback:5252:1700000000200', 'referral:5252:1700000000300']);
  });

  it('answers a photo or an over-long text through the Send API when no handler stores them, once', async () => {
    received.length = 0;
    const photo = JSON.parse(event('5353', { message: { mid: 'm-photo-1', attachments: [{ type: 'image', payload: { url: 'https://scontent.example/p.jpg' } }] } })) as unknown;
    const long = JSON.parse(event('5353', { message: { mid: 'm-long-1', text: 'z'.repeat(MAX_MESSAGE_CHARS + 500) } })) as unknown;
    for (let i = 0; i < 2; i++) {
      expect((await postSignedWebhook(base, photo, SECRET)).status).toBe(200);
      expect((await postSignedWebhook(base, long, SECRET)).status).toBe(200);
    }
    const deadline = Date.now() + 5000;
    while (graph.received.length < 2 && Date.now() < deadline) await settle();
    await settle();
    const texts = graph.received.filter((r) => (r.body.recipient as { id: string }).id === '5353').map((r) => (r.body.message as { text?: string }).text);
    expect(texts.sort()).toEqual([MESSENGER_TEXTS.attachment([{ type: 'image' }]), MESSENGER_TEXTS.tooLong].sort());
    expect(received).toHaveLength(0);
  });

  it('hands unreadable messages to onUnreadable when it is wired', async () => {
    const photo = JSON.parse(event('5454', { message: { mid: 'm-photo-2', attachments: [{ type: 'image', payload: { url: 'https://scontent.example/q.jpg' } }] } })) as unknown;
    const before = graph.received.length;
    expect((await postSignedWebhook(`${base}/stored`, photo, SECRET)).status).toBe(200);
    expect((await postSignedWebhook(`${base}/stored`, photo, SECRET)).status).toBe(200);
    await settle();
    expect(unreadable.map((m) => [m.externalId, m.messageId, m.unreadable])).toEqual([['5454', 'm-photo-2', { kind: 'attachment', media: [{ type: 'image', url: 'https://scontent.example/q.jpg' }] }]]);
    expect(graph.received.length).toBe(before);
  });
});

describe('Messenger through the real server: every message taken in is answered exactly once', () => {
  const APP_SECRET = 'messenger-e2e-app-secret';
  let server: TestServer;
  let graph: FakeGraph;
  let logs: string[];

  beforeAll(async () => {
    const env = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'messenger-e2e-secret-0123456789', MESSENGER_USER_LOCALE: '1' };
    server = await TestServer.start({ prefix: 'shopbot-messenger-', env, messenger: { appSecret: APP_SECRET } });
    ({ logs } = server);
    ({ graph } = server);
  }, 1_800_000);
  afterAll(() => server?.close());

  let n = 0;
  const newPsid = () => `7${String(Date.now()).slice(-9)}${String(++n).padStart(4, '0')}`;
  /** One webhook body as Meta sends it (the same object is the same delivery, retried). */
  const delivery = (psid: string, event: Record<string, unknown>, ts = Date.now()) => ({ object: 'page', entry: [{ id: 'page', time: ts, messaging: [{ sender: { id: psid }, recipient: { id: 'page' }, timestamp: ts, ...event }] }] });
  const post = (body: unknown) => postSignedWebhook(server.running.url, body, APP_SECRET);
  /** Send API messages (not typing indicators) that went to a PSID. */
  const sentTo = (psid: string) => graph.received.filter((r) => (r.body.recipient as { id: string }).id === psid && r.body.message).map((r) => r.body.message as { text?: string });
  const transcriptOf = async (psid: string) => {
    const customer = await server.store.customers.findByIdentity('messenger', psid);
    if (!customer) return [];
    const messages = [];
    for (const c of (await server.store.conversations.listForCustomer(customer.id, 50)).filter((c) => c.source === 'live')) messages.push(...(await server.store.conversations.transcript(c.id)));
    return messages;
  };
  const until = async (cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** Long enough for a second turn (or a second Send API call) to have shown up, had there been one. */
  const settle = () => new Promise((r) => setTimeout(r, 2000));

  const greeted = newPsid();
  const greeting = delivery(greeted, { message: { mid: `m_${randomUUID()}`, text: 'hi' } });
  const photographer = newPsid();
  const photo = delivery(photographer, { message: { mid: `m_${randomUUID()}`, attachments: [{ type: 'image', payload: { url: 'https://scontent.example/parcel.jpg' } }] } });

  it('stores one message and sends one answer for a delivery Meta sends 4 times', async () => {
    const statuses = await Promise.all([post(greeting), post(greeting)].map((p) => p.then((r) => r.status)));
    expect(statuses).toEqual([200, 200]);
    await until(() => sentTo(greeted).length > 0, 'the greeting');
    expect((await post(greeting)).status).toBe(200);
    expect((await post(greeting)).status).toBe(200);
    await settle();
    const transcript = await transcriptOf(greeted);
    expect(transcript.filter((m) => m.role === 'customer').map((m) => m.text)).toEqual(['hi']);
    const sent = sentTo(greeted);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toMatch(/^Hi/);
    expect(transcript.filter((m) => m.role === 'bot')).toHaveLength(1);
    expect(logs.filter((l) => l.includes('repeated delivery'))).toHaveLength(3);
  });

  it("answers in the user's Messenger locale (MESSENGER_USER_LOCALE=1), read once; without one, in the store's default", async () => {
    const hindi = newPsid();
    graph.profiles.set(hindi, { locale: 'hi_IN' });
    await post(delivery(hindi, { message: { mid: `m_${randomUUID()}`, text: 'hello' } }));
    await until(() => sentTo(hindi).length > 0, 'the Hindi greeting');
    expect(sentTo(hindi)[0]!.text).toMatch(/^नमस्ते! /);
    await post(delivery(hindi, { message: { mid: `m_${randomUUID()}`, text: 'thanks' } }));
    await until(() => sentTo(hindi).length > 1, 'the second answer');
    expect(sentTo(hindi)[1]!.text).toMatch(/[\u0900-\u097F]/);
    expect(graph.profileRequests.filter((p) => p === hindi)).toHaveLength(1);
    // A profile Meta does not give (no permission): English, the store's default.
    const unknown = newPsid();
    await post(delivery(unknown, { message: { mid: `m_${randomUUID()}`, text: 'hello' } }));
    await until(() => sentTo(unknown).length > 0, 'the English greeting');
    expect(sentTo(unknown)[0]!.text).toMatch(/^Hi/);
  });

  it('answers a photo politely once, and keeps a note of it (with its address) in the transcript', async () => {
    expect((await post(photo)).status).toBe(200);
    expect((await post(photo)).status).toBe(200);
    await until(() => sentTo(photographer).length > 0, 'the answer to the photo');
    await settle();
    expect(sentTo(photographer).map((m) => m.text)).toEqual([MESSENGER_TEXTS.attachment([{ type: 'image' }])]);
    const transcript = await transcriptOf(photographer);
    expect(transcript.map((m) => [m.role, m.text])).toEqual([
      ['customer', '[Customer sent a photo]'],
      ['bot', MESSENGER_TEXTS.attachment([{ type: 'image' }])],
    ]);
    expect(transcript[0]!.payload).toEqual({ unread: 'attachment', media: [{ type: 'image', url: 'https://scontent.example/parcel.jpg' }] });
  });

  it('answers an over-long text with a request for shorter parts, storing the text for the transcript', async () => {
    const psid = newPsid();
    const text = 'my order '.repeat(600);
    expect(text.length).toBeGreaterThan(MAX_MESSAGE_CHARS);
    expect((await post(delivery(psid, { message: { mid: `m_${randomUUID()}`, text } }))).status).toBe(200);
    await until(() => sentTo(psid).length > 0, 'the answer to the long text');
    await settle();
    expect(sentTo(psid).map((m) => m.text)).toEqual([MESSENGER_TEXTS.tooLong]);
    const transcript = await transcriptOf(psid);
    expect(transcript.map((m) => m.role)).toEqual(['customer', 'bot']);
    expect(transcript[0]!.text).toBe(text);
    expect(transcript[0]!.payload).toEqual({ unread: 'too_long', chars: text.length });
  });

  it('takes a repeated postback (no mid) once, and never answers an echo, also one with is_echo "true"', async () => {
    const psid = newPsid();
    const tap = delivery(psid, { postback: { title: 'Get Started', payload: 'GET_STARTED' } }, 1_700_000_000_123);
    expect((await post(tap)).status).toBe(200);
    await until(() => sentTo(psid).length > 0, 'the answer to the postback');
    // The welcome is several sends (text, then suggestions); count them once all have gone out.
    await settle();
    const answers = sentTo(psid).length;
    expect((await post(tap)).status).toBe(200);
    for (const is_echo of [true, 'true', 1, '1']) {
      expect((await post(delivery(psid, { message: { mid: `m_${randomUUID()}`, text: 'hello from the page', is_echo } }))).status).toBe(200);
    }
    await settle();
    expect((await transcriptOf(psid)).filter((m) => m.role === 'customer').map((m) => m.text)).toEqual(['Get Started']);
    expect(sentTo(psid)).toHaveLength(answers);
  });

  it('still recognises a retry after a restart', async () => {
    const sentBefore = graph.received.length;
    const repeatsBefore = logs.filter((l) => l.includes('repeated delivery')).length;
    await server.restart();
    expect((await post(greeting)).status).toBe(200);
    expect((await post(photo)).status).toBe(200);
    await settle();
    expect((await transcriptOf(greeted)).filter((m) => m.role === 'customer')).toHaveLength(1);
    expect((await transcriptOf(photographer)).filter((m) => m.role === 'customer')).toHaveLength(1);
    expect(graph.received.slice(sentBefore).filter((r) => r.body.message)).toHaveLength(0);
    expect(logs.filter((l) => l.includes('repeated delivery')).length).toBe(repeatsBefore + 2);
    // And a new message after the restart is answered as usual.
    const fresh = delivery(greeted, { message: { mid: `m_${randomUUID()}`, text: 'thanks' } });
    expect((await post(fresh)).status).toBe(200);
    await until(() => sentTo(greeted).length > 1, 'the answer after the restart');
  });
});
