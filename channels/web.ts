import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import type { Namespace, Server, Socket } from 'socket.io';
import { clientIp } from '../core/client-ip.js';
import { RateLimiter } from '../core/http.js';
import { canonicalTag, defaultTexts, type Texts, type Vars } from '../core/i18n.js';
import type { TokenPayload, TokenSigner } from '../core/tokens.js';
import type { Store } from '../store/index.js';
import { CsatError, type CsatService } from '../desk/csat.js';
import type { WebReceipts } from './delivery.js';
import type { ChannelOutlet, DeliveredMessage, Gateway, Route } from './gateway.js';
import { MAX_MESSAGE_CHARS } from './inbound.js';
import type { AccountLinker, LinkedEvent, UnlinkedEvent } from '../linking/linking.js';
import { attachIdentity, isGuest, type IdentityVerifier } from './web-identity.js';
import { WebTokens } from './web-tokens.js';
import { toWireEvents } from './web-protocol.js';

export interface WebChannelOptions {
  gateway: Gateway;
  store: Store;
  signer: TokenSigner;
  tokenTtlSeconds?: number;
  /** Messages per web identity per window. */
  rateLimit?: { limit: number; windowMs: number };
  /** Per client IP: new connections per minute and messages per 10 s (defaults 60 and 60). */
  ipLimits?: { connectionsPerMinute: number; messagesPer10s: number };
  /** Proxies whose X-Forwarded-For is believed (IPs or "loopback"); none by default. */
  trustedProxies?: readonly string[];
  /** The customer is typing (forwarded to the agent during a hand-off). */
  onTyping?: (conversationId: string) => Promise<void> | void;
  /** Messenger account linking; absent when Messenger is off (the `link` event is then refused). */
  linker?: AccountLinker;
  /** Ratings after a resolved hand-off (`csat` events both ways); absent: the `csat` event is refused. */
  csat?: Pick<CsatService, 'pendingFor' | 'answer'>;
  /** Delivery status and read receipts (channels/delivery.ts): `read` events both ways. */
  receipts?: WebReceipts;
  /** Signed shopper identity (SHOPBOT_IDENTITY_SECRET); absent: the `identify` event is refused. */
  identity?: IdentityVerifier;
  /** The store's locale and texts (core/i18n.ts); each connection's own locale comes with its handshake. */
  texts?: Texts;
  log?: (line: string) => void;
}

/**
 * A connection's session. A guest's customer and conversation are created by their first message,
 * not by the connection: bare connections store nothing.
 */
interface SessionData {
  externalId: string;
  customerId: string | null;
  conversationId: string | null;
  /** The token the connection presented, and its payload when valid. */
  token: unknown;
  verified: TokenPayload | null;
  ip: string;
  /** The widget's data-locale (handshake `auth.locale`), a canonical BCP 47 tag; null: the store's default. */
  locale: string | null;
}

type Ack = (response: Record<string, unknown>) => void;

const room = (conversationId: string) => `conv:${conversationId}`;

/** How many web chat tabs show a conversation now, on every node (proactive messages: shown now, or on the next visit). */
export async function openWebTabs(io: Server, conversationId: string): Promise<number> {
  return (await io.of('/chat').in(room(conversationId)).fetchSockets()).length;
}

function ackOf(cb: unknown): Ack {
  return typeof cb === 'function' ? (cb as Ack) : () => {};
}

/** What every part of the web channel shares: the options, the namespace, the limits and the session helpers. */
interface WebChat {
  opts: WebChannelOptions;
  nsp: Namespace;
  log: (line: string) => void;
  texts: Texts;
  /** A text in a connection's locale. */
  tr: (s: SessionData, key: string, vars?: Vars) => string;
  tokens: WebTokens;
  limiter: RateLimiter;
  ipConnections: RateLimiter;
  ipMessages: RateLimiter;
  linkLimiter: RateLimiter;
  identifyLimiter: RateLimiter;
  /** Sends the socket's conversation after `afterSeq`; returns how many messages. */
  replay(socket: Socket, afterSeq: number): Promise<number>;
  /** The `session` event for a connection (a renewed token is kept in it). */
  sessionEvent(s: SessionData): ReturnType<typeof sessionEventOf>;
  /**
   * Every open tab of a web identity joins `conversationId`'s room and gets a session naming it;
   * with `replayAfter`, also the messages after that seq.
   */
  moveTabs(externalId: string, conversationId: string, customerId: string, replayAfter?: number): Promise<void>;
}

