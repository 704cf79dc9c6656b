// Read receipts both ways and the delivery status of agent messages (issue #18 items 7 and 8), in
// Debian's Chromium (headless, driven by playwright-core) against the real server on 127.0.0.1,
// with Messenger pointed at a local fake of Meta's Graph API. The customer's widget and the agent
// console are real pages; what they send over their sockets is read from the WebSocket frames, so
// "nothing was sent while hidden" is checked, not waited for. Screenshots go to walk-shots/.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSignedWebhook, type FakeGraph } from '../testing/test-client.js';
import type { TestServer } from '../testing/test-server.js';
import { axeViolations } from '../testing/axe.js';
import { BrowserTest, ROOT } from '../testing/browser.js';
import { openConsole } from '../testing/staff-pages.js';

const SHOTS = join(ROOT, 'walk-shots');
const APP_SECRET = 'receipts-browser-app-secret';

const poll = <T>(fn: () => Promise<T> | T, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });

/** socket.io events a page sent over its WebSocket (`42/chat,["read",{...}]`, `42/agents,7["seen",{...}]`), in order. */
function recordEmits(page: Page): { name: string; data: Record<string, unknown> }[] {
  const sent: { name: string; data: Record<string, unknown> }[] = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      const m = typeof f.payload === 'string' ? /^42(?:\/[^,[]*,)?\d*(\[.*)$/s.exec(f.payload) : null;
      if (!m) return;
      try {
        const [name, data] = JSON.parse(m[1]!) as [string, Record<string, unknown>];
        sent.push({ name, data: data ?? {} });
      } catch {
        // not an event frame
      }
    });
  });
  return sent;
}

