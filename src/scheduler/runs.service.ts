import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import type { RunRow } from "../db/schema.js";
import { type CancelResult, cancelRun } from "./cancel-run.js";
import {
  type ActiveSchedule,
  type JobInfo,
  listActiveSchedulesForCheck,
  listJobs,
  listRuns,
  type RunFilter,
  type RunInfo,
  zoneOfRun,
} from "./inspect.js";
import { planAll } from "./planner.js";

export interface RunServiceDeps {
  db: Db;
  clock: Clock;
  /** Zone of accounts and schedules without one. */
  defaultTimezone: string;
  /** How far ahead `replanAll` plans (PLAN_HORIZON_MS). */
  horizonMs: number;
  /** Wakes the engines of every process after a change to what is planned (the composition root's). */
  notify(): Promise<void>;
  /** Randomness of random windows (default Math.random). */
  rng?: () => number;
}

/**
 * What the scheduler's runs look like and what a user may do with them: the lists of `runs`, `jobs` and
 * `check`, cancelling one planned run, re-planning every schedule (`reload`). Reads never call Threads.
 */
export function createRunService(deps: RunServiceDeps) {
  const { db, clock, defaultTimezone, notify } = deps;
  return {
    /** Runs with their state, times (in each run's zone), permalinks and reasons. */
    list: (filter: RunFilter): Promise<RunInfo[]> => listRuns(db, filter, defaultTimezone),
    /** The recurring jobs with their next run, as of now. */
    jobs: (): Promise<JobInfo[]> => listJobs(db, clock.now(), defaultTimezone),
    /** The active schedules in id order, as `check` lists them. */
    activeSchedules: (): Promise<ActiveSchedule[]> => listActiveSchedulesForCheck(db),
    /** The zone a run's time is shown in: its schedule's, else its account's, else the default. */
    zoneOf: (run: RunRow): Promise<string> => zoneOfRun(db, run, defaultTimezone),
    /** Cancels one planned run (see cancelRun); the engines are told. */
    cancel: (id: number): Promise<CancelResult> => cancelRun({ db, notify }, id, clock.now()),
    /** Re-plans every active schedule now (days already drawn are kept); returns the new runs. */
    async replanAll(): Promise<number> {
      const count = await planAll(db, {
        now: clock.now(),
        horizonMs: deps.horizonMs,
        defaultTimezone,
        ...(deps.rng ? { rng: deps.rng } : {}),
      });
      await notify();
      return count;
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;
