import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from '../core/http.js';
import { metricsRoute, type Metrics } from '../core/metrics.js';
import type { RouteHandler } from '../core/http.js';

// Liveness, readiness and metrics for load balancers, orchestrators and Prometheus:
// - GET /healthz: 200 {"ok":true} whenever the process serves HTTP (during start-up too);
// - GET /readyz: 200 when every check passes (models loaded, database answering), else 503 with
//   which check failed (names only, no details: the route is public);
// - GET /metrics: Prometheus text (optionally behind a bearer token, core/metrics.ts).

/** One readiness check: ready when it returns anything but `false` without throwing, within the time-out. */
export type ReadinessCheck = () => unknown;

export interface HealthOptions {
  checks: Record<string, ReadinessCheck>;
  metrics?: Metrics;
  metricsToken?: string | null;
  /** A check that takes longer fails (default 2 s). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

const noStore = (res: ServerResponse) => res.setHeader('cache-control', 'no-store');

/** Runs the checks side by side: each one's pass or failure, and why it failed (for the log only). */
export async function runChecks(checks: Record<string, ReadinessCheck>, timeoutMs = 2_000): Promise<{ ready: boolean; checks: Record<string, boolean>; failures: string[] }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, boolean, string | null]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        });
        const ok = (await Promise.race([Promise.resolve().then(check), timeout])) !== false;
        return [name, ok, ok ? null : 'not ready'];
      } catch (err) {
        return [name, false, (err as Error)?.message ?? String(err)];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return {
    ready: entries.every(([, ok]) => ok),
    checks: Object.fromEntries(entries.map(([n, ok]) => [n, ok])),
    failures: entries.filter(([, ok]) => !ok).map(([n, , why]) => `${n}: ${why}`),
  };
}

/** The routes /healthz, /readyz and /metrics (when metrics are given). */
export function healthRoutes(opts: HealthOptions): Record<string, RouteHandler> {
  const log = opts.log ?? (() => {});
  let wasReady: boolean | null = null;
  const routes: Record<string, RouteHandler> = {
    // Public, for load balancers: up or not, nothing else (no staff, paths or model details).
    '/healthz': (_req, res) => {
      noStore(res);
      sendJson(res, 200, { ok: true });
    },
    '/readyz': async (_req, res) => {
      const r = await runChecks(opts.checks, opts.timeoutMs);
      // One line when readiness changes, with the reason: operators see why a node left the pool.
      if (r.ready !== wasReady) {
        if (!r.ready) log(`[health] not ready: ${r.failures.join('; ')}`);
        else if (wasReady === false) log('[health] ready again');
        wasReady = r.ready;
      }
      noStore(res);
      sendJson(res, r.ready ? 200 : 503, { ready: r.ready, checks: r.checks });
    },
  };
  if (opts.metrics) routes['/metrics'] = metricsRoute(opts.metrics, opts.metricsToken);
  return routes;
}

export interface StartingServer {
  address: AddressInfo;
  /** Stops listening (the real server takes the port next); idempotent. */
  close(): Promise<void>;
}

/**
 * Listens while the server starts (seeding, loading models, indexing: seconds, or minutes on a first
 * start): /healthz answers 200 and /readyz 503, so an orchestrator sees the process alive but not
 * ready; every other request gets 503 with Retry-After and web socket upgrades are refused (clients
 * retry). Binding first also fails fast when the port is taken.
 */
export async function listenWhileStarting(port: number, host: string): Promise<StartingServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    noStore(res);
    if (path === '/healthz') sendJson(res, 200, { ok: true });
    else if (path === '/readyz') sendJson(res, 503, { ready: false, checks: { started: false } });
    else {
      res.setHeader('retry-after', '5');
      sendJson(res, 503, { error: 'starting' });
    }
  });
  server.on('upgrade', (_req, socket) => socket.destroy());
  server.keepAliveTimeout = 1_000;
  server.unref(); // a start that fails never keeps the process alive because of it
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
  let closing: Promise<void> | null = null;
  return {
    address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * A check that really exercises something (e.g. one sentence through each model, which also starts a
 * crashed model worker again) but at most once per `freshMs` after a pass; concurrent probes share
 * one run, so a flood of /readyz requests costs nothing more.
 */
export function cachedCheck(check: () => unknown, freshMs = 5_000): ReadinessCheck {
  let passedAt = -Infinity;
  let running: Promise<unknown> | null = null;
  return () => {
    if (Date.now() - passedAt < freshMs) return true;
    running ??= Promise.resolve()
      .then(check)
      .then((v) => {
        if (v !== false) passedAt = Date.now();
        return v;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
}
