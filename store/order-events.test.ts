import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { NotificationPrefRepo, OrderEventRepo } from './order-events.js';
import type { Sql } from './sql/executor.js';
import { SqliteSql } from './sql/sqlite.js';
import { describeEngines } from '../testing/engines.js';
import { clock, countRows, rejectionOf, seededStore } from '../testing/store-helpers.js';
import { addCustomer, addOrder } from '../testing/store-rows.js';

// Migration 17 (order_events, notification_prefs) and its repositories on a real SQLite file.

let ctx: Awaited<ReturnType<typeof seededStore>>;
let prefs: NotificationPrefRepo;
const time = clock();

beforeEach(async () => {
  ctx = await seededStore(undefined, time.now);
  prefs = new NotificationPrefRepo(ctx.store.sql, time.now);
});
afterEach(() => ctx.cleanup());

describe('migration 17 (order_events)', () => {
  it('is the next migration and creates both tables with their checks and cascades', async () => {
    expect(MIGRATIONS[16]).toMatchObject({ version: 17, name: 'order_events' });
    const cols = (t: string) => ctx.db.prepare<[], string>(`SELECT name FROM pragma_table_info('${t}')`).pluck().all();
    expect(cols('order_events')).toEqual(['event_id', 'order_id', 'customer_id', 'type', 'tracking', 'carrier', 'note', 'occurred_at', 'received_at', 'status_before', 'status_after', 'notification', 'channel', 'reason', 'notified_at']);
    expect(cols('notification_prefs')).toEqual(['customer_id', 'order_updates', 'updated_at']);
    const insert = (type: string, order = 'O2') =>
      ctx.db.prepare("INSERT INTO order_events (event_id, order_id, customer_id, type, received_at, status_before, status_after) VALUES (?, ?, 'C2', ?, 'now', 'processing', 'shipped')").run(`e-${type}-${order}`, order, type);
    expect(() => insert('teleported')).toThrow(/CHECK/);
    expect(() => insert('shipped', 'no-such-order')).toThrow(/FOREIGN KEY/);
    insert('shipped');
    expect(() => ctx.db.prepare("UPDATE order_events SET notification = 'lost'").run()).toThrow(/CHECK/);
    await prefs.setOrderUpdates('C2', false);
    ctx.db.prepare("DELETE FROM customers WHERE id = 'C2'").run();
    expect(countRows(ctx.db, 'order_events')).toBe(0);
    expect(countRows(ctx.db, 'notification_prefs')).toBe(0);
  });
});

