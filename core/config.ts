import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBusinessHours, type BusinessHours } from './business-hours.js';
import { localeSettings, type LocaleSettings } from './i18n.js';

// One typed configuration object, read from environment variables. Every default runs the demo
// store offline: embedded SQLite under data/, the bundled model under models/, no accounts or keys.

export type Device = 'cpu' | 'cuda';
export type Dtype = 'fp32' | 'fp16' | 'q8';

export interface Config {
  /** Project root: models/, fixtures/ and data/ are resolved against it. */
  root: string;
  dataDir: string;
  /** The SQLite file (SHOPBOT_DB in the data folder), used when no DATABASE_URL is set. */
  dbPath: string;
  /** DATABASE_URL: the store on PostgreSQL (postgres://...); null: the embedded SQLite file, `dbPath`. */
  databaseUrl: string | null;
  fixturesDir: string;
  encoder: {
    /** Local folder in Transformers.js layout, or a hub id when remote models are allowed. */
    model: string;
    device: Device;
    dtype: Dtype;
    allowRemote: boolean;
    maxBatch: number;
    maxWaitMs: number;
    /** "worker": models run in worker threads (the server's default); "inline": in the calling thread. */
    inference: 'worker' | 'inline';
    /** ONNX Runtime intra-op threads per model; 0 = its default (worker mode uses 1). */
    threads: number;
    /** Chat message sentiment: "head" on the shared encoder's vector, or the fine-tuned "model" (a second pass). */
    chatSentiment: 'head' | 'model';
  };
  /** Secret of web session tokens (SHOPBOT_SECRET); null: generated once and kept in data/session.key. */
  sessionSecret: string | null;
  /** Messenger, on only when its app secret, verify token and page token are all set; null: off. */
  messenger: MessengerSettings | null;
  /** The shop's tracking page for saved replies' {{order.trackingLink}} (SHOPBOT_TRACKING_URL). */
  trackingUrl: string | null;
  /** The store's help-centre articles (SHOPBOT_HELP_DIR; default fixtures/store/help). */
  helpDir: string;
  /** SHOPBOT_QUIET=1: no progress bars or seeding reports (tests, scripts). */
  quiet: boolean;
  /** Passwords of the demo staff accounts created by seeding (SHOPBOT_AGENT_PASSWORD, SHOPBOT_PRODUCT_PASSWORD); null: the demo defaults. */
  demoStaff: { agentPassword: string | null; productPassword: string | null };
  /** The review/chat sentiment model (SHOPBOT_SENTIMENT_MODEL folder, SHOPBOT_SENTIMENT_DTYPE fp32|q8). */
  sentiment: { model: string; dtype: 'fp32' | 'q8' };
  http: {
    host: string;
    port: number;
    /**
     * Proxies whose X-Forwarded-For is believed (SHOPBOT_TRUSTED_PROXIES: IPs, or "loopback");
     * empty: the socket's own address is the client's.
     */
    trustedProxies: string[];
  };
  /** Per-IP limits of the web chat, besides the per-identity ones. */
  webLimits: { connectionsPerMinute: number; messagesPer10s: number };
  botFramework: BotFrameworkSettings;
  /** When the support team works (SHOPBOT_SUPPORT_HOURS, SHOPBOT_TIMEZONE, SHOPBOT_HOLIDAYS); null: no schedule. */
  supportHours: BusinessHours | null;
  /**
   * The store's default locale, currency and time zone (SHOPBOT_LOCALE, default en-IN; SHOPBOT_CURRENCY,
   * default INR; SHOPBOT_TIMEZONE, default Asia/Kolkata): the customers' texts and formats (docs/i18n.md).
   */
  locale: LocaleSettings;
  /** How waiting chats reach agents (SHOPBOT_ASSIGNMENT, SHOPBOT_MAX_CHATS, SHOPBOT_REPLY_TIMEOUT). */
  assignment: AssignmentConfig;
  /**
   * Signed shopper identity in the web chat (docs/identity.md): the store's secret for HS256 tokens
   * (SHOPBOT_IDENTITY_SECRET, at least 32 bytes; null: identity off) and their maximum age
   * (SHOPBOT_IDENTITY_MAX_AGE seconds, default 600).
   */
  identity: { secret: string | null; maxAgeSeconds: number };
  /**
   * Logs and metrics: SHOPBOT_LOG_LEVEL (default info), SHOPBOT_LOG_FORMAT (json, text, or auto:
   * text on a terminal, JSON otherwise) and SHOPBOT_METRICS_TOKEN (bearer token of /metrics; null: open).
   */
  observability: { logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; logFormat: 'json' | 'text' | 'auto'; metricsToken: string | null };
}

