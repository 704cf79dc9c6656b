import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgres, POSTGRES_URL, type FreshPostgres } from '../../testing/postgres.js';
import { ConversationRepo } from '../conversations.js';
import { CustomerRepo } from '../customers.js';
import type { Sql, TransactionOptions } from './executor.js';
import { PostgresSql } from './postgres.js';

// What only PostgreSQL has: several pools (nodes) on one database, connections that break, the
// server's own types. The contract both engines share is in contract.test.ts.

const dbs: FreshPostgres[] = [];
const extra: PostgresSql[] = [];
afterEach(async () => {
  while (extra.length) await extra.pop()!.close();
  while (dbs.length) await dbs.pop()!.drop();
});

async function fresh(migrate = false): Promise<FreshPostgres> {
  const db = await freshPostgres({ migrate });
  dbs.push(db);
  return db;
}

function node(url: string, max = 4): PostgresSql {
  const sql = new PostgresSql({ connectionString: url, max });
  extra.push(sql);
  return sql;
}

/**
 * Runs two transactions, `a` first and `b` once `a` is inside (its lock held): `a` then waits until
 * `b` is inside too, or `ms` if `b` cannot get in meanwhile. The order of the four steps says
 * whether they overlapped (`a in, b in, ...`) or not (`a in, a out, b in, b out`), whatever the timing.
 */
async function interleaving(a: [Sql, TransactionOptions | undefined], b: [Sql, TransactionOptions | undefined], ms = 400): Promise<string[]> {
  const steps: string[] = [];
  let bIn!: () => void;
  const bInside = new Promise<void>((r) => (bIn = r));
  let aIn!: () => void;
  const aInside = new Promise<void>((r) => (aIn = r));
  const first = a[0].transaction(async (tx) => {
    await tx.get('SELECT 1');
    steps.push('a in');
    aIn();
    await Promise.race([bInside, new Promise((r) => setTimeout(r, ms))]);
    steps.push('a out');
  }, a[1]);
  await aInside;
  const second = b[0].transaction(async (tx) => {
    await tx.get('SELECT 1');
    steps.push('b in');
    bIn();
    steps.push('b out');
  }, b[1]);
  await Promise.all([first, second]);
  return steps;
}

const OVERLAP = ['a in', 'b in', 'b out', 'a out'];
const ONE_AFTER_THE_OTHER = ['a in', 'a out', 'b in', 'b out'];

