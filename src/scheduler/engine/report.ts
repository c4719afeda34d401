import type { RunRow } from "../../db/schema.js";
import type { EngineEvent } from "../events.js";
import type { Outcome } from "../runs.repository.js";

/** The events a settled run reports: one for its outcome (none for a run of no account that published), then `settled`. */
export function reportOutcome(run: RunRow, outcome: Outcome, emit: (event: EngineEvent) => void): void {
  const id = run.id;
  const reason = outcome.reason ?? "";
  switch (outcome.state) {
    case "published":
      // A post of an account reached Threads; a job of no account (the token refresh) published nothing.
      if (run.account_id !== null) emit({ type: "published", runId: id, accountId: run.account_id });
      break;
    case "planned":
      emit({ type: "retried", runId: id, attempt: run.attempts, runAt: outcome.runAt ?? 0, reason });
      break;
    case "needs_check":
      emit({ type: "needs_check", runId: id, reason });
      break;
    case "failed":
      emit({ type: "failed", runId: id, reason });
      break;
    case "skipped":
      emit({ type: "skipped", runId: id, reason });
      break;
    case "missed":
      emit({ type: "missed", runId: id, dueAt: run.due_at, reason });
      break;
  }
  emit({ type: "settled", runId: id, state: outcome.state });
}
