import type { Activity } from 'botbuilder';
import type { Namespace, Server, Socket } from 'socket.io';
import type { AssignmentConfig } from '../core/config.js';
import { soloCluster, type Cluster, type ClusterMessages } from '../core/cluster.js';
import { defaultTexts, type Texts, type Vars } from '../core/i18n.js';
import { RateLimiter } from '../core/http.js';
import type { StaffAccount } from '../store/agents.js';
import type { Agent, Message, Store, Ticket } from '../store/index.js';
import type { QueueEntry } from '../store/tickets.js';
import { cannedReplyEvents, RAW_PLACEHOLDER, unfilledMarker, type FillContext } from './canned.js';
import { productCard } from '../bot/cards.js';
import { AutoAssigner, MANUAL, priorityOf } from './assignment.js';
import { csatEvents, type CsatService } from './csat.js';
import type { GatewayPort, Route } from '../channels/gateway-port.js';
import type { BotServices } from '../bot/services.js';
import type { HandoffDesk, HandoffOutcome, HandoffRequest } from '../bot/shop-bot.js';
import { CHAT_ROLES, guardStaffSocket, loginRoute as staffLoginRoute, staffSocketAuth } from './staff-auth.js';
import { learnedAnswerEvents, type LearnedAnswers } from './learned-answers.js';
import { chatMoodNow, summarizeChat } from './summary.js';

export interface HandoffOptions {
  store: Store;
  services: BotServices;
  /** The customers' conversations: their routes and locales, and where the desk's messages go. */
  gateway: Pick<GatewayPort, 'route' | 'locale' | 'sendToConversation' | 'whenIdle'>;
  /**
   * A channel's own hand-off event for a conversation on it (Bot Framework's `handoff.initiate`, so an
   * external agent hub could take the chat), sent to the customer's conversation when it is handed
   * off; null on other channels. Absent: none.
   */
  channelHandoff?: (route: Route, context: Record<string, unknown>, transcript: readonly Message[]) => Partial<Activity> | null;
  /** A pending ticket nobody accepts within this time goes back to the bot. */
  queueTimeoutMs?: number;
  /** Review of answers learned from resolved chats; without it nothing is learned. */
  learned?: LearnedAnswers;
  /** Customer satisfaction: asked when an agent resolves a chat; without it nobody is asked. */
  csat?: CsatService;
  /** The shop's tracking page for saved replies' {{order.trackingLink}} (see desk/canned.ts). */
  trackingUrl?: string;
  /** Auto-assignment, cap of open chats, reply timeout (desk/assignment.ts); absent: manual, no cap, no timeout. */
  assignment?: AssignmentConfig;
  /** The store's locale and texts (core/i18n.ts): what customers are told is worded in their conversation's locale. */
  texts?: Texts;
  /**
   * Other nodes serving the same store (core/cluster.ts): agents' presence is read across nodes, queue
   * changes are told to them, and only the leader runs the sweeps and tells waiting customers their
   * position. Absent: this process alone.
   */
  cluster?: Pick<Cluster, 'shared' | 'bus' | 'leader'>;
  log?: (line: string) => void;
}

type Ack = (response: Record<string, unknown>) => void;
const ackOf = (cb: unknown): Ack => (typeof cb === 'function' ? (cb as Ack) : () => {});
const convRoom = (id: string) => `conv:${id}`;
/** Every console socket of one agent. */
const agentRoom = (id: string) => `agent:${id}`;

/** A waiting customer's row in the agents' queue changes at most this often (their messages are coalesced). */
const ROW_FLUSH_MS = 250;
/** Queue membership and positions (agents' queue_add / queue_remove, customers' positions) go out at most this often. */
const QUEUE_FLUSH_MS = 500;

/** The transcript line an agent sees: text plus what the bot understood of it. */
function agentView(m: Message) {
  return { seq: m.seq, role: m.role, text: m.text, ts: m.createdAt, intent: m.intent, confidence: m.confidence, sentiment: m.sentiment, sentimentScore: m.sentimentScore, payload: m.payload };
}

/**
 * Hand-off between the bot and human agents: the ticket queue (routing by skill, queue positions,
 * time-outs, offline notice), Bot Framework hand-off events, and the `/agents` socket.io namespace
 * where authenticated agents accept, talk, resolve and return chats.
 */
