import type { Activity } from 'botbuilder';
import { isStoreError, type Agent, type CsatRating, type Store, type Ticket } from '../store/index.js';
import type { Gateway } from './gateway.js';
import type { InboundMessage } from './inbound.js';

// Customer satisfaction after a resolved hand-off. When an agent resolves a chat the customer is
// asked for a rating from 1 to 5 and an optional comment:
//   - web chat: a `csat` event; the widget shows a row of five buttons and a comment box, and answers
//     with the `csat` socket event (bot/channels/web.ts);
//   - Messenger: a message with five quick replies (payload CSAT:<ticket>:<1-5>); after a rating
//     the customer may type one comment (or tap "No comment"), taken here before the bot sees it.
// One rating per resolution; answering again updates it. A conversation never resolved cannot be
// rated, nor one resolved more than `answerWindowMs` ago.

export const CSAT_EMOJI = ['😞', '😕', '😐', '😊', '😄'] as const;
export const CSAT_LABELS = ['Very poor', 'Poor', 'Okay', 'Good', 'Excellent'] as const;

export const CSAT_TEXTS = {
  question: (agentName: string) => `How would you rate your chat with ${agentName}? Tap 1 (very poor) to 5 (excellent).`,
  askComment: (rating: number) => `Thank you for rating us ${rating}/5! Anything you would like to add? Type it here, or tap "No comment".`,
  noComment: 'No comment',
  thanks: 'Thank you for your feedback!',
  commentThanks: 'Thank you, your comment has been passed on to our team. I am here if you need anything else.',
  tooLate: 'Sorry, that chat can no longer be rated. I am here if you need anything else.',
} as const;

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
  /** How long after the resolution a rating is taken (default 7 days). */
  answerWindowMs?: number;
  /** How long a reconnecting widget is asked again while unrated (default 24 hours). */
  reaskMs?: number;
  /** How long a Messenger customer's next message counts as the comment (default 10 minutes). */
  commentWindowMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

interface AwaitingComment {
  ticketId: number;
  conversationId: string;
  until: number;
}

const commentKey = (psid: string) => `csat-comment:messenger:${psid}`;

