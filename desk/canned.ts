import { isStoreError, type Agent, type CannedReply, type Customer, type Order, type Store } from '../store/index.js';

// Saved replies in the agent console: the placeholders a body may use, how they are filled from the
// open conversation, who may change what, and the `/agents` socket events (canned_*).
//
// A placeholder that cannot be filled (a guest has no name, a customer without orders has no order
// number) becomes a visible marker such as "[order number]" for the agent to replace: a raw
// {{...}} never reaches a customer (the hand-off desk also refuses agent messages containing one).

export interface Placeholder {
  key: string;
  /** What the agent sees where the value is unknown, e.g. "[order number]". */
  missing: string;
  describe: string;
}

export const PLACEHOLDERS: readonly Placeholder[] = [
  { key: 'customer.firstName', missing: '[first name]', describe: "the customer's first name" },
  { key: 'customer.name', missing: '[customer name]', describe: "the customer's full name" },
  { key: 'customer.email', missing: '[e-mail]', describe: "the customer's e-mail address" },
  { key: 'order.id', missing: '[order number]', describe: "the customer's latest order number" },
  { key: 'order.status', missing: '[order status]', describe: 'the status of that order' },
  { key: 'order.carrier', missing: '[carrier]', describe: 'the courier carrying that order' },
  { key: 'order.tracking', missing: '[tracking number]', describe: 'its tracking number' },
  { key: 'order.trackingLink', missing: '[tracking link]', describe: "the courier's tracking page for it" },
  { key: 'agent.firstName', missing: '[your name]', describe: 'your first name' },
];

const KNOWN = new Map(PLACEHOLDERS.map((p) => [p.key, p]));
/** Any {{...}} (what the customer must never see), and the well-formed ones. */
export const RAW_PLACEHOLDER = /\{\{[^{}]{0,80}\}\}/;
const PLACEHOLDER_G = /\{\{\s*([A-Za-z][\w.]{0,60}?)\s*\}\}/g;

/** The first marker of a placeholder left unfilled ("[first name]") in a message, or null: such a message is not sent. */
export function unfilledMarker(text: string): string | null {
  const found = PLACEHOLDERS.map((p) => ({ marker: p.missing, at: text.indexOf(p.missing) })).filter((m) => m.at >= 0);
  return found.sort((a, b) => a.at - b.at)[0]?.marker ?? null;
}

/** Unknown placeholders in a body (e.g. a typo like {{order.number}}); a body with any is refused. */
export function unknownPlaceholders(body: string): string[] {
  const out = new Set<string>();
  for (const m of body.matchAll(PLACEHOLDER_G)) if (!KNOWN.has(m[1]!)) out.add(m[1]!);
  // Braces that do not form a placeholder at all ("{{ }}", "{{order id}}").
  const rest = body.replace(PLACEHOLDER_G, '');
  if (RAW_PLACEHOLDER.test(rest)) out.add(RAW_PLACEHOLDER.exec(rest)![0]);
  return [...out];
}

/**
 * Tracking pages of couriers whose public tracking address takes the number in the URL. Couriers
 * not listed (or orders without a number) leave [tracking link] for the agent.
 */
const TRACKING_PAGES: Record<string, (n: string) => string> = {
  usps: (n) => `https://tools.usps.com/go/TrackConfirmAction?tLabels=${n}`,
  ups: (n) => `https://www.ups.com/track?tracknum=${n}`,
  fedex: (n) => `https://www.fedex.com/fedextrack/?trknbr=${n}`,
  'royal mail': (n) => `https://www.royalmail.com/track-your-item#/tracking-results/${n}`,
  evri: (n) => `https://www.evri.com/track/parcel/${n}`,
};

export interface FillContext {
  customer?: Pick<Customer, 'name' | 'email'> | null;
  order?: Pick<Order, 'id' | 'status' | 'carrier' | 'tracking'> | null;
  agent?: Pick<Agent, 'name'> | null;
  /** A shop's own tracking page, e.g. "https://shop.example/track?carrier={carrier}&number={tracking}"; overrides the courier's. */
  trackingUrl?: string;
}

