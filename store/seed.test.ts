import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { createStore } from './index.js';
import {
  DEMO_AGENT,
  DEMO_PRODUCT,
  fixturesFingerprint,
  formatSeedReport,
  seed,
  seededFingerprint,
  SeedError,
  seedIfEmpty,
  seedIfNeeded,
  SEED_TABLES,
  type SeedReport,
} from './seed.js';
import { baseFixtures, customer, event, order, product, review, snapshotCounts, tempStore, transcript, writeFixtures, type FixtureSet } from '../testing/store-helpers.js';

const STORE_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(STORE_DIR, '..');
const REAL_FIXTURES = join(ROOT, 'fixtures', 'store');
const hasRealFixtures = existsSync(join(REAL_FIXTURES, 'products.jsonl'));

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup(set: FixtureSet = baseFixtures()) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const fixturesDir = join(t.dir, 'fixtures');
  mkdirSync(fixturesDir);
  writeFixtures(fixturesDir, set);
  return { ...t, fixturesDir };
}

const quiet = { silent: true, agentPassword: 'test-password' };

function totals(r: SeedReport) {
  const sum = (k: 'inserted' | 'updated' | 'unchanged' | 'rejected') => SEED_TABLES.reduce((n, t) => n + r.tables[t][k], 0);
  return { inserted: sum('inserted'), updated: sum('updated'), unchanged: sum('unchanged'), rejected: sum('rejected') };
}

