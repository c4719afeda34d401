import type { OccurrenceState } from "../db/schema.js";

/** What the engine reports; logs and the UI are fed from these. */
export type EngineEvent =
  | { type: "planned"; count: number }
  | {
      type: "claimed";
      occurrenceId: number;
      job: string;
      accountId: number | null;
      dueAt: number;
      delayMs: number;
    }
  | { type: "published"; occurrenceId: number; accountId: number }
  | { type: "retried"; occurrenceId: number; attempt: number; runAt: number; reason: string }
  | { type: "needs_check"; occurrenceId: number; reason: string }
  | { type: "failed"; occurrenceId: number; reason: string }
  | { type: "skipped"; occurrenceId: number; reason: string }
  | { type: "missed"; occurrenceId: number; dueAt: number; reason: string }
  | { type: "abandoned"; occurrenceId: number; reason: string }
  | { type: "settled"; occurrenceId: number; state: OccurrenceState }
  | {
      type: "token_refresh";
      refreshed: number;
      skipped: number;
      reauth: number;
      retryLater: number;
      failed: number;
    }
  | { type: "error"; where: string; error: Error };

export type EngineEventListener = (event: EngineEvent) => void;
