import { dayIn } from '../core/zoned-day.js';
import { StoreError } from './errors.js';
import { daysBetween } from './sql/dialect.js';
import type { Dialect, Sql } from './sql/executor.js';
import { UNANSWERED_REASONS, type UnansweredMessage, type UnansweredReason } from './unanswered.js';

// The admins' reports over a time range [from, to): chats and how they ended, hand-offs and their
// reasons, agents' and teams' response and resolution times, customer ratings, and the messages the
// bot could not answer. SQL does the aggregation; medians and 90th percentiles of durations are
// taken here from the per-ticket durations the SQL returns (SQLite has no percentile function).
//
// Definitions (the reports page and README say the same):
// * A chat is one visit of a customer in a live conversation: conversations stay open across visits,
//   so a customer message that comes more than CHAT_IDLE_MS after the message before it starts a new
//   chat. Chats without a customer message are not counted. A chat belongs to the range it started in.
// * A chat is handed off when a hand-off ticket of its conversation was open during it (created
//   before the next chat started, and not finished before this one started).
// * A chat is resolved by the bot (automated resolution) when it was not handed off, the bot wrote
//   its last message, the customer's last message in it was not one the bot could not answer, and
//   the customer did not come back (a next chat in any of their conversations) within REOPEN_MS of
//   its end. A chat that ended less than REOPEN_MS ago cannot be told yet: it is counted as
//   `awaiting`, not as resolved.
// * First response time: from the ticket's creation (the customer's request for a person) to the
//   first agent message in the conversation after it, while the ticket was open. Resolution time:
//   from creation to resolution, for resolved tickets. Both over tickets created in the range, per
//   agent (the ticket's agent) and per team (the team that resolved it, else the agent's team when
//   the agent is in exactly one). Median: the middle value (mean of the two middle ones for an even
//   count); p90: nearest rank, the ceil(0.9 n)-th smallest value.
// * CSAT: ratings given in the range, per agent who resolved the chat and per team (as above).
// * Unanswered: customer messages written in the range that the bot marked (store/unanswered.ts).

/** Silence after which a customer's next message starts a new chat. */
export const CHAT_IDLE_MS = 30 * 60_000;
/** A chat the customer comes back to within this long after its end was not resolved. */
export const REOPEN_MS = 24 * 60 * 60_000;

export interface ReportRange {
  /** ISO time, inclusive. */
  from: string;
  /** ISO time, exclusive. */
  to: string;
}

