import type { DB } from './db.js';
import { StoreError } from './errors.js';
import type { Sql } from './sql/executor.js';
import { checkOptionalText, MAX_SHORT_BYTES } from './text.js';
import type { OrderStatus } from './types.js';

// Order events from the store's backend (shipped, out for delivery, delivered, refund issued…) and
// the customers' choice to get proactive order updates or not. An event is kept once by its event
// id: the same id again is a retry and changes nothing. An event older than the order's state (a
// "shipped" that arrives after "delivered") is kept but neither applied nor notified.

export const ORDER_EVENT_TYPES = ['shipped', 'out_for_delivery', 'delivery_attempted', 'delivered', 'cancelled', 'refund_issued', 'returned'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/**
 * What became of the customer's message about an event: `sent` (a channel took it: an open web tab
 * or Messenger's Send API), `kept` (stored in the chat for the customer's next web visit),
 * `opted_out`, `outside_window` (Messenger, more than 24 hours since the customer wrote),
 * `no_channel` (the customer never chatted), `channel_off` (their channel is not configured),
 * `stale` (the event was not applied), `failed`, `pending` (not decided yet).
 */
export const NOTIFICATION_OUTCOMES = ['pending', 'sent', 'kept', 'opted_out', 'outside_window', 'no_channel', 'channel_off', 'stale', 'failed'] as const;
export type NotificationOutcome = (typeof NOTIFICATION_OUTCOMES)[number];

/** The status an event brings an order to; null: the status stays (a refund). */
export const EVENT_STATUS: Readonly<Record<OrderEventType, OrderStatus | null>> = {
  shipped: 'shipped',
  out_for_delivery: 'shipped',
  delivery_attempted: 'shipped',
  delivered: 'delivered',
  cancelled: 'cancelled',
  refund_issued: null,
  returned: 'returned',
};

/** The order statuses each event applies to; from any other the event is older than the order's state. */
const APPLIES_FROM: Readonly<Record<OrderEventType, readonly OrderStatus[] | 'any'>> = {
  shipped: ['processing', 'shipped'],
  out_for_delivery: ['processing', 'shipped'],
  delivery_attempted: ['processing', 'shipped'],
  delivered: ['processing', 'shipped'],
  cancelled: ['processing', 'shipped'],
  refund_issued: 'any',
  returned: ['shipped', 'delivered', 'return_requested'],
};

export interface OrderEvent {
  eventId: string;
  orderId: string;
  customerId: string;
  type: OrderEventType;
  tracking: string | null;
  carrier: string | null;
  note: string | null;
  /** When it happened, as the backend says (ISO); null: not said. */
  occurredAt: string | null;
  receivedAt: string;
  statusBefore: OrderStatus;
  statusAfter: OrderStatus;
  notification: NotificationOutcome;
  channel: string | null;
  reason: string | null;
  notifiedAt: string | null;
}

export interface NewOrderEvent {
  eventId: string;
  orderId: string;
  type: OrderEventType;
  tracking?: string | null;
  carrier?: string | null;
  note?: string | null;
  occurredAt?: string | null;
}

interface Row {
  event_id: string;
  order_id: string;
  customer_id: string;
  type: OrderEventType;
  tracking: string | null;
  carrier: string | null;
  note: string | null;
  occurred_at: string | null;
  received_at: string;
  status_before: OrderStatus;
  status_after: OrderStatus;
  notification: NotificationOutcome;
  channel: string | null;
  reason: string | null;
  notified_at: string | null;
}

const toEvent = (r: Row): OrderEvent => ({
  eventId: r.event_id,
  orderId: r.order_id,
  customerId: r.customer_id,
  type: r.type,
  tracking: r.tracking,
  carrier: r.carrier,
  note: r.note,
  occurredAt: r.occurred_at,
  receivedAt: r.received_at,
  statusBefore: r.status_before,
  statusAfter: r.status_after,
  notification: r.notification,
  channel: r.channel,
  reason: r.reason,
  notifiedAt: r.notified_at,
});

const COLUMNS = 'event_id, order_id, customer_id, type, tracking, carrier, note, occurred_at, received_at, status_before, status_after, notification, channel, reason, notified_at';

export interface RecordResult {
  event: OrderEvent;
  /** The event id was seen before (a retried POST): nothing was applied this time. */
  duplicate: boolean;
  /** The event changed the order (status, tracking or carrier) or is news for it; false: older than the order's state. */
  applied: boolean;
}

export class OrderEventRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Keeps an event and applies it to its order in one transaction: the order's status (and the
   * tracking number and carrier when given) change when the event is newer than the order's state.
   * The same event id again returns the first one with `duplicate` (a different order or type for
   * a known id is a 'conflict'); an unknown order is 'not_found'.
   */
  async record(e: NewOrderEvent, sql: Sql = this.sql): Promise<RecordResult> {
    const tracking = checkOptionalText('tracking', e.tracking, MAX_SHORT_BYTES);
    const carrier = checkOptionalText('carrier', e.carrier, MAX_SHORT_BYTES);
    const note = checkOptionalText('note', e.note, MAX_SHORT_BYTES * 4);
    return sql.transaction(async (tx): Promise<RecordResult> => {
      const known = await tx.get<Row>(`SELECT ${COLUMNS} FROM order_events WHERE event_id = ?`, [e.eventId]);
      if (known) {
        if (known.order_id !== e.orderId || known.type !== e.type) {
          throw new StoreError('conflict', `event ${e.eventId} was already received for order ${known.order_id} (${known.type}); an event id names one event`);
        }
        return { event: toEvent(known), duplicate: true, applied: known.notification !== 'stale' };
      }
      const order = await tx.get<{ customer_id: string; status: OrderStatus }>('SELECT customer_id, status FROM orders WHERE id = ?', [e.orderId]);
      if (!order) throw new StoreError('not_found', `order ${e.orderId} not found`);
      const from = APPLIES_FROM[e.type];
      const applied = from === 'any' || from.includes(order.status);
      const target = EVENT_STATUS[e.type];
      const after = applied && target ? target : order.status;
      const at = new Date(this.now()).toISOString();
      const row: Row = {
        event_id: e.eventId,
        order_id: e.orderId,
        customer_id: order.customer_id,
        type: e.type,
        tracking,
        carrier,
        note,
        occurred_at: e.occurredAt ?? null,
        received_at: at,
        status_before: order.status,
        status_after: after,
        notification: applied ? 'pending' : 'stale',
        channel: null,
        reason: applied ? null : `the order is already ${order.status.replace(/_/g, ' ')}; a ${e.type.replace(/_/g, ' ')} event no longer applies`,
        notified_at: null,
      };
      await tx.run(
        `INSERT INTO order_events (${COLUMNS}) VALUES (@event_id, @order_id, @customer_id, @type, @tracking, @carrier, @note, @occurred_at, @received_at, @status_before, @status_after, @notification, @channel, @reason, @notified_at)`,
        { ...row },
      );
      if (applied && (after !== order.status || tracking !== null || carrier !== null)) {
        await tx.run('UPDATE orders SET status = @status, updated_at = @now, tracking = coalesce(@tracking, tracking), carrier = coalesce(@carrier, carrier) WHERE id = @id', {
          id: e.orderId,
          status: after,
          now: at,
          tracking,
          carrier,
        });
      }
      return { event: toEvent(row), duplicate: false, applied };
    });
  }

  async get(eventId: string, sql: Sql = this.sql): Promise<OrderEvent | undefined> {
    const r = await sql.get<Row>(`SELECT ${COLUMNS} FROM order_events WHERE event_id = ?`, [eventId]);
    return r ? toEvent(r) : undefined;
  }

  /** The order's events, newest first. */
  async listForOrder(orderId: string, limit = 50, sql: Sql = this.sql): Promise<OrderEvent[]> {
    // Events received in the same millisecond: SQLite keeps them in the order they came (rowid);
    // order_events has no such key on PostgreSQL, where the event id decides (a dialect branch
    // until a migration gives the table an insertion-order column).
    const tie = sql.dialect === 'sqlite' ? 'rowid DESC' : 'event_id DESC';
    const rows = await sql.all<Row>(`SELECT ${COLUMNS} FROM order_events WHERE order_id = ? ORDER BY received_at DESC, ${tie} LIMIT ?`, [
      orderId,
      Math.max(1, Math.min(500, Math.trunc(limit))),
    ]);
    return rows.map(toEvent);
  }

  /** Records what became of the customer's message about the event. */
  async setOutcome(eventId: string, outcome: NotificationOutcome, opts: { channel?: string | null; reason?: string | null } = {}, sql: Sql = this.sql): Promise<void> {
    const reached = outcome === 'sent' || outcome === 'kept';
    await sql.run('UPDATE order_events SET notification = @outcome, channel = @channel, reason = @reason, notified_at = @at WHERE event_id = @id', {
      id: eventId,
      outcome,
      channel: opts.channel ?? null,
      reason: opts.reason ? opts.reason.slice(0, 1000) : null,
      at: reached ? new Date(this.now()).toISOString() : null,
    });
  }

  /** How many order updates reached the customer (sent, or kept for their next visit). */
  async reachedCount(customerId: string, sql: Sql = this.sql): Promise<number> {
    return Number((await sql.get<{ n: number }>("SELECT count(*) AS n FROM order_events WHERE customer_id = ? AND notification IN ('sent', 'kept')", [customerId]))?.n ?? 0);
  }
}

