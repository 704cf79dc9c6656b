// The support desk's staff and assignment flows (issue #18 items 2-3) in Debian's Chromium (headless,
// driven by playwright-core) against the real server (testing/test-server.ts) on 127.0.0.1, with
// auto-assignment on, a cap of one open chat per agent and a 5-second reply timeout. Screenshots go
// to test-artifacts/screenshots/desk/ (git-ignored).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import type { TestServer } from '../testing/test-server.js';
import { botTexts, connect, fixtureRows, type ChatClient } from '../testing/test-client.js';
import { axeViolations } from '../testing/axe.js';
import { BrowserTest, ROOT } from '../testing/browser.js';
import { AGENT as ADMIN, openConsole, signIn } from '../testing/staff-pages.js';

const SHOTS = join(ROOT, 'test-artifacts', 'screenshots', 'desk');
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
  let bt: BrowserTest;
  let server: TestServer;
  const signer = new TokenSigner(Buffer.from(SECRET, 'utf8'));

  beforeAll(async () => {
    const env = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET, SHOPBOT_ASSIGNMENT: 'auto', SHOPBOT_MAX_CHATS: '1', SHOPBOT_REPLY_TIMEOUT: String(REPLY_TIMEOUT_S) };
    bt = await BrowserTest.start({ prefix: 'shopbot-desk-browser-', env, shots: SHOTS });
    server = bt.server;
  }, 1_800_000);

  afterAll(() => bt?.close(), 60_000);

  const newPage = (width = 1400, height = 900): Promise<Page> => bt.newPage({ width, height, timeout: 30_000, noDialogs: true });
  const shot = (page: Page, name: string) => bt.shot(page, name);
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
    await openConsole(admin, server.running.url, ADMIN);
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
    await signIn(mei, { email: 'mei@example.com', password: meiPassword });
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
