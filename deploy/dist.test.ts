import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type ChatClient } from '../testing/test-client.js';
import { warmDataDir } from '../testing/test-template.js';

// The compiled server as production runs it (issue #19 item 3): tsc with tsconfig.build.json and
// deploy/postbuild.mjs into a private folder, then `node .../app/main.js` in a child process on
// 127.0.0.1 with a copy of the warm data folder. It must start without tsx (model workers included),
// answer /healthz, /readyz and /metrics, run a chat turn, and log JSON lines with levels and ids.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the project, so the compiled modules find node_modules and package.json's "type": "module".
const OUT = join(ROOT, 'test-artifacts', 'build-test', 'dist');
const TOKEN = 'metrics-token-for-the-build-test';

interface Record_ {
  level?: string;
  msg?: string;
  component?: string;
  [k: string]: unknown;
}

let child: ChildProcess;
let url = '';
let dataDir = '';
const lines: string[] = [];
const records: Record_[] = [];
const clients: ChatClient[] = [];

/** Resolves with the first log record (past or future) matching. */
function waitForRecord(pred: (r: Record_) => boolean, what: string, timeoutMs = 180_000): Promise<Record_> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const look = () => {
      const found = records.find(pred);
      if (found) return resolve(found);
      if (child.exitCode !== null) return reject(new Error(`the server exited (${child.exitCode}) before ${what}:\n${lines.slice(-30).join('\n')}`));
      if (Date.now() - started > timeoutMs) return reject(new Error(`no log record for ${what}:\n${lines.slice(-30).join('\n')}`));
      setTimeout(look, 50);
    };
    look();
  });
}

const metricsText = async (): Promise<string> => (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
/** The value of one series in Prometheus text, or 0 when it is not there yet. */
const value = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', OUT], { cwd: ROOT, stdio: 'pipe' });
  execFileSync(process.execPath, [join(ROOT, 'deploy', 'postbuild.mjs'), OUT], { cwd: ROOT, stdio: 'pipe' });
  dataDir = await warmDataDir('shopbot-dist-');
  child = spawn(process.execPath, [join(OUT, 'app', 'main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      // The private build folder is not the project's dist/: name the project root.
      SHOPBOT_ROOT: ROOT,
      SHOPBOT_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      SHOPBOT_QUIET: '1',
      SHOPBOT_LOG_FORMAT: 'json',
      SHOPBOT_LOG_LEVEL: 'info',
      SHOPBOT_METRICS_TOKEN: TOKEN,
      SHOPBOT_INFERENCE: 'worker',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let rest = '';
  const take = (chunk: Buffer) => {
    rest += chunk.toString('utf8');
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const l of parts) {
      if (!l.trim()) continue;
      lines.push(l);
      if (l.startsWith('{')) records.push(JSON.parse(l) as Record_); // a line that is not JSON fails the test below
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const listening = await waitForRecord((r) => /ShopBot listening on http:\/\//.test(r.msg ?? ''), 'the server listening');
  url = /listening on (http:\/\/\S+)/.exec(listening.msg!)![1]!;
});

afterAll(async () => {
  for (const c of clients) c.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  rmSync(OUT, { recursive: true, force: true });
});

describe('the compiled server (npm run build)', () => {
  it('is alive and ready: /healthz, /readyz with the database and models checked', async () => {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { serving: true, db: true, models: true } });
  });

  it('serves /metrics only with its bearer token, with the named series', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      'shopbot_turn_duration_seconds histogram',
      'shopbot_messages_received_total counter',
      'shopbot_messages_sent_total counter',
      'shopbot_handoff_queue_length gauge',
      'shopbot_model_batch_size histogram',
      'shopbot_model_worker_restarts_total counter',
      'shopbot_messenger_send_errors_total counter',
      'shopbot_db_pool_connections gauge',
      'process_resident_memory_bytes gauge',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(value(text, 'shopbot_model_worker_restarts_total{model="encoder"}')).toBe(0);
    expect(value(text, 'shopbot_db_pool_connections{state="total"}')).toBe(1);
    // The readiness probe above sent one sentence through each model worker.
    expect(value(text, 'shopbot_model_batch_size_count{model="encoder"}')).toBeGreaterThanOrEqual(1);
  });

  it('answers a chat turn over the web socket and counts it: messages in and out, the turn histogram', async () => {
    const before = await metricsText();
    const c = await connect(url, '/chat');
    clients.push(c);
    await c.waitFor((e) => e.event === 'session');
    const ack = await c.send({ text: 'what is your return policy?' });
    expect(ack.ok).toBe(true);
    const reply = await c.waitFor((e) => e.event === 'message' && e.data.role === 'bot', { timeoutMs: 60_000 });
    expect(String(reply.data.text).length).toBeGreaterThan(0);
    // The turn is counted when it has finished, just after its reply went out.
    const turn = await waitForRecord((r) => r.component === 'turn', 'the turn log line', 60_000);
    const after = await metricsText();
    expect(value(after, 'shopbot_messages_received_total{channel="web"}') - value(before, 'shopbot_messages_received_total{channel="web"}')).toBe(1);
    expect(value(after, 'shopbot_messages_sent_total{channel="web",role="bot"}') - value(before, 'shopbot_messages_sent_total{channel="web",role="bot"}')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'shopbot_turn_duration_seconds_count{channel="web",outcome="ok"}') - value(before, 'shopbot_turn_duration_seconds_count{channel="web",outcome="ok"}')).toBe(1);
    expect(value(after, 'shopbot_turn_duration_seconds_sum{channel="web",outcome="ok"}')).toBeGreaterThan(0);
    expect(turn).toMatchObject({ level: 'info', channel: 'web', conversationId: expect.stringMatching(/\S/), customerId: expect.stringMatching(/\S/) });
  });

  it('logs JSON lines with a level, components, request ids and conversation ids', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    const access = await waitForRecord((r) => r.requestId === id, 'the access log line of GET /', 10_000);
    expect(access).toMatchObject({ level: 'info', component: 'http', method: 'GET', path: '/', status: 200 });
    // A proxy's request id is kept, so its log and ours name the same request.
    const proxied = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'nginx-0123456789abcdef' } });
    expect(proxied.headers.get('x-request-id')).toBe('nginx-0123456789abcdef');
    // Every line the server wrote is one JSON record (no stray text), with a level and a time.
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    for (const r of records) {
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(r.level);
      expect(typeof r.time).toBe('string');
    }
    expect(records.some((r) => r.component === 'start' && r.level === 'info')).toBe(true);
    // Probes are logged at debug, below SHOPBOT_LOG_LEVEL=info.
    expect(records.some((r) => r.path === '/healthz')).toBe(false);
  });
});
