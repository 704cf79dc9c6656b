import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, hashToken, verifyPasswordHash } from './agents.js';
import { isStoreError } from './errors.js';
import type { Store } from './index.js';
import { clock, tempStore } from './test-helpers.js';

let ctx: ReturnType<typeof tempStore>;
let store: Store;
let time: ReturnType<typeof clock>;

beforeEach(() => {
  time = clock();
  ctx = tempStore(time.now);
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

describe('AgentRepo', () => {
  it('stores a salted scrypt hash, never the password', async () => {
    const a = await store.agents.create({ name: 'Anna', email: 'Anna@Example.com', password: 's3cret-pässword', skills: ['orders', 'payments'] });
    expect(a).toMatchObject({ name: 'Anna', email: 'Anna@Example.com', skills: ['orders', 'payments'] });
    const hash = ctx.db.prepare<[string], string>('SELECT password_hash FROM agents WHERE id = ?').pluck().get(a.id)!;
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('s3cret');
    const again = await hashPassword('s3cret-pässword');
    expect(again).not.toBe(hash); // different salt
    expect(await verifyPasswordHash('s3cret-pässword', again)).toBe(true);
    expect(await verifyPasswordHash('x', 'not-a-hash')).toBe(false);
    expect(await verifyPasswordHash('x', 'scrypt$0$8$1$AA==$AA==')).toBe(false);
  });

  it('verifies the right password (e-mail case-insensitive) and rejects wrong ones and unknown e-mails', async () => {
    await store.agents.create({ name: 'Anna', email: 'anna@example.com', password: 'correct horse', skills: [] });
    expect((await store.agents.verifyPassword('ANNA@example.com', 'correct horse'))?.name).toBe('Anna');
    expect(await store.agents.verifyPassword('anna@example.com', 'correct horse ')).toBeNull();
    expect(await store.agents.verifyPassword('anna@example.com', '')).toBeNull();
    expect(await store.agents.verifyPassword('nobody@example.com', 'correct horse')).toBeNull();
    await store.agents.setPassword((store.agents.getByEmail('anna@example.com'))!.id, 'battery staple');
    expect(await store.agents.verifyPassword('anna@example.com', 'correct horse')).toBeNull();
    expect(await store.agents.verifyPassword('anna@example.com', 'battery staple')).not.toBeNull();
  });

  it('refuses duplicate e-mails and bad input', async () => {
    await store.agents.create({ name: 'A', email: 'a@example.com', password: 'pw-1' });
    let err: unknown;
    try {
      await store.agents.create({ name: 'B', email: 'A@EXAMPLE.COM', password: 'pw-2' });
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err, 'conflict')).toBe(true);
    await expect(store.agents.create({ name: 'C', email: 'not-an-email', password: 'pw' })).rejects.toThrow(/not an e-mail/);
    await expect(store.agents.create({ name: 'C', email: 'c@example.com', password: '' })).rejects.toThrow(/non-empty/);
    expect(store.agents.list().map((a) => a.name)).toEqual(['A']);
  });

  it('issues session tokens stored only as hashes, which expire and can be revoked', async () => {
    const a = await store.agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw', skills: ['product'] });
    const s = store.agents.createSession(a.id, 60_000);
    expect(s.token.length).toBeGreaterThanOrEqual(40);
    const stored = ctx.db.prepare<[], string>('SELECT token_hash FROM agent_sessions').pluck().all();
    expect(stored).toEqual([hashToken(s.token)]);
    expect(stored[0]).not.toContain(s.token);
    expect(store.agents.verifySession(s.token)?.id).toBe(a.id);
    expect(store.agents.verifySession(s.token + 'x')).toBeNull();
    expect(store.agents.verifySession('')).toBeNull();
    time.advance(60_001);
    expect(store.agents.verifySession(s.token)).toBeNull();
    expect(store.agents.purgeExpiredSessions()).toBe(1);
    const s2 = store.agents.createSession(a.id);
    expect(store.agents.revokeSession(s2.token)).toBe(true);
    expect(store.agents.verifySession(s2.token)).toBeNull();
    expect(() => store.agents.createSession('ghost')).toThrow(/not found/);
  });

  it('updates skills', async () => {
    const a = await store.agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw' });
    store.agents.setSkills(a.id, ['orders']);
    expect(store.agents.get(a.id)!.skills).toEqual(['orders']);
    expect(() => store.agents.setSkills('ghost', [])).toThrow(/not found/);
  });

  it('stores a role (default agent), changes it, and refuses unknown roles', async () => {
    const a = await store.agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw' });
    expect(a.role).toBe('agent');
    const p = await store.agents.create({ name: 'Pat', email: 'pat@example.com', password: 'pw', role: 'product' });
    expect(store.agents.get(p.id)!.role).toBe('product');
    store.agents.setRole(a.id, 'admin');
    expect(store.agents.getByEmail('ANNA@example.com')!.role).toBe('admin');
    expect((await store.agents.verifyPassword('anna@example.com', 'pw'))!.role).toBe('admin');
    const s = store.agents.createSession(a.id);
    expect(store.agents.verifySession(s.token)!.role).toBe('admin');
    expect(store.agents.list().map((x) => [x.name, x.role])).toEqual([['Anna', 'admin'], ['Pat', 'product']]);
    expect(() => store.agents.setRole(a.id, 'root' as never)).toThrow(/role must be one of/);
    await expect(store.agents.create({ name: 'X', email: 'x@example.com', password: 'pw', role: 'owner' as never })).rejects.toThrow(/role must be one of/);
    expect(() => store.agents.setRole('ghost', 'agent')).toThrow(/not found/);
    // the CHECK constraint backs the validation up
    expect(() => ctx.db.prepare("UPDATE agents SET role = 'root' WHERE id = ?").run(a.id)).toThrow(/CHECK/);
  });
});
