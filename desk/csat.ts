import type { Activity } from 'botbuilder';
import { defaultTexts, translate, type Texts } from '../core/i18n.js';
import { isStoreError, type Agent, type CsatRating, type Store, type Ticket } from '../store/index.js';
import type { GatewayPort } from '../channels/gateway-port.js';
import type { InboundMessage } from '../channels/inbound.js';

// Customer satisfaction after a resolved hand-off. When an agent resolves a chat the customer is
// asked for a rating from 1 to 5 and an optional comment:
//   - web chat: a `csat` event; the widget shows a row of five buttons and a comment box, and answers
//     with the `csat` socket event (channels/web.ts);
//   - Messenger: a message with five quick replies (payload CSAT:<ticket>:<1-5>); after a rating
//     the customer may type one comment (or tap "No comment"), taken here before the bot sees it.
// One rating per resolution; answering again updates it. A conversation never resolved cannot be
// rated, nor one resolved more than `answerWindowMs` ago.

export const CSAT_EMOJI = ['😞', '😕', '😐', '😊', '😄'] as const;
/** The five choices' labels in English (the desk catalogue's csat.labels). */
export const CSAT_LABELS = [1, 2, 3, 4, 5].map((n) => translate('en', `desk:csat.labels.${n}`));

/** What the survey says, in a language (English by default): the desk catalogue's csat.* texts. */
export const CSAT_TEXTS = {
  question: (agentName: string, lang = 'en') => translate(lang, 'desk:csat.question', { agent: agentName }),
  askComment: (rating: number, lang = 'en') => translate(lang, 'desk:csat.askComment', { rating }),
  noComment: translate('en', 'desk:csat.noComment'),
  thanks: translate('en', 'desk:csat.thanks'),
  commentThanks: translate('en', 'desk:csat.commentThanks'),
  tooLate: translate('en', 'desk:csat.tooLate'),
};

const PAYLOAD = /^CSAT:(\d{1,15}):([1-5]|skip)$/;

/** `CSAT:<ticketId>:<1-5|skip>`, the quick replies' payload. */
export function csatPayload(ticketId: number, answer: number | 'skip'): string {
  return `CSAT:${ticketId}:${answer}`;
}

export function parseCsatPayload(v: unknown): { ticketId: number; rating: number | null } | null {
  if (typeof v !== 'string') return null;
  const m = PAYLOAD.exec(v.trim());
  if (!m) return null;
  return { ticketId: Number(m[1]), rating: m[2] === 'skip' ? null : Number(m[2]) };
}

/** What the widget gets (`csat` event): which resolution, the question, and the five choices. */
export interface CsatRequest {
  ticketId: number;
  agentName: string;
  question: string;
  choices: { rating: number; emoji: string; label: string }[];
}

