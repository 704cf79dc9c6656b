import { StoreError } from './errors.js';
import { newId } from './ids.js';
import { inList, violation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { checkText, isoTime, MAX_ID_BYTES, MAX_SHORT_BYTES } from './text.js';
import { ORDER_STATUSES, type Address, type Order, type OrderLine, type OrderStatus } from './types.js';

/** An `orders` row as the store holds it. */
export interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  created_at: string;
  updated_at: string;
  tracking: string | null;
  carrier: string | null;
  ship_line1: string;
  ship_city: string;
  ship_postcode: string;
  ship_country: string;
  return_reason: string | null;
}

interface LineRow {
  order_id: string;
  line_no: number;
  product_id: string;
  product_title: string | null;
  qty: number;
  unit_price: number;
}

/**
 * Allowed status changes. Only a processing order can be cancelled; a return can only be requested
 * for a delivered order, and a requested return is either accepted (returned) or declined
 * (back to delivered). cancelled and returned are final.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: ['return_requested'],
  return_requested: ['returned', 'delivered'],
  cancelled: [],
  returned: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

function transitionError(id: string, from: OrderStatus, to: OrderStatus): StoreError {
  const why: Partial<Record<OrderStatus, string>> = {
    cancelled: 'only processing orders can be cancelled',
    return_requested: 'a return can only be requested for a delivered order',
    returned: 'only orders with a requested return can be marked returned',
  };
  const allowed = ORDER_TRANSITIONS[from];
  const hint = why[to] ?? (allowed.length ? `a ${from} order can only become ${allowed.join(' or ')}` : `${from} is final`);
  return new StoreError('invalid_transition', `order ${id} is ${from}; cannot change it to ${to}: ${hint}`);
}

const SELECT = `SELECT id, customer_id, status, created_at, updated_at, tracking, carrier,
  ship_line1, ship_city, ship_postcode, ship_country, return_reason FROM orders`;

export interface NewOrderLine {
  productId: string;
  qty: number;
  unitPrice: number;
}

export interface NewOrder {
  id?: string;
  customerId: string;
  status?: OrderStatus;
  createdAt?: string;
  tracking?: string | null;
  carrier?: string | null;
  shippingAddress: Address;
  lines: NewOrderLine[];
}

export interface StatusUpdate {
  tracking?: string | null;
  carrier?: string | null;
}

function checkAddress(a: Address): Address {
  if (typeof a !== 'object' || a === null) throw new StoreError('invalid_input', 'shipping address is required');
  const field = (name: keyof Address, max: number): string => {
    const v = checkText(`address ${name}`, a[name], max);
    if (v.trim() === '') throw new StoreError('invalid_input', `address ${name} must not be empty`);
    return v;
  };
  return { line1: field('line1', MAX_SHORT_BYTES), city: field('city', MAX_SHORT_BYTES), postcode: field('postcode', MAX_ID_BYTES), country: field('country', MAX_ID_BYTES) };
}

const LINES = `SELECT l.order_id, l.line_no, l.product_id, p.title AS product_title, l.qty, l.unit_price
  FROM order_lines l LEFT JOIN products p ON p.id = l.product_id`;

export class OrderRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /** The order with its lines (and current product titles), or undefined. */
  async get(id: string, sql: Sql = this.sql): Promise<Order | undefined> {
    const r = await sql.get<OrderRow>(`${SELECT} WHERE id = ?`, [id]);
    return r ? this.assemble(r, await sql.all<LineRow>(`${LINES} WHERE l.order_id = ? ORDER BY l.line_no`, [id])) : undefined;
  }

  /** The customer's orders, newest first, with lines. */
  async listForCustomer(customerId: string, opts: { status?: OrderStatus; limit?: number } = {}, sql: Sql = this.sql): Promise<Order[]> {
    const limit = Math.max(1, Math.min(200, Math.trunc(opts.limit ?? 20)));
    const rows = opts.status
      ? await sql.all<OrderRow>(`${SELECT} WHERE customer_id = ? AND status = ? ORDER BY created_at DESC, id DESC LIMIT ?`, [customerId, opts.status, limit])
      : await sql.all<OrderRow>(`${SELECT} WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, [customerId, limit]);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const byOrder = new Map<string, LineRow[]>();
    for (const l of await sql.all<LineRow>(`${LINES} WHERE l.order_id IN (${inList(ids)}) ORDER BY l.order_id, l.line_no`, ids)) {
      const list = byOrder.get(l.order_id) ?? [];
      list.push(l);
      byOrder.set(l.order_id, list);
    }
    return rows.map((r) => this.assemble(r, byOrder.get(r.id) ?? []));
  }

  async create(o: NewOrder, sql: Sql = this.sql): Promise<Order> {
    if (!Array.isArray(o.lines) || o.lines.length === 0) throw new StoreError('invalid_input', 'an order needs at least one line');
    const status = o.status ?? 'processing';
    if (!(ORDER_STATUSES as readonly string[]).includes(status)) throw new StoreError('invalid_input', `unknown order status "${status}"`);
    const created = isoTime(o.createdAt, this.now);
    const addr = checkAddress(o.shippingAddress);
    const row: OrderRow = {
      id: o.id === undefined ? newId('ord') : checkText('order id', o.id, MAX_ID_BYTES),
      customer_id: o.customerId,
      status,
      created_at: created,
      updated_at: created,
      tracking: o.tracking ?? null,
      carrier: o.carrier ?? null,
      ship_line1: addr.line1,
      ship_city: addr.city,
      ship_postcode: addr.postcode,
      ship_country: addr.country,
      return_reason: null,
    };
    return sql.transaction(async (tx) => {
      try {
        await tx.run(
          `INSERT INTO orders (id, customer_id, status, created_at, updated_at, tracking, carrier, ship_line1, ship_city, ship_postcode, ship_country, return_reason)
           VALUES (@id, @customer_id, @status, @created_at, @updated_at, @tracking, @carrier, @ship_line1, @ship_city, @ship_postcode, @ship_country, @return_reason)`,
          { ...row },
        );
        for (const [i, l] of o.lines.entries()) {
          if (!Number.isInteger(l.qty) || l.qty <= 0) throw new StoreError('invalid_input', `line ${i + 1}: qty must be a positive integer`);
          if (typeof l.unitPrice !== 'number' || !(l.unitPrice >= 0)) throw new StoreError('invalid_input', `line ${i + 1}: unitPrice must be >= 0`);
          await tx.run('INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price) VALUES (?, ?, ?, ?, ?)', [row.id, i + 1, l.productId, l.qty, l.unitPrice]);
        }
      } catch (e) {
        const v = violation(e);
        if (v === 'foreign_key') throw new StoreError('not_found', 'order refers to an unknown customer or product');
        if (v === 'primary_key') throw new StoreError('conflict', `order ${row.id} already exists`);
        throw e;
      }
      return (await this.get(row.id, tx))!;
    });
  }

  /**
   * Moves an order to `to` if ORDER_TRANSITIONS allows it from its current status, else throws
   * 'invalid_transition' (or 'not_found'). Optionally sets tracking/carrier (e.g. when shipping).
   */
  async updateStatus(id: string, to: OrderStatus, extra: StatusUpdate = {}, sql: Sql = this.sql): Promise<Order> {
    if (!(ORDER_STATUSES as readonly string[]).includes(to)) throw new StoreError('invalid_input', `unknown order status "${to}"`);
    return sql.transaction(async (tx) => {
      const current = await tx.get<OrderRow>(`${SELECT} WHERE id = ?`, [id]);
      if (!current) throw new StoreError('not_found', `order ${id} not found`);
      if (!canTransition(current.status, to)) throw transitionError(id, current.status, to);
      await tx.run(
        `UPDATE orders SET status = @to, updated_at = @now,
           tracking = CASE WHEN @setTracking = 1 THEN @tracking ELSE tracking END,
           carrier = CASE WHEN @setCarrier = 1 THEN @carrier ELSE carrier END
         WHERE id = @id AND status = @from`,
        {
          id,
          from: current.status,
          to,
          now: isoTime(undefined, this.now),
          tracking: extra.tracking ?? null,
          setTracking: 'tracking' in extra ? 1 : 0,
          carrier: extra.carrier ?? null,
          setCarrier: 'carrier' in extra ? 1 : 0,
        },
      );
      return (await this.get(id, tx))!;
    });
  }

  /** Cancels a processing order. */
  cancel(id: string, sql: Sql = this.sql): Promise<Order> {
    return this.updateStatus(id, 'cancelled', {}, sql);
  }

  /** Changes the shipping address; only while the order is still processing (not yet shipped). */
  async updateAddress(id: string, address: Address, sql: Sql = this.sql): Promise<Order> {
    const a = checkAddress(address);
    return sql.transaction(async (tx) => {
      const { changes } = await tx.run(
        `UPDATE orders SET ship_line1 = @line1, ship_city = @city, ship_postcode = @postcode, ship_country = @country, updated_at = @now
         WHERE id = @id AND status = 'processing'`,
        { id, now: isoTime(undefined, this.now), ...a },
      );
      if (changes === 0) {
        const current = await tx.get<OrderRow>(`${SELECT} WHERE id = ?`, [id]);
        if (!current) throw new StoreError('not_found', `order ${id} not found`);
        throw new StoreError('invalid_transition', `order ${id} is ${current.status}; the address can only be changed before it ships`);
      }
      return (await this.get(id, tx))!;
    });
  }

  /** Requests a return; only for delivered orders. */
  async requestReturn(id: string, reason: string, sql: Sql = this.sql): Promise<Order> {
    const why = checkText('return reason', reason, MAX_SHORT_BYTES);
    return sql.transaction(async (tx) => {
      const { changes } = await tx.run("UPDATE orders SET status = 'return_requested', return_reason = ?, updated_at = ? WHERE id = ? AND status = 'delivered'", [why, isoTime(undefined, this.now), id]);
      if (changes === 0) {
        const current = await tx.get<OrderRow>(`${SELECT} WHERE id = ?`, [id]);
        if (!current) throw new StoreError('not_found', `order ${id} not found`);
        throw transitionError(id, current.status, 'return_requested');
      }
      return (await this.get(id, tx))!;
    });
  }

  private assemble(r: OrderRow, lines: LineRow[]): Order {
    const mapped: OrderLine[] = lines.map((l) => ({
      lineNo: l.line_no,
      productId: l.product_id,
      productTitle: l.product_title,
      qty: l.qty,
      unitPrice: l.unit_price,
    }));
    const total = Math.round(mapped.reduce((s, l) => s + l.qty * l.unitPrice, 0) * 100) / 100;
    return {
      id: r.id,
      customerId: r.customer_id,
      status: r.status,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      tracking: r.tracking,
      carrier: r.carrier,
      shippingAddress: { line1: r.ship_line1, city: r.ship_city, postcode: r.ship_postcode, country: r.ship_country },
      returnReason: r.return_reason,
      lines: mapped,
      total,
    };
  }
}
