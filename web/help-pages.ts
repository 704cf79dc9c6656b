import { createHash } from 'node:crypto';
import { existsSync, statSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { Marked, type Tokens } from 'marked';
import type { RouteHandler } from '../core/http.js';
import { articleFiles, parseArticle, type KbArticle } from '../retrieval/knowledge.js';
import { allowRead, PAGE_CSP } from './static.js';

// The store's help centre on the demo store: the help articles the bot answers from
// (retrieval/knowledge.ts; fixtures/store/help/ or SHOPBOT_HELP_DIR) as HTML pages.
//
//   /help          the list of articles
//   /help/<slug>   one article; every `##` section has the id the bot's "More: /help/<slug>#<anchor>"
//                  links use (the sections and anchors come from parseArticle, the bot's own parser)
//
// Articles are read on request and kept while their file's mtime and size are unchanged, so an
// edited article shows on the next load without a restart (the bot's answers still change only
// after a re-index). The Markdown is rendered with marked; raw HTML in an article is shown as text
// (comments are dropped) and links or images with a scheme other than http(s), mailto or tel are
// rendered as their text only. Pages carry the same security headers as the static pages
// (PAGE_CSP: no inline script or style, so the page has none).

export interface HelpPagesOptions {
  /** Folder of the help articles (Config.helpDir). */
  dir: string;
  /** The page's language (the articles' language; default 'en'). */
  lang?: string;
  log?: (line: string) => void;
}

export interface HelpPages {
  /** `/help` (and `/help/`): the list of articles. */
  index: RouteHandler;
  /** `/help/*`: one article, or the 404 page. */
  article: RouteHandler;
  /** The articles as the pages show them now (read or reused by mtime). */
  articles(): KbArticle[];
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** Whether a link or image target may be rendered: http(s), mailto, tel, or a URL without a scheme. */
function safeHref(href: string): boolean {
  // Browsers ignore control characters and whitespace inside a scheme ("java\nscript:").
  const h = href.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(h);
  if (scheme) return /^(https?|mailto|tel)$/i.test(scheme[1]!);
  // No scheme: a colon before the first / ? # could still be read as one.
  return !/^[^/?#]*:/.test(h);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', tab: '\t', newline: '\n', nbsp: '\u00a0' };

/** Numeric and the common named character references decoded (others stay as written, and are then escaped). */
function decodeRefs(s: string): string {
  return s.replace(/&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]{2,8}));?/gi, (m, dec?: string, hex?: string, name?: string) => {
    if (name) return NAMED[name.toLowerCase()] ?? m;
    const cp = dec ? Number(dec) : parseInt(hex!, 16);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
  });
}

const markdown = new Marked({ gfm: true, breaks: false }).use({
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      // Raw HTML is never passed through: comments go, anything else is shown as text.
      const shown = text.replace(/<!--[\s\S]*?(?:-->|$)/g, '');
      return shown.trim() === '' ? '' : escapeHtml(shown);
    },
    // Written out here, not left to marked: its default keeps character references in the href
    // ("jav&#x61;script:"), which the browser would decode.
    link(token: Tokens.Link): string {
      const text = this.parser.parseInline(token.tokens);
      const href = decodeRefs(token.href);
      if (!safeHref(href)) return text;
      return `<a href="${escapeHtml(href)}"${token.title ? ` title="${escapeHtml(decodeRefs(token.title))}"` : ''}>${text}</a>`;
    },
    image(token: Tokens.Image): string {
      const href = decodeRefs(token.href);
      if (!safeHref(href)) return escapeHtml(token.text);
      return `<img src="${escapeHtml(href)}" alt="${escapeHtml(token.text)}"${token.title ? ` title="${escapeHtml(decodeRefs(token.title))}"` : ''}>`;
    },
  },
});

/** An article section's Markdown as safe HTML. */
export function renderMarkdown(md: string): string {
  return markdown.parse(md.replace(/<!--[\s\S]*?-->/g, ''), { async: false });
}

interface Cached {
  key: string;
  article: KbArticle | null;
}