/** The customer web chat on the socket.io namespace `/chat`; protocol in web-protocol.ts. */
export function attachWebChannel(io: Server, opts: WebChannelOptions): Namespace {
  const c = webChat(io, opts);
  opts.gateway.addOutlet('web', webOutlet(c));
  c.nsp.use(sessionSetup(c));
  followLinking(c);
  c.nsp.on('connection', (socket) => {
    const s = socket.data as SessionData;
    void greet(c, socket, s).catch((err: unknown) => c.log(`[web] greeting a connection failed: ${(err as Error).message}`));
    onRead(c, socket);
    onMessage(c, socket, s);
    onTyping(c, socket);
    onLinking(c, socket, s);
    onCsat(c, socket, s);
    onIdentify(c, socket, s);
    onReset(c, socket, s);
    onResume(c, socket);
  });
  return c.nsp;
}

function webChat(io: Server, opts: WebChannelOptions): WebChat {
  const texts = opts.texts ?? defaultTexts;
  const ttl = opts.tokenTtlSeconds ?? 30 * 24 * 3600;
  const nsp = io.of('/chat');
  const tokens = new WebTokens(opts.signer, opts.store, { ttlSeconds: ttl });
  const c: WebChat = {
    opts,
    nsp,
    log: opts.log ?? ((l: string) => console.error(l)),
    texts,
    tr: (s, key, vars = {}) => texts.t(s.locale, key, vars),
    tokens,
    limiter: new RateLimiter(opts.rateLimit?.limit ?? 20, opts.rateLimit?.windowMs ?? 10_000),
    // Per IP too: opening more sockets (each a new guest) must not multiply the allowance.
    ipConnections: new RateLimiter(opts.ipLimits?.connectionsPerMinute ?? 60, 60_000),
    ipMessages: new RateLimiter(opts.ipLimits?.messagesPer10s ?? 60, 10_000),
    linkLimiter: new RateLimiter(5, 60_000),
    identifyLimiter: new RateLimiter(20, 60_000),
    async replay(socket, afterSeq) {
      const { conversationId } = socket.data as SessionData;
      if (!conversationId) return 0;
      const messages = await opts.store.conversations.transcript(conversationId, { limit: 10_000 });
      let n = 0;
      for (const m of messages) {
        if (m.seq <= afterSeq) continue;
        for (const e of toWireEvents(m)) socket.emit(e.event, e.data);
        n++;
      }
      return n;
    },
    sessionEvent: (s) => sessionEventOf(opts, texts, tokens, s),
    async moveTabs(externalId, conversationId, customerId, replayAfter) {
      for (const socket of [...nsp.sockets.values()]) {
        const s = socket.data as SessionData;
        if (s.externalId !== externalId) continue;
        const left = s.conversationId;
        s.conversationId = conversationId;
        s.customerId = customerId;
        // Read before joining, so nothing reaches the tab from its new room before its session.
        const session = await c.sessionEvent(s);
        if (left && left !== conversationId) void socket.leave(room(left));
        void socket.join(room(conversationId));
        socket.emit('session', session);
        if (replayAfter !== undefined) await c.replay(socket, replayAfter);
      }
    },
  };
  return c;
}

