import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import {
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  TurnContext,
  type Activity,
  type ConversationReference,
  type InvokeResponse,
} from 'botbuilder';
import type { BotFrameworkSettings } from '../core/config.js';
import { HttpError, RateLimiter, readRawBody, sendJson, type RouteHandler, type Router } from '../core/http.js';
import type { Message, Store } from '../store/index.js';
import { MAX_ID_BYTES, MAX_TEXT_BYTES, wellFormed } from '../store/text.js';
import { parseCardAction } from '../bot/cards.js';
import type { ChannelOutlet, Gateway, Received, Route } from './gateway.js';
import type { ChannelId } from './inbound.js';
import { withAbsoluteLinks } from './card-links.js';

// The Bot Framework channel: `POST /api/messages` through botbuilder's CloudAdapter, so the bot works
// with Azure Bot Service channels and the Bot Framework Emulator. Activities already are our internal
// format; this channel only authenticates, maps the sender to a store identity, and carries replies
// back (inside the open turn: normal replies or `expectReplies`; otherwise proactively).

/**
 * All Bot Framework traffic uses the store's 'emulator' identity channel (its CHECK constraint has no
 * other Bot Framework value); the external id keeps the Bot Framework channel apart:
 * `${activity.channelId}:${activity.from.id}`.
 */
export const BOT_FRAMEWORK_CHANNEL: ChannelId = 'emulator';
export const MAX_BOT_FRAMEWORK_BODY = 256 * 1024;
const REF_KEY = (externalId: string) => `botframework:ref:${externalId}`;
/** The receipts' channel name for Bot Framework activity ids. */
export const BOT_FRAMEWORK_RECEIPTS = 'botframework';
/** Display names are plain text of at most this many characters. */
export const MAX_NAME_CHARS = 64;

export interface BotFrameworkOptions {
  gateway: Pick<Gateway, 'receive' | 'addOutlet'>;
  store: Store;
  settings: BotFrameworkSettings;
  log?: (line: string) => void;
  maxBodyBytes?: number;
  rateLimit?: { limit: number; windowMs: number };
}

export interface BotFrameworkChannel {
  handler: RouteHandler;
  outlet: ChannelOutlet;
  adapter: CloudAdapter;
}

type AuthResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

/** CloudAdapter whose turn runner returns the invoke response (the `expectReplies` body). */
class ShopCloudAdapter extends CloudAdapter {
  runTurn(authResult: AuthResult, activity: Activity, logic: (ctx: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authResult, activity, logic);
  }
}

interface LiveTurn {
  ctx: TurnContext;
  /** The inbound activity id: the gateway's activity carries it, so the bot's replies name it as replyToId. */
  inboundId: string;
  pending: Set<Promise<unknown>>;
}

const str = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);

/** True for http(s) URLs whose host is this machine (localhost, 127.x, ::1). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** Checks the fields a turn relies on; the rest of the Activity passes through as sent. */
export function parseActivity(body: unknown): Activity | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'expected an Activity object';
  const a = body as Record<string, unknown>;
  if (!str(a.type, 64)) return 'missing activity type';
  const serviceUrl = str(a.serviceUrl, 2048);
  if (!serviceUrl || !/^https?:\/\//i.test(serviceUrl)) return 'missing or invalid serviceUrl';
  if (!str(a.channelId, 64)) return 'missing channelId';
  if (!str((a.conversation as { id?: unknown } | undefined)?.id, 512)) return 'missing conversation.id';
  if (!str((a.from as { id?: unknown } | undefined)?.id, 256)) return 'missing from.id';
  if (!str((a.recipient as { id?: unknown } | undefined)?.id, 256)) return 'missing recipient.id';
  for (const k of ['timestamp', 'localTimestamp', 'expiration'] as const) {
    if (typeof a[k] === 'string') a[k] = new Date(a[k]);
  }
  // The sender's name is plain text from here on: in the store, the conversation reference, replies.
  const from = a.from as { name?: unknown };
  if (from.name !== undefined) {
    const name = cleanName(from.name);
    if (name === undefined) delete from.name;
    else from.name = name;
  }
  return a as unknown as Activity;
}

