/**
 * The deleter: removes a post run's published parts from Threads, last part first (a chain's replies before its
 * root), each written to the ledger before and after its `DELETE /{media-id}`: requested → deleted. Only media ids
 * the ledger recorded as published are ever sent. A delete whose answer was lost stays `requested` and is simply
 * sent again (deleting is idempotent by nature: the second answers "does not exist", recorded as deleted).
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import { LeaseLostError, type RunControl, StoppingError } from "../scheduler/engine/run-control.js";
import type { ThreadsClient } from "../threads/client.js";
import { isDeleteQuotaRefusal, RATE_LIMIT_RETRY_MS, ThreadsApiError } from "../threads/errors.js";
import { DELETE_QUOTA, nextDeleteSlotAt, QUOTA_RETRY_MS, QUOTA_WINDOW_MS } from "../threads/quota.js";
import {
  countDeletesSince,
  listDeletableParts,
  markDeleteFailed,
  markDeleteRequested,
  markPartDeleted,
} from "./deletions.repository.js";

export type { DeletablePart } from "./deletions.repository.js";
export { deletedAtOfRuns, listDeletableParts as deletablePartsOfRun } from "./deletions.repository.js";

/** Deletes this account sent in the rolling 24 h before `now` (from our ledger), of the cap: `accounts list` shows it. */
export async function deleteQuotaUsage(
  db: Db,
  accountId: number,
  now: number,
): Promise<{ used: number; total: number }> {
  const used = await countDeletesSince(db, accountId, now - QUOTA_WINDOW_MS);
  return { used: used.count, total: DELETE_QUOTA };
}

export interface DeleterDeps {
  db: Db;
  threads: ThreadsClient;
  clock: Clock;
  control: RunControl;
}

export interface DeleteRequest {
  /** The run whose delete job this is (its lease fences every `requested`). */
  runId: number;
  /** The post run whose parts are deleted. */
  postRunId: number;
  account: { id: number; token: string };
}

export type DeleteOutcome =
  /** Every published part is gone (`alreadyGone`: how many Threads said no longer existed). */
  | { kind: "deleted"; count: number; alreadyGone: number }
  /** Safe to try again later; `runAt` when it must wait until then (the delete quota). */
  | { kind: "retry"; reason: string; runAt?: number; quota?: boolean; retryAfterMs?: number }
  /** This node lost the run: another takes it over (and re-sends what is `requested`). */
  | { kind: "lease_lost"; reason: string }
  | { kind: "handed_back"; reason: string }
  | { kind: "reauth"; reason: string }
  | { kind: "failed"; reason: string };

export async function deleteRunParts(deps: DeleterDeps, req: DeleteRequest): Promise<DeleteOutcome> {
  const { db, clock, control } = deps;
  const parts = await listDeletableParts(db, req.postRunId);
  if (parts.length === 0) {
    return { kind: "failed", reason: `run ${req.postRunId} has nothing on Threads to delete` };
  }
  let count = 0;
  let alreadyGone = 0;
  for (const part of parts) {
    if (part.delete_state === "deleted") {
      count += 1;
      continue;
    }
    try {
      control.assertRunning();
      // A re-sent delete (requested before a crash) is already in the count: it needs no new slot.
      if (part.delete_state !== "requested") {
        const now = clock.now();
        const used = await countDeletesSince(db, req.account.id, now - QUOTA_WINDOW_MS);
        const freeAt = nextDeleteSlotAt(used, now);
        if (freeAt > now) {
          return {
            kind: "retry",
            quota: true,
            runAt: freeAt,
            reason: `delete quota reached (${used.count}/${DELETE_QUOTA} deletes in 24 h); waiting until a slot frees up`,
          };
        }
      }
      const marked = await markDeleteRequested(db, part.id, clock.now(), {
        runId: req.runId,
        nodeId: control.nodeId,
      });
      if (!marked) throw LeaseLostError.of(req.runId);
      const answer = await deps.threads.deletePost(req.account.token, part.media_id);
      await markPartDeleted(db, part.id, clock.now());
      count += 1;
      if (answer.alreadyDeleted) alreadyGone += 1;
    } catch (error) {
      const outcome = outcomeOfDeleteError(error, part.position);
      if (outcome.kind === "failed") await markDeleteFailed(db, part.id, outcome.reason);
      return outcome;
    }
  }
  return { kind: "deleted", count, alreadyGone };
}

function outcomeOfDeleteError(error: unknown, position: number): DeleteOutcome {
  if (error instanceof LeaseLostError) return { kind: "lease_lost", reason: error.message };
  if (error instanceof StoppingError || stoppedBy(error)) {
    return { kind: "handed_back", reason: "handed back: the scheduler stopped" };
  }
  if (!(error instanceof ThreadsApiError)) {
    const message = error instanceof Error ? error.message : String(error);
    return { kind: "retry", reason: `unexpected error: ${message}` };
  }
  const which = `part ${position + 1}`;
  if (error.kind === "auth")
    return { kind: "reauth", reason: `the account must be reconnected: ${error.message}` };
  if (isDeleteQuotaRefusal(error)) {
    return {
      kind: "retry",
      quota: true,
      retryAfterMs: error.kind === "rate_limited" ? RATE_LIMIT_RETRY_MS : QUOTA_RETRY_MS,
      reason: `Threads refused the delete of ${which} for its limit (${error.message}); waiting for it to free up`,
    };
  }
  if (error.retryable) return { kind: "retry", reason: `deleting ${which}: ${error.message}` };
  return { kind: "failed", reason: `deleting ${which} failed: ${error.message}` };
}

function stoppedBy(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    if (e instanceof StoppingError) return true;
  }
  return false;
}
