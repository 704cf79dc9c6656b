import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryStore, type Store } from '../store/index.js';
import { PUBLIC_DIR, safeJoin } from './static.js';
import { pageServer, rawRequest } from '../testing/web-helpers.js';

describe('safeJoin', () => {
  const root = '/srv/public';
  it('maps plain names inside the folder', () => {
    expect(safeJoin(root, 'widget.js')).toBe('/srv/public/widget.js');
    expect(safeJoin(root, 'img/a-b_c.png')).toBe('/srv/public/img/a-b_c.png');
  });
  it.each([
    '..',
    '../package.json',
    '..%2fpackage.json',
    '..%2F..%2Fpackage.json',
    '%2e%2e/%2e%2e/etc/passwd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..%5cpackage.json',
    '..\\package.json',
    'a/../../b',
    '.env',
    '.git/config',
    'a//b',
    '',
    'style.css%00.js',
    '%00',
    '%E0%A4%A',
    '/etc/passwd',
    '%2fetc%2fpasswd',
    'a/%2e/b',
  ])('refuses %j', (rel) => {
    expect(safeJoin(root, rel)).toBeNull();
  });
});

describe('static routes', () => {
  let store: Store;
  let server: Awaited<ReturnType<typeof pageServer>>;
  let outside: string;
  let pub: string;
  let linked: Awaited<ReturnType<typeof pageServer>>;

  beforeAll(async () => {
    store = openMemoryStore();
    server = await pageServer(store, { maxAgeSeconds: 120 });
    // A public folder with a symlink pointing out of it.
    outside = mkdtempSync(join(tmpdir(), 'webchat-outside-'));
    writeFileSync(join(outside, 'secret.js'), 'SECRET');
    pub = mkdtempSync(join(tmpdir(), 'webchat-public-'));
    mkdirSync(join(pub, 'sub'));
    writeFileSync(join(pub, 'ok.js'), 'OK');
    writeFileSync(join(pub, 'index.html'), '<!doctype html><title>x</title>');
    symlinkSync(join(outside, 'secret.js'), join(pub, 'link.js'));
    symlinkSync(outside, join(pub, 'sub', 'dir'));
    linked = await pageServer(store, { publicDir: pub });
  });
  afterAll(async () => {
    await server.close();
    await linked.close();
    store.close();
    rmSync(outside, { recursive: true, force: true });
    rmSync(pub, { recursive: true, force: true });
  });

  it('serves the three pages as HTML with a strict CSP', async () => {
    for (const [path, marker] of [
      ['/', '/web-chat/widget.js'],
      ['/agent', '/web-chat/agent.js'],
      ['/insights', '/web-chat/insights.js'],
    ] as const) {
      const r = await server.get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.body).toContain(marker);
    }
  });

  it('the store page embeds the widget with one script tag', async () => {
    const r = await server.get('/');
    expect(r.body.match(/<script src="\/web-chat\/widget\.js" defer><\/script>/g)).toHaveLength(1);
  });

  it('pages use no inline styles or scripts (the CSP would block them)', () => {
    for (const f of ['index.html', 'agent.html', 'insights.html']) {
      const html = readFileSync(join(PUBLIC_DIR, f), 'utf8');
      expect(html, f).not.toMatch(/\sstyle=/);
      expect(html, f).not.toMatch(/<style/);
      expect(html, f).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html, f).not.toMatch(/\son[a-z]+=/);
    }
  });

  it('serves scripts and styles with content types, ETag and cache headers; 304 on revalidation', async () => {
    const types: Record<string, string> = {
      '/web-chat/widget.js': 'text/javascript; charset=utf-8',
      '/web-chat/agent.js': 'text/javascript; charset=utf-8',
      '/web-chat/style.css': 'text/css; charset=utf-8',
      '/web-chat/favicon.svg': 'image/svg+xml',
      '/web-chat/socket.io.min.js': 'text/javascript; charset=utf-8',
    };
    for (const [path, type] of Object.entries(types)) {
      const r = await server.get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type'], path).toBe(type);
      expect(r.headers['etag'], path).toMatch(/^"[\w-]+"$/);
      expect(String(r.headers['cache-control']), path).toMatch(/^public, max-age=\d+/);
      const again = await server.get(path, { 'if-none-match': String(r.headers['etag']) });
      expect(again.status, path).toBe(304);
      expect(again.body).toBe('');
    }
    expect(String((await server.get('/web-chat/widget.js')).headers['cache-control'])).toContain('max-age=120');
  });

  it('serves the socket.io browser client from node_modules (no CDN)', async () => {
    const r = await server.get('/web-chat/socket.io.min.js');
    expect(r.body).toContain('Socket.IO');
    expect(r.body.length).toBeGreaterThan(20_000);
  });

  it('answers HEAD without a body and refuses writes', async () => {
    const head = await rawRequest(server.base, '/web-chat/widget.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(1000);
    const post = await rawRequest(server.base, '/web-chat/widget.js', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    expect((await rawRequest(server.base, '/', { method: 'DELETE' })).status).toBe(405);
  });

  it.each([
    '/web-chat/../package.json',
    '/web-chat/..%2fpackage.json',
    '/web-chat/..%2f..%2fpackage.json',
    '/web-chat/%2e%2e/%2e%2e/package.json',
    '/web-chat/%2e%2e%2f%2e%2e%2fpackage.json',
    '/web-chat/..%5c..%5cpackage.json',
    '/web-chat/%252e%252e%252fpackage.json',
    '/web-chat/....//....//package.json',
    '/web-chat/.%2e/routes.ts',
    '/web-chat/..%2froutes.ts',
    '/web-chat/../routes.ts',
    '/web-chat/%2e%2e/routes.ts',
    '/web-chat//etc/passwd',
    '/web-chat/%2fetc%2fpasswd',
    '/web-chat/style.css%00.js',
    '/web-chat/',
    '/web-chat/missing.js',
    '/web-chat/README',
    '/web-chat/.gitignore',
  ])('refuses %s', async (path) => {
    const r = await server.get(path);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toContain('"name": "shopbot"');
    expect(r.body).not.toContain('export function');
    expect(r.body).not.toContain('root:');
  });

  it('does not follow symlinks out of the public folder', async () => {
    expect((await linked.get('/web-chat/ok.js')).body).toBe('OK');
    const viaFile = await linked.get('/web-chat/link.js');
    expect(viaFile.status).toBe(404);
    expect(viaFile.body).not.toContain('SECRET');
    const viaDir = await linked.get('/web-chat/sub/dir/secret.js');
    expect(viaDir.status).toBe(404);
    expect(viaDir.body).not.toContain('SECRET');
  });

  it('unknown paths are 404 JSON', async () => {
    const r = await server.get('/nope');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({ error: 'not found' });
  });
});
