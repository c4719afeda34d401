import { expect, it } from "vitest";
import { planSchedule } from "../src/scheduler/planner.js";
import { markMissed } from "../src/scheduler/runs.repository.js";
import {
  addAccount,
  addSchedule,
  describePlanner,
  fixedTimes,
  HOUR,
  NOW,
  opts,
  runsOf,
} from "./helpers/plans.js";

describePlanner("the rolling horizon", (newDb) => {
  it("writes the runs of a recorded day that passed while nothing planned, and they become missed", async () => {
    const t = await newDb();
    const id = await addSchedule(t.db, await addAccount(t.db), fixedTimes("10:00", "20:00"));
    expect(await planSchedule(t.db, id, opts())).toBe(4);
    // The service was down from Monday 09:00 to Friday 09:00. Wednesday was recorded (its runs to come): its
    // runs are written now, late, so that they show as missed instead of vanishing. Thursday was never
    // recorded: like any day first planned, it starts at now - grace.
    const later = NOW + 96 * HOUR;
    await planSchedule(t.db, id, opts({ now: later }));
    const rows = await runsOf(t.db, id);
    expect(rows.map((r) => [r.local_date, r.slot])).toEqual([
      ["2026-03-09", "10:00"],
      ["2026-03-09", "20:00"],
      ["2026-03-10", "10:00"],
      ["2026-03-10", "20:00"],
      ["2026-03-11", "10:00"],
      ["2026-03-11", "20:00"],
      ["2026-03-13", "10:00"],
      ["2026-03-13", "20:00"],
      ["2026-03-14", "10:00"],
      ["2026-03-14", "20:00"],
    ]);
    const missed = await markMissed(t.db, later);
    expect(missed.map((r) => r.local_date)).toEqual(
      expect.arrayContaining(["2026-03-09", "2026-03-10", "2026-03-11"]),
    );
    expect(missed).toHaveLength(6);
  });
});
