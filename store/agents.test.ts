import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOCKOUT, hashPassword, hashToken, verifyPasswordHash } from './agents.js';
import { openDatabase } from './db.js';
import { createStore } from './index.js';
import { isStoreError } from './errors.js';
import type { Store } from './index.js';
import { clock, tempStore } from '../testing/store-helpers.js';

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

describe('login lockout', () => {
  const MIN = 60_000;
  /** Charges n attempts that all fail; returns the last decision. */
  const fail = (email: string, n: number) => {
    let last = store.agents.chargeLoginAttempt(email);
    for (let i = 1; i < n; i++) last = store.agents.chargeLoginAttempt(email);
    return last;
  };

  it('locks an e-mail after 5 failures for 1 minute, doubling up to 15 minutes, per e-mail and case-insensitively', () => {
    expect(DEFAULT_LOCKOUT).toMatchObject({ threshold: 5, baseMs: MIN, maxMs: 15 * MIN });
    expect(fail('anna@example.com', 4)).toEqual({ allowed: true, failures: 4 });
    expect(store.agents.loginLockedFor('anna@example.com')).toBe(0);
    // the 5th attempt is still checked (it may be right), and sets the lock for the next ones
    expect(store.agents.chargeLoginAttempt('ANNA@example.com')).toEqual({ allowed: true, failures: 5 });
    expect(store.agents.chargeLoginAttempt('anna@example.com')).toEqual({ allowed: false, retryAfterMs: MIN, failures: 5 });
    expect(store.agents.loginLockedFor(' Anna@Example.com ')).toBe(MIN);
    // other e-mails are not affected
    expect(store.agents.chargeLoginAttempt('bob@example.com')).toEqual({ allowed: true, failures: 1 });
    const locks: number[] = [];
    for (let i = 0; i < 6; i++) {
      time.advance(store.agents.loginLockedFor('anna@example.com'));
      expect(store.agents.chargeLoginAttempt('anna@example.com').allowed).toBe(true);
      locks.push(store.agents.loginLockedFor('anna@example.com') / MIN);
    }
    expect(locks).toEqual([2, 4, 8, 15, 15, 15]);
    time.advance(30_000);
    const refused = store.agents.chargeLoginAttempt('anna@example.com');
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 15 * MIN - 30_000 });
  });

  it('applies to e-mails without an account exactly as to real ones', async () => {
    await store.agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw' });
    const real = fail('anna@example.com', 6);
    const ghost = fail('ghost@example.com', 6);
    expect(ghost).toEqual(real);
  });

  it('a success clears the count; a quiet day forgets it; old rows are purged', () => {
    fail('anna@example.com', 4);
    store.agents.clearLoginFailures('ANNA@example.com');
    expect(fail('anna@example.com', 4)).toEqual({ allowed: true, failures: 4 });
    time.advance(DEFAULT_LOCKOUT.forgetMs);
    expect(store.agents.chargeLoginAttempt('anna@example.com')).toEqual({ allowed: true, failures: 1 });
    fail('bob@example.com', 5);
    time.advance(DEFAULT_LOCKOUT.forgetMs);
    expect(store.agents.purgeLoginFailures()).toBe(2);
    expect(ctx.db.prepare('SELECT count(*) FROM login_failures').pluck().get()).toBe(0);
  });

  it('a lock survives a restart (it lives in the SQLite file)', () => {
    fail('anna@example.com', 5);
    ctx.db.close();
    const db = openDatabase(ctx.path);
    try {
      const again = createStore(db, time.now);
      expect(again.agents.loginLockedFor('anna@example.com')).toBe(MIN);
      expect(again.agents.chargeLoginAttempt('anna@example.com').allowed).toBe(false);
    } finally {
      db.close();
    }
  });

  it('refuses e-mails too long to store', () => {
    expect(() => store.agents.chargeLoginAttempt('a'.repeat(5000))).toThrow();
  });
});

describe('account state: must-change passwords, deactivation, caps (issue #18 item 2)', () => {
  it('an initial password: the session is only an account for the password change until it is changed', async () => {
    const a = await store.agents.create({ name: 'New', email: 'new@example.com', password: 'initial-pass-1', mustChangePassword: true });
    expect(a.mustChangePassword).toBe(true);
    const s = store.agents.createSession(a.id);
    const other = store.agents.createSession(a.id);
    expect(store.agents.verifySession(s.token)).toBeNull();
    expect(store.agents.sessionAccount(s.token)?.mustChangePassword).toBe(true);
    await expect(store.agents.changePassword(a.id, 'wrong', 'a-brand-new-one')).rejects.toThrow(/current password is wrong/);
    await expect(store.agents.changePassword(a.id, 'initial-pass-1', 'short')).rejects.toThrow(/at least 10 characters/);
    await expect(store.agents.changePassword(a.id, 'initial-pass-1', 'initial-pass-1')).rejects.toThrow(/must differ/);
    const changed = await store.agents.changePassword(a.id, 'initial-pass-1', 'a-brand-new-one', s.token);
    expect(changed.mustChangePassword).toBe(false);
    expect(store.agents.verifySession(s.token)?.id).toBe(a.id);
    expect(store.agents.sessionAccount(other.token)).toBeNull(); // the account's other sessions ended
    expect(await store.agents.verifyPassword('new@example.com', 'a-brand-new-one')).not.toBeNull();
  });

  it('a reset generates a password to change at the next sign-in and ends every session', async () => {
    const a = await store.agents.create({ name: 'Old', email: 'old@example.com', password: 'old-password-1' });
    const s = store.agents.createSession(a.id);
    const pw = await store.agents.resetPassword(a.id);
    expect(pw).toMatch(/^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$/);
    expect(store.agents.sessionAccount(s.token)).toBeNull();
    expect(await store.agents.verifyPassword('old@example.com', 'old-password-1')).toBeNull();
    expect((await store.agents.verifyPassword('old@example.com', pw))?.mustChangePassword).toBe(true);
    await expect(store.agents.resetPassword('ghost')).rejects.toThrow(/not found/);
  });

  it('a deactivated account cannot sign in and its sessions end; caps and names are validated', async () => {
    const a = await store.agents.create({ name: 'Gone', email: 'gone@example.com', password: 'gone-password', maxChats: 2 });
    expect(a.maxChats).toBe(2);
    const s = store.agents.createSession(a.id);
    store.agents.setActive(a.id, false);
    expect(store.agents.verifySession(s.token)).toBeNull();
    expect(await store.agents.verifyPassword('gone@example.com', 'gone-password')).toBeNull();
    store.agents.setActive(a.id, true);
    expect(await store.agents.verifyPassword('gone@example.com', 'gone-password')).not.toBeNull();
    store.agents.setMaxChats(a.id, null);
    expect(store.agents.get(a.id)!.maxChats).toBeNull();
    expect(() => store.agents.setMaxChats(a.id, 101)).toThrow(/0 to 100/);
    expect(() => store.agents.setMaxChats(a.id, 1.5)).toThrow(/0 to 100/);
    store.agents.setName(a.id, ' Back ');
    expect(store.agents.get(a.id)!.name).toBe('Back');
    expect(() => store.agents.setName(a.id, ' ')).toThrow(/name/);
  });
});
