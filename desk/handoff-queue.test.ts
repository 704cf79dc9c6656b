import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../testing/test-server.js';
import { connect, type ChatClient, type Recorded } from '../testing/test-client.js';

// The hand-off queue end to end: the real server (models, SQLite file, web channel) on 127.0.0.1,
// customers on real socket.io clients, one agent on the /agents socket and the agent console in
// Debian's Chromium. What waiting customers are told, and what the console shows, as people join,
// write and leave.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AGENT = { email: 'agent@example.com', password: process.env.SHOPBOT_AGENT_PASSWORD ?? 'demo-agent' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hand-off queue end to end', () => {
  let server: TestServer;
  let browser: Browser;
  const clients: ChatClient[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
    [browser, server] = await Promise.all([
      chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] }),
      TestServer.start({ prefix: 'shopbot-queue-', env: { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'queue-session-secret-0123456789' }, logs, clients }),
    ]);
  }, 1_800_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.close();
  });

  const handoffs = (c: ChatClient, from = 0): Record<string, unknown>[] => c.events.slice(from).filter((e) => e.event === 'handoff').map((e) => e.data);
  // A guest's conversation starts with their first message (a second `session` event names it).
  const conversationOf = (c: ChatClient) => String(c.events.findLast((e) => e.event === 'session' && e.data.conversationId)!.data.conversationId);

  async function consoleLogin(page: Page): Promise<void> {
    await page.goto(`${server.running.url}/agent`, { waitUntil: 'domcontentloaded' });
    await page.locator('#email').fill(AGENT.email);
    await page.locator('#password').fill(AGENT.password);
    await page.locator('#login button[type=submit]').click();
    await page.locator('#console').waitFor({ state: 'visible' });
  }

  it('waiting customers learn their new position when someone ahead leaves; a message updates only its own row', async () => {
    const store = server.store;
    const agentRow = (await store.agents.getByEmail(AGENT.email))!;
    const agent = await connect(server.running.url, '/agents', { token: (await store.agents.createSession(agentRow.id)).token });
    clients.push(agent);
    await agent.waitFor((e) => e.event === 'queue');
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 860 } })).newPage();
    await consoleLogin(page);

    // Three customers ask for a person, one after the other: the bot tells each their place.
    const customers: ChatClient[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await server.customerClient();
      const from = c.events.length;
      expect((await c.send({ text: 'I want to talk to a human please' })).ok).toBe(true);
      await c.waitFor((e) => e.event === 'handoff' && e.data.status === 'pending', { from });
      customers.push(c);
    }
    const tickets = await Promise.all(customers.map(async (c) => (await store.tickets.openForConversation(conversationOf(c)))!.id));
    await agent.waitFor(() => agent.events.filter((e) => e.event === 'queue_add' && tickets.includes(e.data.ticketId as number)).length === 3, { timeoutMs: 10_000 });
    await sleep(700); // queue flushes settle
    // Each was told once (by the bot); the queue flush had nothing to add.
    expect(customers.map((c) => handoffs(c))).toEqual([1, 2, 3].map((position) => [{ status: 'pending', position }]));
    await page.locator('#queue .ticket').nth(2).waitFor();
    expect(await page.locator('#queue .ticket').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-ticket'))))).toEqual(tickets);
    await expect.poll(() => page.title()).toMatch(/3 waiting/);

    // The third writes: the agents get that row only, the others in the queue hear nothing.
    let agentFrom = agent.events.length;
    let marks = customers.map((c) => c.events.length);
    expect((await customers[2]!.send({ text: 'is anyone there? my parcel is lost' })).ok).toBe(true);
    const update = await agent.waitFor((e) => e.event === 'queue_update', { from: agentFrom });
    expect(update.data).toMatchObject({ ticketId: tickets[2], lastMessage: 'is anyone there? my parcel is lost' });
    // The row still quotes what led to the hand-off, with the new message as the latest under it.
    await page.locator(`#queue .ticket[data-ticket="${tickets[2]}"] .ticket-later`, { hasText: 'Latest: “is anyone there? my parcel is lost”' }).waitFor();
    expect(await page.locator(`#queue .ticket[data-ticket="${tickets[2]}"] .ticket-last`).innerText()).toBe('“I want to talk to a human please”');
    await sleep(600);
    expect(agent.events.slice(agentFrom).map((e: Recorded) => e.event)).toEqual(['queue_update']);
    expect(customers.map((c, i) => handoffs(c, marks[i]))).toEqual([[], [], []]);
    expect(await page.locator('#queue .ticket').count()).toBe(3);

    // The first leaves the queue: the two behind move up and are told so; the console drops the row.
    agentFrom = agent.events.length;
    marks = customers.map((c) => c.events.length);
    expect((await customers[0]!.send({ text: 'never mind' })).ok).toBe(true);
    await customers[0]!.waitFor((e) => e.event === 'handoff' && e.data.status === 'returned', { from: marks[0] });
    await customers[1]!.waitFor((e) => e.event === 'handoff' && e.data.position === 1, { from: marks[1] });
    await customers[2]!.waitFor((e) => e.event === 'handoff' && e.data.position === 2, { from: marks[2] });
    await agent.waitFor((e) => e.event === 'queue_remove' && e.data.ticketId === tickets[0], { from: agentFrom });
    await sleep(600);
    expect(customers.map((c, i) => handoffs(c, marks[i]))).toEqual([[{ status: 'returned' }], [{ status: 'pending', position: 1 }], [{ status: 'pending', position: 2 }]]);
    await expect.poll(() => page.locator('#queue .ticket').count()).toBe(2);
    expect(await page.locator('#queue .ticket').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-ticket'))))).toEqual(tickets.slice(1));
    await expect.poll(() => page.title()).toMatch(/2 waiting/);

    // The agent takes the next chat from the console: the last one is now first.
    marks = customers.map((c) => c.events.length);
    await page.locator(`#queue .ticket[data-ticket="${tickets[1]}"]`).getByRole('button', { name: /Accept/ }).click();
    await page.locator('#chat').waitFor({ state: 'visible' });
    await customers[2]!.waitFor((e) => e.event === 'handoff' && e.data.position === 1, { from: marks[2] });
    await expect.poll(() => page.locator('#queue .ticket').count()).toBe(1);
    expect(handoffs(customers[1]!, marks[1])).toMatchObject([{ status: 'assigned' }]);
  });
});
