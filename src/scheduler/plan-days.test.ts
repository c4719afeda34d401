import { describe, expect, it } from "vitest";
import type { ScheduleRow } from "../db/schema.js";
import { dayWorkOf, plansOf, splitAtHorizon } from "./plan-days.js";
import type { KnownDay } from "./plans.repository.js";

const HOUR = 3_600_000;
/** Monday 2026-03-09 09:00 in Tokyo. */
const NOW = Date.parse("2026-03-09T00:00:00Z");

function target(over: Partial<ScheduleRow> = {}): ScheduleRow & { account_timezone: string } {
  return {
    id: 1,
    account_id: 1,
    kind: "fixed",
    times_json: '["10:00"]',
    window_start: null,
    window_end: null,
    posts_per_day: null,
    min_gap_minutes: null,
    days_json: '["mon","tue","wed","thu","fri","sat","sun"]',
    timezone: null,
    active: 1,
    pick: "random",
    group_ids_json: null,
    misfire_grace_minutes: 15,
    version: 2,
    pick_state_json: null,
    until_date: null,
    created_at: NOW,
    updated_at: NOW,
    account_timezone: "Asia/Tokyo",
    ...over,
  } as ScheduleRow & { account_timezone: string };
}

describe("plan days", () => {
  it("plans each schedule in its zone from now - grace, and reports the ones that cannot be planned", () => {
    const invalid: Array<[number, string[]]> = [];
    const plans = plansOf(
      [target(), target({ id: 2, times_json: '["25:00"]' }), target({ id: 3, days_json: "[mon" })],
      NOW,
      NOW + 48 * HOUR,
      "UTC",
      "grace",
      (id, problems) => invalid.push([id, problems]),
    );
    expect(plans.map((p) => [p.target.id, p.spec.timezone, p.cut, p.dates])).toEqual([
      [1, "Asia/Tokyo", NOW - 15 * 60_000, ["2026-03-08", "2026-03-09", "2026-03-10", "2026-03-11"]],
    ]);
    expect(invalid.map(([id]) => id)).toEqual([2, 3]);
    expect(invalid[1]![1]).toEqual(["Schedule 3: days_json is not valid JSON; save the schedule again."]);
  });

  it("writes fresh days, takes over stale ones, and the rest of recorded days the horizon reached", () => {
    const [plan] = plansOf([target()], NOW, NOW + 48 * HOUR, "UTC", "now", () => {});
    const day = (version: number, nextDueAt: number | null): KnownDay => ({
      version,
      nextDueAt,
      drawJson: null,
    });
    const known = new Map([
      [
        1,
        new Map([
          // Older than the candidate dates, unfinished: written late (its runs become missed).
          ["2026-03-06", day(2, NOW - 48 * HOUR)],
          ["2026-03-08", day(2, null)],
          ["2026-03-09", day(1, null)],
          ["2026-03-10", day(2, NOW + 25 * HOUR)],
          ["2026-03-11", day(2, NOW + 49 * HOUR)],
        ]),
      ],
    ]);
    expect(dayWorkOf([plan!], known, NOW + 48 * HOUR).map((w) => [w.date, w.kind])).toEqual([
      ["2026-03-06", "rest"],
      ["2026-03-09", "stale"],
      ["2026-03-10", "rest"],
    ]);
    expect(dayWorkOf([plan!], new Map(), NOW + 48 * HOUR).map((w) => w.kind)).toEqual([
      "fresh",
      "fresh",
      "fresh",
      "fresh",
    ]);
  });

  it("splits a day at the horizon and keeps a random day's draw until all of it is written", () => {
    const runs = [1, 2, 3].map((h) => ({
      dueAt: NOW + h * HOUR,
      localDate: "2026-03-09",
      slot: `random ${h}/3`,
    }));
    const random = { kind: "random" as const, days: [], timezone: "UTC" };
    const split = splitAtHorizon(runs, NOW + HOUR, NOW + 2.5 * HOUR, random);
    expect(split.now.map((r) => r.slot)).toEqual(["random 1/3", "random 2/3"]);
    expect(split.next_due_at).toBe(NOW + 3 * HOUR);
    expect(JSON.parse(split.draw_json!)).toEqual(runs.map((r) => [r.dueAt, r.slot]));
    expect(splitAtHorizon(runs, NOW, NOW + 4 * HOUR, random)).toMatchObject({
      next_due_at: null,
      draw_json: null,
    });
    expect(splitAtHorizon(runs, NOW, NOW + 2.5 * HOUR, { ...random, kind: "fixed" }).draw_json).toBeNull();
  });
});
