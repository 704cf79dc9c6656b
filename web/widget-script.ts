import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { catalogue, languages, type Texts } from '../core/i18n.js';

// widget.js as the server sends it: the file with its texts put in. The widget shows only texts of
// the widget catalogues (locales/<lang>/widget.json); every language's is embedded, so the page's
// data-locale picks one with no further request (and no change to the host page's CSP). The bot's
// words for "Talk to a person" and "Back to the assistant" go along (`sends`): the header buttons
// send them, and the bot reads them back as its own quick replies.

/** The line of widget.js the catalogues replace. */
export const I18N_MARKER = 'var I18N = null;';

/** What the widget gets: the store's default locale and each language's widget texts. */
export function widgetCatalogues(texts: Texts): { defaultLocale: string; catalogues: Record<string, Record<string, unknown>> } {
  const catalogues: Record<string, Record<string, unknown>> = {};
  for (const lang of languages()) {
    const chips = (catalogue(lang, 'bot') as { chips: Record<string, string> }).chips;
    catalogues[lang] = { ...catalogue(lang, 'widget'), sends: { talkToPerson: chips.talkToPerson, backToAssistant: chips.backToAssistant } };
  }
  return { defaultLocale: texts.fallback.tag, catalogues };
}

/** GET/HEAD /web-chat/widget.js: built once (again when the file changes), with an ETag and the scripts' cache time. */
export function widgetScriptHandler(file: string, texts: Texts, maxAgeSeconds = 300) {
  let built: { mtimeMs: number; body: Buffer; etag: string } | null = null;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const st = await fs.stat(file);
    if (!built || built.mtimeMs !== st.mtimeMs) {
      const source = await fs.readFile(file, 'utf8');
      if (!source.includes(I18N_MARKER)) throw new Error(`${file} has no "${I18N_MARKER}" line for its texts`);
      // JSON is a JavaScript expression; U+2028/2029 are escaped for older parsers.
      const json = JSON.stringify(widgetCatalogues(texts)).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
      const body = Buffer.from(source.replace(I18N_MARKER, `var I18N = ${json};`), 'utf8');
      built = { mtimeMs: st.mtimeMs, body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"` };
    }
    const headers: Record<string, string | number> = {
      'content-type': 'text/javascript; charset=utf-8',
      etag: built.etag,
      'last-modified': st.mtime.toUTCString(),
      'cache-control': `public, max-age=${maxAgeSeconds}, must-revalidate`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    };
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((t) => t.trim() === built!.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['content-length'] = built.body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : built.body);
  };
}
