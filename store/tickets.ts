import type { DB } from './db.js';
import { StoreError } from './errors.js';
import { checkOptionalText, checkText, isoTime, MAX_ID_BYTES, MAX_SHORT_BYTES, MAX_TEXT_BYTES } from './text.js';
import type { HandoffState, QueuedTicket, Ticket, TicketStatus } from './types.js';

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
}

// The agents' view of pending tickets `t`: customer name, and the customer's latest message found
// through the messages (conversation_id, id) index, one probe per ticket.
const ENTRY_SELECT = (from: string, position: string) => `
  SELECT t.*, ${position} AS position, c.name AS customer_name, c.vip AS customer_vip, m.text AS last_text, m.sentiment AS last_sentiment
  FROM ${from} LEFT JOIN customers c ON c.id = t.customer_id
  LEFT JOIN messages m ON m.id = (SELECT id FROM messages WHERE conversation_id = t.conversation_id AND role = 'customer' ORDER BY id DESC LIMIT 1)`;

/**
 * Hand-off tickets: a conversation waiting for (or talking to) a human agent. Life cycle:
 * pending -> assigned -> resolved | returned; pending -> returned (customer went back to the bot)
 * | timeout (nobody picked it up). Every change also updates the conversation's handoff state in
 * the same transaction (pending / agent / none).
 */
