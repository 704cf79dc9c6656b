// One error type for everything the store refuses, with a machine-readable code so callers (the bot,
// the agent console) can branch on it instead of matching messages.

export type StoreErrorCode =
  | 'not_found'
  | 'conflict'
  | 'invalid_transition'
  | 'invalid_input'
  | 'too_large'
  | 'etag_mismatch'
  | 'migration';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
