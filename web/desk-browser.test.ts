// The support desk's staff and assignment flows (issue #18 items 2-3) in Debian's Chromium (headless,
// driven by playwright-core) against the real server (testing/test-server.ts) on 127.0.0.1, with
// auto-assignment on, a cap of one open chat per agent and a 5-second reply timeout. Screenshots go
// to test-artifacts/screenshots/desk/ (git-ignored).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import { TestServer } from '../testing/test-server.js';
import { botTexts, connect, fixtureRows, type ChatClient } from '../testing/test-client.js';
import { axeViolations } from '../testing/axe.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots', 'desk');
const ADMIN = { email: 'agent@example.com', password: process.env.SHOPBOT_AGENT_PASSWORD ?? 'demo-agent' };
const SECRET = 'desk-browser-secret-0123456789';
const REPLY_TIMEOUT_S = 5;

interface FixtureCustomer {
  id: string;
  name: string;
  email: string | null;
  identities: { channel: string; external_id: string }[];
}

/** Two seeded customers with an e-mail and a web identity. */
function twoCustomers(): { customer: FixtureCustomer; web: string }[] {
  const out: { customer: FixtureCustomer; web: string }[] = [];
  for (const c of fixtureRows<FixtureCustomer>('customers.jsonl')) {
    const web = c.identities.find((i) => i.channel === 'web')?.external_id;
    if (web && c.email && /^[A-Za-z]/.test(c.name)) out.push({ customer: c, web });
    if (out.length === 2) return out;
  }
  throw new Error('not enough fixture customers with a web identity');
}

const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });

