import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Activity } from 'botbuilder';
import { HttpError, RateLimiter, readRawBody, sendText } from '../core/http.js';
import type { Message, Store } from '../store/index.js';
import type { MessengerThreadRepo, ReceiptRepo } from '../store/receipts.js';
import { MAX_TEXT_BYTES } from '../store/text.js';
import type { ChannelSink } from './channel-adapter.js';
import type { ChannelOutlet, Gateway } from './gateway.js';
import type { HandoffService } from '../desk/handoff.js';
import { MAX_MESSAGE_CHARS, type InboundMessage, type Referral } from './inbound.js';
import { toSendApi, type SendApiMessage } from './messenger-format.js';
import { DEFAULT_RETRY, parseGraphError, withRetry, type RetryPolicy, type SendFailure } from './messenger-retry.js';
import { inboundTime, senderActionAllowed, sendDecision, type WindowDecision } from './messenger-window.js';
import type { MessengerUserLocales } from './messenger-locale.js';
import { MESSENGER_TEXTS, type Media } from './messenger-texts.js';
import type { Texts } from '../core/i18n.js';

export interface MessengerOptions {
  verifyToken: string;
  appSecret: string;
  pageAccessToken: string;
  /** Graph API base, e.g. https://graph.facebook.com/v21.0 (a local fake in tests). */
  graphBase: string;
  onMessage: (m: InboundMessage) => Promise<void>;
  /** Reads each user's locale (MESSENGER_USER_LOCALE=1, messenger-locale.ts); without it Messenger names none. */
  userLocales?: Pick<MessengerUserLocales, 'of'>;
  /**
   * Messages the bot cannot read (attachments only, text over MAX_MESSAGE_CHARS); see
   * messengerNotices(). Without it the channel answers them itself through the Send API.
   */
  onUnreadable?: (m: MessengerInbound) => Promise<void>;
  /** Message ids already taken in: a delivery Meta repeats is acknowledged and otherwise ignored. */
  receipts?: Pick<ReceiptRepo, 'firstTime'>;
  /** Where each user's last message time is kept (Meta's 24-hour window and 7-day HUMAN_AGENT tag). */
  threads?: Pick<MessengerThreadRepo, 'touch'>;
  /** Messenger's delivery and read events (`delivery.mids`/`watermark`, `read.watermark`). */
  onReceipt?: (r: MessengerReceipt) => Promise<void> | void;
  /** The clock for the inbound times (tests inject a fake one). */
  now?: () => number;
  log?: (line: string) => void;
  maxBodyBytes?: number;
}

/** Why the bot cannot read a message: attachments and no text, or more text than it takes. */
export type Unreadable = { kind: 'attachment'; media: Media[] } | { kind: 'too_long'; chars: number };

/** A customer event from the webhook; `unreadable` ones get an answer from the channel, not the bot. */
export type MessengerInbound = InboundMessage & { unreadable?: Unreadable };

/** The receipts' channel name for Messenger message ids (mids, and the keys of postbacks and referrals). */
export const MESSENGER_RECEIPTS = 'messenger';

/** Verifies `X-Hub-Signature-256: sha256=<hex>` over the raw body with a timing-safe compare. */
export function verifySignature(raw: Buffer, header: string | string[] | undefined, appSecret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7), 'hex');
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface MessagingEvent {
  sender?: { id?: unknown };
  timestamp?: unknown;
  message?: { mid?: unknown; text?: unknown; is_echo?: unknown; quick_reply?: { payload?: unknown }; attachments?: unknown; sticker_id?: unknown };
  postback?: { mid?: unknown; title?: unknown; payload?: unknown; referral?: unknown };
  referral?: unknown;
  delivery?: { mids?: unknown; watermark?: unknown };
  read?: { watermark?: unknown };
}

/** Meta sends `is_echo: true`; some proxies and replays turn it into "true" or 1. Any of them is an echo. */
const isEcho = (v: unknown): boolean => v === true || v === 1 || (typeof v === 'string' && ['true', '1'].includes(v.trim().toLowerCase()));