/** The web outlet: the gateway's messages and events to the conversation's room. */
function webOutlet({ nsp, opts }: WebChat): ChannelOutlet {
  return {
    async deliver(_route: Route, conversationId: string, delivered: DeliveredMessage | null, activity: Partial<Activity>) {
      const to = nsp.to(room(conversationId));
      if (delivered) {
        for (const e of toWireEvents(delivered.message)) to.emit(e.event, e.data);
        // An agent's message reached an open tab of the customer's (delivered), or waits for one (sent).
        // (fetchSockets: the tab may be connected to another node.)
        if (delivered.message.role === 'agent' && opts.receipts) await opts.receipts.agentMessage(delivered.message, (await nsp.in(room(conversationId)).fetchSockets()).length > 0);
      } else if (activity.type === 'typing') {
        to.emit('typing', { on: true });
      } else if (activity.type === 'event' && activity.name === 'handoff.status') {
        to.emit('handoff', activity.value ?? {});
      } else if (activity.type === 'event' && activity.name === 'read') {
        to.emit('read', activity.value ?? {});
      } else if (activity.type === 'event' && activity.name === 'csat.request') {
        to.emit('csat', activity.value ?? {});
      }
    },
  };
}

/**
 * The handshake: a verified, unrevoked token names the web identity; without one a new guest
 * starts. Nothing is written for a guest until they send a message.
 */
function sessionSetup({ opts, log, tokens, ipConnections }: WebChat): (socket: Socket, next: (err?: Error) => void) => void {
  return async (socket, next) => {
    try {
      const ip = clientIp(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], opts.trustedProxies ?? []);
      if (!ipConnections.take(ip)) {
        log(`[web] too many connections from ${ip}`);
        next(new Error('rate_limited'));
        return;
      }
      const auth = (socket.handshake.auth ?? {}) as { token?: unknown; locale?: unknown };
      const verified = await tokens.verify(auth.token);
      const externalId = verified?.sub ?? `web-${randomUUID()}`;
      const customer = verified ? await opts.store.customers.findByIdentity('web', externalId) : undefined;
      const conversation = customer ? await opts.gateway.liveConversation(customer.id, 'web') : undefined;
      socket.data = { externalId, customerId: customer?.id ?? null, conversationId: conversation?.id ?? null, token: auth.token, verified, ip, locale: canonicalTag(auth.locale) } satisfies SessionData;
      next();
    } catch (err) {
      log(`[web] session setup failed: ${(err as Error).message}`);
      next(new Error('session_unavailable'));
    }
  };
}

/** The `session` event: the connection's token (renewed when due), customer, conversation, hand-off and Messenger link. */
async function sessionEventOf(opts: WebChannelOptions, texts: Texts, tokens: WebTokens, s: SessionData) {
  const token = await tokens.tokenFor(s.externalId, s.verified, s.token, s.customerId !== null);
  if (token !== s.token) {
    s.token = token;
    s.verified = await tokens.verify(token);
  }
  const handoff = await handoffOf(opts.store, texts, s.conversationId, s.locale);
  const customer = s.customerId ? await opts.store.customers.get(s.customerId) : undefined;
  const identities = s.customerId !== null && opts.linker !== undefined ? await opts.store.customers.identities(s.customerId) : [];
  return {
    token,
    customerId: s.customerId,
    // The chat belongs to a store customer (a signed identity, or a linked account), not a guest.
    identified: customer !== undefined && !isGuest(customer),
    conversationId: s.conversationId,
    // 'none' | 'pending' | 'agent', as the conversation stores it; `handoffStatus` has the details.
    handoff: handoff.status === 'assigned' ? 'agent' : handoff.status,
    handoffStatus: handoff,
    messenger: opts.linker !== undefined,
    messengerLinked: identities.some((i) => i.channel === 'messenger'),
  };
}