export function trackingLink(order: Pick<Order, 'carrier' | 'tracking'>, template?: string): string | null {
  if (!order.tracking) return null;
  const n = encodeURIComponent(order.tracking);
  if (template) return template.replace(/\{tracking\}/g, n).replace(/\{carrier\}/g, encodeURIComponent(order.carrier ?? ''));
  const page = order.carrier ? TRACKING_PAGES[order.carrier.trim().toLowerCase()] : undefined;
  return page ? page(n) : null;
}

/** A real name, not the 'Guest' a visitor gets before telling us theirs. */
const realName = (name: string | undefined | null) => (name && name.trim() && name.trim().toLowerCase() !== 'guest' ? name.trim() : null);

function valueOf(key: string, ctx: FillContext): string | null {
  const name = realName(ctx.customer?.name);
  const o = ctx.order;
  switch (key) {
    case 'customer.firstName':
      return name ? name.split(/\s+/)[0]! : null;
    case 'customer.name':
      return name;
    case 'customer.email':
      return ctx.customer?.email ?? null;
    case 'order.id':
      return o?.id ?? null;
    case 'order.status':
      return o ? o.status.replace(/_/g, ' ') : null;
    case 'order.carrier':
      return o?.carrier ?? null;
    case 'order.tracking':
      return o?.tracking ?? null;
    case 'order.trackingLink':
      return o ? trackingLink(o, ctx.trackingUrl) : null;
    case 'agent.firstName':
      return realName(ctx.agent?.name)?.split(/\s+/)[0] ?? null;
    default:
      return null;
  }
}

/**
 * The body with its placeholders filled; what could not be filled becomes a visible marker such
 * as "[order number]", listed in `missing`. Whatever the body holds, no {{...}} is left.
 */
export function fillPlaceholders(body: string, ctx: FillContext): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const text = body
    .replace(PLACEHOLDER_G, (_all, key: string) => {
      const v = valueOf(key, ctx);
      if (v !== null && v !== '') return v;
      const marker = KNOWN.get(key)?.missing ?? `[${key}]`;
      missing.add(marker);
      return marker;
    })
    .replace(new RegExp(RAW_PLACEHOLDER.source, 'g'), (raw) => {
      missing.add(raw);
      return '[?]';
    });
  return { text, missing: [...missing] };
}

export class CannedReplyError extends Error {}

const isAdmin = (a: Agent) => a.role === 'admin';

/** Who may change a reply: its owner for their own; admins for shared ones. */
export function mayEdit(agent: Agent, reply: Pick<CannedReply, 'ownerId'>): boolean {
  return reply.ownerId === null ? isAdmin(agent) : reply.ownerId === agent.id;
}

/** A reply as the console gets it, with whether this agent may change it. */
const view = (agent: Agent, r: CannedReply) => ({ id: r.id, shortcut: r.shortcut, title: r.title, body: r.body, shared: r.ownerId === null, editable: mayEdit(agent, r), updatedAt: r.updatedAt });

type On = (event: string, fn: (data: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>) => void;

const str = (v: unknown, field: string): string => {
  if (typeof v !== 'string') throw new CannedReplyError(`${field} is missing`);
  return v;
};

function checkBody(body: string): void {
  const unknown = unknownPlaceholders(body);
  if (unknown.length) throw new CannedReplyError(`unknown placeholder ${unknown.map((u) => (u.startsWith('{{') ? u : `{{${u}}}`)).join(', ')}; use ${PLACEHOLDERS.map((p) => `{{${p.key}}}`).join(', ')}`);
}

/** Store errors the agent can act on keep their message; anything else is a generic failure. */
async function friendly<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isStoreError(err) && err.code !== 'migration') throw new CannedReplyError(err.message);
    throw err;
  }
}

export interface CannedEventsOptions {
  /** The fill context of a ticket this agent holds (customer, latest order); throws when not theirs. */
  contextFor: (ticketId: unknown) => Promise<FillContext>;
}

/**
 * The console's events for saved replies: list (own and shared, with the placeholders), fill one
 * for an open chat, create, update, delete. Agents change their own replies; only admins change
 * shared ones.
 */
