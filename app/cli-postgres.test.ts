import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as importMain } from '../api/import-cli.js';
import { run as apikeys } from '../api/apikeys-cli.js';
import { ApiKeyRepo } from '../store/api-keys.js';
import { createSqlStore } from '../store/index.js';
import { postgresEnabled } from '../testing/engines.js';
import { freshPostgres, type FreshPostgres } from '../testing/postgres.js';
import { tempDir } from '../testing/store-helpers.js';
import { main as agents } from './agents-cli.js';

// The command-line tools work on the server's store: with DATABASE_URL (and no --db) that is the
// PostgreSQL database every node shares, not a SQLite file in the data folder. Seed, import, agents
// and API keys on a fresh database; nothing is written to the data folder's SQLite file.

const ROOT = resolve(import.meta.dirname, '..');

describe.skipIf(!postgresEnabled())('the CLIs on PostgreSQL (DATABASE_URL; needs SHOPBOT_TEST_POSTGRES: skipped without it)', () => {
  let pg: FreshPostgres;
  let dir: ReturnType<typeof tempDir>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    pg = await freshPostgres();
    dir = tempDir('shopbot-cli-pg-');
    // SHOPBOT_DATA_DIR points at an empty folder: a tool that quietly opened SQLite would create shop.db there.
    env = { ...process.env, DATABASE_URL: pg.url, SHOPBOT_DATA_DIR: dir.dir, SHOPBOT_QUIET: '1', SHOPBOT_AGENT_PASSWORD: 'cli-pg-password' };
  });

  afterAll(async () => {
    await pg?.drop();
    dir?.cleanup();
  });

  const sqliteFileCreated = () => spawnSync('ls', [dir.dir], { encoding: 'utf8' }).stdout.includes('shop.db');

  it('npm run seed seeds the empty database once; a second run leaves it alone', () => {
    const seed = () => spawnSync(process.execPath, ['--import', 'tsx', 'store/seed-cli.ts'], { cwd: ROOT, encoding: 'utf8', env, timeout: 300_000 });
    const first = seed();
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(summary).toMatchObject({ ok: true, skipped: false });
    expect(String(summary.db)).toMatch(/^postgres:\/\/shopbot:\*\*\*@|^postgres:\/\/[^:@]+@/);
    expect(Number(summary.inserted)).toBeGreaterThan(1000);
    const again = seed();
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!)).toMatchObject({ ok: true, skipped: true });
    expect(sqliteFileCreated()).toBe(false);
  }, 300_000);

  it('npm run import writes products into PostgreSQL (refused rows listed, good rows land)', async () => {
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await importMain([resolve(ROOT, 'fixtures/import/products.jsonl'), '--no-embed', '--quiet'], env);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    expect(JSON.parse(out.join('').trim())).toMatchObject({ ok: true, counts: { products: { inserted: 2 } } });
    const store = createSqlStore(pg.sql);
    expect((await store.products.get('P-IMP-KETTLE'))?.price).toBe(1899);
    expect(sqliteFileCreated()).toBe(false);
  }, 120_000);

  it('npm run agents and npm run apikeys manage staff and keys in PostgreSQL', async () => {
    const added = await agents(['add', 'priya@example.com', '--name', 'Priya', '--skills', 'orders'], env);
    expect(added).toMatchObject({ ok: true, agent: { email: 'priya@example.com', mustChangePassword: true } });
    const row = await pg.sql.get<{ name: string }>('SELECT name FROM agents WHERE lower(email) = lower(?)', ['priya@example.com']);
    expect(row?.name).toBe('Priya');
    const listed = await agents(['list'], env);
    expect((listed.agents as { email: string }[]).map((a) => a.email)).toContain('priya@example.com');

    const lines: string[] = [];
    expect(await apikeys(['create', '--name', 'shop sync'], env, (l) => lines.push(l), () => {})).toBe(0);
    const created = JSON.parse(lines.pop()!) as { id: string; key: string };
    expect(await new ApiKeyRepo(pg.sql).verify(created.key)).toMatchObject({ id: created.id });
    expect(await apikeys(['revoke', created.id], env, (l) => lines.push(l), () => {})).toBe(0);
    expect(await new ApiKeyRepo(pg.sql).verify(created.key)).toBeNull();
    expect(sqliteFileCreated()).toBe(false);
  });
});
