import type { DB } from './db.js';
import { StoreError } from './errors.js';
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

export class EventRepo {
  private readonly insertStmt;
  private readonly recent;
  private readonly recentTyped;
  private readonly purchaseEvents;
  private readonly purchasesAll;
  private readonly countsForProduct;
  private readonly popularStmt;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.insertStmt = db.prepare<[Omit<EventRow, 'id'>]>(
      'INSERT INTO events (customer_id, product_id, type, context, ts) VALUES (@customer_id, @product_id, @type, @context, @ts)',
    );
    this.recent = db.prepare<[string, number], EventRow>(`SELECT ${COLUMNS} FROM events WHERE customer_id = ? ORDER BY ts DESC, id DESC LIMIT ?`);
    this.recentTyped = db.prepare<[string, string, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE customer_id = ? AND type IN (SELECT value FROM json_each(?)) ORDER BY ts DESC, id DESC LIMIT ?`,
    );
    this.purchaseEvents = db.prepare<[], { customer_id: string; product_id: string; qty: number; ts: string; source: 'event' | 'order' }>(
      `SELECT customer_id, product_id, 1 AS qty, ts, 'event' AS source FROM events WHERE type = 'purchase' ORDER BY ts, id`,
    );
    this.purchasesAll = db.prepare<[], { customer_id: string; product_id: string; qty: number; ts: string; source: 'event' | 'order' }>(
      `SELECT customer_id, product_id, qty, ts, source FROM (
         SELECT customer_id, product_id, 1 AS qty, ts, 'event' AS source, id AS k1, 0 AS k2 FROM events WHERE type = 'purchase'
         UNION ALL
         SELECT o.customer_id, l.product_id, l.qty, o.created_at AS ts, 'order' AS source, o.rowid AS k1, l.line_no AS k2
         FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.status <> 'cancelled'
       ) ORDER BY ts, source, k1, k2`,
    );
    this.countsForProduct = db.prepare<[string], { type: EventType; n: number }>('SELECT type, count(*) AS n FROM events WHERE product_id = ? GROUP BY type');
    this.popularStmt = db.prepare<[string, string, number], { product_id: string; n: number }>(
      'SELECT product_id, count(*) AS n FROM events WHERE type = ? AND ts >= ? GROUP BY product_id ORDER BY n DESC, product_id LIMIT ?',
    );
  }

  record(e: NewEvent): number {
    if (!(EVENT_TYPES as readonly string[]).includes(e.type)) {
      throw new StoreError('invalid_input', `event type must be one of ${EVENT_TYPES.join(', ')} (got "${e.type}")`);
    }
    try {
      return Number(
        this.insertStmt.run({
          customer_id: e.customerId,
          product_id: e.productId,
          type: e.type,
          context: toJson('event context', e.context, MAX_CONTEXT_BYTES),
          ts: isoTime(e.ts, this.now),
        }).lastInsertRowid,
      );
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreError('not_found', 'event refers to an unknown customer or product');
      throw err;
    }
  }

  /** Records several events in one transaction (all or nothing); returns their ids. */
  recordMany(events: readonly NewEvent[]): number[] {
    return this.db.transaction(() => events.map((e) => this.record(e)))();
  }

  /** The customer's latest events, newest first, optionally only some types. */
  recentForCustomer(customerId: string, opts: { limit?: number; types?: readonly EventType[] } = {}): BehaviourEvent[] {
    const limit = Math.max(1, Math.min(1000, Math.trunc(opts.limit ?? 50)));
    const rows = opts.types ? this.recentTyped.all(customerId, JSON.stringify(opts.types), limit) : this.recent.all(customerId, limit);
    return rows.map(toEvent);
  }

  /**
   * Every purchase, oldest first, streamed (recommender training). By default order lines of
   * non-cancelled orders are included next to explicit purchase events; pass includeOrders: false
   * for events only. Do not write through the same connection while iterating.
   */
  *purchases(opts: { includeOrders?: boolean } = {}): IterableIterator<Purchase> {
    const stmt = opts.includeOrders === false ? this.purchaseEvents : this.purchasesAll;
    for (const r of stmt.iterate()) yield { customerId: r.customer_id, productId: r.product_id, qty: r.qty, ts: r.ts, source: r.source };
  }

  /** Event counts per type for one product. */
  countsFor(productId: string): Record<EventType, number> {
    const out = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
    for (const r of this.countsForProduct.all(productId)) out[r.type] = r.n;
    return out;
  }

  /** Most frequent products for an event type since a time (cold-start recommendations). */
  popular(type: EventType, opts: { since?: string; limit?: number } = {}): { productId: string; count: number }[] {
    const since = opts.since ?? '0000';
    const limit = Math.max(1, Math.min(1000, Math.trunc(opts.limit ?? 20)));
    return this.popularStmt.all(type, since, limit).map((r) => ({ productId: r.product_id, count: r.n }));
  }
}
