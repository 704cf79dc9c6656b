import type { Store } from '../store/index.js';
import { defaultTexts, translate, type Texts, type Vars } from '../core/i18n.js';
import { NotificationPrefRepo, OrderEventRepo, type NotificationOutcome, type OrderEvent } from '../store/order-events.js';
import type { MessengerThreadRepo } from '../store/receipts.js';
import type { Order } from '../store/types.js';
import { trackingLink } from '../desk/canned.js';
import { ago, STANDARD_WINDOW_MS } from './messenger-window.js';
import type { Server } from 'socket.io';
import { openWebTabs } from './web.js';
import type { Gateway, Route } from './gateway.js';

// Proactive order updates (issue #17 item 3): an order event from the store's backend
// (api/order-events.ts) becomes one short bot message to the customer, on the channel they last
// wrote from (their live conversation's route):
//
// - web chat: the message is stored in the customer's conversation and shown at once on every open
//   tab; with no tab open it waits there and the widget replays it on the next visit (the same
//   `afterSeq` replay that shows any missed turn);
// - Messenger: only inside Meta's 24-hour standard window, as messaging_type UPDATE (a message sent
//   on the Page's initiative, not in reply). Outside it nothing is sent and a log line says why:
//   Meta's way for order updates after 24 hours is an approved utility message template, which this
//   server does not have configured (docs/order-events.md);
// - nothing at all for a customer who said "stop order updates" (bot/notifications.ts).
//
// What became of each message is kept with the event (order_events.notification).

export interface NotificationResult {
  outcome: NotificationOutcome;
  /** The channel it went to or would have gone to; null: none known. */
  channel: string | null;
  /** Why nothing reached the customer (for the API's answer and the log). */
  reason: string | null;
  /** The message's text, when one was sent or kept. */
  text?: string;
}

/** What the updates need from the running app: set once the app exists (see bind()). */
export interface OrderUpdateChannels {
  store: Pick<Store, 'customers' | 'conversations' | 'orders'>;
  gateway: Pick<Gateway, 'route' | 'reroute' | 'liveConversation' | 'sendToConversation' | 'hasOutlet'>;
  /** When each Messenger user last wrote (Meta's window). */
  threads: Pick<MessengerThreadRepo, 'lastInbound'>;
  /** How many web chat tabs show the conversation now. */
  webTabs: (conversationId: string) => number | Promise<number>;
}

/** Control characters, bidirectional overrides and zero-width characters: never in a customer message. */
const UNSAFE = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/gu;

