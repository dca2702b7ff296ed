/** Retry timing: exponential backoff with jitter, and the receiver's Retry-After. */

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 5 * 60_000 };

/**
 * Delay before retry number `attempt` (1 = first retry): half of the
 * exponential step fixed, half random, so a fleet that lost its receiver
 * at the same moment does not come back in lockstep.
 */
export function backoffMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Longest Retry-After we obey; a receiver asking for more gets re-asked then. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * HTTP Retry-After as a delay: delta-seconds, or an HTTP date less the wall
 * clock `wallNow` when the answer came; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, wallNow: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - wallNow;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}
