/**
 * The states of a run, stored and shown: the one home of these lists, shared by the database types, the
 * scheduler, inspect and the runs schema (pure: a schema may import it).
 */

/** Every state a run is stored in, in the order they are listed. */
export const RUN_STATES = [
  "planned",
  "running",
  "published",
  "failed",
  "missed",
  "needs_check",
  "skipped",
  /** Withdrawn by the user (`runs cancel`) while planned; never claimed, never planned again. */
  "cancelled",
] as const;

export type RunState = (typeof RUN_STATES)[number];

/**
 * In flight: claimed and running, or waiting for a check against Threads. Something of such a run may be on
 * Threads already.
 */
export const IN_FLIGHT_STATES = ["running", "needs_check"] as const satisfies readonly RunState[];

/**
 * Claimable: the states a run may be claimed from, i.e. still to come (planned, or waiting for a check).
 * The partial index `occurrences_claimable` (migration 0004, PostgreSQL) has exactly this condition.
 */
export const CLAIMABLE_STATES = ["planned", "needs_check"] as const satisfies readonly RunState[];

/**
 * What `runs --state` takes: every state a run is shown in, `done` after `published`. `done` is a token
 * refresh that ran (stored as `published`), so `published` means posts only.
 */
export type RunStateFilter = RunState | "done";
export const RUN_STATE_FILTERS: readonly RunStateFilter[] = RUN_STATES.flatMap((state): RunStateFilter[] =>
  state === "published" ? [state, "done"] : [state],
);

/**
 * The state to show for a run. A token refresh that ran is stored as `published` (the one terminal success
 * state of the run machine), which reads as if something had been posted: it is shown as `done`.
 */
export function runStateLabel(run: { job: string; state: RunState }): RunStateFilter {
  return run.job === "token_refresh" && run.state === "published" ? "done" : run.state;
}
