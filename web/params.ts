// Query-string parsing shared by the page APIs: every value is bounded, anything malformed is a 400
// with a message a person can act on, never an exception deep inside the store.

export class BadRequest extends Error {}

export function str(url: URL, name: string, max = 200): string | undefined {
  const v = url.searchParams.get(name);
  if (v === null) return undefined;
  const t = v.trim();
  if (t === '') return undefined;
  if (t.length > max) throw new BadRequest(`${name} is longer than ${max} characters`);
  return t;
}

export function int(url: URL, name: string, fallback: number, min: number, max: number): number {
  const v = url.searchParams.get(name);
  if (v === null || v.trim() === '') return fallback;
  if (!/^-?\d{1,9}$/.test(v.trim())) throw new BadRequest(`${name} must be a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw new BadRequest(`${name} must be between ${min} and ${max}`);
  return n;
}

/** A calendar date (YYYY-MM-DD) or full ISO time; returned as an ISO string. */
export function date(url: URL, name: string, endOfDay = false): string | undefined {
  const v = str(url, name, 40);
  if (v === undefined) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const t = Date.parse(day ? `${v}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : v);
  if (!Number.isFinite(t)) throw new BadRequest(`${name} must be a date like 2024-01-31`);
  return new Date(t).toISOString();
}