/** The attachments of a message as type and (http(s)) address; at most 10, malformed ones skipped. */
function mediaOf(attachments: unknown, stickerId: unknown): Media[] {
  if (!Array.isArray(attachments)) return [];
  const out: Media[] = [];
  for (const a of attachments.slice(0, 10)) {
    if (typeof a !== 'object' || a === null) continue;
    const { type, payload } = a as { type?: unknown; payload?: { url?: unknown; sticker_id?: unknown } };
    if (typeof type !== 'string' || !/^[a-z_]{1,32}$/.test(type)) continue;
    const url = payload?.url;
    // A sticker (the thumbs-up too) arrives as an image with a sticker id.
    const sticker = type === 'image' && (payload?.sticker_id !== undefined || stickerId !== undefined);
    out.push({ type: sticker ? 'sticker' : type, ...(typeof url === 'string' && url.length <= 2048 && /^https?:\/\//i.test(url) ? { url } : {}) });
  }
  return out;
}

/** A key for events without a mid: sender plus the postback's own mid, else the event's (or entry's) time. */
function eventKey(kind: string, psid: string, mid: unknown, ...times: unknown[]): string | undefined {
  if (typeof mid === 'string' && mid.length > 0) return `${kind}:${psid}:${mid}`;
  const time = times.find((t) => (typeof t === 'number' && Number.isFinite(t)) || (typeof t === 'string' && /^\d{1,20}$/.test(t)));
  return time === undefined ? undefined : `${kind}:${psid}:${String(time)}`;
}

/** Meta's referral object (`ref` up to 2,083 characters); anything malformed reads as none. */
function referralOf(r: unknown): Referral | undefined {
  if (typeof r !== 'object' || r === null) return undefined;
  const { ref, source, type } = r as { ref?: unknown; source?: unknown; type?: unknown };
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > 2083) return undefined;
  return { ref, ...(typeof source === 'string' ? { source: source.slice(0, 64) } : {}), ...(typeof type === 'string' ? { type: type.slice(0, 64) } : {}) };
}

/** Every messaging event of a Page webhook body from a valid sender (at most 100 entries of 100 events). */
function* senderEvents(body: unknown): Generator<{ ev: MessagingEvent; psid: string; entryTime: unknown }> {
  if (typeof body !== 'object' || body === null || (body as { object?: unknown }).object !== 'page') return;
  const entries = (body as { entry?: unknown }).entry;
  if (!Array.isArray(entries)) return;
  for (const entry of entries.slice(0, 100)) {
    const messaging = (entry as { messaging?: unknown })?.messaging;
    if (!Array.isArray(messaging)) continue;
    const entryTime = (entry as { time?: unknown }).time;
    for (const ev of messaging.slice(0, 100) as MessagingEvent[]) {
      const psid = ev?.sender?.id;
      if (validPsid(psid)) yield { ev, psid, entryTime };
    }
  }
}

/**
 * Pulls the customer messages out of one webhook body; anything else is ignored. Referrals come as
 * `messaging[].referral` (m.me link into an existing thread: a message with no text) and as
 * `postback.referral` (Get Started on a new thread). Every event gets a `messageId` to recognise a
 * repeated delivery by: the message's mid, or for postbacks and referrals (which have none) one
 * made of the sender and the postback's mid or the event's time.
 */
export function parseWebhook(body: unknown): MessengerInbound[] {
  const out: MessengerInbound[] = [];
  for (const { ev, psid, entryTime } of senderEvents(body)) {
    if (ev.message && !isEcho(ev.message.is_echo)) {
      const payload = ev.message.quick_reply?.payload;
      const text = typeof ev.message.text === 'string' ? ev.message.text : undefined;
      const mid = typeof ev.message.mid === 'string' && ev.message.mid.length > 0 ? { messageId: ev.message.mid } : {};
      const media = text === undefined || text.trim() === '' ? mediaOf(ev.message.attachments, ev.message.sticker_id) : [];
      let unreadable: Unreadable | undefined;
      if (text !== undefined && text.length > MAX_MESSAGE_CHARS) unreadable = { kind: 'too_long', chars: text.length };
      else if (media.length > 0) unreadable = { kind: 'attachment', media };
      out.push({
        channel: 'messenger',
        externalId: psid,
        ...(text !== undefined ? { text } : {}),
        ...(typeof payload === 'string' && !unreadable ? { value: payload } : {}),
        ...mid,
        ...(unreadable ? { unreadable } : {}),
      });
    } else if (ev.postback && typeof ev.postback.payload === 'string') {
      const referral = referralOf(ev.postback.referral);
      const key = eventKey('postback', psid, ev.postback.mid, ev.timestamp, entryTime);
      out.push({ channel: 'messenger', externalId: psid, value: ev.postback.payload, ...(typeof ev.postback.title === 'string' ? { text: ev.postback.title.slice(0, MAX_MESSAGE_CHARS) } : {}), ...(key ? { messageId: key } : {}), ...(referral ? { referral } : {}) });
    } else if (!ev.message) {
      const referral = referralOf(ev.referral);
      const key = eventKey('referral', psid, undefined, ev.timestamp, entryTime);
      if (referral) out.push({ channel: 'messenger', externalId: psid, ...(key ? { messageId: key } : {}), referral });
    }
  }
  return out;
}

/** A Messenger delivery or read event: the user's device got (or the user saw) what was sent up to `watermark`. */
export type MessengerReceipt = { psid: string; kind: 'delivery'; watermark: number; mids: string[] } | { psid: string; kind: 'read'; watermark: number };

const validPsid = (v: unknown): v is string => typeof v === 'string' && /^\d{1,32}$/.test(v);
const watermarkOf = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.trunc(v) : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : undefined);

/** The `message_deliveries` and `message_reads` events of one webhook body; malformed ones skipped. */
export function parseReceipts(body: unknown): MessengerReceipt[] {
  const out: MessengerReceipt[] = [];
  for (const { ev, psid } of senderEvents(body)) {
    if (ev.read && typeof ev.read === 'object') {
      const watermark = watermarkOf(ev.read.watermark);
      if (watermark !== undefined) out.push({ psid, kind: 'read', watermark });
    } else if (ev.delivery && typeof ev.delivery === 'object') {
      const mids = Array.isArray(ev.delivery.mids) ? ev.delivery.mids.filter((m): m is string => typeof m === 'string' && m.length > 0 && m.length <= 512).slice(0, 100) : [];
      const watermark = watermarkOf(ev.delivery.watermark) ?? 0;
      if (mids.length > 0 || watermark > 0) out.push({ psid, kind: 'delivery', watermark, mids });
    }
  }
  return out;
}

/**
 * When each user of a webhook body wrote to the Page (a message, a postback, a referral; not the
 * Page's own echoes, nor delivery and read events): Meta's messaging windows start there.
 */
export function lastWrites(body: unknown): { psid: string; timestamp: unknown }[] {
  const out: { psid: string; timestamp: unknown }[] = [];
  for (const { ev, psid } of senderEvents(body)) {
    const wrote = (ev.message && !isEcho(ev.message.is_echo)) || (!ev.message && (ev.postback || ev.referral));
    if (wrote) out.push({ psid, timestamp: ev.timestamp });
  }
  return out;
}

/** GET verification and POST events for `/webhooks/messenger`. */
export function createMessengerWebhook(opts: MessengerOptions) {
  const log = opts.log ?? ((l: string) => console.error(l));
  const limiter = new RateLimiter(30, 10_000);
  const sender = new GraphSender(opts.graphBase, opts.pageAccessToken, log);
  const now = opts.now ?? Date.now;
  const onUnreadable =
    opts.onUnreadable ?? ((m: MessengerInbound) => sender.deliver({ type: 'message', text: answerTo(m.unreadable!), recipient: { id: m.externalId, name: '' } }));
  /** False for a delivery already taken in (Meta retries until it gets a 200, also across our restarts). */
  const firstTime = async (m: MessengerInbound): Promise<boolean> => {
    if (!opts.receipts || m.messageId === undefined) return true;
    try {
      return await opts.receipts.firstTime(MESSENGER_RECEIPTS, m.messageId);
    } catch (err) {
      // Better a rare double answer than a lost message.
      log(`[messenger] could not check message ${m.messageId.slice(0, 200)} for a repeat: ${(err as Error).message}`);
      return true;
    }
  };
  /** Per user, the last message on its way to the bot (only while locales are looked up). */
  const inOrder = new Map<string, Promise<void>>();
  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET') {
      const ok = url.searchParams.get('hub.mode') === 'subscribe' && url.searchParams.get('hub.verify_token') === opts.verifyToken;
      if (!ok) {
        log('[messenger] verification refused: wrong verify token');
        sendText(res, 403, 'forbidden');
        return;
      }
      sendText(res, 200, url.searchParams.get('hub.challenge') ?? '');
      return;
    }
    if (req.method !== 'POST') {
      sendText(res, 405, 'method not allowed');
      return;
    }
    let raw: Buffer;
    try {
      raw = await readRawBody(req, opts.maxBodyBytes ?? 1024 * 1024);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 400;
      sendText(res, status, (err as Error).message);
      return;
    }
    const signature = req.headers['x-hub-signature-256'];
    if (!signature) {
      log('[messenger] rejected webhook without X-Hub-Signature-256');
      sendText(res, 401, 'missing signature');
      return;
    }
    if (!verifySignature(raw, signature, opts.appSecret)) {
      log('[messenger] rejected webhook with a bad X-Hub-Signature-256');
      sendText(res, 403, 'bad signature');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      sendText(res, 400, 'invalid JSON');
      return;
    }
    // Acknowledge at once: Meta retries slow webhooks, and replies go out through the Send API.
    sendText(res, 200, 'EVENT_RECEIVED');
    // The user wrote: the 24-hour window (and the agents' 7 days) start again, before any reply.
    if (opts.threads) {
      for (const w of lastWrites(body)) {
        try {
          await opts.threads.touch(w.psid, inboundTime(w.timestamp, now()));
        } catch (err) {
          log(`[messenger] could not record when ${w.psid} last wrote: ${(err as Error).message}`);
        }
      }
    }
    if (opts.onReceipt) {
      for (const r of parseReceipts(body)) {
        try {
          await opts.onReceipt(r);
        } catch (err) {
          log(`[messenger] ${r.kind} receipt from ${r.psid} failed: ${(err as Error).message}`);
        }
      }
    }
    for (const m of parseWebhook(body)) {
      if (!(await firstTime(m))) {
        log(`[messenger] debug: ignored a repeated delivery of ${m.messageId!.slice(0, 200)} from ${m.externalId}`);
        continue;
      }
      if (!limiter.take(m.externalId)) {
        log(`[messenger] rate limit: dropped a message from ${m.externalId}`);
        continue;
      }
      if (m.unreadable) {
        onUnreadable(m).catch((err: unknown) => log(`[messenger] answering an unreadable message failed: ${(err as Error).message}`));
        continue;
      }
      if (!opts.userLocales) {
        opts.onMessage(m).catch((err: unknown) => log(`[messenger] turn failed: ${(err as Error).message}`));
        continue;
      }
      // With the user's locale looked up first, one user's messages still reach the bot in order.
      const locales = opts.userLocales;
      const previous = inOrder.get(m.externalId) ?? Promise.resolve();
      const next = previous
        .then(async () => {
          const locale = m.locale ?? (await locales.of(m.externalId));
          await opts.onMessage(locale ? { ...m, locale } : m);
        })
        .catch((err: unknown) => log(`[messenger] turn failed: ${(err as Error).message}`));
      inOrder.set(m.externalId, next);
      void next.finally(() => {
        if (inOrder.get(m.externalId) === next) inOrder.delete(m.externalId);
      });
    }
  };
}

