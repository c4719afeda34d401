import type { Insertable } from "kysely";
import { isValidTimeZone } from "../config.js";
import { insertSkippingConflicts } from "../db/bulk-insert.js";
import type { Database } from "../db/connect.js";
import type { OccurrencesTable, ScheduleRow } from "../db/schema.js";
import type { Logger } from "../log.js";
import {
  localDateAt,
  localDatesBetween,
  planDay,
  runsOn,
  type ScheduleSpec,
  validateSpec,
} from "./planning/index.js";

/**
 * Writes planned runs as occurrence rows, idempotently, for any number of planners at once.
 *
 * Every (schedule, local date) is planned once per schedule version and recorded in `planned_days`, for
 * fixed schedules too: the planner whose `planned_days` insert wins computes that day (random times are drawn
 * here, exactly once) and inserts its occurrences in the same transaction; everyone else skips the day. The
 * unique key (job_key, due_at) with ON CONFLICT DO NOTHING is the second guard. Recording fixed days as well
 * lets steady-state planning skip known days with one indexed read, and stops a later planner from
 * back-filling, inside the misfire grace, runs that a re-plan after an edit deliberately left out.
 *
 * Whole local days are planned: a day is planned as soon as it reaches the horizon, and all of its runs are
 * written, so rows may reach up to a day beyond `now + horizonMs`.
 */

const MINUTE = 60_000;
/** Schedules per page (and ids per `in (…)` list): far below the bound-parameter limits of SQLite and PostgreSQL. */
const BATCH = 500;
/** Pages planned at once by `planAll`: one being written while the next is read and computed. */
const PAGES_IN_FLIGHT = 2;

export interface PlanOptions {
  /** The planner's "now" (epoch ms), from the injected clock. */
  now: number;
  /** How far ahead to plan (ms), e.g. 48 h; rounded up to whole local days. */
  horizonMs: number;
  /** Randomness for random windows (default `Math.random`); pass `seededRng(...)` for reproducible draws. */
  rng?: () => number;
  /** Zone used when neither the schedule nor its account has one. */
  defaultTimezone: string;
  /** Where `planAll` reports schedules whose settings cannot be planned (default: not reported). */
  logger?: Logger;
}

type PlanTarget = ScheduleRow & { account_timezone: string };

/** Cut-off for new days: `now - grace` so a run due moments ago still fires late; `now` after an edit. */
type CutPolicy = "grace" | "now";

interface SchedulePlan {
  target: PlanTarget;
  spec: ScheduleSpec;
  /** Earliest due_at written for a newly planned day. */
  cut: number;
  /** Candidate dates (selected weekdays only), oldest first. */
  dates: string[];
}

/** The timing spec of a schedules row; `accountTimezone` applies when the row has no zone of its own. */
export function scheduleSpecOf(row: ScheduleRow, accountTimezone: string): ScheduleSpec {
  return {
    kind: row.kind,
    times: row.times_json === null ? undefined : parseJsonColumn<string[]>(row, "times_json", row.times_json),
    windowStart: row.window_start ?? undefined,
    windowEnd: row.window_end ?? undefined,
    postsPerDay: row.posts_per_day ?? undefined,
    minGapMinutes: row.min_gap_minutes ?? 0,
    days: parseJsonColumn(row, "days_json", row.days_json),
    timezone: row.timezone ?? accountTimezone,
  };
}

function parseJsonColumn<T>(row: ScheduleRow, column: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`Schedule ${row.id}: ${column} is not valid JSON; save the schedule again.`, {
      cause: error,
    });
  }
}

/**
 * Plans one schedule up to the horizon. Returns the number of occurrences inserted (0 when it is paused,
 * missing or already planned). Throws when the schedule's settings cannot be planned.
 */
export async function planSchedule(db: Database, scheduleId: number, opts: PlanOptions): Promise<number> {
  const target = await selectTargets(db).where("schedules.id", "=", scheduleId).executeTakeFirst();
  if (target?.active !== 1) return 0;
  return planTargets(db, [target], opts, "grace", (id, problems) => {
    throw new Error(`Schedule ${id} cannot be planned: ${problems.join(" ")}`);
  });
}

/**
 * Plans every active schedule of every account, a page of schedules at a time: per page one read of the
 * schedules, one of their planned days, and (only when some day is new) one transaction of batched inserts.
 * A schedule whose settings cannot be planned is reported to `opts.logger` and skipped.
 */
