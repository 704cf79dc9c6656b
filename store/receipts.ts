import { createHash } from 'node:crypto';
import { StoreError } from './errors.js';
import { isForeignKeyViolation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { isoTime, wellFormed } from './text.js';

// Receipts, both ways (issue #18 items 7 and 8):
// - ReceiptRepo: channel message ids already taken in (Messenger `mid`, Bot Framework activity ids),
//   so a webhook retry, also one after a restart, is recognised and answered once. The table
//   (migration 9) is `inbound_receipts (channel, message_id, received_at)`; rows older than a week
//   are pruned.
// - MessengerThreadRepo: when each Messenger user last wrote (Meta's 24-hour and 7-day windows).
// - DeliveryRepo: what became of each agent message (sending, sent, delivered, read, or failed and
//   why); statuses only move forward.
// - ReadMarkRepo: up to which message each side (customer, agent) has seen a conversation.
// Tables of migration 12.

/** How long a receipt is kept: channels retry for minutes to hours, never for days. */
export const RECEIPT_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Column limits of inbound_receipts (characters). */
const MAX_CHANNEL_CHARS = 32;
const MAX_MESSAGE_ID_CHARS = 512;

export interface ReceiptOptions {
  /** Prune old receipts after every Nth new one (default 1000; 0: never by itself). */
  pruneEvery?: number;
  /** Age of the receipts that pruning removes (default RECEIPT_TTL_MS). */
  ttlMs?: number;
}

export class ReceiptRepo {
  private readonly pruneEvery: number;
  private readonly ttlMs: number;
  private inserted = 0;

  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
    opts: ReceiptOptions = {},
  ) {
    this.pruneEvery = Math.max(0, Math.trunc(opts.pruneEvery ?? 1000));
    this.ttlMs = opts.ttlMs ?? RECEIPT_TTL_MS;
  }

  /**
   * Records that `messageId` arrived on `channel`; true the first time, false for a repeat (a retry).
   * One insert that ignores a conflict, so concurrent deliveries of the same id cannot both be first.
   */
  async firstTime(channel: string, messageId: string, sql: Sql = this.sql): Promise<boolean> {
    const key = this.key(channel, messageId);
    const r = await sql.run('INSERT INTO inbound_receipts (channel, message_id, received_at) VALUES (?, ?, ?) ON CONFLICT (channel, message_id) DO NOTHING', [
      key[0],
      key[1],
      isoTime(undefined, this.now),
    ]);
    const fresh = r.changes === 1;
    if (fresh && this.pruneEvery > 0 && ++this.inserted % this.pruneEvery === 0) await this.prune(this.ttlMs, sql);
    return fresh;
  }

  async has(channel: string, messageId: string, sql: Sql = this.sql): Promise<boolean> {
    const [c, m] = this.key(channel, messageId);
    return (await sql.get('SELECT 1 AS one FROM inbound_receipts WHERE channel = ? AND message_id = ?', [c, m])) !== undefined;
  }

  /** Removes a receipt, so the next delivery of that id counts as new (its first one was not taken in). */
  async forget(channel: string, messageId: string, sql: Sql = this.sql): Promise<boolean> {
    const [c, m] = this.key(channel, messageId);
    return (await sql.run('DELETE FROM inbound_receipts WHERE channel = ? AND message_id = ?', [c, m])).changes === 1;
  }

  /** Deletes receipts received more than `olderThanMs` ago; returns how many. */
  async prune(olderThanMs: number = this.ttlMs, sql: Sql = this.sql): Promise<number> {
    return (await sql.run('DELETE FROM inbound_receipts WHERE received_at < ?', [isoTime(this.now() - olderThanMs)])).changes;
  }

  /** The stored key: ids longer than the column allows are kept as their SHA-256 digest. */
  private key(channel: string, messageId: string): [string, string] {
    if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_CHARS) {
      throw new StoreError('invalid_input', `receipt channel must be 1 to ${MAX_CHANNEL_CHARS} characters`);
    }
    if (typeof messageId !== 'string' || messageId.length === 0) throw new StoreError('invalid_input', 'receipt message id must not be empty');
    const id = wellFormed(messageId);
    return [channel, id.length <= MAX_MESSAGE_ID_CHARS ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`];
  }
}

/** Ids of the Messenger users (PSIDs) kept in messenger_threads. */
const MAX_PSID_CHARS = 64;

export class MessengerThreadRepo {
  constructor(private readonly sql: Sql) {}

  /** The user wrote at `atMs` (ms since the epoch); an older time than the one kept changes nothing. */
  async touch(psid: string, atMs: number): Promise<void> {
    if (typeof psid !== 'string' || psid.length === 0 || psid.length > MAX_PSID_CHARS) throw new StoreError('invalid_input', `PSID must be 1 to ${MAX_PSID_CHARS} characters`);
    if (!Number.isFinite(atMs) || atMs < 0) throw new StoreError('invalid_input', `invalid inbound time: ${String(atMs)}`);
    await this.sql.run(
      `INSERT INTO messenger_threads (psid, last_inbound_at) VALUES (?, ?)
       ON CONFLICT (psid) DO UPDATE SET last_inbound_at = CASE WHEN excluded.last_inbound_at > messenger_threads.last_inbound_at THEN excluded.last_inbound_at ELSE messenger_threads.last_inbound_at END`,
      [psid, Math.trunc(atMs)],
    );
  }

  /** When the user last wrote (ms since the epoch), or null when nothing is recorded. */
  async lastInbound(psid: string): Promise<number | null> {
    return (await this.sql.get<{ at: number }>('SELECT last_inbound_at AS at FROM messenger_threads WHERE psid = ?', [psid]))?.at ?? null;
  }
}

export const DELIVERY_STATUSES = ['sending', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** An agent message's delivery, with where it sits in its conversation. */
export interface Delivery {
  messageId: number;
  conversationId: string;
  seq: number;
  channel: string;
  recipient: string | null;
  status: DeliveryStatus;
  /** Why it was not delivered (status 'failed'), in words an agent can act on. */
  reason: string | null;
  attempts: number;
  externalId: string | null;
  /** When the channel took it (ms since the epoch). */
  sentAt: number | null;
  updatedAt: string;
}

/** A delivery as SQLite holds it: a Delivery with its snake_case column names. */
type DeliveryRow = Omit<Delivery, 'messageId' | 'conversationId' | 'externalId' | 'sentAt' | 'updatedAt'> & {
  message_id: number;
  conversation_id: string;
  external_id: string | null;
  sent_at: number | null;
  updated_at: string;
};

const toDelivery = (r: DeliveryRow): Delivery => ({
  messageId: r.message_id,
  conversationId: r.conversation_id,
  seq: r.seq,
  channel: r.channel,
  recipient: r.recipient,
  status: r.status,
  reason: r.reason,
  attempts: r.attempts,
  externalId: r.external_id,
  sentAt: r.sent_at,
  updatedAt: r.updated_at,
});

const D_SELECT = `SELECT d.message_id, m.conversation_id, m.seq, d.channel, d.recipient, d.status, d.reason, d.attempts, d.external_id, d.sent_at, d.updated_at
  FROM message_deliveries d JOIN messages m ON m.id = d.message_id`;
/** Statuses a message may move on from to each one (forward only; 'failed' is final). */
const BEFORE: Record<Exclude<DeliveryStatus, 'sending'>, readonly DeliveryStatus[]> = {
  sent: ['sending'],
  delivered: ['sending', 'sent'],
  read: ['sending', 'sent', 'delivered'],
  failed: ['sending'],
};
/** The statuses as an SQL list of literals (fixed words of this file, never input). */
const statusList = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');
const MAX_REASON_CHARS = 500;

export class DeliveryRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  private stamp(): string {
    return isoTime(undefined, this.now);
  }

  /** Starts tracking a message that is being sent (once; a second call changes nothing). */
  async start(messageId: number, channel: string, recipient: string | null = null): Promise<Delivery> {
    if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_CHARS) throw new StoreError('invalid_input', `delivery channel must be 1 to ${MAX_CHANNEL_CHARS} characters`);
    try {
      await this.sql.run(
        "INSERT INTO message_deliveries (message_id, channel, recipient, status, attempts, updated_at) VALUES (?, ?, ?, 'sending', 0, ?) ON CONFLICT (message_id) DO NOTHING",
        [messageId, channel, recipient === null ? null : wellFormed(recipient).slice(0, 300), this.stamp()],
      );
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new StoreError('not_found', `message ${messageId} not found`);
      throw err;
    }
    return (await this.get(messageId))!;
  }

  async get(messageId: number, sql: Sql = this.sql): Promise<Delivery | undefined> {
    const r = await sql.get<DeliveryRow>(`${D_SELECT} WHERE d.message_id = ?`, [messageId]);
    return r ? toDelivery(r) : undefined;
  }

  /** The conversation's tracked messages, oldest first (at most the `limit` newest). */
  async forConversation(conversationId: string, limit = 500): Promise<Delivery[]> {
    return (await this.sql.all<DeliveryRow>(`${D_SELECT} WHERE m.conversation_id = ? ORDER BY m.seq DESC LIMIT ?`, [conversationId, limit])).map(toDelivery).reverse();
  }

  /** The channel took the message (after `attempts` tries); undefined when it had moved on already. */
  async sent(messageId: number, opts: { externalId?: string | null; attempts?: number; at?: number } = {}): Promise<Delivery | undefined> {
    const ext = opts.externalId ? wellFormed(opts.externalId).slice(0, 512) : null;
    const r = await this.sql.run(`UPDATE message_deliveries SET status = 'sent', external_id = ?, attempts = ?, sent_at = ?, updated_at = ? WHERE message_id = ? AND status IN (${statusList(BEFORE.sent)})`, [
      ext,
      Math.max(0, opts.attempts ?? 1),
      Math.trunc(opts.at ?? this.now()),
      this.stamp(),
      messageId,
    ]);
    return r.changes === 1 ? this.get(messageId) : undefined;
  }

  /** It could not be delivered, and why; only a message still being sent can fail. */
  async failed(messageId: number, reason: string, attempts = 0): Promise<Delivery | undefined> {
    const why = wellFormed(String(reason || 'not delivered')).slice(0, MAX_REASON_CHARS);
    const r = await this.sql.run(`UPDATE message_deliveries SET status = 'failed', reason = ?, attempts = ?, updated_at = ? WHERE message_id = ? AND status IN (${statusList(BEFORE.failed)})`, [
      why,
      Math.max(0, attempts),
      this.stamp(),
      messageId,
    ]);
    return r.changes === 1 ? this.get(messageId) : undefined;
  }

  /** Moves one message on to delivered or read (never back); the changed delivery, if any. */
  async advance(messageId: number, to: 'delivered' | 'read', sql: Sql = this.sql): Promise<Delivery | undefined> {
    const r = await sql.run(`UPDATE message_deliveries SET status = '${to === 'read' ? 'read' : 'delivered'}', updated_at = ? WHERE message_id = ? AND status IN (${statusList(BEFORE[to])})`, [this.stamp(), messageId]);
    return r.changes === 1 ? this.get(messageId, sql) : undefined;
  }

  /** Every tracked message of the conversation up to `seq` moves on to `to`; the ones that changed. */
  async upTo(conversationId: string, seq: number, to: 'delivered' | 'read'): Promise<Delivery[]> {
    // Scope: it reads and moves only this conversation's deliveries, each by an update that checks the status itself.
    return this.sql.transaction(async (tx) => {
      const ids = await tx.all<{ id: number }>(
        `SELECT d.message_id AS id FROM message_deliveries d JOIN messages m ON m.id = d.message_id WHERE m.conversation_id = ? AND m.seq <= ? AND d.status IN (${statusList(BEFORE[to])}) ORDER BY m.seq`,
        [conversationId, seq],
      );
      return this.advanceAll(tx, ids.map((r) => r.id), to);
    }, { scope: `conversation:${conversationId}` });
  }

  /** Messenger's `delivery.watermark` / `read.watermark` for one user: what was sent at or before it. */
  // Unscoped (as `deliveredByExternalIds`): it moves deliveries of several conversations, in another
  // order than `upTo` might; run beside a scoped `upTo`, the two could deadlock on row locks.
  async watermark(channel: string, recipient: string, watermarkMs: number, to: 'delivered' | 'read'): Promise<Delivery[]> {
    return this.sql.transaction(async (tx) => {
      const ids = await tx.all<{ id: number }>(
        `SELECT message_id AS id FROM message_deliveries WHERE channel = ? AND recipient = ? AND sent_at IS NOT NULL AND sent_at <= ? AND status IN (${statusList(BEFORE[to].filter((s) => s !== 'sending'))}) ORDER BY message_id`,
        [channel, recipient, Math.trunc(watermarkMs)],
      );
      return this.advanceAll(tx, ids.map((r) => r.id), to);
    });
  }

  /** Messenger's `delivery.mids`: those messages of that user were delivered. */
  async deliveredByExternalIds(channel: string, recipient: string, externalIds: readonly string[]): Promise<Delivery[]> {
    return this.sql.transaction(async (tx) => {
      const ids: number[] = [];
      for (const ext of externalIds.slice(0, 100)) {
        const r = await tx.get<{ id: number }>('SELECT message_id AS id FROM message_deliveries WHERE channel = ? AND recipient = ? AND external_id = ?', [channel, recipient, ext]);
        if (r) ids.push(r.id);
      }
      return this.advanceAll(tx, ids, 'delivered');
    });
  }

  private async advanceAll(tx: Sql, ids: readonly number[], to: 'delivered' | 'read'): Promise<Delivery[]> {
    const out: Delivery[] = [];
    for (const id of ids) {
      const d = await this.advance(id, to, tx);
      if (d) out.push(d);
    }
    return out;
  }
}

export type Reader = 'customer' | 'agent';

export class ReadMarkRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /** `reader` has seen the conversation up to `seq`; true when that is further than before. */
  async mark(conversationId: string, reader: Reader, seq: number): Promise<boolean> {
    if (reader !== 'customer' && reader !== 'agent') throw new StoreError('invalid_input', `reader must be customer or agent, got ${String(reader)}`);
    if (!Number.isInteger(seq) || seq < 0) throw new StoreError('invalid_input', `invalid seq: ${String(seq)}`);
    try {
      const r = await this.sql.run(
        `INSERT INTO read_marks (conversation_id, reader, seq, read_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (conversation_id, reader) DO UPDATE SET seq = excluded.seq, read_at = excluded.read_at WHERE excluded.seq > read_marks.seq`,
        [conversationId, reader, seq, isoTime(undefined, this.now)],
      );
      return r.changes === 1;
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new StoreError('not_found', `conversation ${conversationId} not found`);
      throw err;
    }
  }

  /** How far `reader` has seen the conversation (0: nothing yet). */
  async get(conversationId: string, reader: Reader): Promise<number> {
    return (await this.sql.get<{ seq: number }>('SELECT seq FROM read_marks WHERE conversation_id = ? AND reader = ?', [conversationId, reader]))?.seq ?? 0;
  }
}
