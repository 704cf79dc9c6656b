import { StoreError } from './errors.js';

// Text hygiene shared by the repositories and the seed validators. Any Unicode is accepted; the only
// thing changed is a lone UTF-16 surrogate (invalid on its own, it cannot be encoded as UTF-8), which
// becomes U+FFFD explicitly instead of whatever the driver would do with it.

/** Message text, review text, descriptions: 64 KiB of UTF-8 at most. */
export const MAX_TEXT_BYTES = 64 * 1024;
/** Titles, names, reasons, summaries' headline fields. */
export const MAX_SHORT_BYTES = 1024;
/** Ids, channels, external ids, enum-like labels. */
export const MAX_ID_BYTES = 256;
/** JSON payloads (message payload, event context, bot state). */
export const MAX_JSON_BYTES = 1024 * 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone surrogates with U+FFFD; well-formed strings are returned unchanged. */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

/** Well-formed text within `maxBytes` of UTF-8, or a StoreError('too_large') naming the field. */
export function checkText(field: string, s: string, maxBytes = MAX_TEXT_BYTES): string {
  if (typeof s !== 'string') throw new StoreError('invalid_input', `${field} must be a string`);
  const clean = wellFormed(s);
  const bytes = Buffer.byteLength(clean, 'utf8');
  if (bytes > maxBytes) throw new StoreError('too_large', `${field} is ${bytes} bytes; the limit is ${maxBytes} bytes`);
  return clean;
}

export function checkOptionalText(field: string, s: string | null | undefined, maxBytes = MAX_TEXT_BYTES): string | null {
  return s === null || s === undefined ? null : checkText(field, s, maxBytes);
}

/** JSON-encodes a value (undefined -> null) within `maxBytes`. */
export function toJson(field: string, value: unknown, maxBytes = MAX_JSON_BYTES): string | null {
  if (value === undefined || value === null) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    throw new StoreError('invalid_input', `${field} is not JSON-serialisable: ${(e as Error).message}`);
  }
  if (json === undefined) throw new StoreError('invalid_input', `${field} is not JSON-serialisable`);
  return checkText(field, json, maxBytes);
}

export function fromJson<T = unknown>(json: string | null): T | null {
  return json === null ? null : (JSON.parse(json) as T);
}

/** ISO-8601 UTC timestamp for a Date, epoch ms or parseable string. */
export function isoTime(t: Date | number | string | undefined, fallback: () => number = Date.now): string {
  const d = t === undefined ? new Date(fallback()) : new Date(t);
  if (Number.isNaN(d.getTime())) throw new StoreError('invalid_input', `invalid timestamp: ${String(t)}`);
  return d.toISOString();
}
