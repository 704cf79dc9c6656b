import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentRepo, DEFAULT_LOCKOUT, hashPassword, hashToken, verifyPasswordHash } from './agents.js';
import { openDatabase } from './db.js';
import { isStoreError } from './errors.js';
import type { Sql } from './sql/executor.js';
import { SqliteSql } from './sql/sqlite.js';
import { describeEngines } from '../testing/engines.js';
import { clock, tempStore } from '../testing/store-helpers.js';

// Staff accounts on both engines: password hashes, sessions, roles, login lockout (e-mails without
// regard to case), must-change passwords, deactivation and caps.

const MIN = 60_000;

describeEngines('AgentRepo', (engine) => {
  let sql: Sql;
  let agents: AgentRepo;
  let time: ReturnType<typeof clock>;

  beforeEach(async () => {
    time = clock();
    sql = await engine.fresh();
    agents = new AgentRepo(sql, time.now);
  });

  /** Charges n attempts that all fail; returns the last decision. */
  const fail = async (email: string, n: number) => {
    let last = await agents.chargeLoginAttempt(email);
    for (let i = 1; i < n; i++) last = await agents.chargeLoginAttempt(email);
    return last;
  };

  it('stores a salted scrypt hash, never the password', async () => {
    const a = await agents.create({ name: 'Anna', email: 'Anna@Example.com', password: 's3cret-pässword', skills: ['orders', 'payments'] });
    expect(a).toMatchObject({ name: 'Anna', email: 'Anna@Example.com', skills: ['orders', 'payments'] });
    const hash = (await sql.get<{ password_hash: string }>('SELECT password_hash FROM agents WHERE id = ?', [a.id]))!.password_hash;
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('s3cret');
    const again = await hashPassword('s3cret-pässword');
    expect(again).not.toBe(hash); // different salt
    expect(await verifyPasswordHash('s3cret-pässword', again)).toBe(true);
    expect(await verifyPasswordHash('x', 'not-a-hash')).toBe(false);
    expect(await verifyPasswordHash('x', 'scrypt$0$8$1$AA==$AA==')).toBe(false);
  });

  it('verifies the right password (e-mail case-insensitive) and rejects wrong ones and unknown e-mails', async () => {
    await agents.create({ name: 'Anna', email: 'anna@example.com', password: 'correct horse', skills: [] });
    expect((await agents.verifyPassword('ANNA@example.com', 'correct horse'))?.name).toBe('Anna');
    expect(await agents.verifyPassword('anna@example.com', 'correct horse ')).toBeNull();
    expect(await agents.verifyPassword('anna@example.com', '')).toBeNull();
    expect(await agents.verifyPassword('nobody@example.com', 'correct horse')).toBeNull();
    await agents.setPassword((await agents.getByEmail('anna@example.com'))!.id, 'battery staple');
    expect(await agents.verifyPassword('anna@example.com', 'correct horse')).toBeNull();
    expect(await agents.verifyPassword('anna@example.com', 'battery staple')).not.toBeNull();
  });

  it('refuses duplicate e-mails and bad input', async () => {
    await agents.create({ name: 'A', email: 'a@example.com', password: 'pw-1' });
    let err: unknown;
    try {
      await agents.create({ name: 'B', email: 'A@EXAMPLE.COM', password: 'pw-2' });
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err, 'conflict')).toBe(true);
    await expect(agents.create({ name: 'C', email: 'not-an-email', password: 'pw' })).rejects.toThrow(/not an e-mail/);
    await expect(agents.create({ name: 'C', email: 'c@example.com', password: '' })).rejects.toThrow(/non-empty/);
    expect((await agents.list()).map((a) => a.name)).toEqual(['A']);
  });

  it('issues session tokens stored only as hashes, which expire and can be revoked', async () => {
    const a = await agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw', skills: ['product'] });
    const s = await agents.createSession(a.id, 60_000);
    expect(s.token.length).toBeGreaterThanOrEqual(40);
    const stored = (await sql.all<{ token_hash: string }>('SELECT token_hash FROM agent_sessions')).map((r) => r.token_hash);
    expect(stored).toEqual([hashToken(s.token)]);
    expect(stored[0]).not.toContain(s.token);
    expect((await agents.verifySession(s.token))?.id).toBe(a.id);
    expect(await agents.verifySession(s.token + 'x')).toBeNull();
    expect(await agents.verifySession('')).toBeNull();
    time.advance(60_001);
    expect(await agents.verifySession(s.token)).toBeNull();
    expect(await agents.purgeExpiredSessions()).toBe(1);
    const s2 = await agents.createSession(a.id);
    expect(await agents.revokeSession(s2.token)).toBe(true);
    expect(await agents.verifySession(s2.token)).toBeNull();
    await expect(agents.createSession('ghost')).rejects.toThrow(/not found/);
  });

  it('updates skills', async () => {
    const a = await agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw' });
    await agents.setSkills(a.id, ['orders']);
    expect((await agents.get(a.id))!.skills).toEqual(['orders']);
    await expect(agents.setSkills('ghost', [])).rejects.toThrow(/not found/);
  });

  it('stores a role (default agent), changes it, and refuses unknown roles', async () => {
    const a = await agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw' });
    expect(a.role).toBe('agent');
    const p = await agents.create({ name: 'Pat', email: 'pat@example.com', password: 'pw', role: 'product' });
    expect((await agents.get(p.id))!.role).toBe('product');
    await agents.setRole(a.id, 'admin');
    expect((await agents.getByEmail('ANNA@example.com'))!.role).toBe('admin');
    expect((await agents.verifyPassword('anna@example.com', 'pw'))!.role).toBe('admin');
    const s = await agents.createSession(a.id);
    expect((await agents.verifySession(s.token))!.role).toBe('admin');
    expect((await agents.list()).map((x) => [x.name, x.role])).toEqual([['Anna', 'admin'], ['Pat', 'product']]);
    await expect(agents.setRole(a.id, 'root' as never)).rejects.toThrow(/role must be one of/);
    await expect(agents.create({ name: 'X', email: 'x@example.com', password: 'pw', role: 'owner' as never })).rejects.toThrow(/role must be one of/);
    await expect(agents.setRole('ghost', 'agent')).rejects.toThrow(/not found/);
    // the CHECK constraint backs the validation up
    await expect(sql.run("UPDATE agents SET role = 'root' WHERE id = ?", [a.id])).rejects.toThrow(/check/i);
  });

  describe('login lockout', () => {
    it('locks an e-mail after 5 failures for 1 minute, doubling up to 15 minutes, per e-mail and case-insensitively', async () => {
      expect(DEFAULT_LOCKOUT).toMatchObject({ threshold: 5, baseMs: MIN, maxMs: 15 * MIN });
      expect(await fail('anna@example.com', 4)).toEqual({ allowed: true, failures: 4 });
      expect(await agents.loginLockedFor('anna@example.com')).toBe(0);
      // the 5th attempt is still checked (it may be right), and sets the lock for the next ones
      expect(await agents.chargeLoginAttempt('ANNA@example.com')).toEqual({ allowed: true, failures: 5 });
      expect(await agents.chargeLoginAttempt('anna@example.com')).toEqual({ allowed: false, retryAfterMs: MIN, failures: 5 });
      expect(await agents.loginLockedFor(' Anna@Example.com ')).toBe(MIN);
      // other e-mails are not affected
      expect(await agents.chargeLoginAttempt('bob@example.com')).toEqual({ allowed: true, failures: 1 });
      const locks: number[] = [];
      for (let i = 0; i < 6; i++) {
        time.advance(await agents.loginLockedFor('anna@example.com'));
        expect((await agents.chargeLoginAttempt('anna@example.com')).allowed).toBe(true);
        locks.push(await agents.loginLockedFor('anna@example.com') / MIN);
      }
      expect(locks).toEqual([2, 4, 8, 15, 15, 15]);
      time.advance(30_000);
      const refused = await agents.chargeLoginAttempt('anna@example.com');
      expect(refused).toMatchObject({ allowed: false, retryAfterMs: 15 * MIN - 30_000 });
    });

    it('applies to e-mails without an account exactly as to real ones', async () => {
      await agents.create({ name: 'Anna', email: 'anna@example.com', password: 'pw' });
      const real = await fail('anna@example.com', 6);
      const ghost = await fail('ghost@example.com', 6);
      expect(ghost).toEqual(real);
    });

    it('a success clears the count; a quiet day forgets it; old rows are purged', async () => {
      await fail('anna@example.com', 4);
      await agents.clearLoginFailures('ANNA@example.com');
      expect(await fail('anna@example.com', 4)).toEqual({ allowed: true, failures: 4 });
      time.advance(DEFAULT_LOCKOUT.forgetMs);
      expect(await agents.chargeLoginAttempt('anna@example.com')).toEqual({ allowed: true, failures: 1 });
      await fail('bob@example.com', 5);
      time.advance(DEFAULT_LOCKOUT.forgetMs);
      expect(await agents.purgeLoginFailures()).toBe(2);
      expect(await sql.get('SELECT count(*) AS n FROM login_failures')).toEqual({ n: 0 });
    });

    it.skipIf(engine.name === 'sqlite')('two nodes charging one e-mail at once count every attempt', async () => {
      const other = new AgentRepo(await engine.another(sql), time.now);
      await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? agents : other).chargeLoginAttempt(i % 3 ? 'anna@example.com' : 'Anna@Example.com')));
      expect(await sql.all('SELECT email, failures FROM login_failures')).toEqual([{ email: expect.stringMatching(/^anna@example\.com$/i), failures: 5 }]);
      expect(await agents.loginLockedFor('anna@example.com')).toBe(MIN);
    });

    it('refuses e-mails too long to store', async () => {
      await expect(agents.chargeLoginAttempt('a'.repeat(5000))).rejects.toThrow();
    });
  });

  describe('account state: must-change passwords, deactivation, caps (issue #18 item 2)', () => {
    it('an initial password: the session is only an account for the password change until it is changed', async () => {
      const a = await agents.create({ name: 'New', email: 'new@example.com', password: 'initial-pass-1', mustChangePassword: true });
      expect(a.mustChangePassword).toBe(true);
      const s = await agents.createSession(a.id);
      const other = await agents.createSession(a.id);
      expect(await agents.verifySession(s.token)).toBeNull();
      expect((await agents.sessionAccount(s.token))?.mustChangePassword).toBe(true);
      await expect(agents.changePassword(a.id, 'wrong', 'a-brand-new-one')).rejects.toThrow(/current password is wrong/);
      await expect(agents.changePassword(a.id, 'initial-pass-1', 'short')).rejects.toThrow(/at least 10 characters/);
      await expect(agents.changePassword(a.id, 'initial-pass-1', 'initial-pass-1')).rejects.toThrow(/must differ/);
      const changed = await agents.changePassword(a.id, 'initial-pass-1', 'a-brand-new-one', s.token);
      expect(changed.mustChangePassword).toBe(false);
      expect((await agents.verifySession(s.token))?.id).toBe(a.id);
      expect(await agents.sessionAccount(other.token)).toBeNull(); // the account's other sessions ended
      expect(await agents.verifyPassword('new@example.com', 'a-brand-new-one')).not.toBeNull();
    });

    it('a reset generates a password to change at the next sign-in and ends every session', async () => {
      const a = await agents.create({ name: 'Old', email: 'old@example.com', password: 'old-password-1' });
      const s = await agents.createSession(a.id);
      const pw = await agents.resetPassword(a.id);
      expect(pw).toMatch(/^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$/);
      expect(await agents.sessionAccount(s.token)).toBeNull();
      expect(await agents.verifyPassword('old@example.com', 'old-password-1')).toBeNull();
      expect((await agents.verifyPassword('old@example.com', pw))?.mustChangePassword).toBe(true);
      await expect(agents.resetPassword('ghost')).rejects.toThrow(/not found/);
    });

    it('a deactivated account cannot sign in and its sessions end; caps and names are validated', async () => {
      const a = await agents.create({ name: 'Gone', email: 'gone@example.com', password: 'gone-password', maxChats: 2 });
      expect(a.maxChats).toBe(2);
      const s = await agents.createSession(a.id);
      await agents.setActive(a.id, false);
      expect(await agents.verifySession(s.token)).toBeNull();
      expect(await agents.verifyPassword('gone@example.com', 'gone-password')).toBeNull();
      await agents.setActive(a.id, true);
      expect(await agents.verifyPassword('gone@example.com', 'gone-password')).not.toBeNull();
      await agents.setMaxChats(a.id, null);
      expect((await agents.get(a.id))!.maxChats).toBeNull();
      await expect(agents.setMaxChats(a.id, 101)).rejects.toThrow(/0 to 100/);
      await expect(agents.setMaxChats(a.id, 1.5)).rejects.toThrow(/0 to 100/);
      await agents.setName(a.id, ' Back ');
      expect((await agents.get(a.id))!.name).toBe('Back');
      await expect(agents.setName(a.id, ' ')).rejects.toThrow(/name/);
    });
  });
});

describe('login lockout on a SQLite file', () => {
  let ctx: ReturnType<typeof tempStore>;
  let time: ReturnType<typeof clock>;
  beforeEach(() => {
    time = clock();
    ctx = tempStore(time.now);
  });
  afterEach(() => ctx.cleanup());

  it('a lock survives a restart (it lives in the SQLite file)', async () => {
    for (let i = 0; i < 5; i++) await ctx.store.agents.chargeLoginAttempt('anna@example.com');
    ctx.db.close();
    const db = openDatabase(ctx.path);
    try {
      const again = new AgentRepo(new SqliteSql(db), time.now);
      expect(await again.loginLockedFor('anna@example.com')).toBe(MIN);
      expect((await again.chargeLoginAttempt('anna@example.com')).allowed).toBe(false);
    } finally {
      db.close();
    }
  });
});
