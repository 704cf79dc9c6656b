import type { DB } from './db.js';
import { StoreError } from './errors.js';
import { newId } from './ids.js';
import { checkOptionalText, checkText, fromJson, isoTime, MAX_ID_BYTES, MAX_SHORT_BYTES, MAX_TEXT_BYTES, toJson } from './text.js';
import {
  DIRECTIONS,
  HANDOFF_STATES,
  ROLES,
  SENTIMENTS,
  type Conversation,
  type ConversationSource,
  type ConversationStatus,
  type Direction,
  type HandoffState,
  type Message,
  type Role,
  type Sentiment,
  type Transcript,
} from './types.js';

/** A conversation as SQLite holds it: a Conversation with its snake_case column names, `filled` as JSON text. */
export type ConversationRow = Omit<Conversation, 'customerId' | 'startedAt' | 'updatedAt' | 'filled'> & {
  customer_id: string | null;
  started_at: string;
  updated_at: string;
  filled: string | null;
};

export interface MessageRow {
  id: number;
  conversation_id: string;
  seq: number;
  customer_id: string | null;
  direction: Direction;
  role: Role;
  channel: string;
  text: string;
  payload: string | null;
  intent: string | null;
  confidence: number | null;
  sentiment: Sentiment | null;
  sentiment_score: number | null;
  created_at: string;
}

export const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  customerId: r.customer_id,
  channel: r.channel,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  status: r.status,
  handoff: r.handoff,
  source: r.source,
  intent: r.intent,
  category: r.category,
  resolution: r.resolution,
  origin: r.origin,
  filled: fromJson<Record<string, unknown>>(r.filled),
});

export const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  conversationId: r.conversation_id,
  seq: r.seq,
  customerId: r.customer_id,
  direction: r.direction,
  role: r.role,
  channel: r.channel,
  text: r.text,
  payload: fromJson(r.payload),
  intent: r.intent,
  confidence: r.confidence,
  sentiment: r.sentiment,
  sentimentScore: r.sentiment_score,
  createdAt: r.created_at,
});

export interface NewConversation {
  id?: string;
  customerId: string | null;
  channel: string;
  startedAt?: string;
  intent?: string | null;
}

export interface NewMessage {
  /** Defaults from the role: customer -> 'in', bot/agent -> 'out'. */
  direction?: Direction;
  role: Role;
  text: string;
  payload?: unknown;
  intent?: string | null;
  confidence?: number | null;
  sentiment?: Sentiment | null;
  sentimentScore?: number | null;
  createdAt?: string;
}

const C_COLUMNS = 'id, customer_id, channel, started_at, updated_at, status, handoff, source, intent, category, resolution, origin, filled';
const M_COLUMNS =
  'id, conversation_id, seq, customer_id, direction, role, channel, text, payload, intent, confidence, sentiment, sentiment_score, created_at';

function oneOf<T extends string>(field: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new StoreError('invalid_input', `${field} must be one of ${allowed.join(', ')} (got "${v}")`);
  return v as T;
}

function optNumber(field: string, v: number | null | undefined, min = -Infinity, max = Infinity): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new StoreError('invalid_input', `${field} must be a number in [${min}, ${max}]`);
  return v;
}

