import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { DB } from './db.js';
import { StoreError } from './errors.js';
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

export class AgentRepo {
  private readonly byId;
  private readonly byEmail;
  private readonly insertStmt;
  private readonly setHash;
  private readonly setSkillsStmt;
  private readonly setRoleStmt;
  private readonly setMustChange;
  private readonly setActiveStmt;
  private readonly setMaxChatsStmt;
  private readonly setNameStmt;
  private readonly revokeAllStmt;
  private readonly revokeOthersStmt;
  private readonly insertSession;
  private readonly sessionAgent;
  private readonly deleteSession;
  private readonly deleteExpired;
  private readonly listStmt;
  private readonly failureGet;
  private readonly failureUpsert;
  private readonly failureDelete;
  private readonly failurePurge;
  /** Hash used for unknown e-mails so a miss costs as much time as a wrong password. */
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    const cols = 'id, name, email, password_hash, skills, role, created_at, must_change_password, active, max_chats';
    this.byId = db.prepare<[string], AgentRow>(`SELECT ${cols} FROM agents WHERE id = ?`);
    this.byEmail = db.prepare<[string], AgentRow>(`SELECT ${cols} FROM agents WHERE email = ?`);
    this.listStmt = db.prepare<[], AgentRow>(`SELECT ${cols} FROM agents ORDER BY name, id`);
    this.insertStmt = db.prepare<[AgentRow]>(`INSERT INTO agents (${cols}) VALUES (@id, @name, @email, @password_hash, @skills, @role, @created_at, @must_change_password, @active, @max_chats)`);
    this.setRoleStmt = db.prepare<[string, string]>('UPDATE agents SET role = ? WHERE id = ?');
    this.setMustChange = db.prepare<[number, string]>('UPDATE agents SET must_change_password = ? WHERE id = ?');
    this.setActiveStmt = db.prepare<[number, string]>('UPDATE agents SET active = ? WHERE id = ?');
    this.setMaxChatsStmt = db.prepare<[number | null, string]>('UPDATE agents SET max_chats = ? WHERE id = ?');
    this.setNameStmt = db.prepare<[string, string]>('UPDATE agents SET name = ? WHERE id = ?');
    this.revokeAllStmt = db.prepare<[string]>('DELETE FROM agent_sessions WHERE agent_id = ?');
    this.revokeOthersStmt = db.prepare<[string, string]>('DELETE FROM agent_sessions WHERE agent_id = ? AND token_hash <> ?');
    this.setHash = db.prepare<[string, string]>('UPDATE agents SET password_hash = ? WHERE id = ?');
    this.setSkillsStmt = db.prepare<[string, string]>('UPDATE agents SET skills = ? WHERE id = ?');
    this.insertSession = db.prepare<[string, string, string, string]>(
      'INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
    );
    this.sessionAgent = db.prepare<[string, string], AgentRow>(
      `SELECT a.id, a.name, a.email, a.password_hash, a.skills, a.role, a.created_at, a.must_change_password, a.active, a.max_chats
       FROM agent_sessions s JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = ? AND s.expires_at > ? AND a.active = 1`,
    );
    this.deleteSession = db.prepare<[string]>('DELETE FROM agent_sessions WHERE token_hash = ?');
    this.deleteExpired = db.prepare<[string]>('DELETE FROM agent_sessions WHERE expires_at <= ?');
    this.failureGet = db.prepare<[string], LoginFailureRow>('SELECT failures, locked_until, updated_at FROM login_failures WHERE email = ?');
    this.failureUpsert = db.prepare<[string, number, string | null, string]>(
      `INSERT INTO login_failures (email, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (email) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, updated_at = excluded.updated_at`,
    );
    this.failureDelete = db.prepare<[string]>('DELETE FROM login_failures WHERE email = ?');
    this.failurePurge = db.prepare<[string, string]>('DELETE FROM login_failures WHERE updated_at <= ? AND (locked_until IS NULL OR locked_until <= ?)');
  }

  async create(a: NewAgent): Promise<StaffAccount> {
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
      this.insertStmt.run(row);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StoreError('conflict', `an agent with id ${row.id} or e-mail ${email} already exists`);
      }
      throw e;
    }
    return toAgent(row);
  }

  get(id: string): StaffAccount | undefined {
    const r = this.byId.get(id);
    return r ? toAgent(r) : undefined;
  }

  getByEmail(email: string): StaffAccount | undefined {
    const r = this.byEmail.get(email.trim());
    return r ? toAgent(r) : undefined;
  }

  list(): StaffAccount[] {
    return this.listStmt.all().map(toAgent);
  }

  /**
   * The agent if the e-mail/password pair is right, else null. Unknown e-mails still pay for one
   * scrypt run, so response time does not reveal which e-mails exist. A deactivated account is
   * refused like a wrong password.
   */
  async verifyPassword(email: string, password: string): Promise<StaffAccount | null> {
    const r = typeof email === 'string' ? this.byEmail.get(email.trim()) : undefined;
    if (!r) {
      this.dummyHash ??= hashPassword('not-a-real-password');
      await verifyPasswordHash(String(password), await this.dummyHash);
      return null;
    }
    return (await verifyPasswordHash(String(password), r.password_hash)) && r.active === 1 ? toAgent(r) : null;
  }

  async setPassword(id: string, password: string): Promise<void> {
    const hash = await hashPassword(password);
    if (this.setHash.run(hash, id).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  /**
   * An administrator's reset: a new generated password (returned, shown once) that must be changed
   * at the next sign-in, and every session of the account ends.
   */
  async resetPassword(id: string): Promise<string> {
    if (!this.byId.get(id)) throw new StoreError('not_found', `agent ${id} not found`);
    const password = generatePassword();
    const hash = await hashPassword(password);
    this.db.transaction(() => {
      this.setHash.run(hash, id);
      this.setMustChange.run(1, id);
      this.revokeAllStmt.run(id);
    })();
    return password;
  }

  /**
   * The person changes their own password: the current one must be right and the new one at least
   * MIN_PASSWORD_LENGTH characters and different. Clears must-change; the account's other sessions
   * end (`keepToken`'s stays). 'invalid_input' with a message for the person when refused.
   */
  async changePassword(id: string, current: string, next: string, keepToken?: string): Promise<StaffAccount> {
    const r = this.byId.get(id);
    if (!r) throw new StoreError('not_found', `agent ${id} not found`);
    if (!(await verifyPasswordHash(String(current), r.password_hash))) throw new StoreError('invalid_input', 'the current password is wrong');
    if (typeof next !== 'string' || Array.from(next).length < MIN_PASSWORD_LENGTH) throw new StoreError('invalid_input', `the new password needs at least ${MIN_PASSWORD_LENGTH} characters`);
    if (next === current) throw new StoreError('invalid_input', 'the new password must differ from the current one');
    const hash = await hashPassword(next);
    this.db.transaction(() => {
      this.setHash.run(hash, id);
      this.setMustChange.run(0, id);
      if (keepToken) this.revokeOthersStmt.run(id, hashToken(keepToken));
      else this.revokeAllStmt.run(id);
    })();
    return this.get(id)!;
  }

  /** A deactivated account cannot sign in and its sessions end; reactivating lets it sign in again. */
  setActive(id: string, active: boolean): void {
    this.db.transaction(() => {
      if (this.setActiveStmt.run(active ? 1 : 0, id).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
      if (!active) this.revokeAllStmt.run(id);
    })();
  }

  /** The account's own cap of open chats; null: the configured default. */
  setMaxChats(id: string, maxChats: number | null): void {
    if (this.setMaxChatsStmt.run(checkMaxChats(maxChats), id).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  setName(id: string, name: string): void {
    if (typeof name !== 'string' || !name.trim()) throw new StoreError('invalid_input', 'a name is needed');
    if (this.setNameStmt.run(checkText('agent name', name.trim(), MAX_SHORT_BYTES), id).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  /** Ends every session of the account; returns how many. */
  revokeAllSessions(agentId: string): number {
    return this.revokeAllStmt.run(agentId).changes;
  }

  setSkills(id: string, skills: readonly string[]): void {
    const list = skills.map((s) => checkText('skill', s, MAX_ID_BYTES));
    if (this.setSkillsStmt.run(JSON.stringify(list), id).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  setRole(id: string, role: StaffRole): void {
    if (this.setRoleStmt.run(checkRole(role), id).changes === 0) throw new StoreError('not_found', `agent ${id} not found`);
  }

  /** A new random session token for the agent (only its hash is stored). */
  createSession(agentId: string, ttlMs: number = DEFAULT_SESSION_TTL_MS): AgentSession {
    if (!(ttlMs > 0)) throw new StoreError('invalid_input', 'session ttl must be positive');
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now + ttlMs).toISOString();
    try {
      this.insertSession.run(hashToken(token), agentId, new Date(now).toISOString(), expiresAt);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreError('not_found', `agent ${agentId} not found`);
      throw e;
    }
    return { token, agentId, expiresAt };
  }

  /**
   * The agent owning a live session token, or null (unknown, revoked or expired, a deactivated
   * account, or one that must change its password first: such a session may do nothing else).
   */
  verifySession(token: string): StaffAccount | null {
    const a = this.sessionAccount(token);
    return a && !a.mustChangePassword ? a : null;
  }

  /**
   * Like verifySession, but also returns an account that must change its password (for the
   * password-change and sign-out routes only).
   */
  sessionAccount(token: string): StaffAccount | null {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return null;
    const r = this.sessionAgent.get(hashToken(token), new Date(this.now()).toISOString());
    return r ? toAgent(r) : null;
  }

  revokeSession(token: string): boolean {
    return this.deleteSession.run(hashToken(token)).changes === 1;
  }

  /**
   * Charges one login attempt to an e-mail, before the password is checked, so parallel guesses
   * cannot slip past the lock: refused while the e-mail is locked; otherwise counted as a failure
   * (and the lock set once the count reaches the threshold) until clearLoginFailures() records the
   * success. Works the same for e-mails that have no account, so the answer reveals nothing. The
   * count lives in the database: a restart does not lift a lock.
   */
  chargeLoginAttempt(email: string, policy: LockoutPolicy = DEFAULT_LOCKOUT): LoginCharge {
    const key = checkText('e-mail', email, MAX_SHORT_BYTES).trim();
    return this.db.transaction((): LoginCharge => {
      const now = this.now();
      const row = this.failureGet.get(key);
      let failures = row?.failures ?? 0;
      if (row) {
        const lockedUntil = row.locked_until ? Date.parse(row.locked_until) : 0;
        if (lockedUntil > now) return { allowed: false, retryAfterMs: lockedUntil - now, failures };
        if (now - Date.parse(row.updated_at) >= policy.forgetMs) failures = 0;
      }
      failures++;
      const lockMs = failures >= policy.threshold ? Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, failures - policy.threshold)) : 0;
      this.failureUpsert.run(key, failures, lockMs > 0 ? new Date(now + lockMs).toISOString() : null, new Date(now).toISOString());
      return { allowed: true, failures };
    }).immediate();
  }

  /** Milliseconds until the e-mail's lock lifts (0 when it is not locked). */
  loginLockedFor(email: string): number {
    const row = typeof email === 'string' ? this.failureGet.get(email.trim()) : undefined;
    const until = row?.locked_until ? Date.parse(row.locked_until) : 0;
    return Math.max(0, until - this.now());
  }

  /** A successful login: the e-mail's failure count and lock are gone. */
  clearLoginFailures(email: string): void {
    this.failureDelete.run(email.trim());
  }

  /** Forgets failure counts older than the policy's forget window whose lock has lifted; returns how many. */
  purgeLoginFailures(policy: LockoutPolicy = DEFAULT_LOCKOUT): number {
    const now = this.now();
    return this.failurePurge.run(new Date(now - policy.forgetMs).toISOString(), new Date(now).toISOString()).changes;
  }

  /** Deletes expired sessions; returns how many. */
  purgeExpiredSessions(): number {
    return this.deleteExpired.run(new Date(this.now()).toISOString()).changes;
  }
}
