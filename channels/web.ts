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
import type { AccountLinker } from '../linking/linking.js';
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
  onTyping?: (conversationId: string) => void;
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

/** How many web chat tabs show a conversation now (proactive messages: shown now, or on the next visit). */
export function openWebTabs(io: Server, conversationId: string): number {
  return io.of('/chat').adapter.rooms.get(room(conversationId))?.size ?? 0;
}

function ackOf(cb: unknown): Ack {
  return typeof cb === 'function' ? (cb as Ack) : () => {};
}

/** The customer web chat on the socket.io namespace `/chat`; protocol in web-protocol.ts. */
export function attachWebChannel(io: Server, opts: WebChannelOptions): Namespace {
  const log = opts.log ?? ((l: string) => console.error(l));
  const texts = opts.texts ?? defaultTexts;
  /** A text in a connection's locale. */
  const tr = (s: SessionData, key: string, vars: Vars = {}) => texts.t(s.locale, key, vars);
  const ttl = opts.tokenTtlSeconds ?? 30 * 24 * 3600;
  const limiter = new RateLimiter(opts.rateLimit?.limit ?? 20, opts.rateLimit?.windowMs ?? 10_000);
  // Per IP too: opening more sockets (each a new guest) must not multiply the allowance.
  const ipConnections = new RateLimiter(opts.ipLimits?.connectionsPerMinute ?? 60, 60_000);
  const ipMessages = new RateLimiter(opts.ipLimits?.messagesPer10s ?? 60, 10_000);
  const linkLimiter = new RateLimiter(5, 60_000);
  const identifyLimiter = new RateLimiter(20, 60_000);
  const tokens = new WebTokens(opts.signer, opts.store, { ttlSeconds: ttl });
  const nsp = io.of('/chat');

  const outlet: ChannelOutlet = {
    async deliver(_route: Route, conversationId: string, delivered: DeliveredMessage | null, activity: Partial<Activity>) {
      const to = nsp.to(room(conversationId));
      if (delivered) {
        for (const e of toWireEvents(delivered.message)) to.emit(e.event, e.data);
        // An agent's message reached an open tab of the customer's (delivered), or waits for one (sent).
        if (delivered.message.role === 'agent') opts.receipts?.agentMessage(delivered.message, (nsp.adapter.rooms.get(room(conversationId))?.size ?? 0) > 0);
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
  opts.gateway.addOutlet('web', outlet);

  // A verified, unrevoked token names the web identity; without one a new guest starts. Nothing is
  // written for a guest until they send a message.
  nsp.use((socket, next) => {
    try {
      const ip = clientIp(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], opts.trustedProxies ?? []);
      if (!ipConnections.take(ip)) {
        log(`[web] too many connections from ${ip}`);
        next(new Error('rate_limited'));
        return;
      }
      const auth = (socket.handshake.auth ?? {}) as { token?: unknown; locale?: unknown };
      const verified = tokens.verify(auth.token);
      const externalId = verified?.sub ?? `web-${randomUUID()}`;
      const customer = verified ? opts.store.customers.findByIdentity('web', externalId) : undefined;
      const conversation = customer ? opts.gateway.liveConversation(customer.id, 'web') : undefined;
      socket.data = { externalId, customerId: customer?.id ?? null, conversationId: conversation?.id ?? null, token: auth.token, verified, ip, locale: canonicalTag(auth.locale) } satisfies SessionData;
      next();
    } catch (err) {
      log(`[web] session setup failed: ${(err as Error).message}`);
      next(new Error('session_unavailable'));
    }
  });

  const replay = (socket: Socket, afterSeq: number): number => {
    const { conversationId } = socket.data as SessionData;
    if (!conversationId) return 0;
    const messages = opts.store.conversations.transcript(conversationId, { limit: 10_000 });
    let n = 0;
    for (const m of messages) {
      if (m.seq <= afterSeq) continue;
      for (const e of toWireEvents(m)) socket.emit(e.event, e.data);
      n++;
    }
    return n;
  };

  const messengerLinked = (customerId: string | null) => customerId !== null && opts.store.customers.identities(customerId).some((i) => i.channel === 'messenger');
  /** The conversation's hand-off as the widget shows it: waiting (with position) or with an agent. */
  const handoffOf = (conversationId: string | null, locale: string | null): Record<string, unknown> => {
    const conversation = conversationId ? opts.store.conversations.get(conversationId) : undefined;
    if (!conversation || conversation.handoff === 'none') return { status: 'none' };
    const ticket = opts.store.tickets.openForConversation(conversation.id);
    if (!ticket) return { status: 'none' };
    if (ticket.status === 'assigned') return { status: 'assigned', agentName: (ticket.agentId ? opts.store.agents.get(ticket.agentId)?.name : undefined) ?? texts.t(locale, 'desk:anAgent') };
    return { status: 'pending', position: opts.store.tickets.position(ticket.id) ?? 1 };
  };
  const sessionEvent = (s: SessionData) => {
    const token = tokens.tokenFor(s.externalId, s.verified, s.token, s.customerId !== null);
    if (token !== s.token) {
      s.token = token;
      s.verified = tokens.verify(token);
    }
    const handoff = handoffOf(s.conversationId, s.locale);
    const customer = s.customerId ? opts.store.customers.get(s.customerId) : undefined;
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
      messengerLinked: opts.linker !== undefined && messengerLinked(s.customerId),
    };
  };

  /**
   * Every open tab of a web identity joins `conversationId`'s room and gets a session naming it;
   * with `replayAfter`, also the messages after that seq.
   */
  const moveTabs = (externalId: string, conversationId: string, customerId: string, replayAfter?: number): void => {
    for (const socket of nsp.sockets.values()) {
      const s = socket.data as SessionData;
      if (s.externalId !== externalId) continue;
      if (s.conversationId && s.conversationId !== conversationId) void socket.leave(room(s.conversationId));
      s.conversationId = conversationId;
      s.customerId = customerId;
      void socket.join(room(conversationId));
      socket.emit('session', sessionEvent(s));
      if (replayAfter !== undefined) replay(socket, replayAfter);
    }
  };

  // A Messenger PSID was linked to a customer: every open tab of the conversations involved moves
  // to the one conversation that continues (a new `session` when it changed) and is told.
  opts.linker?.onLinked((e) => {
    const involved = new Set(e.conversationIds);
    for (const socket of nsp.sockets.values()) {
      const s = socket.data as SessionData;
      if (!s.conversationId || !involved.has(s.conversationId)) continue;
      const moved = s.conversationId !== e.conversationId || s.customerId !== e.customerId;
      if (s.conversationId !== e.conversationId) {
        void socket.leave(room(s.conversationId));
        void socket.join(room(e.conversationId));
      }
      s.conversationId = e.conversationId;
      s.customerId = e.customerId;
      if (moved) socket.emit('session', sessionEvent(s));
      socket.emit('linked', { channel: e.channel, message: tr(s, 'linking:webNotice') });
    }
  });

  // Messenger was disconnected (here or on Messenger): the customer's open tabs offer linking again.
  opts.linker?.onUnlinked((e) => {
    for (const socket of nsp.sockets.values()) {
      const s = socket.data as SessionData;
      if (s.customerId !== e.customerId) continue;
      socket.emit('session', sessionEvent(s));
      socket.emit('unlinked', { channel: e.channel, message: tr(s, 'linking:webUnlinked') });
    }
  });

  nsp.on('connection', (socket) => {
    const s = socket.data as SessionData;
    if (s.conversationId) void socket.join(room(s.conversationId));
    const session = sessionEvent(s);
    socket.emit('session', session);
    // A reload or reconnect shows the hand-off as it stands (status events are not replayed).
    if (session.handoffStatus.status !== 'none') socket.emit('handoff', session.handoffStatus);
    // A chat resolved recently and not rated yet: the rating question again (it is not replayed).
    if (s.conversationId && opts.csat) {
      try {
        const pending = opts.csat.pendingFor(s.conversationId, s.locale);
        if (pending) socket.emit('csat', pending);
      } catch (err) {
        log(`[web] rating question failed: ${(err as Error).message}`);
      }
    }
    const auth = (socket.handshake.auth ?? {}) as { afterSeq?: unknown };
    if (typeof auth.afterSeq === 'number' && Number.isInteger(auth.afterSeq) && auth.afterSeq >= 0) replay(socket, auth.afterSeq);
    // This tab now has the chat's messages (delivered), and is told how far an agent has read it.
    if (s.conversationId && opts.receipts) {
      const { agentReadSeq } = opts.receipts.tabOpened(s.conversationId);
      if (agentReadSeq > 0) socket.emit('read', { seq: agentReadSeq });
    }
    // The customer saw the chat up to `seq` (the widget sends it only while the chat is in view).
    let lastRead = { conversationId: '', seq: 0 };
    socket.on('read', (data: unknown, cb: unknown) => {
      const seq = (data as { seq?: unknown } | null)?.seq;
      const conversationId = (socket.data as SessionData).conversationId;
      if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1 || !conversationId) return ackOf(cb)({ ok: false, code: 'invalid', message: 'read needs the seq of a message.' });
      if (conversationId !== lastRead.conversationId || seq > lastRead.seq) {
        lastRead = { conversationId, seq };
        opts.receipts?.customerRead(conversationId, seq);
      }
      ackOf(cb)({ ok: true });
    });

    socket.on('message', (data: unknown, cb: unknown) => {
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
        const { seq, conversationId, customerId } = opts.gateway.receive({ channel: 'web', externalId: s.externalId, ...(text !== undefined ? { text } : {}), ...(value !== undefined ? { value } : {}), ...(s.locale ? { locale: s.locale } : {}) });
        // The guest's first message created them (or the conversation moved on). The message's echo
        // went to the room before these tabs were in it: they get it again.
        if (s.conversationId !== conversationId) moveTabs(s.externalId, conversationId, customerId, seq - 1);
        ack({ ok: true, seq });
      } catch (err) {
        log(`[web] message refused: ${(err as Error).message}`);
        ack({ ok: false, code: 'error', message: tr(s, 'channels:web.notProcessed') });
      }
    });

    // Typing notices are best effort: at most one per second per connection, no ack needed.
    let lastTyping = 0;
    socket.on('typing', (_data: unknown, cb: unknown) => {
      const now = Date.now();
      if (now - lastTyping >= 1000) {
        lastTyping = now;
        try {
          const conversationId = (socket.data as SessionData).conversationId;
          if (conversationId) opts.onTyping?.(conversationId);
        } catch (err) {
          log(`[web] typing notice failed: ${(err as Error).message}`);
        }
      }
      ackOf(cb)({ ok: true });
    });

    // Linking and unlinking: both need Messenger on, and share one rate limit per web identity.
    const onLinking = (event: 'link' | 'unlink', failure: string, run: (linker: AccountLinker) => Record<string, unknown>) =>
      socket.on(event, (_data: unknown, cb: unknown) => {
        const ack = ackOf(cb);
        if (!opts.linker) return ack({ ok: false, code: 'unavailable', message: tr(s, 'channels:web.messengerOff') });
        if (!linkLimiter.take(s.externalId)) return ack({ ok: false, code: 'rate_limited', message: tr(s, 'channels:web.again') });
        try {
          ack(run(opts.linker));
        } catch (err) {
          log(`[web] ${event} failed: ${(err as Error).message}`);
          ack({ ok: false, code: 'error', message: tr(s, failure) });
        }
      });
    onLinking('link', 'channels:web.linkFailed', (linker) => {
      // Continuing on Messenger before writing anything: the guest exists from now on.
      if (!s.customerId) {
        const customer = opts.gateway.resolveCustomer('web', s.externalId);
        moveTabs(s.externalId, opts.gateway.liveConversation(customer.id, 'web').id, customer.id);
      }
      const t = linker.issue(s.externalId);
      return { ok: true, url: t.url, code: t.code, expiresAt: t.expiresAt };
    });
    onLinking('unlink', 'channels:web.unlinkFailed', (linker) => {
      const r = linker.unlinkFromWeb(s.externalId, s.locale);
      return r.ok ? { ok: true, message: r.message } : { ok: false, code: 'not_linked', message: r.message };
    });

    // The customer rates a resolved chat (1-5) and may add a comment; answering again updates it.
    socket.on('csat', (data: unknown, cb: unknown) => {
      const ack = ackOf(cb);
      if (!opts.csat) return ack({ ok: false, code: 'unavailable', message: tr(s, 'channels:web.ratingsOff') });
      if (!limiter.take(s.externalId) || !ipMessages.take(s.ip)) return ack({ ok: false, code: 'rate_limited', message: tr(s, 'channels:web.tooFast') });
      const d = (typeof data === 'object' && data !== null ? data : {}) as { ticketId?: unknown; rating?: unknown; comment?: unknown };
      const conversationId = (socket.data as SessionData).conversationId;
      if (!conversationId) return ack({ ok: false, code: 'not_resolved', message: tr(s, 'channels:web.nothingToRate') });
      if (typeof d.rating !== 'number') return ack({ ok: false, code: 'invalid', message: tr(s, 'channels:web.chooseRating') });
      if (d.comment !== undefined && d.comment !== null && typeof d.comment !== 'string') return ack({ ok: false, code: 'invalid', message: tr(s, 'channels:web.commentIsText') });
      try {
        const r = opts.csat.answer(conversationId, {
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

    // Signed shopper identity (web-identity.ts, docs/identity.md): a verified token attaches this
    // browser's chat to the store's customer; anything else is refused and changes nothing.
    socket.on('identify', (data: unknown, cb: unknown) => {
      const ack = ackOf(cb);
      const identity = opts.identity;
      if (!identity) return ack({ ok: false, code: 'identity_off', message: tr(s, 'channels:identity.off') });
      if (!identifyLimiter.take(s.externalId) || !identifyLimiter.take(`ip:${s.ip}`)) return ack({ ok: false, code: 'rate_limited', message: tr(s, 'channels:web.again') });
      const token = typeof data === 'object' && data !== null ? (data as { token?: unknown }).token : undefined;
      identity
        .verify(token)
        .then((r) => {
          if (!r.ok) {
            log(`[web] identity refused (${r.code}) from ${s.ip}: ${r.reason}`);
            return ack({ ok: false, code: r.code, message: tr(s, r.code === 'identity_expired' ? 'channels:identity.expired' : r.code === 'identity_off' ? 'channels:identity.off' : 'channels:identity.invalid') });
          }
          const previous = s.externalId;
          const a = attachIdentity(opts.store, previous, r.identity, () => `web-${randomUUID()}`);
          if (a.how !== 'already') {
            // Tokens issued before signing in stop working: only this browser's tabs, which get a
            // fresh one now, continue as the customer.
            tokens.revokeAll(previous);
            const fresh = tokens.issue(a.externalId);
            for (const other of nsp.sockets.values()) {
              const t = other.data as SessionData;
              if (t.externalId !== previous) continue;
              t.externalId = a.externalId;
              t.token = fresh;
              t.verified = tokens.verify(fresh);
            }
          }
          moveTabs(a.externalId, a.conversationId, a.customerId);
          log(`[web] identity: customer ${a.customerId} ${a.created ? 'created and ' : ''}${a.how === 'already' ? 'already attached' : a.how === 'merged_guest' ? 'attached, guest chat merged' : a.how === 'switched' ? 'attached on a new web identity (the browser was another customer\'s)' : 'attached'}`);
          ack({ ok: true, customerId: a.customerId });
        })
        .catch((err: unknown) => {
          log(`[web] identify failed: ${(err as Error).message}`);
          ack({ ok: false, code: 'error', message: tr(s, 'channels:web.identifyFailed') });
        });
    });

    // The shopper logged out of the store (ShopBotChat.reset()): this browser's tokens stop
    // working, its other tabs are told to start afresh, and the next connection is a new guest.
    socket.on('reset', (_data: unknown, cb: unknown) => {
      const ack = ackOf(cb);
      try {
        if (s.customerId) tokens.revokeAll(s.externalId);
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

    socket.on('resume', (data: unknown, cb: unknown) => {
      const after = (data as { afterSeq?: unknown } | null)?.afterSeq;
      const afterSeq = typeof after === 'number' && Number.isInteger(after) && after >= 0 ? after : 0;
      try {
        ackOf(cb)({ ok: true, messages: replay(socket, afterSeq) });
      } catch (err) {
        ackOf(cb)({ ok: false, code: 'error', message: (err as Error).message });
      }
    });
  });
  return nsp;
}
