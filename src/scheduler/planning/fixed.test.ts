import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planFixedDay } from "./fixed.js";
import { addDays } from "./time.js";
import { type ScheduleSpec, WEEKDAYS } from "./types.js";

const iso = (ms: number) => new Date(ms).toISOString();
const spec = (times: string[], timezone: string, days = [...WEEKDAYS]): ScheduleSpec => ({
  kind: "fixed",
  times,
  days,
  timezone,
});

describe("planFixedDay", () => {
  it("plans each time once, sorted, labelled HH:MM (Asia/Tokyo)", () => {
    expect(planFixedDay(spec(["20:00", "10:00", "15:00"], "Asia/Tokyo"), "2025-10-22")).toEqual([
      { dueAt: Date.parse("2025-10-22T01:00:00Z"), localDate: "2025-10-22", slot: "10:00" },
      { dueAt: Date.parse("2025-10-22T06:00:00Z"), localDate: "2025-10-22", slot: "15:00" },
      { dueAt: Date.parse("2025-10-22T11:00:00Z"), localDate: "2025-10-22", slot: "20:00" },
    ]);
  });

  it("plans nothing on an unselected weekday", () => {
    expect(planFixedDay(spec(["10:00"], "Asia/Tokyo", ["mon"]), "2025-10-22")).toEqual([]);
    expect(planFixedDay(spec(["10:00"], "Asia/Tokyo", ["wed"]), "2025-10-22")).toHaveLength(1);
  });

  it("collapses times that meet in a spring-forward gap into one run at the end of the gap", () => {
    const runs = planFixedDay(spec(["02:15", "02:45", "03:00", "09:00"], "America/New_York"), "2026-03-08");
    expect(runs.map((r) => [iso(r.dueAt), r.slot])).toEqual([
      ["2026-03-08T07:00:00.000Z", "02:15"],
      ["2026-03-08T13:00:00.000Z", "09:00"],
    ]);
  });

  it("runs a time inside a fall-back overlap once, at its first run", () => {
    const runs = planFixedDay(spec(["01:30"], "America/New_York"), "2026-11-01");
    expect(runs.map((r) => iso(r.dueAt))).toEqual(["2026-11-01T05:30:00.000Z"]);
  });

  it("fires every time once per local day, in order, across DST changes (property)", () => {
    const time = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
    fc.assert(
      fc.property(
        fc.uniqueArray(time, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("America/New_York", "Europe/Helsinki", "Australia/Lord_Howe", "Asia/Tokyo"),
        fc.constantFrom("2026-03-06", "2026-03-27", "2026-10-02", "2026-10-23", "2026-10-30"),
        (times, zone, firstDate) => {
          const all: number[] = [];
          for (let i = 0; i < 4; i++) {
            const date = addDays(firstDate, i);
            const runs = planFixedDay(spec(times, zone), date);
            expect(runs.length).toBeGreaterThanOrEqual(1);
            expect(runs.length).toBeLessThanOrEqual(times.length);
            expect(runs.every((r) => r.localDate === date)).toBe(true);
            all.push(...runs.map((r) => r.dueAt));
          }
          // Strictly increasing across consecutive days: no run twice, none out of order.
          for (let i = 1; i < all.length; i++) expect(all[i]!).toBeGreaterThan(all[i - 1]!);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a zone without DST plans exactly one run per time per day", () => {
    for (let i = 0; i < 7; i++) {
      expect(
        planFixedDay(spec(["00:00", "12:34", "23:59"], "Asia/Tokyo"), addDays("2026-03-06", i)),
      ).toHaveLength(3);
    }
  });
});