/** Makes the page report itself hidden (or visible again) and fires `visibilitychange`, as a background tab does. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    if (h) Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    else delete (document as unknown as Record<string, unknown>).visibilityState;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

describe('read receipts and delivery status in the widget and the agent console (Chromium)', () => {
  let bt: BrowserTest;
  let server: TestServer;
  let graph: FakeGraph;

  beforeAll(async () => {
    const env = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'receipts-browser-secret-0123456789' };
    bt = await BrowserTest.start({ prefix: 'shopbot-receipts-browser-', env, messenger: { appSecret: APP_SECRET }, shots: SHOTS });
    ({ server } = bt);
    ({ graph } = server);
  }, 1_800_000);

  afterAll(() => bt?.close(), 60_000);

  const newPage = (width = 1400, height = 860): Promise<Page> => bt.newPage({ width, height });
  const shot = (page: Page, name: string) => bt.shot(page, name);

  let agent: Page;
  let agentSent: { name: string; data: Record<string, unknown> }[];

  async function agentReply(text: string): Promise<void> {
    await agent.locator('#reply').fill(text);
    await agent.locator('#composer button[type=submit]').click();
    await agent.locator('.turn-agent', { hasText: text }).waitFor();
  }
  const agentTurn = (text: string) => agent.locator('.turn-agent', { hasText: text });

  it('both ways on the web: "Seen" only while the other side really has the chat in view', async () => {
    agent = await newPage();
    agentSent = recordEmits(agent);
    await openConsole(agent, server.running.url);

    const customer = await newPage(1280, 800);
    const customerSent = recordEmits(customer);
    await customer.goto(`${server.running.url}/`, { waitUntil: 'domcontentloaded' });
    await customer.locator('.sb-launcher').click();
    await customer.locator('#sb-input').waitFor({ state: 'visible' });
    await customer.locator('.sb-hbtn').click();
    await customer.locator('.sb-handoff', { hasText: /in the queue/ }).waitFor({ timeout: 30_000 });
    // The widget is open and in use: the bot's queue notice is seen.
    await poll(() => customerSent.filter((e) => e.name === 'read').length).toBeGreaterThan(0);

    // The agent takes the chat: the console shows the customer's message, so the widget marks it Seen.
    await agent.locator('#queue .ticket').first().getByRole('button', { name: /Accept/ }).click();
    await agent.locator('#chat').waitFor({ state: 'visible' });
    await customer.locator('.sb-row--customer .sb-seen').first().waitFor();
    expect(agentSent.some((e) => e.name === 'seen')).toBe(true);

    // The customer looks at the shop instead (focus on the page's search box): the agent's reply
    // arrives in the open panel, but no "read" goes out, and the console says Delivered.
    await customer.locator('#q').click();
    let readsBefore = customerSent.filter((e) => e.name === 'read').length;
    await agentReply('Hi, this is Anna. Let me check your order.');
    await customer.locator('.sb-row--agent', { hasText: 'Let me check your order' }).waitFor();
    await customer.evaluate(() => 0); // every frame the page sent so far has been reported
    expect(customerSent.filter((e) => e.name === 'read').length).toBe(readsBefore);
    await agentTurn('Let me check your order').locator('.turn-status', { hasText: 'Delivered' }).waitFor();

    // Back in the widget, but the tab is in the background: still nothing.
    await setHidden(customer, true);
    await customer.locator('#sb-input').click();
    await customer.evaluate(() => 0);
    expect(customerSent.filter((e) => e.name === 'read').length).toBe(readsBefore);
    // The tab comes to the front with the chat focused: "read" goes out and the console shows Seen.
    await setHidden(customer, false);
    await poll(() => customerSent.filter((e) => e.name === 'read').length).toBe(readsBefore + 1);
    await agentTurn('Let me check your order').locator('.turn-status', { hasText: 'Seen' }).waitFor();
    await shot(agent, 'receipts-agent-seen');
    expect(await axeViolations(agent)).toEqual([]);

    // Now the agent's console is in the background: the customer's next message is not marked Seen.
    await setHidden(agent, true);
    const seenBefore = agentSent.filter((e) => e.name === 'seen').length;
    await customer.locator('#sb-input').fill('It was order 1042, thanks!');
    await customer.locator('#sb-input').press('Enter');
    await agent.locator('.turn-customer', { hasText: 'order 1042' }).waitFor();
    await agent.evaluate(() => 0);
    expect(agentSent.filter((e) => e.name === 'seen').length).toBe(seenBefore);
    const newest = customer.locator('.sb-row--customer', { hasText: 'order 1042' });
    expect(await newest.locator('.sb-seen').count()).toBe(0);
    // The agent comes back to the tab: the message is seen, and the widget says so.
    await setHidden(agent, false);
    await newest.locator('.sb-seen').waitFor();
    await shot(customer, 'receipts-widget-seen');
    expect(await axeViolations(customer)).toEqual([]);
    readsBefore = customerSent.filter((e) => e.name === 'read').length;

    // A reload keeps the marks: the widget is told how far the agent has read.
    await customer.reload({ waitUntil: 'domcontentloaded' });
    await customer.locator('.sb-row--customer', { hasText: 'order 1042' }).locator('.sb-seen').waitFor();
  }, 240_000);

  it('Messenger: a reply past 24 hours goes out tagged and shows Sent; past 7 days it shows Not delivered with the reason', async () => {
    const psid = `5${String(Date.now()).slice(-9)}0001`;
    const post = (event: Record<string, unknown>) =>
      postSignedWebhook(server.running.url, { object: 'page', entry: [{ id: 'page', time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: 'page' }, timestamp: Date.now(), ...event }] }] }, APP_SECRET);
    const lastWroteAgo = (ms: number) => server.store.db.prepare('UPDATE messenger_threads SET last_inbound_at = ? WHERE psid = ?').run(Date.now() - ms, psid);
    expect((await post({ message: { mid: `m_${randomUUID()}`, text: 'I need to talk to a human agent please' } })).status).toBe(200);
    await agent.locator('#queue .ticket').first().getByRole('button', { name: /Accept/ }).click({ timeout: 30_000 });
    await agent.locator('.turn-customer', { hasText: 'human agent please' }).waitFor();
    const ticket = await agent.locator('.chat-tab[aria-current="true"]').getAttribute('data-ticket');
    // The console showed it: Messenger gets mark_seen.
    await poll(() => graph.received.some((r) => (r.body.recipient as { id: string }).id === psid && r.body.sender_action === 'mark_seen')).toBe(true);

    lastWroteAgo(30 * 60 * 60 * 1000);
    await agentReply('Following up on your refund.');
    await agentTurn('Following up on your refund').locator('.turn-status', { hasText: 'Sent' }).waitFor();
    const tagged = graph.received.find((r) => (r.body.message as { text?: string } | undefined)?.text === 'Following up on your refund.');
    expect([tagged?.body.messaging_type, tagged?.body.tag]).toEqual(['MESSAGE_TAG', 'HUMAN_AGENT']);

    lastWroteAgo(9 * 24 * 60 * 60 * 1000);
    await agentReply('Is there anything else I can do?');
    const failed = agentTurn('anything else I can do');
    await failed.locator('.turn-status', { hasText: 'Not delivered' }).waitFor();
    expect(await failed.locator('.turn-failed').textContent()).toMatch(/last wrote on Messenger 9 days ago.*up to 7 days/);
    await agent.locator('#toast', { hasText: /Not delivered to/ }).waitFor();
    expect(graph.received.some((r) => (r.body.message as { text?: string } | undefined)?.text === 'Is there anything else I can do?')).toBe(false);
    await shot(agent, 'receipts-agent-not-delivered');
    expect(await axeViolations(agent)).toEqual([]);

    // Reopening the chat (a reload) shows the same statuses.
    await agent.reload({ waitUntil: 'domcontentloaded' });
    await agent.locator(`.chat-tab[data-ticket="${ticket}"]`).click();
    await agentTurn('anything else I can do').locator('.turn-status', { hasText: 'Not delivered' }).waitFor();
    await agentTurn('Following up on your refund').locator('.turn-status', { hasText: 'Sent' }).waitFor();
  }, 180_000);
});
