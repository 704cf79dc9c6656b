import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { NotificationResult, OrderUpdates } from '../channels/order-updates.js';
import type { Sql } from '../store/sql/executor.js';
import { isStoreError } from '../store/errors.js';
import { NOTIFICATION_OUTCOMES, ORDER_EVENT_TYPES, OrderEventRepo, type OrderEvent } from '../store/order-events.js';
import { ORDER_STATUSES } from '../store/types.js';
import { ADMIN_PREFIX } from './admin.js';
import { ErrorResponse } from './schemas.js';

// POST /api/admin/v1/orders/{id}/events: the store's backend tells ShopBot that an order shipped,
// is out for delivery, was delivered, cancelled, refunded or returned. The event is kept once by
// its eventId (a retried POST changes nothing and notifies nobody again), the order's status (and
// tracking number and carrier) follow it, and the customer gets a short message on the channel they
// last used (channels/order-updates.ts). GET lists an order's events with what became of each message.
// Registered inside the admin API's Fastify instance (api/admin.ts `extend`): same keys, limits,
// error shapes, and the same OpenAPI document at /api/docs.

/** Printable text: no control characters (they never reach a customer or a log line). */
const printable = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(s), { message: 'must not contain control characters' });

const isoDate = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not an ISO-8601 date' })
  .describe('ISO-8601 date-time');

export const OrderEventBody = z
  .strictObject({
    eventId: printable(128).describe('Your id for this event, unique across events: a POST repeated with the same eventId is applied and notified once'),
    type: z.enum(ORDER_EVENT_TYPES).describe('What happened. shipped, out_for_delivery and delivery_attempted make the order "shipped"; delivered, cancelled and returned set that status; refund_issued leaves it'),
    tracking: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._/-]*$/, 'letters, digits, spaces and . _ / - only')
      .optional()
      .describe("The parcel's tracking number (stored on the order and named in the customer's message)"),
    carrier: printable(64).optional().describe('The courier, e.g. "UPS", "BlueDart"'),
    note: printable(1000).optional().describe('For your records; kept with the event, never shown to the customer'),
    occurredAt: isoDate.optional().describe('When it happened (default: when it was received)'),
  })
  .describe('One order event');

const Notification = z.object({
  outcome: z.enum(NOTIFICATION_OUTCOMES).describe(
    'sent: shown in an open web chat or handed to Messenger (messaging_type UPDATE); kept: stored in the web chat for the next visit; opted_out: the customer turned order updates off; ' +
      'outside_window: Messenger more than 24 hours after the customer last wrote (nothing sent); no_channel: the customer never chatted; channel_off: their channel is not configured; ' +
      'stale: the event is older than the order state (not applied); failed; pending',
  ),
  channel: z.string().nullable(),
  reason: z.string().nullable(),
});

const EventResponse = z.object({
  eventId: z.string(),
  orderId: z.string(),
  type: z.enum(ORDER_EVENT_TYPES),
  duplicate: z.boolean().describe('The eventId was received before: nothing was applied or sent this time'),
  applied: z.boolean().describe('The event changed the order (false: older than its state, e.g. "shipped" after "delivered")'),
  order: z.object({ status: z.enum(ORDER_STATUSES), tracking: z.string().nullable(), carrier: z.string().nullable() }),
  notification: Notification,
});

const EventRow = z.object({
  eventId: z.string(),
  type: z.enum(ORDER_EVENT_TYPES),
  tracking: z.string().nullable(),
  carrier: z.string().nullable(),
  note: z.string().nullable(),
  occurredAt: z.string().nullable(),
  receivedAt: z.string(),
  statusBefore: z.enum(ORDER_STATUSES),
  statusAfter: z.enum(ORDER_STATUSES),
  notification: Notification.extend({ at: z.string().nullable() }),
});

const Params = z.object({ id: z.string().min(1).max(256) });

const notificationOf = (e: OrderEvent): NotificationResult => ({ outcome: e.notification, channel: e.channel, reason: e.reason });

/** The order-events routes for the admin API's Fastify instance (createAdminApi's `extend`). */
export function orderEventRoutes(opts: { sql: Sql; updates: Pick<OrderUpdates, 'notify'>; now?: () => number }) {
  const events = new OrderEventRepo(opts.sql, opts.now);
  const orderRow = { get: (id: string) => opts.sql.get<{ status: (typeof ORDER_STATUSES)[number]; tracking: string | null; carrier: string | null }>('SELECT status, tracking, carrier FROM orders WHERE id = ?', [id]) };
  return (fastify: FastifyInstance): void => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.post(
      `${ADMIN_PREFIX}/orders/:id/events`,
      {
        schema: {
          tags: ['Orders'],
          summary: 'Record an order event and tell the customer',
          description:
            'Updates the order and sends the customer a short message on the channel they last used: the web chat (at once in an open tab, else on their next visit), or Messenger ' +
            'only inside the 24-hour window after their last message (messaging_type UPDATE; outside it nothing is sent). Nothing is sent to a customer who turned order updates off. ' +
            '201 for a new event, 200 with "duplicate": true for an eventId already received (nothing applied or sent again).',
          params: Params,
          body: OrderEventBody,
          response: { 200: EventResponse, 201: EventResponse, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse },
        },
      },
      async (req, reply) => {
        const orderId = req.params.id;
        let recorded;
        try {
          recorded = await events.record({ eventId: req.body.eventId, orderId, type: req.body.type, tracking: req.body.tracking ?? null, carrier: req.body.carrier ?? null, note: req.body.note ?? null, occurredAt: req.body.occurredAt ? new Date(req.body.occurredAt).toISOString() : null });
        } catch (err) {
          if (isStoreError(err, 'not_found')) return reply.code(404).send({ error: `order ${JSON.stringify(orderId.slice(0, 100))} not found` });
          if (isStoreError(err, 'conflict')) return reply.code(409).send({ error: err.message });
          throw err;
        }
        const notification = recorded.duplicate ? notificationOf(recorded.event) : await opts.updates.notify(recorded.event);
        const order = await orderRow.get(orderId);
        return reply.code(recorded.duplicate ? 200 : 201).send({
          eventId: recorded.event.eventId,
          orderId,
          type: recorded.event.type,
          duplicate: recorded.duplicate,
          applied: recorded.applied,
          order: order ?? { status: recorded.event.statusAfter, tracking: null, carrier: null },
          notification: { outcome: notification.outcome, channel: notification.channel, reason: notification.reason },
        });
      },
    );
    app.get(
      `${ADMIN_PREFIX}/orders/:id/events`,
      { schema: { tags: ['Orders'], summary: "An order's events, newest first, with what became of each customer message", params: Params, response: { 200: z.object({ events: z.array(EventRow) }), 401: ErrorResponse, 404: ErrorResponse } } },
      async (req, reply) => {
        if (!(await orderRow.get(req.params.id))) return reply.code(404).send({ error: `order ${JSON.stringify(req.params.id.slice(0, 100))} not found` });
        return {
          events: (await events.listForOrder(req.params.id, 200)).map((e) => ({
            eventId: e.eventId,
            type: e.type,
            tracking: e.tracking,
            carrier: e.carrier,
            note: e.note,
            occurredAt: e.occurredAt,
            receivedAt: e.receivedAt,
            statusBefore: e.statusBefore,
            statusAfter: e.statusAfter,
            notification: { outcome: e.notification, channel: e.channel, reason: e.reason, at: e.notifiedAt },
          })),
        };
      },
    );
  };
}
