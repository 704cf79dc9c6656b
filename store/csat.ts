import { StoreError } from './errors.js';
import type { Sql } from './sql/executor.js';
import { checkText } from './text.js';

// Customer satisfaction after a hand-off. A rating belongs to one resolution (a resolved ticket):
// the conversation, the agent who resolved it, and the team (null: teams do not exist yet).
// Answering again updates the rating; a conversation that was never resolved cannot be rated.

export interface CsatRating {
  id: number;
  ticketId: number;
  conversationId: string;
  agentId: string | null;
  teamId: string | null;
  rating: number;
  comment: string | null;
  channel: string;
  createdAt: string;
  updatedAt: string;
}

export interface CsatAnswer {
  conversationId: string;
  /** The resolution rated; defaults to the conversation's latest resolved ticket. */
  ticketId?: number;
  rating: number;
  /** undefined keeps the comment already given; '' or null removes it. */
  comment?: string | null;
  channel: string;
}

/** Average rating per agent (and per team, once teams exist). */
export interface CsatAverage {
  agentId: string | null;
  agentName: string | null;
  teamId: string | null;
  ratings: number;
  average: number;
  /** How many ratings of 1, 2, 3, 4 and 5. */
  distribution: [number, number, number, number, number];
  lastAt: string;
}

/** A resolution as the rating refers to it. */
export interface Resolution {
  ticketId: number;
  conversationId: string;
  agentId: string | null;
  resolvedAt: string;
}

interface Row {
  id: number;
  ticket_id: number;
  conversation_id: string;
  agent_id: string | null;
  team_id: string | null;
  rating: number;
  comment: string | null;
  channel: string;
  created_at: string;
  updated_at: string;
}

