// Signed shopper identity end to end, in Debian's Chromium (headless, playwright-core): the real
// server (testing/test-server.ts) with SHOPBOT_IDENTITY_SECRET, and the example store backend
// (examples/store-backend) on another origin that signs who is signed in. The widget identifies,
// "where is my order?" answers that customer's real order, forged and expired identities are
// refused in the widget and attach nothing, and signing out (ShopBotChat.reset()) starts a new
// guest with the history cleared. Also: a product card's "View on store" opens the demo store's
// product page. Screenshots go to walk-shots/ (not committed).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreBackend, DEMO_ACCOUNTS, signIdentity } from '../examples/store-backend/server.js';
import type { TestServer } from '../testing/test-server.js';
import { connect, fixtureRows, type ChatClient } from '../testing/test-client.js';
import { BrowserTest, ROOT } from '../testing/browser.js';

const SHOTS = join(ROOT, 'walk-shots');
const SECRET = 'identity-browser-store-secret-0123456789';
const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 150 });

const LILY = DEMO_ACCOUNTS.find((a) => a.name === 'Lily Williams')!;
const EMILY = DEMO_ACCOUNTS.find((a) => a.name === "Emily O'Brien")!;

/** The customer's latest order in the fixtures (what "where is my order?" must answer). */
function latestOrder(customerId: string): string {
  const mine = fixtureRows<{ id: string; customer_id: string; created_at: string }>('orders.jsonl').filter((o) => o.customer_id === customerId);
  mine.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
  return mine[0]!.id;
}

