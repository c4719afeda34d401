import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { drawRandomDay, randomWindow } from "./random.js";
import { seededRng } from "./rng.js";
import { validateSpec } from "./spec.js";
import { type ScheduleSpec, WEEKDAYS } from "./types.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
const spec = (over: Partial<ScheduleSpec>): ScheduleSpec => ({
  kind: "random",
  windowStart: "10:00",
  windowEnd: "22:00",
  postsPerDay: 5,
  minGapMinutes: 0,
  days: [...WEEKDAYS],
  timezone: "Asia/Tokyo",
  ...over,
});

describe("seededRng", () => {
  it("is deterministic per seed and stays in [0, 1)", () => {
    const a = seededRng("seed");
    const b = seededRng("seed");
    const c = seededRng("other");
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe("drawRandomDay", () => {
  it("draws N sorted whole-minute instants inside the window (Asia/Tokyo)", () => {
    const runs = drawRandomDay(spec({ minGapMinutes: 60 }), "2026-03-09", seededRng("tokyo"));
    expect(runs.map((r) => r.slot)).toEqual([
      "random 1/5",
      "random 2/5",
      "random 3/5",
      "random 4/5",
      "random 5/5",
    ]);
    for (const [i, run] of runs.entries()) {
      expect(run.localDate).toBe("2026-03-09");
      expect(run.dueAt % MINUTE).toBe(0);
      expect(run.dueAt).toBeGreaterThanOrEqual(Date.parse("2026-03-09T01:00:00Z"));
      expect(run.dueAt).toBeLessThan(Date.parse("2026-03-09T13:00:00Z"));
      if (i > 0) expect(run.dueAt - runs[i - 1]!.dueAt).toBeGreaterThanOrEqual(60 * MINUTE);
    }
  });

  it("draws nothing on an unselected weekday and the same for the same seed", () => {
    expect(drawRandomDay(spec({ days: ["tue"] }), "2026-03-09", seededRng("x"))).toEqual([]);
    expect(drawRandomDay(spec({}), "2026-03-09", seededRng("x"))).toEqual(
      drawRandomDay(spec({}), "2026-03-09", seededRng("x")),
    );
  });

  it("a window crossing midnight ends on the next local date and belongs to its start date", () => {
    const s = spec({ windowStart: "22:00", windowEnd: "02:00", days: ["mon"] });
    expect(randomWindow(s, "2026-03-09")).toEqual({
      start: Date.parse("2026-03-09T13:00:00Z"),
      end: Date.parse("2026-03-09T17:00:00Z"),
    });
    expect(drawRandomDay(s, "2026-03-10", seededRng("x"))).toEqual([]); // Tuesday start: not selected
    const full = drawRandomDay({ ...s, postsPerDay: 240 }, "2026-03-09", seededRng("x"));
    expect(full.map((r) => r.dueAt)).toEqual(
      Array.from({ length: 240 }, (_, i) => Date.parse("2026-03-09T13:00:00Z") + i * MINUTE),
    );
  });

  it("end == start is a 24 h window", () => {
    const { start, end } = randomWindow(spec({ windowStart: "06:00", windowEnd: "06:00" }), "2026-03-09");
    expect(end - start).toBe(24 * HOUR);
  });

  it("measures a window in real elapsed time on DST days (America/New_York)", () => {
    const s = spec({ windowStart: "00:00", windowEnd: "06:00", timezone: "America/New_York" });
    // Spring forward: 00:00 EST -> 06:00 EDT is 5 real hours; filling every minute shows exactly which.
    const spring = randomWindow(s, "2026-03-08");
    expect([iso(spring.start), iso(spring.end)]).toEqual([
      "2026-03-08T05:00:00.000Z",
      "2026-03-08T10:00:00.000Z",
    ]);
    const springRuns = drawRandomDay({ ...s, postsPerDay: 300 }, "2026-03-08", seededRng("s"));
    expect(springRuns.map((r) => r.dueAt)).toEqual(
      Array.from({ length: 300 }, (_, i) => spring.start + i * MINUTE),
    );
    // Fall back: 00:00 EDT -> 06:00 EST is 7 real hours, and the repeated hour is drawn from too.
    const fall = randomWindow(s, "2026-11-01");
    expect(fall.end - fall.start).toBe(7 * HOUR);
    const fallRuns = drawRandomDay({ ...s, postsPerDay: 420 }, "2026-11-01", seededRng("f"));
    expect(new Set(fallRuns.map((r) => r.dueAt)).size).toBe(420);
    expect(fallRuns.at(-1)!.dueAt).toBe(fall.end - MINUTE);
  });

  it("keeps N posts with a smaller gap when DST shortens a window, and collapses a window inside a gap", () => {
    // Nominal 01:00–04:00 is 180 min (valid for 5 posts 40 min apart); on 2026-03-08 it lasts 120 real minutes.
    const s = spec({
      windowStart: "01:00",
      windowEnd: "04:00",
      minGapMinutes: 40,
      timezone: "America/New_York",
    });
    expect(validateSpec(s)).toEqual([]);
    const runs = drawRandomDay(s, "2026-03-08", seededRng("short"));
    expect(runs).toHaveLength(5);
    for (let i = 1; i < runs.length; i++)
      expect(runs[i]!.dueAt - runs[i - 1]!.dueAt).toBeGreaterThanOrEqual(29 * MINUTE);
    // 02:00–02:45 does not exist that day: like a fixed time, it runs once at the end of the gap.
    const inGap = drawRandomDay(
      spec({ windowStart: "02:00", windowEnd: "02:45", postsPerDay: 3, timezone: "America/New_York" }),
      "2026-03-08",
      seededRng("gap"),
    );
    expect(inGap.map((r) => [iso(r.dueAt), r.slot])).toEqual([["2026-03-08T07:00:00.000Z", "random 1/1"]]);
  });

  it("is uniform over the valid configurations (exhaustive small case)", () => {
    // 5 minutes, 2 posts at least 2 minutes apart: (0,2) (0,3) (0,4) (1,3) (1,4) (2,4).
    const s = spec({ windowStart: "10:00", windowEnd: "10:05", postsPerDay: 2, minGapMinutes: 2 });
    const rng = seededRng("uniform");
    const start = Date.parse("2026-03-09T01:00:00Z");
    const counts = new Map<string, number>();
    const draws = 60_000;
    for (let i = 0; i < draws; i++) {
      const key = drawRandomDay(s, "2026-03-09", rng)
        .map((r) => (r.dueAt - start) / MINUTE)
        .join(",");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["0,2", "0,3", "0,4", "1,3", "1,4", "2,4"]);
    for (const count of counts.values()) expect(Math.abs(count - draws / 6)).toBeLessThan(draws / 6 / 20);
  });

  const zones = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Tokyo"];
  const dates = ["2026-03-08", "2026-03-29", "2026-10-04", "2026-10-25", "2026-11-01", "2026-06-15"];

  it("draws exactly N instants inside the real window, sorted, at least the gap apart (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 120 }),
        fc.constantFrom(...zones),
        fc.constantFrom(...dates),
        fc.string(),
        (startMin, endMin, posts, gap, timezone, date, seed) => {
          const s = spec({
            windowStart: hhmm(startMin),
            windowEnd: hhmm(endMin),
            postsPerDay: posts,
            minGapMinutes: gap,
            timezone,
          });
          fc.pre(validateSpec(s).length === 0);
          const { start, end } = randomWindow(s, date);
          const realMinutes = Math.floor((end - start) / MINUTE);
          const runs = drawRandomDay(s, date, seededRng(seed));
          const step = Math.max(gap, 1) * MINUTE;
          const fits = (posts - 1) * Math.max(gap, 1) + 1 <= realMinutes;
          if (fits) expect(runs).toHaveLength(posts);
          else expect(runs.length).toBe(Math.min(posts, Math.max(realMinutes, 1)));
          for (const [i, run] of runs.entries()) {
            expect(run.dueAt).toBeGreaterThanOrEqual(start);
            expect(run.dueAt).toBeLessThan(Math.max(end, start + 1));
            expect((run.dueAt - start) % MINUTE).toBe(0);
            expect(run.slot).toBe(`random ${i + 1}/${runs.length}`);
            if (i > 0) {
              expect(run.dueAt).toBeGreaterThan(runs[i - 1]!.dueAt);
              if (fits) expect(run.dueAt - runs[i - 1]!.dueAt).toBeGreaterThanOrEqual(step);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
