import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Namespace, Socket } from 'socket.io';
import { HttpError, RateLimiter, readRawBody, sendJson } from '../core/http.js';
import { DEFAULT_LOCKOUT, hashToken, type LockoutPolicy, type StaffAccount } from '../store/agents.js';
import { isStoreError, STAFF_ROLES, type Agent, type StaffRole, type Store } from '../store/index.js';
import type { RouteHandler } from '../core/http.js';

// Staff sign-in for the agent console and the insights pages:
//   POST /api/agents/login    {email, password} (application/json only) -> {token, expiresAt, agent}
//   POST /api/agents/logout   Authorization: Bearer <token>            -> {ok: true}
//   POST /api/agents/password {currentPassword, newPassword} + bearer    -> {ok: true, agent}
// Tokens are the AgentRepo's server sessions (only their hash is stored). An account with an initial
// or reset password (agent.mustChangePassword) gets a session that can only change the password or
// sign out: every other route and the /agents namespace refuse it. Guessing is held back twice:
// per client address (the socket's, never X-Forwarded-For, which anyone can write) and per e-mail
// (store/agents.ts lockout, kept in the database, the same for e-mails without an account).

/** Roles that take chats on the `/agents` namespace; the product team only reads insights. */
export const CHAT_ROLES: readonly StaffRole[] = ['agent', 'admin'];

export interface StaffAuthOptions {
  store: Store;
  log?: (line: string) => void;
  /** Login attempts per client address and window (default 10 a minute). */
  ipLimit?: { limit: number; windowMs: number };
  lockout?: LockoutPolicy;
}

export interface LogoutOptions {
  store: Store;
  log?: (line: string) => void;
  /** Called after a session was revoked (e.g. to disconnect its sockets). */
  onRevoked?: (token: string, agent: Agent) => void;
}

const MAX_EMAIL = 254;
const MAX_PASSWORD = 200;

/** True when the request says its body is JSON (`application/json`, parameters allowed). */
export function isJsonRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (typeof type !== 'string') return false;
  return type.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]{1,512})[ \t]*$/i.exec(h);
  return m ? m[1]! : null;
}

/** The staff account behind the request's bearer token when it has one of `roles`, else null. */
export async function staffFromRequest(store: Store, req: IncomingMessage, roles: readonly StaffRole[] = STAFF_ROLES): Promise<Agent | null> {
  const token = bearerToken(req);
  const agent = token ? await store.agents.verifySession(token) : null;
  return agent && roles.includes(agent.role) ? agent : null;
}

/**
 * Like staffFromRequest, but answers the request itself when there is no such account: 401 without
 * a live session token, 403 for a signed-in account whose role is not one of `roles`.
 */
export async function requireStaff(store: Store, req: IncomingMessage, res: ServerResponse, roles: readonly StaffRole[] = STAFF_ROLES): Promise<StaffAccount | null> {
  const token = bearerToken(req);
  const agent = token ? await store.agents.sessionAccount(token) : null;
  if (!agent) {
    res.setHeader('www-authenticate', 'Bearer');
    res.setHeader('cache-control', 'no-store');
    sendJson(res, 401, { error: 'sign in first' });
    return null;
  }
  if (agent.mustChangePassword) {
    res.setHeader('cache-control', 'no-store');
    sendJson(res, 403, { error: 'change your password first', mustChangePassword: true });
    return null;
  }
  if (!roles.includes(agent.role)) {
    res.setHeader('cache-control', 'no-store');
    sendJson(res, 403, { error: 'your account may not use this' });
    return null;
  }
  return agent;
}

function tooMany(res: ServerResponse, seconds: number, error: string): void {
  res.setHeader('retry-after', String(seconds));
  sendJson(res, 429, { error, retryAfter: seconds });
}

/** The sign-in routes' settings with their defaults, and the per-address limiter. */
function guarded(opts: StaffAuthOptions) {
  const ipLimit = opts.ipLimit ?? { limit: 10, windowMs: 60_000 };
  return {
    store: opts.store,
    log: opts.log ?? ((l: string) => console.error(l)),
    ipLimit,
    limiter: new RateLimiter(ipLimit.limit, ipLimit.windowMs),
    lockout: opts.lockout ?? DEFAULT_LOCKOUT,
  };
}

