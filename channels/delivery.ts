import type { Namespace, Server, Socket } from 'socket.io';
import { RateLimiter } from '../core/http.js';
import type { Agent, Message, Store } from '../store/index.js';
import { DeliveryRepo, MessengerThreadRepo, ReadMarkRepo, type Delivery, type DeliveryStatus } from '../store/receipts.js';
import type { MessengerReceipt } from './messenger.js';
import type { GatewayPort } from './gateway-port.js';

// Delivery status and read receipts (issue #18 items 7 and 8). Every agent message gets a status the
// agent console shows on it: sending, sent (the channel took it), delivered (it reached the
// customer's open chat or device), read ("Seen"), or not delivered with the reason. Read receipts go
// both ways: the customer's widget says `read {seq}` when its chat is actually in view, Messenger
// sends `read.watermark`; the agent's console says `seen {ticketId, seq}` when it shows the
// customer's messages, and the customer's widget then marks them "Seen" (Messenger: mark_seen).
//
// Agent socket events (namespace /agents, with an ack):
//   receipts {ticketId}        -> {ok, deliveries: {seq, status, reason}[], customerRead: seq}
//   seen     {ticketId, seq}   -> {ok, seq}: the agent's console shows the chat up to `seq`
// Server -> agents holding the chat:
//   delivery {conversationId, updates: {seq, status, reason}[]}

/** One message's status as the console gets it. */
export interface StatusUpdate {
  seq: number;
  status: DeliveryStatus;
  reason: string | null;
}

/** What the web channel tells the desk (channels/web.ts). */
export interface WebReceipts {
  /** An agent message was put in the web room; `reachedTab`: a tab of the customer's was in it. */
  agentMessage(message: Message, reachedTab: boolean): Promise<void>;
  /** A tab joined the conversation: what it holds is delivered; returns how far an agent has read. */
  tabOpened(conversationId: string): Promise<{ agentReadSeq: number }>;
  /** The customer's widget showed the conversation up to `seq` (visible, open and focused). */
  customerRead(conversationId: string, seq: number): Promise<void>;
}

export interface DeliveryDeskOptions {
  store: Store;
  /** Routes and the customer's "Seen" receipts; absent (tests): statuses are recorded for any channel. */
  gateway?: Pick<GatewayPort, 'route' | 'sendToConversation'>;
  now?: () => number;
  log?: (line: string) => void;
}

const agentsRoom = (conversationId: string) => `conv:${conversationId}`;
type Ack = (response: Record<string, unknown>) => void;
const ackOf = (cb: unknown): Ack => (typeof cb === 'function' ? (cb as Ack) : () => {});

