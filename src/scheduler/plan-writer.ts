import type { Insertable } from "kysely";
import { isValidTimeZone } from "../config.js";
import { insertSkippingConflicts } from "../db/bulk-insert.js";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import type { RunsTable, ScheduleRow } from "../db/schema.js";
import { inTransaction } from "../db/transaction.js";
import type { Logger } from "../log.js";
import {
  localDateAt,
  localDatesBetween,
  type PlannedInstant,
  planDay,
  runsOn,
  type ScheduleSpec,
  validateSpec,
} from "./planning/index.js";

/**
 * Writes planned runs as run rows, idempotently, for any number of planners at once.
 *
 * Every (schedule, local date) is planned once per schedule version and recorded in `planned_days`, for
 * fixed schedules too: the planner whose `planned_days` insert wins computes that day (random times are drawn
 * here, exactly once) and inserts its runs in the same transaction; everyone else skips the day. The
 * unique key (job_key, due_at) with ON CONFLICT DO NOTHING is the second guard. Recording fixed days as well
 * lets steady-state planning skip known days with two indexed reads, and stops a later planner from
 * back-filling, inside the misfire grace, runs that a re-plan after an edit deliberately left out.
 *
 * Runs are written only up to the horizon (`now + horizonMs`), not to the end of the horizon's last day: a
 * day is claimed (and a random one drawn) as soon as it touches the horizon, and its row records the first
 * run not yet written (`next_due_at`) and, for a random day, the draw (`draw_json`). Later passes write the
 * rest from that record as the horizon reaches it, taking it over with a conditional update (`next_due_at`
 * unchanged) so that of several planners exactly one writes each part. Whole days wrote ~2.8 days of rows
 * for a 48 h horizon (docs/benchmarks.md); a recorded draw keeps "drawn once" true for days written in parts.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Schedules per page (and ids per `in (…)` list): far below the bound-parameter limits of SQLite and PostgreSQL. */
const BATCH = 500;
/** Pages planned at once by `planAll`: one being written while the next is read and computed. */
const PAGES_IN_FLIGHT = 2;

