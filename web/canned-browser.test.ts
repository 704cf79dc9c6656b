// The agent console's saved replies and the widget's rating question in Debian's Chromium
// (headless, driven by playwright-core) against the real server (testing/test-server.ts) on 127.0.0.1.
// Screenshots go to walk-shots/ (not committed).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import type { TestServer } from '../testing/test-server.js';
import { botTexts, fixtureRows } from '../testing/test-client.js';
import { axeViolations } from '../testing/axe.js';
import { BrowserTest, ROOT } from '../testing/browser.js';
import { AGENT, openConsole } from '../testing/staff-pages.js';

const SHOTS = join(ROOT, 'walk-shots');
const SECRET = 'canned-browser-secret-0123456789';

interface FixtureCustomer {
  id: string;
  name: string;
  identities: { channel: string; external_id: string }[];
}

/** A seeded customer with a two-word name, a web identity and orders, and their latest order. */
function knownCustomer(): { customer: FixtureCustomer; web: string; latestOrder: string } {
  const orders = fixtureRows<{ id: string; customer_id: string; created_at: string }>('orders.jsonl');
  for (const c of fixtureRows<FixtureCustomer>('customers.jsonl')) {
    const web = c.identities.find((i) => i.channel === 'web')?.external_id;
    const mine = orders.filter((o) => o.customer_id === c.id).sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
    if (web && mine.length > 0 && / /.test(c.name)) return { customer: c, web, latestOrder: mine[0]!.id };
  }
  throw new Error('no fixture customer with a web identity and orders');
}

const poll = <T>(fn: () => Promise<T> | T, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });

