import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { inList, isConstraintViolation, isForeignKeyViolation, isUniqueViolation, violation } from './dialect.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

describe('dialect', () => {
  it('reads SQLite constraint errors', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE p (id TEXT PRIMARY KEY, name TEXT UNIQUE, n INTEGER NOT NULL CHECK (n >= 0));
             CREATE TABLE c (p TEXT REFERENCES p (id))`);
    db.exec("INSERT INTO p VALUES ('a', 'x', 1)");
    const pk = thrown(() => db.exec("INSERT INTO p VALUES ('a', 'y', 1)"));
    const unique = thrown(() => db.exec("INSERT INTO p VALUES ('b', 'x', 1)"));
    expect(violation(pk)).toBe('primary_key');
    expect(violation(unique)).toBe('unique');
    expect(isUniqueViolation(pk) && isUniqueViolation(unique)).toBe(true);
    expect(violation(thrown(() => db.exec("INSERT INTO p VALUES ('c', 'z', -1)")))).toBe('check');
    expect(violation(thrown(() => db.exec("INSERT INTO p VALUES ('c', 'z', NULL)")))).toBe('not_null');
    const fk = thrown(() => db.exec("INSERT INTO c VALUES ('nobody')"));
    expect(isForeignKeyViolation(fk) && isConstraintViolation(fk) && !isUniqueViolation(fk)).toBe(true);
    expect(violation(thrown(() => db.exec('SELECT * FROM nowhere')))).toBeNull();
    db.close();
  });

  it('reads PostgreSQL SQLSTATEs (the live engine is covered by contract.test.ts)', () => {
    expect(violation({ code: '23505', constraint: 'teams_name_lower' })).toBe('unique');
    expect(violation({ code: '23505', constraint: 'teams_pkey' })).toBe('primary_key');
    expect(violation({ code: '23503' })).toBe('foreign_key');
    expect(violation({ code: '23514' })).toBe('check');
    expect(violation({ code: '23502' })).toBe('not_null');
    expect(violation({ code: '23P01' })).toBe('other');
    expect(violation({ code: '42P01' })).toBeNull();
    expect(violation(new Error('plain'))).toBeNull();
    expect(violation(undefined)).toBeNull();
  });

  it('spells IN lists', () => {
    expect(inList([1, 2, 3])).toBe('?, ?, ?');
    expect(inList(['a'])).toBe('?');
    expect(inList([])).toBe('NULL');
  });
});
