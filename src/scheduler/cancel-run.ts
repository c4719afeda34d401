import type { Db } from "../db/connect.js";
import type { RunRow } from "../db/schema.js";
import { AppError, notFound } from "../errors.js";
import { ledgerOfRun } from "../publications/ledger.js";
import { DELETE_JOB } from "./delete-runs.repository.js";
import { ONE_OFF_PREFIX } from "./post-at.js";
import { cancelPlanned, getRun } from "./runs.repository.js";

export const CANCEL_REASON = "cancelled by user";

export interface CancelRunDeps {
  db: Db;
  /** Wakes the engines after the change (the composition root's `notify`, which never throws). */
  notify(): Promise<void>;
}

export interface CancelResult {
  run: RunRow;
  /** False when it was already cancelled (cancelling twice is not an error). */
  changed: boolean;
  /** Positions (1-based) of chain parts a previous attempt already published: they stay on Threads. */
  alreadyPublished: number[];
}

/**
 * Cancels one planned post, one-off or scheduled (`runs cancel ID`). A scheduled run is withdrawn without
 * editing its schedule: the cancelled row keeps its (job_key, due_at) key, so re-planning (reload, an edit
 * back to the same time, a restart) inserts nothing over it and the run is never planned again. Only a
 * `planned` run can be cancelled; a running, checking or finished one is refused with its state.
 */
export async function cancelRun(deps: CancelRunDeps, id: number, now: number): Promise<CancelResult> {
  const { db } = deps;
  const before = await getRun(db, id);
  if (!before) throw notFound("run", id);
  // A planned delete (auto-delete) can be withdrawn like a post: the post then stays on Threads.
  if (before.job !== "post" && before.job !== DELETE_JOB) {
    throw new AppError(
      "invalid_input",
      `Run ${id} is the daily token refresh, not a post: it cannot be cancelled (it keeps the accounts' tokens alive).`,
    );
  }
  if (before.state === "cancelled") return { run: before, changed: false, alreadyPublished: [] };
  const ledger = before.state === "planned" ? await ledgerOfRun(db, id) : undefined;
  const alreadyPublished = (ledger?.parts ?? [])
    .filter((p) => p.state === "published")
    .map((p) => p.position + 1);
  const reason =
    alreadyPublished.length > 0
      ? `${CANCEL_REASON}; part${alreadyPublished.length === 1 ? "" : "s"} ${alreadyPublished.join(", ")} had already been published and stay on Threads`
      : CANCEL_REASON;
  const run = await cancelPlanned(db, id, now, reason);
  if (run) {
    await deps.notify();
    return { run, changed: true, alreadyPublished };
  }
  const current = (await getRun(db, id)) ?? before;
  throw refusal(current);
}

function refusal(run: RunRow): AppError {
  const what = run.job_key.startsWith(ONE_OFF_PREFIX) ? "one-off post" : "run";
  const base = `Run ${run.id} cannot be cancelled: it is ${run.state}`;
  const follow = { hint: { action: "follow_run", runId: run.id } } as const;
  switch (run.state) {
    case "running":
      return new AppError(
        "conflict",
        `${base} (the ${what} is being published right now): see how it ends in the run history.`,
        follow,
      );
    case "needs_check":
      return new AppError(
        "conflict",
        `${base}: something may already be on Threads and the scheduler is checking before anything else; see how it ends in the run history.`,
        follow,
      );
    case "published":
      return new AppError(
        "conflict",
        run.job === "delete"
          ? `${base}: the delete has already run.`
          : `${base}: it is already on Threads. Delete it with \`threads-scheduler runs delete ${run.id}\` if it should not be there.`,
      );
    default:
      return new AppError(
        "conflict",
        `${base}${run.reason ? ` (${run.reason})` : ""}: only a planned run can be cancelled, and this one has ended.`,
      );
  }
}