describe('seed', () => {
  it('loads every fixture file into its tables and creates the demo agent', async () => {
    const t = setup();
    const r = await seed(t.db, t.fixturesDir, quiet);
    expect(r.skipped).toBe(false);
    expect(r.rejected).toEqual([]);
    expect(r.tables.products).toEqual({ inserted: 3, updated: 0, unchanged: 0, rejected: 0 });
    expect(r.tables.customers.inserted).toBe(2);
    expect(r.tables.identities.inserted).toBe(3);
    expect(r.tables.orders.inserted).toBe(2);
    expect(r.tables.reviews.inserted).toBe(3);
    expect(r.tables.transcripts.inserted).toBe(2);
    expect(r.tables.messages.inserted).toBe(4);
    expect(r.tables.events.inserted).toBe(3);
    expect(r.tables.agents.inserted).toBe(2); // the demo agent (admin) and the demo product-team account
    expect(snapshotCounts(t.db)).toMatchObject({ products: 3, customers: 2, channel_identities: 3, orders: 2, order_lines: 3, reviews: 3, conversations: 2, messages: 4, events: 3, agents: 2 });
    const anna = await t.store.agents.verifyPassword(DEMO_AGENT.email, 'test-password');
    expect(anna).toMatchObject({ name: 'Anna', skills: ['orders', 'payments', 'product'], role: 'admin' });
    expect(await t.store.agents.getByEmail(DEMO_PRODUCT.email)).toMatchObject({ role: 'product', skills: [] });
    expect(seededFingerprint(t.db)).toBe(await fixturesFingerprint(t.fixturesDir));
    expect(await t.store.conversations.get('T1')).toMatchObject({ source: 'historical', status: 'closed', origin: 'test' });
  });

  it('accepts the fixtures root and uses its store/ folder', async () => {
    const t = setup({});
    const nested = join(t.fixturesDir, 'store');
    mkdirSync(nested);
    writeFixtures(nested, baseFixtures());
    const r = await seed(t.db, t.fixturesDir, quiet);
    expect(r.dir).toBe(nested);
    expect(r.tables.products.inserted).toBe(3);
  });

  it('is idempotent: a second run inserts and updates nothing, independent of file mtimes', async () => {
    const t = setup();
    await seed(t.db, t.fixturesDir, quiet);
    const before = snapshotCounts(t.db);
    const fp = await fixturesFingerprint(t.fixturesDir);
    const future = new Date(Date.now() + 3600_000);
    for (const f of ['products.jsonl', 'orders.jsonl', 'transcripts.jsonl']) utimesSync(join(t.fixturesDir, f), future, future);
    expect(await fixturesFingerprint(t.fixturesDir)).toBe(fp);
    const again = await seed(t.db, t.fixturesDir, quiet);
    expect(totals(again)).toMatchObject({ inserted: 0, updated: 0, rejected: 0 });
    expect(again.tables.products.unchanged).toBe(3);
    expect(again.tables.messages.unchanged).toBe(4);
    expect(again.tables.agents.unchanged).toBe(2);
    expect(snapshotCounts(t.db)).toEqual(before);
    // the fast path skips the work entirely
    const skipped = await seedIfNeeded(t.db, t.fixturesDir, quiet);
    expect(skipped.skipped).toBe(true);
    expect(formatSeedReport(skipped)).toMatch(/already seeded/);
    expect(await seedIfEmpty(t.db, t.fixturesDir, quiet)).toBeNull();
  });

  it('updates only what changed in the fixtures', async () => {
    const set = baseFixtures();
    const t = setup(set);
    await seed(t.db, t.fixturesDir, quiet);
    set.products[0] = product('P1', { ...(set.products[0] as object), price: 2499 });
    set.orders[0] = order('O1', 'C1', ['P1']); // one line fewer
    set.transcripts[0] = transcript('T1', { customer_id: 'C1', turns: [{ role: 'customer', text: 'Where is my order?', ts: '2024-04-01T09:00:00Z' }] });
    set.reviews.push(review('R4', 'P2', { rating: 1 }));
    writeFixtures(t.fixturesDir, set);
    const needed = await seedIfNeeded(t.db, t.fixturesDir, quiet);
    expect(needed.skipped).toBe(false);
    expect(needed.tables.products).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 });
    expect(needed.tables.orders).toMatchObject({ updated: 1, unchanged: 1 });
    expect(needed.tables.transcripts).toMatchObject({ updated: 1, unchanged: 1 });
    expect(needed.tables.reviews).toMatchObject({ inserted: 1, unchanged: 3 });
    expect((await t.store.products.get('P1'))!.price).toBe(2499);
    expect((await t.store.orders.get('O1'))!.lines).toHaveLength(1);
    expect(await t.store.conversations.transcript('T1')).toHaveLength(1);
    expect(totals(await seed(t.db, t.fixturesDir, quiet))).toMatchObject({ inserted: 0, updated: 0 });
  });

  it('re-hashes the demo agent password when SHOPBOT_AGENT_PASSWORD changes', async () => {
    const t = setup();
    await seed(t.db, t.fixturesDir, quiet);
    const r = await seed(t.db, t.fixturesDir, { silent: true, agentPassword: 'rotated' });
    expect(r.tables.agents.updated).toBe(1);
    expect(await t.store.agents.verifyPassword(DEMO_AGENT.email, 'test-password')).toBeNull();
    expect(await t.store.agents.verifyPassword(DEMO_AGENT.email, 'rotated')).not.toBeNull();
  });

  it('rejects malformed rows with file:line and a reason, and loads the good ones', async () => {
    const set = baseFixtures();
    set.products.push(
      '{"id": "P9", "title": "broken json"', // line 4: bad JSON
      product('P10', { title: undefined }), // line 5: missing field
      product('P11', { price: 'cheap' }), // line 6: wrong type
      product('P1'), // line 7: duplicate id
      '', // blank lines are ignored
      product('P12', { currency: 'rupees' }), // line 9
      '[1, 2, 3]', // line 10
      product('P13', { stock: 1.5 }), // line 11
    );
    set.customers.push(
      customer('C3', { identities: [{ channel: 'telegram', external_id: 'x' }] }), // line 3: bad enum
      customer('C4', { identities: [{ channel: 'web', external_id: 'web-c1' }] }), // line 4: identity owned by C1
      customer('C5', { created_at: 'yesterday' }), // line 5: bad date
      customer('C6', { email: 'not-an-email' }), // line 6
    );
    set.orders.push(
      order('O3', 'C1', ['P1'], { status: 'lost' }), // line 3: bad enum
      order('O4', 'C999', ['P1']), // line 4: dangling customer
      order('O5', 'C1', ['P9']), // line 5: dangling product (P9 was rejected)
      order('O6', 'C1', []), // line 6: no lines
      order('O7', 'C1', ['P1'], { shipping_address: { line1: 'x', city: 'y', country: 'IN' } }), // line 7: missing postcode
    );
    set.reviews.push(
      review('R4', 'P404'), // line 4: dangling product
      review('R5', 'P1', { rating: 6 }), // line 5
      review('R6', 'P1', { customer_id: 'C404' }), // line 6: dangling customer
      review('R7', 'P3', { rating: 2 }), // line 7: good
    );
    set.transcripts.push(
      transcript('T3', { turns: [{ role: 'robot', text: 'hi', ts: '2024-01-01T00:00:00Z' }] }), // line 3
      transcript('T4', { turns: [] }), // line 4
      transcript('T5', { customer_id: 'C404' }), // line 5
    );
    set.events!.push(event('C1', 'P1', 'like'), event('C404', 'P1'), event('C1', 'P2', 'click')); // lines 4, 5 bad, 6 good
    const t = setup(set);
    const r = await seed(t.db, t.fixturesDir, quiet);
    const errs = r.rejected.map((e) => `${e.file}:${e.line}: ${e.error}`);
    const expectErr = (file: string, line: number, re: RegExp) => {
      const hit = r.rejected.find((e) => e.file === file && e.line === line);
      expect(hit, `${file}:${line} in\n${errs.join('\n')}`).toBeDefined();
      expect(hit!.error).toMatch(re);
    };
    expectErr('products.jsonl', 4, /invalid JSON/);
    expectErr('products.jsonl', 5, /missing field "title"/);
    expectErr('products.jsonl', 6, /"price" must be a number, got string/);
    expectErr('products.jsonl', 7, /duplicate product id "P1"/);
    expectErr('products.jsonl', 9, /"currency"/);
    expectErr('products.jsonl', 10, /expected a JSON object, got an array/);
    expectErr('products.jsonl', 11, /"stock" must be an integer/);
    expectErr('customers.jsonl', 3, /"identities\[0\]\.channel" must be one of web, messenger, emulator, got "telegram"/);
    expectErr('customers.jsonl', 4, /already belongs to customer "C1"/);
    expectErr('customers.jsonl', 5, /"created_at" is not an ISO-8601 date/);
    expectErr('customers.jsonl', 6, /not an e-mail address/);
    expectErr('orders.jsonl', 3, /"status" must be one of .* got "lost"/);
    expectErr('orders.jsonl', 4, /"customer_id" refers to unknown customer "C999"/);
    expectErr('orders.jsonl', 5, /"lines\[0\]\.product_id" refers to unknown product "P9"/);
    expectErr('orders.jsonl', 6, /"lines" must not be empty/);
    expectErr('orders.jsonl', 7, /missing field "shipping_address\.postcode"/);
    expectErr('reviews.jsonl', 4, /unknown product "P404"/);
    expectErr('reviews.jsonl', 5, /"rating" must be <= 5/);
    expectErr('reviews.jsonl', 6, /unknown customer "C404"/);
    expectErr('transcripts.jsonl', 3, /"turns\[0\]\.role" must be one of customer, bot, agent/);
    expectErr('transcripts.jsonl', 4, /"turns" must not be empty/);
    expectErr('transcripts.jsonl', 5, /unknown customer "C404"/);
    expectErr('events.jsonl', 4, /"type" must be one of/);
    expectErr('events.jsonl', 5, /unknown customer "C404"/);
    expect(r.rejected).toHaveLength(24);
    expect(r.tables.products.rejected).toBe(7);
    // the good rows landed
    expect(snapshotCounts(t.db)).toMatchObject({ products: 3, customers: 2, orders: 2, reviews: 4, conversations: 2, events: 4 });
    expect((await t.store.reviews.get('R7'))?.rating).toBe(2);
    // the printed report names file:line
    const text = formatSeedReport(r);
    expect(text).toContain('products.jsonl:4: invalid JSON');
    expect(text).toContain('orders.jsonl:4: "customer_id" refers to unknown customer "C999"');
    // and a second run is still a no-op with the same rejections
    const again = await seed(t.db, t.fixturesDir, quiet);
    expect(totals(again)).toMatchObject({ inserted: 0, updated: 0, rejected: 24 });
  });

  it('references may point at rows already in the database', async () => {
    const t = setup();
    await seed(t.db, t.fixturesDir, quiet);
    writeFixtures(t.fixturesDir, { products: [], customers: [], orders: [order('O9', 'C2', ['P3'])], reviews: [], transcripts: [], events: [] });
    const r = await seed(t.db, t.fixturesDir, quiet);
    expect(r.rejected).toEqual([]);
    expect(r.tables.orders.inserted).toBe(1);
  });

  it('fails on a missing file without writing anything', async () => {
    const set = baseFixtures();
    const t = setup(set);
    rmSync(join(t.fixturesDir, 'reviews.jsonl'));
    let err: unknown;
    try {
      await seed(t.db, t.fixturesDir, quiet);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SeedError);
    expect((err as SeedError).missing).toEqual(['reviews.jsonl']);
    expect(snapshotCounts(t.db).products).toBe(0);
    // events.jsonl is optional
    rmSync(join(t.fixturesDir, 'events.jsonl'));
    writeFixtures(t.fixturesDir, { reviews: set.reviews });
    const r = await seed(t.db, t.fixturesDir, quiet);
    expect(r.tables.events).toEqual({ inserted: 0, updated: 0, unchanged: 0, rejected: 0 });
  });

  it('an error mid-seed rolls everything back: the previous data stays intact', async () => {
    const set = baseFixtures();
    const t = setup(set);
    await seed(t.db, t.fixturesDir, quiet);
    const before = snapshotCounts(t.db);
    const fp = seededFingerprint(t.db);
    set.products[0] = product('P1', { price: 1 });
    set.products.push(product('P7'));
    set.reviews.push(review('R8', 'P7'));
    writeFixtures(t.fixturesDir, set);
    await expect(
      seed(t.db, t.fixturesDir, {
        ...quiet,
        onRow: (table, i) => {
          if (table === 'reviews' && i === 2) throw new Error('disk on fire');
        },
      }),
    ).rejects.toThrow('disk on fire');
    expect(snapshotCounts(t.db)).toEqual(before);
    expect((await t.store.products.get('P1'))!.price).toBe(2999);
    expect(await t.store.products.get('P7')).toBeUndefined();
    expect(await t.store.products.search('P7')).toEqual([]); // FTS rolled back too
    expect(seededFingerprint(t.db)).toBe(fp);
    expect(t.db.inTransaction).toBe(false);
    // and the next run applies the change
    const r = await seed(t.db, t.fixturesDir, quiet);
    expect(r.tables.products).toMatchObject({ inserted: 1, updated: 1 });
  });

  it('a process killed mid-seed leaves the previous database usable', async () => {
    const set = baseFixtures();
    const t = setup(set);
    await seed(t.db, t.fixturesDir, quiet);
    const before = snapshotCounts(t.db);
    t.db.close();
    set.products[0] = product('P1', { price: 1 });
    set.products.push(product('P7'));
    writeFixtures(t.fixturesDir, set);
    const script = join(t.dir, 'crash.mts');
    writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(pathToFileURL(join(STORE_DIR, 'db.ts')).href)};
import { seed } from ${JSON.stringify(pathToFileURL(join(STORE_DIR, 'seed.ts')).href)};
const db = openDatabase(process.argv[2]);
await seed(db, process.argv[3], { silent: true, agentPassword: 'test-password', onRow: (table, i) => {
  if (table === 'reviews' && i === 1) { process.stdout.write('dying\\n'); process.kill(process.pid, 'SIGKILL'); }
} });
process.stdout.write('survived\\n');
`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, t.path, t.fixturesDir], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(child.stdout).toContain('dying');
    expect(child.stdout).not.toContain('survived');
    expect(child.signal).toBe('SIGKILL');
    const db = openDatabase(t.path);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(snapshotCounts(db)).toEqual(before);
      const store = createStore(db);
      expect((await store.products.get('P1'))!.price).toBe(2999);
      expect(await store.products.get('P7')).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('npm run seed: prints the report to stderr and one JSON line to stdout; exit 0 with rejects, 2 for a missing file', () => {
    const set = baseFixtures();
    set.products.push('not json');
    const t = setup(set);
    t.db.close();
    const cli = join(STORE_DIR, 'seed-cli.ts');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, SHOPBOT_QUIET: '', SHOPBOT_AGENT_PASSWORD: 'cli-password' },
      });
    const dbPath = join(t.dir, 'cli', 'shop.db');
    const ok = run('--db', dbPath, '--fixtures', t.fixturesDir);
    expect(ok.status, ok.stderr).toBe(0);
    const lines = ok.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!);
    expect(summary).toMatchObject({ ok: true, db: dbPath, rejected: 1, updated: 0, skipped: false });
    expect(summary.tables.products.inserted).toBe(3);
    expect(ok.stderr).toContain('products.jsonl:4: invalid JSON');
    expect(ok.stderr).toMatch(/products\s+3\s+0\s+0\s+1/);
    const again = run('--db', dbPath, '--fixtures', t.fixturesDir, '--quiet');
    expect(JSON.parse(again.stdout)).toMatchObject({ inserted: 0, updated: 0, rejected: 1 });
    const skipped = run('--db', dbPath, '--fixtures', t.fixturesDir, '--if-needed');
    expect(JSON.parse(skipped.stdout)).toMatchObject({ skipped: true });
    rmSync(join(t.fixturesDir, 'orders.jsonl'));
    const missing = run('--db', dbPath, '--fixtures', t.fixturesDir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('missing fixture file(s)');
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false });
    expect(run('--bogus').status).toBe(2);
    const db = openDatabase(dbPath);
    try {
      expect(snapshotCounts(db).products).toBe(3);
    } finally {
      db.close();
    }
  });

  it.skipIf(!hasRealFixtures)(
    `seeds the real fixtures/store${hasRealFixtures ? '' : ' (skipped: fixtures/store/products.jsonl does not exist yet)'}`,
    async () => {
      const t = tempStore();
      cleanups.push(t.cleanup);
      const r = await seed(t.db, join(ROOT, 'fixtures'), quiet);
      if (r.rejected.length > 0) console.warn(formatSeedReport(r));
      const manifestPath = join(REAL_FIXTURES, 'manifest.json');
      if (existsSync(manifestPath)) {
        const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { files?: Record<string, { count?: number }> };
        const expected: Record<string, keyof typeof r.tables> = {
          'products.jsonl': 'products',
          'customers.jsonl': 'customers',
          'orders.jsonl': 'orders',
          'reviews.jsonl': 'reviews',
          'transcripts.jsonl': 'transcripts',
        };
        for (const [file, table] of Object.entries(expected)) {
          const count = manifest.files?.[file]?.count;
          if (count !== undefined) expect(r.tables[table].inserted + r.tables[table].rejected, file).toBe(count);
        }
      }
      expect(r.rejected).toEqual([]);
      expect(await t.store.products.count()).toBeGreaterThan(0);
      expect((await t.store.products.search('usb', { limit: 5 })).length).toBeGreaterThan(0);
      const before = snapshotCounts(t.db);
      const again = await seed(t.db, join(ROOT, 'fixtures'), quiet);
      expect(totals(again)).toMatchObject({ inserted: 0, updated: 0 });
      expect(snapshotCounts(t.db)).toEqual(before);
    },
  );
});
