import { expect, it } from "vitest";
import { planAll, replanSchedule } from "../src/scheduler/planner.js";
import { seededRng } from "../src/scheduler/planning/index.js";
import { prunePlannedDays } from "../src/scheduler/prune-planned-days.js";
import { updateSchedule } from "../src/schedules/schedules.repository.js";
import {
  addAccount,
  addSchedule,
  describePlanner,
  fixedTimes,
  HOUR,
  NOW,
  opts,
  randomWindow,
  runsOf,
} from "./helpers/plans.js";

describePlanner("pruning planned days", (newDb) => {
  it("prunes the records of days long past and fully written, and plans on as before", async () => {
    const t = await newDb();
    const account = await addAccount(t.db);
    const id = await addSchedule(t.db, account, fixedTimes("10:00"));
    const slow = await addSchedule(t.db, account, {
      ...fixedTimes("11:00"),
      misfire_grace_minutes: 3 * 24 * 60,
    });
    for (let day = 0; day <= 10; day++) await planAll(t.db, opts({ now: NOW + day * 24 * HOUR }));
    const later = NOW + 10 * 24 * HOUR; // Thursday 2026-03-19, 09:00 JST
    const dates = async (scheduleId: number) =>
      (
        await t.db
          .selectFrom("planned_days")
          .select("local_date")
          .where("schedule_id", "=", scheduleId)
          .orderBy("local_date")
          .execute()
      ).map((d) => d.local_date);
    expect((await dates(id))[0]).toBe("2026-03-08");

    // The longest grace is 3 days: records from 6 days back (UTC) are kept, the older ones go.
    const pruned = await prunePlannedDays(t.db, later);
    expect(pruned).toBeGreaterThan(0);
    expect((await dates(id))[0]).toBe("2026-03-13");
    expect((await dates(slow))[0]).toBe("2026-03-13");
    // Nothing the planner reads was lost: planning again at the same instant writes nothing.
    const before = await t.db.selectFrom("runs").select("id").execute();
    expect(await planAll(t.db, opts({ now: later }))).toBe(0);
    expect(await t.db.selectFrom("runs").select("id").execute()).toHaveLength(before.length);
    // An unfinished day is never pruned, however old (here the one marked so, and the last one planned).
    await t.db
      .updateTable("planned_days")
      .set({ next_due_at: NOW })
      .where("schedule_id", "=", id)
      .where("local_date", "=", "2026-03-13")
      .execute();
    await prunePlannedDays(t.db, later + 30 * 24 * HOUR);
    expect(await dates(id)).toEqual(["2026-03-13", "2026-03-21"]);
  });

  it("a longer grace set after old days were pruned does not back-fill them", async () => {
    const t = await newDb();
    // A random day drawn again would land on other times: the unique key would not catch it.
    const id = await addSchedule(t.db, await addAccount(t.db), randomWindow("10:00", "22:00", 3));
    for (let day = 0; day <= 10; day++) {
      await planAll(t.db, opts({ now: NOW + day * 24 * HOUR, rng: seededRng(`day ${day}`) }));
    }
    const later = NOW + 10 * 24 * HOUR;
    expect(await prunePlannedDays(t.db, later)).toBeGreaterThan(0);
    const before = await runsOf(t.db, id);

    // The user raises the grace to 5 days: an edit (new version, re-planned in its transaction).
    await t.db.transaction().execute(async (trx) => {
      await updateSchedule(trx, id, { misfire_grace_minutes: 5 * 24 * 60, updated_at: later });
      await replanSchedule(trx, id, opts({ now: later, rng: seededRng("edit") }));
    });
    await planAll(t.db, opts({ now: later, rng: seededRng("after") }));
    // Nothing before the edit is planned again (it would be posted late, inside the new grace).
    const after = await runsOf(t.db, id);
    const added = after.filter((r) => !before.some((b) => b.due_at === r.due_at));
    expect(added.filter((r) => r.due_at < later)).toEqual([]);
  });
});
