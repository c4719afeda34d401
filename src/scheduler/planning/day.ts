import { planFixedDay } from "./fixed.js";
import { drawRandomDay } from "./random.js";
import { endOfSchedule } from "./spec.js";
import type { PlannedInstant, ScheduleSpec } from "./types.js";

/**
 * The runs of one local date, whatever the kind: fixed times are deterministic, random ones are drawn.
 * Runs at or after the end of the schedule's last day (`until`) are left out: on the last day, a window
 * that crosses midnight keeps only the runs before midnight.
 */
export function planDay(spec: ScheduleSpec, localDate: string, rng: () => number): PlannedInstant[] {
  const runs = spec.kind === "fixed" ? planFixedDay(spec, localDate) : drawRandomDay(spec, localDate, rng);
  if (spec.until === undefined || localDate < spec.until) return runs;
  const end = endOfSchedule(spec)!;
  return runs.filter((run) => run.dueAt < end);
}
