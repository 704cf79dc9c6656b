import { randomUUID } from 'node:crypto';
import type { Activity, ActivityHandler, TurnContext } from 'botbuilder';
import { canonicalTag } from '../core/i18n.js';
import { LocalTurnLock, type TurnLock } from '../core/cluster.js';
import type { Conversation, Customer, Message, PendingTurn, Role, Store } from '../store/index.js';
import type { Sql } from '../store/sql/executor.js';
import type { ChannelAdapter, ChannelSink } from './channel-adapter.js';
import type { GatewayPort, Route } from './gateway-port.js';
import { MAX_MESSAGE_CHARS, type ChannelId, type InboundMessage } from './inbound.js';

export const BOT_ID = 'shopbot';

export type { GatewayPort, Route } from './gateway-port.js';

export interface DeliveredMessage {
  message: Message;
  activity: Partial<Activity>;
}

/** A channel's outgoing side: it receives each bot/agent activity after it has been stored. */
export interface ChannelOutlet {
  deliver(route: Route, conversationId: string, delivered: DeliveredMessage | null, activity: Partial<Activity>): Promise<void>;
}

/** What the gateway reports as it works (metrics and turn logs, wired by the app). */
export interface GatewayEvents {
  /** A customer message arrived on a channel. */
  received?(channel: ChannelId): void;
  /** A bot or agent message was stored and handed to the channel of the conversation's route. */
  sent?(channel: ChannelId, role: Role): void;
  /** A bot turn finished (`ok` false: it threw past the adapter), `ms` from its start. */
  turn?(t: { channel: ChannelId; conversationId: string; customerId: string; ms: number; ok: boolean }): void;
}

export interface GatewayOptions {
  log?: (line: string) => void;
  /** One node at a time runs a conversation's turns (core/cluster.ts); this process alone when absent. */
  turns?: TurnLock;
  events?: GatewayEvents;
}

/**
 * The one entry point from channels into the bot: resolves the customer (one profile across
 * channels) and their live conversation, turns the message into a Bot Framework Activity, runs the
 * bot, and stores every outgoing turn before a channel delivers it. Turns of one customer run in
 * order; different customers run concurrently.
 */
/** Where a conversation's replies go (the customer's last channel identity), kept in the state table. */
const routeKey = (conversationId: string) => `route:${conversationId}`;

/** A customer message taken in: stored, its turn queued (`done` settles when the turn has run). */
export interface Received {
  seq: number;
  conversationId: string;
  customerId: string;
  done: Promise<void>;
}

export class Gateway implements GatewayPort {
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * Per channel identity (`channel:externalId`): settles when that identity's messages received so
   * far are stored (or refused). An entry goes when its identity is idle, so the map holds only the
   * identities with a message being taken in.
   */
  private readonly intakes = new Map<string, Promise<void>>();
  /** Inbound activity id -> the stored customer message's seq, while its turn runs (replies name it). */
  private readonly turnSeq = new Map<string, number>();
  private readonly outlets = new Map<ChannelId, ChannelOutlet>();
  private readonly log: (line: string) => void;
  private readonly events: GatewayEvents;
  private readonly turns: TurnLock;

  constructor(
    private readonly store: Store,
    private readonly adapter: ChannelAdapter,
    /** Runs one turn: the bot (app/compose.ts passes a callback to the ShopBot it builds after the desk). */
    private readonly bot: Pick<ActivityHandler, 'run'>,
    opts: GatewayOptions = {},
  ) {
    this.log = opts.log ?? ((l) => console.error(l));
    this.events = opts.events ?? {};
    this.turns = opts.turns ?? new LocalTurnLock();
    for (const channel of ['web', 'messenger', 'emulator'] as const) {
      adapter.register(channel, { deliver: (a) => this.deliverOut(a) } satisfies ChannelSink);
    }
  }

  /** Resolves once the customer's turns queued so far have run (at once when none is running). */
  whenIdle(customerId: string): Promise<void> {
    return this.chains.get(customerId) ?? Promise.resolve();
  }

  addOutlet(channel: ChannelId, outlet: ChannelOutlet): void {
    this.outlets.set(channel, outlet);
  }

  /** Whether a channel can send (Messenger is off without its settings). */
  hasOutlet(channel: ChannelId): boolean {
    return this.outlets.has(channel);
  }

