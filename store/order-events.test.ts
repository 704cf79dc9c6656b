import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { NotificationPrefRepo, OrderEventRepo } from './order-events.js';
import { clock, countRows, errorOf, seededStore } from '../testing/store-helpers.js';

// Migration 17 (order_events, notification_prefs) and its repositories on a real SQLite file.

let ctx: Awaited<ReturnType<typeof seededStore>>;
let events: OrderEventRepo;
let prefs: NotificationPrefRepo;
const time = clock();

beforeEach(async () => {
  ctx = await seededStore(undefined, time.now);
  events = new OrderEventRepo(ctx.db, time.now);
  prefs = new NotificationPrefRepo(ctx.db, time.now);
});
afterEach(() => ctx.cleanup());

describe('migration 17 (order_events)', () => {
  it('is the next migration and creates both tables with their checks and cascades', () => {
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
    prefs.setOrderUpdates('C2', false);
    ctx.db.prepare("DELETE FROM customers WHERE id = 'C2'").run();
    expect(countRows(ctx.db, 'order_events')).toBe(0);
    expect(countRows(ctx.db, 'notification_prefs')).toBe(0);
  });
});

describe('OrderEventRepo', () => {
  it('applies an event to its order once: the same event id again is a duplicate', () => {
    const r = events.record({ eventId: 'evt-1', orderId: 'O2', type: 'shipped', tracking: '1Z999', carrier: 'UPS' });
    expect(r).toMatchObject({ duplicate: false, applied: true, event: { customerId: 'C2', statusBefore: 'processing', statusAfter: 'shipped', notification: 'pending' } });
    expect(ctx.store.orders.get('O2')).toMatchObject({ status: 'shipped', tracking: '1Z999', carrier: 'UPS' });
    const again = events.record({ eventId: 'evt-1', orderId: 'O2', type: 'shipped' });
    expect(again).toMatchObject({ duplicate: true, applied: true, event: { eventId: 'evt-1', tracking: '1Z999' } });
    expect(countRows(ctx.db, 'order_events')).toBe(1);
    // One id names one event: another order or type under it is refused.
    expect(errorOf(() => events.record({ eventId: 'evt-1', orderId: 'O1', type: 'shipped' })).code).toBe('conflict');
    expect(errorOf(() => events.record({ eventId: 'evt-1', orderId: 'O2', type: 'delivered' })).code).toBe('conflict');
  });

  it('refuses an unknown order and stores nothing', () => {
    expect(errorOf(() => events.record({ eventId: 'evt-x', orderId: 'nope', type: 'delivered' })).code).toBe('not_found');
    expect(countRows(ctx.db, 'order_events')).toBe(0);
  });

  it('keeps an event older than the order state without applying it; refunds apply in any state', () => {
    // O1 is delivered: a late "shipped" changes nothing and is marked stale.
    const late = events.record({ eventId: 'evt-late', orderId: 'O1', type: 'shipped', tracking: 'NEW' });
    expect(late).toMatchObject({ applied: false, event: { notification: 'stale', statusAfter: 'delivered' } });
    expect(late.event.reason).toMatch(/already delivered/);
    expect(ctx.store.orders.get('O1')).toMatchObject({ status: 'delivered', tracking: 'TRK123' });
    expect(events.record({ eventId: 'evt-refund', orderId: 'O1', type: 'refund_issued' })).toMatchObject({ applied: true, event: { statusAfter: 'delivered' } });
    expect(events.record({ eventId: 'evt-ret', orderId: 'O1', type: 'returned' })).toMatchObject({ applied: true, event: { statusAfter: 'returned' } });
    expect(events.record({ eventId: 'evt-cancel', orderId: 'O1', type: 'cancelled' }).applied).toBe(false);
    expect(events.listForOrder('O1').map((e) => e.eventId)).toEqual(['evt-cancel', 'evt-ret', 'evt-refund', 'evt-late']);
  });

  it('records the notification outcome and counts what reached the customer', () => {
    events.record({ eventId: 'a', orderId: 'O2', type: 'shipped' });
    events.record({ eventId: 'b', orderId: 'O2', type: 'out_for_delivery' });
    expect(events.reachedCount('C2')).toBe(0);
    events.setOutcome('a', 'kept', { channel: 'web' });
    events.setOutcome('b', 'outside_window', { channel: 'messenger', reason: 'last wrote 3 days ago' });
    expect(events.get('a')).toMatchObject({ notification: 'kept', channel: 'web', notifiedAt: new Date(time.now()).toISOString() });
    expect(events.get('b')).toMatchObject({ notification: 'outside_window', reason: 'last wrote 3 days ago', notifiedAt: null });
    expect(events.reachedCount('C2')).toBe(1);
  });

  it('survives a reopen of the file (a retry after a restart is still a duplicate)', () => {
    events.record({ eventId: 'evt-r', orderId: 'O2', type: 'shipped' });
    ctx.db.close();
    const db = openDatabase(ctx.path);
    try {
      expect(new OrderEventRepo(db).record({ eventId: 'evt-r', orderId: 'O2', type: 'shipped' }).duplicate).toBe(true);
    } finally {
      db.close();
    }
  });
});

describe('NotificationPrefRepo', () => {
  it('is on by default, off when asked, and on again', () => {
    expect(prefs.orderUpdates('C1')).toBe(true);
    expect(prefs.setOrderUpdates('C1', false)).toBe(true);
    expect(prefs.setOrderUpdates('C1', false)).toBe(false);
    expect(prefs.orderUpdates('C1')).toBe(false);
    expect(prefs.orderUpdates('C2')).toBe(true);
    expect(prefs.setOrderUpdates('C1', true)).toBe(true);
    expect(prefs.orderUpdates('C1')).toBe(true);
  });
});
