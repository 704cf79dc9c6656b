import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { createStore, isStoreError, type Agent, type Store } from './index.js';
import { clock, tempStore } from '../testing/store-helpers.js';

// Saved replies on a real SQLite file: shortcut rules, shared versus personal, search, seeding.

describe('CannedReplyRepo', () => {
  let t: ReturnType<typeof tempStore>;
  let store: Store;
  let c: ReturnType<typeof clock>;
  let anna: Agent;
  let ravi: Agent;

  beforeEach(async () => {
    c = clock();
    t = tempStore(c.now);
    store = t.store;
    anna = await store.agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw-123456', role: 'admin' });
    ravi = await store.agents.create({ name: 'Ravi', email: 'ravi@example.com', password: 'pw-123456' });
  });
  afterEach(() => t.cleanup());

  it('stores a shared reply with a normalised shortcut, and lists own replies before shared ones', () => {
    const shared = store.canned.create({ shortcut: ' /Returns ', title: 'Returns', body: 'Hi {{customer.firstName}}, …', ownerId: null, createdBy: anna.id });
    expect(shared).toMatchObject({ shortcut: '/returns', ownerId: null, createdBy: anna.id, createdAt: '2026-01-01T10:00:00.000Z' });
    const own = store.canned.create({ shortcut: 'zz-mine', title: 'Mine', body: 'My own words', ownerId: ravi.id, createdBy: ravi.id });
    expect(own.shortcut).toBe('/zz-mine');
    expect(store.canned.listFor(ravi.id).map((r) => r.shortcut)).toEqual(['/zz-mine', '/returns']);
    // Another agent does not see Ravi's own reply.
    expect(store.canned.listFor(anna.id).map((r) => r.shortcut)).toEqual(['/returns']);
  });

  it('refuses malformed shortcuts, empty or oversized text, and duplicates within the same scope', () => {
    const bad = ['/', 'returns policy', '/ret!', '/' + 'a'.repeat(33), '', '/ünï'];
    for (const shortcut of bad) {
      expect(() => store.canned.create({ shortcut, title: 'x', body: 'y', ownerId: null }), shortcut).toThrow(/shortcut/);
    }
    expect(() => store.canned.create({ shortcut: '/a', title: ' ', body: 'y', ownerId: null })).toThrow(/title/);
    expect(() => store.canned.create({ shortcut: '/a', title: 't', body: '', ownerId: null })).toThrow(/body/);
    expect(() => store.canned.create({ shortcut: '/a', title: 't', body: 'b'.repeat(4001), ownerId: null })).toThrow(/limit is 4000/);
    store.canned.create({ shortcut: '/refund', title: 'Refund', body: 'a', ownerId: null });
    try {
      store.canned.create({ shortcut: '/refund', title: 'Refund 2', body: 'b', ownerId: null });
      expect.unreachable();
    } catch (e) {
      expect(isStoreError(e, 'conflict')).toBe(true);
    }
    // The same shortcut is fine as one agent's own reply, once per agent.
    store.canned.create({ shortcut: '/refund', title: 'My refund', body: 'c', ownerId: ravi.id });
    expect(() => store.canned.create({ shortcut: '/refund', title: 'again', body: 'd', ownerId: ravi.id })).toThrow(/already uses/);
    store.canned.create({ shortcut: '/refund', title: 'Anna refund', body: 'e', ownerId: anna.id });
    // The database itself refuses a bad shortcut written around the repository.
    expect(() => t.db.prepare("INSERT INTO canned_replies (shortcut, title, body, created_at, updated_at) VALUES ('/Bad Cut', 't', 'b', 'x', 'x')").run()).toThrow(/CHECK/);
  });

  it('searches by shortcut prefix first, then title and body words, with LIKE wildcards taken literally', () => {
    store.canned.create({ shortcut: '/returns', title: 'Returns: how to start', body: 'Go to My Orders', ownerId: null });
    store.canned.create({ shortcut: '/refund', title: 'Refund timeline', body: 'UPI 2–4 working days; after your return passes its check', ownerId: null });
    store.canned.create({ shortcut: '/delay', title: 'Delivery delay', body: 'Sorry it is late: 100% on us', ownerId: null });
    store.canned.create({ shortcut: '/ret-own', title: 'Mine', body: 'x', ownerId: ravi.id });
    expect(store.canned.search(ravi.id, '/ret').map((r) => r.shortcut)).toEqual(['/ret-own', '/returns', '/refund']);
    expect(store.canned.search(anna.id, 'ret').map((r) => r.shortcut)).toEqual(['/returns', '/refund']);
    expect(store.canned.search(anna.id, 'TIMELINE').map((r) => r.shortcut)).toEqual(['/refund']);
    expect(store.canned.search(anna.id, '%').map((r) => r.shortcut)).toEqual(['/delay']);
    expect(store.canned.search(anna.id, '_').map((r) => r.shortcut)).toEqual([]);
    expect(store.canned.search(anna.id, "'; DROP TABLE canned_replies; --")).toEqual([]);
    expect(store.canned.search(anna.id, '')).toHaveLength(3);
  });

  it('updates (keeping its scope and creation), deletes, and removes an agent’s own replies with the agent', () => {
    const r = store.canned.create({ shortcut: '/thanks', title: 'Thanks', body: 'Thank you!', ownerId: ravi.id, createdBy: ravi.id });
    c.advance(60_000);
    const u = store.canned.update(r.id, { shortcut: '/thx', title: 'Thanks!', body: 'Thank you, {{customer.firstName}}!', updatedBy: ravi.id });
    expect(u).toMatchObject({ id: r.id, shortcut: '/thx', ownerId: ravi.id, createdAt: r.createdAt, updatedAt: '2026-01-01T10:01:00.000Z' });
    expect(() => store.canned.update(9999, { shortcut: '/x', title: 't', body: 'b' })).toThrow(/not found/);
    const other = store.canned.create({ shortcut: '/other', title: 'Other', body: 'b', ownerId: ravi.id });
    expect(() => store.canned.update(other.id, { shortcut: '/thx', title: 't', body: 'b' })).toThrow(/already uses/);
    expect(store.canned.delete(other.id)).toBe(true);
    expect(store.canned.delete(other.id)).toBe(false);
    t.db.prepare('DELETE FROM agents WHERE id = ?').run(ravi.id);
    expect(store.canned.get(r.id)).toBeUndefined();
  });

  it('seeds the shared demo replies once, never over an admin’s choice, and they survive reopening the file', () => {
    const demo = [
      { shortcut: '/returns', title: 'Returns', body: 'a' },
      { shortcut: '/refund', title: 'Refund', body: 'b' },
    ];
    expect(store.canned.seedShared(demo)).toBe(2);
    expect(store.canned.seedShared(demo)).toBe(0);
    t.db.close();
    const reopened = createStore(openDatabase(t.path));
    try {
      expect(reopened.canned.listFor(null).map((r) => r.shortcut)).toEqual(['/refund', '/returns']);
      reopened.canned.delete(reopened.canned.listFor(null)[0]!.id);
      expect(reopened.canned.seedShared(demo)).toBe(0);
    } finally {
      reopened.close();
    }
  });
});
