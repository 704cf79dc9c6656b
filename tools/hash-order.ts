// Deterministic "shuffles" for fixture builders: every choice keyed by a hash of the text, so a
// rebuild is byte-identical.
import { fnv1a } from './fixtures/rng.js';

/** Stable pseudo-random order: by hash of (salt, key), ties by key. */
export function hashOrder<T>(items: readonly T[], key: (t: T) => string, salt: string): T[] {
  return [...items].sort((a, b) => fnv1a(salt + key(a)) - fnv1a(salt + key(b)) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