/**
 * The JSON body of a sign-in post from an address within its limit; undefined once the reply is
 * sent: 415 for anything but JSON (a web page can make visitors' browsers post forms or text/plain
 * without asking; JSON needs a CORS preflight this server never grants), 429 past the address's
 * limit, 400 (413 when too large) with `expected` for a body that is not JSON.
 */
async function jsonBody<T>(req: IncomingMessage, res: ServerResponse, g: ReturnType<typeof guarded>, expected: string): Promise<T | undefined> {
  if (!isJsonRequest(req)) {
    req.resume();
    sendJson(res, 415, { error: 'send JSON (Content-Type: application/json)' });
    return undefined;
  }
  if (!g.limiter.take(req.socket.remoteAddress ?? 'unknown')) {
    req.resume();
    tooMany(res, Math.ceil(g.ipLimit.windowMs / 1000), 'too many attempts from your address; wait a minute');
    return undefined;
  }
  try {
    return JSON.parse((await readRawBody(req, 4096)).toString('utf8')) as T;
  } catch (err) {
    sendJson(res, err instanceof HttpError ? err.status : 400, { error: expected });
    return undefined;
  }
}

/** POST /api/agents/login {email, password} -> {token, expiresAt, agent: {id, name, skills, role}}. */
export function loginRoute(opts: StaffAuthOptions): RouteHandler {
  const g = guarded(opts);
  const { store, log, lockout } = g;
  let lastPurge = 0;
  return async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    const body = await jsonBody<{ email?: unknown; password?: unknown }>(req, res, g, 'expected JSON {email, password}');
    if (body === undefined) return;
    const email = typeof body?.email === 'string' ? body.email.trim() : '';
    if (!email || email.length > MAX_EMAIL || typeof body.password !== 'string' || body.password.length > MAX_PASSWORD) {
      return sendJson(res, 400, { error: 'expected JSON {email, password}' });
    }
    const now = Date.now();
    if (now - lastPurge > 60 * 60_000) {
      lastPurge = now;
      await store.agents.purgeLoginFailures(lockout);
    }
    const charge = await store.agents.chargeLoginAttempt(email, lockout);
    if (!charge.allowed) {
      const seconds = Math.max(1, Math.ceil(charge.retryAfterMs / 1000));
      log(`[agents] login for ${email.slice(0, 100)} refused: locked for ${seconds} s`);
      return tooMany(res, seconds, `too many failed attempts; try again in ${seconds} s`);
    }
    const agent = await store.agents.verifyPassword(email, body.password);
    if (!agent) {
      log(`[agents] failed login for ${email.slice(0, 100)} (${charge.failures} in a row)`);
      return sendJson(res, 401, { error: 'wrong e-mail or password' });
    }
    await store.agents.clearLoginFailures(email);
    const session = await store.agents.createSession(agent.id);
    sendJson(res, 200, { token: session.token, expiresAt: session.expiresAt, agent: { id: agent.id, name: agent.name, skills: agent.skills, role: agent.role, mustChangePassword: agent.mustChangePassword } });
  };
}

/**
 * POST /api/agents/password {currentPassword, newPassword} with the bearer token: the person changes
 * their own password (the only thing a must-change session may do besides signing out). Wrong
 * current passwords count toward the account's lockout like failed sign-ins. The session stays;
 * the account's other sessions end (`onChanged` runs, e.g. to close their sockets).
 */
export function passwordRoute(opts: StaffAuthOptions & { onChanged?: (agent: Agent, keepToken: string) => void }): RouteHandler {
  const g = guarded(opts);
  const { store, log, lockout } = g;
  return async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    const token = bearerToken(req);
    const account = token ? await store.agents.sessionAccount(token) : null;
    if (!token || !account) {
      req.resume();
      res.setHeader('www-authenticate', 'Bearer');
      return sendJson(res, 401, { error: 'sign in first' });
    }
    const body = await jsonBody<{ currentPassword?: unknown; newPassword?: unknown }>(req, res, g, 'expected JSON {currentPassword, newPassword}');
    if (body === undefined) return;
    if (typeof body?.currentPassword !== 'string' || typeof body.newPassword !== 'string' || body.currentPassword.length > MAX_PASSWORD || body.newPassword.length > MAX_PASSWORD) {
      return sendJson(res, 400, { error: 'expected JSON {currentPassword, newPassword}' });
    }
    const charge = await store.agents.chargeLoginAttempt(account.email, lockout);
    if (!charge.allowed) {
      const seconds = Math.max(1, Math.ceil(charge.retryAfterMs / 1000));
      return tooMany(res, seconds, `too many failed attempts; try again in ${seconds} s`);
    }
    try {
      const agent = await store.agents.changePassword(account.id, body.currentPassword, body.newPassword, token);
      await store.agents.clearLoginFailures(account.email);
      log(`[agents] ${agent.email} changed their password`);
      opts.onChanged?.(agent, token);
      sendJson(res, 200, { ok: true, agent: { id: agent.id, name: agent.name, skills: agent.skills, role: agent.role, mustChangePassword: false } });
    } catch (err) {
      if (!isStoreError(err, 'invalid_input')) throw err;
      // Only a wrong current password counts as a failed attempt.
      if (!/current password/.test(err.message)) await store.agents.clearLoginFailures(account.email);
      sendJson(res, 400, { error: err.message });
    }
  };
}

