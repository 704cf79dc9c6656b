// A tiny example store backend for ShopBot's signed shopper identity (docs/identity.md).
//
// It is "the store": it has its own sign-in (here: pick a demo customer), and it signs who the
// signed-in shopper is for the chat widget, as a short-lived JWT (HS256) with the secret it shares
// with ShopBot (SHOPBOT_IDENTITY_SECRET). Its page embeds the widget from ShopBot's server and
//   - when signed in, calls ShopBotChat.identify({ token }) with a function that fetches a fresh
//     token from GET /shopbot/identity (same origin, session cookie) when the chat connects;
//   - after signing out, calls ShopBotChat.reset(), so the chat on this device starts as a new guest.
//
//   SHOPBOT_IDENTITY_SECRET=$(openssl rand -hex 32)   # the same value for both processes
//   npm start                                          # ShopBot on http://127.0.0.1:3000
//   npm run example:store                              # this store on http://127.0.0.1:4000
//
// Environment: SHOPBOT_IDENTITY_SECRET (required), SHOPBOT_URL (default http://127.0.0.1:3000),
// STORE_PORT (default 4000), STORE_HOST (default 127.0.0.1). Demo only: sign-in without a
// password, sessions in memory.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { SignJWT } from 'jose';

export interface DemoAccount {
  /** The store's customer id: the id its orders carry in ShopBot's store (JWT `sub`). */
  id: string;
  name: string;
  email: string;
}

/** Customers of the demo catalogue with recent orders, and one ShopBot has never seen. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { id: 'C-UK-14911', name: 'Lily Williams', email: 'lily.williams.14911@example.com' },
  { id: 'C-UK-15570', name: "Emily O'Brien", email: 'emily.obrien.15570@example.com' },
  { id: 'S-NEW-1001', name: 'Maya Patel', email: 'maya.patel@example.com' },
];

/** How long a signed identity is valid: the widget asks for a fresh one each time it connects. */
export const IDENTITY_TTL_SECONDS = 300;

/**
 * The shopper's identity for ShopBot: a JWT signed with HS256 and the shared secret, with `sub`
 * (the store's customer id), `email`, `name`, `iat` and `exp`.
 */
export function signIdentity(secret: string, account: DemoAccount, opts: { now?: number; ttlSeconds?: number } = {}): Promise<string> {
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  return new SignJWT({ email: account.email, name: account.name })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(account.id)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (opts.ttlSeconds ?? IDENTITY_TTL_SECONDS))
    .sign(new TextEncoder().encode(secret));
}

