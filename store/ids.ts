import { randomUUID } from 'node:crypto';

/** A new random id with a readable prefix, e.g. "cus_3f2a…". */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}
