import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { dropSqliteStore, scratchDatabase, type ScratchDatabase } from '../testing/pg-store.js';
import { startServerProcess, type ServerProcess } from '../testing/server-process.js';
import { connect, type ChatClient } from '../testing/test-client.js';
import { openStore } from '../store/index.js';
import { emit, percentile, round } from './stats.js';

// N simulated customers chatting at once through socket.io against the real bot (real models,
// store, index, recommender). The server runs in its own process, as in production, so the
// simulated clients do not eat into its event loop. Latency: from sending a message to the bot's
// first reply message. Every message must get its reply: `lost` counts those that did not.
//
// Two loads: `--rate R` paces the customers (each waits a random think time, mean clients/R
// seconds, after each reply: about R messages per second in all), which is how latency targets
// are stated; `--rate 0` makes every customer send again the moment it is answered (saturation:
// the throughput ceiling). The baseline in the same run is the same server with one setting
// changed (--baseline two-pass | inline, see main()).
//
// The `queued` case (--queued N, default 150; 0 skips it) runs the same load on a fresh server where
// the first N customers have asked for a person first, with no agent signed in: their tickets wait in
// the hand-off queue while they keep chatting with the bot, so every one of their messages goes
// through the hand-off desk. Its figures should stay close to the no-queue case. So that every case
// starts equally warm, the same N customers say hello (untimed) first in the other cases.
//
// The `assigned` case (--agents N, default 20; 0 skips it) runs the same load on a fresh server with
// auto-assignment and N agents online, while --desk-customers (default 20) other customers keep
// asking for a person: each chat is assigned to an agent, who answers and resolves it, and the
// customer asks again after --desk-pause-ms (default 5000; a busy desk: about 3 new chats a second).
// The bench customers' figures should stay close to the no-queue case; the desk's own figures (chats
// assigned, time from asking to an agent joining) are reported beside.
//
// `--nodes N` (issue #19 item 2) adds two cases on PostgreSQL (`--database-url`, else
// SHOPBOT_BENCH_POSTGRES: a server and a role that may create databases; each case gets a fresh
// database holding a copy of the warm store): one node, then N nodes with the same SHOPBOT_SECRET and
// the customers spread over them (customer i on node i mod N, as a load balancer would). The
// `default` case is the same load on one node on SQLite, so the three compare within one run.

const LINES = [
  'hi',
  'show me a usb charging cable under 500',
  'where is my order?',
  'what payment methods do you accept?',
  'I need wireless earbuds',
  'how do I get a refund?',
  'cheaper?',
  'thanks',
  'do you have a kindle?',
  'how long does delivery take?',
];

const ROOT = resolve(import.meta.dirname, '..');
/** What a queued customer says first: the bot's hand-off request (no agent online: "our team is offline"). */
const HANDOFF_LINE = 'I want to talk to a human please';
/** "Okay, I've taken you out of the queue": what queued customers say when the phase ends. */
const LEAVE_LINE = 'never mind';
/** What the same customers say first in the other cases: every case starts equally warm. */
const WARMUP_LINE = 'hello there';

interface Desk {
  stop(): Promise<{ assigned: number; pickup_p50_ms: number; pickup_p95_ms: number }>;
}

/**
 * N agents signed in on /agents (accounts written to the server's database before it starts) who
 * answer and resolve every chat they are given, and `customers` customers who ask for a person
 * again each time their chat is resolved. Runs until stop().
 */
