// End-to-end tests of the three pages in Debian's Chromium (headless, driven by playwright-core)
// against the real server from app/main.ts on 127.0.0.1. Screenshots go to
// test-artifacts/screenshots/ and are copied to web/screenshots/ for the README.
//
// Set WEBCHAT_TEST_URL to run against a server that is already running (seeded demo store).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flakyProxy } from '../testing/web-helpers.js';
import { fakeGraph, postSignedWebhook, type FakeGraph } from '../testing/test-client.js';
import { BrowserTest, givenServer, pageUrl, ROOT } from '../testing/browser.js';
import { AGENT, openConsole, PRODUCT, signIn } from '../testing/staff-pages.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const README_SHOTS = join(HERE, 'screenshots');
// Messenger is on for these tests (the widget then offers "Continue on Messenger"); Meta's Graph API
// is a local fake, and webhooks are signed with this app secret.
const MESSENGER_APP_SECRET = 'browser-test-app-secret';
const MESSENGER_PAGE = 'shopbot.demo';
let graph: FakeGraph | undefined;

interface Running {
  url: string;
  close(): Promise<void>;
}

// A cold start builds the server's caches (intent head, embeddings, the FAQ index in the database,
// recommender vectors): minutes on two cores. Within one test run the warm data folder of
// testing/test-template.ts is shared with the other end-to-end tests. Across runs, this file also keeps
// a template of a freshly started data folder (the database copied with VACUUM INTO before any
// test traffic, and the cache files) in test-artifacts/; later runs start from a copy of it, so each
// run still gets its own database without live chats. start() itself revalidates every cache (seed
// fingerprint, intent-head fingerprint, resumable FAQ ingest), so a template only has to match the
// data formats; when a start from it still took long (a cache was rebuilt), it is saved again.
const TEMPLATE = join(ROOT, 'test-artifacts', 'browser-data-template');
const NOT_COPIED = /^(shop\.db-(wal|shm)|session\.key|template\.key)$/;

function templateKey(): string {
  const h = createHash('sha256');
  for (const f of ['fixtures/store/manifest.json', 'store/migrations.ts', 'store/seed.ts', 'retrieval/index-store.ts']) {
    h.update(f);
    h.update(existsSync(join(ROOT, f)) ? readFileSync(join(ROOT, f)) : Buffer.alloc(0));
  }
  return h.digest('hex');
}

function useTemplate(dataDir: string, key: string): boolean {
  const keyFile = join(TEMPLATE, 'template.key');
  if (!existsSync(keyFile) || readFileSync(keyFile, 'utf8') !== key) return false;
  for (const name of readdirSync(TEMPLATE)) if (!NOT_COPIED.test(name)) cpSync(join(TEMPLATE, name), join(dataDir, name), { recursive: true });
  return true;
}

