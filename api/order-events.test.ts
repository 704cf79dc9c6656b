import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_TEXTS } from '../bot/notifications.js';
import { OPT_OUT_HINT } from '../channels/order-updates.js';
import { fixtureRows, postSignedWebhook, sessionOf, type ChatClient, type FakeGraph, type Recorded } from '../testing/test-client.js';
import { TestServer } from '../testing/test-server.js';
import { apiCall } from '../testing/api-client.js';
import { WebTokens } from '../channels/web-tokens.js';
import { TokenSigner } from '../core/tokens.js';
import { ApiKeyRepo } from '../store/api-keys.js';

// Order events on the real server (127.0.0.1, a copy of the warm data folder: real SQLite file, the
// real model answering the chats), with a local fake of Meta's Graph Send API: an event updates the
// order and reaches the customer on the channel they last used (an open web tab, the next web
// visit, Messenger inside the 24-hour window as messaging_type UPDATE), once per event id, never
// to a customer who turned order updates off.

const APP_SECRET = 'order-events-app-secret';
const SECRET = 'order-events-secret-0123456789';
const HOUR = 60 * 60 * 1000;
const PRODUCT = fixtureRows<{ id: string }>('products.jsonl')[0]!.id;

async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('order events on the real server', () => {
  let server: TestServer;
  let graph: FakeGraph;
  let key: string;
  const logs: string[] = [];
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    const env = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET };
    server = await TestServer.start({ prefix: 'shopbot-order-events-', env, messenger: { appSecret: APP_SECRET }, logs, clients });
    ({ graph } = server);
    key = (await new ApiKeyRepo(server.store.sql).create({ name: 'order events' })).key;
  }, 1_800_000);
  afterAll(() => server?.close());

  const call = (method: string, path: string, body?: unknown, auth: string | null = key) => apiCall(server.running.url, method, path, body, auth);
  const postEvent = (orderId: string, body: unknown, auth: string | null = key) => call('POST', `/api/admin/v1/orders/${encodeURIComponent(orderId)}/events`, body, auth);

  /** A processing order for the customer, through the admin API. */
  async function orderFor(customerId: string): Promise<string> {
    const id = `ORD-EV-${randomUUID().slice(0, 8)}`;
    const r = await call('POST', '/api/admin/v1/orders', {
      orders: [{ id, customerId, status: 'processing', createdAt: '2026-01-05T10:00:00Z', shippingAddress: { line1: '1 MG Road', city: 'Bengaluru', postcode: '560001', country: 'India' }, lines: [{ productId: PRODUCT, qty: 1, unitPrice: 499 }] }],
    });
    expect(r.json.results).toEqual([{ index: 0, id, status: 'inserted' }]);
    return id;
  }

  /** A web chat customer who has written once (and had the bot's answer): the chat's last channel is the web. */
  async function webCustomer(auth: Record<string, unknown> = {}): Promise<{ tab: ChatClient; customerId: string; token: string }> {
    const tab = await server.customerClient(auth);
    const from = tab.events.length;
    expect((await tab.send({ text: 'hello' })).ok).toBe(true);
    await tab.waitFor((e) => e.event === 'message' && e.data.role === 'bot', { from, timeoutMs: 60_000 });
    const s = await tab.waitFor((e) => e.event === 'session' && typeof e.data.customerId === 'string');
    return { tab, customerId: String(s.data.customerId), token: String(sessionOf(tab).token) };
  }

  const botMessages = (c: ChatClient, from = 0): Recorded[] => c.events.slice(from).filter((e) => e.event === 'message' && e.data.role === 'bot');
  const conversationTexts = async (customerId: string): Promise<string[]> => {
    const texts: string[] = [];
    for (const c of await server.store.conversations.listForCustomer(customerId, 10)) texts.push(...(await server.store.conversations.transcript(c.id, { limit: 1000 })).map((m) => m.text));
    return texts;
  };

  it('refuses a missing or wrong key (401), an unknown order (404) and malformed bodies (400); the route is in the OpenAPI document', async () => {
    const body = { eventId: 'evt-auth', type: 'shipped' };
    expect((await postEvent('ORD-536365', body, null)).status).toBe(401);
    expect((await postEvent('ORD-536365', body, 'sbk_aaaaaaaaaaaa_' + 'b'.repeat(43))).status).toBe(401);
    expect((await postEvent('ORD-536365', body, 'nonsense')).status).toBe(401);

    const unknown = await postEvent('ORD-NO-SUCH', { eventId: 'evt-404', type: 'shipped' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/not found/);

    for (const bad of [
      {},
      { eventId: 'evt-400', type: 'teleported' },
      { type: 'shipped' },
      { eventId: '', type: 'shipped' },
      { eventId: 'evt-400', type: 'shipped', colour: 'red' },
      { eventId: 'evt-400', type: 'shipped', tracking: '<script>alert(1)</script>' },
      { eventId: 'evt-400', type: 'shipped', carrier: 'UPS\u202Eevil' },
      { eventId: 'evt-400', type: 'shipped', occurredAt: 'yesterday' },
      { eventId: 'x'.repeat(129), type: 'shipped' },
      [1, 2],
    ]) {
      const r = await postEvent('ORD-536365', bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(typeof r.json.error).toBe('string');
    }
    const notJson = await call('POST', '/api/admin/v1/orders/ORD-536365/events', '{"eventId": ');
    expect(notJson.status).toBe(400);
    // Nothing above was kept.
    expect(server.store.db.prepare('SELECT count(*) AS n FROM order_events').get()).toEqual({ n: 0 });

    const docs = await call('GET', '/api/docs', undefined, null);
    const paths = docs.json.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/api/admin/v1/orders/{id}/events'] ?? {})).toEqual(expect.arrayContaining(['post', 'get']));
    expect(JSON.stringify(paths['/api/admin/v1/orders/{id}/events'])).toContain('out_for_delivery');
    // The admin API's own routes are still there.
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/admin/v1/orders', '/api/admin/v1/products']));
  });

  let web: { tab: ChatClient; customerId: string; token: string };
  let webOrder: string;

  it('an event updates the order and reaches the open web chat at once, with the order number and tracking', async () => {
    web = await webCustomer();
    webOrder = await orderFor(web.customerId);
    const from = web.tab.events.length;
    const r = await postEvent(webOrder, { eventId: `evt-ship-${webOrder}`, type: 'shipped', tracking: '1Z999AA10123456784', carrier: 'UPS', note: 'left the Pune warehouse' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ orderId: webOrder, type: 'shipped', duplicate: false, applied: true, order: { status: 'shipped', tracking: '1Z999AA10123456784', carrier: 'UPS' }, notification: { outcome: 'sent', channel: 'web', reason: null } });
    expect(await server.store.orders.get(webOrder)).toMatchObject({ status: 'shipped', tracking: '1Z999AA10123456784', carrier: 'UPS' });
    const msg = await web.tab.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && String(e.data.text).includes(webOrder), { from });
    expect(msg.data.text).toBe(`Good news: your order ${webOrder} has shipped with UPS. Tracking number: 1Z999AA10123456784 (https://www.ups.com/track?tracknum=1Z999AA10123456784). ${OPT_OUT_HINT}`);
    // The note is for the store's records only.
    expect(String(msg.data.text)).not.toContain('Pune');
  });

  it('a repeated event id is applied and notified once', async () => {
    const from = web.tab.events.length;
    const again = await postEvent(webOrder, { eventId: `evt-ship-${webOrder}`, type: 'shipped', tracking: '1Z999AA10123456784', carrier: 'UPS' });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ duplicate: true, notification: { outcome: 'sent', channel: 'web' } });
    // The same id for another kind of event is a conflict, not a second event.
    expect((await postEvent(webOrder, { eventId: `evt-ship-${webOrder}`, type: 'delivered' })).status).toBe(409);
    // The next event arrives; between the two, nothing else did.
    const next = await postEvent(webOrder, { eventId: `evt-ofd-${webOrder}`, type: 'out_for_delivery' });
    expect(next.json).toMatchObject({ duplicate: false, order: { status: 'shipped' }, notification: { outcome: 'sent' } });
    await web.tab.waitFor((e) => e.event === 'message' && String(e.data.text).includes('out for delivery'), { from });
    expect(botMessages(web.tab, from).map((e) => String(e.data.text))).toEqual([`Your order ${webOrder} is out for delivery with UPS and should arrive today. Tracking number: 1Z999AA10123456784 (https://www.ups.com/track?tracknum=1Z999AA10123456784).`]);
    expect((await conversationTexts(web.customerId)).filter((t) => t.includes('has shipped'))).toHaveLength(1);
  });

  it('with no tab open, the update waits in the chat and is shown on the next connection', async () => {
    const seen = Math.max(...web.tab.events.filter((e) => typeof e.data.seq === 'number').map((e) => e.data.seq as number));
    web.tab.close();
    const r = await postEvent(webOrder, { eventId: `evt-dlv-${webOrder}`, type: 'delivered' });
    // 'kept' once the server has seen the tab close ('sent' if the event overtook the close frame).
    expect(r.json).toMatchObject({ order: { status: 'delivered' }, notification: { outcome: expect.stringMatching(/^(kept|sent)$/), channel: 'web', reason: null } });
    const back = await server.customerClient({ token: web.token, afterSeq: seen });
    const shown = await back.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && String(e.data.text).includes('has been delivered'));
    expect(shown.data.text).toBe(`Your order ${webOrder} has been delivered. If anything is wrong with it, just tell me here.`);
    web.tab = back;
  });

  it("a store customer with a web identity and no chat open gets the update kept for their next visit", async () => {
    const customer = fixtureRows<{ id: string; identities: { channel: string; external_id: string }[] }>('customers.jsonl').find((c) => c.identities.some((i) => i.channel === 'web'))!;
    const externalId = customer.identities.find((i) => i.channel === 'web')!.external_id;
    const order = await orderFor(customer.id);
    const r = await postEvent(order, { eventId: `evt-kept-${order}`, type: 'shipped', carrier: 'BlueDart' });
    expect(r.json).toMatchObject({ notification: { outcome: 'kept', channel: 'web', reason: null } });
    expect(logs.some((l) => l.includes(`order ${order} shipped`) && l.includes("kept for the customer's next web chat visit"))).toBe(true);
    // Their next visit (a session token for their web identity, as the store's page would have).
    const token = await new WebTokens(new TokenSigner(Buffer.from(SECRET, 'utf8')), server.store, { ttlSeconds: 3600 }).issue(externalId);
    const tab = await server.customerClient({ token, afterSeq: 0 });
    expect(sessionOf(tab).customerId).toBe(customer.id);
    const shown = await tab.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && String(e.data.text).includes(order));
    expect(shown.data.text).toBe(`Good news: your order ${order} has shipped with BlueDart. ${OPT_OUT_HINT}`);
  });

  it('an event older than the order state is kept but neither applied nor sent; GET lists the events with their outcomes', async () => {
    const late = await postEvent(webOrder, { eventId: `evt-late-${webOrder}`, type: 'shipped' });
    expect(late.status).toBe(201);
    expect(late.json).toMatchObject({ applied: false, order: { status: 'delivered' }, notification: { outcome: 'stale', channel: null } });
    const list = await call('GET', `/api/admin/v1/orders/${webOrder}/events`);
    expect(list.status).toBe(200);
    const events = list.json.events as { eventId: string; type: string; note: string | null; notification: { outcome: string; at: string | null } }[];
    expect(events[0]).toMatchObject({ eventId: `evt-late-${webOrder}`, notification: { outcome: 'stale', at: null } });
    expect(events.find((e) => e.eventId === `evt-ship-${webOrder}`)).toMatchObject({ type: 'shipped', note: 'left the Pune warehouse', notification: { outcome: 'sent' } });
    expect(events.find((e) => e.eventId === `evt-dlv-${webOrder}`)?.notification.outcome).toMatch(/kept|sent/);
    expect((await call('GET', '/api/admin/v1/orders/ORD-NO-SUCH/events')).status).toBe(404);
  });

  it('a customer who said "stop order notifications" gets none, and gets them again after turning them back on', async () => {
    const c = await webCustomer();
    let from = c.tab.events.length;
    await c.tab.send({ text: 'stop order notifications' });
    expect((await c.tab.waitFor((e) => e.event === 'message' && e.data.role === 'bot', { from })).data.text).toBe(NOTIFICATION_TEXTS.off);
    const order = await orderFor(c.customerId);
    const r = await postEvent(order, { eventId: `evt-optout-${order}`, type: 'shipped', tracking: 'TRK-OPT-1' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ applied: true, order: { status: 'shipped' }, notification: { outcome: 'opted_out', channel: null } });
    expect(logs.some((l) => l.includes(`order ${order} shipped`) && l.includes('turned order updates off'))).toBe(true);

    from = c.tab.events.length;
    await c.tab.send({ text: 'turn order updates back on' });
    expect((await c.tab.waitFor((e) => e.event === 'message' && e.data.role === 'bot', { from })).data.text).toBe(NOTIFICATION_TEXTS.on);
    const on = await postEvent(order, { eventId: `evt-optin-${order}`, type: 'delivered' });
    expect(on.json).toMatchObject({ notification: { outcome: 'sent', channel: 'web' } });
    await c.tab.waitFor((e) => e.event === 'message' && String(e.data.text).includes(`${order} has been delivered`), { from });
    // The shipped update never reached the chat.
    expect(c.tab.events.some((e) => String(e.data.text ?? '').includes('TRK-OPT-1'))).toBe(false);
    expect((await conversationTexts(c.customerId)).some((t) => t.includes('TRK-OPT-1'))).toBe(false);
  }, 120_000);

  describe('a Messenger customer', () => {
    const psid = `7${String(Date.now()).slice(-9)}0042`;
    let customerId: string;
    let order: string;
    const sent = () => graph.received.filter((r) => (r.body.recipient as { id?: string } | undefined)?.id === psid).map((r) => r.body as { messaging_type?: string; tag?: string; message?: { text?: string } });
    const lastWroteAgo = (agoMs: number) => server.store.db.prepare('UPDATE messenger_threads SET last_inbound_at = ? WHERE psid = ?').run(Date.now() - agoMs, psid);

    it('inside 24 hours gets the update on the Graph API as messaging_type UPDATE', async () => {
      const ts = Date.now();
      const body = { object: 'page', entry: [{ id: 'page', time: ts, messaging: [{ sender: { id: psid }, recipient: { id: 'page' }, timestamp: ts, message: { mid: `m_${randomUUID()}`, text: 'hello' } }] }] };
      expect((await postSignedWebhook(server.running.url, body, APP_SECRET)).status).toBe(200);
      await until(() => sent().some((b) => b.message?.text), "the bot's answer on Messenger", 60_000);
      customerId = (await server.store.customers.findByIdentity('messenger', psid))!.id;
      order = await orderFor(customerId);
      const r = await postEvent(order, { eventId: `evt-m-ship-${order}`, type: 'shipped', tracking: 'RM123456785GB', carrier: 'Royal Mail' });
      expect(r.json).toMatchObject({ notification: { outcome: 'sent', channel: 'messenger', reason: null } });
      await until(() => sent().some((b) => b.message?.text?.includes(order)), 'the update on the fake Graph API');
      const update = sent().filter((b) => b.message?.text?.includes(order));
      expect(update).toHaveLength(1);
      expect(update[0]).toMatchObject({ messaging_type: 'UPDATE', message: { text: expect.stringContaining('Tracking number: RM123456785GB') } });
      expect(update[0]!.tag).toBeUndefined();
      // The bot's answers to the customer's own messages stay RESPONSE.
      expect(sent().filter((b) => !b.message?.text?.includes(order)).every((b) => b.messaging_type === 'RESPONSE')).toBe(true);
    }, 120_000);

    it('outside 24 hours nothing is sent, and a log line says why', async () => {
      lastWroteAgo(30 * HOUR);
      const before = graph.received.length;
      const r = await postEvent(order, { eventId: `evt-m-dlv-${order}`, type: 'delivered' });
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ applied: true, order: { status: 'delivered' }, notification: { outcome: 'outside_window', channel: 'messenger' } });
      expect((r.json.notification as { reason: string }).reason).toMatch(/last wrote on Messenger 30 hours ago; outside Meta's 24-hour window an order update needs an approved utility message template, and none is configured/);
      const line = logs.find((l) => l.includes(`order ${order} delivered`) && l.includes('nothing sent'));
      expect(line).toMatch(/\[order-updates\] .*on messenger: the customer last wrote on Messenger 30 hours ago; outside Meta's 24-hour window/);
      // Nothing was handed to the channel: no request, and no message stored in the chat.
      expect(graph.received.slice(before).filter((x) => JSON.stringify(x.body).includes(order))).toHaveLength(0);
      expect((await conversationTexts(customerId)).some((t) => t.includes('has been delivered'))).toBe(false);
      // Back inside the window (the customer wrote an hour ago), the next update goes out.
      lastWroteAgo(HOUR);
      const refund = await postEvent(order, { eventId: `evt-m-refund-${order}`, type: 'refund_issued' });
      expect(refund.json).toMatchObject({ notification: { outcome: 'sent', channel: 'messenger' } });
      await until(() => sent().some((b) => b.message?.text?.startsWith('A refund for your order')), 'the refund update');
      expect(sent().filter((b) => b.message?.text?.includes('has been delivered'))).toHaveLength(0);
    }, 60_000);
  });
});
