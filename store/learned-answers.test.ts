import { beforeEach, expect, it } from 'vitest';
import { LearnedAnswerRepo } from './learned-answers.js';
import type { Sql } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { clock, rejectionOf } from '../testing/store-helpers.js';
import { addAgent, addConversation, addCustomer } from '../testing/store-rows.js';

let time: ReturnType<typeof clock>;

beforeEach(() => {
  time = clock();
});

describeEngines('LearnedAnswerRepo', (engine) => {
  let sql: Sql;
  let learned: LearnedAnswerRepo;
  beforeEach(async () => {
    sql = await engine.fresh();
    learned = new LearnedAnswerRepo(sql, time.now);
  });

  it('keeps proposals pending until reviewed, with who and when', async () => {
    await addAgent(sql, 'A1', 'Anna');
    await addCustomer(sql, 'C1');
    await addConversation(sql, 'conv-1', 'C1');
    const e = await learned.propose({ conversationId: 'conv-1', question: ' do you take amex? ', answer: 'Yes, all major cards.', proposedBy: 'A1' });
    expect(e).toMatchObject({ status: 'pending', origin: 'resolve', question: 'do you take amex?', conversationId: 'conv-1', proposedBy: 'A1', reviewedBy: null, faqLabel: null });
    expect(await learned.get(e.id)).toEqual(e);
    time.advance(60_000);
    const a = await learned.approve(e.id, 'A1', 42);
    expect(a).toMatchObject({ status: 'approved', reviewedBy: 'A1', reviewedAt: '2026-01-01T10:01:00.000Z', faqLabel: 42 });
    expect(await learned.counts()).toEqual({ pending: 0, approved: 1, rejected: 0 });
    // Editing an approved entry sends it back for review: the approver saw other words.
    expect((await learned.edit(e.id, { question: 'amex?', answer: 'Yes.' })).status).toBe('pending');
    await learned.approve(e.id, 'A1', 43);
    await learned.clearLabel(e.id);
    expect((await learned.get(e.id))!.faqLabel).toBeNull();
    expect(await learned.reject(e.id, 'A1')).toMatchObject({ status: 'rejected', faqLabel: null });
    const other = await learned.propose({ question: 'q2', answer: 'a2', origin: 'migrated' });
    expect((await learned.list({ status: 'rejected' })).map((x) => x.id)).toEqual([e.id]);
    expect((await learned.list()).map((x) => x.id)).toEqual([other.id, e.id]);
    expect((await learned.list({ limit: 1 })).map((x) => x.id)).toEqual([other.id]);
    expect(await learned.counts()).toEqual({ pending: 1, approved: 0, rejected: 1 });
    expect(await learned.delete(e.id)).toBe(true);
    expect(await learned.delete(e.id)).toBe(false);
    expect(await learned.get(e.id)).toBeUndefined();
  });

  it('refuses empty and oversized text, and unknown ids', async () => {
    expect((await rejectionOf(learned.propose({ question: '  ', answer: 'x' }))).code).toBe('invalid_input');
    expect((await rejectionOf(learned.propose({ question: 'q', answer: 'a'.repeat(9000) }))).code).toBe('too_large');
    expect((await rejectionOf(learned.edit(999, { question: 'q', answer: 'a' }))).code).toBe('not_found');
    expect((await rejectionOf(learned.approve(999, 'A1', 1))).code).toBe('not_found');
    expect((await rejectionOf(learned.reject(999, 'A1'))).code).toBe('not_found');
    expect((await learned.propose({ question: "'; DROP TABLE learned_answers; --", answer: '<script>x</script>' })).question).toBe("'; DROP TABLE learned_answers; --");
  });
});
