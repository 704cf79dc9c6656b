// The help centre (/help, /help/<slug>; web/help-pages.ts): on the real server, the pages the bot's
// "More:" links point at exist and have the section anchors; on the page routes alone, with a help
// folder of its own, raw HTML in an article is shown as text, an edit shows without a restart, and
// unknown slugs are 404 pages.
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryStore, type Store } from '../store/index.js';
import { FIXTURES, pageServer, rawRequest } from '../testing/web-helpers.js';
import { TestServer } from '../testing/test-server.js';
import { botTexts, type ChatClient } from '../testing/test-client.js';
import { anchorOf, loadArticles } from '../retrieval/knowledge.js';

const HELP = join(FIXTURES, 'help');

/** The `id="…"` attributes of a page. */
const idsOf = (html: string) => [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);

describe('help centre on the real server', () => {
  const logs: string[] = [];
  const clients: ChatClient[] = [];
  let server: TestServer;

  beforeAll(async () => {
    server = await TestServer.start({ prefix: 'shopbot-help-', env: { ...process.env, SHOPBOT_QUIET: '1' }, logs, clients });
  }, 600_000);
  afterAll(async () => {
    await server?.close();
  }, 60_000);

  it('lists every help article at /help, as a page with the store chrome and the chat widget', async () => {
    const r = await rawRequest(server.running.url, '/help');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(r.body).toMatch(/<html lang="en">/);
    expect(r.body).toMatch(/<title>Help centre[^<]*<\/title>/);
    expect(r.body).toContain('<script src="/web-chat/widget.js" defer></script>');
    expect(r.body).not.toMatch(/<script>|<style>|\sstyle="|\son\w+="/); // nothing the CSP would block
    for (const a of loadArticles(HELP)) expect(r.body).toContain(`<a href="/help/${a.slug}">${a.title}</a>`);
    expect(r.body).not.toContain('<!--');
  });

  it('answers "how long does a refund take to upi" with a More: link whose page has the section', async () => {
    const c = await server.customerClient();
    await c.send({ text: 'how long does a refund take to upi' });
    await c.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && /More: /.test(String(e.data.text)), { timeoutMs: 60_000 });
    const answer = botTexts(c).find((t) => /More: /.test(t))!;
    expect(answer).toContain('UPI');
    const link = /More: (\/help\/[a-z0-9-]+)#([^\s]+)/.exec(answer);
    expect(link, answer).not.toBeNull();
    const [, path, anchor] = link!;
    expect(path).toBe('/help/refunds');
    expect(anchor).toBe('refund-timelines-by-payment-method');

    const page = await rawRequest(server.running.url, path!);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<title>Refunds[^<]*<\/title>/);
    expect(idsOf(page.body)).toContain(anchor);
    // The anchor is on the section's heading, and the section's text follows it.
    expect(page.body).toMatch(new RegExp(`<h2 id="${anchor}">Refund timelines by payment method</h2>[\\s\\S]*?<strong>UPI</strong>: 2–4 working days`));
    // Every section of the article has the anchor the bot would link to.
    const refunds = loadArticles(HELP).find((a) => a.slug === 'refunds')!;
    for (const s of refunds.sections.filter((x) => x.anchor)) expect(idsOf(page.body)).toContain(s.anchor);
    // The questions written for the bot are not shown.
    expect(page.body).not.toContain('<!--');
    expect(page.body).not.toContain('Questions:');
    expect(page.body).not.toContain('How many days for a UPI refund?');
  }, 90_000);

  it('every article page has an anchor for every section, and no question comments', async () => {
    for (const a of loadArticles(HELP)) {
      const r = await rawRequest(server.running.url, `/help/${a.slug}`);
      expect(r.status, a.slug).toBe(200);
      const ids = idsOf(r.body);
      for (const s of a.sections.filter((x) => x.anchor)) {
        expect(ids, `${a.slug}#${s.anchor}`).toContain(s.anchor);
      }
      expect(new Set(ids).size, `${a.slug}: ids are unique`).toBe(ids.length);
      expect(r.body).not.toContain('<!--');
      expect(r.body).not.toMatch(/Questions?:/);
    }
  });

  it('answers unknown slugs, odd paths and other methods with a 404 page or 405', async () => {
    for (const path of ['/help/no-such-article', '/help/Refunds', '/help/refunds/extra', '/help/..%2fREADME', '/help/README', '/help/%3Cscript%3E']) {
      const r = await rawRequest(server.running.url, path);
      expect(r.status, path).toBe(404);
      expect(r.headers['content-type'], path).toBe('text/html; charset=utf-8');
      expect(r.body, path).toContain('Page not found');
      expect(r.body, path).not.toContain('<script>');
    }
    const post = await rawRequest(server.running.url, '/help/refunds', { method: 'POST' });
    expect(post.status).toBe(405);
    const head = await rawRequest(server.running.url, '/help/refunds', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});

describe('help centre with a help folder of its own', () => {
  let store: Store;
  let dir: string;
  let server: Awaited<ReturnType<typeof pageServer>>;

  beforeAll(async () => {
    store = openMemoryStore();
    dir = mkdtempSync(join(tmpdir(), 'shopbot-help-dir-'));
    writeFileSync(join(dir, 'refunds.md'), readFileSync(join(HELP, 'refunds.md')));
    writeFileSync(
      join(dir, 'hostile.md'),
      [
        '---',
        'title: Hostile <img src=x onerror=alert(1)>',
        'slug: hostile',
        '---',
        '',
        '# Ignored',
        '',
        'Intro <script>alert("intro")</script> text.',
        '',
        '## Tags <b onmouseover="alert(2)">inside</b>',
        '',
        '<!-- Questions: secret question? -->',
        '',
        '<iframe src="https://evil.example/"></iframe>',
        '',
        'Inline <img src=x onerror="alert(3)"> and [a link](javascript:alert(4)) and [another](jav&#x61;script:alert(5)) and [help](/help/refunds#store-credit).',
        '',
        '<!-- a note for editors -->',
        '',
        '## Plain & simple',
        '',
        '- one',
        '- two',
      ].join('\n'),
    );
    server = await pageServer(store, { helpDir: dir });
  });
  afterAll(async () => {
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows raw HTML in an article as text, drops comments and refuses script links', async () => {
    const r = await server.get('/help/hostile');
    expect(r.status).toBe(200);
    // No element came from the article: every tag it wrote is text.
    const main = /<main[\s\S]*<\/main>/.exec(r.body)![0];
    expect(main).not.toMatch(/<(script|iframe|img|b)\b/i);
    expect(r.body).not.toMatch(/\son\w+="/i);
    expect(r.body.match(/<script\b/g)).toEqual(['<script']); // the widget's tag alone
    expect(r.body).not.toMatch(/href="\s*jav/i);
    expect(r.body).toContain('Intro &lt;script&gt;alert("intro")&lt;/script&gt; text.');
    expect(r.body).toContain('&lt;iframe src=&quot;https://evil.example/&quot;&gt;&lt;/iframe&gt;');
    expect(r.body).toContain('<title>Hostile &lt;img src=x onerror=alert(1)&gt; – Demo Store help centre</title>');
    expect(r.body).toContain('<a href="/help/refunds#store-credit">help</a>');
    expect(r.body).not.toContain('<!--');
    expect(r.body).not.toContain('secret question');
    expect(r.body).not.toContain('a note for editors');
    // The anchors are the bot's (parseArticle's): GitHub style, tags' punctuation dropped.
    const ids = idsOf(r.body);
    expect(ids).toContain(anchorOf('Tags <b onmouseover="alert(2)">inside</b>'));
    expect(ids).toContain('plain--simple');
    const index = await server.get('/help');
    expect(index.body).toContain('Hostile &lt;img src=x onerror=alert(1)&gt;');
    expect(index.body).not.toMatch(/<img\b/);
  });

  it('shows an edited article without a restart, and a removed one is gone', async () => {
    const before = await server.get('/help/refunds');
    expect(before.body).toContain('2–4 working days');
    const file = join(dir, 'refunds.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('2–4 working days', '1–2 working days').replace('## Store credit', '## Store credit and vouchers'));
    // Same size is possible after an edit: the mtime moves on.
    const t = new Date(Date.now() + 5_000);
    utimesSync(file, t, t);
    const after = await server.get('/help/refunds');
    expect(after.body).toContain('1–2 working days');
    expect(idsOf(after.body)).toContain('store-credit-and-vouchers');
    expect(idsOf(after.body)).not.toContain('store-credit');
    rmSync(join(dir, 'hostile.md'));
    expect((await server.get('/help/hostile')).status).toBe(404);
    expect((await server.get('/help')).body).not.toContain('/help/hostile');
  });

  it('answers 304 to a page it sent unchanged', async () => {
    const r = await server.get('/help/refunds');
    const again = await server.get('/help/refunds', { 'if-none-match': String(r.headers.etag) });
    expect(again.status).toBe(304);
  });
});
