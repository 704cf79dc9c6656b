import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { isStoreError } from './errors.js';
import { createStore } from './index.js';
import { RECEIPT_TTL_MS, ReceiptRepo } from './receipts.js';
import { clock, countRows, tempStore } from './test-helpers.js';

// inbound_receipts on a real SQLite file: channel message ids already taken in, so a webhook retry
// (also one after a restart) is recognised.

let ctx: ReturnType<typeof tempStore> | undefined;
afterEach(() => {
  ctx?.cleanup();
  ctx = undefined;
});

describe('ReceiptRepo (inbound_receipts)', () => {
  it('says a message id is new exactly once per channel', () => {
    ctx = tempStore();
    const { receipts } = ctx.store;
    expect(receipts.firstTime('messenger', 'm_abc')).toBe(true);
    expect(receipts.firstTime('messenger', 'm_abc')).toBe(false);
    expect(receipts.firstTime('messenger', 'm_abc')).toBe(false);
    // The same id on another channel is another message.
    expect(receipts.firstTime('botframework', 'm_abc')).toBe(true);
    expect(receipts.has('messenger', 'm_abc')).toBe(true);
    expect(receipts.has('messenger', 'm_other')).toBe(false);
    expect(countRows(ctx.db, 'inbound_receipts')).toBe(2);
  });

  it('remembers receipts across connections and a reopen of the file (a restart)', () => {
    ctx = tempStore();
    expect(ctx.store.receipts.firstTime('messenger', 'm_restart')).toBe(true);
    const other = createStore(openDatabase(ctx.path));
    try {
      expect(other.receipts.firstTime('messenger', 'm_restart')).toBe(false);
    } finally {
      other.close();
    }
    ctx.db.close();
    const reopened = createStore(openDatabase(ctx.path));
    try {
      expect(reopened.receipts.firstTime('messenger', 'm_restart')).toBe(false);
      expect(reopened.receipts.firstTime('messenger', 'm_new')).toBe(true);
    } finally {
      reopened.close();
    }
  });

  it('forgets a receipt on request (a turn that failed before anything was stored may be retried)', () => {
    ctx = tempStore();
    const { receipts } = ctx.store;
    expect(receipts.firstTime('botframework', 'a1')).toBe(true);
    expect(receipts.forget('botframework', 'a1')).toBe(true);
    expect(receipts.firstTime('botframework', 'a1')).toBe(true);
    expect(receipts.forget('botframework', 'never')).toBe(false);
  });

  it('keeps ids longer than the column allows apart by their digest', () => {
    ctx = tempStore();
    const { receipts } = ctx.store;
    const long = 'm_' + 'x'.repeat(2000);
    expect(receipts.firstTime('messenger', long)).toBe(true);
    expect(receipts.firstTime('messenger', long)).toBe(false);
    expect(receipts.firstTime('messenger', long + 'y')).toBe(true);
    // Exactly at the limit the id is kept as it is.
    expect(receipts.firstTime('messenger', 'z'.repeat(512))).toBe(true);
    const ids = ctx.db.prepare<[], string>('SELECT message_id FROM inbound_receipts').pluck().all();
    expect(ids.every((id) => id.length <= 512)).toBe(true);
    expect(ids).toContain('z'.repeat(512));
  });

  it('refuses an empty id or a bad channel with a StoreError instead of a SQLite constraint error', () => {
    ctx = tempStore();
    const { receipts } = ctx.store;
    for (const fn of [() => receipts.firstTime('messenger', ''), () => receipts.firstTime('', 'm1'), () => receipts.firstTime('c'.repeat(33), 'm1')]) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(isStoreError(err, 'invalid_input')).toBe(true);
    }
    expect(countRows(ctx.db, 'inbound_receipts')).toBe(0);
  });

  it('prunes receipts older than a given age; a pruned id counts as new again', () => {
    const c = clock();
    ctx = tempStore(c.now);
    const { receipts } = ctx.store;
    receipts.firstTime('messenger', 'old');
    c.advance(RECEIPT_TTL_MS - 1000);
    receipts.firstTime('messenger', 'recent');
    c.advance(2000);
    expect(receipts.prune(RECEIPT_TTL_MS)).toBe(1);
    expect(receipts.has('messenger', 'old')).toBe(false);
    expect(receipts.has('messenger', 'recent')).toBe(true);
    expect(receipts.firstTime('messenger', 'old')).toBe(true);
  });

  it('prunes by itself every Nth new receipt', () => {
    const c = clock();
    ctx = tempStore(c.now);
    const receipts = new ReceiptRepo(ctx.db, c.now, { pruneEvery: 5, ttlMs: 60_000 });
    for (let i = 0; i < 3; i++) receipts.firstTime('messenger', `old-${i}`);
    c.advance(120_000);
    receipts.firstTime('messenger', 'new-1');
    // Duplicates do not count towards N.
    receipts.firstTime('messenger', 'new-1');
    expect(countRows(ctx.db, 'inbound_receipts')).toBe(4);
    receipts.firstTime('messenger', 'new-2');
    expect(countRows(ctx.db, 'inbound_receipts')).toBe(2);
    expect(receipts.has('messenger', 'new-1')).toBe(true);
  });
});