/** A Send API request: a message (RESPONSE, or MESSAGE_TAG with its tag) or a sender action. */
export type GraphMessage = Omit<SendApiMessage, 'messaging_type'> & { messaging_type: SendApiMessage['messaging_type'] | 'MESSAGE_TAG'; tag?: 'HUMAN_AGENT' };

/** What became of one or more Send API requests. */
export type SendResult = { ok: true; messageId: string | null; attempts: number } | { ok: false; reason: string; attempts: number };

export interface GraphSenderOptions {
  /** Tries and back-off for failures a retry can cure (messenger-retry.ts). */
  retry?: RetryPolicy;
  /** Injectable wait between tries (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Time-out of one request (default 10 s). */
  timeoutMs?: number;
  /** Told of every failed request (each try), for metrics. */
  onSendError?: (failure: SendFailure) => void;
}

/**
 * Sends through the Graph Send API, one request per Messenger message. Failures Meta calls
 * transient are retried with exponential back-off; permanent ones are not. Messages to one user
 * go out one after the other (a retry never lets a later message overtake an earlier one).
 */
export class GraphSender implements ChannelSink {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly graphBase: string,
    private readonly pageAccessToken: string,
    private readonly log: (line: string) => void = (l) => console.error(l),
    private readonly opts: GraphSenderOptions = {},
  ) {}

  /** The bot's activity as Messenger messages (RESPONSE); failures are logged. */
  async deliver(activity: Partial<Activity>): Promise<void> {
    const psid = activity.recipient?.id;
    if (!psid) return;
    const messages = toSendApi(psid, activity);
    if (messages.length === 0) return;
    const r = await this.sendAll(psid, messages, { retry: activity.type !== 'typing' });
    if (!r.ok) this.log(`[messenger] not delivered to ${psid}: ${r.reason}`);
  }

  /**
   * Sends `messages` in order behind the user's earlier ones; stops at the first that cannot be
   * delivered. `messageId`: Meta's id of the last one. Never throws.
   */
  sendAll(psid: string, messages: readonly GraphMessage[], opts: { retry?: boolean } = {}): Promise<SendResult> {
    const run = async (): Promise<SendResult> => {
      let last: SendResult = { ok: true, messageId: null, attempts: 0 };
      for (const m of messages) {
        const r = await this.send(m, opts);
        if (!r.ok) return r;
        last = { ok: true, messageId: r.messageId ?? last.messageId, attempts: Math.max(last.attempts, r.attempts) };
      }
      return last;
    };
    const prev = this.queues.get(psid) ?? Promise.resolve();
    const done = prev.then(run, run);
    this.queues.set(psid, done);
    void done.finally(() => {
      if (this.queues.get(psid) === done) this.queues.delete(psid);
    });
    return done;
  }

  /** One request, retried as the policy allows (`retry: false`: one try). */
  async send(message: GraphMessage, opts: { retry?: boolean } = {}): Promise<SendResult> {
    const url = `${this.graphBase}/me/messages?access_token=${encodeURIComponent(this.pageAccessToken)}`;
    const body = JSON.stringify(message);
    const psid = message.recipient.id;
    const r = await withRetry<string | null>(
      async () => {
        try {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
          const text = await res.text();
          if (!res.ok) return { ok: false, failure: this.failed(parseGraphError(res.status, text)) };
          let mid: string | null = null;
          try {
            const id = (JSON.parse(text) as { message_id?: unknown }).message_id;
            if (typeof id === 'string') mid = id;
          } catch {
            // A 200 without a JSON body still means Meta took it.
          }
          return { ok: true, value: mid };
        } catch (err) {
          return { ok: false, failure: this.failed({ network: true, message: (err as Error).message }) };
        }
      },
      {
        policy: opts.retry === false ? { ...DEFAULT_RETRY, attempts: 1 } : (this.opts.retry ?? DEFAULT_RETRY),
        ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}),
        onRetry: (n, waitMs, reason) => this.log(`[messenger] Send API to ${psid}, try ${n} failed: ${reason} Retrying in ${waitMs} ms.`),
      },
    );
    return r.ok ? { ok: true, messageId: r.value, attempts: r.attempts } : { ok: false, reason: r.reason, attempts: r.attempts };
  }

  private failed(f: SendFailure): SendFailure {
    try {
      this.opts.onSendError?.(f);
    } catch {
      // an observer's failure changes nothing about the send
    }
    return f;
  }
}

