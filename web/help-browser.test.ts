// The help centre and the widget's links and length limit, in Debian's Chromium (headless, driven by
// playwright-core) against the real server (testing/test-server.ts) on 127.0.0.1:
// - a policy answer's "More: /help/…#…" line is a link in the widget, and it opens the help page at
//   the section it names;
// - /help/refunds (with the widget on it) has no serious or critical axe violation;
// - pasting 5,000 characters into the composer keeps 2,000 and says so.
// Screenshots of what was checked: walk-shots/help/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserTest, pageUrl, ROOT } from '../testing/browser.js';
import type { TestServer } from '../testing/test-server.js';
import { translate } from '../core/i18n.js';
import { axeViolations } from '../testing/axe.js';

const SHOTS = join(ROOT, 'walk-shots', 'help');
const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });

describe('help centre and widget links (Chromium)', () => {
  let bt: BrowserTest;
  let server: TestServer;
  const cspErrors: string[] = [];

  beforeAll(async () => {
    bt = await BrowserTest.start({ prefix: 'shopbot-help-browser-', env: { ...process.env, SHOPBOT_QUIET: '1' }, shots: SHOTS });
    server = bt.server;
  }, 1_800_000);

  afterAll(() => bt?.close(), 60_000);

  const base = () => pageUrl(server.running.url);

  async function newPage(): Promise<Page> {
    const page = await bt.newPage({ width: 1280, height: 860, timeout: 30_000, noDialogs: true });
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    return page;
  }

  async function openWidget(page: Page): Promise<void> {
    await page.locator('.sb-launcher').click();
    await page.locator('#sb-input').waitFor({ state: 'visible' });
  }

  it('a policy answer\'s "More:" line is a link that opens the help page at its section', async () => {
    const page = await newPage();
    await page.goto(`${base()}/`, { waitUntil: 'domcontentloaded' });
    await openWidget(page);
    await page.locator('#sb-input').fill('how long does a refund take to upi');
    await page.locator('#sb-input').press('Enter');
    const bubble = page.locator('.sb-row--bot .sb-bubble', { hasText: 'More:' }).last();
    await bubble.waitFor({ state: 'visible', timeout: 60_000 });
    const link = bubble.locator('a');
    await expect.poll(() => link.count()).toBe(1);
    // The message reads as the bot sent it; only the path became a link.
    const text = (await bubble.textContent()) ?? '';
    expect(text).toMatch(/More: \/help\/refunds#refund-timelines-by-payment-method\s*$/);
    expect(await link.textContent()).toBe('/help/refunds#refund-timelines-by-payment-method');
    expect(await link.getAttribute('href')).toBe(`${base()}/help/refunds#refund-timelines-by-payment-method`);
    // A site path opens in this tab; only absolute URLs get a new one.
    expect(await link.getAttribute('target')).toBeNull();
    // Nothing else in the answer is markup: one element child, the link.
    expect(await bubble.evaluate((b) => [...b.children].map((c) => c.tagName))).toEqual(['A']);
    await page.screenshot({ path: join(SHOTS, 'more-link.png') });

    await link.click();
    await page.waitForURL(`${base()}/help/refunds#refund-timelines-by-payment-method`);
    const target = page.locator('#refund-timelines-by-payment-method');
    await expect.poll(() => target.evaluate((h) => h.matches(':target') && h.tagName)).toBe('H2');
    expect(await target.textContent()).toBe('Refund timelines by payment method');
    // The section is what the bot quoted, and it is on screen.
    expect(await target.isVisible()).toBe(true);
    const box = await target.boundingBox();
    expect(box && box.y >= 0 && box.y < 860).toBe(true);
    await expect.poll(() => page.locator('main').textContent()).toContain('UPI: 2–4 working days');
    expect(await page.title()).toMatch(/^Refunds/);
    // The chat widget is on help pages too.
    await page.locator('.sb-launcher').waitFor({ state: 'attached' });
    await page.screenshot({ path: join(SHOTS, 'help-refunds-section.png') });
  }, 120_000);

  it('/help/refunds and /help pass axe (no serious or critical violations), with the widget open', async () => {
    const page = await newPage();
    await page.goto(`${base()}/help/refunds`, { waitUntil: 'load' });
    await page.locator('.sb-launcher').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await axeViolations(page)).toEqual([]);
    await openWidget(page);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'help-refunds-widget.png'), fullPage: true });

    await page.goto(`${base()}/help`, { waitUntil: 'load' });
    expect(await page.locator('.help-list a').count()).toBeGreaterThan(5);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'help-index.png'), fullPage: true });

    const missing = await page.goto(`${base()}/help/no-such-page`, { waitUntil: 'load' });
    expect(missing?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    expect(await axeViolations(page)).toEqual([]);
    expect(cspErrors).toEqual([]);
  }, 120_000);

  it('pasting 5,000 characters keeps 2,000 and shows a notice that says so', async () => {
    const page = await newPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base() });
    await page.goto(`${base()}/`, { waitUntil: 'domcontentloaded' });
    await openWidget(page);
    const notice = page.locator('#sb-limit');
    expect(await notice.textContent()).toBe('');
    expect(await notice.isVisible()).toBe(false);
    const long = 'Please help with my order. '.repeat(200).slice(0, 5000);
    await page.evaluate((t) => navigator.clipboard.writeText(t), long);
    await page.locator('#sb-input').focus();
    await page.keyboard.press('ControlOrMeta+V');
    await poll(() => page.locator('#sb-input').inputValue()).toBe(long.slice(0, 2000));
    const expected = translate('en', 'widget:composer.pasteCut', { used: '2,000', max: '2,000' });
    expect(expected).toBe('2,000 / 2,000 characters — the rest was not pasted');
    await poll(() => notice.textContent()).toBe(expected);
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.getAttribute('role')).toBe('status');
    expect(await page.locator('#sb-input').getAttribute('aria-describedby')).toBe('sb-limit');
    await page.screenshot({ path: join(SHOTS, 'paste-notice.png') });
    expect(await axeViolations(page)).toEqual([]);

    // Deleting below the limit clears the notice; typing up to it says the message is at its limit.
    await page.locator('#sb-input').press('Backspace');
    await poll(() => notice.textContent()).toBe('');
    expect(await page.locator('#sb-input').getAttribute('aria-describedby')).toBeNull();
    await page.locator('#sb-input').press('x');
    await poll(() => notice.textContent()).toBe(translate('en', 'widget:composer.atLimit', { used: '2,000', max: '2,000' }));
    // Sending clears it with the composer.
    await page.locator('#sb-input').press('Enter');
    await poll(() => page.locator('#sb-input').inputValue()).toBe('');
    await poll(() => notice.textContent()).toBe('');
  }, 120_000);
});