/** The conversation's hand-off as the widget shows it: waiting (with position) or with an agent. */
async function handoffOf(store: Store, texts: Texts, conversationId: string | null, locale: string | null): Promise<Record<string, unknown>> {
  const conversation = conversationId ? await store.conversations.get(conversationId) : undefined;
  if (!conversation || conversation.handoff === 'none') return { status: 'none' };
  const ticket = await store.tickets.openForConversation(conversation.id);
  if (!ticket) return { status: 'none' };
  if (ticket.status === 'assigned') return { status: 'assigned', agentName: (ticket.agentId ? (await store.agents.get(ticket.agentId))?.name : undefined) ?? texts.t(locale, 'desk:anAgent') };
  return { status: 'pending', position: (await store.tickets.position(ticket.id)) ?? 1 };
}

/**
 * Linking events move open tabs: a Messenger PSID linked to a customer moves every open tab of the
 * conversations involved to the one that continues (a new `session` when it changed); Messenger
 * disconnected (here or on Messenger) makes the customer's tabs offer linking again.
 */
function followLinking({ opts, nsp, log, tr, sessionEvent }: WebChat): void {
  const linked = async (e: LinkedEvent): Promise<void> => {
    const involved = new Set(e.conversationIds);
    for (const socket of [...nsp.sockets.values()]) {
      const s = socket.data as SessionData;
      if (!s.conversationId || !involved.has(s.conversationId)) continue;
      const moved = s.conversationId !== e.conversationId || s.customerId !== e.customerId;
      const left = s.conversationId;
      s.conversationId = e.conversationId;
      s.customerId = e.customerId;
      const session = moved ? await sessionEvent(s) : null;
      if (left !== e.conversationId) {
        void socket.leave(room(left));
        void socket.join(room(e.conversationId));
      }
      if (session) socket.emit('session', session);
      socket.emit('linked', { channel: e.channel, message: tr(s, 'linking:webNotice') });
    }
  };
  const unlinked = async (e: UnlinkedEvent): Promise<void> => {
    for (const socket of [...nsp.sockets.values()]) {
      const s = socket.data as SessionData;
      if (s.customerId !== e.customerId) continue;
      socket.emit('session', await sessionEvent(s));
      socket.emit('unlinked', { channel: e.channel, message: tr(s, 'linking:webUnlinked') });
    }
  };
  opts.linker?.onLinked((e) => void linked(e).catch((err: unknown) => log(`[web] moving tabs after linking failed: ${(err as Error).message}`)));
  opts.linker?.onUnlinked((e) => void unlinked(e).catch((err: unknown) => log(`[web] telling tabs of an unlink failed: ${(err as Error).message}`)));
}

/** A new connection: its session, and what is not replayed (hand-off status, a pending rating question, read receipts). */
async function greet({ opts, log, sessionEvent, replay }: WebChat, socket: Socket, s: SessionData): Promise<void> {
  // Read before joining, so nothing reaches the tab from its room before its session.
  const session = await sessionEvent(s);
  if (s.conversationId) void socket.join(room(s.conversationId));
  socket.emit('session', session);
  // A reload or reconnect shows the hand-off as it stands (status events are not replayed).
  if (session.handoffStatus.status !== 'none') socket.emit('handoff', session.handoffStatus);
  // A chat resolved recently and not rated yet: the rating question again (it is not replayed).
  // Read from the store asynchronously; what follows waits for it, so the events keep their order.
  const conversationId = s.conversationId;
  const csat = conversationId && opts.csat ? opts.csat : undefined;
  const question = csat && conversationId
    ? csat.pendingFor(conversationId, s.locale).catch((err: unknown) => {
        log(`[web] rating question failed: ${(err as Error).message}`);
        return null;
      })
    : Promise.resolve(null);
  void question
    .then(async (pending) => {
      if (pending) socket.emit('csat', pending);
      const auth = (socket.handshake.auth ?? {}) as { afterSeq?: unknown };
      if (typeof auth.afterSeq === 'number' && Number.isInteger(auth.afterSeq) && auth.afterSeq >= 0) await replay(socket, auth.afterSeq);
      // This tab now has the chat's messages (delivered), and is told how far an agent has read it.
      if (conversationId && opts.receipts) {
        const { agentReadSeq } = await opts.receipts.tabOpened(conversationId);
        if (agentReadSeq > 0) socket.emit('read', { seq: agentReadSeq });
      }
    })
    .catch((err: unknown) => log(`[web] greeting a connection failed: ${(err as Error).message}`));
}