export interface StoreBackendOptions {
  /** SHOPBOT_IDENTITY_SECRET, shared with ShopBot. */
  secret: string;
  /** Where ShopBot runs (the widget and its socket come from there). */
  shopbotUrl: string;
  accounts?: readonly DemoAccount[];
  log?: (line: string) => void;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// The page's script: identify when signed in, reset after signing out. Served as a file, so the
// page keeps a strict CSP without 'unsafe-inline'.
const APP_JS = `'use strict';
(function () {
  var chat = window.ShopBotChat;
  if (!chat) return;
  if (document.body.getAttribute('data-signed-out') === '1') {
    chat.reset();
    history.replaceState(null, '', '/');
  }
  if (document.body.getAttribute('data-signed-in') === '1') {
    chat.identify({
      token: function () {
        return fetch('/shopbot/identity', { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
          if (!r.ok) throw new Error('not signed in');
          return r.json();
        }).then(function (j) { return j.token; });
      },
    });
  }
})();
`;

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24}
header{display:flex;gap:16px;align-items:center;justify-content:space-between;padding:14px 20px;background:#0f3d2e;color:#fff}
header form{margin:0}main{max-width:760px;margin:0 auto;padding:20px}
button{font:inherit;padding:6px 12px;border-radius:8px;border:1px solid #0f3d2e;background:#fff;color:#0f3d2e;cursor:pointer}
.accounts{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0}.note{color:#57606a;font-size:14px}`;

/** The example store: GET /, POST /login, POST /logout, GET /shopbot/identity, GET /app.js, GET /style.css. */
export function createStoreBackend(opts: StoreBackendOptions) {
  const log = opts.log ?? ((l: string) => console.error(l));
  const accounts = opts.accounts ?? DEMO_ACCOUNTS;
  const sessions = new Map<string, DemoAccount>();
  const shopbot = new URL(opts.shopbotUrl);
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${shopbot.origin}`,
    "style-src 'self'",
    "img-src 'self' data: https: http:",
    `connect-src 'self' ${shopbot.origin} ${shopbot.protocol === 'https:' ? 'wss' : 'ws'}://${shopbot.host}`,
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');

  const cookieOf = (req: IncomingMessage) => /(?:^|;\s*)sid=([A-Za-z0-9_-]{20,64})/.exec(req.headers.cookie ?? '')?.[1];
  const signedIn = (req: IncomingMessage) => {
    const sid = cookieOf(req);
    return sid ? sessions.get(sid) : undefined;
  };
  const send = (res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
    res.end(body);
  };
  const redirect = (res: ServerResponse, to: string, headers: Record<string, string> = {}) => {
    res.writeHead(303, { location: to, 'cache-control': 'no-store', ...headers });
    res.end();
  };
  const readForm = (req: IncomingMessage): Promise<URLSearchParams> =>
    new Promise((ok, fail) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
        if (body.length > 2048) req.destroy(new Error('form too large'));
      });
      req.on('end', () => ok(new URLSearchParams(body)));
      req.on('error', fail);
    });

  const page = (who: DemoAccount | undefined, signedOut: boolean) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example Store (demo backend)</title>
<link rel="stylesheet" href="/style.css">
<script src="${esc(shopbot.origin)}/web-chat/widget.js" data-title="Example Store assistant" defer></script>
<script src="/app.js" defer></script>
</head>
<body data-signed-in="${who ? '1' : '0'}" data-signed-out="${signedOut ? '1' : '0'}">
<header>
  <strong>Example Store</strong>
  ${
    who
      ? `<span id="who">Signed in as ${esc(who.name)}</span><form method="post" action="/logout"><button type="submit">Sign out</button></form>`
      : '<span id="who">Not signed in</span>'
  }
</header>
<main>
  ${
    who
      ? `<p>Hello ${esc(who.name.split(' ')[0] ?? who.name)}! Ask the assistant in the corner about your orders: it knows who you are, because this store signed it.</p>`
      : `<h1>Sign in</h1><p class="note">Demo only: pick a customer (no password). The store then signs who you are for the chat.</p>
  <ul class="accounts">${accounts
    .map((a) => `<li><form method="post" action="/login"><input type="hidden" name="account" value="${esc(a.id)}"><button type="submit">Sign in as ${esc(a.name)}</button></form></li>`)
    .join('')}</ul>`
  }
  <p class="note">The chat widget comes from ShopBot at ${esc(shopbot.origin)}; the identity comes from this backend's GET /shopbot/identity.</p>
</main>
</body>
</html>`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://store.invalid');
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /':
        return send(res, 200, 'text/html; charset=utf-8', page(signedIn(req), url.searchParams.get('signed-out') === '1'), { 'content-security-policy': csp });
      case 'GET /app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', APP_JS);
      case 'GET /style.css':
        return send(res, 200, 'text/css; charset=utf-8', STYLE);
      case 'POST /login': {
        const chosen = (await readForm(req)).get('account');
        const account = accounts.find((a) => a.id === chosen);
        if (!account) return send(res, 400, 'text/plain; charset=utf-8', 'No such demo account.');
        const sid = randomBytes(24).toString('base64url');
        sessions.set(sid, account);
        return redirect(res, '/', { 'set-cookie': `sid=${sid}; HttpOnly; SameSite=Lax; Path=/` });
      }
      case 'POST /logout': {
        const sid = cookieOf(req);
        if (sid) sessions.delete(sid);
        return redirect(res, '/?signed-out=1', { 'set-cookie': 'sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0' });
      }
      case 'GET /shopbot/identity': {
        const who = signedIn(req);
        if (!who) return send(res, 401, 'application/json', JSON.stringify({ error: 'not signed in' }));
        return send(res, 200, 'application/json', JSON.stringify({ token: await signIdentity(opts.secret, who) }));
      }
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'Not found.');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`[store] ${req.method} ${req.url}: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Something went wrong.');
      else res.end();
    });
  });
  return {
    server,
    async listen(port: number, host = '127.0.0.1'): Promise<string> {
      await new Promise<void>((ok) => server.listen(port, host, ok));
      return `http://${host}:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const secret = process.env.SHOPBOT_IDENTITY_SECRET ?? '';
  if (Buffer.byteLength(secret, 'utf8') < 32) {
    console.error('Set SHOPBOT_IDENTITY_SECRET (at least 32 bytes, e.g. `openssl rand -hex 32`) to the same value for ShopBot and this store.');
    process.exit(1);
  }
  const store = createStoreBackend({ secret, shopbotUrl: process.env.SHOPBOT_URL ?? 'http://127.0.0.1:3000' });
  const url = await store.listen(Number(process.env.STORE_PORT ?? 4000), process.env.STORE_HOST ?? '127.0.0.1');
  console.error(`[store] example store on ${url} (chat from ${process.env.SHOPBOT_URL ?? 'http://127.0.0.1:3000'})`);
}
