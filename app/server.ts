import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer, type ServerOptions } from 'socket.io';
import { sendJson, sendText, type RouteHandler, type Router } from '../core/http.js';

export type { RouteHandler } from '../core/http.js';

/** One HTTP request once its response is done (or the client went away): for access logs. */
export interface RequestInfo {
  id: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

const requestIds = new WeakMap<IncomingMessage, string>();
/** The id of a request (its X-Request-Id when a proxy set a sane one, else a new one), for log lines. */
export const requestIdOf = (req: IncomingMessage): string | undefined => requestIds.get(req);
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface HttpApp extends Router {
  http: HttpServer;
  io: IoServer;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/**
 * One HTTP server for everything: webhooks, Bot Framework, static pages, and socket.io (websocket
 * first, long-polling as fallback; websocket only with `cluster`, whose adapter carries rooms and
 * broadcasts to the other nodes). Unknown paths get 404; a handler that throws gets a 500 and a
 * log line, never a dead process.
 */
export function createHttpApp(opts: { log?: (line: string) => void; maxSocketMessageBytes?: number; onRequest?: (r: RequestInfo) => void; cluster?: { adapter: ServerOptions['adapter'] } } = {}): HttpApp {
  const log = opts.log ?? ((l: string) => console.error(l));
  const exact = new Map<string, RouteHandler>();
  const prefixes: [string, RouteHandler][] = [];

  const http = createServer((req, res) => {
    // Every response names its request (the proxy's id when it sent one), and log lines can too.
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && SANE_ID.test(header) ? header : randomUUID();
    requestIds.set(req, id);
    res.setHeader('x-request-id', id);
    if (opts.onRequest) {
      const t0 = performance.now();
      const done = opts.onRequest;
      res.once('close', () => done({ id, method: req.method ?? '', path: (req.url ?? '/').split('?')[0]!.slice(0, 200), status: res.statusCode, ms: Math.round((performance.now() - t0) * 10) / 10 }));
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendText(res, 400, 'bad request');
      return;
    }
    const handler = exact.get(url.pathname) ?? prefixes.find(([p]) => url.pathname.startsWith(p))?.[1];
    if (!handler) {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((err: unknown) => {
        log(`[http] ${req.method} ${url.pathname} failed (request ${id}): ${(err as Error).stack ?? err}`);
        sendJson(res, 500, { error: 'internal error' });
      });
  });
  http.headersTimeout = 15_000;
  http.requestTimeout = 30_000;

  const io = new IoServer(http, {
    // Behind a load balancer without sticky sessions, long-polling's requests would land on other
    // nodes: clustered, only websockets (the widget and the console try them first anyway).
    transports: opts.cluster ? ['websocket'] : ['websocket', 'polling'],
    ...(opts.cluster ? { adapter: opts.cluster.adapter } : {}),
    maxHttpBufferSize: opts.maxSocketMessageBytes ?? 64 * 1024,
    serveClient: false,
    pingInterval: 10_000,
    pingTimeout: 10_000,
    connectionStateRecovery: undefined,
  });

  return {
    http,
    io,
    route(path, handler) {
      if (path.endsWith('/*')) prefixes.push([path.slice(0, -1), handler]);
      else exact.set(path, handler);
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => resolve(http.address() as AddressInfo));
      });
    },
    async close() {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
