import { ConversationState } from 'botbuilder';
import type { AddressInfo } from 'node:net';
import type { AssignmentConfig, BotFrameworkSettings } from '../core/config.js';
import { sendJson } from '../core/http.js';
import { defaultTexts, type Texts } from '../core/i18n.js';
import { createMetrics, sendErrorLabel, type Metrics } from '../core/metrics.js';
import { TokenSigner } from '../core/tokens.js';
import { SqliteBotStorage } from '../store/state.js';
import type { Store } from '../store/index.js';
import { ChannelAdapter } from '../channels/channel-adapter.js';
import { attachBotFramework, botFrameworkHandoff } from '../channels/botframework.js';
import { MessengerUserLocales } from '../channels/messenger-locale.js';
import { createMessengerWebhook, GraphSender, messengerNotices, messengerOutlet } from '../channels/messenger.js';
import { attachWebChannel } from '../channels/web.js';
import { IdentityVerifier } from '../channels/web-identity.js';
import { withAbsoluteLinks } from '../channels/card-links.js';
import { CsatService } from '../desk/csat.js';
import { DeliveryDesk } from '../channels/delivery.js';
import { Gateway } from '../channels/gateway.js';
import { healthRoutes, type ReadinessCheck } from './health.js';
import type { InboundMessage } from '../channels/inbound.js';
import { AccountLinker, CustomerUserState } from '../linking/linking.js';
import { HandoffService } from '../desk/handoff.js';
import { disconnectSession, loginRoute, logoutRoute, passwordRoute, requireStaff } from '../desk/staff-auth.js';
import { staffAdminRoutes } from './staff-admin.js';
import { createHttpApp, type HttpApp, type RouteHandler } from './server.js';
import { LearnedAnswers } from '../desk/learned-answers.js';
import type { AnswerIndex, BotServices } from '../bot/services.js';
import { ShopBot } from '../bot/shop-bot.js';
import type { BusinessHours } from '../core/business-hours.js';
import { soloCluster, type Cluster } from '../core/cluster.js';

import type { MessengerSettings } from '../core/config.js';

export type MessengerConfig = MessengerSettings;

export interface AppOptions {
  store: Store;
  services: BotServices;
  /** The FAQ index for answers that a person approved; without it resolved chats teach nothing. */
  answerIndex?: AnswerIndex;
  /** Secret for web session tokens; random per process when absent (sessions then end on restart). */
  tokenSecret?: Buffer;
  messenger?: MessengerConfig;
  /** Bot Framework channel (`POST /api/messages`); off when absent. */
  botFramework?: BotFrameworkSettings;
  queueTimeoutMs?: number;
  /** Auto-assignment, cap of open chats per agent, reply timeout; absent: manual, no cap, no timeout. */
  assignment?: AssignmentConfig;
  webRateLimit?: { limit: number; windowMs: number };
  /** Per-IP limits of the web chat (connections per minute, messages per 10 s). */
  webIpLimits?: { connectionsPerMinute: number; messagesPer10s: number };
  /** Proxies whose X-Forwarded-For is believed for per-IP limits. */
  trustedProxies?: readonly string[];
  /** More fields for the staff-only /api/staff/health (e.g. model workers), computed per request. */
  health?: () => Record<string, unknown>;
  /** The shop's tracking page for saved replies' {{order.trackingLink}}, with {carrier} and {tracking}. */
  trackingUrl?: string;
  /** When the support team works; outside these hours a hand-off says when it is back. */
  supportHours?: BusinessHours | null;
  /** Signed shopper identity in the web chat (SHOPBOT_IDENTITY_SECRET); absent: off. */
  identity?: { secret: string; maxAgeSeconds?: number };
  /** Extra routes (static pages, dashboards). */
  routes?: Record<string, RouteHandler>;
  /** The server's Prometheus registry and series (core/metrics.ts); a fresh one when absent. */
  metrics?: Metrics;
  /** `Authorization: Bearer` token /metrics asks for (SHOPBOT_METRICS_TOKEN); absent: open. */
  metricsToken?: string | null;
  /** More checks of /readyz (e.g. the models answer); the database's is always there. */
  readiness?: Record<string, ReadinessCheck>;
  /** A log line per HTTP request (request id) and per bot turn (conversation id); off by default. */
  requestLogs?: boolean;
  /** The store's locale, currency and time zone with the message catalogues (core/i18n.ts); English (India), INR by default. */
  texts?: Texts;
  /** Log lines, optionally with structured fields (core/logger.ts); components get plain lines. */
  log?: (line: string, fields?: Record<string, unknown>) => void;
  /**
   * Other nodes on the same PostgreSQL store (store/sql/cluster.ts): socket.io's adapter, the turn
   * lock, the bus and the desk's leader. Absent: this process alone (core/cluster.ts soloCluster).
   * The caller opens and closes it.
   */
  cluster?: Cluster;
  /** On a cluster, how often turns owed by a node that stopped are looked for, and how old they must be (default every 3 s, 5 s). */
  owedTurns?: { everyMs: number; olderThanMs: number };
}