describe('agents, teams and auto-assignment in the console (Chromium)', () => {
  let browser: Browser;
  let server: TestServer;
  const logs: string[] = [];
  const clients: ChatClient[] = [];
  const contexts: BrowserContext[] = [];
  const signer = new TokenSigner(Buffer.from(SECRET, 'utf8'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`);
    const env = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET, SHOPBOT_ASSIGNMENT: 'auto', SHOPBOT_MAX_CHATS: '1', SHOPBOT_REPLY_TIMEOUT: String(REPLY_TIMEOUT_S) };
    [browser, server] = await Promise.all([
      chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] }),
      TestServer.start({ prefix: 'shopbot-desk-browser-', env, logs, clients }),
    ]);
    mkdirSync(SHOTS, { recursive: true });
  }, 1_800_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.close();
  }, 60_000);

  async function newPage(width = 1400, height = 900): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height }, locale: 'en-GB', timezoneId: 'Asia/Kolkata' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(30_000);
    page.on('dialog', (d) => {
      throw new Error(`unexpected dialog: ${d.message()}`);
    });
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), animations: 'disabled', caret: 'hide' });
  const tokenOf = (page: Page) => page.evaluate(() => (JSON.parse(sessionStorage.getItem('shopbot-agent-session') || 'null') as { token: string }).token);

  /** A signed-in customer asks for a person; resolves once the bot said they are in the queue. */
  async function askForPerson(web: string): Promise<ChatClient> {
    const c = await server.customerClient({ token: signer.sign(web, 3600) });
    const from = c.events.length;
    expect((await c.send({ text: 'I want to talk to a person please' })).ok).toBe(true);
    await c.waitFor(() => botTexts(c, from).some((t) => /queue/.test(t)), { from, timeoutMs: 60_000 });
    return c;
  }

  const saysTo = (c: ChatClient, re: RegExp) => c.waitFor((e) => e.event === 'message' && e.data.role !== 'customer' && re.test(String(e.data.text)), { timeoutMs: 60_000 });

  let meiPassword = '';
  const [first, second] = twoCustomers();

  it('an admin opens the Team page from the console, creates a team, adds an agent with a generated password and marks a VIP', async () => {
    const admin = await newPage();
    await admin.goto(`${server.running.url}/agent`, { waitUntil: 'domcontentloaded' });
    await admin.locator('#email').fill(ADMIN.email);
    await admin.locator('#password').fill(ADMIN.password);
    await admin.locator('#login button[type=submit]').click();
    await admin.locator('#console').waitFor({ state: 'visible' });
    await admin.locator('#team-link:not([hidden])').click();
    await admin.waitForURL(/admin\.html/);
    await admin.locator('#admin-main').waitFor({ state: 'visible' });
    await admin.locator('#agents tbody tr').first().waitFor();
    await expect.poll(() => admin.locator('#settings').textContent()).toMatch(/at most 1 open chat per agent.*within 5s goes back to the queue/);

    // a team with a skill, then an agent added to it
    await admin.locator('#team-name').fill('Orders desk');
    await admin.locator('#team-skills').fill('orders');
    await admin.getByRole('button', { name: 'Create team' }).click();
    await admin.locator('#teams li[data-team] h3', { hasText: 'Orders desk' }).waitFor();

    const addAgent = async (name: string, email: string, skills: string) => {
      await admin.locator('#new-name').fill(name);
      await admin.locator('#new-email').fill(email);
      await admin.locator('#new-skills').fill(skills);
      await admin.getByRole('button', { name: 'Add agent' }).click();
      await admin.locator('#password-notice .admin-password').waitFor();
      await poll(() => admin.locator('#password-notice').textContent()).toContain(`Give ${name} this password`);
      return (await admin.locator('#password-notice .admin-password').textContent()) ?? '';
    };
    // markup in a name is shown as text, never run (an alert would fail the test: see newPage)
    await addAgent('Eve <img src=x onerror=alert(1)>', 'eve@example.com', 'payments');
    const eve = admin.locator('#agents tbody tr', { hasText: 'eve@example.com' });
    await poll(() => eve.locator('td').first().locator('div').first().textContent()).toBe('Eve <img src=x onerror=alert(1)>');
    expect(await admin.locator('#agents img').count()).toBe(0);
    meiPassword = await addAgent('Mei', 'mei@example.com', 'orders, general');
    expect(meiPassword).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
    const row = admin.locator('#agents tbody tr', { hasText: 'mei@example.com' });
    await poll(() => row.textContent()).toMatch(/must choose a password/);
    const meiId = await row.getAttribute('data-agent');
    const team = admin.locator('#teams li[data-team]', { hasText: 'Orders desk' });
    await team.getByRole('combobox', { name: /Agent to add to Orders desk/ }).selectOption(meiId!);
    await team.getByRole('button', { name: /Add the chosen agent to Orders desk/ }).click();
    await poll(() => admin.locator('#teams li[data-team]', { hasText: 'Orders desk' }).locator('.admin-members').textContent()).toMatch(/Mei/);
    expect((await server.store.teams.getByName('Orders desk'))?.memberIds).toEqual([meiId]);

    // the second customer is a VIP
    await admin.locator('#vip-customer').fill(second!.customer.email!);
    await admin.getByRole('button', { name: 'Mark as VIP' }).click();
    await admin.locator(`#vips li[data-customer="${second!.customer.id}"]`).waitFor();
    expect(await axeViolations(admin)).toEqual([]);
    await admin.evaluate(() => window.scrollTo(0, 0));
    await admin.screenshot({ path: join(SHOTS, 'admin-team.png'), fullPage: true, animations: 'disabled', caret: 'hide' });
    await admin.close();
  });

  it('the new agent must choose a password first; chats are then assigned by themselves up to the cap, an unanswered one returns to the queue, and sign-out revokes the token', async () => {
    expect(meiPassword).not.toBe('');
    const mei = await newPage();
    await mei.goto(`${server.running.url}/agent`, { waitUntil: 'domcontentloaded' });
    await mei.locator('#email').fill('mei@example.com');
    await mei.locator('#password').fill(meiPassword);
    await mei.locator('#login button[type=submit]').click();
    // the console stays closed until a password of her own is chosen
    await mei.locator('#change-password').waitFor({ state: 'visible' });
    expect(await mei.locator('#console').isHidden()).toBe(true);
    const mustChangeToken = await tokenOf(mei);
    expect((await fetch(`${server.running.url}/api/staff/health`, { headers: { authorization: `Bearer ${mustChangeToken}` } })).status).toBe(403);
    await mei.locator('#current-password').fill(meiPassword);
    await mei.locator('#new-password').fill('mei-chooses-this');
    await mei.locator('#repeat-password').fill('mei-chooses-this');
    await mei.getByRole('button', { name: 'Save and continue' }).click();
    await mei.locator('#console').waitFor({ state: 'visible' });

    // the first customer's chat opens in Mei's console by itself
    const one = await askForPerson(first!.web);
    await saysTo(one, /^Mei from our support team joined the chat/);
    await poll(() => mei.locator('#chat-title').textContent()).toBe(first!.customer.name);
    await mei.locator('#mine .chat-tab').first().waitFor();

    // at the cap of one: the VIP customer waits, listed in Mei's queue as VIP, not given to her
    const two = await askForPerson(second!.web);
    const waiting = mei.locator('#queue .ticket', { hasText: second!.customer.name });
    await waiting.waitFor();
    expect(await waiting.locator('.pill', { hasText: 'VIP' }).count()).toBe(1);
    expect(await mei.locator('#mine .chat-tab').count()).toBe(1);
    expect((await server.store.tickets.queue()).map((t) => [t.customerId, t.priority])).toEqual([[second!.customer.id, 2]]);
    await shot(mei, 'agent-console-cap');

    // Mei does not answer the first chat: it goes back to the queue, the customer is told, and the
    // VIP's chat (now that she has room) is hers instead
    await saysTo(one, /could not answer just now, so you are back in the queue/);
    await poll(() => mei.locator('#chat-title').textContent()).toBe(second!.customer.name);
    await saysTo(two, /from our support team joined the chat/);
    await mei.locator('#queue .ticket', { hasText: first!.customer.name }).waitFor();
    await mei.locator('#reply').fill('Hello, Mei here. How can I help?');
    await mei.locator('#composer button[type=submit]').click();
    await saysTo(two, /Mei here/);
    await shot(mei, 'agent-console-assigned');
    expect(await axeViolations(mei)).toEqual([]);

    // sign-out revokes the server session: the old token works neither over HTTP nor on the socket
    const token = await tokenOf(mei);
    expect((await fetch(`${server.running.url}/api/staff/health`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await mei.locator('#logout').click();
    await mei.locator('#login').waitFor({ state: 'visible' });
    await poll(() => mei.locator('#login-error').textContent()).toBe('Signed out.');
    expect((await fetch(`${server.running.url}/api/staff/health`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    await expect(connect(server.running.url, '/agents', { token })).rejects.toThrow(/unauthorized/);
  });
});
