import { StoreError } from './errors.js';
import { daysBetween, inList, isForeignKeyViolation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { checkOptionalText, checkText, isoTime, MAX_ID_BYTES, MAX_SHORT_BYTES, MAX_TEXT_BYTES } from './text.js';
import type { QueuedTicket, Ticket, TicketStatus } from './types.js';

interface TicketRow {
  id: number;
  conversation_id: string;
  customer_id: string | null;
  status: TicketStatus;
  reason: string;
  skill: string | null;
  priority: number;
  agent_id: string | null;
  created_at: string;
  assigned_at: string | null;
  resolved_at: string | null;
  summary: string | null;
}

const toTicket = (r: TicketRow): Ticket => ({
  id: r.id,
  conversationId: r.conversation_id,
  customerId: r.customer_id,
  status: r.status,
  reason: r.reason,
  skill: r.skill,
  priority: r.priority,
  agentId: r.agent_id,
  createdAt: r.created_at,
  assignedAt: r.assigned_at,
  resolvedAt: r.resolved_at,
  summary: r.summary,
});

const toEntry = (r: EntryRow, now: number): QueueEntry => ({
  ...toTicket(r),
  position: r.position,
  waitMs: Math.max(0, now - Date.parse(r.created_at)),
  customerName: r.customer_name,
  vip: r.customer_vip === 1,
  lastMessage: r.last_text === null ? null : { text: r.last_text, sentiment: r.last_sentiment },
  recentSentiments: [r.mood_2, r.mood_1, r.mood_0].filter((m): m is string => m !== null),
  request: r.request_text === null ? null : { text: r.request_text },
});

export interface NewTicket {
  conversationId: string;
  /** Defaults to the conversation's customer. */
  customerId?: string | null;
  reason: string;
  skill?: string | null;
  priority?: number;
}

const COLUMNS = 'id, conversation_id, customer_id, status, reason, skill, priority, agent_id, created_at, assigned_at, resolved_at, summary';
const QUEUE_ORDER = 'priority DESC, created_at, id';

/** A pending ticket as the agents' queue shows it: the ticket, who is waiting, what they last wrote. */
export interface QueueEntry extends Ticket {
  /** 1-based position in the whole pending queue; null where it was not computed (one-row look-ups). */
  position: number | null;
  waitMs: number;
  customerName: string | null;
  /** A VIP customer (customers.vip): served first. */
  vip: boolean;
  /** The customer's latest message in the conversation, if any. */
  lastMessage: { text: string; sentiment: string | null } | null;
  /** The sentiments of the customer's latest three read messages, oldest first (the chat's mood now). */
  recentSentiments: string[];
  /**
   * What led to the hand-off: the customer's latest message up to the ticket's creation that says
   * more than "a person please" or "hi" (by its intent), else their latest message up to then.
   */
  request: { text: string } | null;
}

/** Where each pending ticket stands: one row per ticket, in queue order. */
export interface QueuePosition {
  id: number;
  conversationId: string;
  position: number;
}

interface EntryRow extends TicketRow {
  position: number | null;
  customer_name: string | null;
  customer_vip: number | null;
  last_text: string | null;
  last_sentiment: string | null;
  mood_0: string | null;
  mood_1: string | null;
  mood_2: string | null;
  request_text: string | null;
}

/** Customer messages that say nothing of why they want a person ("talk to a person", "hi", "thanks"). */
const NOT_A_REASON = `'contact_human_agent', 'greeting', 'thanks', 'goodbye', 'chitchat'`;
const CUSTOMER_BEFORE_TICKET = `FROM messages WHERE conversation_id = t.conversation_id AND role = 'customer' AND created_at <= t.created_at AND text <> ''`;

// The agents' view of pending tickets `t`: customer name, the customer's latest message and the
// message that led to the hand-off, found through the messages (conversation_id, id) index, a few
// probes per ticket.
const READ_SENTIMENT = (k: number) =>
  `(SELECT sentiment FROM messages WHERE conversation_id = t.conversation_id AND role = 'customer' AND sentiment IS NOT NULL ORDER BY id DESC LIMIT 1 OFFSET ${k}) AS mood_${k}`;
const ENTRY_SELECT = (from: string, position: string) => `
  SELECT t.*, ${position} AS position, c.name AS customer_name, c.vip AS customer_vip, m.text AS last_text, m.sentiment AS last_sentiment, r.text AS request_text,
    ${READ_SENTIMENT(0)}, ${READ_SENTIMENT(1)}, ${READ_SENTIMENT(2)}
  FROM ${from} LEFT JOIN customers c ON c.id = t.customer_id
  LEFT JOIN messages m ON m.id = (SELECT id FROM messages WHERE conversation_id = t.conversation_id AND role = 'customer' ORDER BY id DESC LIMIT 1)
  LEFT JOIN messages r ON r.id = coalesce(
    (SELECT id ${CUSTOMER_BEFORE_TICKET} AND (intent IS NULL OR intent NOT IN (${NOT_A_REASON})) ORDER BY id DESC LIMIT 1),
    (SELECT id ${CUSTOMER_BEFORE_TICKET} ORDER BY id DESC LIMIT 1))`;

const BY_ID = `SELECT ${COLUMNS} FROM handoff_tickets WHERE id = ?`;
const OPEN_FOR = `SELECT ${COLUMNS} FROM handoff_tickets WHERE conversation_id = ? AND status IN ('pending', 'assigned')`;
const PENDING_RANKED = `SELECT ${COLUMNS}, row_number() OVER (ORDER BY ${QUEUE_ORDER}) AS position FROM handoff_tickets WHERE status = 'pending'`;
/** The conversation follows its ticket; updated_at never goes back (two-argument max() is SQLite's alone). */
const SET_HANDOFF = 'UPDATE conversations SET handoff = @state, updated_at = CASE WHEN updated_at > @now THEN updated_at ELSE @now END WHERE id = @id';

/** `skill IS NULL OR skill IN (...)` for tickets an agent with `skills` can take (everything when undefined). */
function skillFilter(skills: readonly string[] | undefined): { where: string; params: string[] } {
  return skills === undefined ? { where: '', params: [] } : { where: `AND (skill IS NULL OR skill IN (${inList(skills)}))`, params: [...skills] };
}

const limitOf = (limit: number | undefined, fallback: number) => Math.max(1, Math.min(1000, Math.trunc(limit ?? fallback)));

/** A ticket id as the table keeps it (PostgreSQL refuses a BIGINT parameter that is not a whole number). */
function checkId(id: number): number {
  if (!Number.isSafeInteger(id)) throw new StoreError('not_found', `ticket ${id} not found`);
  return id;
}

/**
 * Hand-off tickets: a conversation waiting for (or talking to) a human agent. Life cycle:
 * pending -> assigned -> resolved | returned; pending -> returned (customer went back to the bot)
 * | timeout (nobody picked it up). Every change also updates the conversation's handoff state in
 * the same transaction (pending / agent / none).
 */
export class TicketRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The median time from joining the queue to an agent taking the chat, over the tickets taken in
   * the last `windowMs` (at most the 50 newest); null when there are fewer than `min` of them.
   */
  async medianPickupMs(opts: { now?: number; windowMs?: number; min?: number } = {}, sql: Sql = this.sql): Promise<number | null> {
    const now = opts.now ?? Date.now();
    const since = new Date(now - (opts.windowMs ?? 24 * 3600_000)).toISOString();
    const rows = await sql.all<{ ms: number }>(
      `SELECT ${daysBetween(sql.dialect, 'assigned_at', 'created_at')} * 86400000.0 AS ms FROM handoff_tickets
       WHERE assigned_at IS NOT NULL AND assigned_at >= ? ORDER BY assigned_at DESC LIMIT 50`,
      [since],
    );
    const waits = rows.map((r) => r.ms).filter((ms) => Number.isFinite(ms) && ms >= 0).sort((a, b) => a - b);
    if (waits.length < (opts.min ?? 3)) return null;
    const mid = Math.floor(waits.length / 2);
    return waits.length % 2 ? waits[mid]! : (waits[mid - 1]! + waits[mid]!) / 2;
  }

  async get(id: number, sql: Sql = this.sql): Promise<Ticket | undefined> {
    const r = Number.isSafeInteger(id) ? await sql.get<TicketRow>(BY_ID, [id]) : undefined;
    return r ? toTicket(r) : undefined;
  }

  /** The conversation's pending or assigned ticket, if any. */
  async openForConversation(conversationId: string, sql: Sql = this.sql): Promise<Ticket | undefined> {
    const r = await sql.get<TicketRow>(OPEN_FOR, [conversationId]);
    return r ? toTicket(r) : undefined;
  }

  /** Opens a pending ticket; a conversation can have only one open ticket ('conflict'). */
  async create(t: NewTicket, sql: Sql = this.sql): Promise<Ticket> {
    const reason = checkText('ticket reason', t.reason, MAX_SHORT_BYTES);
    const skill = checkOptionalText('ticket skill', t.skill, MAX_ID_BYTES);
    const priority = t.priority ?? 0;
    if (!Number.isInteger(priority)) throw new StoreError('invalid_input', 'ticket priority must be an integer');
    return sql.transaction(async (tx) => {
      const conv = await tx.get<{ customer_id: string | null }>('SELECT customer_id FROM conversations WHERE id = ?', [t.conversationId]);
      if (!conv) throw new StoreError('not_found', `conversation ${t.conversationId} not found`);
      const open = await tx.get<TicketRow>(OPEN_FOR, [t.conversationId]);
      if (open) throw new StoreError('conflict', `conversation ${t.conversationId} already has open ticket ${open.id} (${open.status})`);
      const now = isoTime(undefined, this.now);
      const row = await tx.get<TicketRow>(
        `INSERT INTO handoff_tickets (conversation_id, customer_id, status, reason, skill, priority, created_at)
         VALUES (@conversation_id, @customer_id, 'pending', @reason, @skill, @priority, @created_at) RETURNING ${COLUMNS}`,
        { conversation_id: t.conversationId, customer_id: t.customerId === undefined ? conv.customer_id : t.customerId, reason, skill, priority, created_at: now },
      );
      await tx.run(SET_HANDOFF, { state: 'pending', now, id: t.conversationId });
      return toTicket(row!);
    });
  }

  /**
   * Pending tickets in queue order (priority, then oldest first) with their 1-based position in the
   * whole queue and how long they have waited. With `skills`, only tickets needing one of those
   * skills (or no particular skill) are listed; positions stay those of the whole queue.
   */
  async queue(opts: { skills?: readonly string[]; limit?: number } = {}, sql: Sql = this.sql): Promise<QueuedTicket[]> {
    const now = this.now();
    const f = skillFilter(opts.skills);
    const rows = await sql.all<TicketRow & { position: number }>(`SELECT * FROM (${PENDING_RANKED}) q WHERE 1 = 1 ${f.where} ORDER BY position LIMIT ?`, [...f.params, limitOf(opts.limit, 100)]);
    return rows.map((r) => ({ ...toTicket(r), position: r.position, waitMs: Math.max(0, now - Date.parse(r.created_at)) }));
  }

  /** 1-based position of a pending ticket in the queue; null if it is not pending. */
  async position(id: number, sql: Sql = this.sql): Promise<number | null> {
    const t = Number.isSafeInteger(id) ? await sql.get<TicketRow>(BY_ID, [id]) : undefined;
    if (!t || t.status !== 'pending') return null;
    const r = await sql.get<{ ahead: number }>(
      `SELECT count(*) AS ahead FROM handoff_tickets o, handoff_tickets t
       WHERE t.id = ? AND o.status = 'pending' AND o.id <> t.id
         AND (o.priority > t.priority OR (o.priority = t.priority AND (o.created_at < t.created_at OR (o.created_at = t.created_at AND o.id < t.id))))`,
      [id],
    );
    return (r?.ahead ?? 0) + 1;
  }

  /**
   * Every pending ticket's position, in queue order, from one query over the queue index (where
   * `position(id)` would be one count per ticket).
   */
  async positions(sql: Sql = this.sql): Promise<QueuePosition[]> {
    const rows = await sql.all<{ id: number; conversation_id: string; position: number }>(
      `SELECT id, conversation_id, row_number() OVER (ORDER BY ${QUEUE_ORDER}) AS position FROM handoff_tickets WHERE status = 'pending' ORDER BY position`,
    );
    return rows.map((r) => ({ id: r.id, conversationId: r.conversation_id, position: r.position }));
  }

  /** The agents' queue: pending tickets in order, with positions, customer names and last messages, in one query. */
  async queueEntries(opts: { limit?: number } = {}, sql: Sql = this.sql): Promise<QueueEntry[]> {
    const now = this.now();
    const rows = await sql.all<EntryRow>(
      `${ENTRY_SELECT(`(SELECT ${COLUMNS}, row_number() OVER (ORDER BY ${QUEUE_ORDER}) AS pos FROM handoff_tickets WHERE status = 'pending') t`, 't.pos')}
       ORDER BY t.pos LIMIT ?`,
      [limitOf(opts.limit, 100)],
    );
    return rows.map((r) => toEntry(r, now));
  }

  /** Queue entries of the given tickets that are still pending (position not computed), in queue order. */
  async queueEntriesFor(ids: readonly number[], sql: Sql = this.sql): Promise<QueueEntry[]> {
    const wanted = ids.filter((id) => Number.isSafeInteger(id));
    if (wanted.length === 0) return [];
    const now = this.now();
    const rows = await sql.all<EntryRow>(
      `${ENTRY_SELECT('handoff_tickets t', 'NULL')} WHERE t.id IN (${inList(wanted)}) AND t.status = 'pending' ORDER BY t.priority DESC, t.created_at, t.id`,
      wanted,
    );
    return rows.map((r) => toEntry(r, now));
  }

  /** The queue entry of the conversation's pending ticket (position not computed); undefined if none is pending. */
  async queueEntryForConversation(conversationId: string, sql: Sql = this.sql): Promise<QueueEntry | undefined> {
    const r = await sql.get<EntryRow>(`${ENTRY_SELECT('handoff_tickets t', 'NULL')} WHERE t.conversation_id = ? AND t.status = 'pending'`, [conversationId]);
    return r ? toEntry(r, this.now()) : undefined;
  }

  /**
   * pending -> assigned to the agent. With `maxOpen`, refused ('conflict') when the agent already
   * holds that many assigned tickets (checked in the same transaction).
   */
  async assign(id: number, agentId: string, opts: { maxOpen?: number } = {}, sql: Sql = this.sql): Promise<Ticket> {
    checkId(id);
    return sql.transaction(async (tx) => {
      if (opts.maxOpen !== undefined) {
        const open = (await this.openCounts([agentId], tx)).get(agentId) ?? 0;
        if (open >= opts.maxOpen) throw new StoreError('conflict', `you already have ${open} open chat${open === 1 ? '' : 's'}, the most you may hold at once`);
      }
      const now = isoTime(undefined, this.now);
      let changed: number;
      try {
        changed = (await tx.run("UPDATE handoff_tickets SET status = 'assigned', agent_id = ?, assigned_at = ? WHERE id = ? AND status = 'pending'", [agentId, now, id])).changes;
      } catch (e) {
        if (isForeignKeyViolation(e)) throw new StoreError('not_found', `agent ${agentId} not found`);
        throw e;
      }
      const t = await tx.get<TicketRow>(BY_ID, [id]);
      if (!t) throw new StoreError('not_found', `ticket ${id} not found`);
      if (changed === 0) throw new StoreError('invalid_transition', `ticket ${id} is ${t.status}; only pending tickets can be assigned`);
      await tx.run(SET_HANDOFF, { state: 'agent', now, id: t.conversation_id });
      return toTicket(t);
    });
  }

  /** Atomically assigns the next pending ticket the agent can take (by skills); undefined if none. */
  async claimNext(agentId: string, skills?: readonly string[], sql: Sql = this.sql): Promise<Ticket | undefined> {
    return sql.transaction(async (tx) => {
      const f = skillFilter(skills);
      const next = await tx.get<TicketRow>(`SELECT ${COLUMNS} FROM handoff_tickets WHERE status = 'pending' ${f.where} ORDER BY ${QUEUE_ORDER} LIMIT 1`, f.params);
      return next ? this.assign(next.id, agentId, {}, tx) : undefined;
    });
  }

  /** The agent has solved it: assigned -> resolved; the bot takes the conversation back. */
  resolve(id: number, summary?: string, sql: Sql = this.sql): Promise<Ticket> {
    return this.finish(id, 'resolved', ['assigned', 'assigned'], summary, sql);
  }

  /** Hand the conversation back to the bot without resolving: pending|assigned -> returned. */
  returnToBot(id: number, summary?: string, sql: Sql = this.sql): Promise<Ticket> {
    return this.finish(id, 'returned', ['pending', 'assigned'], summary, sql);
  }

  /** Nobody picked the ticket up in time: pending -> timeout. */
  timeout(id: number, sql: Sql = this.sql): Promise<Ticket> {
    return this.finish(id, 'timeout', ['pending', 'pending'], undefined, sql);
  }

  /** Times out every ticket pending for longer than `maxWaitMs`; returns them. */
  async expirePending(maxWaitMs: number, sql: Sql = this.sql): Promise<Ticket[]> {
    const cutoff = new Date(this.now() - maxWaitMs).toISOString();
    return sql.transaction(async (tx) => {
      // A ticket put back in the queue (requeue) waits from when it came back.
      const stale = await tx.all<TicketRow>(`SELECT ${COLUMNS} FROM handoff_tickets WHERE status = 'pending' AND coalesce(queued_at, created_at) < ? ORDER BY id`, [cutoff]);
      const out: Ticket[] = [];
      for (const t of stale) out.push(await this.timeout(t.id, tx));
      return out;
    });
  }

  /** How many assigned tickets each agent holds (agents holding none are absent). */
  async openCounts(agentIds: readonly string[], sql: Sql = this.sql): Promise<Map<string, number>> {
    if (agentIds.length === 0) return new Map();
    const rows = await sql.all<{ agent_id: string; n: number }>(
      `SELECT agent_id, count(*) AS n FROM handoff_tickets WHERE status = 'assigned' AND agent_id IN (${inList(agentIds)}) GROUP BY agent_id`,
      [...agentIds],
    );
    return new Map(rows.map((r) => [r.agent_id, r.n]));
  }

  /** Pending tickets in queue order with the agents who let them lapse (for auto-assignment). */
  async pendingForAssignment(limit = 200, sql: Sql = this.sql): Promise<(Ticket & { lapsedAgents: string[] })[]> {
    const rows = await sql.all<TicketRow & { lapsed_agents: string }>(`SELECT ${COLUMNS}, lapsed_agents FROM handoff_tickets WHERE status = 'pending' ORDER BY ${QUEUE_ORDER} LIMIT ?`, [limitOf(limit, 200)]);
    return rows.map((r) => ({ ...toTicket(r), lapsedAgents: JSON.parse(r.lapsed_agents) as string[] }));
  }

  /** Assigned before `cutoffMs` ago with no agent message since: the agent did not answer in time. */
  async unanswered(maxSilenceMs: number, sql: Sql = this.sql): Promise<Ticket[]> {
    const rows = await sql.all<TicketRow>(
      `SELECT ${COLUMNS} FROM handoff_tickets t WHERE t.status = 'assigned' AND t.assigned_at < ?
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = t.conversation_id AND m.role = 'agent' AND m.created_at >= t.assigned_at)
       ORDER BY t.assigned_at, t.id`,
      [new Date(this.now() - maxSilenceMs).toISOString()],
    );
    return rows.map(toTicket);
  }

  /**
   * The agent did not answer: assigned -> pending again (waiting from now, keeping its place by
   * priority and age), and the agent is remembered so the chat is not given back to them.
   */
  async requeue(id: number, agentId: string, sql: Sql = this.sql): Promise<Ticket> {
    checkId(id);
    return sql.transaction(async (tx) => {
      const now = isoTime(undefined, this.now);
      const before = await tx.get<{ lapsed_agents: string }>('SELECT lapsed_agents FROM handoff_tickets WHERE id = ?', [id]);
      // The JSON list is extended here, not in SQL (json_insert and json_each are SQLite's).
      const lapsed = before ? (JSON.parse(before.lapsed_agents) as string[]) : [];
      if (!lapsed.includes(agentId)) lapsed.push(agentId);
      const { changes } = await tx.run(
        `UPDATE handoff_tickets SET status = 'pending', agent_id = NULL, assigned_at = NULL, queued_at = @now, lapsed_agents = @lapsed
         WHERE id = @id AND status = 'assigned' AND agent_id = @agent`,
        { id, agent: agentId, now, lapsed: JSON.stringify(lapsed) },
      );
      const t = await tx.get<TicketRow>(BY_ID, [id]);
      if (!t) throw new StoreError('not_found', `ticket ${id} not found`);
      if (changes === 0) throw new StoreError('invalid_transition', `ticket ${id} is ${t.status}${t.agent_id ? ` with ${t.agent_id}` : ''}; only a ticket assigned to ${agentId} can go back to the queue`);
      await tx.run(SET_HANDOFF, { state: 'pending', now, id: t.conversation_id });
      return toTicket(t);
    });
  }

  async listForAgent(agentId: string, status: TicketStatus = 'assigned', sql: Sql = this.sql): Promise<Ticket[]> {
    return (await sql.all<TicketRow>(`SELECT ${COLUMNS} FROM handoff_tickets WHERE agent_id = ? AND status = ? ORDER BY assigned_at, id`, [agentId, status])).map(toTicket);
  }

  private async finish(id: number, to: TicketStatus, from: [TicketStatus, TicketStatus], summary: string | undefined, sql: Sql): Promise<Ticket> {
    const s = checkOptionalText('ticket summary', summary, MAX_TEXT_BYTES);
    checkId(id);
    return sql.transaction(async (tx) => {
      const now = isoTime(undefined, this.now);
      const { changes } = await tx.run(
        `UPDATE handoff_tickets SET status = @to, resolved_at = @now, summary = coalesce(@summary, summary)
         WHERE id = @id AND status IN (@from1, @from2)`,
        { id, to, now, summary: s, from1: from[0], from2: from[1] },
      );
      const t = await tx.get<TicketRow>(BY_ID, [id]);
      if (!t) throw new StoreError('not_found', `ticket ${id} not found`);
      if (changes === 0) {
        const allowed = from[0] === from[1] ? from[0] : from.join(' or ');
        throw new StoreError('invalid_transition', `ticket ${id} is ${t.status}; only ${allowed} tickets can become ${to}`);
      }
      await tx.run(SET_HANDOFF, { state: 'none', now, id: t.conversation_id });
      return toTicket(t);
    });
  }
}
