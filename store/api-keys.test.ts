import { beforeEach, expect, it } from 'vitest';
import { ApiKeyRepo } from './api-keys.js';
import type { Sql } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { clock } from '../testing/store-helpers.js';

// The admin API's keys on both engines: only the SHA-256 of the secret is stored.

describeEngines('ApiKeyRepo', (engine) => {
  let sql: Sql;
  let c: ReturnType<typeof clock>;
  let keys: ApiKeyRepo;
  beforeEach(async () => {
    c = clock();
    sql = await engine.fresh();
    keys = new ApiKeyRepo(sql, c.now);
  });

  it('stores only the hash, verifies the secret, and refuses revoked, unknown and malformed keys', async () => {
    const { key, apiKey } = await keys.create({ name: 'import job', storeId: 'demo' });
    expect(key).toMatch(/^sbk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const stored = (await sql.get<{ secret_hash: string }>('SELECT secret_hash FROM api_keys WHERE id = ?', [apiKey.id]))!;
    expect(stored.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    // The secret is everything after 'sbk_<id>_' (base64url, so it may hold '_' itself).
    expect(JSON.stringify(await sql.all('SELECT * FROM api_keys'))).not.toContain(key.slice('sbk_'.length + 12 + 1));
    expect(await keys.verify(key)).toMatchObject({ id: apiKey.id, storeId: 'demo' });
    expect(await keys.verify(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await keys.verify('sbk_aaaaaaaaaaaa_' + 'x'.repeat(43))).toBeNull();
    expect(await keys.verify('Bearer nonsense')).toBeNull();
    expect((await keys.list()).map((k) => k.id)).toContain(apiKey.id);
    expect(await keys.revoke(apiKey.id)).toBe(true);
    expect(await keys.revoke(apiKey.id)).toBe(false);
    expect(await keys.verify(key)).toBeNull();
    await expect(keys.create({ name: '' })).rejects.toThrow(/name/);
    await expect(keys.create({ name: 'x', storeId: 'bad store' })).rejects.toThrow(/store id/);
  });

  it('writes when a key was last used at most once a minute', async () => {
    const { key, apiKey } = await keys.create({ name: 'job' });
    expect((await keys.list())[0]!.lastUsedAt).toBeNull();
    await keys.verify(key);
    const first = (await keys.list())[0]!.lastUsedAt;
    expect(first).toBe('2026-01-01T10:00:00.000Z');
    c.advance(30_000);
    expect(await keys.verify(key)).toMatchObject({ id: apiKey.id, lastUsedAt: first });
    c.advance(31_000);
    await keys.verify(key);
    expect((await keys.list())[0]!.lastUsedAt).toBe('2026-01-01T10:01:01.000Z');
  });
});
