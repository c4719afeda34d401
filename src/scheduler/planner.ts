import type { Insertable } from "kysely";
import { isValidTimeZone } from "../config.js";
import type { Db } from "../db/connect.js";
import type { PlannedDaysTable, RunsTable } from "../db/schema.js";
import { inTransaction } from "../db/transaction.js";
import type { Logger } from "../log.js";
import { formatProblems, scheduleZone } from "../schedules/schedule.js";
import {
  type CutPolicy,
  type DayWork,
  dayWorkOf,
  plansOf,
  recordedRuns,
  splitAtHorizon,
} from "./plan-days.js";
import { localDateAt, type PlannedInstant, planDay } from "./planning/index.js";
import {
  claimPlannedDays,
  closePlannedDays,
  deletePlannedDaysFrom,
  deletePlannedRunsFrom,
  deletePlannedRunsOfDay,
  getPlanTarget,
  insertPlannedRuns,
  listActivePlanTargets,
  loadPlannedDays,
  lockActiveSchedules,
  type PlanTargetRow,
  takeOverStaleDay,
  takeRestOfDay,
} from "./plans.repository.js";

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
 *
 * The SQL is in plans.repository.ts, the decisions (which days, which runs) in plan-days.ts.
 */

/** Schedules per page: far below the bound-parameter limits of SQLite and PostgreSQL. */
const BATCH = 500;
/** Pages planned at once by `planAll`: one being written while the next is read and computed. */
const PAGES_IN_FLIGHT = 2;

export interface PlanOptions {
  /** The planner's "now" (epoch ms), from the injected clock. */
  now: number;
  /** How far ahead to plan (ms), normally `PLAN_HORIZON_MS`: runs due before `now + horizonMs` are written. */
  horizonMs: number;
  /** Randomness for random windows (default `Math.random`); pass `seededRng(...)` for reproducible draws. */
  rng?: () => number;
  /** Zone used when neither the schedule nor its account has one. */
  defaultTimezone: string;
  /** Where `planAll` reports schedules whose settings cannot be planned (default: not reported). */
  logger?: Logger;
}

function refuse(scheduleId: number, problems: string[]): never {
  throw new Error(`Schedule ${scheduleId} cannot be planned: ${formatProblems(problems)}`);
}

/**
 * Plans one schedule up to the horizon. Returns the number of runs inserted (0 when it is paused,
 * missing or already planned). Throws when the schedule's settings cannot be planned.
 */
