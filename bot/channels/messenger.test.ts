import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFactory, CardFactory } from 'botbuilder';
import { createHttpApp, type HttpApp } from '../server.js';
import type { InboundMessage } from '../inbound.js';
import { createMessengerWebhook, parseWebhook, verifySignature } from './messenger.js';
import { toSendApi } from './messenger-format.js';

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
      { channel: 'messenger', externalId: '222', referral: { ref: 'link.abc.def', source: 'SHORTLINK', type: 'OPEN_THREAD' } },
      { channel: 'messenger', externalId: '333', value: 'GET_STARTED', text: 'Get Started', referral: { ref: 'link.xyz', source: 'SHORTLINK', type: 'OPEN_THREAD' } },
      { channel: 'messenger', externalId: '444', value: 'GET_STARTED', text: 'Get Started' },
      { channel: 'messenger', externalId: '666', value: 'GET_STARTED', text: 'Get Started' },
    ]);
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
    expect(received).toEqual([{ channel: 'messenger', externalId: '8080', referral: { ref: 'link.token', source: 'SHORTLINK', type: 'OPEN_THREAD' } }]);
    // The same body with a forged signature never reaches it.
    expect((await post(body, { 'x-hub-signature-256': sign(body, 'forged') })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
  });
});