async function deskLoad(url: string, tokens: string[], customers: number, pauseMs: number): Promise<Desk> {
  let running = true;
  const agents = await Promise.all(tokens.map((token) => connect(url, '/agents', { token })));
  for (const a of agents) {
    a.socket.on('chat_assigned', (d: { ticketId: number }) => {
      void (async () => {
        await a.emit('message', { ticketId: d.ticketId, text: 'Hi, I am on it.' });
        await a.emit('resolve', { ticketId: d.ticketId, summary: 'bench' });
      })().catch(() => {});
    });
  }
  const pickups: number[] = [];
  const loops = Array.from({ length: customers }, async () => {
    const c = await connect(url, '/chat');
    await c.waitFor((e) => e.event === 'session');
    while (running) {
      const from = c.events.length;
      const t = performance.now();
      const ack = await c.send({ text: HANDOFF_LINE }).catch(() => ({ ok: false }));
      if (!ack.ok) break;
      try {
        await c.waitFor((e) => e.event === 'message' && /joined the chat/.test(String(e.data.text)), { from, timeoutMs: 60_000 });
        pickups.push(performance.now() - t);
        await c.waitFor((e) => e.event === 'message' && /marked your question as solved/.test(String(e.data.text)), { from, timeoutMs: 60_000 });
      } catch {
        break;
      }
      if (running) await new Promise((r) => setTimeout(r, pauseMs * (0.5 + Math.random())));
    }
    c.close();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const a of agents) a.close();
      return { assigned: pickups.length, pickup_p50_ms: round(percentile(pickups, 50), 1), pickup_p95_ms: round(percentile(pickups, 95), 1) };
    },
  };
}

/** Writes `n` chat agents with sessions into the database of a data folder (before its server starts); their tokens. */
async function benchAgents(dataDir: string, n: number): Promise<string[]> {
  const store = openStore(join(dataDir, 'shop.db'));
  try {
    const tokens: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = await store.agents.create({ name: `Bench agent ${i + 1}`, email: `bench-agent-${i + 1}@example.com`, password: `bench-password-${i + 1}` });
      tokens.push((await store.agents.createSession(a.id)).token);
    }
    return tokens;
  } finally {
    store.close();
  }
}

/** One case's server: one node, or several on one PostgreSQL database. */
interface Cluster {
  urls: string[];
  /** Resident memory of all its nodes together. */
  rssMb(): number;
  stop(): Promise<void>;
}

/** The settings every bench node gets: no per-IP limits (every simulated customer comes from 127.0.0.1). */
const BENCH_ENV = { SHOPBOT_WEB_IP_CONNECTIONS: '100000', SHOPBOT_WEB_IP_MESSAGES: '100000' };

/** One node on the SQLite store of its (copied) data folder. */
async function startSingle(dataDir: string, env: Record<string, string>): Promise<Cluster> {
  const node = await startServerProcess({ name: 'bench', dataDir, env: { ...BENCH_ENV, ...env } });
  return { urls: [node.url], rssMb: () => node.rssMb(), stop: () => node.stop() };
}

/**
 * `nodes` nodes on a fresh PostgreSQL database (a copy of the warm store of `source`) on the server of
 * `serverUrl`, each with a data folder of its own and the same SHOPBOT_SECRET, started together.
 */
async function startOnPostgres(source: string, serverUrl: string, mode: string, nodes: number, env: Record<string, string>): Promise<Cluster> {
  const dirs = Array.from({ length: nodes }, (_, i) => {
    const dir = mkdtempSync(join(tmpdir(), `shopbot-bench-${mode}-${i + 1}-`));
    if (existsSync(source)) cpSync(source, dir, { recursive: true });
    rmSync(join(dir, 'session.key'), { force: true });
    return dir;
  });
  let db: ScratchDatabase | null = null;
  const started: ServerProcess[] = [];
  const cleanup = async () => {
    await Promise.all(started.map((n) => n.stop()));
    await db?.drop().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    db = await scratchDatabase(serverUrl, `shopbot_bench_${mode.replace(/[^a-z0-9]/g, '_')}_${process.pid}`, dirs[0]!);
    for (const d of dirs) dropSqliteStore(d);
    const shared = { ...BENCH_ENV, ...env, DATABASE_URL: db.url, SHOPBOT_SECRET: randomBytes(32).toString('hex') };
    await Promise.all(dirs.map(async (dataDir, i) => started.push(await startServerProcess({ name: `${mode}-${i + 1}`, dataDir, env: shared }))));
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { urls: started.map((n) => n.url), rssMb: () => round(started.reduce((sum, n) => sum + n.rssMb(), 0), 1), stop: cleanup };
}

/** Exponential think time with the given mean, from a seeded generator (runs are comparable). */
function thinkTimes(seed: number, meanMs: number): () => number {
  // Spread small seeds over the state and skip the first outputs: xorshift starts poorly mixed.
  let s = (Math.imul(seed, 0x9e3779b1) ^ 0x5bd1e995) >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
  for (let i = 0; i < 16; i++) next();
  return () => -Math.log(next()) * meanMs;
}

interface RunResult {
  messages: number;
  lost: number;
  /** Why: `refused:<code>` (the server said no), `no_ack` (no acknowledgement in 20 s), `no_reply` (acknowledged, not answered within --timeout-ms). */
  lostWhy: Record<string, number>;
  seconds: number;
  latencies: number[];
  byLine: Map<string, number[]>;
  /** Customers whose hand-off request was confirmed (queued) before the timed load. */
  queued: number;
  /** The slowest /healthz answer while the load ran. */
  healthzMaxMs: number;
}

/** Sends one line and waits for the bot's reply to it; the reply's text, or null if refused. */
async function say(c: ChatClient, text: string, timeoutMs: number): Promise<string | null> {
  const from = c.events.length;
  const ack = await c.send({ text });
  if (!ack.ok) return null;
  const reply = await c.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && e.data.replyTo === ack.seq, { from, timeoutMs });
  return String(reply.data.text);
}