export async function planSchedule(db: Db, scheduleId: number, opts: PlanOptions): Promise<number> {
  const target = await getPlanTarget(db, scheduleId);
  if (target?.active !== 1) return 0;
  return planTargets(db, [target], opts, "grace", refuse);
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
      const page = await listActivePlanTargets(db, afterId, BATCH);
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
 *
 * "Today" is in the zone the planner plans the schedule in (`scheduleZone`, with the same
 * `defaultTimezone`): in any other zone it could be the planner's yesterday or tomorrow, and a re-plan would
 * then leave today's remaining runs out. A zone the planner refuses (the schedule is never planned) falls
 * back to UTC: any day will do for a schedule that has no planned days.
 */
export async function clearFuturePlan(
  db: Db,
  scheduleId: number,
  now: number,
  defaultTimezone: string,
): Promise<number> {
  // A planner writing this schedule's days holds its row FOR SHARE: wait for it, so that what it writes is
  // deleted below rather than left behind (edits and pauses have already updated the row, removal has not).
  const target = await getPlanTarget(db, scheduleId, { lock: true });
  const deleted = await deletePlannedRunsFrom(db, scheduleId, now);
  if (target) {
    const zone = scheduleZone(target.timezone, target.account_timezone, defaultTimezone);
    const today = localDateAt(isValidTimeZone(zone) ? zone : "UTC", now);
    await deletePlannedDaysFrom(db, scheduleId, today);
    // Earlier days keep their past but nothing more is written to them: what they had still to write is
    // gone with the plan (a paused schedule's runs do not come back as missed when it is resumed).
    await closePlannedDays(db, scheduleId);
  }
  return deleted;
}

/**
 * After a schedule is created or edited (its version bumped), in the same transaction as the edit: clears
 * the unclaimed future plan and plans again from `now` — no late runs inside the misfire grace, since the
 * user has just chosen the new times. Accepts a Transaction and then opens no transaction of its own.
 */
export async function replanSchedule(db: Db, scheduleId: number, opts: PlanOptions): Promise<void> {
  await inTransaction(db, async (trx) => {
    await clearFuturePlan(trx, scheduleId, opts.now, opts.defaultTimezone);
    const target = await getPlanTarget(trx, scheduleId);
    if (target?.active !== 1) return;
    await planTargets(trx, [target], opts, "now", refuse);
  });
}

async function planTargets(
  db: Db,
  targets: PlanTargetRow[],
  opts: PlanOptions,
  cutPolicy: CutPolicy,
  onInvalid: (scheduleId: number, problems: string[]) => void,
): Promise<number> {
  const horizonEnd = opts.now + opts.horizonMs;
  const plans = plansOf(targets, opts.now, horizonEnd, opts.defaultTimezone, cutPolicy, onInvalid);
  if (plans.length === 0) return 0;
  const known = await loadPlannedDays(
    db,
    plans.map((plan) => ({ id: plan.target.id, from: plan.dates[0]! })),
  );
  const work = dayWorkOf(plans, known, horizonEnd);
  if (work.length === 0) return 0;
  return inTransaction(db, (trx) => writeDays(trx, work, opts));
}

async function writeDays(trx: Db, all: DayWork[], opts: PlanOptions): Promise<number> {
  const horizonEnd = opts.now + opts.horizonMs;
  const rng = opts.rng ?? Math.random;
  const toWrite: Array<{ plan: DayWork["plan"]; runs: PlannedInstant[] }> = [];

  // The schedules were read before this transaction: keep only those still active at the version read, and
  // hold them so that an edit, pause or removal (which update or delete the schedule row first) waits for this
  // transaction, or this one for it. Otherwise a pause committing while this wrote a day would leave that
  // day's runs behind, and a planner that read the previous version would undo an edit.
  const current = await lockActiveSchedules(trx, [...new Set(all.map((w) => w.plan.target.id))]);
  const work = all.filter((w) => current.get(w.plan.target.id) === w.plan.target.version);

  // Claim new days, in (schedule id, date) order; the loser of a day gets no row back, and its draw is thrown
  // away unseen. A day is claimed (and drawn) as soon as it touches the horizon, whether or not any of its
  // runs is inside yet: claiming only once a run falls inside would favour early draws.
  const fresh = work
    .filter((w) => w.kind === "fresh")
    .map((w) => ({
      w,
      split: splitAtHorizon(planDay(w.plan.spec, w.date, rng), w.plan.cut, horizonEnd, w.plan.spec),
    }));
  const claimed = await claimPlannedDays(
    trx,
    fresh.map(
      ({ w, split }): Insertable<PlannedDaysTable> => ({
        schedule_id: w.plan.target.id,
        local_date: w.date,
        schedule_version: w.plan.target.version,
        planned_at: opts.now,
        next_due_at: split.next_due_at,
        draw_json: split.draw_json,
      }),
    ),
  );
  const won = new Set(claimed.map((day) => dayKey(day.scheduleId, day.localDate)));
  for (const { w, split } of fresh) {
    if (won.has(dayKey(w.plan.target.id, w.date))) toWrite.push({ plan: w.plan, runs: split.now });
  }

  for (const w of work) {
    const day = { scheduleId: w.plan.target.id, localDate: w.date, version: w.plan.target.version };
    if (w.kind === "stale") {
      // Planned by an older version of the schedule: take the day over, drop its unclaimed future runs and
      // draw it again. Its past stays (rows before `now` are history), so it only gains runs from now on.
      const split = splitAtHorizon(planDay(w.plan.spec, w.date, rng), opts.now, horizonEnd, w.plan.spec);
      const record = { planned_at: opts.now, next_due_at: split.next_due_at, draw_json: split.draw_json };
      if (!(await takeOverStaleDay(trx, day, record))) continue;
      await deletePlannedRunsOfDay(trx, day.scheduleId, w.date, opts.now);
      toWrite.push({ plan: w.plan, runs: split.now });
    } else if (w.kind === "rest") {
      // The rest of a planned day. Runs already past are written too: they were planned, and the engine
      // marks them `missed` (with the reason) before it claims anything.
      const runs = recordedRuns(w.plan, w.date, w.day, rng);
      const split = splitAtHorizon(runs, w.day.nextDueAt!, horizonEnd, w.plan.spec);
      const record = { planned_at: opts.now, next_due_at: split.next_due_at, draw_json: split.draw_json };
      // Another planner wrote this part first.
      if (!(await takeRestOfDay(trx, day, w.day, record))) continue;
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
  return insertPlannedRuns(trx, rows);
}

function dayKey(scheduleId: number, localDate: string): string {
  return `${scheduleId}|${localDate}`;
}
