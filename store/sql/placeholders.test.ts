import { describe, expect, it } from 'vitest';
import { bindNumbered, NumberedCache, splitSql, toNumbered } from './placeholders.js';

describe('placeholders', () => {
  it('numbers positional placeholders in order', () => {
    const s = toNumbered('SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?');
    expect(s).toEqual({ text: 'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) LIMIT $4', names: null, count: 4 });
    expect(bindNumbered(s, [1, 'x', 'y', 10])).toEqual([1, 'x', 'y', 10]);
  });

  it('numbers named placeholders, reusing the number of a name used twice', () => {
    const s = toNumbered('UPDATE t SET a = @a, b = @b WHERE a <> @a AND c = @c_2');
    expect(s.text).toBe('UPDATE t SET a = $1, b = $2 WHERE a <> $1 AND c = $3');
    expect(s.names).toEqual(['a', 'b', 'c_2']);
    expect(bindNumbered(s, { c_2: 3, b: null, a: 'x', unused: 9 })).toEqual(['x', null, 3]);
    expect(() => bindNumbered(s, { a: 1, b: 2 })).toThrow(/missing named parameter "c_2"/);
    expect(() => bindNumbered(s, [1, 2, 3])).toThrow(/object/);
  });

  it('leaves literals, quoted identifiers, comments, casts and @ operators alone', () => {
    const text = `SELECT '?', 'it''s @a ?', E'\\' ?', "we?ird @id", x::bigint, tags @> ?, doc @@ q, $$ ? @a $$, $f$ ? $f$ -- ? @c
      FROM t /* ? /* nested @d */ ? */ WHERE a = @@x OR b = ?`;
    const s = toNumbered(text);
    expect(s.count).toBe(2);
    expect(s.text).toBe(text.replace('tags @> ?', 'tags @> $1').replace('b = ?', 'b = $2'));
  });

  it('refuses mixed kinds and wrong counts', () => {
    expect(() => toNumbered('SELECT ? , @a')).toThrow(/mixed/);
    expect(() => toNumbered('SELECT @a , ?')).toThrow(/mixed/);
    expect(() => bindNumbered(toNumbered('SELECT ?'), [])).toThrow(/takes 1 values, got 0/);
    expect(() => bindNumbered(toNumbered('SELECT ?'), [1, 2])).toThrow(/takes 1 values, got 2/);
    expect(bindNumbered(toNumbered('SELECT 1'), undefined)).toEqual([]);
    expect(bindNumbered(toNumbered('SELECT 1'), {})).toEqual([]);
  });

  it('splits code from what must be copied verbatim', () => {
    expect(splitSql("a 'b' \"c\" -- d\ne")).toEqual([
      { code: true, text: 'a ' },
      { code: false, text: "'b'" },
      { code: true, text: ' ' },
      { code: false, text: '"c"' },
      { code: true, text: ' ' },
      { code: false, text: '-- d' },
      { code: true, text: '\ne' },
    ]);
    // An unterminated literal runs to the end instead of looping.
    expect(splitSql("a 'b")).toEqual([
      { code: true, text: 'a ' },
      { code: false, text: "'b" },
    ]);
  });

  it('caches rewritten statements, bounded', () => {
    const cache = new NumberedCache(2);
    const a = cache.get('SELECT ?');
    expect(cache.get('SELECT ?')).toBe(a);
    cache.get('SELECT ?, ?');
    cache.get('SELECT ?, ?, ?');
    expect(cache.get('SELECT ?')).not.toBe(a);
  });
});
