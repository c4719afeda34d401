import { runsOn } from "./spec.js";
import { addDays, minutesOfDay, resolveLocalTime } from "./time.js";
import type { PlannedInstant, ScheduleSpec } from "./types.js";

const MINUTE = 60_000;

/**
 * The real instants [start, end) of a random window that starts on `localDate`. Both ends follow the DST
 * rules of `resolveLocalTime`, so on a spring-forward day the window is an hour shorter in real time and on
 * a fall-back day an hour longer.
 */
export function randomWindow(spec: ScheduleSpec, localDate: string): { start: number; end: number } {
  const windowStart = required(spec.windowStart, "windowStart");
  const windowEnd = required(spec.windowEnd, "windowEnd");
  const crossesMidnight = minutesOfDay(windowEnd) <= minutesOfDay(windowStart);
  return {
    start: resolveLocalTime(localDate, windowStart, spec.timezone),
    end: resolveLocalTime(crossesMidnight ? addDays(localDate, 1) : localDate, windowEnd, spec.timezone),
  };
}

/**
 * Draws the random runs of the window starting on `localDate`.
 *
 * Posts land on whole minutes counted from the window's start instant, in [start, end), distinct and at least
 * `minGapMinutes` (at least 1) apart. The draw is exactly uniform over all such configurations: choose n
 * distinct minutes y_1 < … < y_n from the K = M - (n-1)(g-1) first ones (M = whole minutes in the window,
 * Floyd's algorithm), then x_i = y_i + (i-1)(g-1) — a bijection onto gap-respecting configurations.
 *
 * A window that DST makes too short for its validated settings keeps its N posts with a smaller gap; only a
 * window with fewer whole minutes than N (e.g. lying inside a spring-forward gap, where it collapses to the
 * first instant after the gap like a fixed time) gets fewer posts.
 */
export function drawRandomDay(spec: ScheduleSpec, localDate: string, rng: () => number): PlannedInstant[] {
  if (!runsOn(spec, localDate)) return [];
  const wanted = required(spec.postsPerDay, "postsPerDay");
  const { start, end } = randomWindow(spec, localDate);
  const minutes = Math.max(1, Math.floor((end - start) / MINUTE));
  const count = Math.min(wanted, minutes);
  let gap = Math.max(1, spec.minGapMinutes ?? 0);
  if (count > 1 && (count - 1) * gap > minutes - 1) gap = Math.floor((minutes - 1) / (count - 1));
  const chosen = sampleDistinct(minutes - (count - 1) * (gap - 1), count, rng).sort((a, b) => a - b);
  return chosen.map((y, i) => ({
    dueAt: start + (y + i * (gap - 1)) * MINUTE,
    localDate,
    slot: `random ${i + 1}/${count}`,
  }));
}

/** A uniformly random `count`-subset of [0, size) (Robert Floyd's algorithm: `count` draws, no rejection). */
function sampleDistinct(size: number, count: number, rng: () => number): number[] {
  const chosen = new Set<number>();
  for (let j = size - count; j < size; j++) {
    const t = Math.min(j, Math.floor(rng() * (j + 1)));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen];
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`A random schedule needs ${name}.`);
  return value;
}
