import type { DB } from './db.js';
import { StoreError } from './errors.js';
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

export class UnansweredRepo {
  private readonly upsert;
  private readonly between;
  private readonly byMessage;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    // A turn run again (resumed after a restart) marks the same message once, with its latest reason.
    this.upsert = db.prepare<{ id: number; reason: string; at: string }>(
      `INSERT INTO unanswered_messages (message_id, conversation_id, reason, created_at)
       SELECT id, conversation_id, @reason, @at FROM messages WHERE id = @id AND role = 'customer'
       ON CONFLICT (message_id) DO UPDATE SET reason = excluded.reason`,
    );
    this.between = db.prepare<{ from: string; to: string; limit: number }, { message_id: number; conversation_id: string; reason: UnansweredReason; text: string; created_at: string }>(
      `SELECT u.message_id, u.conversation_id, u.reason, m.text, m.created_at
       FROM unanswered_messages u JOIN messages m ON m.id = u.message_id
       WHERE m.created_at >= @from AND m.created_at < @to
       ORDER BY m.created_at DESC, u.message_id DESC LIMIT @limit`,
    );
    this.byMessage = db.prepare<[number], { reason: UnansweredReason }>('SELECT reason FROM unanswered_messages WHERE message_id = ?');
  }

  /** Marks a stored customer message as not answered; false when there is no such customer message. */
  record(messageId: number, reason: UnansweredReason): boolean {
    if (!(UNANSWERED_REASONS as readonly string[]).includes(reason)) throw new StoreError('invalid_input', `reason must be one of ${UNANSWERED_REASONS.join(', ')}`);
    if (!Number.isSafeInteger(messageId)) return false;
    return this.upsert.run({ id: messageId, reason, at: isoTime(undefined, this.now) }).changes > 0;
  }

  reasonOf(messageId: number): UnansweredReason | undefined {
    return this.byMessage.get(messageId)?.reason;
  }

  /** Unanswered messages written in [from, to), newest first (at most `limit`, default 2000). */
  list(from: string, to: string, limit = 2000): UnansweredMessage[] {
    return this.between
      .all({ from, to, limit: Math.max(1, Math.min(20_000, Math.trunc(limit))) })
      .map((r) => ({ messageId: r.message_id, conversationId: r.conversation_id, reason: r.reason, text: r.text, createdAt: r.created_at }));
  }
}
