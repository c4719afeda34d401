import type { Clock } from "../../clock.js";
import type { Db } from "../../db/connect.js";
import type { Logger } from "../../log.js";
import type { ThreadsClient } from "../../threads/client.js";
import type { BackoffPolicy } from "../backoff.js";
import type { JobRegistry } from "../jobs/job.js";

/** How an engine is built (the composition root passes these). */
export interface EngineOptions {
  db: Db;
  threads: ThreadsClient;
  clock: Clock;
  logger: Logger;
  /** The jobs this engine runs, keyed by `runs.job` (`createJobRegistry`). */
  jobs: JobRegistry;
  defaultTimezone: string;
  /** Publications running at once in this process (default 20). */
  concurrency?: number;
  /** How long a claim holds without a heartbeat (default DEFAULT_LEASE_MS, 60 s). */
  leaseMs?: number;
  /** How often held leases are renewed (default leaseMs / 4). */
  heartbeatMs?: number;
  /** How far ahead runs are planned (default 48 h). */
  horizonMs?: number;
  /** How often the horizon is extended (default 10 minutes). */
  replanEveryMs?: number;
  /** The safety-net poll when nothing is due sooner (default 1 s; wake-ups by timer and NOTIFY come first). */
  pollMs?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  nodeId?: string;
  /** Waits for work on other nodes (PostgreSQL LISTEN); returns an unsubscribe. */
  subscribe?: (wake: () => void) => Promise<() => Promise<void>>;
  /** Polls waiting for a media container use this (tests pass one that advances a fake clock). */
  containerTimeoutMs?: number;
}

/** How long a claim holds without a heartbeat, unless the engine is given another. */
export const DEFAULT_LEASE_MS = 60_000;

/** What `stop()` ended with. */
export interface StopResult {
  /** Runs the stop timeout cut off (their calls to Threads were ended). */
  cutOff: number;
  /** Of those, the ones back in `planned` (nothing can have been published): the next start runs them. */
  handedBack: number;
  /**
   * Of those, the ones in `needs_check` (a publish call may have gone out, or the run never wrote its state):
   * the next start asks Threads before anything is published again.
   */
  toCheck: number;
  /**
   * Runs still not settled after that: their rows were sent to `needs_check` by the stop itself, so the next
   * scheduler checks Threads before anything is published again.
   */
  leftToCheck: number;
}