describe('saved replies in the console and the rating question in the widget (Chromium)', () => {
  let bt: BrowserTest;
  let server: TestServer;
  const signer = new TokenSigner(Buffer.from(SECRET, 'utf8'));

  beforeAll(async () => {
    bt = await BrowserTest.start({ prefix: 'shopbot-canned-browser-', env: { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET }, shots: SHOTS });
    server = bt.server;
  }, 1_800_000);

  afterAll(() => bt?.close(), 60_000);

  const newPage = (width = 1400, height = 860): Promise<Page> => bt.newPage({ width, height, noDialogs: true });
  const agentLogin = (page: Page) => openConsole(page, server.running.url);
  const shot = (page: Page, name: string) => bt.shot(page, name);

  it('an agent types /ret, picks the returns reply with the keyboard, gets the placeholders filled, and sends it', async () => {
    const agent = await newPage();
    await agentLogin(agent);
    await agent.locator('#canned-btn:not([hidden])').waitFor();

    // A known customer (signed web session) asks for a person.
    const { customer, web, latestOrder } = knownCustomer();
    const firstName = customer.name.split(' ')[0]!;
    const c = await server.customerClient({ token: signer.sign(web, 3600) });
    const from = c.events.length;
    expect((await c.send({ text: 'I want to talk to a person please' })).ok).toBe(true);
    await c.waitFor(() => botTexts(c, from).some((t) => /queue/.test(t)), { from, timeoutMs: 30_000 });
    await agent.locator('#queue .ticket').first().getByRole('button', { name: /Accept/ }).click();
    await agent.locator('#chat').waitFor({ state: 'visible' });

    // "/ret" opens the list; arrows move the selection, Esc closes it, Enter picks.
    const reply = agent.locator('#reply');
    await reply.click();
    await reply.pressSequentially('/ret', { delay: 40 });
    await agent.locator('#canned-pop:not([hidden])').waitFor();
    const options = agent.locator('#canned-list [role=option]');
    await poll(() => options.count()).toBeGreaterThanOrEqual(2);
    expect(await options.first().locator('code').textContent()).toBe('/returns');
    expect(await options.first().getAttribute('aria-selected')).toBe('true');
    await reply.press('ArrowDown');
    expect(await options.nth(1).getAttribute('aria-selected')).toBe('true');
    expect(await reply.getAttribute('aria-activedescendant')).toBe(await options.nth(1).getAttribute('id'));
    await reply.press('Escape');
    await agent.locator('#canned-pop').waitFor({ state: 'hidden' });
    await reply.pressSequentially('u', { delay: 40 }); // "/retu": the list again, only /returns by shortcut
    await agent.locator('#canned-pop:not([hidden])').waitFor();
    await reply.press('ArrowDown');
    await reply.press('ArrowUp');
    expect(await options.first().getAttribute('aria-selected')).toBe('true');
    await shot(agent, 'canned-replies-popup');
    expect(await axeViolations(agent)).toEqual([]);
    await reply.press('Enter');
    await agent.locator('#canned-pop').waitFor({ state: 'hidden' });

    await poll(() => reply.inputValue()).toContain(`Hi ${firstName},`);
    const text = await reply.inputValue();
    expect(text).toContain(`choose order ${latestOrder} and the item`);
    expect(text).not.toMatch(/\{\{|\}\}|\/retu/);
    expect(await agent.locator('#canned-hint').textContent()).toBe('');
    await shot(agent, 'canned-replies-filled');
    await agent.locator('#composer button[type=submit]').click();
    const got = await c.waitFor((e) => e.event === 'message' && e.data.role === 'agent');
    expect(got.data.text).toBe(text);
    await agent.locator('.turn-agent', { hasText: latestOrder }).waitFor();

    // The management view: add one's own reply; it is offered in the composer at once.
    await agent.locator('#canned-btn').click();
    await agent.locator('#canned-dialog[open]').waitFor();
    expect(await agent.locator('#canned-manage .canned-entry').count()).toBe(5);
    await agent.locator('#canned-shortcut').fill('/bye');
    await agent.locator('#canned-title').fill('Goodbye');
    await agent.locator('#canned-body').fill('Have a lovely day, {{customer.firstName}}! Order {{order.id}} is in good hands.');
    await agent.locator('#canned-save').click();
    await agent.locator('#canned-manage .canned-entry', { hasText: '/bye' }).waitFor();
    await shot(agent, 'canned-replies-manage');
    expect(await axeViolations(agent)).toEqual([]);
    await agent.locator('#canned-dialog').getByRole('button', { name: 'Close' }).click();
    await reply.fill('');
    await reply.pressSequentially('/by', { delay: 40 });
    await agent.locator('#canned-list [role=option]', { hasText: '/bye' }).click();
    await poll(() => reply.inputValue()).toBe(`Have a lovely day, ${firstName}! Order ${latestOrder} is in good hands.`);
    await reply.fill('');
  }, 180_000);

  it('a guest without orders gets markers the agent must replace, never {{...}}', async () => {
    const agent = await newPage();
    await agentLogin(agent);
    const c = await server.customerClient();
    const from = c.events.length;
    expect((await c.send({ text: 'talk to a person please' })).ok).toBe(true);
    await c.waitFor(() => botTexts(c, from).some((t) => /queue/.test(t)), { from, timeoutMs: 30_000 });
    await agent.locator('#queue .ticket').first().getByRole('button', { name: /Accept/ }).click();
    const reply = agent.locator('#reply');
    await reply.click();
    await reply.pressSequentially('Sorry! /dela', { delay: 30 });
    await agent.locator('#canned-list [role=option]').first().waitFor();
    await reply.press('Enter');
    await poll(() => reply.inputValue()).toMatch(/^Sorry! I'm sorry order \[order number\] is taking longer/);
    expect(await reply.inputValue()).not.toMatch(/\{\{/);
    // The first marker is selected, so typing replaces it; the hint names what is missing.
    expect(await agent.locator('#canned-hint').textContent()).toMatch(/Replace \[order number\], \[first name\]/);
    expect(await reply.evaluate((t: HTMLTextAreaElement) => t.value.slice(t.selectionStart, t.selectionEnd))).toBe('[order number]');
    // Sent as it is, the markers would reach the customer: the desk refuses it and says why.
    const before = c.events.length;
    await reply.press('Control+Enter');
    await poll(() => agent.locator('#send-error').textContent()).toMatch(/Not sent: replace \[order number\] before sending/);
    expect(botTexts(c, before).some((t) => t.includes('['))).toBe(false);
    await reply.fill('');
    for (const t of await server.store.tickets.listForAgent((await server.store.agents.getByEmail(AGENT.email))!.id)) await server.store.tickets.returnToBot(t.id);
  }, 120_000);

  it('the widget asks for a rating when the agent resolves; the customer picks 4 and adds a comment', async () => {
    const admin = (await server.store.agents.getByEmail(AGENT.email))!;
    const agent = await server.staffClient((await server.store.agents.createSession(admin.id)).token);
    await agent.waitFor((e) => e.event === 'queue');

    const page = await newPage(1280, 800);
    await page.goto(`${server.running.url}/`, { waitUntil: 'domcontentloaded' });
    await page.locator('.sb-launcher').click();
    await page.locator('#sb-input').waitFor({ state: 'visible' });
    await page.locator('.sb-hbtn').click();
    await page.locator('.sb-handoff', { hasText: /in the queue/ }).waitFor({ timeout: 30_000 });
    const queued = await agent.waitFor((e) => e.event === 'queue_add' || (e.event === 'queue' && Array.isArray(e.data) && e.data.length > 0));
    const row = (queued.event === 'queue' ? (queued.data as unknown as { ticketId: number }[])[0] : queued.data) as { ticketId: number; conversationId: string };
    expect((await agent.emit('accept', { ticketId: row.ticketId })).ok).toBe(true);
    await page.locator('.sb-handoff--assigned').waitFor();
    expect(await page.locator('.sb-csat').isHidden()).toBe(true);
    expect((await agent.emit('resolve', { ticketId: row.ticketId })).ok).toBe(true);

    await page.locator('.sb-csat:not([hidden])').waitFor();
    expect(await page.locator('.sb-csat-q').textContent()).toMatch(/rate your chat with Anna/);
    // Five buttons, each named by its number and meaning (the emoji is decoration).
    const names = await page.locator('.sb-csat-btn').evaluateAll((bs) => bs.map((b) => (b.textContent ?? '').replace(/\p{Extended_Pictographic}/gu, '').trim()));
    expect(names).toEqual(['1 – Very poor', '2 – Poor', '3 – Okay', '4 – Good', '5 – Excellent']);
    await page.getByRole('button', { name: '4 – Good' }).click();
    await page.locator('.sb-csat-status', { hasText: 'You rated this chat 4 out of 5' }).waitFor();
    expect(await page.getByRole('button', { name: '4 – Good' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByLabel('Anything you would like to add? (optional)').fill('Anna was quick and kind');
    await shot(page, 'widget-csat');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Send comment' }).click();
    await page.locator('.sb-csat-status', { hasText: 'Thank you for your feedback!' }).waitFor();
    expect(await server.store.csat.forTicket(row.ticketId)).toMatchObject({ agentId: admin.id, rating: 4, comment: 'Anna was quick and kind', channel: 'web' });
    await page.locator('.sb-csat').waitFor({ state: 'hidden', timeout: 10_000 });

    // The admin sees the average per agent in the console.
    const console = await newPage();
    await agentLogin(console);
    await console.locator('#csat-btn:not([hidden])').click();
    await console.locator('#csat-dialog[open]').waitFor();
    const annaRow = console.locator(`#csat-table tr[data-agent="${admin.id}"]`);
    await annaRow.waitFor();
    expect(await annaRow.locator('th').textContent()).toBe('Anna');
    expect(Number(await annaRow.locator('td').nth(1).textContent())).toBeGreaterThanOrEqual(1);
    await shot(console, 'agent-csat');
    expect(await axeViolations(console)).toEqual([]);
  }, 180_000);
});