export interface DurationStats {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export interface TimingRow {
  /** Agent or team id; null for "no team" (or tickets no agent took). */
  id: string | null;
  name: string;
  /** Tickets created in the range that this agent (team) had. */
  tickets: number;
  resolved: number;
  firstResponse: DurationStats;
  resolution: DurationStats;
}

export interface CsatRow {
  id: string | null;
  name: string;
  ratings: number;
  average: number | null;
  /** How many ratings of 1, 2, 3, 4 and 5. */
  distribution: [number, number, number, number, number];
}

export interface DayRow {
  /** YYYY-MM-DD, in the store's time zone. */
  day: string;
  chats: number;
  automated: number;
  handedOff: number;
}

export interface ChatOutcome {
  conversationId: string;
  customerId: string | null;
  startAt: string;
  endAt: string;
  handedOff: boolean;
  /** The bot wrote the chat's last message. */
  botLast: boolean;
  /** The customer's last message in it is one the bot could not answer. */
  lastUnanswered: boolean;
  /** When the customer's next chat started (any of their conversations); null: none yet. */
  nextChatAt: string | null;
  outcome: 'automated' | 'handed_off' | 'awaiting' | 'other';
}

export interface Report {
  range: ReportRange;
  generatedAt: string;
  definitions: { chatIdleMs: number; reopenMs: number };
  /** Whether any team exists (the per-team tables are empty otherwise). */
  teams: boolean;
  summary: {
    /** Live conversations with a chat that started in the range. */
    conversations: number;
    chats: number;
    automated: number;
    /** automated / chats; null without chats. */
    automatedRate: number | null;
    /** Bot-closed chats whose 24 hours have not passed yet. */
    awaiting: number;
    handedOff: number;
    handoffRate: number | null;
    unanswered: number;
    csatAverage: number | null;
    csatRatings: number;
  };
  byDay: DayRow[];
  /** Hand-off tickets created in the range, by reason, most frequent first. */
  handoffReasons: { reason: string; tickets: number; share: number }[];
  responseTimes: { overall: TimingRow; perAgent: TimingRow[]; perTeam: TimingRow[] };
  csat: { overall: CsatRow; perAgent: CsatRow[]; perTeam: CsatRow[] };
  unanswered: { total: number; byReason: Record<UnansweredReason, number>; messages: UnansweredMessage[] };
}

/** Median and nearest-rank 90th percentile of durations (ms). */
export function durationStats(values: readonly number[]): DurationStats {
  const v = values.filter((x) => Number.isFinite(x) && x >= 0).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return { count: 0, medianMs: null, p90Ms: null };
  const median = n % 2 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
  return { count: n, medianMs: median, p90Ms: v[Math.ceil(0.9 * n) - 1]! };
}

interface ChatRow {
  conversation_id: string;
  customer_id: string | null;
  start_at: string;
  end_at: string;
  last_role: string;
  last_unanswered: number;
  handed_off: number;
  next_chat_at: string | null;
}

interface TicketTimes {
  id: number;
  reason: string;
  status: string;
  agent_id: string | null;
  agent_name: string | null;
  team_id: string | null;
  team_name: string | null;
  created_at: string;
  resolved_at: string | null;
  first_reply_at: string | null;
}

interface RatingRow {
  rating: number;
  agent_id: string | null;
  agent_name: string | null;
  team_id: string | null;
  team_name: string | null;
}

// A ticket's team: the team that resolved it, else its agent's team when the agent is in exactly one.
const TEAM_OF_TICKET = (t: string) =>
  `coalesce(${t}.team_id, CASE WHEN (SELECT count(*) FROM team_members WHERE agent_id = ${t}.agent_id) = 1
     THEN (SELECT team_id FROM team_members WHERE agent_id = ${t}.agent_id) END)`;

// Conversations active since `from` (a chat starting in the range lies in one of them), all their
// messages, split into chats at customer messages after CHAT_IDLE_MS of silence.
// (Conversations started after `to` stay in: a customer's next chat there may be a reopening.)
const CHATS = (dialect: Dialect) => `WITH conv AS (
     SELECT id, customer_id FROM conversations
     WHERE source = 'live' AND updated_at >= @from
   ),
   msg AS (
     SELECT m.id, m.conversation_id, m.role, m.created_at,
       ${daysBetween(dialect, 'm.created_at', 'lag(m.created_at) OVER (PARTITION BY m.conversation_id ORDER BY m.id)')} AS gap
     FROM messages m JOIN conv ON conv.id = m.conversation_id
   ),
   numbered AS (
     SELECT *, sum(CASE WHEN gap IS NULL OR (role = 'customer' AND gap > @idleDays) THEN 1 ELSE 0 END)
       OVER (PARTITION BY conversation_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS chat_no
     FROM msg
   ),
   chats AS (
     SELECT conversation_id, chat_no, min(created_at) AS start_at, max(created_at) AS end_at, max(id) AS last_id,
       max(CASE WHEN role = 'customer' THEN id END) AS last_customer_id
     FROM numbered GROUP BY conversation_id, chat_no
     HAVING max(CASE WHEN role = 'customer' THEN id END) IS NOT NULL
   ),
   linked AS (
     SELECT c.*, conv.customer_id,
       lead(c.start_at) OVER (PARTITION BY c.conversation_id ORDER BY c.chat_no) AS next_in_conv,
       lead(c.start_at) OVER (PARTITION BY coalesce(conv.customer_id, c.conversation_id) ORDER BY c.start_at, c.conversation_id, c.chat_no) AS next_chat_at
     FROM chats c JOIN conv ON conv.id = c.conversation_id
   )
   SELECT l.conversation_id, l.customer_id, l.start_at, l.end_at, l.next_chat_at,
     (SELECT role FROM messages WHERE id = l.last_id) AS last_role,
     EXISTS (SELECT 1 FROM unanswered_messages u WHERE u.message_id = l.last_customer_id) AS last_unanswered,
     EXISTS (SELECT 1 FROM handoff_tickets t WHERE t.conversation_id = l.conversation_id
             AND (l.next_in_conv IS NULL OR t.created_at < l.next_in_conv)
             AND (t.resolved_at IS NULL OR t.resolved_at >= l.start_at)) AS handed_off
   FROM linked l
   WHERE l.start_at >= @from AND l.start_at < @to
   ORDER BY l.start_at, l.conversation_id`;

const TICKETS = `WITH tk AS (
     SELECT t.*, ${TEAM_OF_TICKET('t')} AS team
     FROM handoff_tickets t JOIN conversations c ON c.id = t.conversation_id AND c.source = 'live'
     WHERE t.created_at >= @from AND t.created_at < @to
   )
   SELECT t.id, t.reason, t.status, t.agent_id, a.name AS agent_name, t.created_at, t.resolved_at,
     t.team AS team_id, tm.name AS team_name,
     (SELECT min(m.created_at) FROM messages m
      WHERE m.conversation_id = t.conversation_id AND m.role = 'agent' AND m.created_at >= t.created_at
        AND (t.resolved_at IS NULL OR m.created_at <= t.resolved_at)) AS first_reply_at
   FROM tk t
   LEFT JOIN agents a ON a.id = t.agent_id
   LEFT JOIN teams tm ON tm.id = t.team
   ORDER BY t.created_at, t.id`;

const RATINGS = `WITH rr AS (
     SELECT r.rating, r.agent_id, coalesce(r.team_id, ${TEAM_OF_TICKET('t')}) AS team
     FROM csat_ratings r LEFT JOIN handoff_tickets t ON t.id = r.ticket_id
     WHERE r.created_at >= @from AND r.created_at < @to
   )
   SELECT rr.rating, rr.agent_id, a.name AS agent_name, rr.team AS team_id, tm.name AS team_name
   FROM rr LEFT JOIN agents a ON a.id = rr.agent_id LEFT JOIN teams tm ON tm.id = rr.team`;

const UNANSWERED = `SELECT u.message_id, u.conversation_id, u.reason, m.text, m.created_at
   FROM unanswered_messages u JOIN messages m ON m.id = u.message_id
   JOIN conversations c ON c.id = u.conversation_id AND c.source = 'live'
   WHERE m.created_at >= @from AND m.created_at < @to
   ORDER BY m.created_at DESC, u.message_id DESC LIMIT @limit`;

export class ReportRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
    /** The store's time zone: the days of `byDay` are its calendar days. */
    private readonly timeZone = 'UTC',
  ) {}

  /** How every chat that started in the range ended (see the definitions above). */
  async chats(range: ReportRange, sql: Sql = this.sql): Promise<ChatOutcome[]> {
    const { from, to } = checkRange(range);
    const now = this.now();
    const rows = await sql.all<ChatRow>(CHATS(sql.dialect), { from, to, idleDays: CHAT_IDLE_MS / 86_400_000 });
    return rows.map((r) => {
      const handedOff = Number(r.handed_off) === 1;
      const botLast = r.last_role === 'bot';
      const lastUnanswered = Number(r.last_unanswered) === 1;
      const end = Date.parse(r.end_at);
      const reopened = r.next_chat_at !== null && Date.parse(r.next_chat_at) - end <= REOPEN_MS;
      let outcome: ChatOutcome['outcome'] = 'other';
      if (handedOff) outcome = 'handed_off';
      else if (botLast && !lastUnanswered && !reopened) outcome = r.next_chat_at === null && now - end < REOPEN_MS ? 'awaiting' : 'automated';
      return { conversationId: r.conversation_id, customerId: r.customer_id, startAt: r.start_at, endAt: r.end_at, handedOff, botLast, lastUnanswered, nextChatAt: r.next_chat_at, outcome };
    });
  }

  /** The whole report for [from, to); at most `unansweredLimit` unanswered messages (newest first). */
  async report(range: ReportRange, opts: { unansweredLimit?: number } = {}): Promise<Report> {
    const { from, to } = checkRange(range);
    // One transaction: every figure comes from the same state of the database.
    return this.sql.transaction(async (tx) => {
      const chats = await this.chats({ from, to }, tx);
      const tickets = await tx.all<TicketTimes>(TICKETS, { from, to });
      const ratings = await tx.all<RatingRow>(RATINGS, { from, to });
      const unanswered = (
        await tx.all<{ message_id: number; conversation_id: string; reason: UnansweredReason; text: string; created_at: string }>(UNANSWERED, {
          from,
          to,
          limit: Math.max(1, Math.min(20_000, Math.trunc(opts.unansweredLimit ?? 2000))),
        })
      ).map((r) => ({ messageId: r.message_id, conversationId: r.conversation_id, reason: r.reason, text: r.text, createdAt: r.created_at }));
      const teams = Number((await tx.get<{ n: number }>('SELECT count(*) AS n FROM teams'))?.n ?? 0) > 0;

      const automated = chats.filter((c) => c.outcome === 'automated').length;
      const handedOff = chats.filter((c) => c.handedOff).length;
      const days = new Map<string, DayRow>();
      for (const c of chats) {
        const day = dayIn(c.startAt, this.timeZone);
        const d = days.get(day) ?? { day, chats: 0, automated: 0, handedOff: 0 };
        d.chats++;
        if (c.outcome === 'automated') d.automated++;
        if (c.handedOff) d.handedOff++;
        days.set(day, d);
      }

      const reasons = new Map<string, number>();
      for (const t of tickets) reasons.set(t.reason, (reasons.get(t.reason) ?? 0) + 1);

      const byReason = Object.fromEntries(UNANSWERED_REASONS.map((r) => [r, 0])) as Record<UnansweredReason, number>;
      const total = unanswered.length;
      for (const u of unanswered) byReason[u.reason]++;

      const overallCsat = csatRow(null, 'All', ratings);
      return {
        range: { from, to },
        generatedAt: new Date(this.now()).toISOString(),
        definitions: { chatIdleMs: CHAT_IDLE_MS, reopenMs: REOPEN_MS },
        teams,
        summary: {
          conversations: new Set(chats.map((c) => c.conversationId)).size,
          chats: chats.length,
          automated,
          automatedRate: chats.length ? automated / chats.length : null,
          awaiting: chats.filter((c) => c.outcome === 'awaiting').length,
          handedOff,
          handoffRate: chats.length ? handedOff / chats.length : null,
          unanswered: total,
          csatAverage: overallCsat.average,
          csatRatings: overallCsat.ratings,
        },
        byDay: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
        handoffReasons: [...reasons.entries()]
          .map(([reason, n]) => ({ reason, tickets: n, share: n / tickets.length }))
          .sort((a, b) => b.tickets - a.tickets || a.reason.localeCompare(b.reason)),
        responseTimes: {
          overall: timingRow(null, 'All', tickets),
          perAgent: groupRows(tickets, (t) => t.agent_id, (t) => t.agent_name ?? 'No agent', timingRow),
          perTeam: teams ? groupRows(tickets.filter((t) => t.agent_id !== null), (t) => t.team_id, (t) => t.team_name ?? 'No team', timingRow) : [],
        },
        csat: {
          overall: overallCsat,
          perAgent: groupRows(ratings, (r) => r.agent_id, (r) => r.agent_name ?? 'Unknown agent', csatRow),
          perTeam: teams ? groupRows(ratings, (r) => r.team_id, (r) => r.team_name ?? 'No team', csatRow) : [],
        },
        unanswered: { total, byReason, messages: unanswered },
      };
    });
  }
}

