export { planDay } from "./day.js";
export { DEFAULT_MISFIRE_GRACE_MINUTES, MAX_MISFIRE_GRACE_MINUTES, PLAN_HORIZON_MS } from "./defaults.js";
export { planFixedDay } from "./fixed.js";
export { drawRandomDay, randomWindow } from "./random.js";
export { seededRng } from "./rng.js";
export { endOfSchedule, MAX_POSTS_PER_DAY, runsOn, validateSpec, windowMinutes } from "./spec.js";
export {
  addDays,
  formatHhMm,
  isCalendarDate,
  localDateAt,
  localDatesBetween,
  minutesOfDay,
  nextDailyRun,
  parseHhMm,
  previousDailyRun,
  resolveLocalTime,
  type TimeOfDay,
  weekdayOf,
} from "./time.js";
export { type PlannedInstant, type ScheduleSpec, WEEKDAYS, type Weekday } from "./types.js";
