import { isValidTimeZone } from "../../config.js";
import { addDays, isCalendarDate, minutesOfDay, parseHhMm, resolveLocalTime, weekdayOf } from "./time.js";
import { type ScheduleSpec, WEEKDAYS, type Weekday } from "./types.js";

/** Random posts land on whole minutes, so a day holds at most one post per minute. */
export const MAX_POSTS_PER_DAY = 1440;

/**
 * Whether the schedule runs on a local date (for a random window: the date the window starts on): a selected
 * weekday, not after its end date.
 */
export function runsOn(spec: ScheduleSpec, localDate: string): boolean {
  if (spec.until !== undefined && localDate > spec.until) return false;
  return spec.days.includes(weekdayOf(localDate));
}

/**
 * The instant the schedule ends (exclusive): the start of the local day after `until` in its zone (the first
 * valid instant of that day when midnight falls in a DST gap); undefined when it has no end.
 */
export function endOfSchedule(spec: Pick<ScheduleSpec, "until" | "timezone">): number | undefined {
  if (spec.until === undefined) return undefined;
  return resolveLocalTime(addDays(spec.until, 1), "00:00", spec.timezone);
}

/** Nominal (wall-clock) length of a window in minutes; end <= start crosses midnight, end == start is 24 h. */
export function windowMinutes(windowStart: string, windowEnd: string): number {
  const length = (minutesOfDay(windowEnd) - minutesOfDay(windowStart) + 1440) % 1440;
  return length === 0 ? 1440 : length;
}

/** Everything wrong with a spec, as messages a user can act on; empty when it can be planned. */
export function validateSpec(spec: ScheduleSpec): string[] {
  const problems: string[] = [];
  if (typeof spec.timezone !== "string" || !isKnownZone(spec.timezone)) {
    problems.push(`"${spec.timezone}" is not an IANA time zone (for example Asia/Tokyo or Europe/Berlin).`);
  }
  problems.push(...dayProblems(spec.days));
  if (spec.until !== undefined && (typeof spec.until !== "string" || !isCalendarDate(spec.until))) {
    problems.push(`"${String(spec.until)}" is not a calendar date for the end: use YYYY-MM-DD.`);
  }
  if (spec.kind === "fixed") problems.push(...fixedProblems(spec));
  else if (spec.kind === "random") problems.push(...randomProblems(spec));
  else problems.push(`"${String(spec.kind)}" is not a schedule kind: use "fixed" or "random".`);
  return problems;
}

// Building an Intl formatter per check is slow and planners validate thousands of schedules per pass.
const zoneValidity = new Map<string, boolean>();
function isKnownZone(zone: string): boolean {
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    valid = isValidTimeZone(zone);
    if (zoneValidity.size >= 1000) zoneValidity.clear();
    zoneValidity.set(zone, valid);
  }
  return valid;
}

function dayProblems(days: unknown): string[] {
  if (!Array.isArray(days) || days.length === 0) return ["Choose at least one day of the week."];
  return days
    .filter((day) => !WEEKDAYS.includes(day as Weekday))
    .map((day) => `"${String(day)}" is not a day of the week: use ${WEEKDAYS.join(", ")}.`);
}

function fixedProblems(spec: ScheduleSpec): string[] {
  if (!Array.isArray(spec.times) || spec.times.length === 0) return ["Add at least one time of day (HH:MM)."];
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const time of spec.times) {
    const minutes = tryMinutes(time, problems);
    if (minutes === undefined) continue;
    if (seen.has(minutes)) problems.push(`${time} is listed twice.`);
    seen.add(minutes);
  }
  return problems;
}

function randomProblems(spec: ScheduleSpec): string[] {
  const problems: string[] = [];
  const start = spec.windowStart === undefined ? undefined : tryMinutes(spec.windowStart, problems);
  const end = spec.windowEnd === undefined ? undefined : tryMinutes(spec.windowEnd, problems);
  if (spec.windowStart === undefined || spec.windowEnd === undefined) {
    problems.push("A random schedule needs a window start and end (HH:MM).");
  }
  const posts = spec.postsPerDay;
  if (posts === undefined || !Number.isInteger(posts) || posts < 1 || posts > MAX_POSTS_PER_DAY) {
    problems.push(`Posts per day must be a whole number from 1 to ${MAX_POSTS_PER_DAY} (one a minute).`);
  }
  const gap = spec.minGapMinutes ?? 0;
  if (!Number.isInteger(gap) || gap < 0)
    problems.push("The minimum gap must be a whole number of minutes, 0 or more.");
  if (problems.length > 0 || start === undefined || end === undefined || posts === undefined) return problems;

  // Posts sit on distinct whole minutes of [start, end): n posts g minutes apart need (n-1)*g + 1 minutes.
  const length = windowMinutes(spec.windowStart!, spec.windowEnd!);
  const step = Math.max(gap, 1);
  if ((posts - 1) * step + 1 > length) {
    problems.push(
      `The window ${spec.windowStart}–${spec.windowEnd} is ${length} minutes long: too short for ${posts} posts ` +
        `${step} minute${step === 1 ? "" : "s"} apart, which need at least ${(posts - 1) * step + 1}. ` +
        "Widen the window, or lower the posts per day or the minimum gap.",
    );
  }
  return problems;
}

function tryMinutes(time: string, problems: string[]): number | undefined {
  try {
    const { hour, minute } = parseHhMm(time);
    return hour * 60 + minute;
  } catch (error) {
    problems.push(`${(error as Error).message}.`);
    return undefined;
  }
}
