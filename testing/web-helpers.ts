// Shared helpers for the web tests (not a test file itself): an HTTP server with only the
// page routes on a seeded temp store, and raw GET requests whose paths are sent exactly as given
// (fetch would normalise "/a/../b" before it leaves the client).
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpApp } from '../app/server.js';
import type { Store } from '../store/index.js';
import { seed } from '../store/seed.js';
import { tempStore } from './store-helpers.js';
import { createWebChat, type WebChatOptions } from '../web/routes.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'store');

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function rawRequest(base: string, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A temp store seeded from the real fixtures (about 5 s). */
export async function seededFixtureStore(): Promise<{ store: Store; cleanup: () => void }> {
  const t = tempStore();
  await seed(t.db, FIXTURES, { silent: true, agentPassword: 'test-password' });
  return { store: t.store, cleanup: t.cleanup };
}

/** The page routes alone on 127.0.0.1 (no bot, no sockets needed). */
export async function pageServer(store: Store, opts: Omit<WebChatOptions, 'store'> = {}) {
  const app = createHttpApp({ log: () => {} });
  const web = createWebChat({ store, log: () => {}, ...opts });
  for (const [path, handler] of Object.entries(web.routes)) app.route(path, handler);
  const addr = await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${addr.port}`;
  return {
    base,
    web,
    get: (path: string, headers: Record<string, string> = {}) => rawRequest(base, path, { headers }),
    json: async <T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> => {
      const r = await rawRequest(base, path);
      return { status: r.status, body: JSON.parse(r.body) as T };
    },
    async close() {
      web.close();
      await app.close();
    },
  };
}

/**
 * A TCP proxy in front of the server, to cut a browser's connection on purpose (the page keeps
 * running, its socket drops, and new connections are refused until `restore()`).
 */
export async function flakyProxy(target: string) {
  const { createServer, connect } = await import('node:net');
  const t = new URL(target);
  const open = new Set<import('node:net').Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(t.port), t.hostname);
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Drops every open connection and refuses new ones. */
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