/** `read`: the customer saw the chat up to `seq` (the widget sends it only while the chat is in view). */
function onRead({ opts }: WebChat, socket: Socket): void {
  let lastRead = { conversationId: '', seq: 0 };
  socket.on('read', async (data: unknown, cb: unknown) => {
    const seq = (data as { seq?: unknown } | null)?.seq;
    const conversationId = (socket.data as SessionData).conversationId;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1 || !conversationId) return ackOf(cb)({ ok: false, code: 'invalid', message: 'read needs the seq of a message.' });
    if (conversationId !== lastRead.conversationId || seq > lastRead.seq) {
      lastRead = { conversationId, seq };
      await opts.receipts?.customerRead(conversationId, seq);
    }
    ackOf(cb)({ ok: true });
  });
}

/** `message`: the customer's text or button value, checked, to the gateway; acknowledged with its seq. */
function onMessage({ opts, log, tr, limiter, ipMessages, moveTabs }: WebChat, socket: Socket, s: SessionData): void {
  socket.on('message', async (data: unknown, cb: unknown) => {
    const ack = ackOf(cb);
    try {
      if (!limiter.take(s.externalId) || !ipMessages.take(s.ip)) {
        ack({ ok: false, code: 'rate_limited', message: tr(s, 'channels:web.tooFast') });
        return;
      }
      const d = (typeof data === 'object' && data !== null ? data : {}) as { text?: unknown; value?: unknown };
      const text = typeof d.text === 'string' ? d.text : undefined;
      const value = typeof d.value === 'string' && d.value.length <= 2000 ? d.value : undefined;
      if ((text === undefined || text.trim() === '') && value === undefined) {
        ack({ ok: false, code: 'empty', message: tr(s, 'channels:web.empty') });
        return;
      }
      if (text !== undefined && text.length > MAX_MESSAGE_CHARS) {
        ack({ ok: false, code: 'too_long', message: tr(s, 'channels:web.tooLong', { max: MAX_MESSAGE_CHARS }) });
        return;
      }
      const { seq, conversationId, customerId } = await opts.gateway.receive({ channel: 'web', externalId: s.externalId, ...(text !== undefined ? { text } : {}), ...(value !== undefined ? { value } : {}), ...(s.locale ? { locale: s.locale } : {}) });
      // The guest's first message created them (or the conversation moved on). The message's echo
      // went to the room before these tabs were in it: they get it again.
      if (s.conversationId !== conversationId) await moveTabs(s.externalId, conversationId, customerId, seq - 1);
      ack({ ok: true, seq });
    } catch (err) {
      log(`[web] message refused: ${(err as Error).message}`);
      ack({ ok: false, code: 'error', message: tr(s, 'channels:web.notProcessed') });
    }
  });
}

/** `typing`: best effort, at most one notice per second per connection, no ack needed. */
function onTyping({ opts, log }: WebChat, socket: Socket): void {
  let lastTyping = 0;
  socket.on('typing', (_data: unknown, cb: unknown) => {
    const now = Date.now();
    if (now - lastTyping >= 1000) {
      lastTyping = now;
      const conversationId = (socket.data as SessionData).conversationId;
      if (conversationId && opts.onTyping) {
        Promise.resolve()
          .then(() => opts.onTyping?.(conversationId))
          .catch((err: unknown) => log(`[web] typing notice failed: ${(err as Error).message}`));
      }
    }
    ackOf(cb)({ ok: true });
  });
}