export function cannedReplyEvents(store: Store, agent: Agent, on: On, opts: CannedEventsOptions): void {
  on('canned_list', async (d) => {
    const q = typeof d.query === 'string' ? d.query : '';
    const replies = q.trim() ? await store.canned.search(agent.id, q) : await store.canned.listFor(agent.id);
    return { replies: replies.map((r) => view(agent, r)), placeholders: PLACEHOLDERS.map((p) => ({ key: p.key, describe: p.describe })), canEditShared: isAdmin(agent) };
  });

  on('canned_fill', async (d) => {
    const id = typeof d.id === 'number' ? d.id : NaN;
    const r = await store.canned.get(id);
    if (!r || (r.ownerId !== null && r.ownerId !== agent.id)) throw new CannedReplyError('no such saved reply');
    return fillPlaceholders(r.body, await opts.contextFor(d.ticketId));
  });

  on('canned_create', async (d) => {
    const shared = d.shared === true;
    if (shared && !isAdmin(agent)) throw new CannedReplyError('only an admin can add shared replies; save it as your own instead');
    const body = str(d.body, 'body');
    checkBody(body);
    const r = await friendly(() => store.canned.create({ shortcut: str(d.shortcut, 'shortcut'), title: str(d.title, 'title'), body, ownerId: shared ? null : agent.id, createdBy: agent.id }));
    return { reply: view(agent, r) };
  });

  on('canned_update', async (d) => {
    const existing = typeof d.id === 'number' ? await store.canned.get(d.id) : undefined;
    if (!existing || (existing.ownerId !== null && existing.ownerId !== agent.id)) throw new CannedReplyError('no such saved reply');
    if (!mayEdit(agent, existing)) throw new CannedReplyError('only an admin can change shared replies');
    const body = str(d.body, 'body');
    checkBody(body);
    const r = await friendly(() => store.canned.update(existing.id, { shortcut: str(d.shortcut, 'shortcut'), title: str(d.title, 'title'), body, updatedBy: agent.id }));
    return { reply: view(agent, r) };
  });

  on('canned_delete', async (d) => {
    const existing = typeof d.id === 'number' ? await store.canned.get(d.id) : undefined;
    if (!existing || (existing.ownerId !== null && existing.ownerId !== agent.id)) throw new CannedReplyError('no such saved reply');
    if (!mayEdit(agent, existing)) throw new CannedReplyError('only an admin can delete shared replies');
    return { deleted: await store.canned.delete(existing.id) };
  });
}

/**
 * The demo store's shared replies, worded after its help articles (fixtures/store/help: returns,
 * refunds, delivery). Seeded once into an empty set of shared replies (store.canned.seedShared).
 */
export const DEMO_REPLIES: readonly { shortcut: string; title: string; body: string }[] = [
  {
    shortcut: '/returns',
    title: 'Returns: how to start one',
    body:
      'Hi {{customer.firstName}}, most items can be returned within 10 days of delivery (electronics within 7 days), unused and with their tags, packaging and accessories. ' +
      'Open My Orders, choose order {{order.id}} and the item, and tap Return; pickup is free and usually within 1–2 working days. Your refund starts once the item passes the check at pickup.',
  },
  {
    shortcut: '/refund',
    title: 'Refund timeline',
    body:
      'Hi {{customer.firstName}}, we start your refund within 1 working day of the return passing its check (or of the cancellation). It then takes 2–4 working days to UPI, 5–7 to a card, 3–5 to net banking, ' +
      'up to 24 hours to a wallet, and store credit is instant. My Orders shows the date we started the refund for {{order.id}} and a bank reference (ARN/UTR) your bank can trace.',
  },
  {
    shortcut: '/delay',
    title: 'Delivery delay: apology and tracking',
    body:
      "I'm sorry order {{order.id}} is taking longer than expected, {{customer.firstName}}. It is with {{order.carrier}}, tracking number {{order.tracking}}: {{order.trackingLink}} " +
      "I have asked the courier to check on it and will update you here as soon as I hear back.",
  },
  {
    shortcut: '/tracking',
    title: 'Where is my order',
    body: 'Your order {{order.id}} is {{order.status}} with {{order.carrier}}. You can follow it here: {{order.trackingLink}} (tracking number {{order.tracking}}).',
  },
  {
    shortcut: '/thanks',
    title: 'Closing the chat',
    body: 'Thank you for your patience, {{customer.firstName}}! Is there anything else I can help you with today?',
  },
];
