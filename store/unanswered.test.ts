import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError, type Store } from './index.js';
import { MIGRATIONS } from './migrations.js';
import { clock, tempStore } from '../testing/store-helpers.js';

// Messages the bot could not answer (migration 13) on a real SQLite file.

describe('UnansweredRepo', () => {
  let t: ReturnType<typeof tempStore>;
  let store: Store;
  let c: ReturnType<typeof clock>;

  beforeEach(() => {
    c = clock();
    t = tempStore(c.now);
    store = t.store;
    store.customers.create({ id: 'C1', name: 'Priya Sharma' });
  });
  afterEach(() => t.cleanup());

  it('is migration 13 and marks customer messages once, with the latest reason, listed by the time they were written', () => {
    expect(MIGRATIONS.find((m) => m.name === 'unanswered_messages')?.version).toBe(13);
    const conv = store.conversations.create({ customerId: 'C1', channel: 'web' });
    const m1 = store.conversations.appendMessage(conv.id, { role: 'customer', text: 'do you do gift wrapping?', createdAt: '2026-01-01T10:00:00.000Z' });
    const bot = store.conversations.appendMessage(conv.id, { role: 'bot', text: "I'm not sure I understood.", createdAt: '2026-01-01T10:00:01.000Z' });
    const m2 = store.conversations.appendMessage(conv.id, { role: 'customer', text: 'who won the match', createdAt: '2026-01-02T10:00:00.000Z' });

    expect(store.unanswered.record(m1.id, 'unsure')).toBe(true);
    expect(store.unanswered.record(m1.id, 'repeated_failure')).toBe(true);
    expect(store.unanswered.record(m2.id, 'out_of_scope')).toBe(true);
    // Only customer messages; unknown ids are no-ops; unknown reasons are refused.
    expect(store.unanswered.record(bot.id, 'unsure')).toBe(false);
    expect(store.unanswered.record(999_999, 'unsure')).toBe(false);
    let err: unknown;
    try {
      store.unanswered.record(m1.id, 'bogus' as never);
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err) && err.code === 'invalid_input').toBe(true);

    expect(store.unanswered.reasonOf(m1.id)).toBe('repeated_failure');
    expect(store.unanswered.list('2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.000Z').map((u) => [u.text, u.reason])).toEqual([
      ['who won the match', 'out_of_scope'],
      ['do you do gift wrapping?', 'repeated_failure'],
    ]);
    expect(store.unanswered.list('2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z').map((u) => u.messageId)).toEqual([m1.id]);

    // Deleting the conversation deletes its marks.
    t.db.prepare('DELETE FROM conversations WHERE id = ?').run(conv.id);
    expect(store.unanswered.list('2000-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z')).toEqual([]);
  });
});
