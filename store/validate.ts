import { isRecord } from '../core/jsonl.js';
import { MAX_ID_BYTES, MAX_SHORT_BYTES, MAX_TEXT_BYTES, wellFormed } from './text.js';

// Small field readers for validating fixture rows. A reader throws Invalid with a message naming the
// field; `validator()` turns that into the string readJsonl reports next to the line number.

export class Invalid extends Error {}

export type Obj = Record<string, unknown>;

export function validator<T>(fn: (o: Obj) => T): (value: unknown) => T | string {
  return (value) => {
    if (!isRecord(value)) return `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`;
    try {
      return fn(value);
    } catch (e) {
      if (e instanceof Invalid) return e.message;
      throw e;
    }
  };
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function present(o: Obj, key: string, path: string): unknown {
  if (!(key in o) || o[key] === undefined) throw new Invalid(`missing field "${path}"`);
  return o[key];
}

export interface StrOpts {
  maxBytes?: number;
  /** Allow "" (default false). */
  empty?: boolean;
}

export function str(o: Obj, key: string, opts: StrOpts = {}, path = key): string {
  const v = present(o, key, path);
  return checkStr(v, path, opts);
}

function checkStr(v: unknown, path: string, opts: StrOpts): string {
  if (typeof v !== 'string') throw new Invalid(`"${path}" must be a string, got ${describe(v)}`);
  if (!opts.empty && v.trim() === '') throw new Invalid(`"${path}" must not be empty`);
  const clean = wellFormed(v);
  const max = opts.maxBytes ?? MAX_SHORT_BYTES;
  const bytes = Buffer.byteLength(clean, 'utf8');
  if (bytes > max) throw new Invalid(`"${path}" is ${bytes} bytes; the limit is ${max}`);
  return clean;
}

/** A string or null; a missing field counts as null. */
export function optStr(o: Obj, key: string, opts: StrOpts = {}, path = key): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  return checkStr(v, path, opts);
}

export function id(o: Obj, key: string, path = key): string {
  return str(o, key, { maxBytes: MAX_ID_BYTES }, path);
}

export function optId(o: Obj, key: string, path = key): string | null {
  return optStr(o, key, { maxBytes: MAX_ID_BYTES }, path);
}

export function text(o: Obj, key: string, path = key): string {
  return str(o, key, { maxBytes: MAX_TEXT_BYTES, empty: true }, path);
}

export interface NumOpts {
  min?: number;
  max?: number;
  int?: boolean;
}

function checkNum(v: unknown, path: string, opts: NumOpts): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(`"${path}" must be a number, got ${describe(v)}`);
  if (opts.int && !Number.isInteger(v)) throw new Invalid(`"${path}" must be an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new Invalid(`"${path}" must be >= ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new Invalid(`"${path}" must be <= ${opts.max}, got ${v}`);
  return v;
}

export function num(o: Obj, key: string, opts: NumOpts = {}, path = key): number {
  return checkNum(present(o, key, path), path, opts);
}

/** A number or null; a missing field counts as null. */
export function optNum(o: Obj, key: string, opts: NumOpts = {}, path = key): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  return checkNum(v, path, opts);
}

export function oneOf<T extends string>(o: Obj, key: string, allowed: readonly T[], path = key): T {
  const v = present(o, key, path);
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Invalid(`"${path}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

// Date, or date and time with optional seconds, fraction and offset.
const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO-8601 date/time to a normalised UTC string; a time without offset is taken as UTC. */
export function parseTime(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new Invalid(`"${path}" must be an ISO-8601 date string, got ${describe(v)}`);
  const m = ISO.exec(v.trim());
  if (!m) throw new Invalid(`"${path}" is not an ISO-8601 date: ${JSON.stringify(v.slice(0, 40))}`);
  const s = m[2] === undefined ? `${m[1]}T00:00:00Z` : `${m[1]}T${m[2]}${m[3] ?? 'Z'}`;
  const t = new Date(s);
  if (Number.isNaN(t.getTime())) throw new Invalid(`"${path}" is not a valid date: ${JSON.stringify(v.slice(0, 40))}`);
  return t.toISOString();
}

export function time(o: Obj, key: string, path = key): string {
  return parseTime(present(o, key, path), path);
}

export function arr(o: Obj, key: string, path = key): unknown[] {
  const v = present(o, key, path);
  if (!Array.isArray(v)) throw new Invalid(`"${path}" must be an array, got ${describe(v)}`);
  return v;
}

export function obj(v: unknown, path: string): Obj {
  if (!isRecord(v)) throw new Invalid(`"${path}" must be an object, got ${describe(v)}`);
  return v;
}

export function ref(value: string, known: ReadonlySet<string>, what: string, path: string): string {
  if (!known.has(value)) throw new Invalid(`"${path}" refers to unknown ${what} ${JSON.stringify(value)}`);
  return value;
}
