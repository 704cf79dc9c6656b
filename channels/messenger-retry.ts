// Which Send API failures are worth another try, and how long to wait before it. Meta's guidance:
// retry server errors, network failures, the "temporary" codes 1 and 2, rate limits (codes 4, 17,
// 32, 613, 80006) and anything marked `is_transient: true`, with exponential back-off; never retry
// what will fail again the same way (the user cannot be reached, a bad parameter, a bad token, a
// missing permission, a closed messaging window).
// https://developers.facebook.com/docs/graph-api/guides/error-handling

/** A failed Send API call as far as it can be read: HTTP status and Graph's error object, or a network failure. */
export interface SendFailure {
  /** HTTP status; absent for network errors and time-outs. */
  status?: number;
  code?: number;
  subcode?: number;
  message?: string;
  isTransient?: boolean;
  /** The request never got an HTTP answer (refused, reset, timed out). */
  network?: boolean;
}

export interface RetryVerdict {
  retry: boolean;
  /** One line for the agent and the log. */
  reason: string;
}

const TEMPORARY_CODES = new Set([1, 2]);
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80006]);
/** Permission (10, 200-299), invalid parameter (100), token (190), user unavailable (551). */
const isPermanentCode = (code: number): boolean => code === 10 || code === 100 || code === 190 || code === 551 || (code >= 200 && code < 300);

/** Reads Graph's `{"error": {...}}` body (anything else gives just the status). */
export function parseGraphError(status: number, body: string): SendFailure {
  const out: SendFailure = { status };
  try {
    const e = (JSON.parse(body) as { error?: Record<string, unknown> }).error;
    if (e && typeof e === 'object') {
      if (typeof e.code === 'number') out.code = e.code;
      if (typeof e.error_subcode === 'number') out.subcode = e.error_subcode;
      if (typeof e.message === 'string') out.message = e.message.slice(0, 300);
      if (e.is_transient === true) out.isTransient = true;
    }
  } catch {
    if (body.trim()) out.message = body.trim().slice(0, 200);
  }
  return out;
}

/** What Meta's answer means, in words; `code` and `subcode` named for support. */
function describe(f: SendFailure): string {
  const codes = f.code !== undefined ? ` (Meta error ${f.code}${f.subcode !== undefined ? `/${f.subcode}` : ''})` : f.status !== undefined ? ` (HTTP ${f.status})` : '';
  if (f.network) return `Messenger could not be reached: ${f.message ?? 'network error'}`;
  if (f.code === 551 || (f.code === 10 && f.subcode === 2018108) || f.subcode === 1545041) return `The customer cannot receive messages on Messenger right now${codes}.`;
  if (f.code === 10 && (f.subcode === 2018278 || f.subcode === 2018065)) return `Meta refused it as outside the allowed reply window${codes}.`;
  if (f.code === 190) return `The Page's access token is invalid or expired${codes}; an administrator must renew MESSENGER_PAGE_TOKEN.`;
  if (f.code === 10 || (f.code !== undefined && f.code >= 200 && f.code < 300)) return `The Page lacks the permission to send this${codes}: ${f.message ?? 'permission denied'}`;
  if (f.code === 100) return `Meta refused the message as invalid${codes}: ${f.message ?? 'invalid parameter'}`;
  if (f.code !== undefined && RATE_LIMIT_CODES.has(f.code)) return `Messenger's rate limit was reached${codes}.`;
  return `Messenger refused it${codes}${f.message ? `: ${f.message}` : ''}`;
}

/** Whether another try can succeed, and the failure in words. */
export function classify(f: SendFailure): RetryVerdict {
  const reason = describe(f);
  if (f.network) return { retry: true, reason };
  if (f.isTransient) return { retry: true, reason };
  if (f.code !== undefined && (TEMPORARY_CODES.has(f.code) || RATE_LIMIT_CODES.has(f.code))) return { retry: true, reason };
  if (f.code !== undefined && isPermanentCode(f.code)) return { retry: false, reason };
  // Any other code: the HTTP status decides (Graph answers 5xx for its own trouble).
  if (f.status !== undefined && (f.status >= 500 || f.status === 429)) return { retry: true, reason };
  return { retry: false, reason };
}

export interface RetryPolicy {
  /** Tries in all, the first included (default 4). */
  attempts: number;
  /** Wait before the second try (default 500 ms); doubled for each further one. */
  baseMs: number;
  /** Longest wait between two tries (default 8 s). */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 500, maxMs: 8_000 };

/**
 * The wait before try `attempt + 1` after `attempt` failed (1-based): base * 2^(attempt-1), capped,
 * with up to 20% random jitter so many senders do not retry in step. `random` is injectable.
 */
export function backoffMs(attempt: number, policy: RetryPolicy = DEFAULT_RETRY, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (1 + 0.2 * random()));
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; failure: SendFailure };

export type RetryOutcome<T> = { ok: true; value: T; attempts: number } | { ok: false; reason: string; failure: SendFailure; attempts: number; retried: boolean };

/**
 * Runs `attempt` until it succeeds, fails permanently, or the policy's tries are spent, sleeping
 * the back-off between tries (`sleep` is injectable, so tests need no real waiting).
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<Attempt<T>>,
  opts: { policy?: RetryPolicy; sleep?: (ms: number) => Promise<void>; random?: () => number; onRetry?: (n: number, waitMs: number, reason: string) => void } = {},
): Promise<RetryOutcome<T>> {
  const policy = opts.policy ?? DEFAULT_RETRY;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let n = 1; ; n++) {
    const r = await attempt(n);
    if (r.ok) return { ok: true, value: r.value, attempts: n };
    const verdict = classify(r.failure);
    if (!verdict.retry) return { ok: false, reason: verdict.reason, failure: r.failure, attempts: n, retried: n > 1 };
    if (n >= policy.attempts) return { ok: false, reason: `${verdict.reason} Gave up after ${n} tries.`, failure: r.failure, attempts: n, retried: true };
    const wait = backoffMs(n, policy, opts.random);
    opts.onRetry?.(n, wait, verdict.reason);
    await sleep(wait);
  }
}