export function createHelpPages(opts: HelpPagesOptions): HelpPages {
  const dir = resolve(opts.dir);
  const lang = opts.lang ?? 'en';
  const log = opts.log ?? (() => undefined);
  const cache = new Map<string, Cached>();
  const reported = new Set<string>();

  function articles(): KbArticle[] {
    if (!existsSync(dir)) return [];
    let files: string[];
    try {
      files = articleFiles(dir);
    } catch {
      return [];
    }
    const out: KbArticle[] = [];
    const seen = new Set<string>();
    for (const file of files) {
      let key: string;
      try {
        const st = statSync(file);
        key = `${st.mtimeMs}:${st.size}`;
      } catch {
        continue; // removed while listing
      }
      let c = cache.get(file);
      if (!c || c.key !== key) {
        let article: KbArticle | null = null;
        try {
          article = parseArticle(readFileSync(file, 'utf8'), file);
          reported.delete(file);
        } catch (e) {
          // A broken article is left out of the help centre (the bot keeps its last indexed text).
          if (!reported.has(file)) log(`[help] ${(e as Error).message}: not shown`);
          reported.add(file);
        }
        c = { key, article };
        cache.set(file, c);
      }
      if (c.article && !seen.has(c.article.slug)) {
        seen.add(c.article.slug);
        out.push(c.article);
      }
    }
    for (const f of cache.keys()) if (!files.includes(f)) cache.delete(f);
    return out.sort((a, b) => a.title.localeCompare(b.title, 'en'));
  }

  function layout(title: string, main: string, current: 'index' | 'article'): string {
    return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} – Demo Store help centre</title>
  <link rel="icon" href="/web-chat/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/web-chat/style.css">
  <link rel="stylesheet" href="/web-chat/help.css">
  <script src="/web-chat/widget.js" defer></script>
</head>
<body>
  <a class="skip-link" href="#content">Skip to content</a>
  <header class="topbar">
    <a class="brand" href="/"><span class="brand-mark" aria-hidden="true">◆</span>Demo Store</a>
    <nav class="topnav" aria-label="Site">
      <a href="/">Shop</a>
      <a href="/help"${current === 'index' ? ' aria-current="page"' : ''}>Help centre</a>
    </nav>
  </header>
  <main id="content" class="help">
${main}
  </main>
</body>
</html>
`;
  }

  function indexPage(list: KbArticle[]): string {
    const items = list
      .map((a) => {
        const intro = a.sections.find((s) => s.anchor === '')?.text.split('\n')[0] ?? '';
        return `      <li class="help-item card"><h2><a href="/help/${escapeHtml(a.slug)}">${escapeHtml(a.title)}</a></h2>${intro ? `<p>${escapeHtml(intro)}</p>` : ''}</li>`;
      })
      .join('\n');
    return layout(
      'Help centre',
      `    <h1>Help centre</h1>
    <p class="help-lead">Our store's policies: delivery, returns, refunds, payments and more. The assistant in the corner answers from these pages.</p>
    ${list.length ? `<ul class="help-list">\n${items}\n    </ul>` : '<p>No help articles yet.</p>'}`,
      'index',
    );
  }

  function articlePage(a: KbArticle): string {
    const toc = a.sections.filter((s) => s.anchor !== '');
    const parts: string[] = [];
    parts.push(`    <nav class="help-crumbs" aria-label="Breadcrumb"><a href="/help">Help centre</a> <span aria-hidden="true">›</span> <span aria-current="page">${escapeHtml(a.title)}</span></nav>`);
    parts.push(`    <article class="help-article card">`);
    parts.push(`      <h1>${escapeHtml(a.title)}</h1>`);
    if (a.updated) parts.push(`      <p class="help-updated">Updated <time datetime="${escapeHtml(a.updated)}">${escapeHtml(a.updated)}</time></p>`);
    const intro = a.sections.find((s) => s.anchor === '');
    if (intro) parts.push(`      <div class="help-intro">${renderMarkdown(intro.markdown)}</div>`);
    if (toc.length > 1) {
      parts.push(`      <nav class="help-toc" aria-label="On this page"><h2 class="help-toc-title">On this page</h2><ul>`);
      for (const s of toc) parts.push(`        <li><a href="#${escapeHtml(s.anchor)}">${escapeHtml(s.heading)}</a></li>`);
      parts.push(`      </ul></nav>`);
    }
    for (const s of toc) {
      // The heading's inline Markdown (bold, code) rendered, its block markup dropped.
      const heading = markdown.parseInline(s.heading, { async: false });
      parts.push(`      <section class="help-section">`);
      parts.push(`        <h2 id="${escapeHtml(s.anchor)}">${heading}</h2>`);
      parts.push(`        ${renderMarkdown(s.markdown)}`);
      parts.push(`      </section>`);
    }
    parts.push(`    </article>`);
    parts.push(`    <p class="help-back"><a href="/help">All help articles</a></p>`);
    return layout(a.title, parts.join('\n'), 'article');
  }

  function notFoundPage(): string {
    return layout(
      'Page not found',
      `    <h1>Page not found</h1>
    <p>There is no help article at this address. <a href="/help">See all help articles</a>, or ask the assistant in the corner.</p>`,
      'article',
    );
  }

  return {
    articles,
    index: (req, res) => {
      if (!allowRead(req, res)) return;
      sendHtml(req, res, 200, indexPage(articles()));
    },
    article: (req, res, url) => {
      if (!allowRead(req, res)) return;
      const rest = url.pathname.slice('/help/'.length);
      if (rest === '') return sendHtml(req, res, 200, indexPage(articles()));
      const slug = rest.replace(/\/$/, '');
      const a = /^[a-z0-9][a-z0-9-]*$/.test(slug) ? articles().find((x) => x.slug === slug) : undefined;
      if (!a) return sendHtml(req, res, 404, notFoundPage());
      sendHtml(req, res, 200, articlePage(a));
    },
  };
}

/** An HTML page with the static pages' headers (CSP, no-cache with an ETag, nosniff). HEAD supported. */
function sendHtml(req: IncomingMessage, res: ServerResponse, status: number, html: string): void {
  const body = Buffer.from(html, 'utf8');
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
  const headers: Record<string, string | number> = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'content-security-policy': PAGE_CSP,
    'x-frame-options': 'SAMEORIGIN',
  };
  if (status === 200) {
    headers.etag = etag;
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((t) => t.trim() === etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  headers['content-length'] = body.length;
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
