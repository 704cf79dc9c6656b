import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteSql } from './sqlite.js';

function open(): SqliteSql {
  const sql = new SqliteSql(new Database(':memory:'));
  return sql;
}

describe('SqliteSql', () => {
  it('binds positional, named and boolean parameters', async () => {
    const sql = open();
    await sql.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, ok INTEGER)');
    expect((await sql.run('INSERT INTO t (name, ok) VALUES (?, ?)', ['a', true])).changes).toBe(1);
    await sql.run('INSERT INTO t (name, ok) VALUES (@name, @ok)', { name: 'b', ok: false });
    expect(await sql.all('SELECT name, ok FROM t ORDER BY id')).toEqual([
      { name: 'a', ok: 1 },
      { name: 'b', ok: 0 },
    ]);
    expect(await sql.get('SELECT name FROM t WHERE name = ?', ['zzz'])).toBeUndefined();
  });

  it('commits a transaction that resolves and rolls back one that rejects', async () => {
    const sql = open();
    await sql.exec('CREATE TABLE t (v INTEGER)');
    await sql.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (1)');
    });
    await expect(
      sql.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await sql.all('SELECT v FROM t')).toEqual([{ v: 1 }]);
  });

  it('runs a nested transaction as a savepoint', async () => {
    const sql = open();
    await sql.exec('CREATE TABLE t (v INTEGER)');
    await sql.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (1)');
      await tx.transaction(async (inner) => {
        await inner.run('INSERT INTO t VALUES (2)');
        throw new Error('refused row');
      }).catch(() => undefined);
      await tx.run('INSERT INTO t VALUES (3)');
    });
    expect((await sql.all<{ v: number }>('SELECT v FROM t ORDER BY v')).map((r) => r.v)).toEqual([1, 3]);
  });

  it('keeps statements outside a transaction out of it while it awaits', async () => {
    const sql = open();
    await sql.exec('CREATE TABLE t (v INTEGER)');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = sql.transaction(async (t) => {
      await t.run('INSERT INTO t VALUES (1)');
      await gate;
      throw new Error('rolled back');
    });
    // Issued while the transaction is open: must not be rolled back with it.
    const outside = sql.run('INSERT INTO t VALUES (2)');
    release();
    await expect(tx).rejects.toThrow('rolled back');
    await outside;
    expect(await sql.all('SELECT v FROM t')).toEqual([{ v: 2 }]);
  });

  it('runs queued transactions one after another, in order', async () => {
    const sql = open();
    await sql.exec('CREATE TABLE t (v INTEGER)');
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        sql.transaction(async (tx) => {
          const before = await tx.get<{ c: number }>('SELECT count(*) AS c FROM t');
          await new Promise((r) => setTimeout(r, 5 - n));
          await tx.run('INSERT INTO t VALUES (?)', [before!.c + 1]);
          order.push(n);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
    expect((await sql.all<{ v: number }>('SELECT v FROM t ORDER BY v')).map((r) => r.v)).toEqual([1, 2, 3]);
  });
});
