import { beforeAll, expect, it } from 'vitest';
import { describeEngines } from '../../testing/engines.js';
import { daysBetween, inList, isForeignKeyViolation, isUniqueViolation, violation } from './dialect.js';
import type { Sql } from './executor.js';

// The executor contract (executor.ts), the same assertions on SQLite and PostgreSQL. Statements are
// written in the common subset the repositories use (store/README.md, "PostgreSQL").

const T = 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER, x REAL, flag INTEGER, data BLOB)';
const numbers = async (sql: Sql, text = 'SELECT n FROM t ORDER BY n'): Promise<number[]> => (await sql.all<{ n: number }>(text)).map((r) => r.n);

describeEngines('Sql contract', (engine) => {
  it('binds positional, named, boolean, null, bigint and Buffer values', async () => {
    const sql = await engine.fresh({ migrate: false });
    await sql.exec(engine.ddl(T));
    expect((await sql.run('INSERT INTO t (id, name, n, x, flag, data) VALUES (?, ?, ?, ?, ?, ?)', [1, 'a', 10n, 1.5, true, Buffer.from([0, 255])])).changes).toBe(1);
    await sql.run('INSERT INTO t (id, name, n, x, flag, data) VALUES (@id, @name, @n, @x, @flag, @data)', { id: 2, name: 'b', n: null, x: null, flag: false, data: null });
    expect(await sql.all('SELECT id, name, n, x, flag, data FROM t ORDER BY id')).toEqual([
      { id: 1, name: 'a', n: 10, x: 1.5, flag: 1, data: Buffer.from([0, 255]) },
      { id: 2, name: 'b', n: null, x: null, flag: 0, data: null },
    ]);
    // A name used twice, and a name that is also a column.
    expect(await sql.get('SELECT name FROM t WHERE name = @name OR (n IS NULL AND name = @name)', { name: 'b' })).toEqual({ name: 'b' });
    expect(await sql.get('SELECT name FROM t WHERE name = ?', ['zzz'])).toBeUndefined();
    expect(await sql.all(`SELECT name FROM t WHERE id IN (${inList([1, 2])}) ORDER BY id`, [1, 2])).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(await sql.all(`SELECT name FROM t WHERE id IN (${inList([])})`, [])).toEqual([]);
  });

  it('returns integers, sums, counts, reals and comparisons as numbers', async () => {
    const sql = await engine.fresh({ migrate: false });
    await sql.exec(engine.ddl(T));
    const ms = 1_764_759_000_123; // a timestamp in ms: needs 64 bits
    await sql.run('INSERT INTO t (id, name, n, x) VALUES (?, ?, ?, ?)', [1, 'a', ms, 0.25]);
    await sql.run('INSERT INTO t (id, name, n, x) VALUES (?, ?, ?, ?)', [2, 'b', 2, 0.5]);
    expect(await sql.get('SELECT n FROM t WHERE id = 1')).toEqual({ n: ms });
    const row = await sql.get<Record<string, unknown>>(
      'SELECT count(*) AS c, sum(n) AS s, max(n) AS m, sum(x) AS sx, min(id) AS i, count(*) > 1 AS many, max(n) = ? AS same FROM t',
      [ms],
    );
    expect(row).toEqual({ c: 2, s: ms + 2, m: ms, sx: 0.75, i: 1, many: 1, same: 1 });
    expect(await sql.get('SELECT CAST(? AS BIGINT) + 1 AS v', [41])).toEqual({ v: 42 });
  });

  it('subtracts ISO times in days (daysBetween)', async () => {
    const sql = await engine.fresh({ migrate: false });
    await sql.exec(engine.ddl('CREATE TABLE t (a TEXT, b TEXT)'));
    await sql.run('INSERT INTO t VALUES (?, ?)', ['2026-12-03T10:00:00.000Z', '2026-12-01T22:00:00.000Z']);
    await sql.run('INSERT INTO t VALUES (?, ?)', ['2026-03-29T12:00:00.500Z', '2026-03-29T12:00:00.000Z']);
    const rows = await sql.all<{ d: number }>(`SELECT ${daysBetween(sql.dialect, 'a', 'b')} AS d FROM t ORDER BY a DESC`);
    expect(rows[0]!.d).toBeCloseTo(1.5, 9);
    expect(rows[1]!.d * 86_400_000).toBeCloseTo(500, 0); // julianday is a double near 2.46e6: ~0.02 ms steps
    const param = await sql.get<{ d: number }>(`SELECT ${daysBetween(sql.dialect, 'CAST(? AS TEXT)', 'b')} AS d FROM t WHERE a LIKE '2026-12%'`, ['2026-12-02T22:00:00.000Z']);
    expect(param!.d).toBeCloseTo(1, 9);
  });

  it('counts changed rows and runs several statements with exec', async () => {
    const sql = await engine.fresh({ migrate: false });
    await sql.exec(`${engine.ddl(T)}; INSERT INTO t (id, name, n) VALUES (1, 'a', 1); INSERT INTO t (id, name, n) VALUES (2, 'b', 2);`);
    expect((await sql.run('UPDATE t SET n = n + 1')).changes).toBe(2);
    expect((await sql.run('UPDATE t SET n = 0 WHERE id = ?', [99])).changes).toBe(0);
    expect((await sql.run('INSERT INTO t (id, name, n) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [3, 'a', 9])).changes).toBe(0);
    expect((await sql.run('INSERT INTO t (id, name, n) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET n = excluded.n', [1, 'a', 7])).changes).toBe(1);
    expect((await sql.run('DELETE FROM t WHERE n > ?', [2])).changes).toBe(2);
  });

  it('returns generated ids with RETURNING', async () => {
    const sql = await engine.fresh();
    await sql.run("INSERT INTO conversations (id, channel, started_at, updated_at, source) VALUES ('v', 'web', 'now', 'now', 'live')");
    const insert = "INSERT INTO messages (conversation_id, seq, direction, role, channel, text, created_at) VALUES ('v', ?, 'in', 'customer', 'web', ?, 'now') RETURNING id, seq";
    const a = await sql.get<{ id: number; seq: number }>(insert, [1, 'hello']);
    const b = await sql.get<{ id: number; seq: number }>(insert, [2, 'again']);
    expect(typeof a!.id).toBe('number');
    expect(b).toEqual({ id: a!.id + 1, seq: 2 });
  });

  it('commits a transaction that resolves and rolls back one that rejects', async () => {
    const sql = await engine.fresh({ migrate: false });
    await sql.exec(engine.ddl('CREATE TABLE t (n INTEGER)'));
    expect(await sql.transaction(async (tx) => (await tx.run('INSERT INTO t VALUES (1)')).changes)).toBe(1);
    await expect(
      sql.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await numbers(sql)).toEqual([1]);
  });

  it('runs nested transactions as savepoints', async () => {
    const sql = await engine.fresh({ migrate: false });
    await sql.exec(engine.ddl('CREATE TABLE t (n INTEGER)'));
    await sql.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (1)');
      await tx
        .transaction(async (inner) => {
          await inner.run('INSERT INTO t VALUES (2)');
          await inner.transaction(async (deeper) => deeper.run('INSERT INTO t VALUES (3)'));
          throw new Error('refused row');
        })
        .catch(() => undefined);
      await tx.transaction(async (inner) => inner.run('INSERT INTO t VALUES (4)'));
    });
    expect(await numbers(sql)).toEqual([1, 4]);
  });

  it('goes on after a refused statement inside a savepoint, and maps the refusal on both engines', async () => {
    const sql = await engine.fresh();
    await sql.run("INSERT INTO agents (id, name, email, password_hash, created_at) VALUES ('a', 'A', 'Anna@Example.com', 'h', 'now')");
    const refusals = await sql.transaction(async (tx) => {
      const out: (string | null)[] = [];
      const attempt = (text: string) =>
        tx.transaction((row) => row.run(text)).then(
          () => out.push(null),
          (e: unknown) => out.push(violation(e)),
        );
      // Same e-mail but for case: unique on both (COLLATE NOCASE on SQLite, lower() index on PostgreSQL).
      await attempt("INSERT INTO agents (id, name, email, password_hash, created_at) VALUES ('b', 'B', 'anna@example.COM', 'h', 'now')");
      await attempt("INSERT INTO agents (id, name, email, password_hash, created_at) VALUES ('a', 'A2', 'other@example.com', 'h', 'now')");
      await attempt("INSERT INTO team_members (team_id, agent_id, added_at) VALUES ('nobody', 'a', 'now')");
      await attempt("INSERT INTO teams (id, name, skills, created_at) VALUES ('t', 'T', '{}', 'now')"); // skills must be a JSON array
      await attempt("INSERT INTO teams (id, name, skills, created_at) VALUES ('t', 'T', 'not json', 'now')");
      await attempt("INSERT INTO canned_replies (shortcut, title, body, created_at, updated_at) VALUES ('/Bad!', 't', 'b', 'now', 'now')"); // GLOB check
      await attempt("INSERT INTO canned_replies (shortcut, title, body, created_at, updated_at) VALUES ('/good-1', 't', 'b', 'now', 'now')");
      await attempt("INSERT INTO teams (id, name, skills, created_at) VALUES ('t2', 'Payments', '[\"payments\"]', 'now')");
      await attempt("INSERT INTO teams (id, name, created_at) VALUES ('t3', 'PAYMENTS', 'now')");
      await tx.run("INSERT INTO agents (id, name, email, password_hash, created_at) VALUES ('c', 'C', 'c@example.com', 'h', 'now')");
      return out;
    });
    expect(refusals).toEqual(['unique', 'primary_key', 'foreign_key', 'check', 'check', 'check', null, null, 'unique']);
    expect(await sql.all('SELECT id FROM agents ORDER BY id')).toEqual([{ id: 'a' }, { id: 'c' }]);
    const fk = await sql.run("INSERT INTO team_members (team_id, agent_id, added_at) VALUES ('t2', 'ghost', 'now')").catch((e: unknown) => e);
    expect(isForeignKeyViolation(fk) && !isUniqueViolation(fk)).toBe(true);
    // Text with a quote, a backslash, a question mark and an @name in it is data, not placeholders.
    const text = "it's \\ ? @name 'q'";
    await sql.run('INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?)', ['k', text, 'now']);
    expect(await sql.get("SELECT value, '?' AS q FROM meta WHERE key = 'k'")).toEqual({ value: text, q: '?' });
  });

  it('commits and rolls back scoped transactions, nested ones as savepoints, and keeps one scope in order', async () => {
    const sql = await engine.fresh({ migrate: false });
    await sql.exec(engine.ddl('CREATE TABLE t (n INTEGER)'));
    await sql.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (1)');
      await tx.transaction(async (inner) => {
        await inner.run('INSERT INTO t VALUES (2)');
        throw new Error('refused');
      }, { scope: 'other:1' }).catch(() => undefined);
      await tx.transaction((inner) => inner.run('INSERT INTO t VALUES (3)'), { scope: ['s:1', 'other:2'] });
    }, { scope: 's:1' });
    await expect(
      sql.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (4)');
        throw new Error('boom');
      }, { scope: ['s:2', 's:1'] }),
    ).rejects.toThrow('boom');
    await expect(sql.transaction(async () => undefined, { scope: '' })).rejects.toThrow(/non-empty/);
    expect(await numbers(sql)).toEqual([1, 3]);
    // Transactions of one scope read-then-write correctly, one after another in order.
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((k) =>
        sql.transaction(async (tx) => {
          const { c } = (await tx.get<{ c: number }>('SELECT count(*) AS c FROM t'))!;
          await new Promise((r) => setTimeout(r, 8 - 2 * k));
          await tx.run('INSERT INTO t VALUES (?)', [c + 10]);
          order.push(k);
        }, { scope: 'counter' }),
      ),
    );
    expect(order).toEqual([1, 2, 3, 4]);
    expect(await numbers(sql)).toEqual([1, 3, 12, 13, 14, 15]);
  });

  it('runs concurrent transactions one after another, in order', async () => {
    const sql = await engine.fresh({ migrate: false });
    await sql.exec(engine.ddl('CREATE TABLE t (n INTEGER)'));
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((k) =>
        sql.transaction(async (tx) => {
          const before = await tx.get<{ c: number }>('SELECT count(*) AS c FROM t');
          await new Promise((r) => setTimeout(r, 8 - 2 * k));
          await tx.run('INSERT INTO t VALUES (?)', [before!.c + 1]);
          order.push(k);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3, 4]);
    expect(await numbers(sql)).toEqual([1, 2, 3, 4]);
  });

  it('keeps statements outside a transaction out of it while it awaits', async () => {
    const sql = await engine.fresh({ migrate: false });
    await sql.exec(engine.ddl('CREATE TABLE t (n INTEGER)'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const tx = sql.transaction(async (t) => {
      await t.run('INSERT INTO t VALUES (1)');
      opened();
      await gate;
      throw new Error('rolled back');
    });
    await open;
    // Issued while the transaction is open: neither sees its row nor is rolled back with it.
    const outside = sql.run('INSERT INTO t VALUES (2)');
    const seen = sql.all<{ n: number }>('SELECT n FROM t');
    release();
    await expect(tx).rejects.toThrow('rolled back');
    await outside;
    // SQLite runs them after the transaction, PostgreSQL alongside it: neither sees its row.
    expect((await seen).map((r) => r.n)).not.toContain(1);
    expect(await numbers(sql)).toEqual([2]);
  });
  it('lets exactly one of two writers holding the same eTag win (bot state)', async () => {
    const sql = await engine.fresh();
    const insert = "INSERT INTO bot_state (key, value, etag, updated_at) VALUES (?, ?, ?, 'now') ON CONFLICT (key) DO NOTHING";
    expect((await sql.run(insert, ['conv/1', '{"turn":1}', 'e1'])).changes).toBe(1);
    expect((await sql.run(insert, ['conv/1', '{"turn":9}', 'e9'])).changes).toBe(0);
    const { etag } = (await sql.get<{ etag: string }>('SELECT etag FROM bot_state WHERE key = ?', ['conv/1']))!;
    const write = (turn: number) =>
      sql.transaction(async (tx) => {
        const r = await tx.run('UPDATE bot_state SET value = @value, etag = @next WHERE key = @key AND etag = @expected', {
          key: 'conv/1',
          value: JSON.stringify({ turn }),
          next: `e${turn}`,
          expected: etag,
        });
        return r.changes;
      });
    expect((await Promise.all([write(2), write(3)])).sort()).toEqual([0, 1]);
    expect(await sql.get('SELECT value, etag FROM bot_state')).toEqual({ value: '{"turn":2}', etag: 'e2' });
  });
});

describeEngines('describeEngines', (engine) => {
  let shared: Sql;
  beforeAll(async () => {
    shared = await engine.fresh();
  });

  it('keeps a database opened in beforeAll for the whole block (1)', async () => {
    await shared.run("INSERT INTO meta (key, value, updated_at) VALUES ('k', 'v', 'now')");
    expect(await shared.get('SELECT count(*) AS n FROM meta')).toEqual({ n: 1 });
  });

  it('keeps a database opened in beforeAll for the whole block (2)', async () => {
    expect(await shared.get('SELECT count(*) AS n FROM meta')).toEqual({ n: 1 });
    // A database of the test's own starts empty.
    expect(await (await engine.fresh()).get('SELECT count(*) AS n FROM meta')).toEqual({ n: 0 });
  });
});
