export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** In ISO order: index + 1 is Luxon's `weekday` (Monday = 1). */
export const WEEKDAYS: readonly Weekday[] = Object.freeze(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

/** A schedule's timing, independent of how it is stored: derived from a `Schedule` by `specOf` (schedules/schedule.ts). */
export interface ScheduleSpec {
  kind: "fixed" | "random";
  /** fixed: local times "HH:MM", 00:00–23:59. */
  times?: string[];
  /**
   * random: local window "HH:MM"–"HH:MM". `windowEnd <= windowStart` means the window crosses midnight and
   * ends on the next local day; equal ends make a 24 h window.
   */
  windowStart?: string;
  windowEnd?: string;
  /** random: posts per day, 1–1440. */
  postsPerDay?: number;
  /** random: minimum minutes between two posts of one window (default 0; posts never share a minute). */
  minGapMinutes?: number;
  /** Local weekdays that run; for a random window, the weekday of the date the window STARTS on. */
  days: Weekday[];
  /** IANA zone the wall-clock times live in. */
  timezone: string;
  /**
   * Last local date "YYYY-MM-DD" (inclusive) the schedule runs on: nothing is planned after the end of that
   * day in `timezone`, not even the part of a window that crosses midnight. Absent: no end.
   */
  until?: string;
}

export interface PlannedInstant {
  /** Epoch ms. */
  dueAt: number;
  /** Local calendar date "YYYY-MM-DD" the run belongs to (a window's start date). */
  localDate: string;
  /** "10:00" for a fixed time, "random 2/5" for a random one. */
  slot: string;
}
