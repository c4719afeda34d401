import { expect, it } from "vitest";
import { planAll } from "../src/scheduler/planner.js";
import {
  addManySchedules,
  describePlanner,
  dropFailure,
  failInsertsOf,
  groupBy,
  HOUR,
  MINUTE,
  NOW,
  opts,
} from "./helpers/plans.js";

describePlanner("planning every schedule in pages", (newDb, dialect) => {
  it("plans every active schedule of 800 accounts, pages in flight", async () => {
    const t = await newDb();
    await addManySchedules(t.db, 800);

    const inserted = await planAll(t.db, opts({ horizonMs: 24 * HOUR }));
    const rows = await t.db
      .selectFrom("runs")
      .select(["schedule_id", "local_date", "due_at", "slot"])
      .where("due_at", ">=", NOW - 15 * MINUTE)
      .execute();
    expect(inserted).toBe(rows.length);
    const paused = new Set(
      (await t.db.selectFrom("schedules").select("id").where("active", "=", 0).execute()).map((s) => s.id),
    );
    expect(paused.size).toBe(80);
    expect(rows.some((r) => paused.has(r.schedule_id!))).toBe(false);
    const bySchedule = groupBy(rows, (r) => r.schedule_id!);
    // 1,520 active schedules: four pages, up to two of them written at once.
    expect(bySchedule.size).toBe(1520);
    // Up to the horizon, none twice; every fixed schedule has its two runs a day inside it.
    expect(rows.every((r) => r.due_at < NOW + 24 * HOUR)).toBe(true);
    const days = await t.db.selectFrom("planned_days").select(["schedule_id", "local_date"]).execute();
    expect(new Set(days.map((d) => `${d.schedule_id}|${d.local_date}`)).size).toBe(days.length);
    expect(new Set(rows.map((r) => `${r.schedule_id}|${r.due_at}`)).size).toBe(rows.length);
    const fixed = rows.filter((r) => !r.slot.startsWith("random"));
    expect(fixed).toHaveLength(720 * 2);
    expect(await planAll(t.db, opts({ horizonMs: 24 * HOUR }))).toBe(0);
  });

  it("a page that fails fails planAll after the pages in flight settle; the next pass plans the rest", async () => {
    const t = await newDb();
    await addManySchedules(t.db, 800);
    const active = await t.db
      .selectFrom("schedules")
      .select("id")
      .where("active", "=", 1)
      .orderBy("id")
      .execute();
    // A schedule on the third page (ids 1,001-1,500 of the active ones) cannot be written.
    const doomed = active[1200]!.id;
    await failInsertsOf(t.db, dialect, doomed);

    await expect(planAll(t.db, opts({ horizonMs: 24 * HOUR }))).rejects.toThrow(/planned to fail/);
    const planned = async () =>
      new Set(
        (await t.db.selectFrom("runs").select("schedule_id").distinct().execute()).map((r) => r.schedule_id!),
      );
    const before = await planned();
    // The failed page left nothing behind (its transaction rolled back), the first two pages are written.
    expect(before.has(doomed)).toBe(false);
    expect(before.has(active[1000]!.id)).toBe(false);
    for (const { id } of active.slice(0, 1000)) expect(before.has(id)).toBe(true);
    // Every statement of every page has finished: the database is idle and usable at once.
    await dropFailure(t.db, dialect);
    expect(await planAll(t.db, opts({ horizonMs: 24 * HOUR }))).toBeGreaterThan(0);
    const after = await planned();
    expect(active.every(({ id }) => after.has(id))).toBe(true);
  });
});
