import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { TestServer, type TestServerOptions } from './test-server.js';

// Chromium and a server for a browser test: Debian's Chromium (headless, driven by playwright-core;
// never a browser download) beside the real server (testing/test-server.ts) on 127.0.0.1, the
// folder the file's screenshots go to, and every page's context, all closed by close().

/** The repository's root, under which the screenshot folders are (walk-shots/, test-artifacts/). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The server at WEBCHAT_TEST_URL when that is set: one already running (with the seeded demo store)
 * that a file's browser tests run against instead of starting their own; null otherwise.
 */
export function givenServer(): { url: string; close(): Promise<void> } | null {
  const url = process.env.WEBCHAT_TEST_URL;
  return url ? { url: url.replace(/\/$/, ''), close: async () => {} } : null;
}

/** A server's URL as the pages open it: no trailing slash, 127.0.0.1 rather than localhost. */
export const pageUrl = (url: string): string => url.replace(/\/$/, '').replace('://localhost:', '://127.0.0.1:');

export interface NewPageOptions {
  width?: number;
  height?: number;
  /** The page's default timeout for actions and waits (ms). */
  timeout?: number;
  /** More (or other) options for the page's context: acceptDownloads, no timezoneId... */
  context?: BrowserContextOptions;
  /** Fails the test when an alert, confirm or prompt opens (injected markup would be the only way to get one). */
  noDialogs?: boolean;
}

/** Debian's Chromium, with the contexts of the pages it opened. */
export class Chromium {
  private readonly contexts: BrowserContext[] = [];

  private constructor(readonly browser: Browser) {}

  static async launch(): Promise<Chromium> {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's package: apt-get install -y chromium (never a browser download), or set CHROMIUM_PATH.`);
    return new Chromium(await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] }));
  }

  /** A page in a context of its own: 1280×800, en-GB, Asia/Kolkata, a 20 s default timeout unless told otherwise. */
  async newPage(opts: NewPageOptions = {}): Promise<Page> {
    const ctx = await this.browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, locale: 'en-GB', timezoneId: 'Asia/Kolkata', ...opts.context });
    this.contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(opts.timeout ?? 20_000);
    if (opts.noDialogs) {
      page.on('dialog', (d) => {
        throw new Error(`unexpected dialog: ${d.message()}`);
      });
    }
    return page;
  }

  /** Closes every context, then the browser. */
  async close(): Promise<void> {
    for (const c of this.contexts) await c.close().catch(() => {});
    this.contexts.length = 0;
    await this.browser.close().catch(() => {});
  }
}

export interface BrowserTestOptions extends TestServerOptions {
  /** The folder the file's screenshots go to (made if missing). */
  shots: string;
}

/** What a browser test's server must offer (TestServer does; so does a server a file starts its own way). */
export interface ClosableServer {
  close(): Promise<void>;
}

/**
 * Chromium and the server for one browser test file (by default the real server, TestServer):
 * start() or beside() in beforeAll, close() in afterAll.
 */
export class BrowserTest<S extends ClosableServer = TestServer> {
  private readonly cleanups: (() => unknown)[] = [];

  private constructor(
    readonly chromium: Chromium,
    readonly server: S,
    readonly shots: string,
  ) {}

  /** Chromium and the real server (testing/test-server.ts), started side by side. */
  static start(opts: BrowserTestOptions): Promise<BrowserTest> {
    const { shots, ...serverOpts } = opts;
    return BrowserTest.beside(() => TestServer.start(serverOpts), shots);
  }

  /** Chromium launched while `startServer` starts the file's own server; if either fails, the other is closed again. */
  static async beside<S extends ClosableServer>(startServer: () => Promise<S>, shots: string): Promise<BrowserTest<S>> {
    const [browser, server] = await Promise.allSettled([Chromium.launch(), startServer()]);
    if (browser.status === 'rejected' || server.status === 'rejected') {
      if (browser.status === 'fulfilled') await browser.value.close();
      if (server.status === 'fulfilled') await server.value.close();
      throw browser.status === 'rejected' ? browser.reason : (server as PromiseRejectedResult).reason;
    }
    mkdirSync(shots, { recursive: true });
    return new BrowserTest(browser.value, server.value, shots);
  }

  get browser(): Browser {
    return this.chromium.browser;
  }

  newPage(opts: NewPageOptions = {}): Promise<Page> {
    return this.chromium.newPage(opts);
  }

  /** A screenshot of the page's viewport, `<shots>/<name>.png`, without animations or the caret. */
  shot(page: Page, name: string): Promise<Buffer> {
    return page.screenshot({ path: join(this.shots, `${name}.png`), animations: 'disabled', caret: 'hide' });
  }

  /** Something else of the file's to close once the browser is closed, before the server (a shop page, a second store handle). */
  onClose(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  /** Closes the pages and the browser, then what onClose() was given (newest first), then the server. */
  async close(): Promise<void> {
    await this.chromium.close();
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
    await this.server.close();
  }
}
