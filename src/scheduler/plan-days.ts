import { scheduleZone, specOf, toSchedule } from "../schedules/schedule.js";
import {
  localDatesBetween,
  type PlannedInstant,
  planDay,
  runsOn,
  type ScheduleSpec,
  validateSpec,
} from "./planning/index.js";
import type { KnownDay, PlanTargetRow } from "./plans.repository.js";

/**
 * The planner's decisions, pure: which (schedule, local date) pairs a pass writes, and which of a day's runs
 * fall inside the horizon. The planner (planner.ts) reads and writes around them.
 */

const MINUTE = 60_000;

/** Cut-off for new days: `now - grace` so a run due moments ago still fires late; `now` after an edit. */
export type CutPolicy = "grace" | "now";

export interface SchedulePlan {
  target: PlanTargetRow;
  spec: ScheduleSpec;
  /** Earliest due_at written for a newly planned day. */
  cut: number;
  /** Candidate dates (selected weekdays only), oldest first. */
  dates: string[];
}

/**
 * One (schedule, date) to write: `fresh` is not planned yet (claim it, draw it), `stale` was planned by an
 * older version of the schedule (take it over, draw again from now), `rest` is planned but some of its runs
 * have now come within the horizon (write them: a random day from its recorded draw, a fixed day computed
 * again).
 */
export type DayWork =
  | { plan: SchedulePlan; date: string; kind: "fresh" | "stale" }
  | { plan: SchedulePlan; date: string; kind: "rest"; day: KnownDay };

/**
 * The plan of each schedule that has candidate dates before `horizonEnd`; a schedule whose settings cannot be
 * planned goes to `onInvalid` instead.
 */
export function plansOf(
  targets: PlanTargetRow[],
  now: number,
  horizonEnd: number,
  defaultTimezone: string,
  cutPolicy: CutPolicy,
  onInvalid: (scheduleId: number, problems: string[]) => void,
): SchedulePlan[] {
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
      const schedule = toSchedule(target);
      spec = specOf(schedule, scheduleZone(schedule.timezone, target.account_timezone, defaultTimezone));
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
    const graceStart = now - target.misfire_grace_minutes * MINUTE;
    const cut = cutPolicy === "now" ? now : graceStart;
    const dates = datesFor(spec.timezone, graceStart).filter((date) => runsOn(spec, date));
    if (dates.length > 0) plans.push({ target, spec, cut, dates });
  }
  return plans;
}

/** The days to write, in (schedule, date) order as every write of the planner must be. */
export function dayWorkOf(
  plans: SchedulePlan[],
  known: Map<number, Map<string, KnownDay>>,
  horizonEnd: number,
): DayWork[] {
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
  return work;
}

/** A day's runs split at the horizon: those to write now, and what to record about the rest. */
export function splitAtHorizon(runs: PlannedInstant[], from: number, horizonEnd: number, spec: ScheduleSpec) {
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
export function recordedRuns(
  plan: SchedulePlan,
  date: string,
  day: KnownDay,
  rng: () => number,
): PlannedInstant[] {
  if (day.drawJson !== null) {
    return (JSON.parse(day.drawJson) as Array<[number, string]>).map(([dueAt, slot]) => ({
      dueAt,
      slot,
      localDate: date,
    }));
  }
  return plan.spec.kind === "random" ? [] : planDay(plan.spec, date, rng);
}
