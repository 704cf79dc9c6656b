import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import type { Namespace, Server, Socket } from 'socket.io';
import { RateLimiter } from '../../core/http.js';
import type { TokenSigner } from '../../core/tokens.js';
import type { Store } from '../../store/index.js';
import type { ChannelOutlet, DeliveredMessage, Gateway, Route } from '../gateway.js';
import { MAX_MESSAGE_CHARS } from '../inbound.js';
import { TEXTS as LINK_TEXTS, type AccountLinker } from '../linking.js';
import { toWireEvents } from './web-protocol.js';

export interface WebChannelOptions {
  gateway: Gateway;
  store: Store;
  signer: TokenSigner;
  tokenTtlSeconds?: number;
  /** Messages per connection per window. */
  rateLimit?: { limit: number; windowMs: number };
  /** The customer is typing (forwarded to the agent during a hand-off). */
  onTyping?: (conversationId: string) => void;
  /** Messenger account linking; absent when Messenger is off (the `link` event is then refused). */
  linker?: AccountLinker;
  log?: (line: string) => void;
}

interface SessionData {
  externalId: string;
  customerId: string;
  conversationId: string;
}

type Ack = (response: Record<string, unknown>) => void;

const room = (conversationId: string) => `conv:${conversationId}`;

function ackOf(cb: unknown): Ack {
  return typeof cb === 'function' ? (cb as Ack) : () => {};
}