// Control and format characters (NUL, newlines, bidi overrides, zero-width), and characters that
// start markup in the clients that render bot text as HTML or Markdown.
const UNSAFE_IN_NAME = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}<>[\]{}`\\]/gu;

/**
 * A display name as plain text: control, format and markup-looking characters removed, whitespace
 * collapsed to single spaces, at most MAX_NAME_CHARS characters; undefined when nothing is left.
 */
export function cleanName(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const clean = wellFormed(name.slice(0, 4096)).replace(/\s+/gu, ' ').replace(UNSAFE_IN_NAME, '').replace(/ {2,}/g, ' ').trim();
  const capped = [...clean].slice(0, MAX_NAME_CHARS).join('').trim();
  return capped.length > 0 ? capped : undefined;
}

/**
 * The first field of an activity that the store could not take, as the HTTP answer to refuse it
 * with (before anything is stored): message text over MAX_TEXT_BYTES (413), or an external id
 * (`${channelId}:${from.id}`) over MAX_ID_BYTES (400). Null when everything fits.
 */
export function storeLimitError(a: { type?: unknown; channelId?: unknown; from?: { id?: unknown }; text?: unknown }): { status: 400 | 413; error: string } | null {
  const externalBytes = Buffer.byteLength(wellFormed(`${String(a.channelId)}:${String(a.from?.id)}`), 'utf8');
  if (externalBytes > MAX_ID_BYTES) return { status: 400, error: `from.id is too long: channelId and from.id together are ${externalBytes} bytes; the limit is ${MAX_ID_BYTES} bytes` };
  if (a.type === ActivityTypes.Message && typeof a.text === 'string') {
    const bytes = Buffer.byteLength(wellFormed(a.text), 'utf8');
    if (bytes > MAX_TEXT_BYTES) return { status: 413, error: `text is too long: ${bytes} bytes; the limit is ${MAX_TEXT_BYTES} bytes` };
  }
  return null;
}

/** The receipt key of an activity: its id within its channel and conversation (ids are unique only there). */
const receiptKey = (a: Activity): string => createHash('sha256').update(JSON.stringify([a.channelId, a.conversation.id, a.id])).digest('base64url');

/** The customer's identity for the gateway: Bot Framework channel plus its user id. */
export const externalIdOf = (activity: Pick<Activity, 'channelId' | 'from'>) => `${activity.channelId}:${activity.from.id}`;

/** What the bot sent, minus the addressing that the Bot Framework conversation reference supplies. */
export function toBotFrameworkReply(activity: Partial<Activity>): Partial<Activity> {
  const { id: _id, channelId: _c, conversation: _conv, from: _f, recipient: _r, replyToId: _rt, serviceUrl: _s, channelData, ...rest } = activity;
  // Bot Framework clients show every reply under the bot's name (the adapter sets `from`), so an
  // agent's message names the agent in its text, and in channelData for clients that read it.
  const agentName = (channelData as { role?: string; agentName?: string } | undefined)?.role === 'agent' ? (channelData as { agentName?: string }).agentName : undefined;
  if (agentName && rest.type === 'message' && rest.text) return { ...rest, text: rest.text.startsWith(agentName) ? rest.text : `${agentName}: ${rest.text}`, channelData: { agentName } };
  return rest;
}

/** The desk's hand-off event for a conversation on Bot Framework (HandoffOptions.channelHandoff); null on other channels. */
export function botFrameworkHandoff(route: Route, handoffContext: Record<string, unknown>, transcript: readonly Message[]): Partial<Activity> | null {
  return route.channel === BOT_FRAMEWORK_CHANNEL ? handoffInitiation(handoffContext, transcript) : null;
}

/**
 * A Bot Framework `handoff.initiate` event with the transcript attached, shaped as botbuilder's
 * `EventFactory.createHandoffInitiation` shapes it, so an external agent hub can take the chat.
 */
export function handoffInitiation(handoffContext: Record<string, unknown>, transcript: readonly Message[]): Partial<Activity> {
  const activities: Partial<Activity>[] = transcript.map((m) => {
    const payload = (m.payload ?? {}) as { attachments?: Activity['attachments'] };
    const user = m.role === 'customer';
    return {
      type: ActivityTypes.Message,
      id: String(m.id),
      timestamp: new Date(m.createdAt),
      from: { id: user ? (m.customerId ?? 'customer') : m.role, name: m.role, role: user ? 'user' : 'bot' },
      text: m.text,
      ...(payload.attachments?.length ? { attachments: payload.attachments } : {}),
    };
  });
  return {
    type: ActivityTypes.Event,
    name: 'handoff.initiate',
    value: handoffContext,
    attachments: [{ contentType: 'application/json', name: 'Transcript', content: { activities } }],
  };
}

/** The route handler, the outlet, and the adapter of the Bot Framework channel. */
export function createBotFrameworkChannel(opts: BotFrameworkOptions): BotFrameworkChannel {
  const log = opts.log ?? ((l: string) => console.error(l));
  const { settings, store, gateway } = opts;
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: settings.appId,
    MicrosoftAppPassword: settings.appPassword,
    MicrosoftAppType: settings.appType,
    ...(settings.appTenantId ? { MicrosoftAppTenantId: settings.appTenantId } : {}),
  });
  const adapter = new ShopCloudAdapter(auth);
  adapter.onTurnError = async (_ctx, err) => {
    log(`[botframework] turn failed: ${(err as Error).stack ?? err}`);
  };
  const limiter = new RateLimiter(opts.rateLimit?.limit ?? 30, opts.rateLimit?.windowMs ?? 10_000);
  const live = new Map<string, LiveTurn[]>();
  /** False for an activity already taken in; an activity without an id cannot be recognised. */
  const firstTime = async (a: Activity): Promise<boolean> => {
    if (!a.id) return true;
    try {
      return await store.receipts.firstTime(BOT_FRAMEWORK_RECEIPTS, receiptKey(a));
    } catch (err) {
      // Better a rare second answer than a lost message.
      log(`[botframework] could not check activity ${a.id.slice(0, 200)} for a repeat: ${(err as Error).message}`);
      return true;
    }
  };

  /** The activity was not taken in after all: the channel's retry of it must count as new. */
  const forget = (a: Activity): Promise<unknown> =>
    store.receipts.forget(BOT_FRAMEWORK_RECEIPTS, receiptKey(a)).catch((err: unknown) => log(`[botframework] could not forget activity ${String(a.id).slice(0, 200)}: ${(err as Error).message}`));

  const outlet: ChannelOutlet = {
    async deliver(route: Route, _conversationId, delivered, activity) {
      // The customer's own words: the Bot Framework client already shows them.
      if (delivered?.message.role === 'customer') return;
      // Store paths ("/?product=P-1") only resolve on the store's page: absolute against SHOPBOT_PUBLIC_URL.
      const reply = toBotFrameworkReply(withAbsoluteLinks(activity, settings.publicUrl));
      const turns = live.get(route.externalId);
      const turn = turns?.find((t) => t.inboundId === activity.replyToId) ?? turns?.[0];
      try {
        if (turn) {
          const sent = turn.ctx.sendActivity(reply);
          turn.pending.add(sent);
          try {
            await sent;
          } finally {
            turn.pending.delete(sent);
          }
          return;
        }
        const reference = (await store.state.get<Partial<ConversationReference>>(REF_KEY(route.externalId)))?.value;
        if (!reference) {
          log(`[botframework] no conversation reference for ${route.externalId}; dropped a ${activity.type}`);
          return;
        }
        await adapter.continueConversationAsync(settings.appId, reference, async (ctx) => {
          await ctx.sendActivity(reply);
        });
      } catch (err) {
        log(`[botframework] sending a ${activity.type} to ${route.externalId} failed: ${(err as Error).message}`);
      }
    },
  };

  async function onMessage(ctx: TurnContext, externalId: string): Promise<void> {
    const a = ctx.activity;
    // Proactive replies (agents, queue updates) carry order details: they go to the user's personal
    // conversation only, never to a group chat or channel where the user happened to mention the bot.
    const personal = !a.conversation.isGroup && (a.conversation.conversationType ?? 'personal') === 'personal';
    if (personal) await store.state.put(REF_KEY(externalId), TurnContext.getConversationReference(a));
    let text = typeof a.text === 'string' ? a.text : undefined;
    let value: unknown = a.value;
    // Web Chat (and the Emulator) send a string postBack value as the message text.
    if (value === undefined && text !== undefined && parseCardAction(text)) {
      value = text;
      text = undefined;
    }
    if (value !== undefined && JSON.stringify(value).length > 4096) value = undefined;
    const inboundId = a.id || randomUUID();
    const turn: LiveTurn = { ctx, inboundId, pending: new Set() };
    const turns = live.get(externalId) ?? [];
    turns.push(turn);
    live.set(externalId, turns);
    try {
      let received: Received;
      try {
        received = await gateway.receive({
          channel: BOT_FRAMEWORK_CHANNEL,
          externalId,
          messageId: inboundId,
          ...(text !== undefined ? { text } : {}),
          ...(value !== undefined ? { value } : {}),
          ...(typeof a.from.name === 'string' && a.from.name ? { name: a.from.name } : {}),
          // The user's locale as the Bot Framework channel gives it ("hi-IN"): replies use its catalogue when there is one.
          ...(typeof a.locale === 'string' && a.locale ? { locale: a.locale } : {}),
        });
      } catch (err) {
        // Nothing was stored: the channel's retry of this activity must count as new.
        if (a.id) await forget(a);
        throw err;
      }
      await received.done;
      // Sends started during the turn (hand-off status, queue updates) still belong to it.
      while (turn.pending.size) await Promise.allSettled([...turn.pending]);
    } finally {
      turns.splice(turns.indexOf(turn), 1);
      if (turns.length === 0) live.delete(externalId);
    }
  }

  const handler: RouteHandler = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    let raw: Buffer;
    try {
      raw = await readRawBody(req, opts.maxBodyBytes ?? MAX_BOT_FRAMEWORK_BODY);
    } catch (err) {
      return sendJson(res, err instanceof HttpError ? err.status : 400, { error: (err as Error).message });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'invalid JSON' });
    }
    const activity = parseActivity(body);
    if (typeof activity === 'string') return sendJson(res, 400, { error: activity });
    const tooBig = storeLimitError(activity);
    if (tooBig) {
      log(`[botframework] refused a ${String(activity.type).slice(0, 64)} activity: ${tooBig.error}`);
      return sendJson(res, tooBig.status, { error: tooBig.error });
    }
    // Without authentication anyone may call this endpoint, and the replies go to the serviceUrl the
    // request names: only a connector on this machine (the Emulator) is accepted then, so the server
    // cannot be used to send requests to other hosts (e.g. when a proxy exposes it).
    if (!settings.appId && !isLoopbackUrl(activity.serviceUrl)) {
      log(`[botframework] refused serviceUrl ${activity.serviceUrl.slice(0, 200)}: authentication is off, so only a local connector is accepted`);
      return sendJson(res, 403, { error: 'serviceUrl must be on this machine while authentication is off (set MicrosoftAppId)' });
    }

    const turnState: { outcome: 'ok' | 'limited' | 'failed' } = { outcome: 'ok' };
    const logic = async (ctx: TurnContext): Promise<void> => {
      // Other activity types (conversationUpdate, typing, events, invokes) do not start a turn.
      if (ctx.activity.type !== ActivityTypes.Message) return;
      const externalId = externalIdOf(ctx.activity);
      // A channel retries what it thinks was lost: an activity already taken in gets a 200 and no second turn.
      if (!(await firstTime(ctx.activity))) {
        log(`[botframework] debug: ignored a repeated delivery of activity ${String(ctx.activity.id).slice(0, 200)} from ${externalId.slice(0, 300)}`);
        return;
      }
      if (!limiter.take(externalId)) {
        // Refused with a 429, not taken in: the channel's retry must count as new.
        if (ctx.activity.id) await forget(ctx.activity);
        turnState.outcome = 'limited';
        log(`[botframework] rate limit: dropped a message from ${externalId}`);
        return;
      }
      try {
        await onMessage(ctx, externalId);
      } catch (err) {
        turnState.outcome = 'failed';
        log(`[botframework] message from ${externalId} failed: ${(err as Error).message}`);
      }
    };

    // Authenticate before anything is read into the store; no valid JWT (with an app id set): 401.
    const authHeader = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
    let authResult: AuthResult;
    try {
      authResult = await auth.authenticateRequest(activity, authHeader);
    } catch (err) {
      const code = (err as { statusCode?: unknown }).statusCode;
      if (code === 401 || code === 403 || /unauthori[sz]ed/i.test((err as Error).message)) {
        log(`[botframework] rejected an unauthenticated request: ${(err as Error).message}`);
        return sendJson(res, 401, { error: 'unauthorized' });
      }
      // The token could not be checked (signing keys unreachable): the channel retries later.
      log(`[botframework] could not verify a request: ${(err as Error).message}`);
      return sendJson(res, 503, { error: 'cannot verify the request right now' });
    }
    let result: InvokeResponse | undefined;
    try {
      result = await adapter.runTurn(authResult, activity, logic);
    } catch (err) {
      log(`[botframework] request failed: ${(err as Error).stack ?? err}`);
      return sendJson(res, 500, { error: 'internal error' });
    }
    if (turnState.outcome === 'limited') return sendJson(res, 429, { error: 'too many messages; slow down' });
    if (turnState.outcome === 'failed') return sendJson(res, 500, { error: 'internal error' });
    if (result?.body !== undefined) return sendJson(res, result.status, result.body);
    if (result) {
      res.writeHead(result.status);
      res.end();
      return;
    }
    res.writeHead(200);
    res.end();
  };

  return { handler, outlet, adapter };
}

/** Wires the channel into the app: outlet for the gateway, route `POST /api/messages`. */
export function attachBotFramework(http: Router, opts: BotFrameworkOptions): BotFrameworkChannel {
  const channel = createBotFrameworkChannel(opts);
  opts.gateway.addOutlet(BOT_FRAMEWORK_CHANNEL, channel.outlet);
  http.route('/api/messages', channel.handler);
  return channel;
}