export interface App {
  http: HttpApp;
  gateway: Gateway;
  handoff: HandoffService;
  bot: ShopBot;
  adapter: ChannelAdapter;
  learned: LearnedAnswers | undefined;
  csat: CsatService;
  /** Delivery status of agent messages and read receipts both ways. */
  delivery: DeliveryDesk;
  metrics: Metrics;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** Wires store, services, the bot, its channels and the hand-off desk into one HTTP server. */
export function createApp(opts: AppOptions): App {
  const log = opts.log ?? ((l: string) => console.error(l));
  const { store, services } = opts;
  const metrics = opts.metrics ?? createMetrics();
  const texts = opts.texts ?? defaultTexts;
  const probe = (path: string) => path === '/healthz' || path === '/readyz' || path === '/metrics';
  const cluster = opts.cluster ?? soloCluster();
  const http = createHttpApp({
    log,
    ...(cluster.socketAdapter ? { cluster: { adapter: cluster.socketAdapter } } : {}),
    ...(opts.requestLogs ? { onRequest: (r) => log(`[http] ${r.method} ${r.path} ${r.status} ${r.ms} ms`, { level: probe(r.path) ? 'debug' : 'info', requestId: r.id, method: r.method, path: r.path, status: r.status, ms: r.ms }) } : {}),
  });
  const storage = new SqliteBotStorage(store.sql);
  const adapter = new ChannelAdapter();
  adapter.onTurnError = async (ctx, err) => {
    log(`[bot] unhandled turn error: ${(err as Error).stack ?? err}`);
    try {
      await ctx.sendActivity(texts.t(ctx.activity.locale, 'bot:error.unhandled'));
    } catch {
      // The channel itself failed; nothing more to say.
    }
  };
  const conversationState = new ConversationState(storage);
  const userState = new CustomerUserState(storage);

  // Built in order, with no late binding: the gateway takes the turn runner as a callback (the
  // ShopBot is built below, once the desk it hands chats to exists); the desk, CSAT, delivery
  // receipts and linking receive the gateway (as channels/gateway-port.ts) when they are built.
  const gateway = new Gateway(store, adapter, { run: (ctx) => bot.run(ctx) }, {
    log,
    turns: cluster.turns,
    events: {
      received: (channel) => metrics.messagesIn.inc({ channel }),
      sent: (channel, role) => metrics.messagesOut.inc({ channel, role }),
      turn: (t) => {
        metrics.turnSeconds.observe({ channel: t.channel, outcome: t.ok ? 'ok' : 'error' }, t.ms / 1000);
        if (opts.requestLogs) log(`[turn] ${t.channel} turn ${t.ok ? 'answered' : 'failed'} in ${Math.round(t.ms)} ms`, { level: t.ok ? 'info' : 'warn', conversationId: t.conversationId, customerId: t.customerId, channel: t.channel, ms: Math.round(t.ms) });
      },
    },
  });
  const learned = opts.answerIndex ? new LearnedAnswers(store, opts.answerIndex, log) : undefined;
  const csat = new CsatService({ store, gateway, texts, log });
  const handoff = new HandoffService({ store, services, gateway, channelHandoff: botFrameworkHandoff, queueTimeoutMs: opts.queueTimeoutMs ?? 10 * 60_000, ...(learned ? { learned } : {}), csat, ...(opts.trackingUrl ? { trackingUrl: opts.trackingUrl } : {}), ...(opts.assignment ? { assignment: opts.assignment } : {}), texts, cluster, log });
  const bot = new ShopBot(store, services, handoff, conversationState, userState, { log, texts, ...(opts.supportHours ? { supportHours: opts.supportHours } : {}) });
  const delivery = new DeliveryDesk({ store, gateway, log });

  const signer = opts.tokenSecret ? new TokenSigner(opts.tokenSecret) : TokenSigner.random();
  const sender = opts.messenger ? new GraphSender(opts.messenger.graphBase, opts.messenger.pageAccessToken, log, { onSendError: (f) => metrics.messengerSendErrors.inc({ code: sendErrorLabel(f) }) }) : undefined;
  const linker = opts.messenger && sender
    ? new AccountLinker({ store, gateway, signer: signer.derive('messenger-link'), ...(opts.messenger.pageName ? { pageName: opts.messenger.pageName } : {}), ...(opts.messenger.webChatUrl ? { webChatUrl: opts.messenger.webChatUrl } : {}), sendMessenger: (_psid, a) => sender.deliver(a), texts, log })
    : undefined;
  const identity = opts.identity ? new IdentityVerifier(opts.identity.secret, { ...(opts.identity.maxAgeSeconds ? { maxAgeSeconds: opts.identity.maxAgeSeconds } : {}) }) : undefined;
  attachWebChannel(http.io, { gateway, store, signer, log, texts, csat, receipts: delivery, ...(identity ? { identity } : {}), onTyping: (conversationId) => handoff.customerTyping(conversationId), ...(linker ? { linker } : {}), ...(opts.webRateLimit ? { rateLimit: opts.webRateLimit } : {}), ...(opts.webIpLimits ? { ipLimits: opts.webIpLimits } : {}), ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}) });
  handoff.attach(http.io);
  delivery.attachAgents(http.io);
  http.route('/api/agents/login', loginRoute({ store, log }));
  http.route('/api/agents/logout', logoutRoute({ store, log, onRevoked: (token) => void disconnectSession(http.io.of('/agents'), token).catch((err: unknown) => log(`[staff] ending a signed-out session's consoles failed: ${(err as Error).message}`)) }));
  http.route('/api/agents/password', passwordRoute({ store, log }));
  // Agents, teams and VIP customers, for admins (app/staff-admin.ts; the console's Team page).
  const staffAdmin = staffAdminRoutes({ store, settings: handoff.assigner.settings, online: () => handoff.onlineAgentIds(), endSessions: (id) => handoff.disconnectAgent(id), changed: () => handoff.assigner.schedule(), log });
  for (const [path, handler] of Object.entries(staffAdmin)) http.route(path, handler);
  // Public, for load balancers: /healthz (up), /readyz (database answers, models loaded, not
  // stopping) and /metrics (Prometheus, optionally behind a token): app/health.ts.
  let stopping = false;
  // On a cluster, a node cut off from the others (no bus, no turn locks) takes no traffic until it is back.
  const clusterCheck: Record<string, ReadinessCheck> = cluster.shared ? { cluster: () => cluster.connected() } : {};
  const health = healthRoutes({ checks: { serving: () => !stopping, db: () => store.sql.get('SELECT 1 AS one'), ...clusterCheck, ...opts.readiness }, metrics, metricsToken: opts.metricsToken ?? null, log });
  for (const [path, handler] of Object.entries(health)) http.route(path, handler);
  metrics.sources.queueLength ??= async () => (await store.tickets.positions()).length;
  metrics.sources.agentsOnline ??= () => handoff.agentsOnline();
  // SQLite: one connection, used synchronously (the PostgreSQL pool will report its own numbers).
  metrics.sources.dbPool ??= () => ({ total: 1, idle: 1, waiting: 0 });
  // The details, for signed-in staff only.
  http.route('/api/staff/health', async (req, res) => {
    if (!(await requireStaff(store, req, res))) return;
    res.setHeader('cache-control', 'no-store');
    sendJson(res, 200, { ok: true, agentsOnline: handoff.agentsOnline(), ...(opts.health?.() ?? {}) });
  });

  if (opts.messenger && sender && linker) {
    const m = opts.messenger;
    // Meta's windows, retries and agent messages' statuses (channels/messenger.ts, channels/delivery.ts).
    // Product links are store paths: Messenger needs them absolute (SHOPBOT_PUBLIC_URL).
    gateway.addOutlet('messenger', messengerOutlet({ sender, threads: delivery.threads, delivery, prepare: (a) => withAbsoluteLinks(a, m.webChatUrl), log }));
    http.route(
      '/webhooks/messenger',
      createMessengerWebhook({ ...m, log, ...(m.userLocale ? { userLocales: new MessengerUserLocales(m.graphBase, m.pageAccessToken, log) } : {}), receipts: store.receipts, threads: delivery.threads, onReceipt: (r) => delivery.messengerReceipt(r), onUnreadable: messengerNotices({ store, gateway, handoff, texts, log }), onMessage: csatFirst(csat, linker.messengerInbound((msg) => gateway.receive(msg)), log) }),
    );
  }
  if (opts.botFramework?.enabled) attachBotFramework(http, { gateway, store, settings: opts.botFramework, log });
  for (const [path, handler] of Object.entries(opts.routes ?? {})) http.route(path, handler);

  // A node that stops leaves its conversations' turn locks free: the turns it owed are run here.
  const owed = opts.owedTurns ?? { everyMs: 3_000, olderThanMs: 5_000 };
  let sweeping = false;
  const sweep = cluster.shared
    ? setInterval(() => {
        if (sweeping || stopping) return;
        sweeping = true;
        void gateway
          .resumePending({ olderThanMs: owed.olderThanMs })
          .catch((err: unknown) => log(`[gateway] looking for owed turns failed: ${(err as Error).message}`))
          .finally(() => (sweeping = false));
      }, owed.everyMs)
    : null;
  sweep?.unref();

  return {
    http,
    gateway,
    handoff,
    bot,
    adapter,
    learned,
    csat,
    delivery,
    metrics,
    listen: (port, host) => http.listen(port, host),
    async close() {
      stopping = true;
      if (sweep) clearInterval(sweep);
      handoff.close();
      await http.close();
    },
  };
}

/** Messenger messages go to the CSAT survey first (a rating, or the comment after one), then on. */
function csatFirst(csat: CsatService, next: (m: InboundMessage) => Promise<void>, log: (line: string) => void): (m: InboundMessage) => Promise<void> {
  return async (m) => {
    let taken = false;
    try {
      taken = await csat.takeMessenger(m);
    } catch (err) {
      log(`[csat] Messenger answer failed: ${(err as Error).message}`);
    }
    if (!taken) await next(m);
  };
}
