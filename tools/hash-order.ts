// Deterministic "shuffles" for fixture builders: every choice keyed by a hash of the text, so a
// rebuild is byte-identical.

/** 32-bit FNV-1a of a string. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Stable pseudo-random order: by hash of (salt, key), ties by key. */
export function hashOrder<T>(items: readonly T[], key: (t: T) => string, salt: string): T[] {
  return [...items].sort((a, b) => fnv1a(salt + key(a)) - fnv1a(salt + key(b)) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