export interface PlanOptions {
  /** The planner's "now" (epoch ms), from the injected clock. */
  now: number;
  /** How far ahead to plan (ms), e.g. 48 h: runs due before `now + horizonMs` are written. */
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
    ...(row.until_date ? { until: row.until_date } : {}),
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
 * Plans one schedule up to the horizon. Returns the number of runs inserted (0 when it is paused,
 * missing or already planned). Throws when the schedule's settings cannot be planned.
 */
export async function planSchedule(db: Db, scheduleId: number, opts: PlanOptions): Promise<number> {
  const target = await selectTargets(db).where("schedules.id", "=", scheduleId).executeTakeFirst();
  if (target?.active !== 1) return 0;
  return planTargets(db, [target], opts, "grace", (id, problems) => {
    throw new Error(`Schedule ${id} cannot be planned: ${problems.join(" ")}`);
  });
}

/**
 * Plans every active schedule of every account, a page of schedules at a time (two pages in flight): per
 * page one read of the schedules, two of their planned days, and (only when some day is new, stale, or has
 * runs the horizon has reached) one transaction of batched writes.
 * A schedule whose settings cannot be planned is reported to `opts.logger` and skipped.
 */
export async function planAll(db: Db, opts: PlanOptions): Promise<number> {
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
 * Deletes the schedule's unclaimed future runs (state `planned`, due_at >= now; rows in any other
 * state are history or in flight and stay) and its `planned_days` from today's local date on, so those days
 * are planned again; earlier days are marked fully written. Returns the number of runs deleted.
 */
export async function clearFuturePlan(db: Db, scheduleId: number, now: number): Promise<number> {
  // A planner writing this schedule's days holds its row FOR SHARE: wait for it, so that what it writes is
  // deleted below rather than left behind (edits and pauses have already updated the row, removal has not).
  let read = selectTargets(db).where("schedules.id", "=", scheduleId);
  if (dialectOf(db) === "postgres") read = read.forUpdate(["schedules"]);
  const target = await read.executeTakeFirst();
  const deleted = await db
    .deleteFrom("runs")
    .where("schedule_id", "=", scheduleId)
    .where("state", "=", "planned")
    .where("due_at", ">=", now)
    .executeTakeFirst();
  if (target) {
    const zone = target.timezone ?? target.account_timezone;
    const today = localDateAt(isValidTimeZone(zone) ? zone : "UTC", now);
    await db
      .deleteFrom("planned_days")
      .where("schedule_id", "=", scheduleId)
      .where("local_date", ">=", today)
      .execute();
    // Earlier days keep their past but nothing more is written to them: what they had still to write is
    // gone with the plan (a paused schedule's runs do not come back as missed when it is resumed).
    await db
      .updateTable("planned_days")
      .set({ next_due_at: null, draw_json: null })
      .where("schedule_id", "=", scheduleId)
      .where("next_due_at", "is not", null)
      .execute();
  }
  return Number(deleted.numDeletedRows);
}

/**
 * Deletes the records of days long past and fully written (their runs stay: they are the history).
 * The planner reads a schedule's days from a day before `now - grace` on (and any unfinished one), so days
 * older than the longest grace plus a margin of three days (time zones, the window crossing midnight) are
 * never read again. Without this, `planned_days` grew by a row per schedule and day for ever. Returns how
 * many were deleted.
 */
export async function prunePlannedDays(db: Db, now: number): Promise<number> {
  const longest = await db
    .selectFrom("schedules")
    .select((eb) => eb.fn.max("misfire_grace_minutes").as("grace"))
    .executeTakeFirst();
  const keepFrom = now - Number(longest?.grace ?? 0) * MINUTE - 3 * DAY;
  const result = await db
    .deleteFrom("planned_days")
    .where("local_date", "<", localDateAt("UTC", keepFrom))
    .where("next_due_at", "is", null)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * After a schedule is created or edited (its version bumped), in the same transaction as the edit: clears
 * the unclaimed future plan and plans again from `now` — no late runs inside the misfire grace, since the
 * user has just chosen the new times. Accepts a Transaction and then opens no transaction of its own.
 */
export async function replanSchedule(db: Db, scheduleId: number, opts: PlanOptions): Promise<void> {
  await inTransaction(db, async (trx) => {
    await clearFuturePlan(trx, scheduleId, opts.now);
    const target = await selectTargets(trx).where("schedules.id", "=", scheduleId).executeTakeFirst();
    if (target?.active !== 1) return;
    await planTargets(trx, [target], opts, "now", (id, problems) => {
      throw new Error(`Schedule ${id} cannot be planned: ${problems.join(" ")}`);
    });
  });
}

function selectTargets(db: Db) {
  return db
    .selectFrom("schedules")
    .innerJoin("accounts", "accounts.id", "schedules.account_id")
    .selectAll("schedules")
    .select("accounts.timezone as account_timezone");
}

async function planTargets(
  db: Db,
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
    // The dates start at `now - grace` whatever the policy: a re-plan after an edit writes nothing before
    // `now` but records those days, so a later pass does not back-fill them inside a grace just made longer
    // (their records may have been pruned, and a random day drawn again would land on new times).
    const graceStart = opts.now - target.misfire_grace_minutes * MINUTE;
    const cut = cutPolicy === "now" ? opts.now : graceStart;
    const dates = datesFor(spec.timezone, graceStart).filter((date) => runsOn(spec, date));
    if (dates.length > 0) plans.push({ target, spec, cut, dates });
  }
  if (plans.length === 0) return 0;

  const known = await loadPlannedDays(db, plans);
  // In (schedule, date) order, as every write of writeDays must be.
  const work: DayWork[] = [];
  for (const plan of plans) {
    const days = known.get(plan.target.id);
    // A day recorded with runs still to write, now older than the candidate dates: no planner ran while the
    // horizon passed them (the service was stopped). They are written late, to become `missed` with a reason.
    for (const [date, day] of days ?? []) {
      if (date < plan.dates[0]! && day.version === plan.target.version && day.nextDueAt !== null) {
        work.push({ plan, date, kind: "rest", day });
      }
    }
    for (const date of plan.dates) {
      const day = days?.get(date);
      if (day === undefined) work.push({ plan, date, kind: "fresh" });
      else if (day.version !== plan.target.version) work.push({ plan, date, kind: "stale" });
      else if (day.nextDueAt !== null && day.nextDueAt < horizonEnd) {
        work.push({ plan, date, kind: "rest", day });
      }
    }
  }
  if (work.length === 0) return 0;
  return inTransaction(db, (trx) => writeDays(trx, work, opts));
}

/** What a planner found recorded for a (schedule, date). */
interface KnownDay {
  version: number;
  nextDueAt: number | null;
  drawJson: string | null;
}

/**
 * One (schedule, date) to write: `fresh` is not planned yet (claim it, draw it), `stale` was planned by an
 * older version of the schedule (take it over, draw again from now), `rest` is planned but some of its runs
 * have now come within the horizon (write them: a random day from its recorded draw, a fixed day computed
 * again).
 */
type DayWork =
  | { plan: SchedulePlan; date: string; kind: "fresh" | "stale" }
  | { plan: SchedulePlan; date: string; kind: "rest"; day: KnownDay };

/** Per schedule, its recorded days from the first candidate date on, and any older one not fully written. */
async function loadPlannedDays(db: Db, plans: SchedulePlan[]): Promise<Map<number, Map<string, KnownDay>>> {
  const known = new Map<number, Map<string, KnownDay>>();
  for (const chunk of chunks(plans, BATCH)) {
    const from = chunk.map((plan) => plan.dates[0]!).sort()[0]!;
    const ids = chunk.map((plan) => plan.target.id);
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

/** A day's runs split at the horizon: those to write now, and what to record about the rest. */
function splitAtHorizon(runs: PlannedInstant[], from: number, horizonEnd: number, spec: ScheduleSpec) {
  const random = spec.kind === "random";
  const now = runs.filter((run) => run.dueAt >= from && run.dueAt < horizonEnd);
  const next = runs.find((run) => run.dueAt >= horizonEnd);
  return {
    now,
    next_due_at: next?.dueAt ?? null,
    // A random day's draw is kept until all of it is written: the rest must come from the same draw.
    draw_json: next && random ? JSON.stringify(runs.map((run) => [run.dueAt, run.slot])) : null,
  };
}

/**
 * A recorded day's runs as first planned: a random day from its recorded draw, a fixed day computed again
 * (the same on every computation). A random day without a draw has nothing left to write.
 */
function recordedRuns(plan: SchedulePlan, date: string, day: KnownDay, rng: () => number): PlannedInstant[] {
  if (day.drawJson !== null) {
    return (JSON.parse(day.drawJson) as Array<[number, string]>).map(([dueAt, slot]) => ({
      dueAt,
      slot,
      localDate: date,
    }));
  }
  return plan.spec.kind === "random" ? [] : planDay(plan.spec, date, rng);
}

async function writeDays(trx: Db, all: DayWork[], opts: PlanOptions): Promise<number> {
  const horizonEnd = opts.now + opts.horizonMs;
  const rng = opts.rng ?? Math.random;
  const toWrite: Array<{ plan: SchedulePlan; runs: PlannedInstant[] }> = [];

  // The schedules were read before this transaction: keep only those still active at the version read, and
  // hold them so that an edit, pause or removal (which update or delete the schedule row first) waits for this
  // transaction, or this one for it. Otherwise a pause committing while this wrote a day would leave that
  // day's runs behind, and a planner that read the previous version would undo an edit.
  const current = await lockSchedules(trx, [...new Set(all.map((w) => w.plan.target.id))]);
  const work = all.filter((w) => current.get(w.plan.target.id) === w.plan.target.version);

  // Claim new days. Every planner inserts in (schedule id, date) order, so concurrent PostgreSQL planners
  // wait on each other's rows in one order and cannot deadlock; the loser of a day gets no row back, and its
  // draw is thrown away unseen. A day is claimed (and drawn) as soon as it touches the horizon, whether or not
  // any of its runs is inside yet: claiming only once a run falls inside would favour early draws.
  const fresh = work
    .filter((w) => w.kind === "fresh")
    .map((w) => ({
      w,
      split: splitAtHorizon(planDay(w.plan.spec, w.date, rng), w.plan.cut, horizonEnd, w.plan.spec),
    }));
  const claimed = await insertSkippingConflicts(
    trx,
    "planned_days",
    fresh.map(({ w, split }) => ({
      schedule_id: w.plan.target.id,
      local_date: w.date,
      schedule_version: w.plan.target.version,
      planned_at: opts.now,
      next_due_at: split.next_due_at,
      draw_json: split.draw_json,
    })),
    { conflict: ["schedule_id", "local_date"], returning: ["schedule_id", "local_date"] },
  );
  const won = new Set(claimed.returned.map((row) => dayKey(Number(row.schedule_id), String(row.local_date))));
  for (const { w, split } of fresh) {
    if (won.has(dayKey(w.plan.target.id, w.date))) toWrite.push({ plan: w.plan, runs: split.now });
  }

  for (const w of work) {
    const { id, version } = w.plan.target;
    if (w.kind === "stale") {
      // Planned by an older version of the schedule: take the day over, drop its unclaimed future runs and
      // draw it again. Its past stays (rows before `now` are history), so it only gains runs from now on.
      const split = splitAtHorizon(planDay(w.plan.spec, w.date, rng), opts.now, horizonEnd, w.plan.spec);
      const taken = await trx
        .updateTable("planned_days")
        .set({
          schedule_version: version,
          planned_at: opts.now,
          next_due_at: split.next_due_at,
          draw_json: split.draw_json,
        })
        .where("schedule_id", "=", id)
        .where("local_date", "=", w.date)
        .where("schedule_version", "<", version)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 0) continue;
      await trx
        .deleteFrom("runs")
        .where("schedule_id", "=", id)
        .where("local_date", "=", w.date)
        .where("state", "=", "planned")
        .where("due_at", ">=", opts.now)
        .execute();
      toWrite.push({ plan: w.plan, runs: split.now });
    } else if (w.kind === "rest") {
      // The rest of a planned day. Runs already past are written too: they were planned, and the engine
      // marks them `missed` (with the reason) before it claims anything.
      const runs = recordedRuns(w.plan, w.date, w.day, rng);
      const split = splitAtHorizon(runs, w.day.nextDueAt!, horizonEnd, w.plan.spec);
      const taken = await trx
        .updateTable("planned_days")
        .set({
          planned_at: opts.now,
          next_due_at: split.next_due_at,
          draw_json: split.draw_json,
        })
        .where("schedule_id", "=", id)
        .where("local_date", "=", w.date)
        .where("schedule_version", "=", version)
        .where("next_due_at", "=", w.day.nextDueAt)
        // The same draw as read: a pause and resume in between (same version) draws the day anew.
        .where("draw_json", w.day.drawJson === null ? "is" : "=", w.day.drawJson)
        .executeTakeFirst();
      // Another planner wrote this part first.
      if (Number(taken.numUpdatedRows) === 0) continue;
      toWrite.push({ plan: w.plan, runs: split.now });
    }
  }

  const rows: Insertable<RunsTable>[] = toWrite.flatMap(({ plan, runs }) =>
    runs.map((run) => ({
      job: "post",
      job_key: `schedule:${plan.target.id}`,
      schedule_id: plan.target.id,
      account_id: plan.target.account_id,
      due_at: run.dueAt,
      run_at: run.dueAt,
      slot: run.slot,
      local_date: run.localDate,
      state: "planned" as const,
      attempts: 0,
      created_at: opts.now,
      updated_at: opts.now,
    })),
  );
  const { inserted } = await insertSkippingConflicts(trx, "runs", rows, {
    conflict: ["job_key", "due_at"],
  });
  return inserted;
}

/**
 * The active schedules among `ids`, with their versions. On PostgreSQL their rows are locked FOR SHARE and
 * their accounts' FOR KEY SHARE, in id order: the account lock is the one the run inserts' foreign
 * key would take later anyway, taken first so that deleting an account (account row, then its schedules by
 * cascade) waits for this transaction instead of deadlocking with it. SQLite runs one writer at a time.
 */
async function lockSchedules(trx: Db, ids: number[]): Promise<Map<number, number>> {
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

function dayKey(scheduleId: number, localDate: string): string {
  return `${scheduleId}|${localDate}`;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