  /** The customer behind a channel identity, created on first contact. */
  async resolveCustomer(channel: ChannelId, externalId: string, name?: string): Promise<Customer> {
    // A known identity is one read; only a first contact pays for resolveOrCreate's transaction
    // (identity-scoped, it looks again before creating, so two first messages make one customer).
    // The read outside it sees what a read inside would: identities change only in committed
    // transactions (resolveOrCreate, link, merge), and one can commit right after either read.
    return (await this.store.customers.findByIdentity(channel, externalId)) ?? (await this.store.customers.resolveOrCreate(channel, externalId, { name: name?.slice(0, 100) || 'Guest' })).customer;
  }

  /** The customer's open live conversation on any channel (one history across channels). */
  async liveConversation(customerId: string, channel: ChannelId): Promise<Conversation> {
    const live = async (sql: Sql) => (await this.store.conversations.listForCustomer(customerId, 50, sql)).find((c) => c.source === 'live' && c.status === 'open');
    // Looked for again inside the write transaction before one is opened: a first message on
    // another node at the same moment must not open a second conversation (transactions are serial).
    // Scope: it reads the customer's conversations and adds one of theirs; every other writer of a
    // customer's conversations (create elsewhere, merge) runs unscoped, so the customer's lock is enough.
    return (
      (await live(this.store.sql)) ??
      (await this.store.sql.transaction(async (tx) => (await live(tx)) ?? (await this.store.conversations.create({ customerId, channel }, tx)), { scope: `customer:${customerId}` }))
    );
  }

  async route(conversationId: string, sql: Sql = this.store.sql): Promise<Route | undefined> {
    return (await this.store.state.get<Route>(routeKey(conversationId), sql))?.value;
  }

  /** Points the conversation's replies at another identity, or nowhere until the customer writes. */
  async reroute(conversationId: string, route: Route | null, sql: Sql = this.store.sql): Promise<void> {
    // A route that names no locale (Messenger, linking) keeps the conversation's.
    const locale = route ? (route.locale ?? (await this.route(conversationId, sql))?.locale) : undefined;
    if (route) await this.store.state.put(routeKey(conversationId), locale ? { ...route, locale } : route, {}, sql);
    else await this.store.state.delete(routeKey(conversationId), {}, sql);
  }

  /**
   * Stores the customer's message at once, together with a pending-turn row (nothing is lost if a
   * later step fails or the process dies), shows it on the customer's channels, and queues the
   * bot's turn. Resolves once the message is stored; `done` settles when the turn has finished.
   */
  receive(m: InboundMessage): Promise<Received> {
    // One channel identity's messages are stored one at a time, in the order they arrived (a new
    // visitor's first two messages never race each other); different identities are taken in side
    // by side. Nothing in take() relies on another identity's intake having finished, as another
    // node's never has: see the comments there.
    const key = `${m.channel}:${m.externalId}`;
    const stored = (this.intakes.get(key) ?? Promise.resolve()).then(() => this.take(m));
    const tail = stored.then(
      () => undefined,
      () => undefined,
    );
    this.intakes.set(key, tail);
    void tail.then(() => {
      if (this.intakes.get(key) === tail) this.intakes.delete(key);
    });
    return stored;
  }

  /** How many channel identities have a message being taken in (tests: the map does not grow). */
  intakeBacklog(): number {
    return this.intakes.size;
  }

