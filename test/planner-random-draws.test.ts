import { expect, it } from "vitest";
import { planSchedule } from "../src/scheduler/planner.js";
import { seededRng } from "../src/scheduler/planning/index.js";
import {
  addAccount,
  addSchedule,
  describePlanner,
  groupBy,
  HOUR,
  MINUTE,
  NOW,
  opts,
  randomWindow,
  runsOf,
} from "./helpers/plans.js";

describePlanner("random draws", (newDb) => {
  it("draws a random day once and never re-rolls it, also when its runs are written in parts", async () => {
    const t = await newDb();
    const id = await addSchedule(t.db, await addAccount(t.db), randomWindow("22:00", "02:00", 5, 20));
    expect(await planSchedule(t.db, id, opts({ rng: seededRng("first") }))).toBe(10);
    const rows = await runsOf(t.db, id);
    expect(await planSchedule(t.db, id, opts({ rng: seededRng("second") }))).toBe(0);
    expect(await runsOf(t.db, id)).toEqual(rows);

    // Monday's and Tuesday's windows lie inside the horizon (Wednesday 09:00 JST).
    const byDate = groupBy(rows, (r) => r.local_date);
    expect([...byDate.keys()]).toEqual(["2026-03-09", "2026-03-10"]);
    for (const [date, runs] of byDate) {
      expect(runs.map((r) => r.slot)).toEqual([
        "random 1/5",
        "random 2/5",
        "random 3/5",
        "random 4/5",
        "random 5/5",
      ]);
      // 22:00 JST on the date to 02:00 JST the next day.
      const start = Date.parse(`${date}T13:00:00Z`);
      for (const run of runs) expect(run.due_at).toBeGreaterThanOrEqual(start);
      for (const run of runs) expect(run.due_at).toBeLessThan(start + 4 * HOUR);
    }
    const days = await t.db.selectFrom("planned_days").selectAll().orderBy("local_date").execute();
    // Sunday's window (started 2026-03-08 22:00) ended before now - grace: recorded, nothing written.
    // Wednesday's window starts after the horizon: drawn and recorded, nothing written yet.
    expect(days.map((d) => [d.local_date, d.schedule_version, d.draw_json === null])).toEqual([
      ["2026-03-08", 1, true],
      ["2026-03-09", 1, true],
      ["2026-03-10", 1, true],
      ["2026-03-11", 1, false],
    ]);
    const draw = JSON.parse(days[3]!.draw_json!) as Array<[number, string]>;
    expect(draw.map(([, slot]) => slot)).toEqual([
      "random 1/5",
      "random 2/5",
      "random 3/5",
      "random 4/5",
      "random 5/5",
    ]);
    expect(days[3]!.next_due_at).toBe(draw[0]![0]);

    // As the horizon moves through Wednesday's window its runs are written from that draw, whatever the rng.
    const middle = draw[2]![0] + MINUTE - 48 * HOUR;
    expect(await planSchedule(t.db, id, opts({ now: middle, rng: seededRng("third") }))).toBe(3);
    expect(await planSchedule(t.db, id, opts({ now: NOW + 24 * HOUR, rng: seededRng("fourth") }))).toBe(2);
    const wednesday = (await runsOf(t.db, id)).filter((r) => r.local_date === "2026-03-11");
    expect(wednesday.map((r) => [r.due_at, r.slot])).toEqual(draw);
    const done = await t.db
      .selectFrom("planned_days")
      .selectAll()
      .where("local_date", "=", "2026-03-11")
      .executeTakeFirstOrThrow();
    expect(done).toMatchObject({ next_due_at: null, draw_json: null });
  });
});
