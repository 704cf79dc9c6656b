import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { StoreError } from './errors.js';
import { isForeignKeyViolation, isUniqueViolation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { newId } from './ids.js';
import { checkText, isoTime, MAX_ID_BYTES, MAX_SHORT_BYTES } from './text.js';
import { STAFF_ROLES, type Agent, type AgentSession, type StaffRole } from './types.js';

// Support agents and their login sessions. Passwords are stored as scrypt hashes with a random salt
// ("scrypt$N$r$p$salt$hash", base64); session tokens are random and only their SHA-256 is stored,
// so a leaked database does not leak usable tokens.

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32, saltBytes: 16 } as const;
const MAX_PASSWORD_BYTES = 1024;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function checkPassword(password: string): string {
  if (typeof password !== 'string' || password.length === 0) throw new StoreError('invalid_input', 'password must be a non-empty string');
  return checkText('password', password, MAX_PASSWORD_BYTES);
}

/** scrypt hash of a password with a fresh random salt, in a self-describing string. */
export async function hashPassword(password: string): Promise<string> {
  const pw = checkPassword(password);
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await scryptAsync(pw, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Compares a password with a stored hash in constant time; false for malformed hashes. */
export async function verifyPasswordHash(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((x) => Number.isInteger(x) && x > 0)) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length === 0) return false;
  let actual: Buffer;
  try {
    actual = await scryptAsync(typeof password === 'string' ? password : '', salt, expected.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  } catch {
    return false;
  }
  return timingSafeEqual(actual, expected);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

interface AgentRow {
  id: string;
  name: string;
  email: string;
  password_hash: string;
  skills: string;
  role: StaffRole;
  created_at: string;
  must_change_password: number;
  active: number;
  max_chats: number | null;
}

/** A staff account as the management views see it (an Agent with its account state). */
export interface StaffAccount extends Agent {
  /** An initial or reset password: the account's sessions may only change it. */
  mustChangePassword: boolean;
  /** False: deactivated, cannot sign in. */
  active: boolean;
  /** This account's cap of open chats; null: the configured default. */
  maxChats: number | null;
}

const toAgent = (r: AgentRow): StaffAccount => ({
  id: r.id,
  name: r.name,
  email: r.email,
  skills: JSON.parse(r.skills) as string[],
  role: r.role,
  createdAt: r.created_at,
  mustChangePassword: r.must_change_password === 1,
  active: r.active === 1,
  maxChats: r.max_chats,
});

/** Shortest password a person may choose (initial and reset passwords are generated). */
export const MIN_PASSWORD_LENGTH = 10;

/** A random password for a new or reset account: 16 characters of an unambiguous alphabet (~80 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(16);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8, 12)}-${out.slice(12)}`;
}

function checkMaxChats(n: unknown): number | null {
  if (n === null) return null;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 100) throw new StoreError('invalid_input', 'max chats must be an integer from 0 to 100 (or null for the default)');
  return n;
}

function checkRole(role: unknown): StaffRole {
  if (typeof role !== 'string' || !(STAFF_ROLES as readonly string[]).includes(role)) {
    throw new StoreError('invalid_input', `role must be one of ${STAFF_ROLES.join(', ')}`);
  }
  return role as StaffRole;
}

export interface NewAgent {
  id?: string;
  name: string;
  email: string;
  password: string;
  skills?: readonly string[];
  /** Defaults to 'agent'. */
  role?: StaffRole;
  /** An initial password the person must replace at the first sign-in (default false). */
  mustChangePassword?: boolean;
  /** This account's cap of open chats; null or absent: the configured default. */
  maxChats?: number | null;
}

/**
 * Per-account login lockout: from the `threshold`-th failed attempt on, the e-mail is locked for
 * `baseMs`, doubling with every further failure up to `maxMs`. A success clears the count; a count
 * with no attempt for `forgetMs` starts again from zero.
 */
export interface LockoutPolicy {
  threshold: number;
  baseMs: number;
  maxMs: number;
  forgetMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { threshold: 5, baseMs: 60_000, maxMs: 15 * 60_000, forgetMs: 24 * 60 * 60_000 };

/** What chargeLoginAttempt decided. */
export type LoginCharge = { allowed: true; failures: number } | { allowed: false; retryAfterMs: number; failures: number };

interface LoginFailureRow {
  failures: number;
  locked_until: string | null;
  updated_at: string;
}

/** Default agent session lifetime: 12 hours. */
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const COLS = 'id, name, email, password_hash, skills, role, created_at, must_change_password, active, max_chats';
const BY_ID = `SELECT ${COLS} FROM agents WHERE id = ?`;
// E-mails are compared without case (the column is NOCASE on SQLite; lower() says it on both engines).
const BY_EMAIL = `SELECT ${COLS} FROM agents WHERE lower(email) = lower(?)`;
const FAILURES = 'SELECT email, failures, locked_until, updated_at FROM login_failures WHERE lower(email) = lower(?)';
const REVOKE_ALL = 'DELETE FROM agent_sessions WHERE agent_id = ?';

export class AgentRepo {
  /** Hash used for unknown e-mails so a miss costs as much time as a wrong password. */
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  async create(a: NewAgent, sql: Sql = this.sql): Promise<StaffAccount> {
    const name = checkText('agent name', a.name, MAX_SHORT_BYTES);
    const email = checkText('agent email', a.email, MAX_SHORT_BYTES).trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new StoreError('invalid_input', `"${email}" is not an e-mail address`);
    const skills = [...(a.skills ?? [])].map((s) => checkText('skill', s, MAX_ID_BYTES));
    const row: AgentRow = {
      id: a.id === undefined ? newId('agt') : checkText('agent id', a.id, MAX_ID_BYTES),
      name,
      email,
      password_hash: await hashPassword(a.password),
      skills: JSON.stringify(skills),
      role: checkRole(a.role ?? 'agent'),
      created_at: isoTime(undefined, this.now),
      must_change_password: a.mustChangePassword ? 1 : 0,
      active: 1,
      max_chats: checkMaxChats(a.maxChats ?? null),
    };
    try {
      await sql.run(`INSERT INTO agents (${COLS}) VALUES (@id, @name, @email, @password_hash, @skills, @role, @created_at, @must_change_password, @active, @max_chats)`, { ...row });
    } catch (e) {
      if (isUniqueViolation(e)) throw new StoreError('conflict', `an agent with id ${row.id} or e-mail ${email} already exists`);
      throw e;
    }
    return toAgent(row);
  }

  async get(id: string, sql: Sql = this.sql): Promise<StaffAccount | undefined> {
    const r = await sql.get<AgentRow>(BY_ID, [id]);
    return r ? toAgent(r) : undefined;
  }

  async getByEmail(email: string, sql: Sql = this.sql): Promise<StaffAccount | undefined> {
    const r = await sql.get<AgentRow>(BY_EMAIL, [email.trim()]);
    return r ? toAgent(r) : undefined;
  }

  async list(sql: Sql = this.sql): Promise<StaffAccount[]> {
    return (await sql.all<AgentRow>(`SELECT ${COLS} FROM agents ORDER BY name, id`)).map(toAgent);
  }

  /**
   * The agent if the e-mail/password pair is right, else null. Unknown e-mails still pay for one
   * scrypt run, so response time does not reveal which e-mails exist. A deactivated account is
   * refused like a wrong password.
   */
  async verifyPassword(email: string, password: string, sql: Sql = this.sql): Promise<StaffAccount | null> {
    const r = typeof email === 'string' ? await sql.get<AgentRow>(BY_EMAIL, [email.trim()]) : undefined;
    if (!r) {
      this.dummyHash ??= hashPassword('not-a-real-password');
      await verifyPasswordHash(String(password), await this.dummyHash);
      return null;
    }
    return (await verifyPasswordHash(String(password), r.password_hash)) && r.active === 1 ? toAgent(r) : null;
  }

  async setPassword(id: string, password: string, sql: Sql = this.sql): Promise<void> {
    const hash = await hashPassword(password);
    if ((await sql.run('UPDATE agents SET password_hash = ? WHERE id = ?', [hash, id])).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  /**
   * An administrator's reset: a new generated password (returned, shown once) that must be changed
   * at the next sign-in, and every session of the account ends.
   */
  async resetPassword(id: string, sql: Sql = this.sql): Promise<string> {
    if (!(await sql.get(BY_ID, [id]))) throw new StoreError('not_found', `agent ${id} not found`);
    const password = generatePassword();
    const hash = await hashPassword(password);
    await sql.transaction(async (tx) => {
      await tx.run('UPDATE agents SET password_hash = ?, must_change_password = 1 WHERE id = ?', [hash, id]);
      await tx.run(REVOKE_ALL, [id]);
    });
    return password;
  }

  /**
   * The person changes their own password: the current one must be right and the new one at least
   * MIN_PASSWORD_LENGTH characters and different. Clears must-change; the account's other sessions
   * end (`keepToken`'s stays). 'invalid_input' with a message for the person when refused.
   */
  async changePassword(id: string, current: string, next: string, keepToken?: string, sql: Sql = this.sql): Promise<StaffAccount> {
    const r = await sql.get<AgentRow>(BY_ID, [id]);
    if (!r) throw new StoreError('not_found', `agent ${id} not found`);
    if (!(await verifyPasswordHash(String(current), r.password_hash))) throw new StoreError('invalid_input', 'the current password is wrong');
    if (typeof next !== 'string' || Array.from(next).length < MIN_PASSWORD_LENGTH) throw new StoreError('invalid_input', `the new password needs at least ${MIN_PASSWORD_LENGTH} characters`);
    if (next === current) throw new StoreError('invalid_input', 'the new password must differ from the current one');
    const hash = await hashPassword(next);
    return sql.transaction(async (tx) => {
      await tx.run('UPDATE agents SET password_hash = ?, must_change_password = 0 WHERE id = ?', [hash, id]);
      if (keepToken) await tx.run('DELETE FROM agent_sessions WHERE agent_id = ? AND token_hash <> ?', [id, hashToken(keepToken)]);
      else await tx.run(REVOKE_ALL, [id]);
      return (await this.get(id, tx))!;
    });
  }

  /** A deactivated account cannot sign in and its sessions end; reactivating lets it sign in again. */
  async setActive(id: string, active: boolean, sql: Sql = this.sql): Promise<void> {
    await sql.transaction(async (tx) => {
      if ((await tx.run('UPDATE agents SET active = ? WHERE id = ?', [active ? 1 : 0, id])).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
      if (!active) await tx.run(REVOKE_ALL, [id]);
    });
  }

  /** The account's own cap of open chats; null: the configured default. */
  async setMaxChats(id: string, maxChats: number | null, sql: Sql = this.sql): Promise<void> {
    if ((await sql.run('UPDATE agents SET max_chats = ? WHERE id = ?', [checkMaxChats(maxChats), id])).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  async setName(id: string, name: string, sql: Sql = this.sql): Promise<void> {
    if (typeof name !== 'string' || !name.trim()) throw new StoreError('invalid_input', 'a name is needed');
    if ((await sql.run('UPDATE agents SET name = ? WHERE id = ?', [checkText('agent name', name.trim(), MAX_SHORT_BYTES), id])).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  /** Ends every session of the account; returns how many. */
  async revokeAllSessions(agentId: string, sql: Sql = this.sql): Promise<number> {
    return (await sql.run(REVOKE_ALL, [agentId])).changes;
  }

  async setSkills(id: string, skills: readonly string[], sql: Sql = this.sql): Promise<void> {
    const list = skills.map((s) => checkText('skill', s, MAX_ID_BYTES));
    if ((await sql.run('UPDATE agents SET skills = ? WHERE id = ?', [JSON.stringify(list), id])).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  async setRole(id: string, role: StaffRole, sql: Sql = this.sql): Promise<void> {
    if ((await sql.run('UPDATE agents SET role = ? WHERE id = ?', [checkRole(role), id])).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  /** A new random session token for the agent (only its hash is stored). */
  async createSession(agentId: string, ttlMs: number = DEFAULT_SESSION_TTL_MS, sql: Sql = this.sql): Promise<AgentSession> {
    if (!(ttlMs > 0)) throw new StoreError('invalid_input', 'session ttl must be positive');
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now + ttlMs).toISOString();
    try {
      await sql.run('INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [hashToken(token), agentId, new Date(now).toISOString(), expiresAt]);
    } catch (e) {
      if (isForeignKeyViolation(e)) throw new StoreError('not_found', `agent ${agentId} not found`);
      throw e;
    }
    return { token, agentId, expiresAt };
  }

  /**
   * The agent owning a live session token, or null (unknown, revoked or expired, a deactivated
   * account, or one that must change its password first: such a session may do nothing else).
   */
  async verifySession(token: string, sql: Sql = this.sql): Promise<StaffAccount | null> {
    const a = await this.sessionAccount(token, sql);
    return a && !a.mustChangePassword ? a : null;
  }

  /**
   * Like verifySession, but also returns an account that must change its password (for the
   * password-change and sign-out routes only).
   */
  async sessionAccount(token: string, sql: Sql = this.sql): Promise<StaffAccount | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return null;
    const r = await sql.get<AgentRow>(
      `SELECT a.id, a.name, a.email, a.password_hash, a.skills, a.role, a.created_at, a.must_change_password, a.active, a.max_chats
       FROM agent_sessions s JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = ? AND s.expires_at > ? AND a.active = 1`,
      [hashToken(token), new Date(this.now()).toISOString()],
    );
    return r ? toAgent(r) : null;
  }

  async revokeSession(token: string, sql: Sql = this.sql): Promise<boolean> {
    return (await sql.run('DELETE FROM agent_sessions WHERE token_hash = ?', [hashToken(token)])).changes === 1;
  }

  /**
   * Charges one login attempt to an e-mail, before the password is checked, so parallel guesses
   * cannot slip past the lock: refused while the e-mail is locked; otherwise counted as a failure
   * (and the lock set once the count reaches the threshold) until clearLoginFailures() records the
   * success. Works the same for e-mails that have no account, so the answer reveals nothing. The
   * count lives in the database: a restart does not lift a lock.
   */
  async chargeLoginAttempt(email: string, policy: LockoutPolicy = DEFAULT_LOCKOUT, sql: Sql = this.sql): Promise<LoginCharge> {
    const key = checkText('e-mail', email, MAX_SHORT_BYTES).trim();
    return sql.transaction(async (tx): Promise<LoginCharge> => {
      const now = this.now();
      const row = await tx.get<LoginFailureRow & { email: string }>(FAILURES, [key]);
      let failures = row?.failures ?? 0;
      if (row) {
        const lockedUntil = row.locked_until ? Date.parse(row.locked_until) : 0;
        if (lockedUntil > now) return { allowed: false, retryAfterMs: lockedUntil - now, failures };
        if (now - Date.parse(row.updated_at) >= policy.forgetMs) failures = 0;
      }
      failures++;
      const lockMs = failures >= policy.threshold ? Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, failures - policy.threshold)) : 0;
      const values = { email: row?.email ?? key, failures, lockedUntil: lockMs > 0 ? new Date(now + lockMs).toISOString() : null, at: new Date(now).toISOString() };
      // The row as stored, whatever the case the e-mail was typed in this time (one count per account).
      if (row) await tx.run('UPDATE login_failures SET failures = @failures, locked_until = @lockedUntil, updated_at = @at WHERE email = @email', values);
      else await tx.run('INSERT INTO login_failures (email, failures, locked_until, updated_at) VALUES (@email, @failures, @lockedUntil, @at)', values);
      return { allowed: true, failures };
    });
  }

  /** Milliseconds until the e-mail's lock lifts (0 when it is not locked). */
  async loginLockedFor(email: string, sql: Sql = this.sql): Promise<number> {
    const row = typeof email === 'string' ? await sql.get<LoginFailureRow>(FAILURES, [email.trim()]) : undefined;
    const until = row?.locked_until ? Date.parse(row.locked_until) : 0;
    return Math.max(0, until - this.now());
  }

  /** A successful login: the e-mail's failure count and lock are gone. */
  async clearLoginFailures(email: string, sql: Sql = this.sql): Promise<void> {
    await sql.run('DELETE FROM login_failures WHERE lower(email) = lower(?)', [email.trim()]);
  }

  /** Forgets failure counts older than the policy's forget window whose lock has lifted; returns how many. */
  async purgeLoginFailures(policy: LockoutPolicy = DEFAULT_LOCKOUT, sql: Sql = this.sql): Promise<number> {
    const now = this.now();
    return (await sql.run('DELETE FROM login_failures WHERE updated_at <= ? AND (locked_until IS NULL OR locked_until <= ?)', [new Date(now - policy.forgetMs).toISOString(), new Date(now).toISOString()])).changes;
  }

  /** Deletes expired sessions; returns how many. */
  async purgeExpiredSessions(sql: Sql = this.sql): Promise<number> {
    return (await sql.run('DELETE FROM agent_sessions WHERE expires_at <= ?', [new Date(this.now()).toISOString()])).changes;
  }
}