/** `link` and `unlink`: both need Messenger on, and share one rate limit per web identity. */
function onLinking({ opts, log, tr, linkLimiter, moveTabs }: WebChat, socket: Socket, s: SessionData): void {
  const on = (event: 'link' | 'unlink', failure: string, run: (linker: AccountLinker) => Promise<Record<string, unknown>>) =>
    socket.on(event, async (_data: unknown, cb: unknown) => {
      const ack = ackOf(cb);
      if (!opts.linker) return ack({ ok: false, code: 'unavailable', message: tr(s, 'channels:web.messengerOff') });
      if (!linkLimiter.take(s.externalId)) return ack({ ok: false, code: 'rate_limited', message: tr(s, 'channels:web.again') });
      try {
        ack(await run(opts.linker));
      } catch (err) {
        log(`[web] ${event} failed: ${(err as Error).message}`);
        ack({ ok: false, code: 'error', message: tr(s, failure) });
      }
    });
  on('link', 'channels:web.linkFailed', async (linker) => {
    // Continuing on Messenger before writing anything: the guest exists from now on.
    if (!s.customerId) {
      const customer = await opts.gateway.resolveCustomer('web', s.externalId);
      await moveTabs(s.externalId, (await opts.gateway.liveConversation(customer.id, 'web')).id, customer.id);
    }
    const t = await linker.issue(s.externalId);
    return { ok: true, url: t.url, code: t.code, expiresAt: t.expiresAt };
  });
  on('unlink', 'channels:web.unlinkFailed', async (linker) => {
    const r = await linker.unlinkFromWeb(s.externalId, s.locale);
    return r.ok ? { ok: true, message: r.message } : { ok: false, code: 'not_linked', message: r.message };
  });
}

/** `csat`: the customer rates a resolved chat (1-5) and may add a comment; answering again updates it. */
function onCsat({ opts, log, tr, limiter, ipMessages }: WebChat, socket: Socket, s: SessionData): void {
  socket.on('csat', async (data: unknown, cb: unknown) => {
    const ack = ackOf(cb);
    if (!opts.csat) return ack({ ok: false, code: 'unavailable', message: tr(s, 'channels:web.ratingsOff') });
    if (!limiter.take(s.externalId) || !ipMessages.take(s.ip)) return ack({ ok: false, code: 'rate_limited', message: tr(s, 'channels:web.tooFast') });
    const d = (typeof data === 'object' && data !== null ? data : {}) as { ticketId?: unknown; rating?: unknown; comment?: unknown };
    const conversationId = (socket.data as SessionData).conversationId;
    if (!conversationId) return ack({ ok: false, code: 'not_resolved', message: tr(s, 'channels:web.nothingToRate') });
    if (typeof d.rating !== 'number') return ack({ ok: false, code: 'invalid', message: tr(s, 'channels:web.chooseRating') });
    if (d.comment !== undefined && d.comment !== null && typeof d.comment !== 'string') return ack({ ok: false, code: 'invalid', message: tr(s, 'channels:web.commentIsText') });
    try {
      const r = await opts.csat.answer(conversationId, {
        ...(typeof d.ticketId === 'number' ? { ticketId: d.ticketId } : {}),
        rating: d.rating,
        ...(typeof d.comment === 'string' ? { comment: d.comment } : {}),
        channel: 'web',
      });
      ack({ ok: true, rating: r.rating, comment: r.comment });
    } catch (err) {
      if (err instanceof CsatError) return ack({ ok: false, code: err.code, message: err.code === 'invalid' ? tr(s, 'channels:web.ratingInvalid') : tr(s, err.code === 'too_late' ? 'desk:csat.expired' : 'desk:csat.notResolved') });
      log(`[web] rating refused: ${(err as Error).message}`);
      ack({ ok: false, code: 'error', message: tr(s, 'channels:web.ratingFailed') });
    }
  });
}

/**
 * `identify`: signed shopper identity (web-identity.ts, docs/identity.md): a verified token attaches
 * this browser's chat to the store's customer; anything else is refused and changes nothing.
 */
