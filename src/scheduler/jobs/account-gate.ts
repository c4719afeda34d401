/**
 * The account gate every run that calls Threads for an account passes first (the post and delete jobs): the
 * account and its token, or what the run becomes instead — skipped (removed, or paused), or held while the account
 * must be reconnected (rechecked every few minutes, nothing sent, never "uncertain").
 */
import type { AccountForPublishing } from "../../accounts/account.js";
import type { RunRow } from "../../db/schema.js";
import type { Outcome } from "../runs.repository.js";

/** What the jobs need of the accounts feature (its service provides both). */
export interface PublishingAccounts {
  /** The account and its token, or why it cannot post now. */
  loadForPublishing(id: number, opts?: { evenIfPaused?: boolean }): Promise<AccountForPublishing>;
  /** Marks an account `reauth_required` with Meta's message. */
  markReauth(accountId: number, reason: string): Promise<void>;
}

/** The account and its token, ready to call Threads. */
export type LoadedAccount = Extract<AccountForPublishing, { token: string }>;

/** How long a run held for an account that must be reconnected waits before looking again. */
export const HELD_RECHECK_MS = 5 * 60_000;

/**
 * A run held for a reconnect: planned again after HELD_RECHECK_MS with its attempts reset, so the misfire grace
 * applies and a post is not published days late when the account is finally reconnected.
 */
export function heldOutcome(now: number, reason: string): Outcome {
  return { state: "planned", runAt: now + HELD_RECHECK_MS, resetAttempts: true, reason: `held: ${reason}` };
}

/**
 * Passes the run's account through the gate. A paused account stops the run unless `evenIfPaused` says otherwise:
 * true (deletes always run), or a check made only when the account is paused (a post already under way is
 * finished).
 */
export async function passAccountGate(
  accounts: PublishingAccounts,
  run: Pick<RunRow, "account_id">,
  now: number,
  opts: { evenIfPaused: true | (() => Promise<boolean>) },
): Promise<{ loaded: LoadedAccount } | { outcome: Outcome }> {
  if (run.account_id === null) return { outcome: { state: "skipped", reason: "the account was removed" } };
  const always = opts.evenIfPaused === true;
  let loaded = await accounts.loadForPublishing(run.account_id, always ? { evenIfPaused: true } : {});
  if ("paused" in loaded && opts.evenIfPaused !== true) {
    if (!(await opts.evenIfPaused())) return { outcome: { state: "skipped", reason: loaded.paused } };
    loaded = await accounts.loadForPublishing(run.account_id, { evenIfPaused: true });
  }
  if ("skipped" in loaded) return { outcome: { state: "skipped", reason: loaded.skipped } };
  if ("paused" in loaded) return { outcome: { state: "skipped", reason: loaded.paused } };
  if ("held" in loaded) return { outcome: heldOutcome(now, loaded.held) };
  return { loaded };
}