/** Polls /healthz every 250 ms until stopped; resolves with the slowest answer (ms). */
function probeHealth(url: string): { stop(): Promise<number> } {
  let running = true;
  let max = 0;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      try {
        await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) });
      } catch {
        // a failed probe counts with the time it took
      }
      max = Math.max(max, performance.now() - t);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

/**
 * Paced (`rate` > 0): for `seconds`, each customer writes at random times (a Poisson process of
 * rate/clients per second each, so about `rate` messages per second in all), never before its
 * previous message was answered. Saturation (`rate` = 0): each customer sends `perClient` messages
 * back to back.
 */
async function drive(
  urls: string[],
  o: { clients: number; perClient: number; rate: number; seconds: number; timeoutMs: number; prelude?: { clients: number; handoff: boolean } },
): Promise<RunResult> {
  const conns: ChatClient[] = [];
  // Customer i talks to node i mod N, as a load balancer spreads them.
  for (let i = 0; i < o.clients; i += 50) conns.push(...(await Promise.all(Array.from({ length: Math.min(50, o.clients - i) }, (_, j) => connect(urls[(i + j) % urls.length]!, '/chat')))));
  await Promise.all(conns.map((c) => c.waitFor((e) => e.event === 'session')));
  // Before the clock starts (untimed), the first `prelude.clients` customers ask for a person, or
  // in the other cases say hello: the server is as warm either way.
  const prelude = conns.slice(0, o.prelude?.clients ?? 0);
  const handoff = o.prelude?.handoff === true;
  const confirmed = await Promise.all(prelude.map((c) => say(c, handoff ? HANDOFF_LINE : WARMUP_LINE, o.timeoutMs).then((t) => t !== null && (!handoff || /queue|offline/i.test(t)), () => false)));
  const queued = handoff ? confirmed.filter(Boolean).length : 0;
  const waiting = handoff ? prelude : [];
  const health = probeHealth(urls[0]!);
  const latencies: number[] = [];
  const byLine = new Map<string, number[]>();
  let lost = 0;
  const lostWhy: Record<string, number> = {};
  const lose = (why: string) => {
    lost++;
    lostWhy[why] = (lostWhy[why] ?? 0) + 1;
  };
  let sent = 0;
  const meanGapMs = o.rate > 0 ? (o.clients / o.rate) * 1000 : 0;
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  await Promise.all(
    conns.map(async (c, ci) => {
      const gap = thinkTimes(ci + 1, meanGapMs);
      let due = t0 + (meanGapMs > 0 ? gap() : 0);
      for (let m = 0; meanGapMs > 0 ? due < end : m < o.perClient; m++) {
        if (meanGapMs > 0) {
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          due += gap();
        }
        const text = LINES[(ci * 7 + m * 3) % LINES.length]!;
        const from = c.events.length;
        const t = performance.now();
        sent++;
        let ack: Record<string, unknown>;
        try {
          ack = await c.send({ text });
        } catch {
          lose('no_ack');
          continue;
        }
        if (!ack.ok) {
          lose(`refused:${String(ack.code)}`);
          continue;
        }
        try {
          // The reply to this message (not a later message of the previous turn): replyTo names it.
          await c.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && e.data.replyTo === ack.seq, { from, timeoutMs: o.timeoutMs });
          const ms = performance.now() - t;
          latencies.push(ms);
          byLine.set(text, [...(byLine.get(text) ?? []), ms]);
        } catch {
          lose('no_reply');
        }
      }
    }),
  );
  const seconds = meanGapMs > 0 ? o.seconds : (performance.now() - t0) / 1000;
  const healthzMaxMs = await health.stop();
  // Queued customers leave the queue, so the next phase starts with only its own.
  await Promise.all(waiting.map((c) => say(c, LEAVE_LINE, o.timeoutMs).catch(() => null)));
  for (const c of conns) c.close();
  return { messages: sent, lost, lostWhy, seconds, latencies, byLine, queued, healthzMaxMs };
}

