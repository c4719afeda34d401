import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planDay } from "./day.js";
import { seededRng } from "./rng.js";
import { endOfSchedule, runsOn, validateSpec } from "./spec.js";
import { addDays, localDateAt } from "./time.js";
import { type ScheduleSpec, WEEKDAYS } from "./types.js";

const iso = (ms: number) => new Date(ms).toISOString();
const fixed = (over: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  kind: "fixed",
  times: ["09:00", "23:30"],
  days: [...WEEKDAYS],
  timezone: "Asia/Tokyo",
  ...over,
});
const random = (over: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  kind: "random",
  windowStart: "22:00",
  windowEnd: "02:00",
  postsPerDay: 4,
  minGapMinutes: 30,
  days: [...WEEKDAYS],
  timezone: "Asia/Tokyo",
  ...over,
});

describe("a schedule's end date (until, inclusive)", () => {
  it("plans the last day in full and nothing after it", () => {
    const spec = fixed({ until: "2026-12-31" });
    expect(planDay(spec, "2026-12-31", Math.random).map((r) => iso(r.dueAt))).toEqual([
      "2026-12-31T00:00:00.000Z",
      "2026-12-31T14:30:00.000Z",
    ]);
    expect(planDay(spec, "2027-01-01", Math.random)).toEqual([]);
    expect(runsOn(spec, "2026-12-31")).toBe(true);
    expect(runsOn(spec, "2027-01-01")).toBe(false);
    expect(runsOn(fixed(), "2030-01-01")).toBe(true);
  });

  it("ends at midnight of the schedule's zone, not UTC", () => {
    expect(iso(endOfSchedule({ until: "2026-12-31", timezone: "Asia/Tokyo" })!)).toBe(
      "2026-12-31T15:00:00.000Z",
    );
    expect(iso(endOfSchedule({ until: "2026-12-31", timezone: "America/New_York" })!)).toBe(
      "2027-01-01T05:00:00.000Z",
    );
    expect(endOfSchedule({ timezone: "UTC" })).toBeUndefined();
  });

  it("ends at the first valid instant of the next day when its midnight falls in a DST gap", () => {
    // America/Santiago springs forward at 24:00 on 2026-09-05: 2026-09-06 starts at 01:00 (-03).
    expect(iso(endOfSchedule({ until: "2026-09-05", timezone: "America/Santiago" })!)).toBe(
      "2026-09-06T04:00:00.000Z",
    );
  });

  it("drops the part of a window crossing midnight that lies after the last day", () => {
    const spec = random({ until: "2026-12-31" });
    const end = endOfSchedule(spec)!;
    fc.assert(
      fc.property(fc.string(), (seed) => {
        const full = planDay({ ...spec, until: undefined }, "2026-12-31", seededRng(seed));
        const cut = planDay(spec, "2026-12-31", seededRng(seed));
        expect(cut).toEqual(full.filter((r) => r.dueAt < end));
        for (const run of cut) expect(localDateAt("Asia/Tokyo", run.dueAt)).toBe("2026-12-31");
      }),
      { numRuns: 200 },
    );
    // The day before the last keeps its whole window, even the part on the last day.
    const before = planDay(spec, "2026-12-30", seededRng("x"));
    expect(before).toHaveLength(4);
  });

  it("never plans a run at or after the end, whatever the day, zone or kind", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("Asia/Tokyo", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: -2, max: 2 }),
        fc.boolean(),
        (timezone, dayOffset, probe, isRandom) => {
          const until = addDays("2026-01-01", dayOffset);
          const spec = isRandom
            ? random({ timezone, until, windowStart: "20:00", windowEnd: "04:00" })
            : fixed({ timezone, until, times: ["00:00", "12:00", "23:59"] });
          const end = endOfSchedule(spec)!;
          for (const run of planDay(spec, addDays(until, probe), seededRng(`${dayOffset}`))) {
            expect(run.dueAt).toBeLessThan(end);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects an end that is not a calendar date", () => {
    expect(validateSpec(fixed({ until: "2026-02-30" }))).toEqual([
      '"2026-02-30" is not a calendar date for the end: use YYYY-MM-DD.',
    ]);
    expect(validateSpec(fixed({ until: "31/12/2026" }))).toHaveLength(1);
    expect(validateSpec(fixed({ until: "2026-12-31" }))).toEqual([]);
  });
});
