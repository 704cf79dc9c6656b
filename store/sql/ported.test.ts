import { expect, it } from 'vitest';
import { describeEngines } from '../../testing/engines.js';
import { rejectionOf } from '../../testing/store-helpers.js';
import { VipRepo } from '../vip.js';
import type { Sql } from './executor.js';

// Repositories on the async contract (issue #19) whose own test file still runs on SQLite only
// (its scenario needs repositories not yet ported), on both engines: each built over a fresh
// database of the engine, the rows it needs written with plain SQL. Repositories whose test files
// use describeEngines themselves are not repeated here.

async function customers(sql: Sql, rows: [id: string, name: string, email: string | null, createdAt: string][]): Promise<void> {
  for (const [id, name, email, createdAt] of rows) {
    await sql.run('INSERT INTO customers (id, name, email, country, created_at) VALUES (?, ?, ?, ?, ?)', [id, name, email, 'India', createdAt]);
  }
}

describeEngines('VipRepo', (engine) => {
  it('sets VIPs by id or by e-mail whatever its case, lists and clears them', async () => {
    const sql = await engine.fresh();
    await customers(sql, [
      ['C1', 'Asha', 'asha@example.org', '2024-01-01T00:00:00.000Z'],
      ['C2', 'Bela', 'Bela@Example.org', '2024-01-02T00:00:00.000Z'],
      ['C3', 'Bela twin', 'bela@example.org', '2024-01-03T00:00:00.000Z'],
    ]);
    const vip = new VipRepo(sql);
    expect(await vip.isVip('C1')).toBe(false);
    expect(await vip.set('C1', true)).toBe('C1');
    // The earliest customer with that e-mail, compared without case on both engines.
    expect(await vip.set('BELA@example.ORG', true)).toBe('C2');
    expect(await vip.list()).toEqual([
      { id: 'C1', name: 'Asha', email: 'asha@example.org' },
      { id: 'C2', name: 'Bela', email: 'Bela@Example.org' },
    ]);
    expect(await vip.list(1)).toHaveLength(1);
    await vip.set('C2', false);
    expect(await vip.isVip('C2')).toBe(false);
    expect(await vip.isVip(null)).toBe(false);
    expect((await rejectionOf(vip.set('nobody@example.org', true))).code).toBe('not_found');
    expect((await rejectionOf(vip.set('ghost', true))).code).toBe('not_found');
    expect((await rejectionOf(vip.set('  ', true))).code).toBe('invalid_input');
  });

  it('takes part in a caller\'s transaction', async () => {
    const sql = await engine.fresh();
    await customers(sql, [['C1', 'Asha', 'asha@example.org', '2024-01-01T00:00:00.000Z']]);
    const vip = new VipRepo(sql);
    await expect(
      sql.transaction(async (tx) => {
        await vip.set('C1', true, tx);
        expect(await vip.isVip('C1', tx)).toBe(true);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await vip.isVip('C1')).toBe(false);
  });
});
