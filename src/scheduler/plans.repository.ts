import type { Insertable } from "kysely";
import { insertSkippingConflicts } from "../db/bulk-insert.js";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import type { PlannedDaysTable, RunsTable, ScheduleRow } from "../db/schema.js";

/**
 * The planner's SQL: the schedules it plans (with their account's zone), the `planned_days` records, and the
 * planned runs it writes and clears. Runs in any other state are the engine's (runs.repository.ts).
 */

/** Ids per `in (…)` list: far below the bound-parameter limits of SQLite and PostgreSQL. */
const BATCH = 500;

/** A schedule as the planner reads it: its row and its account's zone. */
export type PlanTargetRow = ScheduleRow & { account_timezone: string };

/** What a planner found recorded for a (schedule, date). */
export interface KnownDay {
  version: number;
  nextDueAt: number | null;
  drawJson: string | null;
}

function selectTargets(db: Db) {
  return db
    .selectFrom("schedules")
    .innerJoin("accounts", "accounts.id", "schedules.account_id")
    .selectAll("schedules")
    .select("accounts.timezone as account_timezone");
}

/**
 * One schedule to plan (active or not). With `lock` on PostgreSQL its row is locked FOR UPDATE: a planner
 * writing its days holds it FOR SHARE, so this waits for that planner to commit.
 */
export async function getPlanTarget(
  db: Db,
  scheduleId: number,
  options: { lock?: boolean } = {},
): Promise<PlanTargetRow | undefined> {
  let read = selectTargets(db).where("schedules.id", "=", scheduleId);
  if (options.lock && dialectOf(db) === "postgres") read = read.forUpdate(["schedules"]);
  return read.executeTakeFirst();
}

/** A page of the active schedules: ids after `afterId`, in id order. */
export async function listActivePlanTargets(
  db: Db,
  afterId: number,
  limit: number,
): Promise<PlanTargetRow[]> {
  return selectTargets(db)
    .where("schedules.active", "=", 1)
    .where("schedules.id", ">", afterId)
    .orderBy("schedules.id")
    .limit(limit)
    .execute();
}

/**
 * Per schedule, its recorded days from its first candidate date (`fromOf`) on, and any older one not fully
 * written.
 */
export async function loadPlannedDays(
  db: Db,
  schedules: Array<{ id: number; from: string }>,
): Promise<Map<number, Map<string, KnownDay>>> {
  const known = new Map<number, Map<string, KnownDay>>();
  for (let i = 0; i < schedules.length; i += BATCH) {
    const chunk = schedules.slice(i, i + BATCH);
    const from = chunk.map((s) => s.from).sort()[0]!;
    const ids = chunk.map((s) => s.id);
    const read = db
      .selectFrom("planned_days")
      .select(["schedule_id", "local_date", "schedule_version", "next_due_at", "draw_json"])
      .where("schedule_id", "in", ids);
    // Two reads, each on its own index (the primary key; the partial index of unfinished days): one `or`
    // made PostgreSQL read every recorded day of the schedules (old ones are pruned only hourly, and only
    // once fully written).
    const rows = [
      ...(await read
        .where("local_date", "<", from)
        .where("next_due_at", "is not", null)
        .orderBy("schedule_id")
        .orderBy("local_date")
        .execute()),
      ...(await read.where("local_date", ">=", from).orderBy("schedule_id").orderBy("local_date").execute()),
    ];
    for (const row of rows) {
      const days = known.get(row.schedule_id) ?? new Map<string, KnownDay>();
      known.set(row.schedule_id, days);
      days.set(row.local_date, {
        version: row.schedule_version,
        nextDueAt: row.next_due_at,
        drawJson: row.draw_json,
      });
    }
  }
  return known;
}

/**
 * The active schedules among `ids`, with their versions. On PostgreSQL their rows are locked FOR SHARE and
 * their accounts' FOR KEY SHARE, in id order: the account lock is the one the run inserts' foreign
 * key would take later anyway, taken first so that deleting an account (account row, then its schedules by
 * cascade) waits for this transaction instead of deadlocking with it. SQLite runs one writer at a time.
 */
export async function lockActiveSchedules(trx: Db, ids: number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  let query = trx
    .selectFrom("schedules")
    .innerJoin("accounts", "accounts.id", "schedules.account_id")
    .select(["schedules.id", "schedules.version"])
    .where("schedules.id", "in", ids)
    .where("schedules.active", "=", 1)
    // Removing an account pauses its schedules; this keeps a removed account unplanned whatever its rows say.
    .where("accounts.archived_at", "is", null)
    .orderBy("schedules.id");
  if (dialectOf(trx) === "postgres") query = query.forShare(["schedules"]).forKeyShare(["accounts"]);
  const rows = await query.execute();
  return new Map(rows.map((row) => [row.id, row.version]));
}