/** A Send API message as the window allows it: RESPONSE, or tagged HUMAN_AGENT. */
function inWindow(m: SendApiMessage, d: WindowDecision & { send: true }): GraphMessage {
  return d.messagingType === 'MESSAGE_TAG' ? { ...m, messaging_type: 'MESSAGE_TAG', tag: d.tag } : m;
}

/** What the Messenger outlet reports an agent message's fate to (channels/delivery.ts). */
export interface DeliveryReports {
  sending(message: Message, channel: string, recipient?: string | null): Promise<void>;
  sent(message: Message, opts?: { externalId?: string | null; attempts?: number }): Promise<void>;
  failed(message: Message, reason: string, attempts?: number): Promise<void>;
}

export interface MessengerOutletOptions {
  sender: Pick<GraphSender, 'sendAll'>;
  threads: Pick<MessengerThreadRepo, 'lastInbound'>;
  /** Agent messages' statuses; without it they are only logged. */
  delivery?: DeliveryReports;
  /** Rewrites an activity before it is mapped to Send API messages (e.g. absolute product links). */
  prepare?: (activity: Partial<Activity>) => Partial<Activity>;
  now?: () => number;
  log?: (line: string) => void;
}

/**
 * The gateway's Messenger outlet. Every message goes out as Meta's windows allow
 * (messenger-window.ts): inside 24 hours as RESPONSE; after that an agent's reply with the
 * HUMAN_AGENT tag up to 7 days, a bot message not at all; beyond 7 days nothing, and the agent sees
 * the message as not delivered with the reason. An agent message's status (sending, sent, failed)
 * follows the Send API's answers, retries included; the agent's ack does not wait for them.
 * Typing indicators and read receipts (`mark_seen`) go out inside 24 hours only.
 */