describe('signed shopper identity in the widget (Chromium, example store backend)', () => {
  let bt: BrowserTest;
  let server: TestServer;
  let store: ReturnType<typeof createStoreBackend>;
  let storeUrl: string;
  const logs: string[] = [];
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    bt = await BrowserTest.start({ prefix: 'shopbot-identity-browser-', env: { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'identity-browser-session-secret-0123', SHOPBOT_IDENTITY_SECRET: SECRET }, logs, clients, shots: SHOTS });
    server = bt.server;
    store = createStoreBackend({ secret: SECRET, shopbotUrl: server.running.url, log: (l) => logs.push(l) });
    bt.onClose(() => store.close());
    storeUrl = await store.listen(0);
  }, 1_800_000);

  afterAll(() => bt?.close(), 60_000);

  async function newPage(): Promise<Page> {
    // No timezoneId: the browser's own.
    const page = await bt.newPage({ width: 1280, height: 860, timeout: 30_000, context: { timezoneId: undefined } });
    page.on('pageerror', (err) => logs.push(`[page] ${err.message}`));
    return page;
  }

  const shot = (page: Page, name: string) => bt.shot(page, name);

  /** Opens the widget (if closed) and sends a message from the composer. */
  async function say(page: Page, text: string): Promise<void> {
    if (!(await page.locator('#sb-input').isVisible())) await page.locator('.sb-launcher').click();
    await page.locator('#sb-input').fill(text);
    await page.locator('#sb-input').press('Enter');
  }
  const botTexts = (page: Page) => page.locator('.sb-row--bot .sb-bubble').allTextContents();
  const storageToken = (page: Page) => page.evaluate((origin) => JSON.parse(localStorage.getItem(`shopbot:${origin}:token`) ?? 'null') as string | null, server.running.url);
  const webIdentities = async (customerId: string) => (await server.store.customers.identities(customerId)).filter((i) => i.channel === 'web').map((i) => i.externalId);

  it('a signed-in shopper: the guest chat joins their account and "where is my order?" answers their real order', async () => {
    const page = await newPage();
    await page.goto(storeUrl, { waitUntil: 'domcontentloaded' });
    await page.locator('#who', { hasText: 'Not signed in' }).waitFor();

    // A guest chats first.
    await say(page, 'hello there');
    await poll(async () => (await botTexts(page)).length).toBeGreaterThan(0);
    const guestToken = await storageToken(page);
    expect(guestToken).toBeTruthy();
    const known = (await webIdentities(LILY.id)).length; // the fixtures' own

    // Signing in on the store: the page passes the store's signed identity to the widget.
    await page.getByRole('button', { name: `Sign in as ${LILY.name}` }).click();
    await page.locator('#who', { hasText: `Signed in as ${LILY.name}` }).waitFor();
    await poll(async () => (await webIdentities(LILY.id)).length).toBe(known + 1);
    await poll(() => storageToken(page)).not.toBe(guestToken);
    // The guest's message is now part of Lily's chat.
    await page.locator('.sb-row--customer .sb-bubble', { hasText: 'hello there' }).waitFor();

    const order = latestOrder(LILY.id);
    const before = (await botTexts(page)).length;
    await say(page, 'where is my order?');
    await poll(async () => (await botTexts(page)).slice(before).join(' '), 60_000).toContain(order);
    await shot(page, 'identity-signed-in-order');

    const conversations = (await server.store.conversations.listForCustomer(LILY.id, 10)).filter((c) => c.source === 'live' && c.status === 'open');
    expect(conversations).toHaveLength(1);
    expect((await server.store.conversations.transcript(conversations[0]!.id)).map((m) => m.text)).toEqual(expect.arrayContaining(['hello there', 'where is my order?']));
    expect(logs.some((l) => l.includes(`customer ${LILY.id} attached, guest chat merged`))).toBe(true);
    expect(await page.locator('.sb-row--error').count()).toBe(0);
  }, 240_000);

  it('forged and expired identities are refused in the widget and never attach', async () => {
    const page = await newPage();
    await page.goto(storeUrl, { waitUntil: 'domcontentloaded' });
    await say(page, 'hi');
    await poll(async () => (await botTexts(page)).length).toBeGreaterThan(0);
    const before = await webIdentities(EMILY.id);

    const forged = await signIdentity('not-the-store-secret-0123456789abcdef', EMILY);
    await page.evaluate((token) => (window as unknown as { ShopBotChat: { identify(o: { token: string }): void } }).ShopBotChat.identify({ token }), forged);
    const error = page.locator('.sb-row--error[role=alert]');
    await error.first().waitFor();
    expect(await error.first().textContent()).toMatch(/couldn't confirm your sign-in/);

    const expired = await signIdentity(SECRET, EMILY, { now: Date.now() - 3 * 3600_000 });
    await page.evaluate((token) => (window as unknown as { ShopBotChat: { identify(o: { token: string }): void } }).ShopBotChat.identify({ token }), expired);
    await poll(() => error.count()).toBe(2);
    expect(await error.nth(1).textContent()).toMatch(/expired/);
    await shot(page, 'identity-refused');

    // Still a guest: an order question asks for the order number, and Emily's order is not shown.
    const n = (await botTexts(page)).length;
    await say(page, 'where is my order?');
    await poll(async () => (await botTexts(page)).slice(n).join(' '), 60_000).toMatch(/order number/i);
    expect((await botTexts(page)).join(' ')).not.toContain(latestOrder(EMILY.id));
    expect(await webIdentities(EMILY.id)).toEqual(before);
    expect(logs.filter((l) => /identity refused \(identity_(invalid|expired)\)/.test(l)).length).toBeGreaterThanOrEqual(2);
  }, 240_000);

  it('signing out resets the widget: history cleared on the device, the old session ended, a new guest', async () => {
    const page = await newPage();
    await page.goto(storeUrl, { waitUntil: 'domcontentloaded' });
    await page.getByRole('button', { name: `Sign in as ${LILY.name}` }).click();
    await page.locator('#who', { hasText: `Signed in as ${LILY.name}` }).waitFor();
    await page.locator('.sb-launcher').click();
    // Lily's chat from the other device follows her here.
    await page.locator('.sb-row--customer .sb-bubble', { hasText: 'where is my order?' }).waitFor();
    const lilyToken = await storageToken(page);
    expect(lilyToken).toBeTruthy();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#who', { hasText: 'Not signed in' }).waitFor();
    await poll(() => page.locator('.sb-row--customer').count()).toBe(0);
    expect(await page.locator('.sb-row--bot').count()).toBe(0);
    await poll(() => storageToken(page)).not.toBe(lilyToken);

    // The next message is a new guest's.
    await say(page, 'hello again');
    await poll(async () => (await botTexts(page)).length).toBeGreaterThan(0);
    expect(await page.locator('.sb-row--customer .sb-bubble', { hasText: 'where is my order?' }).count()).toBe(0);
    const guestToken = await storageToken(page);
    const guest = await connect(server.running.url, '/chat', { token: guestToken });
    clients.push(guest);
    const session = (await guest.waitFor((e) => e.event === 'session')).data;
    expect(session.customerId).toMatch(/^cus_/);
    expect(session.identified).toBe(false);
    // Lily's token from before signing out no longer opens her chat.
    const stale = await connect(server.running.url, '/chat', { token: lilyToken });
    clients.push(stale);
    expect((await stale.waitFor((e) => e.event === 'session')).data.customerId).toBeNull();
    await shot(page, 'identity-signed-out');
  }, 240_000);

  it('a product card links to its page on the store ("View on store" opens /?product=<id>)', async () => {
    const page = await newPage();
    await page.goto(`${server.running.url}/`, { waitUntil: 'domcontentloaded' });
    await say(page, 'show me wireless headphones');
    const link = page.locator('.sb-card a.sb-storelink').first();
    await link.waitFor({ timeout: 60_000 });
    const href = await link.getAttribute('href');
    expect(href).toMatch(new RegExp(`^${server.running.url.replace(/[.]/g, '\\.')}/\\?product=`));
    const id = new URL(href!).searchParams.get('product')!;
    const title = (await server.store.products.get(id))!.title;
    // The View / Add to cart buttons are still there beside the link.
    const card = page.locator('.sb-card').first();
    expect(await card.locator('button[data-action=view]').count()).toBe(1);
    expect(await card.locator('button[data-action=add_to_cart]').count()).toBe(1);
    await link.click();
    await page.waitForURL((u) => u.searchParams.get('product') === id);
    await page.locator('#product-detail #product-title', { hasText: title.slice(0, 40) }).waitFor();
    await shot(page, 'product-page-from-card');
  }, 240_000);
});
