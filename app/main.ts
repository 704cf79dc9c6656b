import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '../core/config.js';
import { Texts } from '../core/i18n.js';
import { createLogger, lineLogger, type LogFn } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { BatchedModel } from '../nlu/batched-model.js';
import { loadAnalyzer } from '../nlu/analyze.js';
import { productReviewDigests } from '../reviews/product-digest.js';
import { createReviewAnalyzer, createReviewSummarizer, FileSummaryCache } from '../reviews/summary.js';
import { loadConfiguredEncoder, loadConfiguredSentiment, modelWorkerOf } from '../nlu/off-thread.js';
import { Recommender } from '../recommender/recommender.js';
import { StoreCatalog, StoreEvents } from '../recommender/store-sources.js';
import { FaqRetriever } from '../retrieval/answer.js';
import { ingestConversations } from '../retrieval/ingest.js';
import { fromStoreTranscript } from '../retrieval/extract.js';
import { syncKnowledge } from '../retrieval/knowledge.js';
import { openConfiguredStore } from '../store/index.js';
import { demoPasswords, seedSqlIfNeeded } from '../store/seed.js';
import { createWebChat, lazyAnalyzer } from '../web/routes.js';
import { createApp, type MessengerConfig } from './compose.js';
import { cachedCheck, listenWhileStarting } from './health.js';
import { DEMO_REPLIES } from '../desk/canned.js';
import { answerIndex, faqAnswerer, suggester } from './wiring.js';
import { catalogSeqNow, mountAdminApi } from '../api/mount.js';
import { orderUpdateChannels } from '../channels/order-updates.js';
import { soloCluster } from '../core/cluster.js';
import { PostgresSql } from '../store/sql/postgres.js';
import { openPostgresCluster } from '../store/sql/cluster.js';
import { keepInStep } from './cluster-sync.js';

export interface StartOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface Running {
  url: string;
  config: Config;
  log: LogFn;
  close(): Promise<void>;
}

