import { createHash } from 'node:crypto';
import type { DB } from './db.js';
import { StoreError } from './errors.js';
import { isoTime, wellFormed } from './text.js';

// Channel message ids already taken in (Messenger `mid`, Bot Framework activity ids): a webhook
// retry, also one after a restart, is recognised and answered once. The table (migration 9) is
// `inbound_receipts (channel, message_id, received_at)`; rows older than a week are pruned.

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
  private readonly insertStmt;
  private readonly hasStmt;
  private readonly deleteStmt;
  private readonly pruneStmt;
  private readonly pruneEvery: number;
  private readonly ttlMs: number;
  private inserted = 0;

  constructor(
    db: DB,
    private readonly now: () => number = Date.now,
    opts: ReceiptOptions = {},
  ) {
    this.insertStmt = db.prepare<[string, string, string]>('INSERT OR IGNORE INTO inbound_receipts (channel, message_id, received_at) VALUES (?, ?, ?)');
    this.hasStmt = db.prepare<[string, string], number>('SELECT 1 FROM inbound_receipts WHERE channel = ? AND message_id = ?').pluck();
    this.deleteStmt = db.prepare<[string, string]>('DELETE FROM inbound_receipts WHERE channel = ? AND message_id = ?');
    this.pruneStmt = db.prepare<[string]>('DELETE FROM inbound_receipts WHERE received_at < ?');
    this.pruneEvery = Math.max(0, Math.trunc(opts.pruneEvery ?? 1000));
    this.ttlMs = opts.ttlMs ?? RECEIPT_TTL_MS;
  }

  /**
   * Records that `messageId` arrived on `channel`; true the first time, false for a repeat (a retry).
   * One INSERT OR IGNORE, so concurrent deliveries of the same id cannot both be first.
   */
  firstTime(channel: string, messageId: string): boolean {
    const key = this.key(channel, messageId);
    const fresh = this.insertStmt.run(key[0], key[1], isoTime(undefined, this.now)).changes === 1;
    if (fresh && this.pruneEvery > 0 && ++this.inserted % this.pruneEvery === 0) this.prune(this.ttlMs);
    return fresh;
  }

  has(channel: string, messageId: string): boolean {
    const [c, m] = this.key(channel, messageId);
    return this.hasStmt.get(c, m) !== undefined;
  }

  /** Removes a receipt, so the next delivery of that id counts as new (its first one was not taken in). */
  forget(channel: string, messageId: string): boolean {
    const [c, m] = this.key(channel, messageId);
    return this.deleteStmt.run(c, m).changes === 1;
  }

  /** Deletes receipts received more than `olderThanMs` ago; returns how many. */
  prune(olderThanMs: number = this.ttlMs): number {
    return this.pruneStmt.run(isoTime(this.now() - olderThanMs)).changes;
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
