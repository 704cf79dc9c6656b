import { beforeEach, expect, it } from 'vitest';
import { PendingTurnRepo } from './pending-turns.js';
import type { Sql } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { clock } from '../testing/store-helpers.js';
import { addConversation, addCustomer, addMessage } from '../testing/store-rows.js';

// Owed bot turns on both engines: listed in message order until done, written with their message or not at all.

describeEngines('PendingTurnRepo', (engine) => {
  let sql: Sql;
  let turns: PendingTurnRepo;

  beforeEach(async () => {
    sql = await engine.fresh();
    turns = new PendingTurnRepo(sql, clock().now);
    await addCustomer(sql, 'C1');
    await addConversation(sql, 'conv-1', 'C1');
  });

  /** The message and its pending row in one transaction, as the gateway stores a customer message. */
  const receive = (seq: number, text: string, after?: () => void) =>
    turns.atomically(async (tx) => {
      const id = await addMessage(tx, 'conv-1', seq, { text });
      await turns.add({ messageId: id, conversationId: 'conv-1', channel: 'web', externalId: 'w1' }, tx);
      after?.();
      return id;
    });

  it('lists owed turns in message order until each is done', async () => {
    const ids = [await receive(1, 'a'), await receive(2, 'b')];
    expect(await turns.list()).toEqual(ids.map((messageId) => ({ messageId, conversationId: 'conv-1', channel: 'web', externalId: 'w1', createdAt: '2026-01-01T10:00:00.000Z' })));
    // Recording the same message again (a turn resumed twice) changes nothing.
    await turns.add({ messageId: ids[0]!, conversationId: 'conv-1', channel: 'web', externalId: 'w1' });
    expect(await turns.list()).toHaveLength(2);
    await turns.done(ids[0]!);
    expect((await turns.list()).map((p) => p.messageId)).toEqual([ids[1]]);
    await turns.done(ids[0]!);
    expect((await turns.list()).map((p) => p.messageId)).toEqual([ids[1]]);
  });

  it('stores the message and its pending row together or not at all', async () => {
    await expect(
      receive(1, 'lost?', () => {
        throw new Error('crash between the two');
      }),
    ).rejects.toThrow(/crash/);
    expect(await sql.get<{ n: number }>('SELECT count(*) AS n FROM messages')).toEqual({ n: 0 });
    expect(await turns.list()).toHaveLength(0);
  });
});