/** POST /api/agents/logout with the bearer token: the server session ends (and `onRevoked` runs). */
export function logoutRoute(opts: LogoutOptions): RouteHandler {
  const { store } = opts;
  const log = opts.log ?? ((l: string) => console.error(l));
  return async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    req.resume();
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    const token = bearerToken(req);
    // A session that must change its password may still sign out.
    const agent = token ? await store.agents.sessionAccount(token) : null;
    if (!token || !agent) {
      res.setHeader('www-authenticate', 'Bearer');
      return sendJson(res, 401, { error: 'not signed in' });
    }
    await store.agents.revokeSession(token);
    log(`[agents] ${agent.email} signed out`);
    opts.onRevoked?.(token, agent);
    sendJson(res, 200, { ok: true });
  };
}

interface StaffSocketData {
  agent: Agent;
  sessionHash: string;
}

const socketToken = (socket: Socket): string | null => {
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' && token.length > 0 && token.length <= 512 ? token : null;
};

/**
 * socket.io middleware for a staff namespace: only a live session of one of `roles` gets in
 * (`connect_error` "unauthorized" or "forbidden"); the socket's data holds the agent.
 */
export function staffSocketAuth(store: Store, opts: { roles?: readonly StaffRole[]; log?: (line: string) => void } = {}) {
  const roles = opts.roles ?? CHAT_ROLES;
  const log = opts.log ?? ((l: string) => console.error(l));
  return async (socket: Socket, next: (err?: Error) => void): Promise<void> => {
    const token = socketToken(socket);
    const agent = token ? await store.agents.sessionAccount(token) : null;
    if (!token || !agent) {
      log('[agents] refused a socket without a valid session');
      next(new Error('unauthorized'));
      return;
    }
    if (agent.mustChangePassword) {
      log(`[agents] refused a socket of ${agent.email}: the password must be changed first`);
      next(new Error('password_change_required'));
      return;
    }
    if (!roles.includes(agent.role)) {
      log(`[agents] refused a socket of ${agent.email}: role ${agent.role} does not take chats`);
      next(new Error('forbidden'));
      return;
    }
    socket.data = { agent, sessionHash: hashToken(token) } satisfies StaffSocketData;
    next();
  };
}

/**
 * Every event of a connected staff socket re-checks its session: once it was revoked or has expired
 * the socket hears `session_ended` and is disconnected, and the event is not handled.
 */
export function guardStaffSocket(store: Store, socket: Socket): void {
  // One packet after another, so the socket's events are handled in the order they came.
  let checked: Promise<void> = Promise.resolve();
  socket.use((_packet, next) => {
    checked = checked.then(async () => {
      const token = socketToken(socket);
      let live: boolean;
      try {
        live = token !== null && (await store.agents.verifySession(token)) !== null;
      } catch (err) {
        return next(err as Error);
      }
      if (live) return next();
      socket.emit('session_ended', { reason: 'signed out or expired' });
      socket.disconnect(true);
    });
  });
}

/**
 * Disconnects the namespace's sockets that signed in with `token`, on every node (socket.io's adapter
 * finds them); returns how many.
 */
export async function disconnectSession(nsp: Namespace, token: string): Promise<number> {
  const hash = hashToken(token);
  let n = 0;
  for (const socket of await nsp.fetchSockets()) {
    if ((socket.data as Partial<StaffSocketData> | undefined)?.sessionHash !== hash) continue;
    socket.emit('session_ended', { reason: 'signed out' });
    socket.disconnect(true);
    n++;
  }
  return n;
}