function onIdentify({ opts, nsp, log, tr, tokens, identifyLimiter, moveTabs }: WebChat, socket: Socket, s: SessionData): void {
  socket.on('identify', (data: unknown, cb: unknown) => {
    const ack = ackOf(cb);
    const identity = opts.identity;
    if (!identity) return ack({ ok: false, code: 'identity_off', message: tr(s, 'channels:identity.off') });
    if (!identifyLimiter.take(s.externalId) || !identifyLimiter.take(`ip:${s.ip}`)) return ack({ ok: false, code: 'rate_limited', message: tr(s, 'channels:web.again') });
    const token = typeof data === 'object' && data !== null ? (data as { token?: unknown }).token : undefined;
    identity
      .verify(token)
      .then(async (r) => {
        if (!r.ok) {
          log(`[web] identity refused (${r.code}) from ${s.ip}: ${r.reason}`);
          return ack({ ok: false, code: r.code, message: tr(s, r.code === 'identity_expired' ? 'channels:identity.expired' : r.code === 'identity_off' ? 'channels:identity.off' : 'channels:identity.invalid') });
        }
        const previous = s.externalId;
        const a = await attachIdentity(opts.store, previous, r.identity, () => `web-${randomUUID()}`);
        if (a.how !== 'already') {
          // Tokens issued before signing in stop working: only this browser's tabs, which get a
          // fresh one now, continue as the customer.
          await tokens.revokeAll(previous);
          const fresh = await tokens.issue(a.externalId);
          const verified = await tokens.verify(fresh);
          for (const other of nsp.sockets.values()) {
            const t = other.data as SessionData;
            if (t.externalId !== previous) continue;
            t.externalId = a.externalId;
            t.token = fresh;
            t.verified = verified;
          }
        }
        await moveTabs(a.externalId, a.conversationId, a.customerId);
        log(`[web] identity: customer ${a.customerId} ${a.created ? 'created and ' : ''}${a.how === 'already' ? 'already attached' : a.how === 'merged_guest' ? 'attached, guest chat merged' : a.how === 'switched' ? 'attached on a new web identity (the browser was another customer\'s)' : 'attached'}`);
        ack({ ok: true, customerId: a.customerId });
      })
      .catch((err: unknown) => {
        log(`[web] identify failed: ${(err as Error).message}`);
        ack({ ok: false, code: 'error', message: tr(s, 'channels:web.identifyFailed') });
      });
  });
}

/**
 * `reset`: the shopper logged out of the store (ShopBotChat.reset()): this browser's tokens stop
 * working, its other tabs are told to start afresh, and the next connection is a new guest.
 */
function onReset({ nsp, log, tr, tokens }: WebChat, socket: Socket, s: SessionData): void {
  socket.on('reset', async (_data: unknown, cb: unknown) => {
    const ack = ackOf(cb);
    try {
      if (s.customerId) await tokens.revokeAll(s.externalId);
      for (const other of nsp.sockets.values()) {
        if (other.id === socket.id || (other.data as SessionData).externalId !== s.externalId) continue;
        other.emit('reset', {});
        other.disconnect(true);
      }
      ack({ ok: true });
    } catch (err) {
      log(`[web] reset failed: ${(err as Error).message}`);
      ack({ ok: false, code: 'error', message: tr(s, 'channels:web.resetFailed') });
    }
    setImmediate(() => socket.disconnect(true));
  });
}

/** `resume`: the messages after `afterSeq` again (a reconnect that missed some). */
function onResume({ replay }: WebChat, socket: Socket): void {
  socket.on('resume', async (data: unknown, cb: unknown) => {
    const after = (data as { afterSeq?: unknown } | null)?.afterSeq;
    const afterSeq = typeof after === 'number' && Number.isInteger(after) && after >= 0 ? after : 0;
    try {
      ackOf(cb)({ ok: true, messages: await replay(socket, afterSeq) });
    } catch (err) {
      ackOf(cb)({ ok: false, code: 'error', message: (err as Error).message });
    }
  });
}