export function messengerOutlet(opts: MessengerOutletOptions): ChannelOutlet {
  const log = opts.log ?? ((l: string) => console.error(l));
  const now = opts.now ?? Date.now;
  return {
    async deliver(route, _conversationId, delivered, activity) {
      // Customer turns are echoed to the web room only; Messenger already shows them.
      if (delivered?.message.role === 'customer') return;
      const psid = route.externalId;
      const last = await opts.threads.lastInbound(psid);
      const action = activity.type === 'typing' ? 'typing_on' : activity.type === 'event' && activity.name === 'read' ? 'mark_seen' : null;
      if (action) {
        if (!senderActionAllowed(last, now())) return;
        const r = await opts.sender.sendAll(psid, [{ recipient: { id: psid }, messaging_type: 'RESPONSE', sender_action: action }], { retry: false });
        if (!r.ok) log(`[messenger] ${action} to ${psid} failed: ${r.reason}`);
        return;
      }
      if (activity.type !== 'message') return;
      const message = delivered?.message;
      const agent = message?.role === 'agent';
      if (agent) await opts.delivery?.sending(message, 'messenger', psid);
      const decision = sendDecision(last, now(), agent ? 'agent' : 'bot');
      if (!decision.send) {
        log(`[messenger] not sent to ${psid}: ${decision.reason}`);
        if (agent) await opts.delivery?.failed(message, decision.reason, 0);
        return;
      }
      // A bot message on the Page's own initiative (an order update) inside the window is an UPDATE.
      const update = !agent && decision.messagingType === 'RESPONSE' && (activity.channelData as { messagingType?: unknown } | undefined)?.messagingType === 'UPDATE';
      const parts = toSendApi(psid, opts.prepare ? opts.prepare(activity) : activity).map((m) => (update ? { ...m, messaging_type: 'UPDATE' as const } : inWindow(m, decision)));
      const sending = opts.sender.sendAll(psid, parts).then(async (r) => {
        if (!r.ok) log(`[messenger] not delivered to ${psid}: ${r.reason}`);
        if (!agent || !opts.delivery) return;
        if (r.ok) await opts.delivery.sent(message, { externalId: r.messageId, attempts: r.attempts });
        else await opts.delivery.failed(message, r.reason, r.attempts);
      });
      // The agent's reply is acknowledged at once; its status follows. Bot turns wait, in order.
      if (agent) void sending.catch((err: unknown) => log(`[messenger] delivery report failed: ${(err as Error).message}`));
      else await sending;
    },
  };
}