/**
 * Records new days, skipping those another planner recorded first; returns the (schedule, date) pairs this
 * call recorded. Rows must come in (schedule id, date) order, so that concurrent PostgreSQL planners wait on
 * each other's rows in one order and cannot deadlock.
 */
export async function claimPlannedDays(
  trx: Db,
  days: Insertable<PlannedDaysTable>[],
): Promise<Array<{ scheduleId: number; localDate: string }>> {
  const claimed = await insertSkippingConflicts(trx, "planned_days", days, {
    conflict: ["schedule_id", "local_date"],
    returning: ["schedule_id", "local_date"],
  });
  return claimed.returned.map((row) => ({
    scheduleId: Number(row.schedule_id),
    localDate: String(row.local_date),
  }));
}

/** What a planner records about a day it wrote (part of). */
export interface DayRecord {
  planned_at: number;
  next_due_at: number | null;
  draw_json: string | null;
}

/** Takes over a day recorded by an older version of the schedule; false when another planner did first. */
export async function takeOverStaleDay(
  trx: Db,
  day: { scheduleId: number; localDate: string; version: number },
  record: DayRecord,
): Promise<boolean> {
  const taken = await trx
    .updateTable("planned_days")
    .set({ schedule_version: day.version, ...record })
    .where("schedule_id", "=", day.scheduleId)
    .where("local_date", "=", day.localDate)
    .where("schedule_version", "<", day.version)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0;
}

/**
 * Takes over the rest of a recorded day, as read (`seen`: same version, same first unwritten run, same draw);
 * false when another planner wrote this part first.
 */
export async function takeRestOfDay(
  trx: Db,
  day: { scheduleId: number; localDate: string; version: number },
  seen: KnownDay,
  record: DayRecord,
): Promise<boolean> {
  const taken = await trx
    .updateTable("planned_days")
    .set(record)
    .where("schedule_id", "=", day.scheduleId)
    .where("local_date", "=", day.localDate)
    .where("schedule_version", "=", day.version)
    .where("next_due_at", "=", seen.nextDueAt)
    // The same draw as read: a pause and resume in between (same version) draws the day anew.
    .where("draw_json", seen.drawJson === null ? "is" : "=", seen.drawJson)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0;
}

/** Deletes a schedule's unclaimed runs of one local date due from `from` on. */
export async function deletePlannedRunsOfDay(
  trx: Db,
  scheduleId: number,
  localDate: string,
  from: number,
): Promise<void> {
  await trx
    .deleteFrom("runs")
    .where("schedule_id", "=", scheduleId)
    .where("local_date", "=", localDate)
    .where("state", "=", "planned")
    .where("due_at", ">=", from)
    .execute();
}

/** Inserts planned runs, skipping those already written (unique job_key, due_at); returns how many it wrote. */
export async function insertPlannedRuns(trx: Db, rows: Insertable<RunsTable>[]): Promise<number> {
  const { inserted } = await insertSkippingConflicts(trx, "runs", rows, { conflict: ["job_key", "due_at"] });
  return inserted;
}

/** Deletes a schedule's unclaimed runs due from `from` on; returns how many. */
export async function deletePlannedRunsFrom(db: Db, scheduleId: number, from: number): Promise<number> {
  const deleted = await db
    .deleteFrom("runs")
    .where("schedule_id", "=", scheduleId)
    .where("state", "=", "planned")
    .where("due_at", ">=", from)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** Forgets a schedule's days from `localDate` on, so they are planned again. */
export async function deletePlannedDaysFrom(db: Db, scheduleId: number, localDate: string): Promise<void> {
  await db
    .deleteFrom("planned_days")
    .where("schedule_id", "=", scheduleId)
    .where("local_date", ">=", localDate)
    .execute();
}

/** Marks every day of a schedule still to be written as fully written. */
export async function closePlannedDays(db: Db, scheduleId: number): Promise<void> {
  await db
    .updateTable("planned_days")
    .set({ next_due_at: null, draw_json: null })
    .where("schedule_id", "=", scheduleId)
    .where("next_due_at", "is not", null)
    .execute();
}

/** The longest misfire grace of any schedule (minutes; 0 without schedules). */
export async function longestMisfireGrace(db: Db): Promise<number> {
  const longest = await db
    .selectFrom("schedules")
    .select((eb) => eb.fn.max("misfire_grace_minutes").as("grace"))
    .executeTakeFirst();
  return Number(longest?.grace ?? 0);
}

/** Deletes the records of fully written days before `localDate`; returns how many. */
export async function deleteWrittenDaysBefore(db: Db, localDate: string): Promise<number> {
  const result = await db
    .deleteFrom("planned_days")
    .where("local_date", "<", localDate)
    .where("next_due_at", "is", null)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