const toRating = (r: Row): CsatRating => ({
  id: r.id,
  ticketId: r.ticket_id,
  conversationId: r.conversation_id,
  agentId: r.agent_id,
  teamId: r.team_id,
  rating: r.rating,
  comment: r.comment,
  channel: r.channel,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const MAX_CSAT_COMMENT = 1000;

type TicketRow = { id: number; conversation_id: string; agent_id: string | null; status: string; resolved_at: string | null };

type AverageRow = { agent_id: string | null; agent_name: string | null; team_id: string | null; n: number; avg: number; r1: number; r2: number; r3: number; r4: number; r5: number; last_at: string };

// One row per resolution: a second answer updates rating (and the comment, when one is given).
const UPSERT = `INSERT INTO csat_ratings (ticket_id, conversation_id, agent_id, team_id, rating, comment, channel, created_at, updated_at)
  VALUES (@ticket, @conv, @agent, (SELECT team_id FROM handoff_tickets WHERE id = @ticket), @rating, @comment, @channel, @at, @at)
  ON CONFLICT (ticket_id) DO UPDATE SET
    rating = excluded.rating,
    comment = CASE WHEN @keepComment = 1 THEN csat_ratings.comment ELSE excluded.comment END,
    channel = excluded.channel,
    updated_at = excluded.updated_at
  RETURNING *`;

const AVERAGES = `SELECT r.agent_id, a.name AS agent_name, r.team_id, count(*) AS n, avg(r.rating) AS avg,
    sum(CASE WHEN r.rating = 1 THEN 1 ELSE 0 END) AS r1, sum(CASE WHEN r.rating = 2 THEN 1 ELSE 0 END) AS r2,
    sum(CASE WHEN r.rating = 3 THEN 1 ELSE 0 END) AS r3, sum(CASE WHEN r.rating = 4 THEN 1 ELSE 0 END) AS r4,
    sum(CASE WHEN r.rating = 5 THEN 1 ELSE 0 END) AS r5,
    max(r.updated_at) AS last_at
  FROM csat_ratings r LEFT JOIN agents a ON a.id = r.agent_id
  WHERE r.updated_at >= @since
  GROUP BY r.agent_id, a.name, r.team_id ORDER BY avg DESC, n DESC`;

export class CsatRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The resolution a rating of `conversationId` would be for: `ticketId` when given (it must be a
   * resolved ticket of that conversation), else the conversation's latest resolved ticket. Undefined
   * when there is none: the conversation was never resolved.
   */
  async resolution(conversationId: string, ticketId?: number, sql: Sql = this.sql): Promise<Resolution | undefined> {
    if (ticketId !== undefined) {
      const t = Number.isSafeInteger(ticketId)
        ? await sql.get<TicketRow>('SELECT id, conversation_id, agent_id, status, resolved_at FROM handoff_tickets WHERE id = ?', [ticketId])
        : undefined;
      if (!t || t.conversation_id !== conversationId || t.status !== 'resolved' || !t.resolved_at) return undefined;
      return { ticketId: t.id, conversationId: t.conversation_id, agentId: t.agent_id, resolvedAt: t.resolved_at };
    }
    const t = await sql.get<TicketRow & { resolved_at: string }>(
      `SELECT id, conversation_id, agent_id, resolved_at FROM handoff_tickets
       WHERE conversation_id = ? AND status = 'resolved' ORDER BY resolved_at DESC, id DESC LIMIT 1`,
      [conversationId],
    );
    return t ? { ticketId: t.id, conversationId: t.conversation_id, agentId: t.agent_id, resolvedAt: t.resolved_at } : undefined;
  }

  /** Stores (or updates) the rating of a resolution; refuses a conversation never resolved. */
  async record(a: CsatAnswer, sql: Sql = this.sql): Promise<CsatRating> {
    if (!Number.isInteger(a.rating) || a.rating < 1 || a.rating > 5) throw new StoreError('invalid_input', 'a rating is a whole number from 1 to 5');
    let comment: string | null = null;
    if (typeof a.comment === 'string') {
      comment = checkText('comment', a.comment).trim() || null;
      if (comment && Array.from(comment).length > MAX_CSAT_COMMENT) throw new StoreError('too_large', `a comment can be at most ${MAX_CSAT_COMMENT} characters`);
    }
    const channel = checkText('channel', a.channel, 32);
    const at = new Date(this.now()).toISOString();
    return sql.transaction(async (tx) => {
      const r = await this.resolution(a.conversationId, a.ticketId, tx);
      if (!r) throw new StoreError('invalid_transition', `conversation ${a.conversationId} has no resolved chat to rate`);
      const row = (await tx.get<Row>(UPSERT, { ticket: r.ticketId, conv: r.conversationId, agent: r.agentId, rating: a.rating, comment, keepComment: a.comment === undefined ? 1 : 0, channel, at }))!;
      return toRating(row);
    });
  }

  async forTicket(ticketId: number, sql: Sql = this.sql): Promise<CsatRating | undefined> {
    const r = Number.isSafeInteger(ticketId) ? await sql.get<Row>('SELECT * FROM csat_ratings WHERE ticket_id = ?', [ticketId]) : undefined;
    return r ? toRating(r) : undefined;
  }

  async forConversation(conversationId: string, sql: Sql = this.sql): Promise<CsatRating[]> {
    return (await sql.all<Row>('SELECT * FROM csat_ratings WHERE conversation_id = ? ORDER BY id', [conversationId])).map(toRating);
  }

  /** Average rating per agent (and team), best first; `sinceMs` limits it to ratings given since then. */
  async averages(opts: { sinceMs?: number } = {}, sql: Sql = this.sql): Promise<CsatAverage[]> {
    const since = new Date(opts.sinceMs ?? 0).toISOString();
    return (await sql.all<AverageRow>(AVERAGES, { since })).map((r) => ({
      agentId: r.agent_id,
      agentName: r.agent_name,
      teamId: r.team_id,
      ratings: r.n,
      average: Math.round(r.avg * 100) / 100,
      distribution: [r.r1, r.r2, r.r3, r.r4, r.r5],
      lastAt: r.last_at,
    }));
  }
}
