import type { Sql, TransactionOptions } from './sql/executor.js';

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

const toPending = (r: Row): PendingTurn => ({ messageId: r.message_id, conversationId: r.conversation_id, channel: r.channel, externalId: r.external_id, createdAt: r.created_at });

export class PendingTurnRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records that the turn of a stored message is owed. Call inside the transaction that stored it (pass its `tx`). */
  async add(t: { messageId: number; conversationId: string; channel: string; externalId: string }, sql: Sql = this.sql): Promise<void> {
    await sql.run('INSERT INTO pending_turns (message_id, conversation_id, channel, external_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
      t.messageId,
      t.conversationId,
      t.channel,
      t.externalId,
      new Date(this.now()).toISOString(),
    ]);
  }

  /** The turn ran (answered, or failed with an apology sent): it is owed no more. */
  async done(messageId: number, sql: Sql = this.sql): Promise<void> {
    await sql.run('DELETE FROM pending_turns WHERE message_id = ?', [messageId]);
  }

  /** Every owed turn, oldest message first; with `before` (ms), only turns owed since before then. */
  async list(opts: { before?: number } = {}, sql: Sql = this.sql): Promise<PendingTurn[]> {
    const rows = opts.before === undefined
      ? await sql.all<Row>('SELECT message_id, conversation_id, channel, external_id, created_at FROM pending_turns ORDER BY message_id')
      : await sql.all<Row>('SELECT message_id, conversation_id, channel, external_id, created_at FROM pending_turns WHERE created_at < ? ORDER BY message_id', [new Date(opts.before).toISOString()]);
    return rows.map(toPending);
  }

  /** The turns owed in one conversation, oldest message first. */
  async forConversation(conversationId: string, sql: Sql = this.sql): Promise<PendingTurn[]> {
    const rows = await sql.all<Row>('SELECT message_id, conversation_id, channel, external_id, created_at FROM pending_turns WHERE conversation_id = ? ORDER BY message_id', [conversationId]);
    return rows.map(toPending);
  }

  /** Runs `fn` in one transaction (the message append and its pending row commit together); its statements go through `tx`; `opts.scope` as for `Sql.transaction`. */
  atomically<T>(fn: (tx: Sql) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    return this.sql.transaction(fn, opts);
  }
}