export async function planAll(db: Database, opts: PlanOptions): Promise<number> {
  // Pages are independent (disjoint schedules), so the next page is read and computed while the database
  // writes the previous one: on PostgreSQL the planner's CPU and the server's then overlap. SQLite runs one
  // statement at a time on its one connection, so there the pages simply follow each other.
  const inFlight: Array<Promise<PromiseSettledResult<number>>> = [];
  const results: Array<PromiseSettledResult<number>> = [];
  try {
    for (let afterId = 0; ; ) {
      const page = await selectTargets(db)
        .where("schedules.active", "=", 1)
        .where("schedules.id", ">", afterId)
        .orderBy("schedules.id")
        .limit(BATCH)
        .execute();
      if (page.length > 0) {
        // Settled at once, so a failing page is never an unhandled rejection while the next one is read.
        const planned = planTargets(db, page, opts, "grace", (scheduleId, problems) =>
          opts.logger?.warn("schedule cannot be planned; fix its settings", { scheduleId, problems }),
        );
        inFlight.push(Promise.allSettled([planned]).then(([r]) => r!));
      }
      if (page.length < BATCH) break;
      afterId = page.at(-1)!.id;
      if (inFlight.length >= PAGES_IN_FLIGHT) {
        const done = await inFlight.shift()!;
        results.push(done);
        if (done.status === "rejected") break;
      }
    }
  } finally {
    // Never return while a page's transaction is still running.
    results.push(...(await Promise.all(inFlight)));
  }
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.reduce((sum, r) => sum + (r.status === "fulfilled" ? r.value : 0), 0);
}

/**
 * Deletes the schedule's unclaimed future occurrences (state `planned`, due_at >= now; rows in any other
 * state are history or in flight and stay) and its `planned_days` from today's local date on, so those days
 * are planned again. Returns the number of occurrences deleted.
 */
export async function clearFuturePlan(db: Database, scheduleId: number, now: number): Promise<number> {
  const deleted = await db
    .deleteFrom("occurrences")
    .where("schedule_id", "=", scheduleId)
    .where("state", "=", "planned")
    .where("due_at", ">=", now)
    .executeTakeFirst();
  const target = await selectTargets(db).where("schedules.id", "=", scheduleId).executeTakeFirst();
  if (target) {
    const zone = target.timezone ?? target.account_timezone;
    await db
      .deleteFrom("planned_days")
      .where("schedule_id", "=", scheduleId)
      .where("local_date", ">=", localDateAt(isValidTimeZone(zone) ? zone : "UTC", now))
      .execute();
  }
  return Number(deleted.numDeletedRows);
}

/**
 * After a schedule is created or edited (its version bumped), in the same transaction as the edit: clears
 * the unclaimed future plan and plans again from `now` — no late runs inside the misfire grace, since the
 * user has just chosen the new times. Accepts a Transaction and then opens no transaction of its own.
 */
export async function replanSchedule(db: Database, scheduleId: number, opts: PlanOptions): Promise<void> {
  await inTransaction(db, async (trx) => {
    await clearFuturePlan(trx, scheduleId, opts.now);
    const target = await selectTargets(trx).where("schedules.id", "=", scheduleId).executeTakeFirst();
    if (target?.active !== 1) return;
    await planTargets(trx, [target], opts, "now", (id, problems) => {
      throw new Error(`Schedule ${id} cannot be planned: ${problems.join(" ")}`);
    });
  });
}

function selectTargets(db: Database) {
  return db
    .selectFrom("schedules")
    .innerJoin("accounts", "accounts.id", "schedules.account_id")
    .selectAll("schedules")
    .select("accounts.timezone as account_timezone");
}