/** The channel's answer to a message the bot cannot read. */
export function answerTo(u: Unreadable, locale?: string | null, texts?: Texts): string {
  return u.kind === 'too_long' ? MESSENGER_TEXTS.tooLongIn(locale, texts) : MESSENGER_TEXTS.attachment(u.media, locale, texts);
}

/** The longest prefix of `text` within `maxBytes` of UTF-8 (never splitting a surrogate pair). */
function clipBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let lo = 0;
  let hi = Math.min(text.length, maxBytes);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(text.slice(0, mid), 'utf8') <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  return /[\uD800-\uDBFF]/.test(text[lo - 1] ?? '') ? text.slice(0, lo - 1) : text.slice(0, lo);
}

export interface MessengerNoticeOptions {
  store: Pick<Store, 'conversations'>;
  gateway: Pick<Gateway, 'resolveCustomer' | 'liveConversation' | 'route' | 'reroute' | 'sendToConversation' | 'locale'>;
  /** The hand-off desk: while an agent has the chat (or is about to), they get the note and the bot stays quiet. */
  handoff?: Pick<HandoffService, 'customerWrote' | 'agentsOnline'>;
  /** The store's locale and texts (core/i18n.ts); the answer is worded in the conversation's locale. */
  texts?: Texts;
  log?: (line: string) => void;
}

