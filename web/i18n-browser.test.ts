// The chat widget in Hindi, in Debian's Chromium (headless, driven by playwright-core) against the
// real server (testing/test-server.ts) on 127.0.0.1: a shop page embeds the widget with
// data-locale="hi"; its own texts come from the Hindi widget catalogue, the bot answers in Hindi
// and the product cards show ₹ prices as Intl formats them for hi-IN. Screenshots go to walk-shots/.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../testing/test-server.js';
import { translate } from '../core/i18n.js';
import { axeViolations } from '../testing/axe.js';
import { BrowserTest, ROOT } from '../testing/browser.js';

const SHOTS = join(ROOT, 'walk-shots', 'i18n');
const DEVANAGARI = /\p{Script=Devanagari}/u;
const hiPrice = (amount: number) => new Intl.NumberFormat('hi-IN', { style: 'currency', currency: 'INR', maximumFractionDigits: 0 }).format(amount);
const w = (key: string) => translate('hi', `widget:${key}`);

/** A shop's own page (its own server, as where the widget is embedded) with the widget in Hindi. */
async function hindiShop(widgetServer: string): Promise<{ url: string; close(): Promise<void> }> {
  const page = `<!doctype html><html lang="hi"><head><meta charset="utf-8"><title>दुकान</title></head>
<body><main><h1>हमारी दुकान</h1><p>नए प्रोडक्ट देखें।</p></main>
<script src="${widgetServer}/web-chat/widget.js" data-locale="hi" defer></script></body></html>`;
  const http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`, close: () => new Promise((r) => http.close(() => r())) };
}

describe('the widget in Hindi (Chromium, data-locale="hi")', () => {
  let bt: BrowserTest;
  let server: TestServer;
  let shop: Awaited<ReturnType<typeof hindiShop>>;

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'i18n-browser-secret-0123456789' };
    delete env.SHOPBOT_LOCALE;
    bt = await BrowserTest.start({ prefix: 'shopbot-i18n-browser-', env, shots: SHOTS });
    server = bt.server;
    shop = await hindiShop(server.running.url);
    bt.onClose(() => shop.close());
  }, 1_800_000);

  afterAll(() => bt?.close(), 60_000);

  // The browser itself is English: the widget's language comes from the page's data-locale.
  const newPage = (): Promise<Page> => bt.newPage({ width: 1280, height: 860, timeout: 30_000 });

  it('shows the Hindi texts, answers in Hindi and prices the cards for hi-IN', async () => {
    const page = await newPage();
    await page.goto(shop.url, { waitUntil: 'domcontentloaded' });
    const launcher = page.locator('.sb-launcher');
    await expect.poll(() => launcher.textContent()).toContain(w('launcher.open'));
    expect(await page.locator('#shopbot-widget').getAttribute('lang')).toBe('hi-IN');

    await launcher.click();
    const input = page.locator('#sb-input');
    await input.waitFor({ state: 'visible' });
    expect(await input.getAttribute('placeholder')).toBe('अपना संदेश लिखें…');
    expect(await input.getAttribute('aria-label')).toBe(w('composer.label'));
    expect(await page.locator('.sb-send').textContent()).toBe('भेजें');
    expect(await page.locator('.sb-hbtn').textContent()).toBe('किसी व्यक्ति से बात करें');
    expect(await page.locator('.sb-status').textContent()).toBe(w('header.instant'));
    expect(await page.locator('#sb-title').textContent()).toBe(w('title'));
    expect(await page.locator('.sb-empty').textContent()).toBe(w('log.empty'));
    expect(await page.locator('.sb-foot').textContent()).toBe(w('composer.help'));

    // A product request, typed in English (the bot reads English): Hindi words, hi-IN prices.
    await input.fill('bluetooth speaker under 3000');
    await input.press('Enter');
    await page.locator('.sb-card').first().waitFor();
    await page.locator('.sb-chip').first().waitFor();
    const conversationId = await page.evaluate(() => {
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i)!;
        if (k.endsWith(':conv')) return JSON.parse(localStorage.getItem(k)!) as string;
      }
      return null;
    });
    const withCards = [...(await server.store.conversations.transcript(conversationId!))].reverse().find((m) => m.role === 'bot' && (m.payload as { attachments?: unknown[] } | null)?.attachments?.length)!;
    const shown = await Promise.all(((withCards.payload as { attachments: { content: { buttons: { value: string }[] } }[] }).attachments).map(async (a) => (await server.store.products.get((JSON.parse(a.content.buttons[0]!.value) as { productId: string }).productId))!));
    const prices = await page.locator('.sb-card .sb-price').allTextContents();
    expect(prices.slice(-shown.length)).toEqual(shown.map((p) => hiPrice(p.price)));
    for (const price of prices) expect(price).toMatch(/^₹[0-9,]+$/);
    const firstCard = page.locator('.sb-card').first();
    expect(await firstCard.locator('button').allTextContents()).toEqual(['देखें', 'कार्ट में डालें', 'ऐसे और']);
    expect(await firstCard.locator('.sb-reason').textContent()).toContain(`${hiPrice(3000)} के अंदर`);
    expect(await page.locator('.sb-carousel').getAttribute('aria-label')).toBe(`${shown.length} प्रोडक्ट`);
    expect(await page.locator('.sb-chip').allTextContents()).toEqual(['इससे सस्ता?', 'पहले वाले के बारे में बताइए', 'कुछ और']);
    const botSaid = await page.locator('.sb-row--bot .sb-bubble').allTextContents();
    expect(botSaid.length).toBeGreaterThan(0);
    for (const text of botSaid) expect(text).toMatch(DEVANAGARI);
    expect(await page.locator('.sb-row--bot .sb-who').first().textContent()).toBe('सहायक');
    await page.screenshot({ path: join(SHOTS, 'widget-hi-cards.png') });
    expect(await axeViolations(page)).toEqual([]);

    // A Hindi quick reply: the customer sees their words, the bot reads its own.
    await page.locator('.sb-chip', { hasText: 'पहले वाले के बारे में बताइए' }).click();
    await page.locator('.sb-row--customer .sb-bubble', { hasText: 'पहले वाले के बारे में बताइए' }).waitFor();
    await page.locator('.sb-row--bot .sb-bubble', { hasText: `की क़ीमत ${hiPrice(shown[0]!.price)} है।` }).waitFor();

    // The header's "talk to a person": a Hindi hand-off (nobody is online in this test).
    await page.locator('.sb-hbtn').click();
    await page.locator('.sb-row--bot .sb-bubble', { hasText: 'ज़रूर, मैं आपके लिए किसी व्यक्ति को बुलाता हूँ।' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'widget-hi-handoff.png') });
  }, 180_000);

  it('the store page without data-locale keeps the English widget', async () => {
    const page = await newPage();
    await page.goto(`${server.running.url}/`, { waitUntil: 'domcontentloaded' });
    const launcher = page.locator('.sb-launcher');
    await expect.poll(() => launcher.textContent()).toContain('Chat with us');
    expect(await page.locator('#shopbot-widget').getAttribute('lang')).toBe('en-IN');
    await launcher.click();
    expect(await page.locator('#sb-input').getAttribute('placeholder')).toBe('Type your message…');
    await page.locator('#sb-input').fill('hello');
    await page.locator('#sb-input').press('Enter');
    await page.locator('.sb-row--bot .sb-bubble', { hasText: /^Hi! I can help/ }).waitFor();
    expect(await page.locator('.sb-chip').allTextContents()).toEqual(['Recommend something', 'Where is my order?', 'Talk to a person']);
  }, 120_000);
});