  /**
   * Takes one message in. Runs concurrently with other identities' intakes (on this node and on
   * others), including another identity of the same customer (a web tab and Messenger):
   * - the customer: resolveOrCreate re-reads the identity inside its identity-scoped transaction;
   * - the live conversation: liveConversation re-reads the customer's conversations inside a
   *   customer-scoped transaction, so two identities of one customer end in one conversation;
   * - the route and the message: read and written in one conversation-scoped transaction, with the
   *   message's pending-turn row, so the route is always the identity of the conversation's latest
   *   customer message (seq order), never an older one written last;
   * - the turn: queued on the customer's chain under the conversation's turn lock; a turn stored
   *   earlier (lower seq) whose own intake has not queued it yet is run first from its pending row.
   */
  private async take(m: InboundMessage): Promise<Received> {
    const customer = await this.resolveCustomer(m.channel, m.externalId, m.name);
    const conversation = await this.liveConversation(customer.id, m.channel);
    this.events.received?.(m.channel);
    const text = typeof m.text === 'string' ? m.text : '';
    // Scope: it reads-then-writes only this conversation's rows: its route (state `route:<id>`, whose
    // other writers, linking and reroute, run unscoped or as single statements), its messages' seq;
    // the pending row is new, keyed by the new message.
    const { stored, route } = await this.store.pendingTurns.atomically(async (tx) => {
      const known = await this.route(conversation.id, tx);
      // The conversation keeps its locale until a channel names another (Messenger names none).
      const locale = canonicalTag(m.locale) ?? known?.locale;
      const route: Route = { channel: m.channel, externalId: m.externalId, ...(locale ? { locale } : {}) };
      // Written only when the customer switched channel, identity or locale: one statement less per message.
      if (known?.channel !== route.channel || known.externalId !== route.externalId || known.locale !== route.locale) await this.store.state.put(routeKey(conversation.id), route, {}, tx);
      const msg = await this.store.conversations.appendMessage(conversation.id, { role: 'customer', text, payload: m.value !== undefined ? { value: m.value } : null }, tx);
      await this.store.pendingTurns.add({ messageId: msg.id, conversationId: conversation.id, channel: m.channel, externalId: m.externalId }, tx);
      return { stored: msg, route };
    }, { scope: `conversation:${conversation.id}` });
    const activity = this.inboundActivity(customer, conversation.id, m, stored, route.locale);
    const echo = { message: stored, activity };
    void Promise.all([this.outlets.get(m.channel)?.deliver(route, conversation.id, echo, activity), this.mirrorToWeb(route, conversation.id, echo, activity)]).catch((err: unknown) =>
      this.log(`[gateway] echo failed: ${(err as Error).message}`),
    );
    return { seq: stored.seq, conversationId: conversation.id, customerId: customer.id, done: this.runTurn(customer.id, activity, stored) };
  }

  /**
   * Runs the turns owed in conversations no node is running: at start, those of the last stop
   * (messages stored and acknowledged, then the process died); with `olderThanMs`, periodically on
   * a cluster, those of a node that died. A conversation is taken only when its turn lock is free
   * (a dead node's session lost its locks); under the lock each row is checked again, run in message
   * order, and cleared, so every owed turn is answered once. A turn whose reply was stored before the
   * stop is not run again.
   */
  async resumePending(opts: { olderThanMs?: number } = {}): Promise<{ resumed: number; alreadyAnswered: number; done: Promise<void> }> {
    let resumed = 0;
    let alreadyAnswered = 0;
    const turns: Promise<void>[] = [];
    const owed = await this.store.pendingTurns.list(opts.olderThanMs !== undefined ? { before: Date.now() - opts.olderThanMs } : {});
    for (const conversationId of new Set(owed.map((p) => p.conversationId))) {
      const lease = await this.turns.tryHold(conversationId);
      if (!lease) continue; // this node or another runs it
      try {
        const runs: { customerId: string; activity: Partial<Activity>; stored: Message }[] = [];
        for (const p of await this.store.pendingTurns.forConversation(conversationId)) {
          const owedTurn = await this.owedTurn(p);
          if (owedTurn === 'answered') alreadyAnswered++;
          else if (owedTurn) runs.push(owedTurn);
        }
        resumed += runs.length;
        if (runs.length === 0) {
          lease.release();
          continue;
        }
        turns.push(this.chain(runs[0]!.customerId, async () => {
          try {
            for (const r of runs) await this.execute(r.customerId, r.activity, r.stored);
          } finally {
            lease.release();
          }
        }));
      } catch (err) {
        lease.release();
        this.log(`[gateway] pending turns of ${conversationId} could not be resumed: ${(err as Error).message}`);
      }
    }
    if (resumed || alreadyAnswered) this.log(`[gateway] ${resumed} pending turn(s) resumed${opts.olderThanMs !== undefined ? ' from a node that stopped' : ' after a restart'}, ${alreadyAnswered} already answered`);
    return { resumed, alreadyAnswered, done: Promise.all(turns).then(() => undefined) };
  }

