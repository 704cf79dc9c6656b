import { StoreError } from './errors.js';
import type { Sql } from './sql/executor.js';
import { isoTime } from './text.js';

// Customer messages the bot could not answer (migration 13). The bot marks the message of the turn
// when it declines it as out of scope, asks what was meant, has no confident answer, or hands the
// chat to a person after failing twice. Reports group them by similarity (store/reports.ts).

export const UNANSWERED_REASONS = ['out_of_scope', 'unsure', 'no_answer', 'repeated_failure'] as const;
export type UnansweredReason = (typeof UNANSWERED_REASONS)[number];

export interface UnansweredMessage {
  messageId: number;
  conversationId: string;
  reason: UnansweredReason;
  text: string;
  createdAt: string;
}

type Row = { message_id: number; conversation_id: string; reason: UnansweredReason; text: string; created_at: string };

export class UnansweredRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /** Marks a stored customer message as not answered; false when there is no such customer message. */
  async record(messageId: number, reason: UnansweredReason, sql: Sql = this.sql): Promise<boolean> {
    if (!(UNANSWERED_REASONS as readonly string[]).includes(reason)) throw new StoreError('invalid_input', `reason must be one of ${UNANSWERED_REASONS.join(', ')}`);
    if (!Number.isSafeInteger(messageId)) return false;
    // A turn run again (resumed after a restart) marks the same message once, with its latest reason.
    const r = await sql.run(
      `INSERT INTO unanswered_messages (message_id, conversation_id, reason, created_at)
       SELECT id, conversation_id, CAST(@reason AS TEXT), CAST(@at AS TEXT) FROM messages WHERE id = @id AND role = 'customer'
       ON CONFLICT (message_id) DO UPDATE SET reason = excluded.reason`,
      { id: messageId, reason, at: isoTime(undefined, this.now) },
    );
    return r.changes > 0;
  }

  async reasonOf(messageId: number, sql: Sql = this.sql): Promise<UnansweredReason | undefined> {
    if (!Number.isSafeInteger(messageId)) return undefined;
    return (await sql.get<{ reason: UnansweredReason }>('SELECT reason FROM unanswered_messages WHERE message_id = ?', [messageId]))?.reason;
  }

  /** Unanswered messages written in [from, to), newest first (at most `limit`, default 2000). */
  async list(from: string, to: string, limit = 2000, sql: Sql = this.sql): Promise<UnansweredMessage[]> {
    const rows = await sql.all<Row>(
      `SELECT u.message_id, u.conversation_id, u.reason, m.text, m.created_at
       FROM unanswered_messages u JOIN messages m ON m.id = u.message_id
       WHERE m.created_at >= @from AND m.created_at < @to
       ORDER BY m.created_at DESC, u.message_id DESC LIMIT @limit`,
      { from, to, limit: Math.max(1, Math.min(20_000, Math.trunc(limit))) },
    );
    return rows.map((r) => ({ messageId: r.message_id, conversationId: r.conversation_id, reason: r.reason, text: r.text, createdAt: r.created_at }));
  }
}
