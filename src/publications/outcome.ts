/**
 * What a publication attempt ended with, and how a thrown error becomes one. What a Threads error means (was it
 * a publish, may a post exist, is it the quota) is asked of threads/errors.ts; this file decides what the
 * ledger does about it: check Threads first, wait, hand the run back, or give up.
 */
import { LeaseLostError, StoppingError } from "../scheduler/engine/run-control.js";
import {
  isPublishCall,
  isQuotaRefusal,
  mayHavePublished,
  RATE_LIMIT_RETRY_MS,
  ThreadsApiError,
} from "../threads/errors.js";
import { QUOTA_RETRY_MS } from "../threads/quota.js";

/** What a publication attempt ended with; the engine turns it into the run's next state. */
export type PublishOutcome =
  | { kind: "published"; permalinks: Array<string | null> }
  /**
   * Nothing uncertain happened: safe to try again later. `quota`: the 24 h publishing quota is used up; such a
   * retry waits for it to free up and never counts towards giving up.
   */
  | { kind: "retry"; reason: string; retryAfterMs?: number; quota?: boolean }
  /**
   * A call's outcome is unknown: Threads must be asked before anything is published again. `atOnce`: no
   * backoff before the check (the call was cut off by a stop, not failed by Threads).
   */
  | { kind: "needs_check"; reason: string; atOnce?: boolean }
  | { kind: "reauth"; reason: string }
  | { kind: "failed"; reason: string }
  /** This process is stopping before anything uncertain happened: another run takes over at once. */
  | { kind: "handed_back"; reason: string };

/** A wait for the 24 h quota to free up (never counted towards giving up). */
export function quotaWait(reason: string): PublishOutcome {
  return { kind: "retry", reason, retryAfterMs: QUOTA_RETRY_MS, quota: true };
}

export function outcomeOfError(error: unknown): PublishOutcome {
  if (error instanceof LeaseLostError) return { kind: "needs_check", reason: error.message };
  if (error instanceof StoppingError)
    return { kind: "handed_back", reason: "handed back: the scheduler stopped" };
  if (!(error instanceof ThreadsApiError)) {
    const message = error instanceof Error ? error.message : String(error);
    return { kind: "retry", reason: `unexpected error: ${message}` };
  }
  const stop = stoppingCause(error);
  if (stop) {
    // A call the stop cut off. Only a publish that may have left can have made a post exist.
    if (mayHavePublished(error)) {
      return {
        kind: "needs_check",
        reason: `the scheduler stopped while a publish call was in flight (${stop.message}); Threads will be checked before any retry`,
        atOnce: true,
      };
    }
    return { kind: "handed_back", reason: "handed back: the scheduler stopped" };
  }
  const meta = error.message;
  if (error.outcomeUnknown) {
    if (!isPublishCall(error)) return { kind: "retry", reason: `${meta} (nothing was published)` };
    return {
      kind: "needs_check",
      reason: `outcome unknown (${meta}); Threads will be checked before any retry`,
    };
  }
  if (isQuotaRefusal(error)) {
    return quotaWait(`publishing quota reached at Threads: ${meta}; waiting for it to free up`);
  }
  switch (error.kind) {
    case "auth":
      return { kind: "reauth", reason: `the account must be reconnected: ${meta}` };
    case "transient":
    case "not_ready":
      return { kind: "retry", reason: meta };
    case "rate_limited":
      return { kind: "retry", reason: `rate limited by Threads: ${meta}`, retryAfterMs: RATE_LIMIT_RETRY_MS };
    case "permanent":
      return { kind: "failed", reason: meta };
  }
}

/** The StoppingError that cut a call off (the abort reason, somewhere in the error's causes). */
function stoppingCause(error: Error): StoppingError | undefined {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    if (e instanceof StoppingError) return e;
  }
  return undefined;
}
