import { beforeEach, expect, it } from 'vitest';
import { isStoreError } from './errors.js';
import { MIGRATIONS } from './migrations.js';
import type { Sql } from './sql/executor.js';
import { UnansweredRepo } from './unanswered.js';
import { describeEngines } from '../testing/engines.js';
import { clock } from '../testing/store-helpers.js';
import { addConversation, addCustomer, addMessage } from '../testing/store-rows.js';

// Messages the bot could not answer (migration 13), on both engines.

describeEngines('UnansweredRepo', (engine) => {
  let sql: Sql;
  let unanswered: UnansweredRepo;

  beforeEach(async () => {
    sql = await engine.fresh();
    unanswered = new UnansweredRepo(sql, clock().now);
    await addCustomer(sql, 'C1', { name: 'Priya Sharma' });
  });

  it('is migration 13 and marks customer messages once, with the latest reason, listed by the time they were written', async () => {
    expect(MIGRATIONS.find((m) => m.name === 'unanswered_messages')?.version).toBe(13);
    await addConversation(sql, 'conv-1', 'C1');
    const m1 = await addMessage(sql, 'conv-1', 1, { role: 'customer', text: 'do you do gift wrapping?', createdAt: '2026-01-01T10:00:00.000Z' });
    const bot = await addMessage(sql, 'conv-1', 2, { role: 'bot', text: "I'm not sure I understood.", createdAt: '2026-01-01T10:00:01.000Z' });
    const m2 = await addMessage(sql, 'conv-1', 3, { role: 'customer', text: 'who won the match', createdAt: '2026-01-02T10:00:00.000Z' });

    expect(await unanswered.record(m1, 'unsure')).toBe(true);
    expect(await unanswered.record(m1, 'repeated_failure')).toBe(true);
    expect(await unanswered.record(m2, 'out_of_scope')).toBe(true);
    // Only customer messages; unknown ids are no-ops; unknown reasons are refused.
    expect(await unanswered.record(bot, 'unsure')).toBe(false);
    expect(await unanswered.record(999_999, 'unsure')).toBe(false);
    const err = await unanswered.record(m1, 'bogus' as never).catch((e: unknown) => e);
    expect(isStoreError(err) && err.code === 'invalid_input').toBe(true);

    expect(await unanswered.reasonOf(m1)).toBe('repeated_failure');
    expect(await unanswered.reasonOf(bot)).toBeUndefined();
    expect((await unanswered.list('2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.000Z')).map((u) => [u.text, u.reason])).toEqual([
      ['who won the match', 'out_of_scope'],
      ['do you do gift wrapping?', 'repeated_failure'],
    ]);
    expect((await unanswered.list('2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z')).map((u) => u.messageId)).toEqual([m1]);
    expect((await unanswered.list('2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.000Z', 1)).map((u) => u.messageId)).toEqual([m2]);

    // Deleting the conversation deletes its marks.
    await sql.run('DELETE FROM conversations WHERE id = ?', ['conv-1']);
    expect(await unanswered.list('2000-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z')).toEqual([]);
  });
});