/** Per customer: proactive order updates on (the default) or off, as they asked in the chat. */
export class NotificationPrefRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the customer gets proactive order updates (true unless they turned them off). */
  async orderUpdates(customerId: string, sql: Sql = this.sql): Promise<boolean> {
    const r = await sql.get<{ order_updates: number }>('SELECT order_updates FROM notification_prefs WHERE customer_id = ?', [customerId]);
    return Number(r?.order_updates ?? 1) === 1;
  }

  /**
   * Turns the customer's order updates on or off; false when it already was so. One statement that
   * writes only a change (no row is on, the default), so its count of changed rows is the answer.
   */
  async setOrderUpdates(customerId: string, on: boolean, sql: Sql = this.sql): Promise<boolean> {
    const at = new Date(this.now()).toISOString();
    const r = on
      ? await sql.run('UPDATE notification_prefs SET order_updates = 1, updated_at = ? WHERE customer_id = ? AND order_updates = 0', [at, customerId])
      : await sql.run(
          `INSERT INTO notification_prefs (customer_id, order_updates, updated_at) VALUES (?, 0, ?)
           ON CONFLICT (customer_id) DO UPDATE SET order_updates = 0, updated_at = excluded.updated_at WHERE notification_prefs.order_updates <> 0`,
          [customerId, at],
        );
    return r.changes === 1;
  }

}
