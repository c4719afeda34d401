import { DateTime } from "luxon";
import { WEEKDAYS, type Weekday } from "./types.js";

/**
 * Wall-clock time in IANA zones, all through Luxon. The DST rules:
 * - a local time inside a spring-forward gap resolves to the first valid instant after the gap
 *   (America/New_York 2026-03-08 02:30 -> 03:00 EDT); Luxon alone would shift it by the gap length (03:30);
 * - a local time inside a fall-back overlap resolves to its FIRST run (2026-11-01 01:30 -> 01:30 EDT);
 *   Luxon alone would pick the second.
 */

const HOUR = 3_600_000;

export interface TimeOfDay {
  hour: number;
  minute: number;
}

/** "9:05" and "09:05" are accepted; anything else outside 00:00–23:59 is rejected with a message a user can act on. */
export function parseHhMm(text: string): TimeOfDay {
  const match = /^(\d{1,2}):(\d{2})$/.exec(typeof text === "string" ? text.trim() : "");
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  if (!match || hour > 23 || minute > 59) {
    throw new Error(`"${text}" is not a time of day: use HH:MM from 00:00 to 23:59`);
  }
  return { hour, minute };
}

export function formatHhMm({ hour, minute }: TimeOfDay): string {
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

export function minutesOfDay(hhmm: string): number {
  const { hour, minute } = parseHhMm(hhmm);
  return hour * 60 + minute;
}

/** Midnight UTC of a "YYYY-MM-DD" date: a calendar day number for date arithmetic, not an instant. */
function calendarDay(localDate: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(localDate);
  const day = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || new Date(day).toISOString().slice(0, 10) !== localDate) {
    throw new Error(`"${localDate}" is not a calendar date: use YYYY-MM-DD`);
  }
  return day;
}

/** Whether the text is a real "YYYY-MM-DD" date (2026-02-30 is not). */
export function isCalendarDate(text: string): boolean {
  try {
    calendarDay(text);
    return true;
  } catch {
    return false;
  }
}

/** Calendar arithmetic on "YYYY-MM-DD" (no zone involved). */
export function addDays(localDate: string, days: number): string {
  return new Date(calendarDay(localDate) + days * 86_400_000).toISOString().slice(0, 10);
}

export function weekdayOf(localDate: string): Weekday {
  // getUTCDay: Sunday = 0; WEEKDAYS starts on Monday.
  return WEEKDAYS[(new Date(calendarDay(localDate)).getUTCDay() + 6) % 7]!;
}

/** The local calendar date of an instant in a zone. */
export function localDateAt(zone: string, instant: number): string {
  const dt = DateTime.fromMillis(instant, { zone });
  if (!dt.isValid)
    throw new Error(`"${zone}" is not an IANA time zone (for example Asia/Tokyo or Europe/Berlin).`);
  return dt.toISODate()!;
}

// Resolution is pure and planners ask for the same (zone, date, time) for many schedules: memoise.
const cache = new Map<string, number>();
const CACHE_LIMIT = 50_000;

/** The instant of a local date + "HH:MM" in a zone, with the DST rules above. */
export function resolveLocalTime(localDate: string, hhmm: string, zone: string): number {
  const key = `${zone}|${localDate}|${hhmm}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const instant = resolveUncached(localDate, hhmm, zone);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, instant);
  return instant;
}

function resolveUncached(localDate: string, hhmm: string, zone: string): number {
  const { hour, minute } = parseHhMm(hhmm);
  const date = new Date(calendarDay(localDate));
  const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  const dt = DateTime.fromObject({ year, month, day, hour, minute }, { zone });
  if (!dt.isValid) {
    throw new Error(
      `Cannot place ${localDate} ${hhmm} in "${zone}": ${dt.invalidExplanation ?? dt.invalidReason}`,
    );
  }
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  if (wallClockOf(dt) === wanted) {
    return Math.min(...dt.getPossibleOffsets().map((candidate) => candidate.toMillis()));
  }
  return firstInstantAtOrAfter(wanted, dt.toMillis(), zone);
}

/** Local wall-clock fields as one comparable number (not an instant: no offset is applied). */
function wallClockOf(dt: DateTime): number {
  return Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second, dt.millisecond);
}

function wallClockAt(instant: number, zone: string): number {
  return wallClockOf(DateTime.fromMillis(instant, { zone }));
}

/**
 * `wanted` falls in a gap: binary-search the earliest instant whose local wall clock reads `wanted` or later,
 * i.e. the transition itself. Local time only moves forward around a gap, so the predicate is monotonic.
 */
function firstInstantAtOrAfter(wanted: number, guess: number, zone: string): number {
  let hi = guess;
  for (let step = HOUR; wallClockAt(hi, zone) < wanted; step *= 2) hi += step;
  let lo = hi - HOUR;
  for (let step = HOUR; wallClockAt(lo, zone) >= wanted; step *= 2) lo -= step;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (wallClockAt(mid, zone) >= wanted) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Local dates whose runs can fall in [from, to): from the day BEFORE `from`'s local date (a window that
 * crosses midnight belongs to the date it starts on) to the local date of the last millisecond before `to`.
 */
export function localDatesBetween(zone: string, from: number, to: number): string[] {
  if (to <= from) return [];
  const last = localDateAt(zone, to - 1);
  const dates: string[] = [];
  for (let date = addDays(localDateAt(zone, from), -1); date <= last; date = addDays(date, 1))
    dates.push(date);
  return dates;
}

/** The next run strictly after `after` of a job that runs daily at local `hhmm` (with the DST rules). */
export function nextDailyRun(hhmm: string, zone: string, after: number): number {
  // A run resolved forward out of a gap can land on the next local date, so start one day early.
  let date = addDays(localDateAt(zone, after), -1);
  for (let i = 0; i < 8; i++, date = addDays(date, 1)) {
    const run = resolveLocalTime(date, hhmm, zone);
    if (run > after) return run;
  }
  throw new Error(`No ${hhmm} run found in "${zone}" within a week after ${new Date(after).toISOString()}`);
}

/** The latest run at or before `atOrBefore` of a job that runs daily at local `hhmm`. */
export function previousDailyRun(hhmm: string, zone: string, atOrBefore: number): number {
  let date = addDays(localDateAt(zone, atOrBefore), 1);
  for (let i = 0; i < 8; i++, date = addDays(date, -1)) {
    const run = resolveLocalTime(date, hhmm, zone);
    if (run <= atOrBefore) return run;
  }
  throw new Error(
    `No ${hhmm} run found in "${zone}" within a week before ${new Date(atOrBefore).toISOString()}`,
  );
}
