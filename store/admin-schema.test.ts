import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { tempStore } from '../testing/store-helpers.js';

// Migration 15 (admin_api) on a real SQLite file: the API key table and the products' soft delete
// and change sequence.

let ctx: ReturnType<typeof tempStore>;
beforeAll(() => {
  ctx = tempStore();
});
afterAll(() => ctx.cleanup());

describe('migration 15 admin_api', () => {
  it('is applied with its name', () => {
    const m = MIGRATIONS.find((x) => x.version === 15);
    expect(m?.name).toBe('admin_api');
    const row = ctx.db.prepare<[number], { name: string }>('SELECT name FROM schema_migrations WHERE version = ?').get(15);
    expect(row?.name).toBe('admin_api');
  });

  it('adds api_keys that keep only a 64-hex hash of the secret', () => {
    const cols = ctx.db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('api_keys')").pluck().all();
    expect(cols).toEqual(['id', 'store_id', 'name', 'secret_hash', 'created_at', 'last_used_at', 'revoked_at']);
    const insert = ctx.db.prepare('INSERT INTO api_keys (id, store_id, name, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)');
    expect(() => insert.run('k1', 'default', 'x', 'short', 'now')).toThrow(/CHECK/);
    insert.run('k1', 'default', 'x', 'a'.repeat(64), 'now');
  });

  it('adds deleted_at and catalog_seq to products', () => {
    const cols = ctx.db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('products')").pluck().all();
    expect(cols).toEqual(expect.arrayContaining(['deleted_at', 'catalog_seq']));
  });
});