function checkRange(r: ReportRange): ReportRange {
  const f = Date.parse(r.from);
  const t = Date.parse(r.to);
  if (!Number.isFinite(f) || !Number.isFinite(t)) throw new StoreError('invalid_input', 'from and to must be ISO times');
  if (t <= f) throw new StoreError('invalid_input', 'to must be after from');
  return { from: new Date(f).toISOString(), to: new Date(t).toISOString() };
}

function groupRows<T, R>(items: readonly T[], key: (x: T) => string | null, name: (x: T) => string, build: (id: string | null, name: string, xs: T[]) => R): R[] {
  const groups = new Map<string | null, T[]>();
  for (const x of items) {
    const k = key(x);
    const g = groups.get(k);
    if (g) g.push(x);
    else groups.set(k, [x]);
  }
  return [...groups.entries()]
    .map(([k, xs]) => build(k, name(xs[0]!), xs))
    .sort((a, b) => {
      const an = (a as { name: string }).name;
      const bn = (b as { name: string }).name;
      // "No team" / "No agent" last.
      const ak = (a as { id: string | null }).id === null ? 1 : 0;
      const bk = (b as { id: string | null }).id === null ? 1 : 0;
      return ak - bk || an.localeCompare(bn);
    });
}

function timingRow(id: string | null, name: string, tickets: readonly TicketTimes[]): TimingRow {
  const firsts = tickets.filter((t) => t.first_reply_at !== null).map((t) => Date.parse(t.first_reply_at!) - Date.parse(t.created_at));
  const resolved = tickets.filter((t) => t.status === 'resolved' && t.resolved_at !== null);
  return {
    id,
    name,
    tickets: tickets.length,
    resolved: resolved.length,
    firstResponse: durationStats(firsts),
    resolution: durationStats(resolved.map((t) => Date.parse(t.resolved_at!) - Date.parse(t.created_at))),
  };
}

function csatRow(id: string | null, name: string, ratings: readonly RatingRow[]): CsatRow {
  const distribution: CsatRow['distribution'] = [0, 0, 0, 0, 0];
  let sum = 0;
  for (const r of ratings) {
    distribution[r.rating - 1]!++;
    sum += r.rating;
  }
  return { id, name, ratings: ratings.length, average: ratings.length ? Math.round((sum / ratings.length) * 100) / 100 : null, distribution };
}