/**
 * Answers the messages the bot cannot read (photos, stickers, voice messages, files, locations; text
 * over MAX_MESSAGE_CHARS) for `onUnreadable`: the customer's message is stored in their live
 * conversation as a note (the agent's transcript shows that a photo was sent, with its address, or
 * the long text as far as the store takes it), and the answer goes out as a stored bot message
 * through the gateway (Send API, and the customer's open web chat).
 */
export function messengerNotices(opts: MessengerNoticeOptions): (m: MessengerInbound) => Promise<void> {
  const { store, gateway, handoff } = opts;
  return async (m) => {
    const u = m.unreadable;
    if (!u) return;
    const customer = await gateway.resolveCustomer('messenger', m.externalId);
    const conversation = await gateway.liveConversation(customer.id, 'messenger');
    const known = await gateway.route(conversation.id);
    if (known?.channel !== 'messenger' || known.externalId !== m.externalId) await gateway.reroute(conversation.id, { channel: 'messenger', externalId: m.externalId });
    const text = u.kind === 'too_long' ? clipBytes(m.text ?? '', MAX_TEXT_BYTES) : MESSENGER_TEXTS.attachmentNote(u.media);
    const payload = u.kind === 'too_long' ? { unread: 'too_long', chars: u.chars } : { unread: 'attachment', media: u.media };
    await store.conversations.appendMessage(conversation.id, { role: 'customer', text, payload });
    if (conversation.handoff !== 'none' && handoff) {
      await handoff.customerWrote(conversation.id);
      // As for text: a person has the chat, or will shortly; the bot says nothing.
      if (conversation.handoff === 'agent' || handoff.agentsOnline() > 0) return;
    }
    await gateway.sendToConversation(conversation.id, { type: 'message', text: answerTo(u, await gateway.locale(conversation.id), opts.texts) });
  };
}