export class CsatError extends Error {
  constructor(
    readonly code: 'not_resolved' | 'too_late' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export interface CsatOptions {
  store: Store;
  /** The customer's conversation: its route and locale, and where the survey and its replies go. */
  gateway: Pick<GatewayPort, 'route' | 'locale' | 'sendToConversation'>;
  /** How long after the resolution a rating is taken (default 7 days). */
  answerWindowMs?: number;
  /** How long a reconnecting widget is asked again while unrated (default 24 hours). */
  reaskMs?: number;
  /** How long a Messenger customer's next message counts as the comment (default 10 minutes). */
  commentWindowMs?: number;
  now?: () => number;
  /** The store's locale and texts (core/i18n.ts): the survey is worded in the conversation's locale. */
  texts?: Texts;
  log?: (line: string) => void;
}

interface AwaitingComment {
  ticketId: number;
  conversationId: string;
  until: number;
}

const commentKey = (psid: string) => `csat-comment:messenger:${psid}`;

export class CsatService {
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: CsatOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((l) => console.error(l));
  }

  private get store(): Store {
    return this.opts.store;
  }

  private get gateway(): CsatOptions['gateway'] {
    return this.opts.gateway;
  }

  private get texts(): Texts {
    return this.opts.texts ?? defaultTexts;
  }

  /** A survey text in a locale (a conversation's; undefined: the store's default). */
  private t(locale: string | null | undefined, key: string, vars: Record<string, string | number> = {}): string {
    return this.texts.t(locale, `desk:csat.${key}`, vars);
  }

  private request(ticketId: number, agentName: string, locale: string | null | undefined): CsatRequest {
    return {
      ticketId,
      agentName,
      question: this.t(locale, 'question', { agent: agentName }),
      choices: CSAT_EMOJI.map((emoji, i) => ({ rating: i + 1, emoji, label: this.t(locale, `labels.${i + 1}`) })),
    };
  }

  private async agentName(agentId: string | null, locale: string | null | undefined): Promise<string> {
    return (agentId ? (await this.store.agents.get(agentId))?.name : undefined) ?? this.t(locale, 'ourTeam');
  }

  /** The conversation's locale (the gateway keeps it with the route). */
  private async localeOf(conversationId: string): Promise<string | undefined> {
    return typeof this.gateway.locale === 'function' ? await this.gateway.locale(conversationId) : undefined;
  }

  /** A resolved chat: the customer is asked on the channel they last wrote from. */
  async ask(ticket: Ticket, agent: Agent): Promise<void> {
    const route = await this.gateway.route(ticket.conversationId);
    if (!route) return;
    const req = this.request(ticket.id, agent.name, await this.localeOf(ticket.conversationId));
    if (route.channel === 'messenger') {
      const activity: Partial<Activity> = {
        type: 'message',
        text: req.question,
        suggestedActions: { to: [], actions: req.choices.map((c) => ({ type: 'postBack', title: `${c.emoji} ${c.rating}`, value: csatPayload(ticket.id, c.rating) })) },
      };
      await this.gateway.sendToConversation(ticket.conversationId, activity);
    } else if (route.channel === 'web') {
      await this.gateway.sendToConversation(ticket.conversationId, { type: 'event', name: 'csat.request', value: req });
    }
    // Bot Framework clients are not asked (their hub has its own surveys).
  }

  /** The question a reconnecting widget should show again (in its locale): a recent resolution not yet rated. */
  async pendingFor(conversationId: string, locale?: string | null): Promise<CsatRequest | null> {
    const r = await this.store.csat.resolution(conversationId);
    if (!r || this.now() - Date.parse(r.resolvedAt) > (this.opts.reaskMs ?? 24 * 3600_000)) return null;
    if (await this.store.csat.forTicket(r.ticketId)) return null;
    const lang = locale ?? (await this.localeOf(conversationId));
    return this.request(r.ticketId, await this.agentName(r.agentId, lang), lang);
  }

  /** Stores an answer for the conversation's resolution (`ticketId`, else the latest one). */
  async answer(conversationId: string, a: { ticketId?: number; rating: number; comment?: string | null; channel: string }): Promise<CsatRating> {
    const r = await this.store.csat.resolution(conversationId, a.ticketId);
    if (!r) throw new CsatError('not_resolved', this.t(null, 'notResolved'));
    if (this.now() - Date.parse(r.resolvedAt) > (this.opts.answerWindowMs ?? 7 * 24 * 3600_000)) throw new CsatError('too_late', this.t(null, 'expired'));
    try {
      return await this.store.csat.record({ conversationId, ticketId: r.ticketId, rating: a.rating, ...(a.comment !== undefined ? { comment: a.comment } : {}), channel: a.channel });
    } catch (err) {
      if (isStoreError(err, 'invalid_input') || isStoreError(err, 'too_large')) throw new CsatError('invalid', err.message);
      if (isStoreError(err, 'invalid_transition')) throw new CsatError('not_resolved', this.t(null, 'notResolved'));
      throw err;
    }
  }

  /**
   * Messenger: takes a rating quick reply, "No comment", or the comment typed after a rating,
   * before the bot sees them. True when the message was taken here.
   */
  async takeMessenger(m: InboundMessage): Promise<boolean> {
    const key = commentKey(m.externalId);
    const payload = parseCsatPayload(m.value);
    if (payload) {
      await this.store.state.delete(key);
      const ticket = await this.store.tickets.get(payload.ticketId);
      const customer = await this.store.customers.findByIdentity('messenger', m.externalId);
      // Only the customer of that chat answers for it.
      if (!ticket || !customer || ticket.customerId !== customer.id) return true;
      const locale = await this.localeOf(ticket.conversationId);
      if (payload.rating === null) {
        await this.reply(ticket.conversationId, { type: 'message', text: this.t(locale, 'thanks') });
        return true;
      }
      try {
        await this.answer(ticket.conversationId, { ticketId: ticket.id, rating: payload.rating, channel: 'messenger' });
      } catch (err) {
        if (!(err instanceof CsatError)) throw err;
        await this.reply(ticket.conversationId, { type: 'message', text: this.t(locale, 'tooLate') });
        return true;
      }
      await this.store.state.put(key, { ticketId: ticket.id, conversationId: ticket.conversationId, until: this.now() + (this.opts.commentWindowMs ?? 10 * 60_000) } satisfies AwaitingComment);
      await this.reply(ticket.conversationId, {
        type: 'message',
        text: this.t(locale, 'askComment', { rating: payload.rating }),
        suggestedActions: { to: [], actions: [{ type: 'postBack', title: this.t(locale, 'noComment'), value: csatPayload(ticket.id, 'skip') }] },
      });
      return true;
    }
    const awaiting = (await this.store.state.get<AwaitingComment>(key))?.value;
    if (!awaiting) return false;
    await this.store.state.delete(key);
    const text = typeof m.text === 'string' ? m.text.trim() : '';
    // Another button, or too late: the message is the bot's.
    if (awaiting.until < this.now() || m.value !== undefined || !text) return false;
    const rated = await this.store.csat.forTicket(awaiting.ticketId);
    if (!rated) return false;
    try {
      await this.answer(awaiting.conversationId, { ticketId: awaiting.ticketId, rating: rated.rating, comment: text.slice(0, 1000), channel: 'messenger' });
    } catch (err) {
      if (!(err instanceof CsatError)) throw err;
      return false;
    }
    await this.reply(awaiting.conversationId, { type: 'message', text: this.t(await this.localeOf(awaiting.conversationId), 'commentThanks') });
    return true;
  }

  private async reply(conversationId: string, activity: Partial<Activity>): Promise<void> {
    await this.gateway.sendToConversation(conversationId, activity).catch((err: unknown) => this.log(`[csat] reply failed: ${(err as Error).message}`));
  }
}

type On = (event: string, fn: (data: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>) => void;

/** The console's `csat_summary` (admins): average rating per agent, all time and the last 30 days. */
export function csatEvents(store: Store, agent: Agent, on: On, now: () => number = Date.now): void {
  on('csat_summary', async () => {
    if (agent.role !== 'admin') throw new CsatError('invalid', 'only an admin can see ratings');
    return { allTime: await store.csat.averages(), last30Days: await store.csat.averages({ sinceMs: now() - 30 * 24 * 3600_000 }) };
  });
}
