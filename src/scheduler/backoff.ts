/** Capped exponential backoff with full jitter (the graphile-worker habit): attempt 1 waits ~base. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** Attempts after which a run gives up and fails. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, capMs: 30 * 60_000, maxAttempts: 8 };

/** Delay before retry number `attempt` (1-based). `random` in [0, 1) decides the jitter. */
export function retryDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half jitter: never retry sooner than half the nominal delay, spread the rest.
  return Math.round(exp / 2 + (exp / 2) * random);
}
