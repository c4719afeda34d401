import { DateTime } from "luxon";
import type { Db } from "../db/connect.js";
import type { RunRow, RunState } from "../db/schema.js";
import { ONE_OFF_PREFIX } from "./jobs/post-at.js";
import { TOKEN_REFRESH_KEY, TOKEN_REFRESH_TIME } from "./jobs/token-refresh-job.js";
import { endOfSchedule, nextDailyRun } from "./planning/index.js";

/** A recurring job as the original scheduler listed it: `schedule_{id}_{HH:MM}`, `token_refresh`, random plans. */
export interface JobInfo {
  id: string;
  kind: "fixed" | "random" | "token_refresh";
  scheduleId: number | null;
  accountId: number | null;
  timezone: string;
  /** ms, or null when nothing is planned (paused account, no selected weekday within the horizon). */
  nextRunAt: number | null;
  /** ISO 8601 in the job's zone, e.g. 2025-10-22T20:00:00+09:00. */
  nextRun: string | null;
  /** The schedule's last local date (inclusive), or null when it has no end. */
  until: string | null;
  /** Past its end date: nothing more runs (`nextRun` is null). */
  ended: boolean;
}

export function formatInZone(ms: number, zone: string): string {
  const seconds = Math.floor(ms / 1000) * 1000;
  return (
    DateTime.fromMillis(seconds, { zone }).toISO({ suppressMilliseconds: true }) ??
    new Date(seconds).toISOString()
  );
}

/** "2025-10-22 20:00:00+09:00", the way the original check script printed times. */
export function formatForReport(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd HH:mm:ssZZ");
}

/** The recurring jobs with their next run, read from the planned runs (the only source of truth). */
export async function listJobs(db: Db, now: number, defaultTimezone: string): Promise<JobInfo[]> {
  const schedules = await db
    .selectFrom("schedules as s")
    .innerJoin("accounts as a", "a.id", "s.account_id")
    .select([
      "s.id",
      "s.account_id",
      "s.kind",
      "s.times_json",
      "s.timezone",
      "s.until_date",
      "a.timezone as account_timezone",
    ])
    .where("s.active", "=", 1)
    .orderBy("s.id")
    .execute();
  const next = await db
    .selectFrom("runs")
    .select(["job_key", "slot", (eb) => eb.fn.min("due_at").as("next")])
    .where("state", "in", ["planned", "needs_check"])
    .where("due_at", ">=", now - 15 * 60_000)
    .groupBy(["job_key", "slot"])
    .execute();
  const nextBy = new Map<string, number>();
  for (const n of next) {
    const key = n.slot.startsWith("random") ? `${n.job_key}|random` : `${n.job_key}|${n.slot}`;
    const at = Number(n.next);
    const prev = nextBy.get(key);
    if (prev === undefined || at < prev) nextBy.set(key, at);
  }
  const jobs: JobInfo[] = [];
  const add = (
    id: string,
    kind: JobInfo["kind"],
    scheduleId: number | null,
    accountId: number | null,
    zone: string,
    at: number | undefined,
    until: string | null = null,
  ) => {
    const ended = until !== null && now >= endOfSchedule({ until, timezone: zone })!;
    const next = ended ? undefined : at;
    jobs.push({
      id,
      kind,
      scheduleId,
      accountId,
      timezone: zone,
      nextRunAt: next ?? null,
      nextRun: next === undefined ? null : formatInZone(next, zone),
      until,
      ended,
    });
  };
  for (const s of schedules) {
    const zone = s.timezone ?? s.account_timezone;
    if (s.kind === "fixed") {
      for (const time of JSON.parse(s.times_json ?? "[]") as string[]) {
        add(
          `schedule_${s.id}_${time}`,
          "fixed",
          s.id,
          s.account_id,
          zone,
          nextBy.get(`schedule:${s.id}|${time}`),
          s.until_date,
        );
      }
    } else {
      add(
        `schedule_${s.id}_random`,
        "random",
        s.id,
        s.account_id,
        zone,
        nextBy.get(`schedule:${s.id}|random`),
        s.until_date,
      );
    }
  }
  const refresh = next
    .filter((n) => n.job_key === TOKEN_REFRESH_KEY)
    .map((n) => Number(n.next))
    .sort((a, b) => a - b)[0];
  // Before any scheduler has planned it, the refresh still runs at the next 03:00: say so rather than "nothing".
  add(
    TOKEN_REFRESH_KEY,
    "token_refresh",
    null,
    null,
    defaultTimezone,
    refresh ?? nextDailyRun(TOKEN_REFRESH_TIME, defaultTimezone, now),
  );
  return jobs.sort(
    (a, b) => (a.nextRunAt ?? Number.POSITIVE_INFINITY) - (b.nextRunAt ?? Number.POSITIVE_INFINITY),
  );
}