export class CsatService {
  private gw: Gateway | null = null;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: CsatOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ((l) => console.error(l));
  }

  bindGateway(gateway: Gateway): void {
    this.gw = gateway;
  }

  private get store(): Store {
    return this.opts.store;
  }

  private get gateway(): Gateway {
    if (!this.gw) throw new Error('CSAT has no gateway bound');
    return this.gw;
  }

  private request(ticketId: number, agentName: string): CsatRequest {
    return {
      ticketId,
      agentName,
      question: CSAT_TEXTS.question(agentName),
      choices: CSAT_EMOJI.map((emoji, i) => ({ rating: i + 1, emoji, label: CSAT_LABELS[i]! })),
    };
  }

  private agentName(agentId: string | null): string {
    return (agentId ? this.store.agents.get(agentId)?.name : undefined) ?? 'our team';
  }

  /** A resolved chat: the customer is asked on the channel they last wrote from. */
  async ask(ticket: Ticket, agent: Agent): Promise<void> {
    const route = this.gateway.route(ticket.conversationId);
    if (!route) return;
    const req = this.request(ticket.id, agent.name);
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

  /** The question a reconnecting widget should show again: a recent resolution not yet rated. */
  pendingFor(conversationId: string): CsatRequest | null {
    const r = this.store.csat.resolution(conversationId);
    if (!r || this.now() - Date.parse(r.resolvedAt) > (this.opts.reaskMs ?? 24 * 3600_000)) return null;
    if (this.store.csat.forTicket(r.ticketId)) return null;
    return this.request(r.ticketId, this.agentName(r.agentId));
  }

  /** Stores an answer for the conversation's resolution (`ticketId`, else the latest one). */
  answer(conversationId: string, a: { ticketId?: number; rating: number; comment?: string | null; channel: string }): CsatRating {
    const r = this.store.csat.resolution(conversationId, a.ticketId);
    if (!r) throw new CsatError('not_resolved', 'This chat was not resolved by an agent, so there is nothing to rate.');
    if (this.now() - Date.parse(r.resolvedAt) > (this.opts.answerWindowMs ?? 7 * 24 * 3600_000)) throw new CsatError('too_late', 'This chat can no longer be rated.');
    try {
      return this.store.csat.record({ conversationId, ticketId: r.ticketId, rating: a.rating, ...(a.comment !== undefined ? { comment: a.comment } : {}), channel: a.channel });
    } catch (err) {
      if (isStoreError(err, 'invalid_input') || isStoreError(err, 'too_large')) throw new CsatError('invalid', err.message);
      if (isStoreError(err, 'invalid_transition')) throw new CsatError('not_resolved', 'This chat was not resolved by an agent, so there is nothing to rate.');
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
      this.store.state.delete(key);
      const ticket = this.store.tickets.get(payload.ticketId);
      const customer = this.store.customers.findByIdentity('messenger', m.externalId);
      // Only the customer of that chat answers for it.
      if (!ticket || !customer || ticket.customerId !== customer.id) return true;
      if (payload.rating === null) {
        await this.reply(ticket.conversationId, { type: 'message', text: CSAT_TEXTS.thanks });
        return true;
      }
      try {
        this.answer(ticket.conversationId, { ticketId: ticket.id, rating: payload.rating, channel: 'messenger' });
      } catch (err) {
        if (!(err instanceof CsatError)) throw err;
        await this.reply(ticket.conversationId, { type: 'message', text: CSAT_TEXTS.tooLate });
        return true;
      }
      this.store.state.put(key, { ticketId: ticket.id, conversationId: ticket.conversationId, until: this.now() + (this.opts.commentWindowMs ?? 10 * 60_000) } satisfies AwaitingComment);
      await this.reply(ticket.conversationId, {
        type: 'message',
        text: CSAT_TEXTS.askComment(payload.rating),
        suggestedActions: { to: [], actions: [{ type: 'postBack', title: CSAT_TEXTS.noComment, value: csatPayload(ticket.id, 'skip') }] },
      });
      return true;
    }
    const awaiting = this.store.state.get<AwaitingComment>(key)?.value;
    if (!awaiting) return false;
    this.store.state.delete(key);
    const text = typeof m.text === 'string' ? m.text.trim() : '';
    // Another button, or too late: the message is the bot's.
    if (awaiting.until < this.now() || m.value !== undefined || !text) return false;
    const rated = this.store.csat.forTicket(awaiting.ticketId);
    if (!rated) return false;
    try {
      this.answer(awaiting.conversationId, { ticketId: awaiting.ticketId, rating: rated.rating, comment: text.slice(0, 1000), channel: 'messenger' });
    } catch (err) {
      if (!(err instanceof CsatError)) throw err;
      return false;
    }
    await this.reply(awaiting.conversationId, { type: 'message', text: CSAT_TEXTS.commentThanks });
    return true;
  }

  private async reply(conversationId: string, activity: Partial<Activity>): Promise<void> {
    await this.gateway.sendToConversation(conversationId, activity).catch((err: unknown) => this.log(`[csat] reply failed: ${(err as Error).message}`));
  }
}

type On = (event: string, fn: (data: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>) => void;

/** The console's `csat_summary` (admins): average rating per agent, all time and the last 30 days. */
export function csatEvents(store: Store, agent: Agent, on: On, now: () => number = Date.now): void {
  on('csat_summary', () => {
    if (agent.role !== 'admin') throw new CsatError('invalid', 'only an admin can see ratings');
    return { allTime: store.csat.averages(), last30Days: store.csat.averages({ sinceMs: now() - 30 * 24 * 3600_000 }) };
  });
}
