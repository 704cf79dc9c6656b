import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Activity } from 'botbuilder';
import { HttpError, RateLimiter, readRawBody, sendText } from '../../core/http.js';
import type { ChannelSink } from '../channel-adapter.js';
import type { InboundMessage, Referral } from '../inbound.js';
import { toSendApi } from './messenger-format.js';

export interface MessengerOptions {
  verifyToken: string;
  appSecret: string;
  pageAccessToken: string;
  /** Graph API base, e.g. https://graph.facebook.com/v21.0 (a local fake in tests). */
  graphBase: string;
  onMessage: (m: InboundMessage) => Promise<void>;
  log?: (line: string) => void;
  maxBodyBytes?: number;
}

/** Verifies `X-Hub-Signature-256: sha256=<hex>` over the raw body with a timing-safe compare. */
export function verifySignature(raw: Buffer, header: string | string[] | undefined, appSecret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7), 'hex');
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface MessagingEvent {
  sender?: { id?: unknown };
  message?: { mid?: unknown; text?: unknown; is_echo?: unknown; quick_reply?: { payload?: unknown } };
  postback?: { title?: unknown; payload?: unknown; referral?: unknown };
  referral?: unknown;
}

/** Meta's referral object (`ref` up to 2,083 characters); anything malformed reads as none. */
function referralOf(r: unknown): Referral | undefined {
  if (typeof r !== 'object' || r === null) return undefined;
  const { ref, source, type } = r as { ref?: unknown; source?: unknown; type?: unknown };
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > 2083) return undefined;
  return { ref, ...(typeof source === 'string' ? { source: source.slice(0, 64) } : {}), ...(typeof type === 'string' ? { type: type.slice(0, 64) } : {}) };
}

/**
 * Pulls the customer messages out of one webhook body; anything else is ignored. Referrals come as
 * `messaging[].referral` (m.me link into an existing thread: a message with no text) and as
 * `postback.referral` (Get Started on a new thread).
 */
export function parseWebhook(body: unknown): InboundMessage[] {
  const out: InboundMessage[] = [];
  if (typeof body !== 'object' || body === null || (body as { object?: unknown }).object !== 'page') return out;
  const entries = (body as { entry?: unknown }).entry;
  if (!Array.isArray(entries)) return out;
  for (const entry of entries.slice(0, 100)) {
    const messaging = (entry as { messaging?: unknown })?.messaging;
    if (!Array.isArray(messaging)) continue;
    for (const ev of messaging.slice(0, 100) as MessagingEvent[]) {
      const psid = ev?.sender?.id;
      if (typeof psid !== 'string' || !/^\d{1,32}$/.test(psid)) continue;
      if (ev.message && ev.message.is_echo !== true) {
        const payload = ev.message.quick_reply?.payload;
        out.push({
          channel: 'messenger',
          externalId: psid,
          ...(typeof ev.message.text === 'string' ? { text: ev.message.text } : {}),
          ...(typeof payload === 'string' ? { value: payload } : {}),
          ...(typeof ev.message.mid === 'string' ? { messageId: ev.message.mid } : {}),
        });
      } else if (ev.postback && typeof ev.postback.payload === 'string') {
        const referral = referralOf(ev.postback.referral);
        out.push({ channel: 'messenger', externalId: psid, value: ev.postback.payload, ...(typeof ev.postback.title === 'string' ? { text: ev.postback.title } : {}), ...(referral ? { referral } : {}) });
      } else if (!ev.message) {
        const referral = referralOf(ev.referral);
        if (referral) out.push({ channel: 'messenger', externalId: psid, referral });
      }
    }
  }
  return out;
}

/** GET verification and POST events for `/webhooks/messenger`. */
export function createMessengerWebhook(opts: MessengerOptions) {
  const log = opts.log ?? ((l: string) => console.error(l));
  const limiter = new RateLimiter(30, 10_000);
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
    for (const m of parseWebhook(body)) {
      if (!limiter.take(m.externalId)) {
        log(`[messenger] rate limit: dropped a message from ${m.externalId}`);
        continue;
      }
      opts.onMessage(m).catch((err: unknown) => log(`[messenger] turn failed: ${(err as Error).message}`));
    }
  };
}

/** Sends the bot's activities through the Graph Send API, one request per Messenger message. */
export class GraphSender implements ChannelSink {
  constructor(
    private readonly graphBase: string,
    private readonly pageAccessToken: string,
    private readonly log: (line: string) => void = (l) => console.error(l),
  ) {}

  async deliver(activity: Partial<Activity>): Promise<void> {
    const psid = activity.recipient?.id;
    if (!psid) return;
    for (const message of toSendApi(psid, activity)) {
      const url = `${this.graphBase}/me/messages?access_token=${encodeURIComponent(this.pageAccessToken)}`;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(10_000) });
        if (!res.ok) this.log(`[messenger] Send API answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      } catch (err) {
        this.log(`[messenger] Send API unreachable: ${(err as Error).message}`);
      }
    }
  }
}
