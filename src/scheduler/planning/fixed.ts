import { runsOn } from "./spec.js";
import { formatHhMm, parseHhMm, resolveLocalTime } from "./time.js";
import type { PlannedInstant, ScheduleSpec } from "./types.js";

/**
 * The runs of a fixed schedule on one local date. Times that resolve to the same instant (two times inside
 * one spring-forward gap) collapse into one run, labelled with the earlier time.
 */
export function planFixedDay(spec: ScheduleSpec, localDate: string): PlannedInstant[] {
  if (!runsOn(spec, localDate)) return [];
  const times = (spec.times ?? [])
    .map(parseHhMm)
    .sort((a, b) => a.hour * 60 + a.minute - (b.hour * 60 + b.minute));
  const runs: PlannedInstant[] = [];
  const seen = new Set<number>();
  for (const time of times) {
    const slot = formatHhMm(time);
    const dueAt = resolveLocalTime(localDate, slot, spec.timezone);
    if (seen.has(dueAt)) continue;
    seen.add(dueAt);
    runs.push({ dueAt, localDate, slot });
  }
  return runs.sort((a, b) => a.dueAt - b.dueAt);
}
