import { planFixedDay } from "./fixed.js";
import { drawRandomDay } from "./random.js";
import type { PlannedInstant, ScheduleSpec } from "./types.js";

/** The runs of one local date, whatever the kind: fixed times are deterministic, random ones are drawn. */
export function planDay(spec: ScheduleSpec, localDate: string, rng: () => number): PlannedInstant[] {
  return spec.kind === "fixed" ? planFixedDay(spec, localDate) : drawRandomDay(spec, localDate, rng);
}