  /**
   * The turn a pending row owes, rebuilt from the store; 'answered' when a reply naming the message
   * was stored (its row is cleared), null when the message or its conversation is gone (likewise).
   */
  private async owedTurn(p: PendingTurn): Promise<{ customerId: string; activity: Partial<Activity>; stored: Message } | 'answered' | null> {
    try {
      const stored = await this.store.conversations.getMessage(p.messageId);
      const conversation = await this.store.conversations.get(p.conversationId);
      const customer = conversation?.customerId ? await this.store.customers.get(conversation.customerId) : undefined;
      if (!stored || !conversation || !customer) {
        await this.store.pendingTurns.done(p.messageId);
        return null;
      }
      if (await this.answered(stored)) {
        await this.store.pendingTurns.done(p.messageId);
        return 'answered';
      }
      const value = (stored.payload as { value?: unknown } | null)?.value;
      const m: InboundMessage = { channel: p.channel as ChannelId, externalId: p.externalId, text: stored.text, ...(value !== undefined ? { value } : {}) };
      return { customerId: customer.id, activity: this.inboundActivity(customer, conversation.id, m, stored, (await this.route(conversation.id))?.locale), stored };
    } catch (err) {
      this.log(`[gateway] pending turn ${p.messageId} could not be resumed: ${(err as Error).message}`);
      return null;
    }
  }

  /** Whether a bot or agent reply naming this message was stored (the turn ran before a stop). */
  private async answered(stored: Message): Promise<boolean> {
    const after = await this.store.conversations.transcript(stored.conversationId, { afterId: stored.id, limit: 50 });
    return after.some((r) => r.role !== 'customer' && (r.payload as { replyTo?: unknown } | null)?.replyTo === stored.seq);
  }

  /** Runs `fn` after the customer's earlier turns (one chain per customer on this node). */
  private chain(customerId: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(customerId) ?? Promise.resolve();
    const done = prev.then(fn).catch((err: unknown) => this.log(`[gateway] turns of ${customerId} failed: ${(err as Error).stack ?? err}`));
    this.chains.set(customerId, done);
    void done.then(() => {
      if (this.chains.get(customerId) === done) this.chains.delete(customerId);
    });
    return done;
  }

  /**
   * Queues a just stored message's turn behind the customer's earlier ones. The conversation's turn
   * lock is asked for at once (other nodes then leave its turns to this one) and let go when the turn
   * has run; with the lock held, turns other nodes stored before this one run first, in order.
   */
  private runTurn(customerId: string, activity: Partial<Activity>, stored: Message): Promise<void> {
    const lease = this.turns.hold(stored.conversationId);
    lease.catch(() => undefined);
    return this.chain(customerId, async () => {
      const held = await lease;
      try {
        for (const p of await this.store.pendingTurns.forConversation(stored.conversationId)) {
          if (p.messageId > stored.id) break;
          if (p.messageId === stored.id) {
            await this.execute(customerId, activity, stored);
            continue;
          }
          // Owed before this one, stored by another node (or one that stopped): its turn first.
          const earlier = await this.owedTurn(p);
          if (earlier && earlier !== 'answered') await this.execute(earlier.customerId, earlier.activity, earlier.stored);
        }
        // This message's row is gone: another node ran its turn meanwhile.
      } finally {
        held.release();
      }
    });
  }

  /** Runs one turn through the adapter and the bot; its pending row goes when it has run. */
  private async execute(customerId: string, activity: Partial<Activity>, stored: Message): Promise<void> {
    this.turnSeq.set(activity.id!, stored.seq);
    let started = 0;
    let ok = true;
    try {
      started = performance.now();
      await this.adapter.processActivity(activity, (ctx: TurnContext) => this.bot.run(ctx));
    } catch (err) {
      ok = false;
      this.log(`[gateway] turn failed for ${customerId}: ${(err as Error).stack ?? err}`);
    }
    try {
      this.events.turn?.({ channel: activity.channelId as ChannelId, conversationId: stored.conversationId, customerId, ms: performance.now() - started, ok });
    } catch (err) {
      this.log(`[gateway] turn report failed: ${(err as Error).message}`);
    }
    // The turn ran (or failed with the adapter's apology sent): it is owed no more.
    try {
      await this.store.pendingTurns.done(stored.id);
    } catch (err) {
      this.log(`[gateway] could not clear pending turn ${stored.id}: ${(err as Error).message}`);
    }
    this.turnSeq.delete(activity.id!);
  }

