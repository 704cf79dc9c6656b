import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, sendErrorLabel } from '../core/metrics.js';
import { GraphSender } from '../channels/messenger.js';
import { cachedCheck, healthRoutes, listenWhileStarting, runChecks } from './health.js';
import type { RouteHandler } from '../core/http.js';

// Liveness, readiness and metrics routes on a real HTTP server on 127.0.0.1 (no models needed).

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function serve(routes: Record<string, RouteHandler>): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const h = routes[url.pathname];
    if (!h) return void res.writeHead(404).end();
    void Promise.resolve(h(req, res, url));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('health routes (app/health.ts)', () => {
  it('/healthz is always 200; /readyz is 503 naming the failing check, and 200 once every check passes', async () => {
    let dbUp = false;
    const lines: string[] = [];
    const url = await serve(
      healthRoutes({
        checks: {
          db: () => {
            if (!dbUp) throw new Error('database is locked');
            return 1;
          },
          models: async () => true,
        },
        log: (l) => lines.push(l),
      }),
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const down = await fetch(`${url}/readyz`);
    expect(down.status).toBe(503);
    // Only names on the public route; the reason goes to the log, once per change.
    expect(await down.json()).toEqual({ ready: false, checks: { db: false, models: true } });
    await fetch(`${url}/readyz`);
    expect(lines).toEqual(['[health] not ready: db: database is locked']);
    dbUp = true;
    const up = await fetch(`${url}/readyz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ ready: true, checks: { db: true, models: true } });
    expect(lines).toEqual(['[health] not ready: db: database is locked', '[health] ready again']);
  });

  it('fails a check that returns false or does not answer in time', async () => {
    const r = await runChecks({ a: () => false, b: () => new Promise(() => {}), c: () => undefined }, 50);
    expect(r).toMatchObject({ ready: false, checks: { a: false, b: false, c: true } });
    expect(r.failures).toEqual(['a: not ready', 'b: no answer within 50 ms']);
  });

  it('runs a costly check at most once while it is fresh, sharing one run between concurrent probes', async () => {
    let runs = 0;
    let ok = false;
    const check = cachedCheck(async () => {
      runs++;
      if (!ok) throw new Error('model worker stopped');
      return true;
    }, 60_000);
    await expect(Promise.resolve(check())).rejects.toThrow('model worker stopped');
    ok = true;
    const [a, b] = await Promise.all([check(), check()]);
    expect([a, b, runs]).toEqual([true, true, 2]);
    expect(await check()).toBe(true);
    expect(runs).toBe(2); // fresh: not run again
  });

  it('serves /metrics in Prometheus text, behind the bearer token when one is set, one registry per server', async () => {
    const one = createMetrics({ processMetrics: false });
    const two = createMetrics({ processMetrics: false });
    one.messagesIn.inc({ channel: 'web' });
    one.sources.queueLength = () => 3;
    one.sources.workerRestarts = () => ({ encoder: 2 });
    const url = await serve(healthRoutes({ checks: {}, metrics: one, metricsToken: 's3cret' }));
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const res = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer s3cret' } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('shopbot_messages_received_total{channel="web"} 1');
    expect(text).toContain('shopbot_handoff_queue_length 3');
    expect(text).toContain('shopbot_model_worker_restarts_total{model="encoder"} 2');
    // A restart counter follows the supervisor's number across scrapes, never counting one twice.
    one.sources.workerRestarts = () => ({ encoder: 3 });
    const again = await (await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer s3cret' } })).text();
    expect(again).toContain('shopbot_model_worker_restarts_total{model="encoder"} 3');
    expect(await two.registry.metrics()).toContain('shopbot_messages_received_total counter');
    expect(await two.registry.metrics()).not.toContain('channel="web"');
    const open = await serve(healthRoutes({ checks: {}, metrics: two }));
    expect((await fetch(`${open}/metrics`)).status).toBe(200);
  });

  it('while the server starts: /healthz 200, /readyz 503, other paths 503 with Retry-After; the port is free after close', async () => {
    const s = await listenWhileStarting(0, '127.0.0.1');
    const url = `http://127.0.0.1:${s.address.port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, checks: { started: false } });
    const page = await fetch(`${url}/agent`);
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    await s.close();
    await s.close(); // idempotent
    // The app takes the same port next.
    const next = createServer((_req, res) => res.end('app'));
    servers.push(next);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(s.address.port, '127.0.0.1', resolve);
    });
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('app');
  });

  it("counts the Messenger Send API's failures per try, by Meta error code, HTTP status or network", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const answers = [
      { status: 500, body: '{"error":{"code":2,"is_transient":true,"message":"Service temporarily unavailable"}}' },
      { status: 400, body: '{"error":{"code":100,"message":"Invalid parameter"}}' },
      { status: 200, body: '{"message_id":"m1"}' },
    ];
    const url = await serve({
      '/me/messages': (_req, res) => {
        const a = answers.shift()!;
        res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
      },
    });
    const sender = new GraphSender(url, 'page-token', () => {}, {
      retry: { attempts: 3, baseMs: 1, maxMs: 1 },
      sleep: async () => {},
      onSendError: (f) => metrics.messengerSendErrors.inc({ code: sendErrorLabel(f) }),
    });
    const msg = { recipient: { id: 'psid-1' }, messaging_type: 'RESPONSE' as const, message: { text: 'hi' } };
    // A transient 500 is retried, then Meta refuses the message for good (code 100): two failed tries.
    expect((await sender.send(msg)).ok).toBe(false);
    expect((await sender.send(msg)).ok).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('shopbot_messenger_send_errors_total{code="2"} 1');
    expect(text).toContain('shopbot_messenger_send_errors_total{code="100"} 1');
    expect([sendErrorLabel({ network: true }), sendErrorLabel({ status: 502 })]).toEqual(['network', 'http_502']);
  });
});
