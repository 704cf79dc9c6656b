import type { DB } from './db.js';

// Acknowledged customer messages whose bot turn has not finished. A row is written in the same
// transaction as the message itself and removed when the turn ends, so after a crash every row is
// a turn still owed to a customer: the server runs them on start, in order, once.

export interface PendingTurn {
  messageId: number;
  conversationId: string;
  channel: string;
  externalId: string;
  createdAt: string;
}

interface Row {
  message_id: number;
  conversation_id: string;
  channel: string;
  external_id: string;
  created_at: string;
}

export class PendingTurnRepo {
  private readonly insert;
  private readonly remove;
  private readonly all;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare<[number, string, string, string, string]>('INSERT OR IGNORE INTO pending_turns (message_id, conversation_id, channel, external_id, created_at) VALUES (?, ?, ?, ?, ?)');
    this.remove = db.prepare<[number]>('DELETE FROM pending_turns WHERE message_id = ?');
    this.all = db.prepare<[], Row>('SELECT message_id, conversation_id, channel, external_id, created_at FROM pending_turns ORDER BY message_id');
  }

  /** Records that the turn of a stored message is owed. Call inside the transaction that stored it. */
  add(t: { messageId: number; conversationId: string; channel: string; externalId: string }): void {
    this.insert.run(t.messageId, t.conversationId, t.channel, t.externalId, new Date(this.now()).toISOString());
  }

  /** The turn ran (answered, or failed with an apology sent): it is owed no more. */
  done(messageId: number): void {
    this.remove.run(messageId);
  }

  /** Every owed turn, oldest message first. */
  list(): PendingTurn[] {
    return this.all.all().map((r) => ({ messageId: r.message_id, conversationId: r.conversation_id, channel: r.channel, externalId: r.external_id, createdAt: r.created_at }));
  }

  /** Runs `fn` in one transaction (the message append and its pending row commit together). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
