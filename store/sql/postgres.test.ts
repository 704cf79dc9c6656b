import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgres, POSTGRES_URL, type FreshPostgres } from '../../testing/postgres.js';
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

describe.skipIf(!POSTGRES_URL)('PostgresSql', () => {
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
