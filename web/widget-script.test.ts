import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue, Texts } from '../core/i18n.js';
import { PUBLIC_DIR } from './static.js';
import { I18N_MARKER, widgetCatalogues, widgetScriptHandler } from './widget-script.js';

// widget.js with its texts: every widget catalogue and the store's default locale put in place of
// `var I18N = null;`, served with an ETag (304 on revalidation) and HEAD.

async function serve(texts: Texts) {
  const handler = widgetScriptHandler(join(PUBLIC_DIR, 'widget.js'), texts, 120);
  const http = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { get: (headers: Record<string, string> = {}, method = 'GET') => fetch(`${base}/web-chat/widget.js`, { headers, method }), close: () => new Promise((r) => http.close(r)) };
}

describe('widget.js with its catalogues', () => {
  it('carries every language and the bot words its header buttons send', () => {
    const got = widgetCatalogues(new Texts());
    expect(got.defaultLocale).toBe('en-IN');
    expect(Object.keys(got.catalogues)).toEqual(expect.arrayContaining(['en', 'hi']));
    expect(got.catalogues.hi).toMatchObject({ ...catalogue('hi', 'widget'), sends: { talkToPerson: 'किसी व्यक्ति से बात करें', backToAssistant: 'सहायक के पास वापस जाएँ' } });
    expect(widgetCatalogues(new Texts({ locale: 'hi-IN' })).defaultLocale).toBe('hi-IN');
  });

  it('is served with the catalogues in place, an ETag, 304 and HEAD', async () => {
    const server = await serve(new Texts());
    try {
      const r = await server.get();
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(r.headers.get('cache-control')).toBe('public, max-age=120, must-revalidate');
      const body = await r.text();
      expect(body).not.toContain(I18N_MARKER);
      expect(body).toContain('var I18N = {"defaultLocale":"en-IN","catalogues":{');
      expect(body).toContain('"placeholder":"अपना संदेश लिखें…"');
      // Parses as JavaScript.
      expect(() => new Function(body)).not.toThrow();
      const etag = r.headers.get('etag')!;
      expect((await server.get({ 'if-none-match': etag })).status).toBe(304);
      const head = await server.get({}, 'HEAD');
      expect(head.status).toBe(200);
      expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    } finally {
      await server.close();
    }
  });
});