export interface MessengerSettings {
  verifyToken: string;
  appSecret: string;
  pageAccessToken: string;
  graphBase: string;
  /** Page name or id for "Continue on Messenger" m.me links; without it only the typed code works. */
  pageName?: string;
  /** The shop's page with the web chat (SHOPBOT_PUBLIC_URL), named when Messenger users ask for the web. */
  webChatUrl?: string;
  /** Read each user's locale from their profile (MESSENGER_USER_LOCALE=1; needs pages_user_locale). */
  userLocale: boolean;
}

/** The shop's public address (SHOPBOT_PUBLIC_URL), checked. */
function publicUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = env.SHOPBOT_PUBLIC_URL?.trim();
  if (url && !/^https?:\/\/[^\s"<>]{1,300}$/.test(url)) throw new Error(`SHOPBOT_PUBLIC_URL must be the shop's http(s) address, got "${url}"`);
  return url || undefined;
}

/** Messenger is on only when its secrets are configured: no unsigned webhook is ever accepted. */
function messengerSettings(env: NodeJS.ProcessEnv): MessengerSettings | null {
  const { MESSENGER_APP_SECRET: appSecret, MESSENGER_VERIFY_TOKEN: verifyToken, MESSENGER_PAGE_TOKEN: pageAccessToken } = env;
  if (!appSecret || !verifyToken || !pageAccessToken) return null;
  const pageName = env.MESSENGER_PAGE_NAME?.trim();
  if (pageName && !/^[A-Za-z0-9._-]{1,100}$/.test(pageName)) throw new Error(`MESSENGER_PAGE_NAME must be a page name or id (letters, digits, . _ -), got "${pageName}"`);
  const webChatUrl = publicUrl(env);
  return { appSecret, verifyToken, pageAccessToken, graphBase: env.MESSENGER_GRAPH_BASE ?? 'https://graph.facebook.com/v21.0', userLocale: env.MESSENGER_USER_LOCALE === '1', ...(pageName ? { pageName } : {}), ...(webChatUrl ? { webChatUrl } : {}) };
}

export interface AssignmentConfig {
  /**
   * "auto": a waiting chat goes to an online agent with its skill and the fewest open chats,
   * round-robin among equals; "manual": agents accept chats from the queue themselves.
   */
  mode: 'auto' | 'manual';
  /** Open chats an agent may hold at once (an agent's own cap, set by an admin, overrides it). */
  maxChats: number;
  /** A chat its agent has not answered within this goes back to the queue (or to another agent); 0: never. */
  replyTimeoutMs: number;
}

/**
 * The Bot Framework channel (`POST /api/messages`). With no app id, requests are not
 * authenticated (Bot Framework Emulator, local use); with one, every request needs a valid JWT.
 */
export interface BotFrameworkSettings {
  enabled: boolean;
  /** Why the endpoint is off although nobody switched it off (said once at start). */
  offReason?: string;
  appId: string;
  appPassword: string;
  appTenantId: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  /** The shop's address (SHOPBOT_PUBLIC_URL): card links are made absolute against it. */
  publicUrl?: string;
}

// The folder above core/; compiled, that is dist/, and the project (models/, fixtures/) is above it.
const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = basename(HERE) === 'dist' && !existsSync(resolve(HERE, 'package.json')) ? dirname(HERE) : HERE;

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * The Bot Framework endpoint is on by default, but without an app id it is unauthenticated and
 * posts replies to whatever serviceUrl a request names: off by default when the server listens
 * beyond loopback, unless SHOPBOT_BOTFRAMEWORK=1 forces it.
 */
function botFrameworkSwitch(env: NodeJS.ProcessEnv): { enabled: boolean; offReason?: string } {
  const raw = env.SHOPBOT_BOTFRAMEWORK;
  if (raw !== undefined && raw !== '') return { enabled: oneOf('SHOPBOT_BOTFRAMEWORK', raw, ['0', '1'] as const, '1') === '1' };
  const host = env.HOST ?? '127.0.0.1';
  if (env.MicrosoftAppId?.trim() || isLoopback(host)) return { enabled: true };
  return { enabled: false, offReason: `HOST ${host} is not loopback and MicrosoftAppId is not set; set MicrosoftAppId (or SHOPBOT_BOTFRAMEWORK=1 to run it unauthenticated anyway)` };
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
}

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in [${min}, ${max}] (got "${value}")`);
  return n;
}

function databaseUrl(value: string | undefined): string | null {
  if (value === undefined || value.trim() === '') return null;
  if (!/^postgres(?:ql)?:\/\/./i.test(value.trim())) throw new Error('DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/database); unset it to use the embedded SQLite file');
  return value.trim();
}

function identitySecret(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (Buffer.byteLength(value, 'utf8') < 32) throw new Error('SHOPBOT_IDENTITY_SECRET must be at least 32 bytes (e.g. `openssl rand -hex 32`)');
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const root = env.SHOPBOT_ROOT ? resolve(env.SHOPBOT_ROOT) : ROOT;
  const dataDir = resolve(root, env.SHOPBOT_DATA_DIR ?? 'data');
  const device = oneOf('SHOPBOT_DEVICE', env.SHOPBOT_DEVICE, ['cpu', 'cuda'] as const, 'cpu');
  return {
    root,
    dataDir,
    dbPath: resolve(dataDir, env.SHOPBOT_DB ?? 'shop.db'),
    databaseUrl: databaseUrl(env.DATABASE_URL),
    fixturesDir: resolve(root, env.SHOPBOT_FIXTURES ?? 'fixtures'),
    encoder: {
      model: env.SHOPBOT_MODEL ?? resolve(root, 'models/all-MiniLM-L6-v2'),
      device,
      // fp32 by default: measured on 2 cores, int8 saves only ~10% per sentence, and its dynamic
      // activation scales are shared across a batch, so micro-batched results drift (cosine ~0.99).
      dtype: oneOf('SHOPBOT_DTYPE', env.SHOPBOT_DTYPE, ['fp32', 'fp16', 'q8'] as const, 'fp32'),
      allowRemote: env.SHOPBOT_ALLOW_REMOTE_MODELS === '1',
      maxBatch: int('SHOPBOT_MAX_BATCH', env.SHOPBOT_MAX_BATCH, 32, 1, 1024),
      maxWaitMs: int('SHOPBOT_MAX_WAIT_MS', env.SHOPBOT_MAX_WAIT_MS, 2, 0, 1000),
      inference: oneOf('SHOPBOT_INFERENCE', env.SHOPBOT_INFERENCE, ['worker', 'inline'] as const, 'worker'),
      threads: int('SHOPBOT_ONNX_THREADS', env.SHOPBOT_ONNX_THREADS, 0, 0, 256),
      chatSentiment: oneOf('SHOPBOT_CHAT_SENTIMENT', env.SHOPBOT_CHAT_SENTIMENT, ['head', 'model'] as const, 'head'),
    },
    sessionSecret: env.SHOPBOT_SECRET || null,
    messenger: messengerSettings(env),
    trackingUrl: env.SHOPBOT_TRACKING_URL || null,
    helpDir: env.SHOPBOT_HELP_DIR ? resolve(root, env.SHOPBOT_HELP_DIR) : resolve(root, env.SHOPBOT_FIXTURES ?? 'fixtures', 'store', 'help'),
    quiet: env.SHOPBOT_QUIET === '1',
    demoStaff: { agentPassword: env.SHOPBOT_AGENT_PASSWORD || null, productPassword: env.SHOPBOT_PRODUCT_PASSWORD || null },
    sentiment: {
      model: env.SHOPBOT_SENTIMENT_MODEL ? resolve(env.SHOPBOT_SENTIMENT_MODEL) : resolve(root, 'models/sentiment-minilm'),
      dtype: oneOf('SHOPBOT_SENTIMENT_DTYPE', env.SHOPBOT_SENTIMENT_DTYPE || undefined, ['fp32', 'q8'] as const, 'q8'),
    },
    http: {
      host: env.HOST ?? '127.0.0.1',
      port: int('PORT', env.PORT, 3000, 0, 65535),
      trustedProxies: (env.SHOPBOT_TRUSTED_PROXIES ?? '').split(',').map((p) => p.trim()).filter(Boolean),
    },
    locale: localeSettings(env),
    supportHours: env.SHOPBOT_SUPPORT_HOURS
      ? parseBusinessHours(env.SHOPBOT_SUPPORT_HOURS, env.SHOPBOT_TIMEZONE || 'Asia/Kolkata', (env.SHOPBOT_HOLIDAYS ?? '').split(',').map((h) => h.trim()).filter(Boolean))
      : null,
    assignment: {
      mode: oneOf('SHOPBOT_ASSIGNMENT', env.SHOPBOT_ASSIGNMENT, ['auto', 'manual'] as const, 'auto'),
      maxChats: int('SHOPBOT_MAX_CHATS', env.SHOPBOT_MAX_CHATS, 3, 1, 100),
      replyTimeoutMs: int('SHOPBOT_REPLY_TIMEOUT', env.SHOPBOT_REPLY_TIMEOUT, 120, 0, 86_400) * 1000,
    },
    identity: {
      secret: identitySecret(env.SHOPBOT_IDENTITY_SECRET),
      maxAgeSeconds: int('SHOPBOT_IDENTITY_MAX_AGE', env.SHOPBOT_IDENTITY_MAX_AGE, 600, 30, 86_400),
    },
    observability: {
      logLevel: oneOf('SHOPBOT_LOG_LEVEL', env.SHOPBOT_LOG_LEVEL, ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
      logFormat: oneOf('SHOPBOT_LOG_FORMAT', env.SHOPBOT_LOG_FORMAT, ['json', 'text', 'auto'] as const, 'auto'),
      metricsToken: env.SHOPBOT_METRICS_TOKEN || null,
    },
    webLimits: {
      connectionsPerMinute: int('SHOPBOT_WEB_IP_CONNECTIONS', env.SHOPBOT_WEB_IP_CONNECTIONS, 60, 1, 1_000_000),
      messagesPer10s: int('SHOPBOT_WEB_IP_MESSAGES', env.SHOPBOT_WEB_IP_MESSAGES, 60, 1, 1_000_000),
    },
    botFramework: {
      ...botFrameworkSwitch(env),
      appId: env.MicrosoftAppId?.trim() ?? '',
      appPassword: env.MicrosoftAppPassword ?? '',
      appTenantId: env.MicrosoftAppTenantId?.trim() ?? '',
      appType: oneOf('MicrosoftAppType', env.MicrosoftAppType, ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const, 'MultiTenant'),
      ...(publicUrl(env) ? { publicUrl: publicUrl(env)! } : {}),
    },
  };
}