/** The web-session secret: configured, or generated once and kept in the data folder. */
function tokenSecret(config: Config): Buffer {
  if (config.sessionSecret) return Buffer.from(config.sessionSecret, 'utf8');
  const file = join(config.dataDir, 'session.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('hex'), { mode: 0o600 });
  return secret;
}

/**
 * Starts the whole bot on the demo store: seeds the database on first run, loads the models once,
 * builds (or loads) the FAQ index, trains the recommender, and listens.
 */
export async function start(opts: StartOptions = {}): Promise<Running> {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ...(opts.dataDir ? { SHOPBOT_DATA_DIR: resolve(opts.dataDir) } : {}) };
  const config = loadConfig(env);
  // JSON lines through pino (core/logger.ts) unless the caller collects the lines itself (tests).
  const log: LogFn = opts.log ?? rootLog(config);
  mkdirSync(config.dataDir, { recursive: true });
  // /healthz answers (and /readyz says 503) while the models load; the app takes the port after.
  const host = opts.host ?? config.http.host;
  const starting = await listenWhileStarting(opts.port ?? config.http.port, host);
  log(`[start] starting on port ${starting.address.port}: /healthz answers, /readyz says 503 until the models are loaded`);
  const metrics = createMetrics();

  // DATABASE_URL: PostgreSQL (migrated on open); otherwise the embedded SQLite file, as always.
  const store = await openConfiguredStore(config, { log });
  const where = config.databaseUrl ? `PostgreSQL ${redactUrl(config.databaseUrl)}` : config.dbPath;
  const seeded = await seedSqlIfNeeded(store.sql, config.fixturesDir, { silent: config.quiet, ...demoPasswords(config) });
  log(`[start] store ${where}: ${seeded.outdated ? 'holds a catalogue of its own, the demo fixtures are not seeded' : seeded.skipped ? 'up to date' : 'seeded from fixtures'}`);
  // On PostgreSQL any number of nodes may serve the store: socket.io, turns, the desk and the
  // in-memory components are kept in step over LISTEN/NOTIFY and advisory locks (store/sql/cluster.ts).
  const cluster = store.sql instanceof PostgresSql && config.databaseUrl ? await openPostgresCluster({ connectionString: config.databaseUrl, pool: store.sql.pool, log }) : soloCluster();
  const unsync: (() => void)[] = [];
  if (cluster.shared && !config.sessionSecret) log('[start] SHOPBOT_SECRET is not set: this node signs web chat sessions with a key of its own (session.key), so a customer whose connection moves to another node starts a new chat; set the same SHOPBOT_SECRET on every node', { level: 'warn' });

  // Models run in worker threads by default: ONNX Runtime's Node binding blocks its calling thread.
  const offThread = config.encoder.inference === 'worker';
  // Worker threads load side by side; inline loads take turns, since both set Transformers.js's
  // process-wide model path while they load.
  const loadEnc = () => loadConfiguredEncoder(config, { over: { log } });
  const loadSent = () => loadConfiguredSentiment(config, { over: { log } });
  const [encoder, sentiment] = offThread ? await Promise.all([loadEnc(), loadSent()]) : [await loadEnc(), await loadSent()];
  log(`[start] encoder ${encoder.modelId} on ${encoder.device} (${encoder.dtype}), sentiment ${sentiment.dtype}, ${offThread ? 'in worker threads' : 'inline'}`);
  for (const [model, m] of [['encoder', encoder], ['sentiment', sentiment]] as const) {
    if (m instanceof BatchedModel) m.observeBatches((n) => metrics.batchSize.observe({ model }, n));
  }
  metrics.sources.workerRestarts = () => ({ encoder: modelWorkerOf(encoder)?.restarts ?? 0, sentiment: modelWorkerOf(sentiment)?.restarts ?? 0 });
  const analyzer = await loadAnalyzer(config, { encoder, sentiment, chatSentiment: config.encoder.chatSentiment === 'head', log });

  const retriever = await FaqRetriever.open(config, encoder, { sql: store.sql, quiet: config.quiet, log });
  unsync.push(keepInStep(cluster.bus, { faq: retriever.index, log }));
  // Resumable: only transcripts not yet in the index are embedded (all of them on first start).
  const transcripts: ReturnType<typeof fromStoreTranscript>[] = [];
  for await (const t of store.conversations.historical()) transcripts.push(fromStoreTranscript(t));
  const ingest = await ingestConversations(retriever.index, transcripts, transcripts.length, { quiet: config.quiet });
  log(`[start] FAQ index: ${ingest.size} answers (${ingest.added} new)`);
  // The store's help articles: only sections changed since the last start are embedded again.
  const kb = await syncKnowledge(retriever.index, config, { log, progress: !config.quiet });
  if (kb) log(`[start] help articles: ${kb.added} added, ${kb.updated} updated, ${kb.removed} removed, ${kb.unchanged} unchanged`);

  const catalogSince = await catalogSeqNow(store.sql); // catalogue changes after this are applied by the admin API's sync
  const recommender = await Recommender.create({ catalog: new StoreCatalog(store), events: new StoreEvents(store), encoder, cacheDir: config.dataDir, silent: config.quiet });
  const stopRetraining = recommender.scheduleRetraining(15 * 60_000, (err) => log(`[recommender] retraining failed: ${(err as Error).message}`));
  // The admin API (/api/admin, /api/docs) and the sync that brings product changes to recommendations.
  const texts = new Texts(config.locale);
  const adminApi = await mountAdminApi({ sql: store.sql, recommender, encoder, cacheDir: config.dataDir, since: catalogSince, env, texts, ...(config.trackingUrl ? { trackingUrl: config.trackingUrl } : {}), trustedProxies: config.http.trustedProxies, onCatalogChanged: () => void cluster.bus.publish('catalog', {}), log });
  unsync.push(keepInStep(cluster.bus, { recommender, catalog: adminApi.sync, log }));

  const summarizer = createReviewSummarizer({
    encoder,
    sentiment,
    // The chat reads a product's 100 most recent reviews (a first question must be answered within a
    // turn; the insights page reads them all) and says so when there are more.
    source: async (productId) => (await store.reviews.listForProduct(productId, { limit: 100, sort: 'recent' })).items,
    cache: new FileSummaryCache(join(config.dataDir, 'review-summaries')),
    options: { progress: false },
  });
  // The store's language, currency and time zone (SHOPBOT_LOCALE, SHOPBOT_CURRENCY, SHOPBOT_TIMEZONE; docs/i18n.md).
  const web = createWebChat({ store, analyzer: lazyAnalyzer(async () => createReviewAnalyzer({ sentiment })), encoder, texts, helpDir: config.helpDir, log });

  const app = createApp({
    store,
    texts,
    services: {
      nlu: analyzer,
      faq: faqAnswerer(retriever),
      recommender: suggester(recommender),
      reviews: productReviewDigests(store, summarizer),
    },
    answerIndex: answerIndex(retriever),
    tokenSecret: tokenSecret(config),
    ...(config.messenger ? { messenger: config.messenger } : {}),
    botFramework: config.botFramework,
    webIpLimits: config.webLimits,
    supportHours: config.supportHours,
    assignment: config.assignment,
    ...(config.identity.secret ? { identity: { secret: config.identity.secret, maxAgeSeconds: config.identity.maxAgeSeconds } } : {}),
    trustedProxies: config.http.trustedProxies,
    routes: { ...web.routes, ...adminApi.routes },
    ...(config.trackingUrl ? { trackingUrl: config.trackingUrl } : {}),
    // Model workers restart after a crash; operators see how often here.
    health: () => ({
      models: {
        inference: config.encoder.inference,
        chatSentiment: config.encoder.chatSentiment,
        encoderRestarts: modelWorkerOf(encoder)?.restarts ?? 0,
        sentimentRestarts: modelWorkerOf(sentiment)?.restarts ?? 0,
      },
    }),
    metrics,
    metricsToken: config.observability.metricsToken,
    // Ready when one sentence goes through each model (at most every 5 s; starts a crashed worker again).
    readiness: { models: cachedCheck(() => Promise.all([encoder.embed('ready'), sentiment.analyze('ready')])) },
    requestLogs: !opts.log,
    cluster,
    log,
  });
  // Order events from the admin API reach customers through the app's channels (channels/order-updates.ts).
  adminApi.orderUpdates.bind(orderUpdateChannels(store, app));
  // Answers the index learned without a person's approval (older releases) wait for review.
  await app.learned?.migrateLegacy();
  // The demo's shared saved replies (returns, refunds, delivery delay), once per database.
  const replies = await store.canned.seedShared(DEMO_REPLIES);
  if (replies > 0) log(`[start] ${replies} shared saved replies added for the agent console`);
  log(
    config.identity.secret
      ? `[start] signed shopper identity on (ShopBotChat.identify, tokens at most ${config.identity.maxAgeSeconds} s old)`
      : '[start] signed shopper identity off: SHOPBOT_IDENTITY_SECRET is not set, so ShopBotChat.identify is refused and every web chat is a guest (docs/identity.md)',
  );
  await starting.close();
  const address = await app.listen(starting.address.port, host);
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  log(`[start] ShopBot listening on ${url} (demo store ${url}/, agent console ${url}/agent, insights ${url}/insights)`);
  // Messages acknowledged before the last stop whose turn never finished are answered now.
  await app.gateway.resumePending();
  if (config.botFramework.enabled) log(`[start] Bot Framework endpoint ${url}/api/messages (${config.botFramework.appId ? 'authenticated' : 'no authentication: Emulator / local use only'})`);
  else if (config.botFramework.offReason) log(`[start] Bot Framework endpoint /api/messages is off: ${config.botFramework.offReason}`);

  return {
    url,
    config,
    log,
    async close() {
      stopRetraining();
      for (const u of unsync) u();
      await adminApi.close();
      web.close();
      await app.close();
      await cluster.close();
      await retriever.close();
      await sentiment.close();
      await encoder.close();
      await store.close();
    },
  };
}

/** A database URL without its password, for the log. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** The log of a server started without a `log` option: pino JSON lines (or text on a terminal) on stderr. */
function rootLog(config?: Config): LogFn {
  const o = config?.observability;
  const format = !o || o.logFormat === 'auto' ? (process.stderr.isTTY ? 'text' : 'json') : o.logFormat;
  return lineLogger(createLogger({ level: o?.logLevel ?? 'info', format }));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const running = await start().catch((err: unknown) => {
    rootLog()(`[start] ShopBot failed to start: ${(err as Error).message}`, { level: 'fatal' });
    process.exit(1);
  });
  const stop = (signal: NodeJS.Signals) => {
    running.log(`[start] ${signal}: stopping`);
    void running.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // One bad message must never take the server down: log and keep serving.
  process.on('uncaughtException', (err) => running.log(`[process] uncaught: ${err.stack ?? err}`, { level: 'error' }));
  process.on('unhandledRejection', (err) => running.log(`[process] unhandled rejection: ${(err as Error)?.stack ?? err}`, { level: 'error' }));
}
