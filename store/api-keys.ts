import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { StoreError } from './errors.js';
import type { Sql } from './sql/executor.js';

// Keys of the admin HTTP API. A key reads `sbk_<id>_<secret>`: the id names the row, the secret (256
// random bits, base64url) is shown once at creation and only its SHA-256 is stored, so a copy of the
// database gives nobody a working key. A secret this long needs no slow password hash; the lookup is
// by id and the hashes are compared in constant time.

export interface ApiKey {
  id: string;
  storeId: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface Row {
  id: string;
  store_id: string;
  name: string;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const toKey = (r: Row): ApiKey => ({ id: r.id, storeId: r.store_id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at });

const KEY = /^sbk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const STORE_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** last_used_at is written at most this often per key (no write per request). */
const TOUCH_MS = 60_000;

const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

function newKeyId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(12);
  return Array.from(bytes, (b) => alphabet[b % 36]).join('');
}

export class ApiKeyRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(opts: { name: string; storeId?: string }, sql: Sql = this.sql): Promise<{ key: string; apiKey: ApiKey }> {
    const name = typeof opts.name === 'string' ? opts.name.trim() : '';
    if (name.length < 1 || name.length > 120) throw new StoreError('invalid_input', 'a key needs a name of 1 to 120 characters');
    const storeId = opts.storeId ?? 'default';
    if (!STORE_ID.test(storeId)) throw new StoreError('invalid_input', 'store id: 1 to 64 letters, digits, ".", "_" or "-"');
    const id = newKeyId();
    const secret = randomBytes(32).toString('base64url');
    const createdAt = new Date(this.now()).toISOString();
    await sql.run('INSERT INTO api_keys (id, store_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)', [id, storeId, name, hashSecret(secret), createdAt]);
    return { key: `sbk_${id}_${secret}`, apiKey: { id, storeId, name, createdAt, lastUsedAt: null, revokedAt: null } };
  }

  async list(sql: Sql = this.sql): Promise<ApiKey[]> {
    return (await sql.all<Row>('SELECT * FROM api_keys ORDER BY created_at, id')).map(toKey);
  }

  /** Revokes a key at once; false when it does not exist or was already revoked. */
  async revoke(id: string, sql: Sql = this.sql): Promise<boolean> {
    return (await sql.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [new Date(this.now()).toISOString(), id])).changes === 1;
  }

  /** The live key a presented token belongs to, or null (malformed, unknown, wrong secret, revoked). */
  async verify(token: string, sql: Sql = this.sql): Promise<ApiKey | null> {
    if (typeof token !== 'string' || token.length > 100) return null;
    const m = KEY.exec(token);
    if (!m) return null;
    const row = await sql.get<Row>('SELECT * FROM api_keys WHERE id = ?', [m[1]!]);
    const presented = Buffer.from(hashSecret(m[2]!), 'hex');
    // compare against something of the same length even when the id is unknown
    const stored = Buffer.from(row?.secret_hash ?? '0'.repeat(64), 'hex');
    const ok = timingSafeEqual(presented, stored) && row !== undefined && row.revoked_at === null;
    if (!ok || !row) return null;
    const t = this.now();
    if (row.last_used_at === null || t - Date.parse(row.last_used_at) > TOUCH_MS) {
      row.last_used_at = new Date(t).toISOString();
      await sql.run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [row.last_used_at, row.id]);
    }
    return toKey(row);
  }
}