/**
 * The state to show for a run. A token refresh that ran is stored as `published` (the one terminal success
 * state of the run machine), which reads as if something had been posted: it is shown as `done`.
 */
export function runStateLabel(run: { job: string; state: RunState }): string {
  return run.job === "token_refresh" && run.state === "published" ? "done" : run.state;
}

/**
 * What `runs --state` takes: every state a run is shown in. `done` is a token refresh that ran (stored as
 * `published`), so `published` means posts only.
 */
export const RUN_STATE_FILTERS = [
  "planned",
  "running",
  "published",
  "done",
  "failed",
  "missed",
  "needs_check",
  "skipped",
  "cancelled",
] as const;
export type RunStateFilter = (typeof RUN_STATE_FILTERS)[number];

export function isRunStateFilter(text: string): text is RunStateFilter {
  return (RUN_STATE_FILTERS as readonly string[]).includes(text);
}

export interface RunInfo {
  id: number;
  job: string;
  scheduleId: number | null;
  accountId: number | null;
  username: string | null;
  slot: string;
  state: RunState;
  /** The zone `dueAt` and `finishedAt` are written in: the schedule's, else the account's. */
  timezone: string;
  dueAt: string;
  dueAtMs: number;
  finishedAt: string | null;
  attempts: number;
  groupId: number | null;
  reason: string | null;
  permalinks: string[];
}

export interface RunFilter {
  accountId?: number;
  state?: RunState | RunStateFilter;
  /** Only runs due at or after this (ms). */
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
  limit?: number;
}

/** Runs with their state, times, permalinks and reasons, newest due first unless `from` is given. */
export async function listRuns(
  db: Db,
  filter: RunFilter,
  zoneOf: (accountTz: string | null) => string,
): Promise<RunInfo[]> {
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
  const rows = await q
    .orderBy("o.id")
    .limit(filter.limit ?? 200)
    .execute();
  const links = await permalinksFor(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => {
    const zone = r.schedule_timezone ?? zoneOf(r.account_timezone);
    return {
      id: r.id,
      job: r.job,
      scheduleId: r.schedule_id,
      accountId: r.account_id,
      username: r.username,
      slot: r.slot,
      state: r.state,
      timezone: zone,
      dueAt: formatInZone(r.due_at, zone),
      dueAtMs: r.due_at,
      finishedAt: r.finished_at === null ? null : formatInZone(r.finished_at, zone),
      attempts: r.attempts,
      groupId: r.group_id,
      reason: r.reason,
      permalinks: links.get(r.id) ?? [],
    };
  });
}

/** Said under a listing whose times are in more than one zone (they are sorted by instant, not by local time). */
export function mixedZonesNote(zones: Iterable<string>, order = "sorted by instant"): string | undefined {
  return new Set(zones).size > 1 ? `Times are in each schedule's zone; ${order}.` : undefined;
}

async function permalinksFor(db: Db, runIds: number[]): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>();
  if (runIds.length === 0) return map;
  for (let i = 0; i < runIds.length; i += 500) {
    const rows = await db
      .selectFrom("publications as p")
      .innerJoin("publication_parts as pp", "pp.publication_id", "p.id")
      .select(["p.run_id", "pp.permalink", "pp.position"])
      .where("p.run_id", "in", runIds.slice(i, i + 500))
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

/** The zone a run's time is shown in: its schedule's, else its account's, else the default. */
export async function zoneOfRun(db: Db, run: RunRow, defaultTimezone: string): Promise<string> {
  const row = await db
    .selectFrom("runs as o")
    .leftJoin("accounts as a", "a.id", "o.account_id")
    .leftJoin("schedules as s", "s.id", "o.schedule_id")
    .select(["s.timezone as schedule_timezone", "a.timezone as account_timezone"])
    .where("o.id", "=", run.id)
    .executeTakeFirst();
  return row?.schedule_timezone ?? (row?.account_timezone || defaultTimezone);
}
