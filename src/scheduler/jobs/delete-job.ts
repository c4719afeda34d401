import type { RunRow } from "../../db/schema.js";
import { type DeleteOutcome, deleteRunParts } from "../../publications/deleter.js";
import { retryDelay } from "../backoff.js";
import type { DeletePayload } from "../delete-runs.repository.js";
import type { RunControl } from "../engine/run-control.js";
import type { Outcome } from "../runs.repository.js";
import { heldOutcome, type PublishingAccounts, passAccountGate } from "./account-gate.js";
import type { Job, JobContext } from "./job.js";

/**
 * Deletes a post run's published parts (`delete:{postRunId}`): planned at publish time plus the group's or
 * schedule's delete-after, or asked for with `runs delete`. It has no plan of its own: the post job's settle plans
 * it. A paused account's deletes still run: pausing stops new posts, and the user asked for these deletes (a post
 * left up past its time is the surprise to avoid); an account to reconnect holds them, as it holds posts.
 */
export function deleteJob(accounts: PublishingAccounts): Job {
  return {
    run: (ctx, run, control) => runDeleteJob(ctx, accounts, run, control),
  };
}

async function runDeleteJob(
  ctx: JobContext,
  accounts: PublishingAccounts,
  run: RunRow,
  control: RunControl,
): Promise<Outcome> {
  const payload = readPayload(run.payload_json);
  if (!payload) return { state: "failed", reason: "this delete run names no post run; nothing was deleted" };
  const gate = await passAccountGate(accounts, run, ctx.clock.now(), { evenIfPaused: true });
  if ("outcome" in gate) return gate.outcome;
  const { loaded } = gate;
  const outcome = await deleteRunParts(
    { db: ctx.db, threads: ctx.threads, clock: ctx.clock, control },
    { runId: run.id, postRunId: payload.postRunId, account: { id: loaded.account.id, token: loaded.token } },
  );
  if (outcome.kind === "reauth") await accounts.markReauth(loaded.account.id, outcome.reason);
  return toRunOutcome(outcome, run, ctx);
}

function readPayload(json: string | null): DeletePayload | undefined {
  if (!json) return undefined;
  try {
    const value = JSON.parse(json) as Partial<DeletePayload>;
    return Number.isInteger(value.postRunId) ? { postRunId: value.postRunId as number } : undefined;
  } catch {
    return undefined;
  }
}

function toRunOutcome(outcome: DeleteOutcome, run: RunRow, ctx: JobContext): Outcome {
  const now = ctx.clock.now();
  switch (outcome.kind) {
    case "deleted": {
      const gone = outcome.alreadyGone > 0 ? ` (${outcome.alreadyGone} already gone from Threads)` : "";
      const what = outcome.count === 1 ? "1 post" : `${outcome.count} parts`;
      return {
        state: "published",
        reason: `deleted ${what} of run ${readPayload(run.payload_json)?.postRunId}${gone}`,
      };
    }
    case "failed":
      return { state: "failed", reason: outcome.reason };
    case "handed_back":
      return { state: "planned", runAt: now, reason: outcome.reason };
    case "lease_lost":
      // Settling is refused anyway (the lease is gone); whoever holds the run re-sends what is `requested`.
      return { state: "needs_check", runAt: now, reason: outcome.reason };
    case "reauth":
      return heldOutcome(now, outcome.reason);
    case "retry": {
      // Waiting for the delete quota is not a failure: it waits as long as it takes.
      if (outcome.quota) {
        const runAt = outcome.runAt ?? now + (outcome.retryAfterMs ?? 0);
        return { state: "planned", runAt, resetAttempts: true, reason: outcome.reason };
      }
      if (run.attempts >= ctx.backoff.maxAttempts) {
        return { state: "failed", reason: `gave up after ${run.attempts} attempts: ${outcome.reason}` };
      }
      const delay = Math.max(outcome.retryAfterMs ?? 0, retryDelay(run.attempts, ctx.backoff, ctx.random()));
      return {
        state: "planned",
        runAt: now + delay,
        reason: `retrying (attempt ${run.attempts}): ${outcome.reason}`,
      };
    }
  }
}