  /** The conversation's locale, as its channels last named it (undefined: the store's default). */
  async locale(conversationId: string): Promise<string | undefined> {
    return (await this.route(conversationId))?.locale;
  }

  private inboundActivity(customer: Customer, conversationId: string, m: InboundMessage, stored: Message, locale?: string): Partial<Activity> {
    let text = typeof m.text === 'string' ? m.text : '';
    // The store keeps the customer's words in full; the bot reasons about a bounded prefix.
    const tooLong = text.length > MAX_MESSAGE_CHARS;
    if (tooLong) text = text.slice(0, MAX_MESSAGE_CHARS);
    return {
      type: 'message',
      id: m.messageId ?? randomUUID(),
      channelId: m.channel,
      serviceUrl: '',
      timestamp: new Date(),
      from: { id: m.externalId, name: customer.name, role: 'user' },
      recipient: { id: BOT_ID, name: 'ShopBot', role: 'bot' },
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      text,
      // The bot words its replies for this locale (bot/shop-bot.ts: texts.resolve(activity.locale)).
      ...(locale ? { locale } : {}),
      ...(m.value !== undefined ? { value: m.value } : {}),
      channelData: { customerId: customer.id, messageId: stored.id, seq: stored.seq, tooLong },
    };
  }

  /** Sends a proactive activity (agent reply, queue update) to a conversation's customer. */
  async sendToConversation(conversationId: string, activity: Partial<Activity>, role: Role = 'bot'): Promise<void> {
    const route = await this.route(conversationId);
    if (!route) throw new Error(`conversation ${conversationId} has no channel route yet`);
    await this.deliverOut({
      ...activity,
      channelId: route.channel,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      recipient: { id: route.externalId, name: '', role: 'user' },
      from: { id: role === 'agent' ? 'agent' : BOT_ID, name: role === 'agent' ? 'Agent' : 'ShopBot', role: 'bot' },
      channelData: { ...(activity.channelData ?? {}), role },
    });
  }

  /** Stores an outgoing message, then hands it to the channel of the conversation's route. */
  private async deliverOut(activity: Partial<Activity>): Promise<void> {
    const conversationId = activity.conversation?.id;
    if (!conversationId) return;
    const route = (await this.route(conversationId)) ?? { channel: (activity.channelId ?? 'web') as ChannelId, externalId: activity.recipient?.id ?? '' };
    let delivered: DeliveredMessage | null = null;
    if (activity.type === 'message') {
      const role: Role = (activity.channelData as { role?: Role } | undefined)?.role === 'agent' ? 'agent' : 'bot';
      // Which customer message this answers (clients thread replies; benchmarks time them).
      const replyTo = activity.replyToId !== undefined ? this.turnSeq.get(activity.replyToId) : undefined;
      const payload = {
        ...(replyTo !== undefined ? { replyTo } : {}),
        ...(activity.attachments?.length ? { attachments: activity.attachments } : {}),
        ...(activity.suggestedActions?.actions?.length ? { suggestions: activity.suggestedActions.actions } : {}),
        ...((activity.channelData as { agentName?: string } | undefined)?.agentName ? { agentName: (activity.channelData as { agentName: string }).agentName } : {}),
      };
      const message = await this.store.conversations.appendMessage(conversationId, {
        role,
        text: activity.text ?? '',
        payload: Object.keys(payload).length ? payload : null,
      });
      delivered = { message, activity };
      this.events.sent?.(route.channel, role);
    }
    await this.outlets.get(route.channel)?.deliver(route, conversationId, delivered, activity);
    await this.mirrorToWeb(route, conversationId, delivered, activity);
  }

  /**
   * One history across channels: an open web chat of the same customer shows turns that happen on
   * Messenger too (the web room is per conversation, so only that customer's tabs receive them).
   */
  private async mirrorToWeb(route: Route, conversationId: string, delivered: DeliveredMessage | null, activity: Partial<Activity>): Promise<void> {
    if (route.channel === 'web' || !delivered) return;
    await this.outlets.get('web')?.deliver({ channel: 'web', externalId: '' }, conversationId, delivered, activity);
  }
}