function saveTemplate(dataDir: string, key: string): void {
  const tmp = `${TEMPLATE}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const name of readdirSync(dataDir)) {
    if (NOT_COPIED.test(name) || name === 'shop.db') continue;
    cpSync(join(dataDir, name), join(tmp, name), { recursive: true });
  }
  // A consistent snapshot through a second connection, while the server has the database open.
  const db = new Database(join(dataDir, 'shop.db'), { fileMustExist: true });
  try {
    db.prepare('VACUUM INTO ?').run(join(tmp, 'shop.db'));
  } finally {
    db.close();
  }
  writeFileSync(join(tmp, 'template.key'), key);
  rmSync(TEMPLATE, { recursive: true, force: true });
  renameSync(tmp, TEMPLATE);
}

/** The server the tests run against (with Messenger on a fake Graph API); closing it removes its data folder. */
async function startServer(): Promise<Running> {
  const given = givenServer();
  if (given) return given;
  const main = join(ROOT, 'app', 'main.ts');
  if (!existsSync(main)) throw new Error('app/main.ts is missing: the browser tests run against its start() (or set WEBCHAT_TEST_URL to a running server)');
  const mod = (await import(pathToFileURL(main).href)) as { start?: (opts: { port: number; dataDir: string; host?: string; env?: NodeJS.ProcessEnv; log?: (l: string) => void }) => Promise<Running> };
  if (typeof mod.start !== 'function') throw new Error('app/main.ts does not export start()');
  const key = templateKey();
  let dataDir = mkdtempSync(join(tmpdir(), 'shopbot-browser-'));
  const fromTemplate = useTemplate(dataDir, key);
  if (!fromTemplate) {
    rmSync(dataDir, { recursive: true, force: true });
    const { warmDataDir } = await import('../testing/test-template.js');
    dataDir = await warmDataDir('shopbot-browser-');
  }
  const t0 = Date.now();
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  graph = await fakeGraph();
  const messenger = { MESSENGER_APP_SECRET, MESSENGER_VERIFY_TOKEN: 'browser-verify', MESSENGER_PAGE_TOKEN: 'browser-page-token', MESSENGER_GRAPH_BASE: graph.url, MESSENGER_PAGE_NAME: MESSENGER_PAGE };
  const s = await mod.start({ port: 0, dataDir, host: '127.0.0.1', env: { ...process.env, SHOPBOT_QUIET: '1', ...messenger }, log: () => {} }).catch(async (err: unknown) => {
    await graph?.close();
    removeData();
    throw err;
  });
  if (!fromTemplate || Date.now() - t0 > 30_000) {
    try {
      saveTemplate(dataDir, key);
    } catch (err) {
      console.error(`[browser.test] could not save the data template: ${(err as Error).message}`);
    }
  }
  return {
    url: pageUrl(s.url),
    close: async () => {
      try {
        await s.close();
        await graph?.close();
      } catch {
        // the server's own close; its data folder goes all the same
      } finally {
        removeData();
      }
    },
  };
}

/** expect.poll with room for a real bot turn (its default is one second). */
const poll = <T>(fn: () => Promise<T> | T, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });

let bt: BrowserTest<Running>;
let server: Running;
const shots: string[] = [];

// No alert/confirm may ever open: injected markup would be the only way to get one.
const newPage = (opts: { width?: number; height?: number } = {}): Promise<Page> => bt.newPage({ ...opts, context: { acceptDownloads: true }, noDialogs: true });

async function shot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  // Let pictures settle (remote ones fail offline and fall back to local placeholders).
  await page
    .waitForFunction(() => [...document.images].every((i) => i.complete || i.getBoundingClientRect().top > innerHeight), undefined, { timeout: 10_000 })
    .catch(() => {});
  await page.waitForTimeout(300);
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: opts.fullPage ?? false, animations: 'disabled', caret: 'hide' });
  shots.push(path);
}

// ---------- widget helpers (Playwright's CSS selectors pierce the widget's open shadow root) ----------
async function openWidget(page: Page): Promise<void> {
  await page.locator('.sb-launcher').click();
  await page.locator('#sb-input').waitFor({ state: 'visible' });
}

const botRows = (page: Page) => page.locator('.sb-row--bot, .sb-row--agent');

async function say(page: Page, text: string): Promise<void> {
  await page.locator('#sb-input').fill(text);
  await page.locator('#sb-input').press('Enter');
  await page.locator('.sb-row--customer:not(.sb-row--pending) .sb-bubble', { hasText: text.slice(0, 40) }).last().waitFor();
}

/** Says something and waits for at least one new bot (or agent) turn; returns the new turns' text. */
async function ask(page: Page, text: string, timeout = 30_000): Promise<string> {
  const before = await botRows(page).count();
  await say(page, text);
  await poll(() => botRows(page).count(), timeout).toBeGreaterThan(before);
  await page.waitForTimeout(400); // the rest of the turn (cards, chips) follows right behind
  const texts = await botRows(page).allTextContents();
  return texts.slice(before).join('\n');
}

/** Elements (inside the widget's shadow root or the page) whose text contrast is below WCAG AA (4.5:1). */
async function lowContrast(page: Page, selectors: string[]): Promise<string[]> {
  return page.evaluate((sels) => {
    const parse = (c: string): [number, number, number, number] => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const p = m[1]!.split(/[ ,/]+/).filter(Boolean).map(Number);
      return [p[0]!, p[1]!, p[2]!, p[3] ?? 1];
    };
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const background = (el: Element | null): number[] => {
      for (let n: Element | null = el; n; n = n.parentElement ?? ((n.getRootNode() as ShadowRoot).host ?? null)) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c[3] > 0.5) return c;
      }
      return [255, 255, 255, 1];
    };
    const roots: (Document | ShadowRoot)[] = [document];
    const sr = document.getElementById('shopbot-widget')?.shadowRoot;
    if (sr) roots.push(sr);
    const bad: string[] = [];
    for (const sel of sels) {
      for (const root of roots) {
        for (const el of [...root.querySelectorAll(sel)].slice(0, 3)) {
          if (!(el as HTMLElement).offsetParent && getComputedStyle(el).position !== 'fixed') continue;
          const fg = lum(parse(getComputedStyle(el).color));
          const bg = lum(background(el));
          const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
          if (ratio < 4.5) bad.push(`${sel} ${ratio.toFixed(2)}`);
        }
      }
    }
    return bad;
  }, selectors);
}

const agentLogin = (page: Page) => openConsole(page, server.url);

/** The staff session token the page keeps (per tab, like the console). */
const pageToken = (page: Page) => page.evaluate(() => (JSON.parse(sessionStorage.getItem('shopbot-agent-session') || 'null') as { token?: string } | null)?.token ?? null);

/** Status of an insights API call with `token`, made by the test (not the page). */
async function insightsStatus(token: string | null): Promise<number> {
  const res = await fetch(`${server.url}/api/insights/products?limit=1`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  // A cold start builds the model caches first (minutes on two cores); later runs reuse them.
  bt = await BrowserTest.beside(startServer, SHOTS);
  server = bt.server;
}, 1_800_000);

afterAll(async () => {
  await bt?.close();
  // The README's screenshots are tracked files: refreshed only on request, so a test run leaves the checkout clean.
  if (process.env.SHOPBOT_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(README_SHOTS, { recursive: true });
    for (const s of shots) if (existsSync(s)) copyFileSync(s, join(README_SHOTS, s.split('/').pop()!));
  }
}, 60_000);

describe('demo store and chat widget', () => {
  it('shows the catalog, then a customer gets recommendations and clicks a card', async () => {
    const page = await newPage();
    await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
    await poll(() => page.locator('#catalog .product').count()).toBeGreaterThan(10);
    expect(await page.locator('#catalog .product .price').first().textContent()).toMatch(/₹/);
    // One widget host, injected by the single script tag.
    expect(await page.locator('#shopbot-widget').count()).toBe(1);
    await shot(page, 'store');

    await openWidget(page);
    await ask(page, 'Can you recommend some wireless headphones?');
    const cards = page.locator('.sb-card');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThanOrEqual(2);
    const first = cards.first();
    await poll(() => first.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const title = (await first.locator('h3').textContent())!.trim();
    expect(title.length).toBeGreaterThan(3);
    expect(await first.locator('.sb-price').textContent()).toMatch(/₹\s?[\d,]+/);
    for (const label of ['View', 'Add to cart', 'More like this']) expect(await first.getByRole('button', { name: new RegExp(`^${label}`) }).count()).toBe(1);
    // Chips for the next step.
    expect(await page.locator('.sb-chip').count()).toBeGreaterThan(0);
    await shot(page, 'widget-recommendations');
    // Text contrast meets WCAG AA in the widget and on the store page.
    expect(
      await lowContrast(page, ['.sb-row--customer .sb-bubble', '.sb-row--bot .sb-bubble', '.sb-meta', '.sb-chip', '.sb-heading h2', '.sb-status', '.sb-hbtn', '.sb-card h3', '.sb-price', '.sb-rating', '.sb-reason', '.sb-btn', '.sb-send', '.sb-foot', '.sb-launcher', '.product h2', '.price', '.rating', '.cat-path', '.btn', '.hero p', '.result-info']),
    ).toEqual([]);

    // "View" on the first card: the bot describes that product.
    const before = await botRows(page).count();
    await first.getByRole('button', { name: /^View/ }).click();
    await poll(() => botRows(page).count()).toBeGreaterThan(before);
    await page.locator('.sb-row--bot .sb-bubble', { hasText: title.slice(0, 25) }).first().waitFor();
    // The click shows as the customer's own turn.
    expect(await page.locator('.sb-row--customer .sb-bubble', { hasText: `View: ${title.slice(0, 20)}` }).count()).toBeGreaterThan(0);
    // Timestamps on every turn.
    expect(await page.locator('.sb-row--customer time').first().getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  }, 90_000);

  it("'Add to cart' in the chat goes through the store page's cart, and the bot confirms only what the cart did", async () => {
    const page = await newPage();
    await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
    await poll(() => page.locator('#catalog .product').count()).toBeGreaterThan(10);
    expect(await page.locator('#cart-count').textContent()).toBe('0');
    // The page also hears the DOM event (for stores that listen instead of registering a handler).
    await page.evaluate(() => {
      (window as unknown as { heard: string[] }).heard = [];
      window.addEventListener('shopbot:add-to-cart', (e) => (window as unknown as { heard: string[] }).heard.push((e as CustomEvent<{ productId: string }>).detail.productId));
    });
    await openWidget(page);
    await ask(page, 'electric kettle');
    const card = page.locator('.sb-card').first();
    await card.waitFor();
    await card.getByRole('button', { name: /^Add to cart/ }).click();
    await page.locator('.sb-row--bot .sb-bubble', { hasText: /Added .* to your cart/ }).first().waitFor({ timeout: 20_000 });
    expect(await page.locator('#cart-count').textContent()).toBe('1');
    expect(await page.evaluate(() => (window as unknown as { heard: string[] }).heard.length)).toBe(1);
    await shot(page, 'widget-add-to-cart');

    // A cart that refuses (a store rule): the count stays, the bot says why.
    await page.evaluate(() => (window as unknown as { ShopBotChat: { onAddToCart(h: () => unknown): void } }).ShopBotChat.onAddToCart(() => ({ ok: false, reason: 'only 1 per customer' })));
    await card.getByRole('button', { name: /^Add to cart/ }).click();
    await page.locator('.sb-row--bot .sb-bubble', { hasText: /couldn't add .* to your cart: only 1 per customer/ }).first().waitFor({ timeout: 20_000 });
    expect(await page.locator('#cart-count').textContent()).toBe('1');

    // "Ask assistant" on the store page sends the product, not its title to be re-read.
    const product = page.locator('#catalog .product').first();
    const title = (await product.locator('h2').textContent())!.trim();
    await product.getByRole('button', { name: /^Ask assistant/ }).click();
    await page.locator('.sb-row--bot .sb-bubble', { hasText: `${title.slice(0, 25)}` }).first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.sb-row--bot .sb-bubble', { hasText: /can't help with that/ }).count()).toBe(0);
  }, 90_000);

  it('answers an FAQ', async () => {
    const page = await newPage();
    await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
    await openWidget(page);
    const reply = await ask(page, 'What payment methods do you accept?');
    expect(reply.length).toBeGreaterThan(20);
    expect(reply).not.toMatch(/something went wrong/i);
    // "Talk to a person" stays reachable whatever the bot said.
    expect(await page.locator('.sb-hbtn').isEnabled()).toBe(true);
  }, 60_000);

  it('shows a hostile message as text, never as markup', async () => {
    const page = await newPage();
    await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
    await openWidget(page);
    const hostile = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>`;
    await say(page, hostile);
    const bubble = page.locator('.sb-row--customer .sb-bubble').last();
    expect(await bubble.textContent()).toBe(hostile);
    // Nothing of it became markup (product cards the bot may show carry their own images).
    expect(await page.locator('.sb-log .sb-bubble img, .sb-log script, .sb-log .sb-bubble b').count()).toBe(0);
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  }, 60_000);

  it('is usable with the keyboard alone', async () => {
    const page = await newPage();
    await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
    await page.locator('#catalog .product').first().waitFor();
    // Tab through the page until the launcher has focus (it is the last stop).
    let onLauncher = false;
    for (let i = 0; i < 200 && !onLauncher; i++) {
      await page.keyboard.press('Tab');
      onLauncher = await page.evaluate(() => document.activeElement?.id === 'shopbot-widget' && document.activeElement.shadowRoot?.activeElement?.classList.contains('sb-launcher') === true);
    }
    expect(onLauncher).toBe(true);
    await page.keyboard.press('Enter');
    await page.locator('#sb-input').waitFor({ state: 'visible' });
    expect(await page.locator('.sb-launcher').getAttribute('aria-expanded')).toBe('true');
    await poll(() => page.evaluate(() => document.getElementById('shopbot-widget')?.shadowRoot?.activeElement?.id)).toBe('sb-input');
    await page.keyboard.type('recommend a kindle');
    await page.keyboard.press('Enter');
    await page.locator('.sb-card').first().waitFor({ timeout: 30_000 });
    // New turns are announced: the log is a polite live region.
    expect(await page.locator('.sb-log').getAttribute('role')).toBe('log');
    expect(await page.locator('.sb-log').getAttribute('aria-live')).toBe('polite');
    // Arrow keys move between cards, keeping the same action focused.
    const count = await page.locator('.sb-card').count();
    if (count > 1) {
      await page.locator('.sb-card').first().getByRole('button', { name: /^Add to cart/ }).focus();
      await page.keyboard.press('ArrowRight');
      const focused = await page.evaluate(() => {
        const a = document.getElementById('shopbot-widget')?.shadowRoot?.activeElement;
        const cards = [...(document.getElementById('shopbot-widget')?.shadowRoot?.querySelectorAll('.sb-card') ?? [])];
        return { action: a?.getAttribute('data-action'), card: cards.indexOf(a?.closest('.sb-card') as Element) };
      });
      expect(focused).toEqual({ action: 'add_to_cart', card: 1 });
    }
    // Every control in the panel has an accessible name.
    const unnamed = await page.evaluate(() =>
      // A name from aria-label, aria-labelledby, a <label> or the control's own text.
      [...(document.getElementById('shopbot-widget')?.shadowRoot?.querySelectorAll('button, textarea') ?? [])].filter(
        (b) => !(b.getAttribute('aria-label') || b.getAttribute('aria-labelledby') || ((b as HTMLTextAreaElement).labels?.length ?? 0) > 0 || b.textContent?.trim()),
      ).length,
    );
    expect(unnamed).toBe(0);
    // Escape closes the panel and gives focus back to the launcher.
    await page.locator('#sb-input').focus();
    await page.keyboard.press('Escape');
    expect(await page.locator('.sb-launcher').getAttribute('aria-expanded')).toBe('false');
    await poll(() => page.evaluate(() => document.getElementById('shopbot-widget')?.shadowRoot?.activeElement?.classList.contains('sb-launcher'))).toBe(true);
  }, 90_000);

  it('works on a 360 px wide phone', async () => {
    const page = await newPage({ width: 360, height: 740 });
    await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
    await page.locator('#catalog .product').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'store-360');
    await openWidget(page);
    const box = await page.locator('.sb-panel').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360.5);
    await ask(page, 'Show me some headphones please');
    await page.locator('.sb-card').first().waitFor({ timeout: 30_000 });
    const card = await page.locator('.sb-card').first().boundingBox();
    expect(card!.width).toBeLessThan(360);
    // The composer and the "Talk to a person" button stay on screen.
    for (const sel of ['#sb-input', '.sb-send', '.sb-hbtn', '.sb-close']) {
      const b = await page.locator(sel).boundingBox();
      expect(b, sel).not.toBeNull();
      expect(b!.x + b!.width, sel).toBeLessThanOrEqual(360.5);
      expect(b!.y + b!.height, sel).toBeLessThanOrEqual(740.5);
    }
    await shot(page, 'widget-360');
  }, 90_000);

  it('resumes the conversation after a reload', async () => {
    const page = await newPage();
    await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
    await openWidget(page);
    await ask(page, 'hello');
    await ask(page, 'recommend a coffee mug');
    const before = await page.locator('.sb-row').count();
    const transcript = await page.locator('.sb-row .sb-bubble').allTextContents();
    await page.reload({ waitUntil: 'domcontentloaded' });
    // The panel reopens with the same conversation, without duplicates.
    await page.locator('#sb-input').waitFor({ state: 'visible' });
    await poll(() => page.locator('.sb-row').count()).toBe(before);
    await page.waitForTimeout(800); // any replay would have arrived by now
    expect(await page.locator('.sb-row').count()).toBe(before);
    expect(await page.locator('.sb-row .sb-bubble').allTextContents()).toEqual(transcript);
    await ask(page, 'thanks!');
    expect(await page.locator('.sb-row--customer .sb-bubble', { hasText: 'hello' }).count()).toBe(1);
    // A fresh tab of the same browser (no cached transcript) replays it from the server.
    await page.evaluate(() => {
      for (const k of Object.keys(localStorage)) if (k.endsWith(':events') || k.endsWith(':seq')) localStorage.removeItem(k);
    });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('#sb-input').waitFor({ state: 'visible' });
    await page.locator('.sb-row--customer .sb-bubble', { hasText: 'thanks!' }).waitFor();
    expect(await page.locator('.sb-row--customer .sb-bubble', { hasText: 'recommend a coffee mug' }).count()).toBe(1);
  }, 90_000);
});

