import type { SqlParams, SqlValue } from './executor.js';

// The store writes SQL with `?` (positional) or `@name` (named) placeholders, as SQLite takes them.
// PostgreSQL takes `$1`, `$2`, ...: `toNumbered` rewrites a statement once (the result is cached by
// text) and `bindNumbered` orders the values for it. Placeholders are only recognised in code: string
// literals ('...', E'...', dollar-quoted $tag$...$tag$), quoted identifiers ("...") and comments
// (-- and /* */) are copied as they are; `::` casts and operators that start with `@` (`@>`, `@@`)
// are left alone. A name used twice reuses its number.

/** A piece of SQL text: code, or something to copy verbatim (literal, quoted identifier, comment). */
export interface SqlPiece {
  code: boolean;
  text: string;
}

/** Splits SQL into code and the parts no rewrite may touch (literals, quoted identifiers, comments). */
export function splitSql(text: string): SqlPiece[] {
  const pieces: SqlPiece[] = [];
  let code = '';
  let i = 0;
  const verbatim = (end: number): void => {
    if (code) pieces.push({ code: true, text: code });
    code = '';
    pieces.push({ code: false, text: text.slice(i, end) });
    i = end;
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "'" || ((c === 'E' || c === 'e') && next === "'" && !/[\w$]/.test(text[i - 1] ?? ''))) {
      // '...' with '' inside; E'...' also takes backslash escapes.
      const escapes = c !== "'";
      let j = i + (escapes ? 2 : 1);
      for (;;) {
        if (j >= text.length) break;
        if (escapes && text[j] === '\\') j += 2;
        else if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") {
          j++;
          break;
        } else j++;
      }
      verbatim(Math.min(j, text.length));
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === '"' && text[j + 1] !== '"')) j += text[j] === '"' ? 2 : 1;
      verbatim(Math.min(j + 1, text.length));
    } else if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      verbatim(nl === -1 ? text.length : nl);
    } else if (c === '/' && next === '*') {
      // PostgreSQL's block comments nest.
      let depth = 0;
      let j = i;
      while (j < text.length) {
        if (text[j] === '/' && text[j + 1] === '*') (depth++, (j += 2));
        else if (text[j] === '*' && text[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      verbatim(j);
    } else if (c === '$' && !/[\w$]/.test(text[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        verbatim(close === -1 ? text.length : close + tag[0].length);
      } else {
        code += c;
        i++;
      }
    } else {
      code += c;
      i++;
    }
  }
  if (code) pieces.push({ code: true, text: code });
  return pieces;
}

export interface Numbered {
  /** The statement with `$n` placeholders. */
  text: string;
  /** Named statements: the name behind each number ($1 is names[0]); null for positional ones. */
  names: readonly string[] | null;
  /** How many values the statement takes. */
  count: number;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Rewrites `?` / `@name` placeholders to `$n`. A statement uses one kind or the other, not both. */
export function toNumbered(text: string): Numbered {
  let positional = 0;
  const names: string[] = [];
  let out = '';
  for (const piece of splitSql(text)) {
    if (!piece.code) {
      out += piece.text;
      continue;
    }
    const t = piece.text;
    for (let i = 0; i < t.length; i++) {
      const c = t[i]!;
      if (c === '?') {
        if (names.length) throw new SyntaxError(`mixed ? and @name placeholders in: ${text}`);
        out += `$${++positional}`;
      } else if (c === '@' && t[i - 1] !== '@') {
        NAME.lastIndex = i + 1;
        const m = NAME.exec(t);
        if (!m) {
          out += c;
          continue;
        }
        if (positional) throw new SyntaxError(`mixed ? and @name placeholders in: ${text}`);
        let n = names.indexOf(m[0]);
        if (n === -1) n = names.push(m[0]) - 1;
        out += `$${n + 1}`;
        i += m[0].length;
      } else out += c;
    }
  }
  return names.length ? { text: out, names, count: names.length } : { text: out, names: null, count: positional };
}

/** The values for a rewritten statement, in `$n` order. */
export function bindNumbered(stmt: Numbered, params: SqlParams | undefined): SqlValue[] {
  if (stmt.names) {
    if (params === undefined || Array.isArray(params)) throw new TypeError(`named placeholders need an object of values: ${stmt.text}`);
    const named = params as Readonly<Record<string, SqlValue>>;
    return stmt.names.map((n) => {
      if (!Object.hasOwn(named, n) || named[n] === undefined) throw new RangeError(`missing named parameter "${n}"`);
      return named[n]!;
    });
  }
  const values = (params ?? []) as readonly SqlValue[];
  if (!Array.isArray(values)) {
    if (stmt.count === 0) return [];
    throw new TypeError(`positional placeholders need an array of values: ${stmt.text}`);
  }
  if (values.length !== stmt.count) throw new RangeError(`statement takes ${stmt.count} values, got ${values.length}`);
  return [...values];
}

/** A bounded cache of rewritten statements (dynamic IN lists must not grow it without bound). */
export class NumberedCache {
  private readonly cache = new Map<string, Numbered>();
  constructor(private readonly max = 500) {}

  get(text: string): Numbered {
    let s = this.cache.get(text);
    if (!s) {
      s = toNumbered(text);
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(text, s);
    }
    return s;
  }
}