describe.skipIf(!POSTGRES_URL)('PostgresSql', () => {
  it('runs scoped transactions of different scopes side by side, on one node and across nodes', async () => {
    const { sql, url } = await fresh();
    const other = node(url);
    expect(await interleaving([sql, { scope: 'conversation:1' }], [sql, { scope: 'conversation:2' }])).toEqual(OVERLAP);
    expect(await interleaving([sql, { scope: 'conversation:1' }], [other, { scope: 'conversation:2' }])).toEqual(OVERLAP);
    expect(await interleaving([sql, { scope: ['state:a', 'state:b'] }], [other, { scope: ['state:c'] }])).toEqual(OVERLAP);
  });

  it('runs transactions of the same scope one after the other, on one node and across nodes', async () => {
    const { sql, url } = await fresh();
    const other = node(url);
    expect(await interleaving([sql, { scope: 'conversation:1' }], [sql, { scope: 'conversation:1' }])).toEqual(ONE_AFTER_THE_OTHER);
    expect(await interleaving([sql, { scope: 'conversation:1' }], [other, { scope: 'conversation:1' }])).toEqual(ONE_AFTER_THE_OTHER);
    // Sharing one of several scopes is enough.
    expect(await interleaving([sql, { scope: ['state:a', 'state:b'] }], [other, { scope: ['state:b', 'state:c'] }])).toEqual(ONE_AFTER_THE_OTHER);
  });

  it('keeps an unscoped transaction apart from every scoped one, both ways, on one node and across nodes', async () => {
    const { sql, url } = await fresh();
    const other = node(url);
    for (const [a, b] of [
      [sql, sql],
      [sql, other],
    ] as const) {
      expect(await interleaving([a, undefined], [b, { scope: 'customer:1' }])).toEqual(ONE_AFTER_THE_OTHER);
      expect(await interleaving([a, { scope: 'customer:1' }], [b, undefined])).toEqual(ONE_AFTER_THE_OTHER);
      expect(await interleaving([a, undefined], [b, undefined])).toEqual(ONE_AFTER_THE_OTHER);
    }
  });

  it('locks a nested scope the outer transaction lacks until the outer one ends', async () => {
    const { sql, url } = await fresh();
    const other = node(url);
    const steps: string[] = [];
    let inner!: () => void;
    const innerDone = new Promise<void>((r) => (inner = r));
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    const outer = sql.transaction(async (tx) => {
      await tx.transaction(async (t2) => void (await t2.get('SELECT 1')), { scope: 'customer:9' });
      steps.push('outer holds customer:9');
      inner();
      await Promise.race([finished, new Promise((r) => setTimeout(r, 400))]);
      steps.push('outer out');
    }, { scope: 'conversation:9' });
    await innerDone;
    await other.transaction(async () => {
      steps.push('other in');
      finish();
    }, { scope: 'customer:9' });
    await outer;
    expect(steps).toEqual(['outer holds customer:9', 'outer out', 'other in']);
  });

  it('keeps the conversation seq gapless and unique under concurrent appends from two nodes', async () => {
    const { sql, url } = await fresh(true);
    const other = node(url, 6);
    const customer = await new CustomerRepo(sql).create({ name: 'Ann' });
    const conversation = await new ConversationRepo(sql).create({ customerId: customer.id, channel: 'web' });
    const repos = [new ConversationRepo(sql), new ConversationRepo(other)];
    const seqs = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => (await repos[i % 2]!.appendMessage(conversation.id, { role: 'customer', text: `m${i}` })).seq),
    );
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const stored = await sql.all<{ seq: number; text: string }>('SELECT seq, text FROM messages WHERE conversation_id = ? ORDER BY seq', [conversation.id]);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.text)).size).toBe(40);
  });

  it('leaves connections free for statements while scoped transactions wait for a lock', async () => {
    const { url } = await fresh();
    const sql = node(url, 4);
    const other = node(url, 2);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const isHeld = new Promise<void>((r) => (holding = r));
    // Another node holds the store-wide lock: every scoped transaction here must wait for it.
    const blocker = other.transaction(async () => {
      holding();
      await held;
    });
    await isHeld;
    const waiting = Array.from({ length: 8 }, (_, i) => sql.transaction((tx) => tx.get('SELECT 1'), { scope: `conversation:${i}` }));
    await new Promise((r) => setTimeout(r, 100));
    expect(await sql.get('SELECT 2 AS n')).toEqual({ n: 2 }); // a statement still gets a connection
    release();
    await blocker;
    await Promise.all(waiting);
  });

  it('serialises transactions across nodes (pools) on the same database', async () => {
    const { sql, url } = await fresh();
    await sql.exec('CREATE TABLE t (n BIGINT)');
    const nodes = [sql, node(url), node(url)];
    await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        nodes[i % 3]!.transaction(async (tx) => {
          const { c } = (await tx.get<{ c: number }>('SELECT count(*) AS c FROM t'))!;
          await new Promise((r) => setTimeout(r, 3));
          await tx.run('INSERT INTO t VALUES (?)', [c + 1]);
        }),
      ),
    );
    expect((await sql.all<{ n: number }>('SELECT n FROM t ORDER BY n')).map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('aborts a transaction at a refused statement outside a savepoint, and the pool stays usable', async () => {
    const { url } = await fresh();
    const sql = node(url, 1); // one connection: a leaked or broken one would hang the next call
    await sql.exec('CREATE TABLE t (n BIGINT PRIMARY KEY)');
    for (let i = 0; i < 3; i++) {
      await expect(
        sql.transaction(async (tx) => {
          await tx.run('INSERT INTO t VALUES (1)');
          await tx.run('INSERT INTO t VALUES (1)').catch(() => undefined); // swallowed, but the transaction is now aborted
          await tx.run('INSERT INTO t VALUES (2)');
        }),
      ).rejects.toThrow(/current transaction is aborted/);
    }
    expect(await sql.all('SELECT n FROM t')).toEqual([]);
    await sql.transaction((tx) => tx.run('INSERT INTO t VALUES (3)'));
    expect(await sql.all('SELECT n FROM t')).toEqual([{ n: 3 }]);
  });

  it('gives JSON as text, booleans as 1/0 and refuses to close a transaction', async () => {
    const { sql } = await fresh();
    expect(await sql.get(`SELECT '{"a":1}'::json AS j, '[1]'::jsonb AS b, true AS t, 1 = 2 AS f, 2.5::numeric AS n, 7::int4 AS i`)).toEqual({
      j: '{"a":1}',
      b: '[1]',
      t: 1,
      f: 0,
      n: 2.5,
      i: 7,
    });
    await expect(sql.transaction((tx) => tx.close())).rejects.toThrow(/not the transaction/);
  });

  it('runs the JSON checks the schema borrows from SQLite', async () => {
    const { sql } = await fresh(true);
    expect(
      await sql.get(`SELECT json_valid('[1]') AS a, json_valid('nope') AS b, json_valid(NULL) AS c, json_type('[]') AS d, json_type('{}') AS e, json_type('x') AS f`),
    ).toEqual({ a: 1, b: 0, c: null, d: 'array', e: 'object', f: null });
  });

  it('finds products through the full-text index of migration 8', async () => {
    const { sql } = await fresh(true);
    await sql.run(
      `INSERT INTO products (id, title, description, category, price, currency, source) VALUES
        ('p1', 'Running Shoes', 'light mesh', 'Footwear', 10, 'INR', 't'), ('p2', 'Coffee mug', 'ceramic', 'Kitchen', 5, 'INR', 't')`,
    );
    const hits = await sql.all<{ id: string }>(
      `SELECT id FROM products WHERE products_fts_doc(title, description, category) @@ plainto_tsquery('english', ?)
       ORDER BY ts_rank(products_fts_doc(title, description, category), plainto_tsquery('english', ?)) DESC`,
      ['shoe', 'shoe'],
    );
    expect(hits).toEqual([{ id: 'p1' }]);
  });
});