describe('hand-off to a person', () => {
  it('continues the chat on Messenger: an m.me link and a code, shown as text, then "Messenger connected", and disconnects it', async () => {
    const page = await newPage();
    await page.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
    await openWidget(page);
    await ask(page, 'hi');
    await page.locator('.sb-linkbtn', { hasText: 'Continue on Messenger' }).click();
    const open = page.locator('.sb-linkbox a', { hasText: 'Open Messenger' });
    await open.waitFor();
    expect(await open.getAttribute('href')).toMatch(new RegExp(`^https://m\\.me/${MESSENGER_PAGE.replace('.', '\\.')}\\?ref=`));
    const code = /link ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec((await page.locator('.sb-code').textContent()) ?? '')?.[1];
    expect(code).toBeTruthy();
    await shot(page, 'widget-messenger-link');

    // The shopper sends the code to the Page on Messenger: a signed webhook, as Meta sends it.
    const psid = String(Date.now()).slice(-12);
    const body = { object: 'page', entry: [{ id: '1', time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: '1' }, timestamp: Date.now(), message: { mid: `m-${psid}`, text: `link ${code}` } }] }] };
    const res = await postSignedWebhook(server.url, body, MESSENGER_APP_SECRET);
    expect(res.status).toBe(200);
    await page.locator('.sb-linkbtn', { hasText: 'Messenger connected' }).waitFor();
    expect(await page.locator('.sb-linkbtn').isDisabled()).toBe(true);
    await page.locator('.sb-bubble', { hasText: /Messenger is now connected/ }).first().waitFor();

    // Disconnecting asks first, then the widget offers Messenger again and says what happened.
    await page.locator('.sb-unlinkbtn', { hasText: 'Disconnect' }).click();
    await page.locator('.sb-linkbox', { hasText: 'Disconnect Messenger?' }).waitFor();
    await shot(page, 'widget-messenger-unlink');
    await page.locator('.sb-linkbox button', { hasText: 'Disconnect Messenger' }).click();
    await page.locator('.sb-linkbtn', { hasText: 'Continue on Messenger' }).waitFor();
    expect(await page.locator('.sb-linkbtn').isDisabled()).toBe(false);
    expect(await page.locator('.sb-unlinkbtn').isHidden()).toBe(true);
    await page.locator('.sb-bubble', { hasText: /Messenger is disconnected/ }).first().waitFor();
  });

  it('an agent accepts, replies (through a dropped connection) and resolves, with several chats at once', async () => {
    const agent = await newPage({ width: 1400, height: 860 });
    await agentLogin(agent);

    // Customer 1 talks through a proxy whose connection the test cuts later.
    const proxy = await flakyProxy(server.url);
    try {
      const customer = await newPage();
      await customer.goto(proxy.url + '/', { waitUntil: 'domcontentloaded' });
      await openWidget(customer);
      await ask(customer, 'Hi, I have a question about my phone charger');
      // (A bot that already decided to get a person has disabled the button.)
      if (await customer.locator('.sb-hbtn').isEnabled()) await customer.locator('.sb-hbtn').click();
      await customer.locator('.sb-handoff', { hasText: /number \d+ in the queue/ }).waitFor({ timeout: 30_000 });
      expect(await customer.locator('.sb-hbtn').isDisabled()).toBe(true);
      // The bot answers while they wait, without offering the person already asked for.
      await ask(customer, 'how do i return an item?');
      await customer.locator('.sb-chip').first().waitFor();
      expect(await customer.locator('.sb-chip').allTextContents()).not.toContain('Talk to a person');

      // The agent sees the waiting chat, with wait time, skill and sentiment, and the tab title says so.
      const ticket = agent.locator('#queue .ticket').first();
      await ticket.waitFor();
      expect(await ticket.locator('.wait').textContent()).toMatch(/waiting \d+s/);
      expect(await ticket.locator('.pill').count()).toBeGreaterThanOrEqual(1);
      await poll(() => agent.title()).toMatch(/1 waiting/);
      await ticket.getByRole('button', { name: /Accept/ }).click();
      await agent.locator('#chat').waitFor({ state: 'visible' });
      await customer.locator('.sb-handoff--assigned', { hasText: /Anna joined/ }).waitFor();

      // The agent's view: transcript with what the bot understood, summary, profile.
      await agent.locator('.turn-customer', { hasText: 'question about my phone charger' }).waitFor();
      expect(await agent.locator('.turn-customer .pill-info').count()).toBeGreaterThan(0);
      expect((await agent.locator('#summary').textContent())!.length).toBeGreaterThan(20);
      expect(await agent.locator('#profile dd').count()).toBeGreaterThan(0);

      // Suggested answer one click away, editable before sending.
      const suggestion = agent.locator('#suggested .suggestion').first();
      let reply = 'Hi, this is Anna. Sorry about the charger – I will sort out a replacement.';
      if (await suggestion.count()) {
        await suggestion.click();
        expect((await agent.locator('#reply').inputValue()).length).toBeGreaterThan(0);
      }
      await agent.locator('#reply').fill(reply);
      await agent.locator('#composer button[type=submit]').click();
      await customer.locator('.sb-row--agent .sb-bubble', { hasText: 'Sorry about the charger' }).waitFor();
      expect(await customer.locator('.sb-row--agent .sb-who').first().textContent()).toBe('Anna');

      // While the customer types, the agent sees it under the transcript.
      await customer.locator('#sb-input').pressSequentially('one moment', { delay: 30 });
      await agent.locator('#customer-typing:not([hidden])', { hasText: /is typing/ }).waitFor();
      await customer.locator('#sb-input').fill('');

      // A hostile message reaches the agent as text.
      const hostile = '<img src=x onerror="window.__xss=1">order <b>ORD-1</b>';
      await say(customer, hostile);
      await agent.locator('.turn-customer .turn-bubble', { hasText: 'ORD-1' }).waitFor();
      expect(await agent.locator('.turn-customer .turn-bubble').last().textContent()).toBe(hostile);
      expect(await agent.locator('#transcript img, #transcript b').count()).toBe(0);

      // Product cards from the agent's product search.
      await agent.locator('#psearch').fill('charger');
      await agent.locator('#psearch').press('Enter');
      await agent.locator('#presults li[data-product-id]').first().waitFor();
      await agent.locator('#presults li[data-product-id] button').first().click();
      await customer.locator('.sb-card').first().waitFor();

      // The customer's connection drops; nothing is lost either way.
      proxy.cut();
      await customer.locator('.sb-banner:not([hidden])').waitFor();
      await agent.locator('#reply').fill('Are you still there? Your replacement is on its way.');
      await agent.locator('#composer button[type=submit]').click();
      await agent.locator('.turn-agent', { hasText: 'Are you still there?' }).waitFor();
      await customer.locator('#sb-input').fill('Yes, I am back online');
      await customer.locator('#sb-input').press('Enter');
      expect(await customer.locator('.sb-row--pending').count()).toBe(1);
      await customer.waitForTimeout(1000);
      proxy.restore();
      await customer.locator('.sb-row--agent .sb-bubble', { hasText: 'Are you still there?' }).waitFor({ timeout: 20_000 });
      await agent.locator('.turn-customer', { hasText: 'Yes, I am back online' }).waitFor({ timeout: 20_000 });
      await customer.locator('.sb-banner[hidden]').waitFor({ state: 'attached' });
      expect(await customer.locator('.sb-row--agent .sb-bubble', { hasText: 'Are you still there?' }).count()).toBe(1);
      expect(await customer.locator('.sb-row--customer .sb-bubble', { hasText: 'Yes, I am back online' }).count()).toBe(1);
      expect(await agent.locator('.turn-customer', { hasText: 'Yes, I am back online' }).count()).toBe(1);
      expect(await customer.locator('.sb-row--pending').count()).toBe(0);
      await shot(customer, 'widget-handoff');

      // A second customer: the agent holds two chats; the other one gets an unread badge.
      const second = await newPage();
      await second.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
      await openWidget(second);
      await second.locator('.sb-hbtn').click();
      await second.locator('.sb-handoff', { hasText: /in the queue/ }).waitFor({ timeout: 30_000 });
      await agent.locator('#queue .ticket').first().getByRole('button', { name: /Accept/ }).click();
      await second.locator('.sb-handoff--assigned').waitFor();
      await poll(() => agent.locator('#mine .chat-tab').count()).toBe(2);
      await say(customer, 'One more question about the warranty');
      const firstTab = agent.locator('#mine .chat-tab').first();
      await firstTab.locator('.unread').waitFor();
      expect(await firstTab.locator('.unread').textContent()).toBe('1');
      await poll(() => agent.title()).toMatch(/1 unread/);
      await firstTab.click();
      expect(await firstTab.locator('.unread').count()).toBe(0);
      await agent.locator('.turn-customer', { hasText: 'warranty' }).waitFor();
      await shot(agent, 'agent-console');
      expect(
        await lowContrast(agent, ['.ticket-name', '.wait', '.pill', '.turn-bubble', '.turn-meta', '.turn-cards', '.btn', '.summary-text', '.kv dt', '.kv dd', '.suggestion-text', '.chat-tab', '.empty-state', '.side h2', '.unread', '.topbar a', '#me', '.search-results li']),
      ).toEqual([]);

      // A third customer changes their mind while waiting.
      const third = await newPage();
      await third.goto(server.url + '/', { waitUntil: 'domcontentloaded' });
      await openWidget(third);
      await third.locator('.sb-hbtn').click();
      await third.locator('.sb-handoff', { hasText: /in the queue/ }).waitFor({ timeout: 30_000 });
      await agent.locator('#queue .ticket').first().waitFor();
      await third.locator('.sb-leave').click();
      await third.locator('.sb-row--bot .sb-bubble', { hasText: /out of the queue/ }).waitFor();
      await third.locator('.sb-handoff[hidden]').waitFor({ state: 'attached' });
      await poll(() => agent.locator('#queue .ticket').count()).toBe(0);

      // Resolve chat 1 (with the summary dialog) and return chat 2 to the bot.
      await agent.locator('#resolve').click();
      await agent.locator('#resolve-dialog[open]').waitFor();
      expect((await agent.locator('#resolve-summary').inputValue()).length).toBeGreaterThan(10);
      await agent.locator('#resolve-ok').click();
      await customer.locator('.sb-row--bot .sb-bubble', { hasText: /marked your question as solved/ }).waitFor();
      await customer.locator('.sb-handoff[hidden]').waitFor({ state: 'attached' });
      expect(await customer.locator('.sb-hbtn').isEnabled()).toBe(true);
      await poll(() => agent.locator('#mine .chat-tab').count()).toBe(1);
      // Resolving offers the agent's answer as a draft for everyone; nothing is learned unless saved.
      await agent.locator('#learn-dialog[open]').waitFor();
      expect((await agent.locator('#learn-answer').inputValue()).length).toBeGreaterThan(5);
      await shot(agent, 'agent-learn-draft');
      await agent.getByRole('button', { name: 'Not now' }).click();
      await agent.locator('#learn-dialog:not([open])').waitFor({ state: 'attached' });
      await agent.locator('#return').click();
      await second.locator('.sb-row--bot .sb-bubble', { hasText: /handed you back/ }).waitFor();
      await poll(() => agent.locator('#mine .chat-tab').count()).toBe(0);
      // Back with the bot: it answers again.
      const again = await ask(customer, 'Can you recommend a phone case?');
      expect(again.length).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});

describe('staff sign-in', () => {
  it('the console signs in, refuses a wrong password, and "Sign out" ends the session on the server', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/agent`, { waitUntil: 'domcontentloaded' });
    await signIn(page, { email: AGENT.email, password: 'not-the-password' });
    await poll(() => page.locator('#login-error').textContent()).toMatch(/wrong e-mail or password/);
    expect(await page.locator('#console').isHidden()).toBe(true);
    await signIn(page, AGENT);
    await page.locator('#console').waitFor({ state: 'visible' });
    await poll(() => page.locator('#conn').isHidden()).toBe(true);
    const token = await pageToken(page);
    expect(token).toBeTruthy();
    expect(await insightsStatus(token)).toBe(200);
    // The same tab opens insights without signing in again.
    await page.goto(`${server.url}/insights`, { waitUntil: 'domcontentloaded' });
    await poll(() => page.locator('#products tbody tr[data-product-id]').count()).toBeGreaterThan(0);
    expect(await page.locator('#login-view').isHidden()).toBe(true);
    await page.goto(`${server.url}/agent`, { waitUntil: 'domcontentloaded' });
    await page.locator('#console').waitFor({ state: 'visible' });

    await page.locator('#logout').click();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await poll(() => page.locator('#login-error').textContent()).toBe('Signed out.');
    expect(await pageToken(page)).toBeNull();
    // The old token is dead on the server, not only forgotten by the page.
    await poll(() => insightsStatus(token)).toBe(401);
  });

  it('a product-team account is sent from the console to insights', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/agent`, { waitUntil: 'domcontentloaded' });
    await signIn(page, PRODUCT);
    await page.waitForURL(/\/insights$/);
    await poll(() => page.locator('#products tbody tr[data-product-id]').count()).toBeGreaterThan(0);
    expect(await page.locator('#me').textContent()).toMatch(/product/i);
    await page.locator('#logout').click();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    expect(await page.locator('#insights-main').isHidden()).toBe(true);
  });
});

