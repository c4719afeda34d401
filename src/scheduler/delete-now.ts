import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import type { RunRow, RunState } from "../db/schema.js";
import { AppError, notFound } from "../errors.js";
import { type DeletablePart, deletablePartsOfRun } from "../publications/deleter.js";
import { claimDeleteRunNow, findDeleteRun, insertDeleteRun } from "./delete-runs.repository.js";
import type { Engine } from "./engine/engine.js";
import { getRun, isUniqueViolation } from "./runs.repository.js";

export interface DeleteNowDeps {
  db: Db;
  clock: Clock;
  /** Runs the delete: its claim's node id and lease, its heartbeat, the delete job, the settle. */
  engine: Pick<Engine, "nodeId" | "leaseMs" | "runAdopted">;
}

/** What `runs delete` shows before it asks: the post run, its parts on Threads, its planned delete. */
export interface DeletePreview {
  run: RunRow;
  /** The published parts, last first (the order they are deleted in). */
  parts: DeletablePart[];
  /** The delete run already planned (an auto-delete, or one waiting to retry), which is used instead of a new one. */
  planned: RunRow | undefined;
}

export interface DeleteNowResult {
  /** The delete run. */
  runId: number;
  state: RunState | "lease_lost";
  reason: string | null;
  parts: DeletablePart[];
}

/**
 * The post run states that are final: nothing more of the run goes to Threads. A failed or skipped run may have
 * some of its parts on Threads (a chain cut short), which may be deleted.
 */
const SETTLED_POST_STATES: ReadonlySet<RunState> = new Set<RunState>([
  "published",
  "failed",
  "skipped",
  "cancelled",
  "missed",
]);

/**
 * What deleting post run `postRunId` would delete; refuses a run not ended yet (it may still post parts) and a
 * run with nothing (left) on Threads.
 */
export async function previewDelete(db: Db, postRunId: number): Promise<DeletePreview> {
  const run = await getRun(db, postRunId);
  if (!run) throw notFound("run", postRunId);
  if (run.job !== "post") {
    throw new AppError(
      "invalid_input",
      `Run ${postRunId} is a ${run.job} run, not a post: there is nothing to delete.`,
    );
  }
  if (!SETTLED_POST_STATES.has(run.state)) {
    // A post run still to come or under way (a planned retry, running, being checked) may still post parts: a
    // chain's later parts would go up as replies to a deleted root, and no delete would ever see them.
    throw new AppError(
      "conflict",
      `Run ${postRunId} is still publishing or being checked (it is ${run.state}${run.reason ? `: ${run.reason}` : ""}): it can be deleted once it has ended.`,
      { hint: { action: "follow_run", runId: postRunId } },
    );
  }
  const parts = await deletablePartsOfRun(db, postRunId);
  if (parts.length === 0) {
    throw new AppError(
      "conflict",
      `Run ${postRunId} has nothing on Threads to delete (it is ${run.state}${run.reason ? `: ${run.reason}` : ""}).`,
    );
  }
  if (parts.every((p) => p.delete_state === "deleted")) {
    throw new AppError("conflict", `Run ${postRunId} was already deleted from Threads.`);
  }
  const existing = await findDeleteRun(db, postRunId);
  const planned =
    existing &&
    (existing.state === "planned" || existing.state === "needs_check" || existing.state === "running")
      ? existing
      : undefined;
  return { run, parts, planned };
}

/**
 * Deletes a post run's parts now (`runs delete`), through the engine like every run: its planned delete run when
 * it has one (an auto-delete is used, not doubled), else a new one inserted already claimed by this engine's node.
 * What Threads did is in the ledger whatever happens here: a delete cut short is finished by the scheduler.
 */
export async function deleteNow(deps: DeleteNowDeps, postRunId: number): Promise<DeleteNowResult> {
  const { db, clock, engine } = deps;
  const preview = await previewDelete(db, postRunId);
  const accountId = preview.run.account_id;
  if (accountId === null) {
    throw new AppError(
      "conflict",
      `Run ${postRunId}'s account was removed: reconnect it to delete its posts.`,
    );
  }
  const now = clock.now();
  const claim = { nodeId: engine.nodeId, now, leaseUntil: now + engine.leaseMs };
  let run: RunRow | undefined;
  try {
    if (preview.planned?.state === "running") throw busy(postRunId, preview.planned.id);
    run = preview.planned
      ? await claimDeleteRunNow(db, preview.planned.id, claim)
      : await insertDeleteRun(db, { postRunId, accountId, dueAt: now, now, claimedBy: claim });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new AppError(
      "conflict",
      `The account of run ${postRunId} is publishing or deleting something right now (one at a time per account). Try again in a minute.`,
    );
  }
  if (!run) throw busy(postRunId, preview.planned?.id);
  const settled = await engine.runAdopted(run);
  const parts = await deletablePartsOfRun(db, postRunId);
  if (settled) return { runId: run.id, state: settled.state, reason: settled.reason ?? null, parts };
  return {
    runId: run.id,
    state: "lease_lost",
    reason: `the lease on delete run ${run.id} was lost before its outcome was recorded; the scheduler finishes it`,
    parts,
  };
}

function busy(postRunId: number, deleteRunId: number | undefined): AppError {
  const which = deleteRunId === undefined ? "its delete run" : `delete run ${deleteRunId}`;
  return new AppError(
    "conflict",
    `Run ${postRunId} is being deleted right now: ${which}'s reason says how it ends.`,
    { hint: { action: "follow_run", runId: deleteRunId ?? postRunId } },
  );
}
