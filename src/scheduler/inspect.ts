import { DateTime } from "luxon";
import type { Db } from "../db/connect.js";
import type { RunRow, RunState } from "../db/schema.js";
import { deletedAtOfRuns } from "../publications/deleter.js";
import { type Schedule, scheduleZone, timesOf } from "../schedules/schedule.js";
import { plannedDeletesOf } from "./delete-runs.repository.js";
import {
  getZonesOfRun,
  listActiveSchedules,
  listNextDue,
  listPermalinksOfRuns,
  listRunRows,
  type RunRowFilter,
} from "./history.repository.js";
import { TOKEN_REFRESH_KEY, TOKEN_REFRESH_TIME } from "./jobs/token-refresh-job.js";
import { DEFAULT_MISFIRE_GRACE_MINUTES, endOfSchedule, nextDailyRun } from "./planning/index.js";

// The run states as shown live in run-state.ts (pure, shared with the runs schema); the CLI and the status
// page reach them through here.
export { RUN_STATE_FILTERS, type RunStateFilter, runStateLabel } from "./run-state.js";

/**
 * What `jobs`, `runs`, `check` and the status page show: the read models of history.repository.ts, in the
 * zones and words a user reads them in.
 */

const MINUTE = 60_000;

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

/**
 * The recurring jobs with their next run, read from the planned runs (the only source of truth). Runs due
 * up to the default misfire grace ago still count as next: they may yet run.
 */
export async function listJobs(db: Db, now: number, defaultTimezone: string): Promise<JobInfo[]> {
  const schedules = await listActiveSchedules(db);
  const next = await listNextDue(db, now - DEFAULT_MISFIRE_GRACE_MINUTES * MINUTE);
  const nextBy = new Map<string, number>();
  for (const n of next) {
    const key = n.slot.startsWith("random") ? `${n.job_key}|random` : `${n.job_key}|${n.slot}`;
    const at = n.next;
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
    const zone = scheduleZone(s.timezone, s.account_timezone, defaultTimezone);
    if (s.kind === "fixed") {
      for (const time of timesOf(s) ?? []) {
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
    .map((n) => n.next)
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
  /** When every published part of this post run was deleted (in `timezone`), or null. */
  deletedAt: string | null;
  /** When its planned delete (auto-delete, or one waiting to retry) is due (in `timezone`), or null. */
  deleteAt: string | null;
}

/** Which runs `listRuns` lists (at most `limit`, default 200). */
export type RunFilter = Omit<RunRowFilter, "limit"> & { limit?: number };

/**
 * Runs with their state, times, permalinks and reasons, newest due first unless `from` is given; times in the
 * run's zone (`scheduleZone`: its schedule's, else its account's, else `defaultTimezone`).
 */
export async function listRuns(db: Db, filter: RunFilter, defaultTimezone: string): Promise<RunInfo[]> {
  const rows = await listRunRows(db, { ...filter, limit: filter.limit ?? 200 });
  const links = await listPermalinksOfRuns(
    db,
    rows.map((r) => r.id),
  );
  const postIds = rows.filter((r) => r.job === "post").map((r) => r.id);
  const deleted = await deletedAtOfRuns(db, postIds);
  const deletes = await plannedDeletesOf(db, postIds);
  const inZone = (ms: number | undefined, zone: string) => (ms === undefined ? null : formatInZone(ms, zone));
  return rows.map((r) => {
    const zone = scheduleZone(r.schedule_timezone, r.account_timezone, defaultTimezone);
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
      deletedAt: inZone(deleted.get(r.id), zone),
      deleteAt: inZone(deletes.get(r.id), zone),
    };
  });
}

/** Said under a listing whose times are in more than one zone (they are sorted by instant, not by local time). */
export function mixedZonesNote(zones: Iterable<string>, order = "sorted by instant"): string | undefined {
  return new Set(zones).size > 1 ? `Times are in each schedule's zone; ${order}.` : undefined;
}

/** The zone a run's time is shown in: its schedule's, else its account's, else the default. */
export async function zoneOfRun(db: Db, run: RunRow, defaultTimezone: string): Promise<string> {
  const row = await getZonesOfRun(db, run.id);
  return scheduleZone(row?.schedule_timezone, row?.account_timezone, defaultTimezone);
}

/** An active schedule as `check` lists it: its timing and its account's name. */
export type ActiveSchedule = Pick<
  Schedule,
  "id" | "kind" | "times" | "windowStart" | "windowEnd" | "postsPerDay"
> & { username: string; name: string | null };

/** The active schedules in id order (the same read as `listJobs`). */
export async function listActiveSchedulesForCheck(db: Db): Promise<ActiveSchedule[]> {
  return (await listActiveSchedules(db)).map((s) => {
    const schedule: ActiveSchedule = { id: s.id, kind: s.kind, username: s.username, name: s.name };
    const times = timesOf(s);
    if (times !== undefined) schedule.times = times;
    if (s.window_start !== null) schedule.windowStart = s.window_start;
    if (s.window_end !== null) schedule.windowEnd = s.window_end;
    if (s.posts_per_day !== null) schedule.postsPerDay = s.posts_per_day;
    return schedule;
  });
}