describe('review insights', () => {
  it('renders a product with its charts, aspect reviews, and exports CSV', async () => {
    const page = await newPage({ width: 1400, height: 1000 });
    // A deep link to a product with a moderate number of reviews: the page asks to sign in first.
    await page.goto(`${server.url}/insights?product=P-DF-B00IOY8XWQ`, { waitUntil: 'domcontentloaded' });
    await page.locator('#login-view').waitFor({ state: 'visible' });
    expect(await page.locator('#insights-main').isHidden()).toBe(true);
    expect(await page.locator('#products tbody tr[data-product-id]').count()).toBe(0);
    await signIn(page, PRODUCT);
    await poll(() => page.locator('#products tbody tr[data-product-id]').count()).toBeGreaterThan(10);
    const chart = page.locator('svg[data-chart="sentiment"]');
    await chart.waitFor({ timeout: 90_000 });
    expect((await chart.locator('path[data-series="positive"]').getAttribute('d'))!.length).toBeGreaterThan(20);
    expect(await chart.getAttribute('aria-label')).toMatch(/% of reviews positive/);
    expect(await page.locator('svg[data-chart="ratings"] rect').count()).toBe(10);
    expect(await page.locator('#detail-title').textContent()).toContain('Kindle Voyage');
    const aspects = page.locator('.aspect-table tr.aspect-row');
    expect(await aspects.count()).toBeGreaterThan(3);
    expect(await page.locator('.aspect-table svg.spark').count()).toBe(await aspects.count());
    expect(await page.locator('.procon .pros li').count()).toBeGreaterThan(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'insights');
    // The reviews behind an aspect.
    await aspects.first().getByRole('button').click();
    await page.locator('.aspect-reviews .review').first().waitFor();
    expect(await page.locator('.aspect-reviews .review mark').count()).toBeGreaterThan(0);
    // A pro links to its source review.
    await page.locator('.procon .pros li').first().getByRole('button', { name: /source review/ }).click();
    await page.locator('#sources .review').first().waitFor();
    expect(
      await lowContrast(page, ['.products-table td', '.products-table th', '.stat b', '.stat span', '.aspect-table td', '.aspect-table th', '.procon li', '.link-btn', '.legend', '.review-text', '.review-head', 'label', '.btn', '.trend-up', '.trend-down', '.trend-flat', '#list-info', '.detail-head .small']),
    ).toEqual([]);

    // Export: the download (fetched with the token, saved from a blob) is a real CSV of this product's aspects.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^insights-P-DF-B00IOY8XWQ-aspects-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = await download.path();
    const csv = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toBe('product_id,product,aspect,mentions,positive,negative,positive_share,trend,trend_delta,example_review_ids');
    expect(lines.length).toBe((await aspects.count()) + 1);

    // Filters: a category narrows the list.
    const all = await page.locator('#products tbody tr[data-product-id]').count();
    await page.locator('#category').selectOption({ index: 1 });
    await poll(() => page.locator('#products tbody tr[data-product-id]').count()).not.toBe(all);
    expect(new URL(page.url()).searchParams.get('category')).toBeTruthy();
  }, 150_000);

  it('screenshots stay small enough for the README', () => {
    for (const s of shots) expect(statSync(s).size, s).toBeLessThan(400_000);
  });
});