export class HandoffService implements HandoffDesk {
  private nsp: Namespace | null = null;
  private readonly log: (line: string) => void;
  private readonly timer: NodeJS.Timeout;
  private readonly lapseTimer: NodeJS.Timeout | null = null;
  /** Who gets waiting chats, and chats their agent did not answer in time (desk/assignment.ts). */
  readonly assigner: AutoAssigner;
  // Incremental queue updates (see queueChanged / rowChanged): what agents and customers were last told.
  /** Pending tickets the agents' queue lists: ticket id -> position. */
  private readonly listed = new Map<number, number>();
  /** The position each waiting customer was last told: ticket id -> position. */
  private readonly told = new Map<number, number>();
  private queueTimer: NodeJS.Timeout | null = null;
  private lastQueueFlush = 0;
  /** Conversations whose queue row changed since the last row flush. */
  private readonly dirtyRows = new Set<string>();
  private rowTimer: NodeJS.Timeout | null = null;
  private lastRowFlush = 0;
  private readonly cluster: Pick<Cluster, 'shared' | 'bus' | 'leader'>;
  /** On a cluster: the agents' consoles on every node, as last read (refreshPresence). */
  private presence = { sockets: 0, ids: new Set<string>() };
  private presenceAsked = 0;
  private presenceRead = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly opts: HandoffOptions) {
    this.log = opts.log ?? ((l) => console.error(l));
    this.cluster = opts.cluster ?? soloCluster();
    this.timer = setInterval(() => void this.expire(), 5_000);
    this.timer.unref();
    const settings = opts.assignment ?? MANUAL;
    const { bus, leader } = this.cluster;
    this.assigner = new AutoAssigner(opts.store, settings, {
      online: async () => [...(this.cluster.shared ? await this.refreshPresence() : this.onlineAgentIds())],
      assigned: (t, agent) => this.assigned(t, agent),
      lapsed: (t, agent) => this.lapsed(t, agent),
      // Rounds run on the leader only (one round-robin, no two nodes assigning at once); others ask it.
      leads: () => leader.isLeader(),
      toLeader: () => void bus.publish('assign', {}),
      log: this.log,
    });
    if (settings.replyTimeoutMs > 0) {
      // Checked a few times per timeout (at most every 5 s), so a chat goes back soon after its time.
      this.lapseTimer = setInterval(() => void (leader.isLeader() ? this.assigner.lapse() : undefined), Math.min(5_000, Math.max(200, settings.replyTimeoutMs / 4)));
      this.lapseTimer.unref();
    }
    this.unsubscribe.push(
      bus.subscribe('queue', (m) => {
        if (m.told) this.told.set(m.told[0], m.told[1]);
        this.queueChanged(false);
      }),
      bus.subscribe('queue.row', (m) => this.rowChanged(m.conversationId, false)),
      bus.subscribe('presence', () => void this.refreshPresence()),
      bus.subscribe('assign', () => this.assigner.schedule()),
      bus.onResync(() => {
        this.queueChanged(false);
        void this.refreshPresence();
      }),
    );
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    clearInterval(this.timer);
    if (this.lapseTimer) clearInterval(this.lapseTimer);
    if (this.queueTimer) clearTimeout(this.queueTimer);
    if (this.rowTimer) clearTimeout(this.rowTimer);
    this.queueTimer = this.rowTimer = null;
  }

  private get gateway(): HandoffOptions['gateway'] {
    return this.opts.gateway;
  }

  private get store(): Store {
    return this.opts.store;
  }

  /** A text of the desk catalogue in the conversation's language. */
  private async say(conversationId: string, key: string, vars: Vars = {}): Promise<string> {
    return (this.opts.texts ?? defaultTexts).t(await this.localeOf(conversationId), `desk:${key}`, vars);
  }

  /** The conversation's locale (kept by the gateway with its route); undefined: the store's default. */
  private async localeOf(conversationId: string): Promise<string | undefined> {
    // Stand-in gateways of tests may not keep locales.
    return typeof this.gateway.locale === 'function' ? await this.gateway.locale(conversationId) : undefined;
  }

  /** Agents' consoles connected (on a cluster: on every node, as last read). */
  agentsOnline(): number {
    if (this.cluster.shared) return this.presence.sockets;
    return this.localConsoles();
  }

  /** Ids of the agents with a console connected (on a cluster: on any node, as last read). */
  onlineAgentIds(): Set<string> {
    if (this.cluster.shared) return new Set(this.presence.ids);
    return new Set(this.nsp ? [...this.nsp.sockets.values()].map((s) => (s.data as { agent: Agent }).agent.id) : []);
  }

  /** Consoles connected to this node. */
  private localConsoles(): number {
    return this.nsp ? this.nsp.sockets.size : 0;
  }

  /**
   * Reads the consoles on every node (socket.io's adapter asks them) into `presence`; keeps the last
   * reading when a node does not answer in time (one that just died, until the adapter drops it).
   */
  async refreshPresence(): Promise<Set<string>> {
    if (!this.nsp) return this.presence.ids;
    const seq = ++this.presenceAsked;
    try {
      const sockets = await this.nsp.timeout(2_000).fetchSockets();
      // Readings overlap: one asked for earlier and answered later is older news.
      if (seq < this.presenceRead) return this.presence.ids;
      this.presenceRead = seq;
      this.presence = { sockets: sockets.length, ids: new Set(sockets.map((s) => (s.data as { agent: Agent }).agent.id)) };
    } catch (err) {
      this.log(`[handoff] agents' presence could not be read from every node: ${(err as Error).message}`);
    }
    return this.presence.ids;
  }

  /** An agent console connected or left here: every node reads the presence again. */
  private presenceChanged(): void {
    if (!this.cluster.shared) return;
    void this.refreshPresence();
    void this.cluster.bus.publish('presence', {});
  }

  async request(req: HandoffRequest): Promise<HandoffOutcome> {
    // Read before the open-ticket check, so the check and the ticket's creation stay one step.
    const vip = await this.store.vip.isVip(req.customerId);
    const transcript = await this.store.conversations.transcript(req.conversationId, { limit: 200 });
    const existing = await this.store.tickets.openForConversation(req.conversationId);
    // Upset customers and VIPs first (desk/assignment.ts): the bot's priority, raised for a customer
    // the console shows as upset (chatMoodNow: an angry message, then "agent please", is still upset),
    // plus the VIP bonus.
    const mood = chatMoodNow(req.reason, transcript.filter((m) => m.role === 'customer').map((m) => m.sentiment));
    const priority = priorityOf(req.priority, { vip, upset: mood === 'upset' });
    const ticket = existing ?? await this.store.tickets.create({ conversationId: req.conversationId, customerId: req.customerId, reason: req.reason, skill: req.skill, priority });
    // A new chat goes to an agent once the turn that asked for one has said its piece.
    if (!existing && this.assigner.settings.mode === 'auto') void this.gateway.whenIdle(req.customerId).then(() => this.assigner.schedule());
    // Bot Framework hand-off event, so an external agent hub could take the chat instead.
    this.emitAgents('handoff.initiate', { ticketId: ticket.id, conversationId: req.conversationId, skill: req.skill, reason: req.reason, transcript: transcript.map(agentView) });
    const route = this.opts.channelHandoff ? await this.gateway.route(req.conversationId) : undefined;
    const initiate = route ? this.opts.channelHandoff?.(route, { ticketId: ticket.id, skill: req.skill, reason: req.reason, priority: ticket.priority }, transcript) : null;
    if (initiate) {
      await this.gateway.sendToConversation(req.conversationId, initiate).catch((err: unknown) => this.log(`[handoff] handoff.initiate failed: ${(err as Error).message}`));
    }
    this.queueChanged(false);
    if (this.agentsOnline() === 0) {
      this.tellQueue({});
      return { status: 'offline' };
    }
    const position = await this.store.tickets.position(ticket.id);
    // The bot tells the customer this position itself; the next queue flush (the leader's) need not repeat it.
    if (position !== null) this.told.set(ticket.id, position);
    this.tellQueue(position !== null ? { told: [ticket.id, position] } : {});
    // An honest estimate: how long the last day's waiting customers actually waited (median).
    const typical = await this.store.tickets.medianPickupMs();
    return { status: 'pending', position: position ?? 1, ...(typical !== null ? { typicalWaitMs: typical } : {}) };
  }

  async cancel(conversationId: string): Promise<void> {
    const t = await this.store.tickets.openForConversation(conversationId);
    if (t && t.status === 'pending') await this.store.tickets.returnToBot(t.id, 'customer left the queue');
    this.queueChanged();
  }

  /**
   * A customer in a hand-off conversation wrote. O(1) whatever the queue length: the agent holding
   * the chat gets the message; if it is waiting in the queue, only its own row is refreshed for the
   * agents (coalesced). Nobody's position changes, so the other waiting customers hear nothing.
   */
  async customerWrote(conversationId: string): Promise<void> {
    // On a cluster the agent who has the chat may be connected to another node: the store says.
    const withAgent = this.cluster.shared ? (await this.store.conversations.get(conversationId))?.handoff === 'agent' : this.nsp?.adapter.rooms.has(convRoom(conversationId));
    if (withAgent && this.nsp) {
      // An agent has the chat: it is not in the queue.
      const last = (await this.store.conversations.recentMessages(conversationId, 1))[0];
      if (last) this.nsp.to(convRoom(conversationId)).emit('customer_message', { conversationId, message: agentView(last) });
      return;
    }
    this.rowChanged(conversationId);
  }

  /** The customer is typing: the agent who has the chat sees an indicator. */
  async customerTyping(conversationId: string): Promise<void> {
    if ((await this.store.conversations.get(conversationId))?.handoff !== 'agent') return;
    this.nsp?.to(convRoom(conversationId)).emit('customer_typing', { conversationId });
  }

  /** The whole queue as a connecting agent gets it (`queue` event): one query. */
  private async queueSnapshot() {
    return (await this.store.tickets.queueEntries({ limit: 200 })).map((e) => this.queueItem(e));
  }

  /**
   * Tickets joined or left the queue (request, cancel, accept, expiry). Coalesced: at most one
   * flush per QUEUE_FLUSH_MS, which reads all positions with one query and sends only differences.
   */
  private queueChanged(tell = true): void {
    if (tell) this.tellQueue({});
    if (this.queueTimer) return;
    this.queueTimer = setTimeout(() => void this.flushQueue(), Math.max(0, this.lastQueueFlush + QUEUE_FLUSH_MS - Date.now()));
    this.queueTimer.unref();
  }

  /** The other nodes' agents hear of a queue change from their own node. */
  private tellQueue(message: ClusterMessages['queue']): void {
    if (this.cluster.shared) void this.cluster.bus.publish('queue', message);
  }

  /** Agents get `queue_add` / `queue_remove` for tickets that joined or left; customers whose position moved get it. */
  private async flushQueue(): Promise<void> {
    this.queueTimer = null;
    this.lastQueueFlush = Date.now();
    try {
      const positions = await this.store.tickets.positions();
      const now = new Map(positions.map((p) => [p.id, p.position]));
      // Each node tells the consoles connected to it (`listed` is what they were told).
      const online = this.nsp !== null && this.localConsoles() > 0;
      for (const id of this.listed.keys()) {
        if (now.has(id)) continue;
        this.listed.delete(id);
        this.told.delete(id);
        if (online) this.nsp!.local.emit('queue_remove', { ticketId: id });
      }
      const added = positions.filter((p) => !this.listed.has(p.id)).map((p) => p.id);
      for (const [id, position] of now) this.listed.set(id, position);
      if (online && added.length > 0) {
        for (const e of await this.store.tickets.queueEntriesFor(added)) this.nsp!.local.emit('queue_add', this.queueItem({ ...e, position: now.get(e.id) ?? null }));
      }
      // Waiting customers hear their position from one node: the leader.
      if (!this.cluster.leader.isLeader()) return;
      for (const p of positions) {
        if (this.told.get(p.id) === p.position) continue;
        this.told.set(p.id, p.position);
        void this.gateway
          .sendToConversation(p.conversationId, { type: 'event', name: 'handoff.status', value: { status: 'pending', position: p.position } })
          .catch(() => {});
      }
    } catch (err) {
      this.log(`[handoff] queue update failed: ${(err as Error).message}`);
    }
  }

  /** A waiting customer's row changed (they wrote): queued for the next row flush, at most one per ROW_FLUSH_MS. */
  private rowChanged(conversationId: string, tell = true): void {
    if (tell && this.cluster.shared) void this.cluster.bus.publish('queue.row', { conversationId });
    if (this.localConsoles() === 0) return; // agents who connect later get the snapshot
    this.dirtyRows.add(conversationId);
    if (this.rowTimer) return;
    this.rowTimer = setTimeout(() => void this.flushRows(), Math.max(0, this.lastRowFlush + ROW_FLUSH_MS - Date.now()));
    this.rowTimer.unref();
  }

  /** One `queue_update` (that ticket's row, one query) per changed queued conversation the agents already list. */
  private async flushRows(): Promise<void> {
    this.rowTimer = null;
    this.lastRowFlush = Date.now();
    const conversations = [...this.dirtyRows];
    this.dirtyRows.clear();
    if (!this.nsp || this.localConsoles() === 0) return;
    try {
      for (const conversationId of conversations) {
        // The row shows a customer who got upset while waiting; the order (priority) was set when the chat joined.
        const e = await this.store.tickets.queueEntryForConversation(conversationId);
        // Not listed yet: its queue_add (from the pending queue flush) carries the latest row.
        if (e && this.listed.has(e.id)) this.nsp.local.emit('queue_update', this.queueItem({ ...e, position: this.listed.get(e.id) ?? null }));
      }
    } catch (err) {
      this.log(`[handoff] queue row update failed: ${(err as Error).message}`);
    }
  }

  /** A queue row as the agent console shows it; built from data already read (no queries). */
  private queueItem(e: QueueEntry) {
    const mood = chatMoodNow(e.reason, e.recentSentiments);
    return {
      ticketId: e.id,
      conversationId: e.conversationId,
      customerName: e.customerName ?? 'Guest',
      skill: e.skill,
      reason: e.reason,
      priority: e.priority,
      // Why it is ahead: shown as labels in the console.
      vip: e.vip,
      upset: mood === 'upset',
      mood,
      createdAt: e.createdAt,
      position: e.position,
      waitMs: e.waitMs,
      sentiment: e.lastMessage?.sentiment ?? null,
      lastMessage: e.lastMessage?.text.slice(0, 140) ?? '',
      // Why they want a person (the message that led to the hand-off), not only their latest "hello?".
      request: e.request?.text.slice(0, 140) ?? '',
    };
  }

  private emitAgents(event: string, data: unknown): void {
    this.nsp?.emit(event, data);
  }

  private async expire(): Promise<void> {
    // Also reconciles every few seconds with tickets changed outside this service (one positions query).
    // Every node's consoles are kept right; the leader alone expires tickets and assigns.
    this.queueChanged(false);
    if (this.cluster.shared) void this.refreshPresence();
    if (!this.cluster.leader.isLeader()) return;
    this.assigner.schedule();
    try {
      for (const t of await this.store.tickets.expirePending(this.opts.queueTimeoutMs ?? 10 * 60_000)) {
        void this.say(t.conversationId, 'timeout')
          .then((text) => this.gateway.sendToConversation(t.conversationId, { type: 'message', text }))
          .then(() => this.gateway.sendToConversation(t.conversationId, { type: 'event', name: 'handoff.status', value: { status: 'timeout' } }))
          .catch(() => {});
      }
    } catch (err) {
      this.log(`[handoff] expiring tickets failed: ${(err as Error).message}`);
    }
  }

  /** Everything an agent needs when opening a chat. */
  async conversationView(conversationId: string, ticket: Ticket) {
    const conversation = await this.store.conversations.get(conversationId);
    const transcript = await this.store.conversations.transcript(conversationId, { limit: 500 });
    const customer = conversation?.customerId ? await this.store.customers.get(conversation.customerId) : undefined;
    const orders = customer ? await this.store.orders.listForCustomer(customer.id, { limit: 10 }) : [];
    // The question to suggest an answer for: not the request for a person itself.
    const lastQuestion = [...transcript].reverse().find((m) => m.role === 'customer' && m.text.trim().length > 0 && m.intent !== 'contact_human_agent' && !/\b(human|person|agent|someone)\b/i.test(m.text));
    let suggestions: { text: string; score: number; sources: string[]; from?: string }[] = [];
    if (lastQuestion) {
      try {
        const a = await this.opts.services.faq.answer(lastQuestion.text, { ...(lastQuestion.intent ? { intent: lastQuestion.intent } : {}), facts: { ...(customer?.name ? { name: customer.name } : {}), ...(orders[0] ? { orderNumber: orders[0].id } : {}) } });
        // The same knowledge the bot answers from, and only what it would answer with itself: no
        // suggestion below the retriever's calibrated confidence.
        if (a.answer && a.confident) suggestions = [{ text: a.answer, score: a.score, sources: a.sources, from: a.source?.kind === 'article' ? `${a.source.title ?? 'Help'} article` : a.source?.kind === 'learned' ? 'approved answer' : 'past support chats' }];
      } catch (err) {
        this.log(`[handoff] suggested answer failed: ${(err as Error).message}`);
      }
    }
    let products: { productId: string; title: string; price: number; reason: string }[] = [];
    if (customer) {
      try {
        const recs = await this.opts.services.recommender.recommend({ customerId: customer.id, k: 5 });
        const byId = new Map((await this.store.products.getMany(recs.map((r) => r.productId))).map((p) => [p.id, p]));
        products = recs.flatMap((r) => {
          const p = byId.get(r.productId);
          return p ? [{ productId: p.id, title: p.title, price: p.price, reason: r.reason }] : [];
        });
      } catch (err) {
        this.log(`[handoff] recommendations failed: ${(err as Error).message}`);
      }
    }
    return {
      ticket,
      conversationId,
      summary: summarizeChat(transcript, ticket.reason),
      transcript: transcript.map(agentView),
      customer: customer ? { id: customer.id, name: customer.name, email: customer.email, country: customer.country, identities: (await this.store.customers.identities(customer.id)).map((i) => i.channel) } : null,
      orders: orders.map((o) => ({ id: o.id, status: o.status, createdAt: o.createdAt, total: o.total, items: o.lines.map((l) => `${l.qty} x ${l.productTitle ?? l.productId}`) })),
      suggestedAnswers: suggestions,
      recommendedProducts: products,
    };
  }

  /** POST /api/agents/login (desk/staff-auth.ts): JSON only, per-address limit and per-account lockout. */
  loginRoute() {
    return staffLoginRoute({ store: this.store, log: this.log });
  }

  /**
   * The `/agents` namespace; only sockets with a valid session token of a chat role (agent, admin)
   * get in, and each event re-checks the session, so a sign-out or expiry ends the socket too.
   */
  attach(io: Server): Namespace {
    const nsp = io.of('/agents');
    this.nsp = nsp;
    if (this.cluster.shared) void this.refreshPresence();
    nsp.use(staffSocketAuth(this.store, { roles: CHAT_ROLES, log: this.log }));
    nsp.on('connection', (socket) => {
      guardStaffSocket(this.store, socket);
      this.onAgent(socket);
    });
    return nsp;
  }

  private async owned(agent: Agent, ticketId: unknown): Promise<Ticket> {
    const t = typeof ticketId === 'number' ? await this.store.tickets.get(ticketId) : undefined;
    if (!t) throw new Error('no such ticket');
    if (t.status !== 'assigned' || t.agentId !== agent.id) throw new Error('this chat is not assigned to you');
    return t;
  }

  /** Auto-assignment gave `t` to `agent`: their consoles open it, the customer hears who joined. */
  private async assigned(t: Ticket, agent: StaffAccount): Promise<void> {
    this.queueChanged();
    if (this.nsp) {
      this.nsp.in(agentRoom(agent.id)).socketsJoin(convRoom(t.conversationId));
      this.nsp.to(agentRoom(agent.id)).emit('chat_assigned', { ticketId: t.id, conversationId: t.conversationId, by: 'auto' });
    }
    await this.gateway.sendToConversation(t.conversationId, { type: 'message', text: await this.say(t.conversationId, 'joined', { agent: agent.name }) });
    await this.gateway.sendToConversation(t.conversationId, { type: 'event', name: 'handoff.status', value: { status: 'assigned', agentName: agent.name } });
  }

  /** `agent` did not answer `t` in time and it is waiting again: their consoles drop it, the customer is told. */
  private async lapsed(t: Ticket, agent: StaffAccount | undefined): Promise<void> {
    if (this.nsp && agent) {
      this.nsp.in(agentRoom(agent.id)).socketsLeave(convRoom(t.conversationId));
      this.nsp.to(agentRoom(agent.id)).emit('chat_unassigned', { ticketId: t.id, conversationId: t.conversationId, reason: 'no_reply', timeoutMs: this.assigner.settings.replyTimeoutMs });
    }
    this.queueChanged();
    const position = (await this.store.tickets.position(t.id)) ?? 1;
    this.told.set(t.id, position);
    await this.gateway.sendToConversation(t.conversationId, { type: 'message', text: await this.say(t.conversationId, 'lapsed', { agent: agent?.name ?? (await this.say(t.conversationId, 'theAgent')), position }) });
    await this.gateway.sendToConversation(t.conversationId, { type: 'event', name: 'handoff.status', value: { status: 'pending', position } });
  }

  /** Ends the consoles of an agent whose account changed (deactivated, password reset); returns how many. */
  disconnectAgent(agentId: string, reason = 'your account was changed by an administrator'): number {
    if (!this.nsp) return 0;
    const room = this.nsp.adapter.rooms.get(agentRoom(agentId));
    const n = room?.size ?? 0;
    this.nsp.to(agentRoom(agentId)).emit('session_ended', { reason });
    this.nsp.in(agentRoom(agentId)).disconnectSockets(true);
    return n;
  }

  private async greetAgent(socket: Socket, agent: Agent): Promise<void> {
    socket.emit('queue', await this.queueSnapshot());
    const held = await this.store.tickets.listForAgent(agent.id);
    for (const t of held) void socket.join(convRoom(t.conversationId));
    socket.emit('assigned', held.map((t) => ({ ticketId: t.id, conversationId: t.conversationId })));
  }

  private onAgent(socket: Socket): void {
    const agent = (socket.data as { agent: Agent }).agent;
    const limiter = new RateLimiter(60, 10_000);
    void socket.join(agentRoom(agent.id));
    this.presenceChanged();
    socket.on('disconnect', () => this.presenceChanged());
    // A free agent may get waiting chats at once.
    this.assigner.schedule();
    // The queue, and the chats this agent already holds (after a reload), come with the connection;
    // read while the events below are already listened to.
    void this.greetAgent(socket, agent).catch((err: unknown) => this.log(`[handoff] greeting an agent failed: ${(err as Error).message}`));

    const on = (event: string, fn: (data: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>) => {
      socket.on(event, (data: unknown, cb: unknown) => {
        const ack = ackOf(cb);
        if (!limiter.take(socket.id)) return ack({ ok: false, error: 'rate limited' });
        const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
        Promise.resolve()
          .then(() => fn(d))
          .then((r) => ack({ ok: true, ...r }))
          .catch((err: unknown) => ack({ ok: false, error: (err as Error).message }));
      });
    };

    on('accept', async (d) => {
      // The cap of open chats holds for chats taken by hand too (desk/assignment.ts).
      const fresh = (await this.store.agents.get(agent.id)) ?? agent;
      const ticket = await this.store.tickets.assign(Number(d.ticketId), agent.id, { maxOpen: this.assigner.capOf(fresh) });
      this.queueChanged();
      await socket.join(convRoom(ticket.conversationId));
      await this.gateway.sendToConversation(ticket.conversationId, { type: 'message', text: await this.say(ticket.conversationId, 'joined', { agent: agent.name }) });
      await this.gateway.sendToConversation(ticket.conversationId, { type: 'event', name: 'handoff.status', value: { status: 'assigned', agentName: agent.name } });
      return { view: await this.conversationView(ticket.conversationId, (await this.store.tickets.get(ticket.id))!) };
    });

    on('open', async (d) => {
      const t = await this.owned(agent, d.ticketId);
      return { view: await this.conversationView(t.conversationId, t) };
    });

    on('message', async (d) => {
      const t = await this.owned(agent, d.ticketId);
      const text = typeof d.text === 'string' ? d.text.trim() : '';
      if (!text || text.length > 4000) throw new Error('message must be 1 to 4000 characters');
      // A saved reply's placeholder that was never filled: the customer must not see {{...}}.
      if (RAW_PLACEHOLDER.test(text)) throw new Error(`replace ${RAW_PLACEHOLDER.exec(text)![0]} before sending`);
      // ... nor a marker that stood in for what the chat did not know ("Hi [first name]").
      const marker = unfilledMarker(text);
      if (marker) throw new Error(`replace ${marker} before sending`);
      await this.gateway.sendToConversation(t.conversationId, { type: 'message', text, channelData: { role: 'agent', agentName: agent.name } }, 'agent');
      const last = (await this.store.conversations.recentMessages(t.conversationId, 1))[0];
      if (last) nsp(socket).to(convRoom(t.conversationId)).emit('agent_message', { conversationId: t.conversationId, message: agentView(last) });
      return { seq: last?.seq ?? null };
    });

    on('send_products', async (d) => {
      const t = await this.owned(agent, d.ticketId);
      const ids = Array.isArray(d.productIds) ? d.productIds.filter((x): x is string => typeof x === 'string').slice(0, 10) : [];
      const products = await this.store.products.getMany(ids);
      if (products.length === 0) throw new Error('no such products');
      const locale = (this.opts.texts ?? defaultTexts).resolve(await this.localeOf(t.conversationId));
      await this.gateway.sendToConversation(t.conversationId, { type: 'message', text: await this.say(t.conversationId, 'suggests', { agent: agent.name }), attachments: products.map((p) => productCard(p, undefined, locale)), attachmentLayout: 'carousel', channelData: { role: 'agent', agentName: agent.name } }, 'agent');
      return { sent: products.length };
    });

    on('search_products', async (d) => {
      const q = typeof d.query === 'string' ? d.query.slice(0, 200) : '';
      const hits = q.trim() ? await this.store.products.search(q, { limit: 10, inStock: true }) : [];
      return { products: hits.map((p) => ({ productId: p.id, title: p.title, price: p.price, stock: p.stock })) };
    });

    on('typing', async (d) => {
      const t = await this.owned(agent, d.ticketId);
      void this.gateway.sendToConversation(t.conversationId, { type: 'typing' }).catch(() => {});
      return {};
    });

    on('resolve', async (d) => {
      const t = await this.owned(agent, d.ticketId);
      const transcript = await this.store.conversations.transcript(t.conversationId, { limit: 500 });
      const summary = typeof d.summary === 'string' ? d.summary.slice(0, 2000) : summarizeChat(transcript, t.reason);
      // The resolving agent's team goes with the ticket (and so with its CSAT rating).
      await this.store.teams.stampTicket(t.id);
      await this.store.tickets.resolve(t.id, summary);
      // Nothing is learned here: the agent gets a redacted draft to save for everyone, or not.
      const draft = (await this.opts.learned?.draft(t, transcript)) ?? null;
      await this.finish(socket, t, await this.say(t.conversationId, 'resolved', { agent: agent.name }), 'resolved');
      // How did it go? (a rating from 1 to 5 and an optional comment; desk/csat.ts)
      await this.opts.csat?.ask(t, agent).catch((err: unknown) => this.log(`[handoff] asking for a rating failed: ${(err as Error).message}`));
      return { draft };
    });

    if (this.opts.learned) learnedAnswerEvents(this.opts.learned, this.store, agent, on);
    cannedReplyEvents(this.store, agent, on, { contextFor: async (ticketId) => this.fillContext(await this.owned(agent, ticketId), agent) });
    if (this.opts.csat) csatEvents(this.store, agent, on);

    on('return', async (d) => {
      const t = await this.owned(agent, d.ticketId);
      await this.store.tickets.returnToBot(t.id);
      await this.finish(socket, t, await this.say(t.conversationId, 'returned', { agent: agent.name }), 'returned');
      return {};
    });
  }

  /** What a saved reply's placeholders are filled from: the chat's customer and their latest order. */
  private async fillContext(t: Ticket, agent: Agent): Promise<FillContext> {
    const conversation = await this.store.conversations.get(t.conversationId);
    const customerId = conversation?.customerId ?? t.customerId;
    const customer = customerId ? await this.store.customers.get(customerId) : undefined;
    const order = customer ? (await this.store.orders.listForCustomer(customer.id, { limit: 1 }))[0] : undefined;
    return { customer: customer ?? null, order: order ?? null, agent, ...(this.opts.trackingUrl ? { trackingUrl: this.opts.trackingUrl } : {}) };
  }

  private async finish(socket: Socket, t: Ticket, text: string, status: 'resolved' | 'returned'): Promise<void> {
    await this.gateway.sendToConversation(t.conversationId, { type: 'message', text });
    await this.gateway.sendToConversation(t.conversationId, { type: 'event', name: 'handoff.status', value: { status } });
    // Every console of the agent lets go of the chat.
    this.nsp?.in(agentRoom((socket.data as { agent: Agent }).agent.id)).socketsLeave(convRoom(t.conversationId));
    await socket.leave(convRoom(t.conversationId));
    // An assigned ticket is not in the pending queue: nobody's position changes. The agent has room for another.
    this.assigner.schedule();
  }
}

function nsp(socket: Socket): Namespace {
  return socket.nsp;
}
