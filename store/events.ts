import { StoreError } from './errors.js';
import { inList, isForeignKeyViolation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { fromJson, isoTime, toJson } from './text.js';
import { EVENT_TYPES, type BehaviourEvent, type EventType } from './types.js';

interface EventRow {
  id: number;
  customer_id: string;
  product_id: string;
  type: EventType;
  context: string | null;
  ts: string;
}

const toEvent = (r: EventRow): BehaviourEvent => ({
  id: r.id,
  customerId: r.customer_id,
  productId: r.product_id,
  type: r.type,
  context: fromJson<Record<string, unknown>>(r.context),
  ts: r.ts,
});

export interface NewEvent {
  customerId: string;
  productId: string;
  type: EventType;
  context?: Record<string, unknown> | null;
  ts?: string;
}

/** A purchase from either an explicit purchase event or a line of a (not cancelled) order. */
export interface Purchase {
  customerId: string;
  productId: string;
  qty: number;
  ts: string;
  source: 'event' | 'order';
}

const COLUMNS = 'id, customer_id, product_id, type, context, ts';
const MAX_CONTEXT_BYTES = 16 * 1024;

type PurchaseRow = { customer_id: string; product_id: string; qty: number; ts: string; source: 'event' | 'order' };

const PURCHASE_EVENTS = `SELECT customer_id, product_id, 1 AS qty, ts, 'event' AS source FROM events WHERE type = 'purchase' ORDER BY ts, id`;

// Purchase events and lines of non-cancelled orders in one time line. Ties (same time) go events
// first, then by event id, or by order id and line number.
const PURCHASES_ALL = `SELECT customer_id, product_id, qty, ts, source FROM (
    SELECT customer_id, product_id, 1 AS qty, ts, 'event' AS source, id AS k1, '' AS k2, 0 AS k3 FROM events WHERE type = 'purchase'
    UNION ALL
    SELECT o.customer_id, l.product_id, l.qty, o.created_at AS ts, 'order' AS source, 0 AS k1, o.id AS k2, l.line_no AS k3
    FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.status <> 'cancelled'
  ) p ORDER BY ts, source, k1, k2, k3`;

export class EventRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  async record(e: NewEvent, sql: Sql = this.sql): Promise<number> {
    if (!(EVENT_TYPES as readonly string[]).includes(e.type)) {
      throw new StoreError('invalid_input', `event type must be one of ${EVENT_TYPES.join(', ')} (got "${e.type}")`);
    }
    const row = {
      customer_id: e.customerId,
      product_id: e.productId,
      type: e.type,
      context: toJson('event context', e.context, MAX_CONTEXT_BYTES),
      ts: isoTime(e.ts, this.now),
    };
    try {
      const r = await sql.get<{ id: number }>('INSERT INTO events (customer_id, product_id, type, context, ts) VALUES (@customer_id, @product_id, @type, @context, @ts) RETURNING id', row);
      return r!.id;
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new StoreError('not_found', 'event refers to an unknown customer or product');
      throw err;
    }
  }

  /** Records several events in one transaction (all or nothing); returns their ids. */
  async recordMany(events: readonly NewEvent[], sql: Sql = this.sql): Promise<number[]> {
    if (events.length === 0) return [];
    // Scope: inserts only, nothing read; the customers' locks just keep it off the store-wide one.
    return sql.transaction(async (tx) => {
      const ids: number[] = [];
      for (const e of events) ids.push(await this.record(e, tx));
      return ids;
    }, { scope: events.map((e) => `customer:${e.customerId}`) });
  }

  /** The customer's latest events, newest first, optionally only some types. */
  async recentForCustomer(customerId: string, opts: { limit?: number; types?: readonly EventType[] } = {}, sql: Sql = this.sql): Promise<BehaviourEvent[]> {
    const limit = Math.max(1, Math.min(1000, Math.trunc(opts.limit ?? 50)));
    const rows = opts.types
      ? await sql.all<EventRow>(`SELECT ${COLUMNS} FROM events WHERE customer_id = ? AND type IN (${inList(opts.types)}) ORDER BY ts DESC, id DESC LIMIT ?`, [customerId, ...opts.types, limit])
      : await sql.all<EventRow>(`SELECT ${COLUMNS} FROM events WHERE customer_id = ? ORDER BY ts DESC, id DESC LIMIT ?`, [customerId, limit]);
    return rows.map(toEvent);
  }

  /**
   * Every purchase, oldest first (recommender training). By default order lines of non-cancelled
   * orders are included next to explicit purchase events; pass includeOrders: false for events only.
   * Read in one query before the first is yielded, so no cursor stays open while others write.
   */
  async *purchases(opts: { includeOrders?: boolean } = {}, sql: Sql = this.sql): AsyncIterableIterator<Purchase> {
    const rows = await sql.all<PurchaseRow>(opts.includeOrders === false ? PURCHASE_EVENTS : PURCHASES_ALL);
    for (const r of rows) yield { customerId: r.customer_id, productId: r.product_id, qty: r.qty, ts: r.ts, source: r.source };
  }

  /** Event counts per type for one product. */
  async countsFor(productId: string, sql: Sql = this.sql): Promise<Record<EventType, number>> {
    const out = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
    for (const r of await sql.all<{ type: EventType; n: number }>('SELECT type, count(*) AS n FROM events WHERE product_id = ? GROUP BY type', [productId])) out[r.type] = r.n;
    return out;
  }

  /** Most frequent products for an event type since a time (cold-start recommendations). */
  async popular(type: EventType, opts: { since?: string; limit?: number } = {}, sql: Sql = this.sql): Promise<{ productId: string; count: number }[]> {
    const since = opts.since ?? '0000';
    const limit = Math.max(1, Math.min(1000, Math.trunc(opts.limit ?? 20)));
    const rows = await sql.all<{ product_id: string; n: number }>(
      'SELECT product_id, count(*) AS n FROM events WHERE type = ? AND ts >= ? GROUP BY product_id ORDER BY n DESC, product_id LIMIT ?',
      [type, since, limit],
    );
    return rows.map((r) => ({ productId: r.product_id, count: r.n }));
  }
}
