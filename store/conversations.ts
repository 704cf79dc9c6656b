import { StoreError } from './errors.js';
import { inList, violation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { newId } from './ids.js';
import { checkOptionalText, checkText, fromJson, isoTime, MAX_ID_BYTES, MAX_SHORT_BYTES, MAX_TEXT_BYTES, toJson } from './text.js';
import {
  DIRECTIONS,
  HANDOFF_STATES,
  ROLES,
  SENTIMENTS,
  type Conversation,
  type ConversationSource,
  type Direction,
  type HandoffState,
  type Message,
  type Role,
  type Sentiment,
  type Transcript,
} from './types.js';

/** A conversation as the store holds it: a Conversation with its snake_case column names, `filled` as JSON text. */
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

/** The conversation's time never goes back (a CASE: two-argument max() is SQLite's alone). */
const LATER_OF = (at: string) => `CASE WHEN updated_at > ${at} THEN updated_at ELSE ${at} END`;

const HISTORICAL_PAGE = 200;

export class ConversationRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  async create(c: NewConversation, sql: Sql = this.sql): Promise<Conversation> {
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
      await sql.run(
        `INSERT INTO conversations (${C_COLUMNS}) VALUES (@id, @customer_id, @channel, @started_at, @updated_at, @status, @handoff, @source,
         @intent, @category, @resolution, @origin, @filled)`,
        { ...row },
      );
    } catch (e) {
      const v = violation(e);
      if (v === 'foreign_key') throw new StoreError('not_found', `customer ${c.customerId} not found`);
      if (v === 'primary_key') throw new StoreError('conflict', `conversation ${row.id} already exists`);
      throw e;
    }
    return toConversation(row);
  }

  async get(id: string, sql: Sql = this.sql): Promise<Conversation | undefined> {
    const r = await sql.get<ConversationRow>(`SELECT ${C_COLUMNS} FROM conversations WHERE id = ?`, [id]);
    return r ? toConversation(r) : undefined;
  }

  /** The customer's conversations (live and historical), most recently active first. */
  async listForCustomer(customerId: string, limit = 20, sql: Sql = this.sql): Promise<Conversation[]> {
    const rows = await sql.all<ConversationRow>(`SELECT ${C_COLUMNS} FROM conversations WHERE customer_id = ? ORDER BY updated_at DESC, id DESC LIMIT ?`, [
      customerId,
      Math.max(1, Math.min(200, Math.trunc(limit))),
    ]);
    return rows.map(toConversation);
  }

  /** The customer's most recent open live conversation on a channel, to resume it. */
  async latestOpen(customerId: string, channel: string, sql: Sql = this.sql): Promise<Conversation | undefined> {
    const r = await sql.get<ConversationRow>(
      `SELECT ${C_COLUMNS} FROM conversations WHERE customer_id = ? AND channel = ? AND status = 'open' AND source = 'live'
       ORDER BY updated_at DESC, id DESC LIMIT 1`,
      [customerId, channel],
    );
    return r ? toConversation(r) : undefined;
  }

  /**
   * Appends one turn (either direction) to a conversation and bumps its updated_at. Text is limited
   * to 64 KiB of UTF-8 ('too_large'); lone surrogates become U+FFFD.
   */
  async appendMessage(conversationId: string, m: NewMessage, sql: Sql = this.sql): Promise<Message> {
    const role = oneOf('role', m.role, ROLES);
    const direction = oneOf('direction', m.direction ?? (role === 'customer' ? 'in' : 'out'), DIRECTIONS);
    const text = checkText('message text', m.text, MAX_TEXT_BYTES);
    const payload = toJson('message payload', m.payload);
    const sentiment = m.sentiment === undefined || m.sentiment === null ? null : oneOf('sentiment', m.sentiment, SENTIMENTS);
    const createdAt = isoTime(m.createdAt, this.now);
    const intent = checkOptionalText('intent', m.intent, MAX_ID_BYTES);
    const confidence = optNumber('confidence', m.confidence, 0, 1);
    const sentimentScore = optNumber('sentimentScore', m.sentimentScore);
    // Scope: it reads the conversation's row and max(seq) and writes a message of it and its updated_at, nothing else.
    return sql.transaction(async (tx) => {
      const conv = await tx.get<{ customer_id: string | null; channel: string }>('SELECT customer_id, channel FROM conversations WHERE id = ?', [conversationId]);
      if (!conv) throw new StoreError('not_found', `conversation ${conversationId} not found`);
      // seq is computed inside the INSERT, so two writers can never hand out the same number.
      const row = await tx.get<MessageRow>(
        `INSERT INTO messages (conversation_id, seq, customer_id, direction, role, channel, text, payload, intent, confidence, sentiment, sentiment_score, created_at)
         VALUES (@conversation_id, (SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE conversation_id = @conversation_id), @customer_id, @direction, @role,
           @channel, @text, @payload, @intent, @confidence, @sentiment, @sentiment_score, @created_at)
         RETURNING ${M_COLUMNS}`,
        {
          conversation_id: conversationId,
          customer_id: conv.customer_id,
          direction,
          role,
          channel: conv.channel,
          text,
          payload,
          intent,
          confidence,
          sentiment,
          sentiment_score: sentimentScore,
          created_at: createdAt,
        },
      );
      await tx.run(`UPDATE conversations SET updated_at = ${LATER_OF('@at')} WHERE id = @id`, { at: createdAt, id: conversationId });
      return toMessage(row!);
    }, { scope: `conversation:${conversationId}` });
  }

  async getMessage(id: number, sql: Sql = this.sql): Promise<Message | undefined> {
    const r = Number.isSafeInteger(id) ? await sql.get<MessageRow>(`SELECT ${M_COLUMNS} FROM messages WHERE id = ?`, [id]) : undefined;
    return r ? toMessage(r) : undefined;
  }

  /**
   * Adds NLU results to a message that was stored before analysis (log first, annotate later).
   * Only the fields present in `a` change.
   */
  async annotateMessage(
    messageId: number,
    a: { intent?: string | null; confidence?: number | null; sentiment?: Sentiment | null; sentimentScore?: number | null },
    sql: Sql = this.sql,
  ): Promise<Message> {
    const sentiment = a.sentiment === undefined || a.sentiment === null ? null : oneOf('sentiment', a.sentiment, SENTIMENTS);
    const params = {
      id: messageId,
      intent: checkOptionalText('intent', a.intent, MAX_ID_BYTES),
      setIntent: 'intent' in a ? 1 : 0,
      confidence: optNumber('confidence', a.confidence, 0, 1),
      setConfidence: 'confidence' in a ? 1 : 0,
      sentiment,
      setSentiment: 'sentiment' in a ? 1 : 0,
      sentimentScore: optNumber('sentimentScore', a.sentimentScore),
      setScore: 'sentimentScore' in a ? 1 : 0,
    };
    const row = Number.isSafeInteger(messageId)
      ? await sql.get<MessageRow>(
          `UPDATE messages SET
             intent = CASE WHEN @setIntent = 1 THEN @intent ELSE intent END,
             confidence = CASE WHEN @setConfidence = 1 THEN @confidence ELSE confidence END,
             sentiment = CASE WHEN @setSentiment = 1 THEN @sentiment ELSE sentiment END,
             sentiment_score = CASE WHEN @setScore = 1 THEN @sentimentScore ELSE sentiment_score END
           WHERE id = @id RETURNING ${M_COLUMNS}`,
          params,
        )
      : undefined;
    if (!row) throw new StoreError('not_found', `message ${messageId} not found`);
    return toMessage(row);
  }

  /** Messages in order; page with `afterId` (exclusive) and `limit` (default 500). */
  async transcript(conversationId: string, opts: { afterId?: number; limit?: number } = {}, sql: Sql = this.sql): Promise<Message[]> {
    const limit = Math.max(1, Math.min(10_000, Math.trunc(opts.limit ?? 500)));
    const rows = await sql.all<MessageRow>(`SELECT ${M_COLUMNS} FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?`, [conversationId, Math.trunc(opts.afterId ?? 0), limit]);
    return rows.map(toMessage);
  }

  /** The last `n` messages, oldest first (dialogue context). */
  async recentMessages(conversationId: string, n = 10, sql: Sql = this.sql): Promise<Message[]> {
    const rows = await sql.all<MessageRow>(`SELECT * FROM (SELECT ${M_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?) m ORDER BY id`, [
      conversationId,
      Math.max(1, Math.min(1000, Math.trunc(n))),
    ]);
    return rows.map(toMessage);
  }

  async setHandoff(id: string, state: HandoffState, sql: Sql = this.sql): Promise<void> {
    oneOf('handoff', state, HANDOFF_STATES);
    const { changes } = await sql.run(`UPDATE conversations SET handoff = @state, updated_at = ${LATER_OF('@at')} WHERE id = @id`, { state, at: isoTime(undefined, this.now), id });
    if (changes === 0) throw new StoreError('not_found', `conversation ${id} not found`);
  }

  async setIntent(id: string, intent: string | null, category?: string | null, sql: Sql = this.sql): Promise<void> {
    const i = checkOptionalText('intent', intent, MAX_ID_BYTES);
    const c = checkOptionalText('category', category, MAX_ID_BYTES);
    if ((await sql.run('UPDATE conversations SET intent = ?, category = coalesce(?, category) WHERE id = ?', [i, c, id])).changes === 0) throw new StoreError('not_found', `conversation ${id} not found`);
  }

  async close(id: string, resolution?: string, sql: Sql = this.sql): Promise<void> {
    const r = checkOptionalText('resolution', resolution, MAX_SHORT_BYTES);
    const { changes } = await sql.run(`UPDATE conversations SET status = 'closed', resolution = coalesce(@resolution, resolution), updated_at = ${LATER_OF('@at')} WHERE id = @id`, {
      resolution: r,
      at: isoTime(undefined, this.now),
      id,
    });
    if (changes === 0) throw new StoreError('not_found', `conversation ${id} not found`);
  }

  async count(source: ConversationSource, sql: Sql = this.sql): Promise<number> {
    return (await sql.get<{ n: number }>('SELECT count(*) AS n FROM conversations WHERE source = ?', [source]))?.n ?? 0;
  }

  /**
   * Every historical transcript with its messages, in id order (for intent training, retrieval
   * indexes, analytics), read a page of conversations at a time, so no cursor stays open.
   */
  async *historical(pageSize = HISTORICAL_PAGE, sql: Sql = this.sql): AsyncIterableIterator<Transcript> {
    let after: string | null = null;
    for (;;) {
      const convs: ConversationRow[] =
        after === null
          ? await sql.all<ConversationRow>(`SELECT ${C_COLUMNS} FROM conversations WHERE source = 'historical' ORDER BY id LIMIT ?`, [pageSize])
          : await sql.all<ConversationRow>(`SELECT ${C_COLUMNS} FROM conversations WHERE source = 'historical' AND id > ? ORDER BY id LIMIT ?`, [after, pageSize]);
      if (convs.length === 0) return;
      const ids = convs.map((c) => c.id);
      const byConv = new Map<string, Message[]>();
      for (const m of await sql.all<MessageRow>(`SELECT ${M_COLUMNS} FROM messages WHERE conversation_id IN (${inList(ids)}) ORDER BY conversation_id, seq`, ids)) {
        const list = byConv.get(m.conversation_id) ?? [];
        list.push(toMessage(m));
        byConv.set(m.conversation_id, list);
      }
      for (const c of convs) yield { ...toConversation(c), messages: byConv.get(c.id) ?? [] };
      if (convs.length < pageSize) return;
      after = convs[convs.length - 1]!.id;
    }
  }
}
