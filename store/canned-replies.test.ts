import { beforeEach, expect, it } from 'vitest';
import { CannedReplyRepo } from './canned-replies.js';
import { isStoreError } from './errors.js';
import type { Sql } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { clock } from '../testing/store-helpers.js';
import { addAgent } from '../testing/store-rows.js';

// Saved replies on both engines: shortcut rules, shared versus personal, search, seeding.

describeEngines('CannedReplyRepo', (engine) => {
  let sql: Sql;
  let canned: CannedReplyRepo;
  let c: ReturnType<typeof clock>;
  const anna = { id: 'A1' };
  const ravi = { id: 'A2' };

  beforeEach(async () => {
    c = clock();
    sql = await engine.fresh();
    canned = new CannedReplyRepo(sql, c.now);
    await addAgent(sql, anna.id, 'Anna', { role: 'admin' });
    await addAgent(sql, ravi.id, 'Ravi');
  });

  it('stores a shared reply with a normalised shortcut, and lists own replies before shared ones', async () => {
    const shared = await canned.create({ shortcut: ' /Returns ', title: 'Returns', body: 'Hi {{customer.firstName}}, …', ownerId: null, createdBy: anna.id });
    expect(shared).toMatchObject({ shortcut: '/returns', ownerId: null, createdBy: anna.id, createdAt: '2026-01-01T10:00:00.000Z' });
    expect(await canned.get(shared.id)).toEqual(shared);
    const own = await canned.create({ shortcut: 'zz-mine', title: 'Mine', body: 'My own words', ownerId: ravi.id, createdBy: ravi.id });
    expect(own.shortcut).toBe('/zz-mine');
    expect((await canned.listFor(ravi.id)).map((r) => r.shortcut)).toEqual(['/zz-mine', '/returns']);
    // Another agent does not see Ravi's own reply.
    expect((await canned.listFor(anna.id)).map((r) => r.shortcut)).toEqual(['/returns']);
  });

  it('refuses malformed shortcuts, empty or oversized text, and duplicates within the same scope', async () => {
    const bad = ['/', 'returns policy', '/ret!', '/' + 'a'.repeat(33), '', '/ünï'];
    for (const shortcut of bad) {
      await expect(canned.create({ shortcut, title: 'x', body: 'y', ownerId: null }), shortcut).rejects.toThrow(/shortcut/);
    }
    await expect(canned.create({ shortcut: '/a', title: ' ', body: 'y', ownerId: null })).rejects.toThrow(/title/);
    await expect(canned.create({ shortcut: '/a', title: 't', body: '', ownerId: null })).rejects.toThrow(/body/);
    await expect(canned.create({ shortcut: '/a', title: 't', body: 'b'.repeat(4001), ownerId: null })).rejects.toThrow(/limit is 4000/);
    await canned.create({ shortcut: '/refund', title: 'Refund', body: 'a', ownerId: null });
    const dup = await canned.create({ shortcut: '/refund', title: 'Refund 2', body: 'b', ownerId: null }).catch((e: unknown) => e);
    expect(isStoreError(dup, 'conflict')).toBe(true);
    // The same shortcut is fine as one agent's own reply, once per agent.
    await canned.create({ shortcut: '/refund', title: 'My refund', body: 'c', ownerId: ravi.id });
    await expect(canned.create({ shortcut: '/refund', title: 'again', body: 'd', ownerId: ravi.id })).rejects.toThrow(/already uses/);
    await canned.create({ shortcut: '/refund', title: 'Anna refund', body: 'e', ownerId: anna.id });
    // An owner that does not exist is not found.
    const ghost = await canned.create({ shortcut: '/x', title: 't', body: 'b', ownerId: 'ghost' }).catch((e: unknown) => e);
    expect(isStoreError(ghost, 'not_found')).toBe(true);
    // The database itself refuses a bad shortcut written around the repository.
    await expect(sql.run("INSERT INTO canned_replies (shortcut, title, body, created_at, updated_at) VALUES ('/Bad Cut', 't', 'b', 'x', 'x')")).rejects.toThrow(/check/i);
  });

  it('searches by shortcut prefix first, then title and body words in any case, with LIKE wildcards taken literally', async () => {
    await canned.create({ shortcut: '/returns', title: 'Returns: how to start', body: 'Go to My Orders', ownerId: null });
    await canned.create({ shortcut: '/refund', title: 'Refund timeline', body: 'UPI 2–4 working days; after your return passes its check', ownerId: null });
    await canned.create({ shortcut: '/delay', title: 'Delivery delay', body: 'Sorry it is late: 100% on us', ownerId: null });
    await canned.create({ shortcut: '/ret-own', title: 'Mine', body: 'x', ownerId: ravi.id });
    const shortcuts = async (agentId: string, q: string) => (await canned.search(agentId, q)).map((r) => r.shortcut);
    expect(await shortcuts(ravi.id, '/ret')).toEqual(['/ret-own', '/returns', '/refund']);
    expect(await shortcuts(anna.id, 'ret')).toEqual(['/returns', '/refund']);
    expect(await shortcuts(anna.id, 'TIMELINE')).toEqual(['/refund']);
    expect(await shortcuts(anna.id, 'orders')).toEqual(['/returns']);
    expect(await shortcuts(anna.id, '%')).toEqual(['/delay']);
    expect(await shortcuts(anna.id, '_')).toEqual([]);
    expect(await canned.search(anna.id, "'; DROP TABLE canned_replies; --")).toEqual([]);
    expect(await canned.search(anna.id, '')).toHaveLength(3);
  });

  it('updates (keeping its scope and creation), deletes, and removes an agent’s own replies with the agent', async () => {
    const r = await canned.create({ shortcut: '/thanks', title: 'Thanks', body: 'Thank you!', ownerId: ravi.id, createdBy: ravi.id });
    c.advance(60_000);
    const u = await canned.update(r.id, { shortcut: '/thx', title: 'Thanks!', body: 'Thank you, {{customer.firstName}}!', updatedBy: ravi.id });
    expect(u).toMatchObject({ id: r.id, shortcut: '/thx', ownerId: ravi.id, createdAt: r.createdAt, updatedAt: '2026-01-01T10:01:00.000Z' });
    await expect(canned.update(9999, { shortcut: '/x', title: 't', body: 'b' })).rejects.toThrow(/not found/);
    const other = await canned.create({ shortcut: '/other', title: 'Other', body: 'b', ownerId: ravi.id });
    await expect(canned.update(other.id, { shortcut: '/thx', title: 't', body: 'b' })).rejects.toThrow(/one of your replies already uses/);
    expect(await canned.delete(other.id)).toBe(true);
    expect(await canned.delete(other.id)).toBe(false);
    await sql.run('DELETE FROM agents WHERE id = ?', [ravi.id]);
    expect(await canned.get(r.id)).toBeUndefined();
  });

  it('seeds the shared demo replies once, never over an admin’s choice', async () => {
    const demo = [
      { shortcut: '/returns', title: 'Returns', body: 'a' },
      { shortcut: '/refund', title: 'Refund', body: 'b' },
    ];
    expect(await canned.seedShared(demo)).toBe(2);
    expect(await canned.seedShared(demo)).toBe(0);
    const listed = await canned.listFor(null);
    expect(listed.map((r) => r.shortcut)).toEqual(['/refund', '/returns']);
    await canned.delete(listed[0]!.id);
    expect(await canned.seedShared(demo)).toBe(0);
    // A seed that fails half-way adds nothing.
    await sql.run('DELETE FROM canned_replies');
    await expect(canned.seedShared([...demo, { shortcut: '/returns', title: 'again', body: 'c' }])).rejects.toThrow(/already uses/);
    expect(await canned.listFor(null)).toEqual([]);
  });
});
