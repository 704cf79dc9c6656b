import { randomInt } from 'node:crypto';
import { UserState, type Activity, type TurnContext } from 'botbuilder';
import { RateLimiter } from '../core/http.js';
import { defaultTexts, translate, type Texts, type Vars } from '../core/i18n.js';
import type { TokenSigner } from '../core/tokens.js';
import { isStoreError, type Conversation, type Customer, type Store, type Ticket } from '../store/index.js';
import type { Sql } from '../store/sql/executor.js';
import type { GatewayPort } from '../channels/gateway-port.js';
import type { InboundMessage } from '../channels/inbound.js';
import { unlinkMessenger } from './unlink.js';
import { readYesNo } from '../bot/yes-no.js';

// Self-service account linking, web chat -> Messenger. A web customer asks for a link (socket event
// `link`); they get a signed one-time token, carried as the `ref` of an m.me link, and a short code
// they can type on Messenger instead ("link K7QD-M2XP"). Both name one single-use record in the
// store's state table. When the Messenger side presents it, the PSID is linked to the web customer
// (or the two customers are merged) and both channels are told. Nothing here trusts the webhook
// beyond its signature: tokens are HMAC-signed with a key of their own, records expire, are deleted
// on first use, and typed codes are random and rate limited.

/** Prefix of our m.me `ref`s, so other referrals (ads, plain m.me links) are left alone. */
export const REF_PREFIX = 'link.';
/** 32 symbols without look-alikes (no 0/O, 1/I). */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
export const CONFIRM_VALUE = 'LINK_CONFIRM';
export const CANCEL_VALUE = 'LINK_CANCEL';
/** "link K7QD-M2XP", "Link: k7qdm2xp", "link code K7QD M2XP"; the code has at least one digit. */
const TYPED = /^\s*link\s*(?:code)?\s*[:#]?\s*([a-z0-9]{4})[\s-]?([a-z0-9]{4})\s*[.!]?\s*$/i;
/** "unlink", "disconnect messenger", "unlink my account": the whole message, nothing else. */
const UNLINK = /^\s*(unlink|disconnect)(\s+(this\s+)?(messenger|account|my account|accounts))?\s*[.!]?\s*$/i;
/** "continue on the web", "link my account", "connect web chat": asking to take the chat to the web. */
const TO_WEB = /^\s*(?:(?:continue|chat|talk)\s+(?:on|in|via)\s+(?:the\s+)?(?:web|website|browser|web\s*chat)|(?:link|connect)\s+(?:my\s+|the\s+)?(?:web|website|web\s*chat|account|accounts|browser))\s*[.!?]*\s*$/i;
/** Joining two accounts cannot be undone by the customer: only a plain yes (or "connect") does it. */
const ANSWER_WORDS = { yes: ['connect'], no: ['cancel'] } as const;

/** What linking says (the linking catalogue's keys); each reply is worded in the conversation's language. */
export type LinkText = 'connected' | 'webNotice' | 'already' | 'invalid' | 'expired' | 'used' | 'badCode' | 'limited' | 'conflict' | 'confirm' | 'cancelled' | 'noRequest' | 'failed' | 'unlinked' | 'unlinkedFromWeb' | 'notLinked' | 'webUnlinked' | 'webNotLinked' | 'toWeb';

/** The English texts (the linking catalogue's), for code and tests that name them. */
export const TEXTS = {
  ...(Object.fromEntries(
    (['connected', 'webNotice', 'already', 'invalid', 'expired', 'used', 'badCode', 'limited', 'conflict', 'confirm', 'cancelled', 'noRequest', 'failed', 'unlinked', 'unlinkedFromWeb', 'notLinked', 'webUnlinked', 'webNotLinked'] as const).map((k) => [k, translate('en', `linking:${k}`)]),
  ) as Record<Exclude<LinkText, 'toWeb'>, string>),
  /** Messenger asks for the web chat: the web chat issues the code and Messenger sends it, as always. */
  toWeb: (where: string) => translate('en', 'linking:toWeb', { where }),
};

/** One issued link: what the web customer is shown. */
export interface LinkTicket {
  /** m.me link with the token as `ref`; null when no page name is configured. */
  url: string | null;
  /** Short code to type on Messenger, shown as XXXX-XXXX. */
  code: string;
  /** The token itself (the `ref`), for clients that build their own link. */
  ref: string;
  expiresAt: string;
}

/** Told to listeners (the web channel) after a PSID was linked. */
export interface LinkedEvent {
  customerId: string;
  /** The one live conversation the customer continues in. */
  conversationId: string;
  /** Every open live conversation of both customers before linking (keeper included). */
  conversationIds: string[];
  channel: 'messenger';
  externalId: string;
}

interface CodeRecord {
  webExternalId: string;
  expiresAt: number;
}

interface PendingRecord {
  code: string;
  expiresAt: number;
}

export interface LinkerOptions {
  store: Store;
  /** The customers' conversations: where linking's messages go, and reroutes after a merge. */
  gateway: Pick<GatewayPort, 'route' | 'reroute' | 'locale' | 'sendToConversation'>;
  /** Signs link tokens; pass a signer derived for this purpose (TokenSigner.derive). */
  signer: TokenSigner;
  /** Messenger page name or id for m.me links (MESSENGER_PAGE_NAME). */
  pageName?: string;
  /** The shop's page with the web chat (SHOPBOT_PUBLIC_URL). */
  webChatUrl?: string;
  /** Sends a message straight to a PSID, outside any stored conversation (refusals, prompts). */
  sendMessenger: (psid: string, activity: Partial<Activity>) => Promise<void>;
  ttlSeconds?: number;
  /** Typed codes per PSID per 15 minutes (default 5), and over all PSIDs per minute (default 60). */
  codeAttempts?: { perPsid: number; global: number };
  now?: () => number;
  /** The store's locale and texts (core/i18n.ts); replies are worded in the conversation's locale. */
  texts?: Texts;
  log?: (line: string) => void;
}

const codeKey = (code: string) => `link:code:${code}`;
const customerKey = (customerId: string) => `link:customer:${customerId}`;
const pendingKey = (psid: string) => `link:pending:${psid}`;
export const formatCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** A random code of the alphabet with at least one digit (so typed words are never taken for one). */
function newCode(): string {
  for (;;) {
    let c = '';
    for (let i = 0; i < CODE_LENGTH; i++) c += ALPHABET[randomInt(ALPHABET.length)];
    if (/\d/.test(c)) return c;
  }
}

/** The code in a typed "link XXXX-XXXX" message, upper-cased, or null when it is no such message. */
export function typedCode(text: string | undefined): string | null {
  const m = typeof text === 'string' && text.length <= 64 ? TYPED.exec(text) : null;
  if (!m) return null;
  const code = (m[1]! + m[2]!).toUpperCase();
  return /\d/.test(code) ? code : null;
}

/**
 * UserState keyed by the customer instead of the channel identity: one profile on every channel,
 * moved along when customers are merged (see mergeProfiles).
 */
export class CustomerUserState extends UserState {
  override getStorageKey(context: TurnContext): string | undefined {
    const customerId = (context.activity.channelData as { customerId?: unknown } | undefined)?.customerId;
    return typeof customerId === 'string' && customerId ? profileKey(customerId) : super.getStorageKey(context);
  }
}
export const profileKey = (customerId: string) => `customers/${customerId}/profile`;

/** Told to listeners (the web channel) after Messenger was disconnected from a customer. */
export interface UnlinkedEvent {
  customerId: string;
  channel: 'messenger';
  externalIds: string[];
  /** Where the customer asked for it. */
  from: 'web' | 'messenger';
}

type Outcome =
  | { kind: 'linked'; event: LinkedEvent }
  | { kind: 'unlinked'; event: UnlinkedEvent }
  | { kind: 'reply'; key: LinkText; vars?: Vars; chips?: { key: 'confirmYes' | 'confirmNo'; value: string }[] };

export class AccountLinker {
  private readonly listeners: ((e: LinkedEvent) => void)[] = [];
  private readonly unlinkListeners: ((e: UnlinkedEvent) => void)[] = [];
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly perPsid: RateLimiter;
  private readonly global: RateLimiter;
  private readonly texts: Texts;
  /** Settles when the Messenger messages taken in so far are decided (and stored for the bot). */
  private inbound: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LinkerOptions) {
    this.texts = opts.texts ?? defaultTexts;
    this.ttl = opts.ttlSeconds ?? 600;
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((l) => console.error(l));
    this.perPsid = new RateLimiter(opts.codeAttempts?.perPsid ?? 5, 15 * 60_000, this.now);
    this.global = new RateLimiter(opts.codeAttempts?.global ?? 60, 60_000, this.now);
  }

  onLinked(listener: (e: LinkedEvent) => void): void {
    this.listeners.push(listener);
  }

  onUnlinked(listener: (e: UnlinkedEvent) => void): void {
    this.unlinkListeners.push(listener);
  }

  private tell<E>(listeners: readonly ((e: E) => void)[], e: E): void {
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        this.log(`[linking] listener failed: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Disconnects every Messenger of the customer behind a web identity (the web chat's "Disconnect").
   * Each PSID is told, so a person whose Messenger was disconnected by someone else notices.
   */
  async unlinkFromWeb(webExternalId: string, locale?: string | null): Promise<{ ok: boolean; message: string }> {
    const customer = await this.opts.store.customers.findByIdentity('web', webExternalId);
    const result = customer ? await unlinkMessenger(this.opts.store, this.opts.gateway, customer.id, { channel: 'web', externalId: webExternalId }) : null;
    if (!result?.ok) return { ok: false, message: this.texts.t(locale, 'linking:webNotLinked') };
    this.log(`[linking] customer ${result.customerId}: messenger ${result.psids.join(', ')} disconnected from the web chat`);
    this.tell(this.unlinkListeners, { customerId: result.customerId, channel: 'messenger', externalIds: result.psids, from: 'web' });
    for (const psid of result.psids) void this.say(psid, 'unlinkedFromWeb', {}, undefined, locale);
    return { ok: true, message: this.texts.t(locale, 'linking:webUnlinked') };
  }

  /**
   * Issues a one-time link for the customer behind a web identity. A new link replaces the
   * customer's previous one (only the latest works).
   */
  async issue(webExternalId: string): Promise<LinkTicket> {
    const { store } = this.opts;
    const customer = await store.customers.findByIdentity('web', webExternalId);
    if (!customer) throw new Error('no customer for this web session');
    const now = this.now();
    const expiresAt = now + this.ttl * 1000;
    const code = await store.sql.transaction(async (tx) => {
      const previous = (await store.state.get<{ code: string }>(customerKey(customer.id), tx))?.value.code;
      if (previous) await store.state.delete(codeKey(previous), {}, tx);
      for (;;) {
        const c = newCode();
        try {
          await store.state.put(codeKey(c), { webExternalId, expiresAt } satisfies CodeRecord, { etag: null }, tx);
        } catch (err) {
          if (isStoreError(err) && err.code === 'etag_mismatch') continue; // taken (2^40 space): draw again
          throw err;
        }
        await store.state.put(customerKey(customer.id), { code: c, expiresAt }, {}, tx);
        return c;
      }
    });
    const ref = REF_PREFIX + this.opts.signer.sign(code, this.ttl, now);
    const page = this.opts.pageName;
    return { url: page ? `https://m.me/${encodeURIComponent(page)}?ref=${encodeURIComponent(ref)}` : null, code: formatCode(code), ref, expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * Handles what concerns linking in a Messenger message: a referral carrying our ref, a typed
   * code, or the answer to a confirmation prompt. Resolves to null for anything else, which then
   * goes to the bot as usual; otherwise to the promise of the replies, and the message must not
   * reach the bot. The decision and the link itself are made before it resolves.
   */
  async handleMessenger(m: InboundMessage): Promise<{ replies: Promise<void> } | null> {
    if (m.channel !== 'messenger') return null;
    const psid = m.externalId;
    let outcome: Outcome | null;
    // The language of the conversation this Messenger user had before anything changes here.
    let locale: string | undefined;
    try {
      locale = await this.localeOf(psid);
      outcome = await this.decide(m);
    } catch (err) {
      this.log(`[linking] ${psid}: ${(err as Error).stack ?? err}`);
      outcome = { kind: 'reply', key: 'failed' };
    }
    if (!outcome) return null;
    if (outcome.kind === 'reply') return { replies: this.say(psid, outcome.key, outcome.vars, outcome.chips, locale) };
    if (outcome.kind === 'unlinked') {
      this.log(`[linking] messenger ${psid} disconnected from customer ${outcome.event.customerId}`);
      this.tell(this.unlinkListeners, outcome.event);
      return { replies: this.say(psid, 'unlinked', {}, undefined, locale) };
    }
    const e = outcome.event;
    this.tell(this.listeners, e);
    this.log(`[linking] messenger ${psid} linked to customer ${e.customerId} (conversation ${e.conversationId})`);
    return {
      replies: this.opts.gateway
        .locale(e.conversationId)
        .then((l) => this.opts.gateway.sendToConversation(e.conversationId, { type: 'message', text: this.texts.t(l, 'linking:connected') }))
        .catch((err: unknown) => this.log(`[linking] confirmation failed: ${(err as Error).message}`)),
    };
  }

  /**
   * The Messenger webhook's `onMessage`: linking first, then the bot. A bare referral that is not
   * ours (an ad, a plain m.me link) carries no message, so nothing reaches the bot. Messages are
   * decided and stored one at a time in arrival order, so a message that follows a code in the same
   * webhook body is handled after the link exists; replies are not waited for in between.
   */
  messengerInbound(receive: (m: InboundMessage) => Promise<unknown>): (m: InboundMessage) => Promise<void> {
    return async (m) => {
      let replies: Promise<void> | undefined;
      const taken = this.inbound.then(async () => {
        const handled = await this.handleMessenger(m);
        if (handled) replies = handled.replies;
        else if (m.text !== undefined || m.value !== undefined) await receive(m);
      });
      this.inbound = taken.then(
        () => undefined,
        () => undefined,
      );
      await taken;
      await replies;
    };
  }

  private async decide(m: InboundMessage): Promise<Outcome | null> {
    const psid = m.externalId;
    const ref = m.referral?.ref;
    if (typeof ref === 'string' && ref.startsWith(REF_PREFIX)) return this.fromReferral(psid, ref.slice(REF_PREFIX.length));

    const pending = (await this.opts.store.state.get<PendingRecord>(pendingKey(psid)))?.value;
    const live = pending !== undefined && pending.expiresAt > this.now();
    if (pending && !live) await this.opts.store.state.delete(pendingKey(psid));
    // The prompt's buttons, or a typed yes / no while a prompt is open (after that, "yes" is the bot's).
    const typed = live && m.value === undefined ? readYesNo(m.text ?? '', ANSWER_WORDS) : undefined;
    if (m.value === CONFIRM_VALUE || m.value === CANCEL_VALUE || typed !== undefined) {
      await this.opts.store.state.delete(pendingKey(psid));
      if (!pending || !live) return { kind: 'reply', key: 'noRequest' };
      if (m.value === CANCEL_VALUE || typed === false) return { kind: 'reply', key: 'cancelled' };
      return this.link(psid, pending.code, { missing: 'used', expired: 'expired' });
    }

    if (m.value === undefined && UNLINK.test(m.text ?? '')) return this.unlinkHere(psid);
    // Linking always starts in the web chat (it shows the code, Messenger sends it), so a Messenger
    // user who asks for the web is told how; nobody can pull a Messenger history into a browser.
    if (m.value === undefined && TO_WEB.test(m.text ?? '')) return { kind: 'reply', key: 'toWeb', vars: this.opts.webChatUrl ? { where: this.opts.webChatUrl } : {} };

    const code = typedCode(m.text);
    if (!code) return null;
    // Brute force: a PSID gets a few tries per 15 minutes, and all PSIDs together a bounded number
    // per minute; with 32^8 codes alive for 10 minutes, guessing someone's code is out of reach.
    if (!this.perPsid.take(psid) || !this.global.take('all')) {
      this.log(`[linking] ${psid}: typed code refused (rate limit)`);
      return { kind: 'reply', key: 'limited' };
    }
    if (![...code].every((ch) => ALPHABET.includes(ch))) return { kind: 'reply', key: 'badCode' };
    // Typing a code is deliberate, but someone may have talked the person into typing theirs: a
    // Messenger account with history is joined only after an explicit yes, as with links.
    const record = (await this.opts.store.state.get<CodeRecord>(codeKey(code)))?.value;
    if (record && record.expiresAt > this.now()) {
      const asked = await this.askFirst(psid, code, record);
      if (asked) return asked;
    }
    return this.link(psid, code, { missing: 'badCode', expired: 'badCode' }, true);
  }

  /**
   * Opening someone else's link, or typing their code, must not hand this Messenger account's
   * existing history and orders to that web chat without the person saying so: a confirmation
   * prompt when the PSID already belongs to another customer with history, otherwise null.
   */
  private async askFirst(psid: string, code: string, record: CodeRecord): Promise<Outcome | null> {
    const { store } = this.opts;
    const owner = await store.customers.findByIdentity('messenger', psid);
    const web = await store.customers.findByIdentity('web', record.webExternalId);
    if (!(owner && web && owner.id !== web.id && (await this.hasHistory(owner)))) return null;
    await store.state.put(pendingKey(psid), { code, expiresAt: record.expiresAt } satisfies PendingRecord);
    return {
      kind: 'reply',
      key: 'confirm',
      chips: [
        { key: 'confirmYes', value: CONFIRM_VALUE },
        { key: 'confirmNo', value: CANCEL_VALUE },
      ],
    };
  }

  private async fromReferral(psid: string, token: string): Promise<Outcome> {
    const { signer, store } = this.opts;
    const payload = signer.verify(token, this.now());
    if (!payload) {
      // Distinguish an expired genuine token from a forged one (a genuine one verifies at time 0).
      const genuine = signer.verify(token, 0) !== null;
      this.log(`[linking] ${psid}: ${genuine ? 'expired' : 'invalid'} link token`);
      return { kind: 'reply', key: genuine ? 'expired' : 'invalid' };
    }
    const code = payload.sub;
    const record = (await store.state.get<CodeRecord>(codeKey(code)))?.value;
    if (!record) return { kind: 'reply', key: 'used' };
    if (record.expiresAt <= this.now()) return { kind: 'reply', key: 'expired' };
    return (await this.askFirst(psid, code, record)) ?? this.link(psid, code, { missing: 'used', expired: 'expired' });
  }

  /** "unlink" typed on Messenger: only this PSID leaves the account. */
  private async unlinkHere(psid: string): Promise<Outcome> {
    const owner = await this.opts.store.customers.findByIdentity('messenger', psid);
    const result = owner ? await unlinkMessenger(this.opts.store, this.opts.gateway, owner.id, { channel: 'messenger', externalId: psid }) : null;
    if (!result?.ok) return { kind: 'reply', key: 'notLinked' };
    return { kind: 'unlinked', event: { customerId: result.customerId, channel: 'messenger', externalIds: result.psids, from: 'messenger' } };
  }

  private async hasHistory(c: Customer): Promise<boolean> {
    const { store } = this.opts;
    return (await store.conversations.listForCustomer(c.id, 1)).length > 0 || (await store.orders.listForCustomer(c.id, { limit: 1 })).length > 0;
  }

  /**
   * Consumes the code and links the PSID to its web customer, in one transaction: a code works
   * once even with two webhooks racing, and a failure leaves the code and both customers as they
   * were.
   */
  private link(psid: string, code: string, texts: { missing: LinkText; expired: LinkText }, typed = false): Promise<Outcome> {
    const { store } = this.opts;
    return store.sql.transaction(async (tx): Promise<Outcome> => {
      const record = (await store.state.get<CodeRecord>(codeKey(code), tx))?.value;
      if (!record) {
        if (typed) this.log(`[linking] ${psid}: typed code matches no open request`);
        return { kind: 'reply', key: texts.missing };
      }
      if (record.expiresAt <= this.now()) {
        await store.state.delete(codeKey(code), {}, tx);
        return { kind: 'reply', key: texts.expired };
      }
      const web = await store.customers.findByIdentity('web', record.webExternalId, tx);
      if (!web) {
        await store.state.delete(codeKey(code), {}, tx);
        return { kind: 'reply', key: texts.missing };
      }
      const owner = await store.customers.findByIdentity('messenger', psid, tx);
      if (owner?.id === web.id) {
        await this.consume(code, web.id, tx);
        return { kind: 'reply', key: 'already' };
      }
      const before = [...(await openLive(store, web.id, tx)), ...(owner ? await openLive(store, owner.id, tx) : [])].map((c) => c.id);
      let customerId = web.id;
      if (!owner) {
        await store.customers.linkIdentity(web.id, 'messenger', psid, tx);
      } else {
        // Two customers become one. mergeCustomers moves every row (identities, orders, reviews,
        // conversations, messages, tickets, events) and deletes the source's customers row, so the
        // only thing that can be lost is the source's own name / e-mail / country. Keep the richer
        // profile: the web customer by default (the session that asked), the Messenger one when it
        // is a known customer and the web one a guest. Two different e-mails are two real accounts:
        // combining those is for a person to decide, and nothing changes (the code stays valid).
        if (owner.email && web.email && owner.email.toLowerCase() !== web.email.toLowerCase()) return { kind: 'reply', key: 'conflict' };
        const [target, source] = richness(owner) > richness(web) ? [owner, web] : [web, owner];
        await store.customers.mergeCustomers(target.id, source.id, tx);
        await mergeProfiles(store, target.id, source.id, tx);
        customerId = target.id;
      }
      await this.consume(code, web.id, tx);
      await store.state.delete(pendingKey(psid), {}, tx);
      const keeper = await consolidateLive(store, customerId, 'messenger', tx);
      // The customer continues on Messenger: agent replies and proactive messages go there (the web
      // chat still shows every turn through the gateway's mirror).
      await this.opts.gateway.reroute(keeper.id, { channel: 'messenger', externalId: psid }, tx);
      return { kind: 'linked', event: { customerId, conversationId: keeper.id, conversationIds: [...new Set([keeper.id, ...before])], channel: 'messenger', externalId: psid } };
    });
  }

  private async consume(code: string, customerId: string, tx: Sql): Promise<void> {
    const { store } = this.opts;
    await store.state.delete(codeKey(code), {}, tx);
    if ((await store.state.get<{ code: string }>(customerKey(customerId), tx))?.value.code === code) await store.state.delete(customerKey(customerId), {}, tx);
  }

  /** The locale of the conversation a Messenger user writes in (set by a linked web chat, say); undefined: the store's default. */
  private async localeOf(psid: string): Promise<string | undefined> {
    const owner = await this.opts.store.customers.findByIdentity('messenger', psid);
    const live = owner ? (await openLive(this.opts.store, owner.id))[0] : undefined;
    return live ? await this.opts.gateway.locale(live.id) : undefined;
  }

  private async say(psid: string, key: LinkText, vars: Vars = {}, chips?: { key: 'confirmYes' | 'confirmNo'; value: string }[], locale?: string | null): Promise<void> {
    const t = (k: string, v: Vars = {}) => this.texts.t(locale, `linking:${k}`, v);
    const activity: Partial<Activity> = {
      type: 'message',
      text: key === 'toWeb' ? t(key, { where: t('ourWebsite'), ...vars }) : t(key, vars),
      recipient: { id: psid, name: '' },
      ...(chips ? { suggestedActions: { to: [], actions: chips.map((c) => ({ type: 'postBack', title: t(c.key), value: c.value })) } } : {}),
    };
    await this.opts.sendMessenger(psid, activity).catch((err: unknown) => this.log(`[linking] reply to ${psid} failed: ${(err as Error).message}`));
  }
}

async function openLive(store: Store, customerId: string, sql: Sql = store.sql): Promise<Conversation[]> {
  return (await store.conversations.listForCustomer(customerId, 200, sql)).filter((c) => c.source === 'live' && c.status === 'open');
}

/**
 * After a merge the customer may have two open live conversations (one per channel). The gateway
 * serves the most recent open one, so keep exactly one: the one a person is handling (open
 * ticket, assigned before pending), else the most recently active. Others are closed, except one
 * that still has an open ticket (closing it would strand the agent); those close with the ticket.
 * With none open, a new one on `channel`. Shared by Messenger linking and the web chat's signed
 * identity (channels/web-identity.ts). Runs in their transaction, `tx`.
 */
export async function consolidateLive(store: Store, customerId: string, channel: 'web' | 'messenger', tx: Sql): Promise<Conversation> {
  const open = await openLive(store, customerId, tx); // most recent first
  const tickets = new Map<string, Ticket | undefined>();
  for (const c of open) tickets.set(c.id, await store.tickets.openForConversation(c.id, tx));
  const keeper = open.find((c) => tickets.get(c.id)?.status === 'assigned') ?? open.find((c) => tickets.get(c.id)) ?? open[0] ?? (await store.conversations.create({ customerId, channel }, tx));
  for (const c of open) {
    if (c.id !== keeper.id && !tickets.get(c.id)) await store.conversations.close(c.id, `merged into ${keeper.id}`, tx);
  }
  return keeper;
}

/**
 * One user state after merging customers: what the target lacks comes from the source (see
 * CustomerUserState). Runs on the merge's transaction, `tx`.
 */
export async function mergeProfiles(store: Store, targetId: string, sourceId: string, tx: Sql): Promise<void> {
  const { state } = store;
  const source = (await state.get<Record<string, unknown>>(profileKey(sourceId), tx))?.value;
  if (!source) return;
  const target = (await state.get<Record<string, unknown>>(profileKey(targetId), tx))?.value ?? {};
  await state.put(profileKey(targetId), { ...source, ...target }, {}, tx);
  await state.delete(profileKey(sourceId), {}, tx);
}

function richness(c: Customer): number {
  return (c.email ? 4 : 0) + (c.name && c.name !== 'Guest' ? 2 : 0) + (c.country ? 1 : 0);
}
