import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendJson, sendText } from '../core/http.js';

// Static files of the web pages: a fixed folder, a whitelist of file types, no directory listings,
// no dot-files, and no way out of the folder (encoded "..", backslashes, NUL bytes and symlinks that
// point elsewhere are all refused). Pages are revalidated on every load (ETag); scripts and styles
// are cached for a few minutes.

export const PUBLIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'public');

/** The browser build of the socket.io client, served by us so pages never need a CDN. */
export function socketIoClientPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('socket.io-client/package.json')), 'dist', 'socket.io.min.js');
}

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Content Security Policy of our own pages: everything from this origin; product images may be remote. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https: http:",
  "connect-src 'self' ws: wss:",
  "media-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

export interface StaticOptions {
  /** Cache lifetime for scripts, styles and images (seconds). HTML always revalidates. */
  maxAgeSeconds?: number;
}

/**
 * Maps a request path below the mount point to a file inside `root`, or null when the path is not
 * acceptable. `rel` is still percent-encoded (as in URL.pathname).
 */
export function safeJoin(root: string, rel: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return null;
  }
  if (decoded.length === 0 || decoded.length > 200) return null;
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/');
  for (const p of parts) {
    // Empty segments ("a//b"), "." and "..", and hidden files are never served.
    if (p === '' || p.startsWith('.')) return null;
    if (!/^[A-Za-z0-9._-]+$/.test(p)) return null;
  }
  const full = resolve(root, ...parts);
  if (!full.startsWith(root + sep)) return null;
  return full;
}

function etagOf(st: Stats): string {
  return `"${createHash('sha1').update(`${st.size}-${st.mtimeMs}-${st.ino}`).digest('base64url').slice(0, 20)}"`;
}

const realRoots = new Map<string, string>();
async function realRoot(root: string): Promise<string> {
  let r = realRoots.get(root);
  if (!r) {
    r = await fs.realpath(root);
    realRoots.set(root, r);
  }
  return r;
}

/** Sends one file with content type, ETag / 304, cache headers and security headers. HEAD supported. */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, opts: StaticOptions & { root?: string } = {}): Promise<void> {
  const type = CONTENT_TYPES[extname(file).toLowerCase()];
  if (!type) return sendJson(res, 404, { error: 'not found' });
  let st: Stats;
  try {
    st = await fs.stat(file);
    if (!st.isFile()) return sendJson(res, 404, { error: 'not found' });
    if (opts.root) {
      // A symlink inside the folder must not lead outside it.
      const real = await fs.realpath(file);
      const root = await realRoot(opts.root);
      if (!real.startsWith(root + sep)) return sendJson(res, 404, { error: 'not found' });
    }
  } catch {
    return sendJson(res, 404, { error: 'not found' });
  }
  const etag = etagOf(st);
  const isHtml = type.startsWith('text/html');
  const headers: Record<string, string | number> = {
    'content-type': type,
    etag,
    'last-modified': st.mtime.toUTCString(),
    'cache-control': isHtml ? 'no-cache' : `public, max-age=${opts.maxAgeSeconds ?? 300}, must-revalidate`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  };
  if (isHtml) {
    headers['content-security-policy'] = PAGE_CSP;
    headers['x-frame-options'] = 'SAMEORIGIN';
  }
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim() === etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers['content-length'] = st.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    stream.on('end', () => done());
    stream.pipe(res);
  });
}

/** GET/HEAD only; anything else is 405. Returns false when the request was answered. */
export function allowRead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.setHeader('allow', 'GET, HEAD');
  sendText(res, 405, 'method not allowed');
  return false;
}

/** A handler for a prefix route (`/mount/*`) serving files of `root`. */
export function staticFolder(mount: string, root: string, opts: StaticOptions = {}) {
  const prefix = mount.endsWith('/') ? mount : mount + '/';
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (!allowRead(req, res)) return;
    if (!url.pathname.startsWith(prefix)) return sendJson(res, 404, { error: 'not found' });
    const file = safeJoin(root, url.pathname.slice(prefix.length));
    if (!file) return sendJson(res, 404, { error: 'not found' });
    await sendFile(req, res, file, { ...opts, root });
  };
}