describeEngines('OrderEventRepo', (engine) => {
  let sql: Sql;
  let events: OrderEventRepo;
  const t = clock();
  beforeEach(async () => {
    sql = await engine.fresh();
    events = new OrderEventRepo(sql, t.now);
    await addCustomer(sql, 'C1');
    await addCustomer(sql, 'C2');
    await addOrder(sql, 'O1', 'C1', { status: 'delivered', tracking: 'TRK123', carrier: 'BlueDart' });
    await addOrder(sql, 'O2', 'C2', { status: 'processing' });
  });
  const order = (id: string) => sql.get<{ status: string; tracking: string | null; carrier: string | null }>('SELECT status, tracking, carrier FROM orders WHERE id = ?', [id]);
  const count = async () => Number((await sql.get<{ n: number }>('SELECT count(*) AS n FROM order_events'))!.n);

  it('applies an event to its order once: the same event id again is a duplicate', async () => {
    const r = await events.record({ eventId: 'evt-1', orderId: 'O2', type: 'shipped', tracking: '1Z999', carrier: 'UPS' });
    expect(r).toMatchObject({ duplicate: false, applied: true, event: { customerId: 'C2', statusBefore: 'processing', statusAfter: 'shipped', notification: 'pending' } });
    expect(await order('O2')).toEqual({ status: 'shipped', tracking: '1Z999', carrier: 'UPS' });
    const again = await events.record({ eventId: 'evt-1', orderId: 'O2', type: 'shipped' });
    expect(again).toMatchObject({ duplicate: true, applied: true, event: { eventId: 'evt-1', tracking: '1Z999' } });
    expect(await count()).toBe(1);
    // One id names one event: another order or type under it is refused.
    expect((await rejectionOf(events.record({ eventId: 'evt-1', orderId: 'O1', type: 'shipped' }))).code).toBe('conflict');
    expect((await rejectionOf(events.record({ eventId: 'evt-1', orderId: 'O2', type: 'delivered' }))).code).toBe('conflict');
  });

  it('refuses an unknown order and stores nothing', async () => {
    expect((await rejectionOf(events.record({ eventId: 'evt-x', orderId: 'nope', type: 'delivered' }))).code).toBe('not_found');
    expect(await count()).toBe(0);
  });

  it('keeps an event older than the order state without applying it; refunds apply in any state; newest first', async () => {
    // O1 is delivered: a late "shipped" changes nothing and is marked stale.
    const late = await events.record({ eventId: 'evt-late', orderId: 'O1', type: 'shipped', tracking: 'NEW' });
    expect(late).toMatchObject({ applied: false, event: { notification: 'stale', statusAfter: 'delivered' } });
    expect(late.event.reason).toMatch(/already delivered/);
    expect(await order('O1')).toMatchObject({ status: 'delivered', tracking: 'TRK123' });
    t.advance(1);
    expect(await events.record({ eventId: 'evt-refund', orderId: 'O1', type: 'refund_issued' })).toMatchObject({ applied: true, event: { statusAfter: 'delivered' } });
    t.advance(1);
    expect(await events.record({ eventId: 'evt-ret', orderId: 'O1', type: 'returned' })).toMatchObject({ applied: true, event: { statusAfter: 'returned' } });
    t.advance(1);
    expect((await events.record({ eventId: 'evt-cancel', orderId: 'O1', type: 'cancelled' })).applied).toBe(false);
    expect((await events.listForOrder('O1')).map((e) => e.eventId)).toEqual(['evt-cancel', 'evt-ret', 'evt-refund', 'evt-late']);
    expect((await events.listForOrder('O1', 2)).map((e) => e.eventId)).toEqual(['evt-cancel', 'evt-ret']);
  });

  it('records the notification outcome and counts what reached the customer', async () => {
    await events.record({ eventId: 'a', orderId: 'O2', type: 'shipped' });
    await events.record({ eventId: 'b', orderId: 'O2', type: 'out_for_delivery' });
    expect(await events.reachedCount('C2')).toBe(0);
    await events.setOutcome('a', 'kept', { channel: 'web' });
    await events.setOutcome('b', 'outside_window', { channel: 'messenger', reason: 'last wrote 3 days ago' });
    expect(await events.get('a')).toMatchObject({ notification: 'kept', channel: 'web', notifiedAt: new Date(t.now()).toISOString() });
    expect(await events.get('b')).toMatchObject({ notification: 'outside_window', reason: 'last wrote 3 days ago', notifiedAt: null });
    expect(await events.get('none')).toBeUndefined();
    expect(await events.reachedCount('C2')).toBe(1);
  });
});

describe('OrderEventRepo on a SQLite file', () => {
  it('keeps events received in the same millisecond in the order they came, newest first', async () => {
    const repo = new OrderEventRepo(ctx.store.sql, time.now);
    for (const [eventId, type] of [['evt-late', 'shipped'], ['evt-refund', 'refund_issued'], ['evt-ret', 'returned'], ['evt-cancel', 'cancelled']] as const) {
      await repo.record({ eventId, orderId: 'O1', type });
    }
    expect(await ctx.store.orders.get('O1')).toMatchObject({ status: 'returned', tracking: 'TRK123' });
    expect((await repo.listForOrder('O1')).map((e) => e.eventId)).toEqual(['evt-cancel', 'evt-ret', 'evt-refund', 'evt-late']);
  });

  it('survives a reopen of the file (a retry after a restart is still a duplicate)', async () => {
    await new OrderEventRepo(ctx.store.sql, time.now).record({ eventId: 'evt-r', orderId: 'O2', type: 'shipped' });
    ctx.db.close();
    const db = openDatabase(ctx.path);
    try {
      expect((await new OrderEventRepo(new SqliteSql(db)).record({ eventId: 'evt-r', orderId: 'O2', type: 'shipped' })).duplicate).toBe(true);
    } finally {
      db.close();
    }
  });
});

describeEngines('NotificationPrefRepo', (engine) => {
  it('is on by default, off when asked, and on again', async () => {
    const sql = await engine.fresh();
    await addCustomer(sql, 'C1');
    await addCustomer(sql, 'C2');
    const p = new NotificationPrefRepo(sql, time.now);
    expect(await p.orderUpdates('C1')).toBe(true);
    expect(await p.setOrderUpdates('C1', true)).toBe(false); // already on (the default)
    expect(await p.setOrderUpdates('C1', false)).toBe(true);
    expect(await p.setOrderUpdates('C1', false)).toBe(false);
    expect(await p.orderUpdates('C1')).toBe(false);
    expect(await p.orderUpdates('C2')).toBe(true);
    expect(await p.setOrderUpdates('C1', true)).toBe(true);
    expect(await p.orderUpdates('C1')).toBe(true);
    expect(await p.setOrderUpdates('C1', false)).toBe(true);
  });
});
