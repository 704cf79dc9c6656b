import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Prometheus metrics of one server. Each server has its own registry (never prom-client's global
// one), so tests can run several servers in one process. Counters and histograms are recorded where
// the data flows (the app wires the gateway's, the Messenger sender's and the models' hooks to
// them); gauges are read when Prometheus scrapes, from the sources the app sets.

/** What the gauges read at scrape time; unset sources leave their series out. */
export interface MetricSources {
  /** Chats waiting for a person (pending hand-off tickets). */
  queueLength?: () => number | Promise<number>;
  agentsOnline?: () => number;
  /** Model worker restarts so far, per model ("encoder", "sentiment"). */
  workerRestarts?: () => Record<string, number>;
  /** Database connections: total, idle, and callers waiting for one. */
  dbPool?: () => { total: number; idle: number; waiting: number };
}

export interface Metrics {
  registry: Registry;
  sources: MetricSources;
  /** One bot turn, from its start to its last reply stored (seconds), per channel and outcome. */
  turnSeconds: Histogram<'channel' | 'outcome'>;
  messagesIn: Counter<'channel'>;
  messagesOut: Counter<'channel' | 'role'>;
  /** Sizes of the batches the micro-batcher sent to a model. */
  batchSize: Histogram<'model'>;
  /** Failed Send API requests (each try), by Meta error code, HTTP status or "network". */
  messengerSendErrors: Counter<'code'>;
}

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop lag, GC); default on. */
  processMetrics?: boolean;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const sources: MetricSources = {};
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const turnSeconds = new Histogram({
    name: 'shopbot_turn_duration_seconds',
    help: 'Time of one bot turn, from its start to its last reply stored',
    labelNames: ['channel', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const messagesIn = new Counter({ name: 'shopbot_messages_received_total', help: 'Customer messages received, per channel', labelNames: ['channel'] as const, registers });
  const messagesOut = new Counter({ name: 'shopbot_messages_sent_total', help: 'Bot and agent messages sent to customers, per channel', labelNames: ['channel', 'role'] as const, registers });
  const batchSize = new Histogram({
    name: 'shopbot_model_batch_size',
    help: 'Texts per batch sent to a model by the micro-batcher',
    labelNames: ['model'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers,
  });
  const messengerSendErrors = new Counter({ name: 'shopbot_messenger_send_errors_total', help: 'Failed Messenger Send API requests (each try)', labelNames: ['code'] as const, registers });

  new Gauge({
    name: 'shopbot_handoff_queue_length',
    help: 'Chats waiting in the queue for a person',
    registers,
    async collect() {
      if (sources.queueLength) this.set(await sources.queueLength());
    },
  });
  new Gauge({
    name: 'shopbot_agents_online',
    help: 'Support agents connected to the agent console',
    registers,
    collect() {
      if (sources.agentsOnline) this.set(sources.agentsOnline());
    },
  });
  // A counter whose value lives in the model supervisors: each scrape adds what happened since the last one.
  const seenRestarts = new Map<string, number>();
  new Counter({
    name: 'shopbot_model_worker_restarts_total',
    help: 'Model worker threads started again after a crash',
    labelNames: ['model'] as const,
    registers,
    collect() {
      for (const [model, n] of Object.entries(sources.workerRestarts?.() ?? {})) {
        const seen = seenRestarts.get(model) ?? 0;
        this.inc({ model }, Math.max(0, n - seen)); // by 0 the first time: the series shows from the start
        seenRestarts.set(model, Math.max(n, seen));
      }
    },
  });
  new Gauge({
    name: 'shopbot_db_pool_connections',
    help: 'Database connections by state (total, idle; waiting: callers waiting for one)',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const p = sources.dbPool?.();
      if (!p) return;
      this.set({ state: 'total' }, p.total);
      this.set({ state: 'idle' }, p.idle);
      this.set({ state: 'waiting' }, p.waiting);
    },
  });

  return { registry, sources, turnSeconds, messagesIn, messagesOut, batchSize, messengerSendErrors };
}

/** The `code` label of a failed Send API request: Meta's error code, else `http_<status>`, or `network`. */
export function sendErrorLabel(f: { network?: boolean; code?: number; status?: number }): string {
  return f.network ? 'network' : f.code !== undefined ? String(f.code) : `http_${f.status ?? 0}`;
}

/**
 * `GET /metrics` in Prometheus' text format. With a token (SHOPBOT_METRICS_TOKEN), only requests
 * carrying `Authorization: Bearer <token>` get it; without, expose the port only inside the
 * network (docs/deploy.md).
 */
export function metricsRoute(metrics: Metrics, token?: string | null) {
  const want = token ? Buffer.from(`Bearer ${token}`, 'utf8') : null;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (want) {
      const given = Buffer.from(req.headers.authorization ?? '', 'utf8');
      if (given.length !== want.length || !timingSafeEqual(given, want)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain; charset=utf-8' }).end('unauthorized\n');
        return;
      }
    }
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
