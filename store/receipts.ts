import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { DB } from './db.js';
import { StoreError } from './errors.js';
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
  private readonly touchStmt;
  private readonly getStmt;

  constructor(db: DB) {
    this.touchStmt = db.prepare<[string, number]>(
      'INSERT INTO messenger_threads (psid, last_inbound_at) VALUES (?, ?) ON CONFLICT (psid) DO UPDATE SET last_inbound_at = max(last_inbound_at, excluded.last_inbound_at)',
    );
    this.getStmt = db.prepare<[string], number>('SELECT last_inbound_at FROM messenger_threads WHERE psid = ?').pluck();
  }

  /** The user wrote at `atMs` (ms since the epoch); an older time than the one kept changes nothing. */
  touch(psid: string, atMs: number): void {
    if (typeof psid !== 'string' || psid.length === 0 || psid.length > MAX_PSID_CHARS) throw new StoreError('invalid_input', `PSID must be 1 to ${MAX_PSID_CHARS} characters`);
    if (!Number.isFinite(atMs) || atMs < 0) throw new StoreError('invalid_input', `invalid inbound time: ${String(atMs)}`);
    this.touchStmt.run(psid, Math.trunc(atMs));
  }

  /** When the user last wrote (ms since the epoch), or null when nothing is recorded. */
  lastInbound(psid: string): number | null {
    return this.getStmt.get(psid) ?? null;
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
const inList = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');
const MAX_REASON_CHARS = 500;

export class DeliveryRepo {
  private readonly startStmt;
  private readonly getStmt;
  private readonly forConversationStmt;
  private readonly sentStmt;
  private readonly failedStmt;
  private readonly advanceStmt: Record<'delivered' | 'read', Database.Statement<[string, number]>>;
  private readonly upToStmt: Record<'delivered' | 'read', Database.Statement<[string, number], number>>;
  private readonly watermarkStmt: Record<'delivered' | 'read', Database.Statement<[string, string, number], number>>;
  private readonly byExternalStmt;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.startStmt = db.prepare<[number, string, string | null, string]>(
      "INSERT OR IGNORE INTO message_deliveries (message_id, channel, recipient, status, attempts, updated_at) VALUES (?, ?, ?, 'sending', 0, ?)",
    );
    this.getStmt = db.prepare<[number], DeliveryRow>(`${D_SELECT} WHERE d.message_id = ?`);
    this.forConversationStmt = db.prepare<[string, number], DeliveryRow>(`${D_SELECT} WHERE m.conversation_id = ? ORDER BY m.seq DESC LIMIT ?`);
    this.sentStmt = db.prepare<[string | null, number, number, string, number]>(
      `UPDATE message_deliveries SET status = 'sent', external_id = ?, attempts = ?, sent_at = ?, updated_at = ? WHERE message_id = ? AND status IN (${inList(BEFORE.sent)})`,
    );
    this.failedStmt = db.prepare<[string, number, string, number]>(
      `UPDATE message_deliveries SET status = 'failed', reason = ?, attempts = ?, updated_at = ? WHERE message_id = ? AND status IN (${inList(BEFORE.failed)})`,
    );
    const advance = (to: 'delivered' | 'read') => db.prepare<[string, number]>(`UPDATE message_deliveries SET status = '${to}', updated_at = ? WHERE message_id = ? AND status IN (${inList(BEFORE[to])})`);
    this.advanceStmt = { delivered: advance('delivered'), read: advance('read') };
    const upTo = (to: 'delivered' | 'read') =>
      db.prepare<[string, number], number>(`SELECT d.message_id FROM message_deliveries d JOIN messages m ON m.id = d.message_id WHERE m.conversation_id = ? AND m.seq <= ? AND d.status IN (${inList(BEFORE[to])})`).pluck();
    this.upToStmt = { delivered: upTo('delivered'), read: upTo('read') };
    // Messenger's watermarks: everything the channel took for that user at or before the time.
    const watermark = (to: 'delivered' | 'read') =>
      db.prepare<[string, string, number], number>(`SELECT message_id FROM message_deliveries WHERE channel = ? AND recipient = ? AND sent_at IS NOT NULL AND sent_at <= ? AND status IN (${inList(BEFORE[to].filter((s) => s !== 'sending'))})`).pluck();
    this.watermarkStmt = { delivered: watermark('delivered'), read: watermark('read') };
    this.byExternalStmt = db.prepare<[string, string, string], number>('SELECT message_id FROM message_deliveries WHERE channel = ? AND recipient = ? AND external_id = ?').pluck();
  }

  private stamp(): string {
    return isoTime(undefined, this.now);
  }

  /** Starts tracking a message that is being sent (once; a second call changes nothing). */
  start(messageId: number, channel: string, recipient: string | null = null): Delivery {
    if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_CHARS) throw new StoreError('invalid_input', `delivery channel must be 1 to ${MAX_CHANNEL_CHARS} characters`);
    try {
      this.startStmt.run(messageId, channel, recipient === null ? null : wellFormed(recipient).slice(0, 300), this.stamp());
    } catch (err) {
      if (/FOREIGN KEY/.test((err as Error).message)) throw new StoreError('not_found', `message ${messageId} not found`);
      throw err;
    }
    return this.get(messageId)!;
  }

  get(messageId: number): Delivery | undefined {
    const r = this.getStmt.get(messageId);
    return r ? toDelivery(r) : undefined;
  }

  /** The conversation's tracked messages, oldest first (at most the `limit` newest). */
  forConversation(conversationId: string, limit = 500): Delivery[] {
    return this.forConversationStmt.all(conversationId, limit).map(toDelivery).reverse();
  }

  /** The channel took the message (after `attempts` tries); undefined when it had moved on already. */
  sent(messageId: number, opts: { externalId?: string | null; attempts?: number; at?: number } = {}): Delivery | undefined {
    const ext = opts.externalId ? wellFormed(opts.externalId).slice(0, 512) : null;
    const changed = this.sentStmt.run(ext, Math.max(0, opts.attempts ?? 1), Math.trunc(opts.at ?? this.now()), this.stamp(), messageId).changes === 1;
    return changed ? this.get(messageId) : undefined;
  }

  /** It could not be delivered, and why; only a message still being sent can fail. */
  failed(messageId: number, reason: string, attempts = 0): Delivery | undefined {
    const why = wellFormed(String(reason || 'not delivered')).slice(0, MAX_REASON_CHARS);
    const changed = this.failedStmt.run(why, Math.max(0, attempts), this.stamp(), messageId).changes === 1;
    return changed ? this.get(messageId) : undefined;
  }

  /** Moves one message on to delivered or read (never back); the changed delivery, if any. */
  advance(messageId: number, to: 'delivered' | 'read'): Delivery | undefined {
    return this.advanceStmt[to].run(this.stamp(), messageId).changes === 1 ? this.get(messageId) : undefined;
  }

  /** Every tracked message of the conversation up to `seq` moves on to `to`; the ones that changed. */
  upTo(conversationId: string, seq: number, to: 'delivered' | 'read'): Delivery[] {
    return this.db.transaction(() => {
      const ids = this.upToStmt[to].all(conversationId, seq);
      return ids.map((id) => this.advance(id, to)).filter((d): d is Delivery => d !== undefined);
    })();
  }

  /** Messenger's `delivery.watermark` / `read.watermark` for one user: what was sent at or before it. */
  watermark(channel: string, recipient: string, watermarkMs: number, to: 'delivered' | 'read'): Delivery[] {
    return this.db.transaction(() => {
      const ids = this.watermarkStmt[to].all(channel, recipient, Math.trunc(watermarkMs));
      return ids.map((id) => this.advance(id, to)).filter((d): d is Delivery => d !== undefined);
    })();
  }

  /** Messenger's `delivery.mids`: those messages of that user were delivered. */
  deliveredByExternalIds(channel: string, recipient: string, externalIds: readonly string[]): Delivery[] {
    return this.db.transaction(() => {
      const out: Delivery[] = [];
      for (const ext of externalIds.slice(0, 100)) {
        const id = this.byExternalStmt.get(channel, recipient, ext);
        const d = id === undefined ? undefined : this.advance(id, 'delivered');
        if (d) out.push(d);
      }
      return out;
    })();
  }
}