/** A value from the store's backend as plain, single-line text of at most `max` characters. */
export function plain(value: string, max = 80): string {
  const s = value.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The opt-out line of a customer's first update, in English (bot catalogue: updates.hint). */
export const OPT_OUT_HINT = translate('en', 'bot:updates.hint');

/**
 * The customer's message about an event: short, with the order number, and the carrier and
 * tracking number (and the tracking page, SHOPBOT_TRACKING_URL or the courier's) where known.
 * `hint`: the first update a customer gets says how to turn them off.
 */
export function orderUpdateText(
  e: Pick<OrderEvent, 'type' | 'orderId' | 'tracking' | 'carrier'>,
  order: Pick<Order, 'tracking' | 'carrier'> | undefined,
  opts: { trackingUrl?: string; hint?: boolean; /** The conversation's locale (its route's); the store's default when absent. */ locale?: string; texts?: Texts } = {},
): string {
  const t = (key: string, vars: Vars = {}) => (opts.texts ?? defaultTexts).t(opts.locale, `bot:updates.${key}`, vars);
  const id = plain(e.orderId, 64);
  const trackingNo = e.tracking ?? order?.tracking ?? null;
  const carrierName = e.carrier ?? order?.carrier ?? null;
  const carrier = carrierName ? plain(carrierName, 40) : '';
  const tracking = trackingNo ? plain(trackingNo, 64) : '';
  const link = tracking ? trackingLink({ tracking: trackingNo, carrier: carrierName }, opts.trackingUrl) : null;
  const track = tracking ? (link ? t('trackingLink', { tracking, link }) : t('tracking', { tracking })) : '';
  let text: string;
  switch (e.type) {
    case 'shipped':
      text = carrier ? t('shippedWith', { id, carrier, track }) : t('shipped', { id, track });
      break;
    case 'out_for_delivery':
      text = carrier ? t('outForDeliveryWith', { id, carrier, track }) : t('outForDelivery', { id, track });
      break;
    case 'delivery_attempted':
      text = t('attempted', { id, track });
      break;
    case 'delivered':
      text = t('delivered', { id });
      break;
    case 'cancelled':
      text = t('cancelled', { id });
      break;
    case 'refund_issued':
      text = t('refundIssued', { id });
      break;
    case 'returned':
      text = t('returned', { id });
      break;
  }
  return opts.hint ? `${text} ${t('hint')}` : text;
}

export interface OrderUpdatesOptions {
  store: Pick<Store, 'sql'>;
  /** The shop's tracking page with {carrier} and {tracking} (SHOPBOT_TRACKING_URL). */
  trackingUrl?: string;
  /** The store's locale and texts (core/i18n.ts): updates are worded in the conversation's locale. */
  texts?: Texts;
  now?: () => number;
  log?: (line: string) => void;
}

export class OrderUpdates {
  private channels: OrderUpdateChannels | null = null;
  private readonly events: OrderEventRepo;
  private readonly prefs: NotificationPrefRepo;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: OrderUpdatesOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((l) => console.error(l));
    this.events = new OrderEventRepo(opts.store.sql, this.now);
    this.prefs = new NotificationPrefRepo(opts.store.sql, this.now);
  }

  /** The app's channels (the admin API is mounted before the app exists). */
  bind(channels: OrderUpdateChannels): void {
    this.channels = channels;
  }

  /**
   * Decides and sends the customer's message about a newly recorded event, and keeps the outcome
   * with it. Returns once the message is stored and handed to its channel; the Messenger send goes
   * on in the background (its failures are logged by the channel). Never throws.
   */
  async notify(event: OrderEvent): Promise<NotificationResult> {
    let result: NotificationResult;
    try {
      result = await this.decideAndSend(event);
    } catch (err) {
      result = { outcome: 'failed', channel: null, reason: 'the message could not be sent; see the server log' };
      this.log(`[order-updates] order ${plain(event.orderId)} ${event.type} (event ${plain(event.eventId)}): notifying customer ${event.customerId} failed: ${(err as Error).stack ?? err}`);
    }
    try {
      await this.events.setOutcome(event.eventId, result.outcome, { channel: result.channel, reason: result.reason });
    } catch (err) {
      this.log(`[order-updates] could not record the outcome of event ${plain(event.eventId)}: ${(err as Error).message}`);
    }
    return result;
  }

  private async decideAndSend(event: OrderEvent): Promise<NotificationResult> {
    const what = `order ${plain(event.orderId)} ${event.type} (event ${plain(event.eventId)})`;
    const skip = (outcome: NotificationOutcome, channel: string | null, reason: string): NotificationResult => {
      this.log(`[order-updates] ${what}: nothing sent to customer ${event.customerId}${channel ? ` on ${channel}` : ''}: ${reason}`);
      return { outcome, channel, reason };
    };
    if (event.notification === 'stale') return { outcome: 'stale', channel: null, reason: event.reason ?? 'the event no longer applies to the order' };
    if (!(await this.prefs.orderUpdates(event.customerId))) return skip('opted_out', null, 'the customer turned order updates off in the chat');
    const ch = this.channels;
    if (!ch) return skip('pending', null, 'the server is still starting; the message was not sent');

    const target = await this.target(ch, event.customerId);
    if (!target) return skip('no_channel', null, 'the customer has never chatted on the web or Messenger');
    const { route } = target;
    const order = await ch.store.orders.get(event.orderId);
    const hint = (await this.events.reachedCount(event.customerId)) === 0;
    const text = orderUpdateText(event, order, { ...(this.opts.trackingUrl ? { trackingUrl: this.opts.trackingUrl } : {}), hint, ...(route.locale ? { locale: route.locale } : {}), ...(this.opts.texts ? { texts: this.opts.texts } : {}) });
    const activity = { type: 'message' as const, text, channelData: { orderEvent: event.eventId, messagingType: 'UPDATE' } };

    let outcome: NotificationOutcome;
    if (route.channel === 'web') {
      outcome = target.conversationId && (await ch.webTabs(target.conversationId)) > 0 ? 'sent' : 'kept';
    } else if (route.channel === 'messenger') {
      if (!ch.gateway.hasOutlet('messenger')) return skip('channel_off', 'messenger', 'Messenger is not configured on this server');
      const last = await ch.threads.lastInbound(route.externalId);
      if (last === null) return skip('outside_window', 'messenger', "it is not known when the customer last wrote on Messenger, so Meta's 24-hour window cannot be relied on");
      const age = this.now() - last;
      if (age > STANDARD_WINDOW_MS) {
        return skip(
          'outside_window',
          'messenger',
          `the customer last wrote on Messenger ${ago(age)} ago; outside Meta's 24-hour window an order update needs an approved utility message template, and none is configured`,
        );
      }
      outcome = 'sent';
    } else {
      return skip('channel_off', route.channel, `proactive messages are not sent on ${route.channel}`);
    }
    // A customer who never wrote from this identity gets a conversation that replies go to.
    const conversationId = target.conversationId ?? (await ch.gateway.liveConversation(event.customerId, route.channel)).id;
    if (!target.known) await ch.gateway.reroute(conversationId, route);
    // Stored in the conversation at once (an open web tab shows it; the next visit replays it);
    // the channel's delivery goes on after the API has answered.
    void ch.gateway
      .sendToConversation(conversationId, activity)
      .catch((err: unknown) => {
        this.log(`[order-updates] ${what}: sending to customer ${event.customerId} on ${route.channel} failed: ${(err as Error).message}`);
        return this.events.setOutcome(event.eventId, 'failed', { channel: route.channel, reason: (err as Error).message });
      })
      .catch(() => {});
    this.log(`[order-updates] ${what}: ${outcome === 'kept' ? 'kept for the customer\'s next web chat visit' : `sent on ${route.channel}`} (customer ${event.customerId}, conversation ${conversationId})`);
    return { outcome, channel: route.channel, reason: null, text };
  }

  /**
   * Where the customer's update goes: their open live conversation and the channel they last wrote
   * from; without one, their web identity (the update waits in a conversation for their next
   * visit), else their Messenger identity. Null: the customer has no channel at all.
   */
  private async target(ch: OrderUpdateChannels, customerId: string): Promise<{ conversationId: string | null; route: Route; known: boolean } | null> {
    const live = (await ch.store.conversations.listForCustomer(customerId, 50)).find((c) => c.source === 'live' && c.status === 'open');
    const known = live ? await ch.gateway.route(live.id) : undefined;
    if (live && known) return { conversationId: live.id, route: known, known: true };
    const identities = await ch.store.customers.identities(customerId);
    const identity = identities.find((i) => i.channel === 'web') ?? identities.find((i) => i.channel === 'messenger');
    if (!identity) return null;
    return { conversationId: live?.id ?? null, route: { channel: identity.channel, externalId: identity.externalId }, known: false };
  }
}

/** The app's parts the updates use (app/main.ts binds them once the app exists). */
export function orderUpdateChannels(
  store: OrderUpdateChannels['store'],
  app: { gateway: OrderUpdateChannels['gateway']; delivery: { threads: OrderUpdateChannels['threads'] }; http: { io: Server } },
): OrderUpdateChannels {
  return { store, gateway: app.gateway, threads: app.delivery.threads, webTabs: (conversationId) => openWebTabs(app.http.io, conversationId) };
}