export class DeliveryDesk implements WebReceipts {
  readonly deliveries: DeliveryRepo;
  readonly marks: ReadMarkRepo;
  readonly threads: MessengerThreadRepo;
  private agents: Namespace | null = null;
  private readonly gw: Pick<GatewayPort, 'route' | 'sendToConversation'> | null;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: DeliveryDeskOptions) {
    const now = opts.now ?? Date.now;
    this.deliveries = new DeliveryRepo(opts.store.sql, now);
    this.marks = new ReadMarkRepo(opts.store.sql, now);
    this.threads = new MessengerThreadRepo(opts.store.sql);
    this.gw = opts.gateway ?? null;
    this.log = opts.log ?? ((l) => console.error(l));
  }

  // ---------- statuses, as the channels report them ----------

  /** An agent message is on its way to `channel` (recipient: the PSID on Messenger). */
  async sending(message: Message, channel: string, recipient: string | null = null): Promise<void> {
    await this.safely('recording a message being sent', async () => this.notify([await this.deliveries.start(message.id, channel, recipient)]));
  }

  async sent(message: Message, opts: { externalId?: string | null; attempts?: number } = {}): Promise<void> {
    await this.safely('recording a sent message', async () => this.notify([await this.deliveries.sent(message.id, opts)]));
  }

  /** Not delivered, with the reason the agent sees on the message. */
  async failed(message: Message, reason: string, attempts = 0): Promise<void> {
    await this.safely('recording a message not delivered', async () => {
      this.log(`[delivery] message ${message.seq} of ${message.conversationId} not delivered: ${reason}`);
      this.notify([await this.deliveries.failed(message.id, reason, attempts)]);
    });
  }

  async agentMessage(message: Message, reachedTab: boolean): Promise<void> {
    await this.safely('recording a web message', async () => {
      // Only where the web chat is the conversation's channel: a Messenger chat shown in an open web
      // tab too has its status from Messenger.
      if (this.gw && (await this.gw.route(message.conversationId))?.channel !== 'web') return;
      await this.deliveries.start(message.id, 'web');
      const sent = await this.deliveries.sent(message.id, { attempts: 1 });
      this.notify([(reachedTab ? await this.deliveries.advance(message.id, 'delivered') : undefined) ?? sent]);
    });
  }

  async tabOpened(conversationId: string): Promise<{ agentReadSeq: number }> {
    let agentReadSeq = 0;
    await this.safely('marking messages delivered to a web tab', async () => {
      const last = await this.lastSeq(conversationId);
      if (last > 0) this.notify(await this.deliveries.upTo(conversationId, last, 'delivered'));
      agentReadSeq = await this.marks.get(conversationId, 'agent');
    });
    return { agentReadSeq };
  }

  async customerRead(conversationId: string, seq: number): Promise<void> {
    await this.safely('recording what the customer read', async () => {
      const upTo = Math.min(Math.trunc(seq), await this.lastSeq(conversationId));
      if (!(upTo > 0)) return;
      await this.marks.mark(conversationId, 'customer', upTo);
      this.notify(await this.deliveries.upTo(conversationId, upTo, 'read'));
    });
  }

  /** Messenger's delivery and read events (webhook). */
  async messengerReceipt(r: MessengerReceipt): Promise<void> {
    await this.safely('taking a Messenger receipt', async () => {
      const changed =
        r.kind === 'read'
          ? await this.deliveries.watermark('messenger', r.psid, r.watermark, 'read')
          : [...(await this.deliveries.deliveredByExternalIds('messenger', r.psid, r.mids)), ...(r.watermark > 0 ? await this.deliveries.watermark('messenger', r.psid, r.watermark, 'delivered') : [])];
      if (r.kind === 'read') {
        const top = new Map<string, number>();
        for (const d of changed) top.set(d.conversationId, Math.max(top.get(d.conversationId) ?? 0, d.seq));
        for (const [conversationId, seq] of top) await this.marks.mark(conversationId, 'customer', seq);
      }
      this.notify(changed);
    });
  }

  // ---------- the agents' side ----------

  /** How far the agent's console has shown the chat; the customer learns it ("Seen", mark_seen). */
  async agentRead(conversationId: string, seq: number): Promise<number> {
    const upTo = Math.min(Math.trunc(seq), await this.lastSeq(conversationId));
    if (!(upTo > 0)) return this.marks.get(conversationId, 'agent');
    if (await this.marks.mark(conversationId, 'agent', upTo)) {
      const route = await this.gw?.route(conversationId);
      if (this.gw && (route?.channel === 'web' || route?.channel === 'messenger')) {
        void this.gw.sendToConversation(conversationId, { type: 'event', name: 'read', value: { seq: upTo } }).catch((err: unknown) => this.log(`[delivery] read receipt to the customer failed: ${(err as Error).message}`));
      }
    }
    return this.marks.get(conversationId, 'agent');
  }

  /** The statuses of a conversation's agent messages, and how far the customer has read. */
  async snapshot(conversationId: string): Promise<{ deliveries: StatusUpdate[]; customerRead: number }> {
    return { deliveries: (await this.deliveries.forConversation(conversationId)).map(toUpdate), customerRead: await this.marks.get(conversationId, 'customer') };
  }

  /** `receipts` and `seen` on the agents' namespace; only for chats the agent holds. */
  attachAgents(io: Server): void {
    const nsp = io.of('/agents');
    this.agents = nsp;
    nsp.on('connection', (socket: Socket) => {
      const agent = (socket.data as { agent?: Agent }).agent;
      if (!agent) return;
      const limiter = new RateLimiter(120, 10_000);
      const on = (event: string, fn: (d: Record<string, unknown>) => Promise<Record<string, unknown>>) =>
        socket.on(event, async (data: unknown, cb: unknown) => {
          const ack = ackOf(cb);
          if (!limiter.take(socket.id)) return ack({ ok: false, error: 'rate limited' });
          try {
            ack({ ok: true, ...(await fn(typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {})) });
          } catch (err) {
            ack({ ok: false, error: (err as Error).message });
          }
        });
      on('receipts', async (d) => this.snapshot(await this.heldBy(agent, d.ticketId)));
      on('seen', async (d) => {
        if (typeof d.seq !== 'number' || !Number.isInteger(d.seq) || d.seq < 0) throw new Error('seq must be a whole number');
        return { seq: await this.agentRead(await this.heldBy(agent, d.ticketId), d.seq) };
      });
    });
  }

  /** The conversation of a chat the agent holds, or an error. */
  private async heldBy(agent: Agent, ticketId: unknown): Promise<string> {
    const t = typeof ticketId === 'number' ? await this.opts.store.tickets.get(ticketId) : undefined;
    if (!t) throw new Error('no such ticket');
    if (t.status !== 'assigned' || t.agentId !== agent.id) throw new Error('this chat is not assigned to you');
    return t.conversationId;
  }

  private async lastSeq(conversationId: string): Promise<number> {
    return (await this.opts.store.conversations.recentMessages(conversationId, 1))[0]?.seq ?? 0;
  }

  /** Tells the agents holding each conversation what changed. */
  private notify(changed: (Delivery | undefined)[]): void {
    const by = new Map<string, StatusUpdate[]>();
    for (const d of changed) {
      if (!d) continue;
      const list = by.get(d.conversationId) ?? [];
      list.push(toUpdate(d));
      by.set(d.conversationId, list);
    }
    for (const [conversationId, updates] of by) this.agents?.to(agentsRoom(conversationId)).emit('delivery', { conversationId, updates });
  }

  /** Receipts never break a chat: a failure is logged, the message itself is unaffected. */
  private async safely(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log(`[delivery] ${what} failed: ${(err as Error).message}`);
    }
  }
}

const toUpdate = (d: Delivery): StatusUpdate => ({ seq: d.seq, status: d.status, reason: d.reason });
