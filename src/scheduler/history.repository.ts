import type { Db } from "../db/connect.js";
import type { AccountRow, RunState, ScheduleRow } from "../db/schema.js";
import { ONE_OFF_PREFIX } from "./post-at.js";
import { CLAIMABLE_STATES, type RunStateFilter } from "./run-state.js";

/**
 * The read models of `jobs`, `runs`, `check` and the status page: what is planned and what ran, with the
 * names and zones to show them by. Reads only; archived accounts and removed schedules stay in the history.
 */

/** Ids per `in (…)` list: far below the bound-parameter limits of SQLite and PostgreSQL. */
const BATCH = 500;

/** An active schedule with what `jobs` and `check` show of it and its account. */
export type ActiveScheduleRow = Pick<
  ScheduleRow,
  | "id"
  | "account_id"
  | "kind"
  | "times_json"
  | "window_start"
  | "window_end"
  | "posts_per_day"
  | "timezone"
  | "until_date"
> & { account_timezone: AccountRow["timezone"] } & Pick<AccountRow, "username" | "name">;

/** The active schedules, in id order, each with its account's zone and names. */
export async function listActiveSchedules(db: Db): Promise<ActiveScheduleRow[]> {
  return db
    .selectFrom("schedules as s")
    .innerJoin("accounts as a", "a.id", "s.account_id")
    .select([
      "s.id",
      "s.account_id",
      "s.kind",
      "s.times_json",
      "s.window_start",
      "s.window_end",
      "s.posts_per_day",
      "s.timezone",
      "s.until_date",
      "a.timezone as account_timezone",
      "a.username",
      "a.name",
    ])
    .where("s.active", "=", 1)
    .orderBy("s.id")
    .execute();
}

/** Per (job key, slot), the earliest run still to come (planned or being checked) due from `from` on. */
export async function listNextDue(
  db: Db,
  from: number,
): Promise<Array<{ job_key: string; slot: string; next: number }>> {
  const rows = await db
    .selectFrom("runs")
    .select(["job_key", "slot", (eb) => eb.fn.min("due_at").as("next")])
    .where("state", "in", CLAIMABLE_STATES)
    .where("due_at", ">=", from)
    .groupBy(["job_key", "slot"])
    .execute();
  return rows.map((row) => ({ job_key: row.job_key, slot: row.slot, next: Number(row.next) }));
}

/** Which runs `listRunRows` reads. */
export interface RunRowFilter {
  accountId?: number;
  /** A state, or `done`: a token refresh that ran (stored as `published`, which then means posts only). */
  state?: RunStateFilter;
  /** Only runs due at or after this (ms); then oldest first, else newest first. */
  from?: number;
  /** Only runs due before this (ms)… */
  to?: number;
  /**
   * …except, with this, the later one-off posts and cancelled runs, which a user wants to see coming (the
   * scheduled runs planned ahead are many and are listed by `jobs`).
   */
  alsoUpcomingOneOffs?: boolean;
  /** Only one-off posts (`post --at`). */
  oneOff?: boolean;
  limit: number;
}

/** A run with its account's name and zone and its schedule's zone. */
export interface RunHistoryRow {
  id: number;
  job: string;
  schedule_id: number | null;
  account_id: number | null;
  username: string | null;
  account_timezone: string | null;
  schedule_timezone: string | null;
  slot: string;
  state: RunState;
  due_at: number;
  finished_at: number | null;
  attempts: number;
  group_id: number | null;
  reason: string | null;
}

export async function listRunRows(db: Db, filter: RunRowFilter): Promise<RunHistoryRow[]> {
  let q = db
    .selectFrom("runs as o")
    .leftJoin("accounts as a", "a.id", "o.account_id")
    .leftJoin("schedules as s", "s.id", "o.schedule_id")
    .select([
      "o.id",
      "o.job",
      "o.schedule_id",
      "o.account_id",
      "a.username",
      "a.timezone as account_timezone",
      "s.timezone as schedule_timezone",
      "o.slot",
      "o.state",
      "o.due_at",
      "o.finished_at",
      "o.attempts",
      "o.group_id",
      "o.reason",
    ]);
  if (filter.accountId !== undefined) q = q.where("o.account_id", "=", filter.accountId);
  if (filter.state === "done") {
    q = q.where("o.state", "=", "published").where("o.job", "=", "token_refresh");
  } else if (filter.state === "published") {
    q = q.where("o.state", "=", "published").where("o.job", "<>", "token_refresh");
  } else if (filter.state !== undefined) {
    q = q.where("o.state", "=", filter.state);
  }
  if (filter.from !== undefined) q = q.where("o.due_at", ">=", filter.from);
  if (filter.to !== undefined) {
    const to = filter.to;
    q = filter.alsoUpcomingOneOffs
      ? q.where((eb) =>
          eb.or([
            eb("o.due_at", "<", to),
            eb("o.job_key", "like", `${ONE_OFF_PREFIX}%`),
            eb("o.state", "=", "cancelled"),
          ]),
        )
      : q.where("o.due_at", "<", to);
  }
  if (filter.oneOff) q = q.where("o.job_key", "like", `${ONE_OFF_PREFIX}%`);
  q = filter.from !== undefined ? q.orderBy("o.due_at", "asc") : q.orderBy("o.due_at", "desc");
  return q.orderBy("o.id").limit(filter.limit).execute();
}

/** The permalinks of each run's published parts, in part order. */
export async function listPermalinksOfRuns(db: Db, runIds: number[]): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>();
  for (let i = 0; i < runIds.length; i += BATCH) {
    const rows = await db
      .selectFrom("publications as p")
      .innerJoin("publication_parts as pp", "pp.publication_id", "p.id")
      .select(["p.run_id", "pp.permalink", "pp.position"])
      .where("p.run_id", "in", runIds.slice(i, i + BATCH))
      .where("pp.permalink", "is not", null)
      .orderBy("p.run_id")
      .orderBy("pp.position")
      .execute();
    for (const r of rows) {
      const list = map.get(r.run_id) ?? [];
      list.push(r.permalink!);
      map.set(r.run_id, list);
    }
  }
  return map;
}

/** The zones of a run's schedule and account (each null when it has none). */
export async function getZonesOfRun(
  db: Db,
  runId: number,
): Promise<{ schedule_timezone: string | null; account_timezone: string | null } | undefined> {
  return db
    .selectFrom("runs as o")
    .leftJoin("accounts as a", "a.id", "o.account_id")
    .leftJoin("schedules as s", "s.id", "o.schedule_id")
    .select(["s.timezone as schedule_timezone", "a.timezone as account_timezone"])
    .where("o.id", "=", runId)
    .executeTakeFirst();
}