export class ConversationRepo {
  private readonly byId;
  private readonly forCustomer;
  private readonly latestOpenStmt;
  private readonly insertConv;
  private readonly insertMsg;
  private readonly touch;
  private readonly setHandoffStmt;
  private readonly setIntentStmt;
  private readonly closeStmt;
  private readonly messagesFrom;
  private readonly lastMessages;
  private readonly historicalStmt;
  private readonly countBySource;
  private readonly annotateStmt;
  private readonly messageById;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.byId = db.prepare<[string], ConversationRow>(`SELECT ${C_COLUMNS} FROM conversations WHERE id = ?`);
    this.forCustomer = db.prepare<[string, number], ConversationRow>(
      `SELECT ${C_COLUMNS} FROM conversations WHERE customer_id = ? ORDER BY updated_at DESC, id DESC LIMIT ?`,
    );
    this.latestOpenStmt = db.prepare<[string, string], ConversationRow>(
      `SELECT ${C_COLUMNS} FROM conversations WHERE customer_id = ? AND channel = ? AND status = 'open' AND source = 'live'
       ORDER BY updated_at DESC, id DESC LIMIT 1`,
    );
    this.insertConv = db.prepare<[ConversationRow]>(
      `INSERT INTO conversations (${C_COLUMNS}) VALUES (@id, @customer_id, @channel, @started_at, @updated_at, @status, @handoff, @source,
       @intent, @category, @resolution, @origin, @filled)`,
    );
    // seq is computed inside the INSERT, so two writers can never hand out the same number.
    this.insertMsg = db.prepare<[Omit<MessageRow, 'id' | 'seq'>], MessageRow>(
      `INSERT INTO messages (conversation_id, seq, customer_id, direction, role, channel, text, payload, intent, confidence, sentiment, sentiment_score, created_at)
       SELECT @conversation_id, coalesce(max(seq), 0) + 1, @customer_id, @direction, @role, @channel, @text, @payload, @intent, @confidence,
         @sentiment, @sentiment_score, @created_at
       FROM messages WHERE conversation_id = @conversation_id
       RETURNING ${M_COLUMNS}`,
    );
    this.touch = db.prepare<[string, string]>('UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?');
    this.setHandoffStmt = db.prepare<[string, string, string]>('UPDATE conversations SET handoff = ?, updated_at = max(updated_at, ?) WHERE id = ?');
    this.setIntentStmt = db.prepare<[string | null, string | null, string]>(
      'UPDATE conversations SET intent = ?, category = coalesce(?, category) WHERE id = ?',
    );
    this.closeStmt = db.prepare<[string | null, string, string]>(
      "UPDATE conversations SET status = 'closed', resolution = coalesce(?, resolution), updated_at = max(updated_at, ?) WHERE id = ?",
    );
    this.messagesFrom = db.prepare<[string, number, number], MessageRow>(
      `SELECT ${M_COLUMNS} FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?`,
    );
    this.lastMessages = db.prepare<[string, number], MessageRow>(
      `SELECT * FROM (SELECT ${M_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id`,
    );
    // One statement for the whole historical export, grouped in JS: better-sqlite3 cannot run a
    // second statement on the connection while one is being iterated.
    this.historicalStmt = db.prepare<[], Record<string, unknown>>(
      `SELECT c.id AS c_id, c.customer_id AS c_customer_id, c.channel AS c_channel, c.started_at AS c_started_at, c.updated_at AS c_updated_at,
         c.status AS c_status, c.handoff AS c_handoff, c.source AS c_source, c.intent AS c_intent, c.category AS c_category,
         c.resolution AS c_resolution, c.origin AS c_origin, c.filled AS c_filled,
         m.id, m.conversation_id, m.seq, m.customer_id, m.direction, m.role, m.channel, m.text, m.payload, m.intent, m.confidence,
         m.sentiment, m.sentiment_score, m.created_at
       FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id
       WHERE c.source = 'historical'
       ORDER BY c.id, m.seq`,
    );
    this.countBySource = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM conversations WHERE source = ?');
    this.messageById = db.prepare<[number], MessageRow>(`SELECT ${M_COLUMNS} FROM messages WHERE id = ?`);
    this.annotateStmt = db.prepare<{ id: number; intent: string | null; setIntent: number; confidence: number | null; setConfidence: number;
      sentiment: string | null; setSentiment: number; sentimentScore: number | null; setScore: number }, MessageRow>(
      `UPDATE messages SET
         intent = CASE WHEN @setIntent THEN @intent ELSE intent END,
         confidence = CASE WHEN @setConfidence THEN @confidence ELSE confidence END,
         sentiment = CASE WHEN @setSentiment THEN @sentiment ELSE sentiment END,
         sentiment_score = CASE WHEN @setScore THEN @sentimentScore ELSE sentiment_score END
       WHERE id = @id RETURNING ${M_COLUMNS}`,
    );
  }

  create(c: NewConversation): Conversation {
    const started = isoTime(c.startedAt, this.now);
    const row: ConversationRow = {
      id: c.id === undefined ? newId('conv') : checkText('conversation id', c.id, MAX_ID_BYTES),
      customer_id: c.customerId,
      channel: checkText('channel', c.channel, 64),
      started_at: started,
      updated_at: started,
      status: 'open',
      handoff: 'none',
      source: 'live',
      intent: checkOptionalText('intent', c.intent, MAX_ID_BYTES),
      category: null,
      resolution: null,
      origin: null,
      filled: null,
    };
    try {
      this.insertConv.run(row);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreError('not_found', `customer ${c.customerId} not found`);
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreError('conflict', `conversation ${row.id} already exists`);
      throw e;
    }
    return toConversation(row);
  }

  get(id: string): Conversation | undefined {
    const r = this.byId.get(id);
    return r ? toConversation(r) : undefined;
  }

  /** The customer's conversations (live and historical), most recently active first. */
  listForCustomer(customerId: string, limit = 20): Conversation[] {
    return this.forCustomer.all(customerId, Math.max(1, Math.min(200, Math.trunc(limit)))).map(toConversation);
  }

  /** The customer's most recent open live conversation on a channel, to resume it. */
  latestOpen(customerId: string, channel: string): Conversation | undefined {
    const r = this.latestOpenStmt.get(customerId, channel);
    return r ? toConversation(r) : undefined;
  }

  /**
   * Appends one turn (either direction) to a conversation and bumps its updated_at. Text is limited
   * to 64 KiB of UTF-8 ('too_large'); lone surrogates become U+FFFD.
   */
  appendMessage(conversationId: string, m: NewMessage): Message {
    const role = oneOf('role', m.role, ROLES);
    const direction = oneOf('direction', m.direction ?? (role === 'customer' ? 'in' : 'out'), DIRECTIONS);
    const text = checkText('message text', m.text, MAX_TEXT_BYTES);
    const payload = toJson('message payload', m.payload);
    const sentiment = m.sentiment === undefined || m.sentiment === null ? null : oneOf('sentiment', m.sentiment, SENTIMENTS);
    const createdAt = isoTime(m.createdAt, this.now);
    return this.db.transaction(() => {
      const conv = this.byId.get(conversationId);
      if (!conv) throw new StoreError('not_found', `conversation ${conversationId} not found`);
      const row = this.insertMsg.get({
        conversation_id: conversationId,
        customer_id: conv.customer_id,
        direction,
        role,
        channel: conv.channel,
        text,
        payload,
        intent: checkOptionalText('intent', m.intent, MAX_ID_BYTES),
        confidence: optNumber('confidence', m.confidence, 0, 1),
        sentiment,
        sentiment_score: optNumber('sentimentScore', m.sentimentScore),
        created_at: createdAt,
      });
      this.touch.run(createdAt, conversationId);
      return toMessage(row!);
    })();
  }

  getMessage(id: number): Message | undefined {
    const r = this.messageById.get(id);
    return r ? toMessage(r) : undefined;
  }

  /**
   * Adds NLU results to a message that was stored before analysis (log first, annotate later).
   * Only the fields present in `a` change.
   */
  annotateMessage(
    messageId: number,
    a: { intent?: string | null; confidence?: number | null; sentiment?: Sentiment | null; sentimentScore?: number | null },
  ): Message {
    const sentiment = a.sentiment === undefined || a.sentiment === null ? null : oneOf('sentiment', a.sentiment, SENTIMENTS);
    const row = this.annotateStmt.get({
      id: messageId,
      intent: checkOptionalText('intent', a.intent, MAX_ID_BYTES),
      setIntent: 'intent' in a ? 1 : 0,
      confidence: optNumber('confidence', a.confidence, 0, 1),
      setConfidence: 'confidence' in a ? 1 : 0,
      sentiment,
      setSentiment: 'sentiment' in a ? 1 : 0,
      sentimentScore: optNumber('sentimentScore', a.sentimentScore),
      setScore: 'sentimentScore' in a ? 1 : 0,
    });
    if (!row) throw new StoreError('not_found', `message ${messageId} not found`);
    return toMessage(row);
  }

  /** Messages in order; page with `afterId` (exclusive) and `limit` (default 500). */
  transcript(conversationId: string, opts: { afterId?: number; limit?: number } = {}): Message[] {
    const limit = Math.max(1, Math.min(10_000, Math.trunc(opts.limit ?? 500)));
    return this.messagesFrom.all(conversationId, opts.afterId ?? 0, limit).map(toMessage);
  }

  /** The last `n` messages, oldest first (dialogue context). */
  recentMessages(conversationId: string, n = 10): Message[] {
    return this.lastMessages.all(conversationId, Math.max(1, Math.min(1000, Math.trunc(n)))).map(toMessage);
  }

  setHandoff(id: string, state: HandoffState): void {
    oneOf('handoff', state, HANDOFF_STATES);
    if (this.setHandoffStmt.run(state, isoTime(undefined, this.now), id).changes === 0) throw new StoreError('not_found', `conversation ${id} not found`);
  }

  setIntent(id: string, intent: string | null, category?: string | null): void {
    const i = checkOptionalText('intent', intent, MAX_ID_BYTES);
    const c = checkOptionalText('category', category, MAX_ID_BYTES);
    if (this.setIntentStmt.run(i, c, id).changes === 0) throw new StoreError('not_found', `conversation ${id} not found`);
  }

  close(id: string, resolution?: string): void {
    const r = checkOptionalText('resolution', resolution, MAX_SHORT_BYTES);
    if (this.closeStmt.run(r, isoTime(undefined, this.now), id).changes === 0) throw new StoreError('not_found', `conversation ${id} not found`);
  }

  count(source: ConversationSource): number {
    return this.countBySource.get(source)?.n ?? 0;
  }

  /**
   * Every historical transcript with its messages, streamed in id order (for intent training,
   * retrieval indexes, analytics). Do not write through the same connection while iterating.
   */
  *historical(): IterableIterator<Transcript> {
    let current: Transcript | null = null;
    for (const row of this.historicalStmt.iterate()) {
      const id = row.c_id as string;
      if (!current || current.id !== id) {
        if (current) yield current;
        current = {
          ...toConversation({
            id,
            customer_id: row.c_customer_id as string | null,
            channel: row.c_channel as string,
            started_at: row.c_started_at as string,
            updated_at: row.c_updated_at as string,
            status: row.c_status as ConversationStatus,
            handoff: row.c_handoff as HandoffState,
            source: row.c_source as ConversationSource,
            intent: row.c_intent as string | null,
            category: row.c_category as string | null,
            resolution: row.c_resolution as string | null,
            origin: row.c_origin as string | null,
            filled: row.c_filled as string | null,
          }),
          messages: [],
        };
      }
      if (row.id !== null) current.messages.push(toMessage(row as unknown as MessageRow));
    }
    if (current) yield current;
  }
}
