import { readAnyAppState } from "../db/app-state.js";
import type { Db } from "../db/connect.js";
import { type Dialect, dialectOf } from "../db/dialect.js";
import { formatInZone, type JobInfo, listJobs, listRuns, type RunInfo } from "./inspect.js";
import { listAccountsForStatus } from "./status.repository.js";

export interface StatusServiceDeps {
  db: Db;
  /** Zone for runs whose schedule and account have none. */
  defaultTimezone: string;
}

/** The database's part of `/health`. */
export interface DatabaseHealth {
  dialect: Dialect;
  status: "ok" | "unreachable";
}

/** What the status page shows, read at one instant. */
export interface StatusPageReads {
  accounts: Array<{
    id: number;
    username: string;
    status: string;
    status_reason: string | null;
    /** In the account's zone. */
    tokenExpires: string;
  }>;
  /** The first 50 recurring jobs by next run. */
  jobs: JobInfo[];
  /** The next 20 planned runs. */
  upcoming: RunInfo[];
  /** The 50 latest runs due by now, newest first. */
  runs: RunInfo[];
}

export type StatusService = ReturnType<typeof createStatusService>;

/** The reads of the HTTP app's health check and status page, so that the HTTP layer never holds the database. */
export function createStatusService(deps: StatusServiceDeps) {
  const { db, defaultTimezone } = deps;

  async function health(): Promise<DatabaseHealth> {
    let status: DatabaseHealth["status"] = "ok";
    try {
      await readAnyAppState(db);
    } catch {
      status = "unreachable";
    }
    return { dialect: dialectOf(db), status };
  }

  async function statusPage(now: number): Promise<StatusPageReads> {
    const accounts = await listAccountsForStatus(db);
    const jobs = (await listJobs(db, now, defaultTimezone)).slice(0, 50);
    const upcoming = await listRuns(db, { state: "planned", from: now, limit: 20 }, defaultTimezone);
    const runs = await listRuns(db, { limit: 50, to: now + 1 }, defaultTimezone);
    return {
      accounts: accounts.map(({ token_expires_at, timezone, ...a }) => ({
        ...a,
        tokenExpires: formatInZone(token_expires_at, timezone),
      })),
      jobs,
      upcoming,
      runs,
    };
  }

  return { health, statusPage };
}
