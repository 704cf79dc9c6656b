// What the agent console says about a chat, in Debian's Chromium (headless, driven by playwright-core)
// against the real server (testing/test-server.ts) on 127.0.0.1, with real bot turns:
// - the queue row says why the customer wants a person (the message that led to the hand-off), with
//   their latest "hello?" beside it, not instead of it;
// - one mood per chat (queue row, chat tab, chat header and summary agree), each message's own
//   sentiment only on that message;
// - a question the bot answered from a help article is tagged with the article, not with the intent
//   model's "out of scope" reading.
// Screenshots go to test-artifacts/screenshots/console/ (git-ignored).
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../testing/axe.js';
import { BrowserTest, ROOT } from '../testing/browser.js';
import { openConsole } from '../testing/staff-pages.js';
import type { TestServer } from '../testing/test-server.js';
import { botTexts, conversationOf, type ChatClient } from '../testing/test-client.js';

const SHOTS = join(ROOT, 'test-artifacts', 'screenshots', 'console');

const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });

describe('the agent console reads a chat one way (Chromium)', () => {
  let bt: BrowserTest;
  let server: TestServer;

  beforeAll(async () => {
    bt = await BrowserTest.start({ prefix: 'shopbot-console-browser-', env: { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_ASSIGNMENT: 'manual' }, shots: SHOTS });
    server = bt.server;
  }, 1_800_000);

  afterAll(() => bt?.close(), 60_000);

  /** A guest's chat: says each line and waits for the bot's answer to it. */
  async function chat(lines: string[]): Promise<ChatClient> {
    const c = await server.customerClient();
    for (const text of lines) {
      const from = c.events.length;
      expect((await c.send({ text })).ok).toBe(true);
      await c.waitFor(() => botTexts(c, from).length > 0, { from, timeoutMs: 60_000 });
    }
    return c;
  }

  const pills = (scope: Locator) => scope.locator('.pill').allTextContents();
  /** The moods shown in `scope` (data-mood of each mood pill). */
  const moods = (scope: Locator) => scope.locator('[data-mood]').evaluateAll((els) => els.map((e) => e.getAttribute('data-mood')));

  it('shows why each customer wants a person, one mood per chat, and the help article that answered a question', async () => {
    // A guest asks two things the help articles answer, then for a person, then "hello?".
    const asked = await chat(['can i pay with cash on delivery?', 'bluetooth earbuds under 2000', 'cheaper', 'my refund for the broken kettle still has not come, this is the third time I am asking', 'I want to talk to a person', 'hello?']);
    // Another is handed over because they are upset, then writes a calm "ok".
    const upset = await chat(['this is ridiculous, my order is two weeks late and nobody answers my emails', 'ok']);
    expect((await server.store.tickets.openForConversation(await conversationOf(upset)))?.reason).toBe('negative_sentiment');
    const askedTicket = (await server.store.tickets.openForConversation(await conversationOf(asked)))!;
    expect(askedTicket.reason).toBe('asked');

    const page = await bt.newPage({ width: 1400, height: 900, timeout: 30_000 });
    await openConsole(page, server.running.url);
    await poll(() => page.locator('#queue .ticket').count()).toBe(2);

    // The queue row says what the customer wanted, with their latest words beside it.
    const askedRow = page.locator('#queue .ticket', { hasText: 'broken kettle' });
    expect(await askedRow.locator('.ticket-last').innerText()).toBe('“my refund for the broken kettle still has not come, this is the third time I am asking”');
    expect(await askedRow.locator('.ticket-later').innerText()).toBe('Latest: “hello?”');
    // One mood per row: the upset customer's row says "upset", never "neutral" beside it.
    const upsetRow = page.locator('#queue .ticket', { hasText: 'two weeks late' });
    expect(await upsetRow.locator('.ticket-later').innerText()).toBe('Latest: “ok”');
    expect(await moods(upsetRow)).toEqual(['upset']);
    expect((await pills(upsetRow)).join(' ')).not.toMatch(/neutral|negative|positive/);
    // Asking for a person right after an angry message is still an upset customer.
    expect(await moods(askedRow)).toEqual(['upset']);
    await page.locator('#queue').screenshot({ path: join(SHOTS, 'queue.png') });
    expect(await axeViolations(page)).toEqual([]);

    // The upset chat, open: its tab, its header and its summary say the same mood; the calm "ok"
    // keeps its own (per message) sentiment.
    await upsetRow.getByRole('button', { name: /Accept/ }).click();
    await page.locator('#chat').waitFor({ state: 'visible' });
    await poll(() => page.locator('#summary').innerText()).toMatch(/Mood now: upset/);
    expect(await moods(page.locator('#chat-tags'))).toEqual(['upset']);
    expect(await moods(page.locator('#mine .chat-tab'))).toEqual(['upset']);
    expect((await pills(page.locator('#mine .chat-tab'))).join(' ')).not.toMatch(/neutral/);
    const ok = page.locator('#transcript .turn-customer', { hasText: /^ok/ });
    expect(await ok.locator('.pill-neu').getAttribute('title')).toMatch(/^This message: neutral/);
    await page.screenshot({ path: join(SHOTS, 'upset-chat.png'), animations: 'disabled', caret: 'hide' });

    // The other chat: the questions the help articles answered are tagged with the article.
    await page.locator('#queue .ticket', { hasText: 'broken kettle' }).getByRole('button', { name: /Accept/ }).click();
    await page.locator(`#mine .chat-tab[data-ticket="${askedTicket.id}"]`).click();
    await poll(() => page.locator('#chat-tags').innerText()).toContain(`ticket #${askedTicket.id}`);
    const cod = page.locator('#transcript .turn-customer', { hasText: 'cash on delivery' });
    await cod.waitFor();
    expect(await cod.locator('[data-answered="article"]').innerText()).toBe('help article: Payment methods');
    // The summary names it the same way.
    await poll(() => page.locator('#summary').innerText()).toContain('payment methods (help article)');
    expect(await cod.locator('[data-answered="article"]').getAttribute('title')).toMatch(/^The bot answered from the help article “Payment methods”/);
    const metas = (await page.locator('#transcript .turn-meta').allInnerTexts()).join(' | ');
    expect(metas).not.toMatch(/out of scope/);
    // "cheaper" was answered with cards: tagged as shopping, with the intent head's reading beside it.
    const cheaper = page.locator('#transcript .turn-customer', { hasText: /^cheaper/ });
    expect(await cheaper.locator('[data-answered="products"]').innerText()).toBe('shopping');
    expect(await cheaper.locator('[data-answered="products"]').getAttribute('title')).toMatch(/^The bot answered with product cards \(intent model: /);
    // A question no article answered keeps the intent it was read as.
    expect(await page.locator('#transcript .turn-customer', { hasText: 'talk to a person' }).locator('.turn-meta').innerText()).toMatch(/contact human agent \d+%/);
    await page.screenshot({ path: join(SHOTS, 'article-tags.png'), animations: 'disabled', caret: 'hide' });
    expect(await axeViolations(page)).toEqual([]);
  }, 300_000);

});
