import type { RunState } from "../db/schema.js";

/** What the engine reports; logs and the UI are fed from these. */
export type EngineEvent =
  | { type: "planned"; count: number }
  | {
      type: "claimed";
      runId: number;
      job: string;
      accountId: number | null;
      dueAt: number;
      delayMs: number;
    }
  | { type: "published"; runId: number; accountId: number }
  | { type: "retried"; runId: number; attempt: number; runAt: number; reason: string }
  | { type: "needs_check"; runId: number; reason: string }
  | { type: "failed"; runId: number; reason: string }
  | { type: "skipped"; runId: number; reason: string }
  | { type: "missed"; runId: number; dueAt: number; reason: string }
  | { type: "abandoned"; runId: number; reason: string }
  | { type: "settled"; runId: number; state: RunState }
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