function inTransaction<T>(db: Database, work: (trx: Database) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

async function planTargets(
  db: Database,
  targets: PlanTarget[],
  opts: PlanOptions,
  cutPolicy: CutPolicy,
  onInvalid: (scheduleId: number, problems: string[]) => void,
): Promise<number> {
  const horizonEnd = opts.now + opts.horizonMs;
  const plans: SchedulePlan[] = [];
  // Thousands of schedules share a handful of (zone, grace) pairs.
  const datesMemo = new Map<string, string[]>();
  const datesFor = (zone: string, from: number) => {
    const key = `${zone}|${from}`;
    let dates = datesMemo.get(key);
    if (!dates) {
      dates = localDatesBetween(zone, from, horizonEnd);
      datesMemo.set(key, dates);
    }
    return dates;
  };
  for (const target of targets) {
    let spec: ScheduleSpec;
    try {
      spec = scheduleSpecOf(target, target.account_timezone || opts.defaultTimezone);
    } catch (error) {
      onInvalid(target.id, [(error as Error).message]);
      continue;
    }
    const problems = validateSpec(spec);
    if (problems.length > 0) {
      onInvalid(target.id, problems);
      continue;
    }
    const cut = cutPolicy === "now" ? opts.now : opts.now - target.misfire_grace_minutes * MINUTE;
    const dates = datesFor(spec.timezone, cut).filter((date) => runsOn(spec, date));
    if (dates.length > 0) plans.push({ target, spec, cut, dates });
  }
  if (plans.length === 0) return 0;

  const known = await loadPlannedDays(db, plans);
  const work = plans
    .map((plan) => ({
      ...plan,
      fresh: plan.dates.filter((date) => !known.has(dayKey(plan.target.id, date))),
      stale: plan.dates.filter((date) => {
        const version = known.get(dayKey(plan.target.id, date));
        return version !== undefined && version !== plan.target.version;
      }),
    }))
    .filter((plan) => plan.fresh.length > 0 || plan.stale.length > 0);
  if (work.length === 0) return 0;
  return inTransaction(db, (trx) => writeDays(trx, work, opts));
}

async function loadPlannedDays(db: Database, plans: SchedulePlan[]): Promise<Map<string, number>> {
  const known = new Map<string, number>();
  for (const chunk of chunks(plans, BATCH)) {
    const from = chunk.map((plan) => plan.dates[0]!).sort()[0]!;
    const rows = await db
      .selectFrom("planned_days")
      .select(["schedule_id", "local_date", "schedule_version"])
      .where(
        "schedule_id",
        "in",
        chunk.map((plan) => plan.target.id),
      )
      .where("local_date", ">=", from)
      .execute();
    for (const row of rows) known.set(dayKey(row.schedule_id, row.local_date), row.schedule_version);
  }
  return known;
}

async function writeDays(
  trx: Database,
  plans: Array<SchedulePlan & { fresh: string[]; stale: string[] }>,
  opts: PlanOptions,
): Promise<number> {
  // Claim new days. Every planner inserts in (schedule id, date) order, so concurrent PostgreSQL planners
  // wait on each other's rows in one order and cannot deadlock; the loser of a day gets no row back.
  const won = new Set<string>();
  const freshRows = plans.flatMap((plan) =>
    plan.fresh.map((date) => ({
      schedule_id: plan.target.id,
      local_date: date,
      schedule_version: plan.target.version,
      planned_at: opts.now,
    })),
  );
  const claimed = await insertSkippingConflicts(trx, "planned_days", freshRows, {
    conflict: ["schedule_id", "local_date"],
    returning: ["schedule_id", "local_date"],
  });
  for (const row of claimed.returned) won.add(dayKey(Number(row.schedule_id), String(row.local_date)));

  // Days planned by an older version of the schedule: take them over and drop their unclaimed future runs.
  const redrawn = new Set<string>();
  for (const plan of plans.filter((p) => p.stale.length > 0)) {
    const { id, version } = plan.target;
    const taken = await trx
      .updateTable("planned_days")
      .set({ schedule_version: version, planned_at: opts.now })
      .where("schedule_id", "=", id)
      .where("local_date", "in", plan.stale)
      .where("schedule_version", "<>", version)
      .returning("local_date")
      .execute();
    if (taken.length === 0) continue;
    const dates = taken.map((row) => row.local_date);
    await trx
      .deleteFrom("occurrences")
      .where("schedule_id", "=", id)
      .where("local_date", "in", dates)
      .where("state", "=", "planned")
      .where("due_at", ">=", opts.now)
      .execute();
    for (const date of dates) redrawn.add(dayKey(id, date));
  }

  const rng = opts.rng ?? Math.random;
  const rows: Insertable<OccurrencesTable>[] = [];
  for (const plan of plans) {
    for (const date of plan.dates) {
      const key = dayKey(plan.target.id, date);
      // A re-drawn day keeps its past (rows before `now` stayed), so it only gains runs from now on.
      const cut = won.has(key) ? plan.cut : redrawn.has(key) ? opts.now : undefined;
      if (cut === undefined) continue;
      for (const run of planDay(plan.spec, date, rng)) {
        if (run.dueAt < cut) continue;
        rows.push({
          job: "post",
          job_key: `schedule:${plan.target.id}`,
          schedule_id: plan.target.id,
          account_id: plan.target.account_id,
          due_at: run.dueAt,
          run_at: run.dueAt,
          slot: run.slot,
          local_date: run.localDate,
          state: "planned",
          attempts: 0,
          created_at: opts.now,
          updated_at: opts.now,
        });
      }
    }
  }

  const { inserted } = await insertSkippingConflicts(trx, "occurrences", rows, {
    conflict: ["job_key", "due_at"],
  });
  return inserted;
}

function dayKey(scheduleId: number, localDate: string): string {
  return `${scheduleId}|${localDate}`;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