export class TicketRepo {
  private readonly byId;
  private readonly openFor;
  private readonly insertStmt;
  private readonly convCustomer;
  private readonly assignStmt;
  private readonly finishStmt;
  private readonly queueStmt;
  private readonly positionStmt;
  private readonly positionsStmt;
  private readonly entriesStmt;
  private readonly entryByIdsStmt;
  private readonly entryForConv;
  private readonly nextFor;
  private readonly forAgent;
  private readonly pickups;
  private readonly stalePending;
  private readonly setHandoff;
  private readonly openCountsStmt;
  private readonly unansweredStmt;
  private readonly requeueStmt;
  private readonly pendingStmt;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.byId = db.prepare<[number], TicketRow>(`SELECT ${COLUMNS} FROM handoff_tickets WHERE id = ?`);
    this.openFor = db.prepare<[string], TicketRow>(
      `SELECT ${COLUMNS} FROM handoff_tickets WHERE conversation_id = ? AND status IN ('pending', 'assigned')`,
    );
    this.insertStmt = db.prepare<[Omit<TicketRow, 'id' | 'status' | 'agent_id' | 'assigned_at' | 'resolved_at' | 'summary'>], TicketRow>(
      `INSERT INTO handoff_tickets (conversation_id, customer_id, status, reason, skill, priority, created_at)
       VALUES (@conversation_id, @customer_id, 'pending', @reason, @skill, @priority, @created_at) RETURNING ${COLUMNS}`,
    );
    this.convCustomer = db.prepare<[string], { customer_id: string | null }>('SELECT customer_id FROM conversations WHERE id = ?');
    this.assignStmt = db.prepare<[string, string, number]>(
      "UPDATE handoff_tickets SET status = 'assigned', agent_id = ?, assigned_at = ? WHERE id = ? AND status = 'pending'",
    );
    this.finishStmt = db.prepare<{ id: number; to: TicketStatus; now: string; summary: string | null; from1: TicketStatus; from2: TicketStatus }>(
      `UPDATE handoff_tickets SET status = @to, resolved_at = @now, summary = coalesce(@summary, summary)
       WHERE id = @id AND status IN (@from1, @from2)`,
    );
    this.queueStmt = db.prepare<{ skills: string | null; limit: number }, TicketRow & { position: number }>(
      `SELECT * FROM (
         SELECT ${COLUMNS}, row_number() OVER (ORDER BY ${QUEUE_ORDER}) AS position FROM handoff_tickets WHERE status = 'pending'
       ) WHERE @skills IS NULL OR skill IS NULL OR skill IN (SELECT value FROM json_each(@skills))
       ORDER BY position LIMIT @limit`,
    );
    this.positionStmt = db.prepare<[number], { ahead: number }>(
      `SELECT count(*) AS ahead FROM handoff_tickets o, handoff_tickets t
       WHERE t.id = ? AND o.status = 'pending' AND o.id <> t.id
         AND (o.priority > t.priority OR (o.priority = t.priority AND (o.created_at < t.created_at OR (o.created_at = t.created_at AND o.id < t.id))))`,
    );
    this.positionsStmt = db.prepare<[], { id: number; conversation_id: string; position: number }>(
      `SELECT id, conversation_id, row_number() OVER (ORDER BY ${QUEUE_ORDER}) AS position FROM handoff_tickets WHERE status = 'pending' ORDER BY position`,
    );
    this.entriesStmt = db.prepare<{ limit: number }, EntryRow>(
      `${ENTRY_SELECT(`(SELECT ${COLUMNS}, row_number() OVER (ORDER BY ${QUEUE_ORDER}) AS pos FROM handoff_tickets WHERE status = 'pending') t`, 't.pos')}
       ORDER BY t.pos LIMIT @limit`,
    );
    this.entryByIdsStmt = db.prepare<[string], EntryRow>(
      `${ENTRY_SELECT('handoff_tickets t', 'NULL')} WHERE t.id IN (SELECT value FROM json_each(?)) AND t.status = 'pending' ORDER BY t.priority DESC, t.created_at, t.id`,
    );
    this.entryForConv = db.prepare<[string], EntryRow>(
      `${ENTRY_SELECT('handoff_tickets t', 'NULL')} WHERE t.conversation_id = ? AND t.status = 'pending'`,
    );
    this.nextFor = db.prepare<{ skills: string | null }, TicketRow>(
      `SELECT ${COLUMNS} FROM handoff_tickets WHERE status = 'pending'
         AND (@skills IS NULL OR skill IS NULL OR skill IN (SELECT value FROM json_each(@skills)))
       ORDER BY ${QUEUE_ORDER} LIMIT 1`,
    );
    this.forAgent = db.prepare<[string, string], TicketRow>(
      `SELECT ${COLUMNS} FROM handoff_tickets WHERE agent_id = ? AND status = ? ORDER BY assigned_at, id`,
    );
    this.pickups = db.prepare<[string], { ms: number }>(
      `SELECT (julianday(assigned_at) - julianday(created_at)) * 86400000.0 AS ms FROM handoff_tickets
        WHERE assigned_at IS NOT NULL AND assigned_at >= ? ORDER BY assigned_at DESC LIMIT 50`,
    );
    // A ticket put back in the queue (requeue) waits from when it came back.
    this.stalePending = db.prepare<[string], TicketRow>(`SELECT ${COLUMNS} FROM handoff_tickets WHERE status = 'pending' AND coalesce(queued_at, created_at) < ? ORDER BY id`);
    this.openCountsStmt = db.prepare<[string], { agent_id: string; n: number }>(
      `SELECT agent_id, count(*) AS n FROM handoff_tickets WHERE status = 'assigned' AND agent_id IN (SELECT value FROM json_each(?)) GROUP BY agent_id`,
    );
    // Assigned before the cutoff and no agent message in the conversation since the assignment.
    this.unansweredStmt = db.prepare<[string], TicketRow>(
      `SELECT ${COLUMNS} FROM handoff_tickets t WHERE t.status = 'assigned' AND t.assigned_at < ?
         AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = t.conversation_id AND m.role = 'agent' AND m.created_at >= t.assigned_at)
       ORDER BY t.assigned_at, t.id`,
    );
    this.requeueStmt = db.prepare<{ id: number; agent: string; now: string }>(
      `UPDATE handoff_tickets SET status = 'pending', agent_id = NULL, assigned_at = NULL, queued_at = @now,
         lapsed_agents = CASE WHEN EXISTS (SELECT 1 FROM json_each(lapsed_agents) WHERE value = @agent) THEN lapsed_agents ELSE json_insert(lapsed_agents, '$[#]', @agent) END
       WHERE id = @id AND status = 'assigned' AND agent_id = @agent`,
    );
    this.pendingStmt = db.prepare<[number], TicketRow & { lapsed_agents: string }>(
      `SELECT ${COLUMNS}, lapsed_agents FROM handoff_tickets WHERE status = 'pending' ORDER BY ${QUEUE_ORDER} LIMIT ?`,
    );
    this.setHandoff = db.prepare<[HandoffState, string, string]>('UPDATE conversations SET handoff = ?, updated_at = max(updated_at, ?) WHERE id = ?');
  }

  /**
   * The median time from joining the queue to an agent taking the chat, over the tickets taken in
   * the last `windowMs` (at most the 50 newest); null when there are fewer than `min` of them.
   */
  medianPickupMs(opts: { now?: number; windowMs?: number; min?: number } = {}): number | null {
    const now = opts.now ?? Date.now();
    const since = new Date(now - (opts.windowMs ?? 24 * 3600_000)).toISOString();
    const waits = this.pickups.all(since).map((r) => r.ms).filter((ms) => Number.isFinite(ms) && ms >= 0).sort((a, b) => a - b);
    if (waits.length < (opts.min ?? 3)) return null;
    const mid = Math.floor(waits.length / 2);
    return waits.length % 2 ? waits[mid]! : (waits[mid - 1]! + waits[mid]!) / 2;
  }

  get(id: number): Ticket | undefined {
    const r = this.byId.get(id);
    return r ? toTicket(r) : undefined;
  }

  /** The conversation's pending or assigned ticket, if any. */
  openForConversation(conversationId: string): Ticket | undefined {
    const r = this.openFor.get(conversationId);
    return r ? toTicket(r) : undefined;
  }

  /** Opens a pending ticket; a conversation can have only one open ticket ('conflict'). */
  create(t: NewTicket): Ticket {
    const reason = checkText('ticket reason', t.reason, MAX_SHORT_BYTES);
    const skill = checkOptionalText('ticket skill', t.skill, MAX_ID_BYTES);
    const priority = t.priority ?? 0;
    if (!Number.isInteger(priority)) throw new StoreError('invalid_input', 'ticket priority must be an integer');
    return this.db
      .transaction(() => {
        const conv = this.convCustomer.get(t.conversationId);
        if (!conv) throw new StoreError('not_found', `conversation ${t.conversationId} not found`);
        const open = this.openFor.get(t.conversationId);
        if (open) throw new StoreError('conflict', `conversation ${t.conversationId} already has open ticket ${open.id} (${open.status})`);
        const now = isoTime(undefined, this.now);
        const row = this.insertStmt.get({
          conversation_id: t.conversationId,
          customer_id: t.customerId === undefined ? conv.customer_id : t.customerId,
          reason,
          skill,
          priority,
          created_at: now,
        })!;
        this.setHandoff.run('pending', now, t.conversationId);
        return toTicket(row);
      })
      .immediate();
  }

  /**
   * Pending tickets in queue order (priority, then oldest first) with their 1-based position in the
   * whole queue and how long they have waited. With `skills`, only tickets needing one of those
   * skills (or no particular skill) are listed; positions stay those of the whole queue.
   */
  queue(opts: { skills?: readonly string[]; limit?: number } = {}): QueuedTicket[] {
    const now = this.now();
    const rows = this.queueStmt.all({
      skills: opts.skills ? JSON.stringify(opts.skills) : null,
      limit: Math.max(1, Math.min(1000, Math.trunc(opts.limit ?? 100))),
    });
    return rows.map((r) => ({ ...toTicket(r), position: r.position, waitMs: Math.max(0, now - Date.parse(r.created_at)) }));
  }

  /** 1-based position of a pending ticket in the queue; null if it is not pending. */
  position(id: number): number | null {
    const t = this.byId.get(id);
    if (!t || t.status !== 'pending') return null;
    return (this.positionStmt.get(id)?.ahead ?? 0) + 1;
  }

  /**
   * Every pending ticket's position, in queue order, from one query over the queue index (where
   * `position(id)` would be one count per ticket).
   */
  positions(): QueuePosition[] {
    return this.positionsStmt.all().map((r) => ({ id: r.id, conversationId: r.conversation_id, position: r.position }));
  }

  /** The agents' queue: pending tickets in order, with positions, customer names and last messages, in one query. */
  queueEntries(opts: { limit?: number } = {}): QueueEntry[] {
    const now = this.now();
    return this.entriesStmt.all({ limit: Math.max(1, Math.min(1000, Math.trunc(opts.limit ?? 100))) }).map((r) => toEntry(r, now));
  }

  /** Queue entries of the given tickets that are still pending (position not computed), in queue order. */
  queueEntriesFor(ids: readonly number[]): QueueEntry[] {
    if (ids.length === 0) return [];
    const now = this.now();
    return this.entryByIdsStmt.all(JSON.stringify(ids)).map((r) => toEntry(r, now));
  }

  /** The queue entry of the conversation's pending ticket (position not computed); undefined if none is pending. */
  queueEntryForConversation(conversationId: string): QueueEntry | undefined {
    const r = this.entryForConv.get(conversationId);
    return r ? toEntry(r, this.now()) : undefined;
  }

  /**
   * pending -> assigned to the agent. With `maxOpen`, refused ('conflict') when the agent already
   * holds that many assigned tickets (checked in the same transaction).
   */
  assign(id: number, agentId: string, opts: { maxOpen?: number } = {}): Ticket {
    return this.db
      .transaction(() => {
        if (opts.maxOpen !== undefined) {
          const open = this.openCountsStmt.get(JSON.stringify([agentId]))?.n ?? 0;
          if (open >= opts.maxOpen) throw new StoreError('conflict', `you already have ${open} open chat${open === 1 ? '' : 's'}, the most you may hold at once`);
        }
        const now = isoTime(undefined, this.now);
        let changed: number;
        try {
          changed = this.assignStmt.run(agentId, now, id).changes;
        } catch (e) {
          if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreError('not_found', `agent ${agentId} not found`);
          throw e;
        }
        const t = this.byId.get(id);
        if (!t) throw new StoreError('not_found', `ticket ${id} not found`);
        if (changed === 0) throw new StoreError('invalid_transition', `ticket ${id} is ${t.status}; only pending tickets can be assigned`);
        this.setHandoff.run('agent', now, t.conversation_id);
        return toTicket(t);
      })
      .immediate();
  }

  /** Atomically assigns the next pending ticket the agent can take (by skills); undefined if none. */
  claimNext(agentId: string, skills?: readonly string[]): Ticket | undefined {
    return this.db
      .transaction(() => {
        const next = this.nextFor.get({ skills: skills ? JSON.stringify(skills) : null });
        return next ? this.assign(next.id, agentId) : undefined;
      })
      .immediate();
  }

  /** The agent has solved it: assigned -> resolved; the bot takes the conversation back. */
  resolve(id: number, summary?: string): Ticket {
    return this.finish(id, 'resolved', ['assigned', 'assigned'], summary);
  }

  /** Hand the conversation back to the bot without resolving: pending|assigned -> returned. */
  returnToBot(id: number, summary?: string): Ticket {
    return this.finish(id, 'returned', ['pending', 'assigned'], summary);
  }

  /** Nobody picked the ticket up in time: pending -> timeout. */
  timeout(id: number): Ticket {
    return this.finish(id, 'timeout', ['pending', 'pending']);
  }

  /** Times out every ticket pending for longer than `maxWaitMs`; returns them. */
  expirePending(maxWaitMs: number): Ticket[] {
    const cutoff = new Date(this.now() - maxWaitMs).toISOString();
    return this.db
      .transaction(() => this.stalePending.all(cutoff).map((t) => this.timeout(t.id)))
      .immediate();
  }

  /** How many assigned tickets each agent holds (agents holding none are absent). */
  openCounts(agentIds: readonly string[]): Map<string, number> {
    if (agentIds.length === 0) return new Map();
    return new Map(this.openCountsStmt.all(JSON.stringify(agentIds)).map((r) => [r.agent_id, r.n]));
  }

  /** Pending tickets in queue order with the agents who let them lapse (for auto-assignment). */
  pendingForAssignment(limit = 200): (Ticket & { lapsedAgents: string[] })[] {
    return this.pendingStmt.all(Math.max(1, Math.min(1000, Math.trunc(limit)))).map((r) => ({ ...toTicket(r), lapsedAgents: JSON.parse(r.lapsed_agents) as string[] }));
  }

  /** Assigned before `cutoffMs` ago with no agent message since: the agent did not answer in time. */
  unanswered(maxSilenceMs: number): Ticket[] {
    return this.unansweredStmt.all(new Date(this.now() - maxSilenceMs).toISOString()).map(toTicket);
  }

  /**
   * The agent did not answer: assigned -> pending again (waiting from now, keeping its place by
   * priority and age), and the agent is remembered so the chat is not given back to them.
   */
  requeue(id: number, agentId: string): Ticket {
    return this.db
      .transaction(() => {
        const now = isoTime(undefined, this.now);
        const changed = this.requeueStmt.run({ id, agent: agentId, now }).changes;
        const t = this.byId.get(id);
        if (!t) throw new StoreError('not_found', `ticket ${id} not found`);
        if (changed === 0) throw new StoreError('invalid_transition', `ticket ${id} is ${t.status}${t.agent_id ? ` with ${t.agent_id}` : ''}; only a ticket assigned to ${agentId} can go back to the queue`);
        this.setHandoff.run('pending', now, t.conversation_id);
        return toTicket(t);
      })
      .immediate();
  }

  listForAgent(agentId: string, status: TicketStatus = 'assigned'): Ticket[] {
    return this.forAgent.all(agentId, status).map(toTicket);
  }

  private finish(id: number, to: TicketStatus, from: [TicketStatus, TicketStatus], summary?: string): Ticket {
    const s = checkOptionalText('ticket summary', summary, MAX_TEXT_BYTES);
    return this.db
      .transaction(() => {
        const now = isoTime(undefined, this.now);
        const changed = this.finishStmt.run({ id, to, now, summary: s, from1: from[0], from2: from[1] }).changes;
        const t = this.byId.get(id);
        if (!t) throw new StoreError('not_found', `ticket ${id} not found`);
        if (changed === 0) {
          const allowed = from[0] === from[1] ? from[0] : from.join(' or ');
          throw new StoreError('invalid_transition', `ticket ${id} is ${t.status}; only ${allowed} tickets can become ${to}`);
        }
        this.setHandoff.run('none', now, t.conversation_id);
        return toTicket(t);
      })
      .immediate();
  }
}