function summary(r: RunResult) {
  return {
    messages: r.messages,
    lost: r.lost,
    ...(r.lost > 0 ? { lost_why: r.lostWhy } : {}),
    msgs_per_s: round(r.messages / r.seconds, 1),
    p50_ms: round(percentile(r.latencies, 50), 1),
    p95_ms: round(percentile(r.latencies, 95), 1),
    p99_ms: round(percentile(r.latencies, 99), 1),
    healthz_max_ms: round(r.healthzMaxMs, 1),
  };
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const clients = intFlag(flags, 'clients', 200);
  const perClient = intFlag(flags, 'messages', 3);
  const seconds = intFlag(flags, 'seconds', 20);
  // 0 is allowed here: no think time at all.
  const rate = stringFlag(flags, 'rate') === '0' ? 0 : intFlag(flags, 'rate', 70);
  const timeoutMs = intFlag(flags, 'timeout-ms', 60_000);
  // 0 is allowed here: no queued case.
  const queuedCustomers = stringFlag(flags, 'queued') === '0' ? 0 : intFlag(flags, 'queued', 150);
  // 0 is allowed here: no assigned case.
  const deskAgents = stringFlag(flags, 'agents') === '0' ? 0 : intFlag(flags, 'agents', 20);
  const deskCustomers = intFlag(flags, 'desk-customers', 20);
  const deskPauseMs = stringFlag(flags, 'desk-pause-ms') === '0' ? 0 : intFlag(flags, 'desk-pause-ms', 5000);
  const external = stringFlag(flags, 'url');
  if (external) {
    const r = await drive([external], { clients, perClient, rate, seconds, timeoutMs });
    return { bench: 'chat', url: external, clients, offered_per_s: rate || 'max', ...summary(r) };
  }

  // Each server gets its own copy of the warm data folder: runs do not see each other's chats.
  const source = resolve(stringFlag(flags, 'data-dir') ?? join(ROOT, 'data'));
  if (!existsSync(join(source, 'shop.db'))) emit({ phase: 'note', message: `${source} is not warm yet: the first server start seeds and embeds everything (minutes)` });
  // The baseline runs the same server with one setting changed: `two-pass` (default) reads chat
  // sentiment with the fine-tuned model, a second transformer pass per message, instead of the head
  // on the encoder's vector; `inline` runs the models on the main thread instead of worker threads.
  const baselineName = stringFlag(flags, 'baseline') ?? 'two-pass';
  const BASELINES: Record<string, Record<string, string>> = { 'two-pass': { SHOPBOT_CHAT_SENTIMENT: 'model' }, inline: { SHOPBOT_INFERENCE: 'inline' } };
  if (!BASELINES[baselineName]) throw new Error(`--baseline must be one of ${Object.keys(BASELINES).join(', ')} (got "${baselineName}")`);
  // --nodes N: one node and N nodes on PostgreSQL, beside the default case (one node on SQLite).
  const nodes = intFlag(flags, 'nodes', 1);
  const postgresServer = stringFlag(flags, 'database-url') ?? process.env.SHOPBOT_BENCH_POSTGRES;
  if (nodes > 1 && !postgresServer) throw new Error('--nodes needs a PostgreSQL server: --database-url URL or SHOPBOT_BENCH_POSTGRES (a role that may create databases)');
  const modes: { mode: string; env: Record<string, string>; handoffs?: number; agents?: number; postgresNodes?: number }[] = [{ mode: 'default', env: {} }];
  // Every case has the same customers; with a queued case, as many as it queues at least.
  const modeClients = Math.max(clients, queuedCustomers);
  const prelude = (handoff: boolean) => (queuedCustomers > 0 ? { prelude: { clients: queuedCustomers, handoff } } : {});
  // Same server settings and load, with `queuedCustomers` of the customers waiting for an agent.
  if (queuedCustomers > 0) modes.push({ mode: 'queued', env: {}, handoffs: queuedCustomers });
  // Same load, with agents online and chats being assigned, answered and resolved all along.
  if (deskAgents > 0) modes.push({ mode: 'assigned', env: { SHOPBOT_ASSIGNMENT: 'auto' }, agents: deskAgents });
  if (flags['no-baseline'] !== true) modes.push({ mode: baselineName, env: BASELINES[baselineName]! });
  if (nodes > 1) modes.push({ mode: 'postgres', env: {}, postgresNodes: 1 }, { mode: `postgres-${nodes}-nodes`, env: {}, postgresNodes: nodes });
  const results: Record<string, Record<string, unknown>> = {};
  for (const { mode, env: modeEnv, handoffs, agents, postgresNodes } of modes) {
    const dataDir = mkdtempSync(join(tmpdir(), `shopbot-bench-${mode}-`));
    let server: Cluster;
    let tokens: string[] = [];
    if (postgresNodes) server = await startOnPostgres(source, postgresServer!, mode, postgresNodes, modeEnv);
    else {
      if (existsSync(source)) cpSync(source, dataDir, { recursive: true });
      rmSync(join(dataDir, 'session.key'), { force: true });
      tokens = agents ? await benchAgents(dataDir, agents) : [];
      server = await startSingle(dataDir, modeEnv);
    }
    let desk: Desk | null = null;
    try {
      const deskStart = performance.now();
      if (agents) desk = await deskLoad(server.urls[0]!, tokens, deskCustomers, deskPauseMs);
      emit({ phase: 'server', setting: mode, urls: server.urls, rss_mb: server.rssMb() });
      const queuedNote = (r: RunResult) => {
        if (!handoffs) return {};
        if (r.queued < handoffs) throw new Error(`only ${r.queued} of ${handoffs} customers got into the hand-off queue`);
        return { queued: r.queued };
      };
      const pacedRun = rate > 0 ? await drive(server.urls, { clients: modeClients, perClient, rate, seconds, timeoutMs, ...prelude(!!handoffs) }) : null;
      const paced = pacedRun ? summary(pacedRun) : null;
      if (pacedRun && paced) {
        // Customers wait for each answer, so a server that falls behind gets less than the offered
        // load: say so instead of reporting latencies at a load it never carried.
        const carried = paced.msgs_per_s >= 0.9 * rate;
        emit({ phase: 'paced', setting: mode, clients: modeClients, ...queuedNote(pacedRun), offered_per_s: rate, ...paced, ...(carried ? {} : { warning: `carried only ${paced.msgs_per_s} of ${rate} messages/s` }) });
        const lines = [...pacedRun.byLine].map(([text, ms]) => ({ text, n: ms.length, p50_ms: round(percentile(ms, 50), 1), p95_ms: round(percentile(ms, 95), 1) }));
        emit({ phase: 'paced_by_line', setting: mode, lines: lines.sort((a, b) => b.p95_ms - a.p95_ms) });
      }
      const saturatedRun = await drive(server.urls, { clients: modeClients, perClient, rate: 0, seconds, timeoutMs, ...prelude(!!handoffs) });
      const saturated = summary(saturatedRun);
      emit({ phase: 'saturation', setting: mode, clients: modeClients, ...queuedNote(saturatedRun), ...saturated });
      const deskFigures = desk ? { ...(await desk.stop()), seconds: round((performance.now() - deskStart) / 1000, 1) } : null;
      desk = null;
      if (deskFigures) emit({ phase: 'desk', setting: mode, agents, customers: deskCustomers, ...deskFigures });
      results[mode] = { ...(paced ?? saturated), max_msgs_per_s: saturated.msgs_per_s, saturated_p95_ms: saturated.p95_ms, lost: (paced?.lost ?? 0) + saturated.lost, healthz_max_ms: Math.max(paced?.healthz_max_ms ?? 0, saturated.healthz_max_ms), rss_mb: server.rssMb(), ...(postgresNodes ? { nodes: postgresNodes } : {}), ...(deskFigures ? { desk: deskFigures } : {}) };
    } finally {
      await desk?.stop().catch(() => null);
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const main = results.default!;
  const base = flags['no-baseline'] !== true ? results[baselineName] : undefined;
  const queued = results.queued;
  const assigned = results.assigned;
  const onPostgres = results.postgres;
  const onNodes = results[`postgres-${nodes}-nodes`];
  const ratio = (a: unknown, b: unknown) => round(Number(a) / Number(b), 2);
  return {
    bench: 'chat',
    clients: modeClients,
    offered_per_s: rate || 'max',
    ...main,
    ...(queued
      ? {
          queued: queuedCustomers,
          queued_msgs_per_s: queued.msgs_per_s,
          queued_p95_ms: queued.p95_ms,
          queued_max_msgs_per_s: queued.max_msgs_per_s,
          queued_saturated_p95_ms: queued.saturated_p95_ms,
          queued_healthz_max_ms: queued.healthz_max_ms,
          queued_lost: queued.lost,
          // queued / no-queue: within 0.8..1.2 is the target
          queued_max_msgs_ratio: ratio(queued.max_msgs_per_s, main.max_msgs_per_s),
          queued_p95_ratio: ratio(queued.p95_ms, main.p95_ms),
          queued_saturated_p95_ratio: ratio(queued.saturated_p95_ms, main.saturated_p95_ms),
        }
      : {}),
    ...(assigned
      ? {
          assigned_agents: deskAgents,
          assigned_msgs_per_s: assigned.msgs_per_s,
          assigned_p95_ms: assigned.p95_ms,
          assigned_max_msgs_per_s: assigned.max_msgs_per_s,
          assigned_saturated_p95_ms: assigned.saturated_p95_ms,
          assigned_lost: assigned.lost,
          assigned_desk: assigned.desk,
          // assigned / no-queue: within 0.8..1.2 is the target
          assigned_max_msgs_ratio: ratio(assigned.max_msgs_per_s, main.max_msgs_per_s),
          assigned_p95_ratio: ratio(assigned.p95_ms, main.p95_ms),
        }
      : {}),
    ...(onPostgres && onNodes
      ? {
          nodes,
          // One node on PostgreSQL, and `nodes` nodes on it, against `default` (one node on SQLite).
          postgres_p95_ms: onPostgres.p95_ms,
          postgres_max_msgs_per_s: onPostgres.max_msgs_per_s,
          postgres_lost: onPostgres.lost,
          postgres_rss_mb: onPostgres.rss_mb,
          nodes_p95_ms: onNodes.p95_ms,
          nodes_max_msgs_per_s: onNodes.max_msgs_per_s,
          nodes_lost: onNodes.lost,
          nodes_rss_mb: onNodes.rss_mb,
          postgres_max_msgs_ratio: ratio(onPostgres.max_msgs_per_s, main.max_msgs_per_s),
          nodes_max_msgs_ratio: ratio(onNodes.max_msgs_per_s, main.max_msgs_per_s),
        }
      : {}),
    ...(base ? { baseline: baselineName, baseline_p95_ms: base.p95_ms, baseline_max_msgs_per_s: base.max_msgs_per_s, baseline_rss_mb: base.rss_mb } : {}),
  };
}