export type Reader = 'customer' | 'agent';

export class ReadMarkRepo {
  private readonly markStmt;
  private readonly getStmt;

  constructor(
    db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.markStmt = db.prepare<[string, string, number, string]>(
      `INSERT INTO read_marks (conversation_id, reader, seq, read_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation_id, reader) DO UPDATE SET seq = excluded.seq, read_at = excluded.read_at WHERE excluded.seq > read_marks.seq`,
    );
    this.getStmt = db.prepare<[string, string], number>('SELECT seq FROM read_marks WHERE conversation_id = ? AND reader = ?').pluck();
  }

  /** `reader` has seen the conversation up to `seq`; true when that is further than before. */
  mark(conversationId: string, reader: Reader, seq: number): boolean {
    if (reader !== 'customer' && reader !== 'agent') throw new StoreError('invalid_input', `reader must be customer or agent, got ${String(reader)}`);
    if (!Number.isInteger(seq) || seq < 0) throw new StoreError('invalid_input', `invalid seq: ${String(seq)}`);
    try {
      return this.markStmt.run(conversationId, reader, seq, isoTime(undefined, this.now)).changes === 1;
    } catch (err) {
      if (/FOREIGN KEY/.test((err as Error).message)) throw new StoreError('not_found', `conversation ${conversationId} not found`);
      throw err;
    }
  }

  /** How far `reader` has seen the conversation (0: nothing yet). */
  get(conversationId: string, reader: Reader): number {
    return this.getStmt.get(conversationId, reader) ?? 0;
  }
}
