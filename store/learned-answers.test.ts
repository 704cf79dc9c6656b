import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './index.js';
import { clock, errorOf, seededStore } from '../testing/store-helpers.js';

let ctx: Awaited<ReturnType<typeof seededStore>>;
let store: Store;
let time: ReturnType<typeof clock>;

beforeEach(async () => {
  time = clock();
  ctx = await seededStore(undefined, time.now);
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

describe('LearnedAnswerRepo', () => {
  it('keeps proposals pending until reviewed, with who and when', async () => {
    const agent = await store.agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw-123456' });
    const conversationId = store.conversations.create({ customerId: 'C1', channel: 'web' }).id;
    const e = store.learned.propose({ conversationId, question: ' do you take amex? ', answer: 'Yes, all major cards.', proposedBy: agent.id });
    expect(e).toMatchObject({ status: 'pending', origin: 'resolve', question: 'do you take amex?', proposedBy: agent.id, reviewedBy: null, faqLabel: null });
    time.advance(60_000);
    const a = store.learned.approve(e.id, agent.id, 42);
    expect(a).toMatchObject({ status: 'approved', reviewedBy: agent.id, reviewedAt: '2026-01-01T10:01:00.000Z', faqLabel: 42 });
    expect(store.learned.counts()).toEqual({ pending: 0, approved: 1, rejected: 0 });
    // Editing an approved entry sends it back for review: the approver saw other words.
    expect(store.learned.edit(e.id, { question: 'amex?', answer: 'Yes.' }).status).toBe('pending');
    expect(store.learned.reject(e.id, agent.id)).toMatchObject({ status: 'rejected', faqLabel: null });
    expect(store.learned.list({ status: 'rejected' }).map((x) => x.id)).toEqual([e.id]);
    expect(store.learned.delete(e.id)).toBe(true);
    expect(store.learned.get(e.id)).toBeUndefined();
  });

  it('refuses empty and oversized text, and unknown ids', () => {
    expect(errorOf(() => store.learned.propose({ question: '  ', answer: 'x' })).code).toBe('invalid_input');
    expect(errorOf(() => store.learned.propose({ question: 'q', answer: 'a'.repeat(9000) })).code).toBe('too_large');
    expect(errorOf(() => store.learned.edit(999, { question: 'q', answer: 'a' })).code).toBe('not_found');
    expect(store.learned.propose({ question: "'; DROP TABLE learned_answers; --", answer: '<script>x</script>' }).question).toBe("'; DROP TABLE learned_answers; --");
  });
});

describe('PendingTurnRepo', () => {
  it('lists owed turns in message order until each is done', () => {
    const conversationId = store.conversations.create({ customerId: 'C1', channel: 'web' }).id;
    const ids = ['a', 'b'].map((text) =>
      store.pendingTurns.atomically(() => {
        const m = store.conversations.appendMessage(conversationId, { role: 'customer', text });
        store.pendingTurns.add({ messageId: m.id, conversationId, channel: 'web', externalId: 'w1' });
        return m.id;
      }),
    );
    expect(store.pendingTurns.list().map((p) => p.messageId)).toEqual(ids);
    store.pendingTurns.done(ids[0]!);
    expect(store.pendingTurns.list().map((p) => p.messageId)).toEqual([ids[1]]);
  });

  it('stores the message and its pending row together or not at all', () => {
    const conversationId = store.conversations.create({ customerId: 'C1', channel: 'web' }).id;
    expect(() =>
      store.pendingTurns.atomically(() => {
        const m = store.conversations.appendMessage(conversationId, { role: 'customer', text: 'lost?' });
        store.pendingTurns.add({ messageId: m.id, conversationId, channel: 'web', externalId: 'w1' });
        throw new Error('crash between the two');
      }),
    ).toThrow(/crash/);
    expect(store.conversations.transcript(conversationId)).toHaveLength(0);
    expect(store.pendingTurns.list()).toHaveLength(0);
  });
});