/** The customer web chat on the socket.io namespace `/chat`; protocol in web-protocol.ts. */
export function attachWebChannel(io: Server, opts: WebChannelOptions): Namespace {
  const log = opts.log ?? ((l: string) => console.error(l));
  const ttl = opts.tokenTtlSeconds ?? 30 * 24 * 3600;
  const limiter = new RateLimiter(opts.rateLimit?.limit ?? 20, opts.rateLimit?.windowMs ?? 10_000);
  const linkLimiter = new RateLimiter(5, 60_000);
  const nsp = io.of('/chat');

  const outlet: ChannelOutlet = {
    async deliver(_route: Route, conversationId: string, delivered: DeliveredMessage | null, activity: Partial<Activity>) {
      const to = nsp.to(room(conversationId));
      if (delivered) {
        for (const e of toWireEvents(delivered.message)) to.emit(e.event, e.data);
      } else if (activity.type === 'typing') {
        to.emit('typing', { on: true });
      } else if (activity.type === 'event' && activity.name === 'handoff.status') {
        to.emit('handoff', activity.value ?? {});
      } else if (activity.type === 'event' && activity.name === 'read') {
        to.emit('read', activity.value ?? {});
      }
    },
  };
  opts.gateway.addOutlet('web', outlet);

  // A verified token names the web identity; without one (or with an expired one) a new guest starts.
  nsp.use((socket, next) => {
    try {
      const auth = (socket.handshake.auth ?? {}) as { token?: unknown };
      const verified = opts.signer.verify(auth.token);
      const externalId = verified?.sub ?? `web-${randomUUID()}`;
      const customer = opts.gateway.resolveCustomer('web', externalId);
      const conversation = opts.gateway.liveConversation(customer.id, 'web');
      socket.data = { externalId, customerId: customer.id, conversationId: conversation.id } satisfies SessionData;
      next();
    } catch (err) {
      log(`[web] session setup failed: ${(err as Error).message}`);
      next(new Error('session_unavailable'));
    }
  });

  const replay = (socket: Socket, afterSeq: number): number => {
    const { conversationId } = socket.data as SessionData;
    const messages = opts.store.conversations.transcript(conversationId, { limit: 10_000 });
    let n = 0;
    for (const m of messages) {
      if (m.seq <= afterSeq) continue;
      for (const e of toWireEvents(m)) socket.emit(e.event, e.data);
      n++;
    }
    return n;
  };

  const messengerLinked = (customerId: string) => opts.store.customers.identities(customerId).some((i) => i.channel === 'messenger');
  const sessionEvent = (s: SessionData) => ({
    token: opts.signer.sign(s.externalId, ttl),
    customerId: s.customerId,
    conversationId: s.conversationId,
    messenger: opts.linker !== undefined,
    messengerLinked: opts.linker !== undefined && messengerLinked(s.customerId),
  });

  // A Messenger PSID was linked to a customer: every open tab of the conversations involved moves
  // to the one conversation that continues (a new `session` when it changed) and is told.
  opts.linker?.onLinked((e) => {
    const involved = new Set(e.conversationIds);
    for (const socket of nsp.sockets.values()) {
      const s = socket.data as SessionData;
      if (!involved.has(s.conversationId)) continue;
      const moved = s.conversationId !== e.conversationId || s.customerId !== e.customerId;
      if (s.conversationId !== e.conversationId) {
        void socket.leave(room(s.conversationId));
        void socket.join(room(e.conversationId));
      }
      s.conversationId = e.conversationId;
      s.customerId = e.customerId;
      if (moved) socket.emit('session', sessionEvent(s));
      socket.emit('linked', { channel: e.channel, message: LINK_TEXTS.webNotice });
    }
  });

  // Messenger was disconnected (here or on Messenger): the customer's open tabs offer linking again.
  opts.linker?.onUnlinked((e) => {
    for (const socket of nsp.sockets.values()) {
      const s = socket.data as SessionData;
      if (s.customerId !== e.customerId) continue;
      socket.emit('session', sessionEvent(s));
      socket.emit('unlinked', { channel: e.channel, message: LINK_TEXTS.webUnlinked });
    }
  });

  nsp.on('connection', (socket) => {
    const s = socket.data as SessionData;
    void socket.join(room(s.conversationId));
    socket.emit('session', sessionEvent(s));
    const auth = (socket.handshake.auth ?? {}) as { afterSeq?: unknown };
    if (typeof auth.afterSeq === 'number' && Number.isInteger(auth.afterSeq) && auth.afterSeq >= 0) replay(socket, auth.afterSeq);

    socket.on('message', (data: unknown, cb: unknown) => {
      const ack = ackOf(cb);
      try {
        if (!limiter.take(socket.id)) {
          ack({ ok: false, code: 'rate_limited', message: 'You are sending messages too fast; please wait a few seconds.' });
          return;
        }
        const d = (typeof data === 'object' && data !== null ? data : {}) as { text?: unknown; value?: unknown };
        const text = typeof d.text === 'string' ? d.text : undefined;
        const value = typeof d.value === 'string' && d.value.length <= 2000 ? d.value : undefined;
        if ((text === undefined || text.trim() === '') && value === undefined) {
          ack({ ok: false, code: 'empty', message: 'Please type a message.' });
          return;
        }
        if (text !== undefined && text.length > MAX_MESSAGE_CHARS) {
          ack({ ok: false, code: 'too_long', message: `Messages can be at most ${MAX_MESSAGE_CHARS} characters.` });
          return;
        }
        const { seq } = opts.gateway.receive({ channel: 'web', externalId: s.externalId, ...(text !== undefined ? { text } : {}), ...(value !== undefined ? { value } : {}) });
        ack({ ok: true, seq });
      } catch (err) {
        log(`[web] message refused: ${(err as Error).message}`);
        ack({ ok: false, code: 'error', message: 'Sorry, that message could not be processed.' });
      }
    });

    // Typing notices are best effort: at most one per second per connection, no ack needed.
    let lastTyping = 0;
    socket.on('typing', (_data: unknown, cb: unknown) => {
      const now = Date.now();
      if (now - lastTyping >= 1000) {
        lastTyping = now;
        try {
          opts.onTyping?.((socket.data as SessionData).conversationId);
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
        if (!opts.linker) return ack({ ok: false, code: 'unavailable', message: 'Messenger is not available for this shop.' });
        if (!linkLimiter.take(s.externalId)) return ack({ ok: false, code: 'rate_limited', message: 'You did this several times in a row; please wait a minute.' });
        try {
          ack(run(opts.linker));
        } catch (err) {
          log(`[web] ${event} failed: ${(err as Error).message}`);
          ack({ ok: false, code: 'error', message: failure });
        }
      });
    onLinking('link', 'Sorry, a link could not be created right now.', (linker) => {
      const t = linker.issue(s.externalId);
      return { ok: true, url: t.url, code: t.code, expiresAt: t.expiresAt };
    });
    onLinking('unlink', 'Sorry, Messenger could not be disconnected right now. Please try again.', (linker) => {
      const r = linker.unlinkFromWeb(s.externalId);
      return r.ok ? { ok: true, message: r.message } : { ok: false, code: 'not_linked', message: r.message };
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
