import { expect, it } from "vitest";
import { clearFuturePlan, planAll, planSchedule, replanSchedule } from "../src/scheduler/planner.js";
import { seededRng } from "../src/scheduler/planning/index.js";
import {
  addAccount,
  addSchedule,
  describePlanner,
  fixedTimes,
  HOUR,
  MINUTE,
  NOW,
  opts,
  randomWindow,
  runsOf,
} from "./helpers/plans.js";

describePlanner("re-plan and clear", (newDb) => {
  it("replans after an edit: unclaimed future rows replaced, running and published ones kept", async () => {
    const t = await newDb();
    const account = await addAccount(t.db);
    const fixedId = await addSchedule(t.db, account, fixedTimes("10:00", "15:00", "20:00"));
    const randomId = await addSchedule(t.db, account, randomWindow("10:00", "22:00", 3, 30));
    await planAll(t.db, opts());

    // 15:30 JST: the 10:00 run was published, the 15:00 one is running.
    const later = NOW + 6.5 * HOUR;
    const today = (await runsOf(t.db, fixedId)).filter((r) => r.local_date === "2026-03-09");
    await t.db.updateTable("runs").set({ state: "published" }).where("id", "=", today[0]!.id).execute();
    await t.db
      .updateTable("runs")
      .set({ state: "running", locked_by: "node-1", lease_until: later + MINUTE })
      .where("id", "=", today[1]!.id)
      .execute();
    const randomBefore = await runsOf(t.db, randomId);
    const randomPast = randomBefore.filter((r) => r.due_at < later);
    for (const row of randomPast) {
      await t.db.updateTable("runs").set({ state: "published" }).where("id", "=", row.id).execute();
    }

    // The edit and the re-plan in one transaction, as the schedules service does it.
    await t.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("schedules")
        .set({ times_json: JSON.stringify(["11:00", "16:00", "21:00"]), version: 2 })
        .where("id", "=", fixedId)
        .execute();
      await trx
        .updateTable("schedules")
        .set({ posts_per_day: 2, version: 2 })
        .where("id", "=", randomId)
        .execute();
      await replanSchedule(trx, fixedId, opts({ now: later }));
      await replanSchedule(trx, randomId, opts({ now: later, rng: seededRng("v2") }));
    });

    const fixedRows = await runsOf(t.db, fixedId);
    expect(fixedRows.map((r) => [r.local_date, r.slot, r.state])).toEqual([
      ["2026-03-09", "10:00", "published"],
      ["2026-03-09", "15:00", "running"],
      ["2026-03-09", "16:00", "planned"],
      ["2026-03-09", "21:00", "planned"],
      ["2026-03-10", "11:00", "planned"],
      ["2026-03-10", "16:00", "planned"],
      ["2026-03-10", "21:00", "planned"],
      // The horizon ends on Wednesday at 15:30.
      ["2026-03-11", "11:00", "planned"],
    ]);

    const randomRows = await runsOf(t.db, randomId);
    expect(randomRows.filter((r) => r.state === "published").map((r) => r.id)).toEqual(
      randomPast.map((r) => r.id),
    );
    const future = randomRows.filter((r) => r.state === "planned");
    expect(future.every((r) => r.due_at >= later)).toBe(true);
    expect(future.filter((r) => r.local_date === "2026-03-10").map((r) => r.slot)).toEqual([
      "random 1/2",
      "random 2/2",
    ]);
    // Wednesday's draw of the new version, written up to the horizon (15:30).
    const wednesday = future.filter((r) => r.local_date === "2026-03-11");
    expect(wednesday.every((r) => r.slot.endsWith("/2") && r.due_at < later + 48 * HOUR)).toBe(true);
    const versions = await t.db
      .selectFrom("planned_days")
      .select(["local_date", "schedule_version"])
      .where("schedule_id", "=", randomId)
      .where("local_date", ">=", "2026-03-09")
      .execute();
    expect(versions.every((d) => d.schedule_version === 2)).toBe(true);
  });

  it("re-draws days planned by a stale version even without an explicit replan", async () => {
    const t = await newDb();
    const id = await addSchedule(t.db, await addAccount(t.db), randomWindow("10:00", "22:00", 3));
    await planSchedule(t.db, id, opts());
    await t.db.updateTable("schedules").set({ posts_per_day: 4, version: 2 }).where("id", "=", id).execute();
    const later = NOW + 12 * HOUR; // 21:00 JST
    await planSchedule(t.db, id, opts({ now: later, rng: seededRng("v2") }));
    const rows = await runsOf(t.db, id);
    const tomorrow = rows.filter((r) => r.local_date === "2026-03-10");
    expect(tomorrow.map((r) => r.slot)).toEqual(["random 1/4", "random 2/4", "random 3/4", "random 4/4"]);
    // Today's runs before `later` are history and stay; only its future is re-drawn.
    const today = rows.filter((r) => r.local_date === "2026-03-09");
    expect(today.filter((r) => r.due_at >= later).every((r) => r.slot.endsWith("/4"))).toBe(true);
    expect(today.filter((r) => r.due_at < later).every((r) => r.slot.endsWith("/3"))).toBe(true);
  });

  it("plans nothing for a paused schedule and clears its future when it is paused", async () => {
    const t = await newDb();
    const account = await addAccount(t.db);
    const paused = await addSchedule(t.db, account, { ...fixedTimes("10:00"), active: 0 });
    expect(await planSchedule(t.db, paused, opts())).toBe(0);
    expect(await planAll(t.db, opts())).toBe(0);
    expect(await runsOf(t.db, paused)).toEqual([]);

    const active = await addSchedule(t.db, account, fixedTimes("10:00"));
    expect(await planAll(t.db, opts())).toBe(2);
    await t.db.updateTable("schedules").set({ active: 0, version: 2 }).where("id", "=", active).execute();
    await replanSchedule(t.db, active, opts());
    expect(await runsOf(t.db, active)).toEqual([]);
    expect(await planAll(t.db, opts())).toBe(0);
  });

  it("clearFuturePlan deletes only planned rows from now on, and today's planned days", async () => {
    const t = await newDb();
    const id = await addSchedule(t.db, await addAccount(t.db), fixedTimes("08:50", "10:00"));
    await planSchedule(t.db, id, opts());
    const rows = await runsOf(t.db, id);
    await t.db.updateTable("runs").set({ state: "failed" }).where("id", "=", rows.at(-1)!.id).execute();
    // 08:50 today (due before now) stays, the failed one stays; three planned future rows go.
    expect(await clearFuturePlan(t.db, id, NOW, "UTC")).toBe(3);
    expect((await runsOf(t.db, id)).map((r) => [r.local_date, r.slot, r.state])).toEqual([
      ["2026-03-09", "08:50", "planned"],
      ["2026-03-11", "08:50", "failed"],
    ]);
    const days = await t.db
      .selectFrom("planned_days")
      .select("local_date")
      .where("schedule_id", "=", id)
      .execute();
    expect(days.map((d) => d.local_date)).toEqual(["2026-03-08"]);
  });

  it("clearFuturePlan reads today in the planner's zone: the default one for an account without a zone", async () => {
    const t = await newDb();
    // An account written by an older version (no zone): planned in the default zone, New York, where NOW
    // (00:00 UTC on 03-09) is 19:00 on 03-08. In UTC "today" would be 03-09: the pause would close New
    // York's 03-08 (same version) and the resume would leave out its 20:00 and 22:00.
    const id = await addSchedule(t.db, await addAccount(t.db, ""), fixedTimes("20:00", "22:00"));
    const ny = opts({ defaultTimezone: "America/New_York" });
    await planSchedule(t.db, id, ny);
    const before = (await runsOf(t.db, id)).map((r) => [r.local_date, r.slot]);
    expect(before.slice(0, 2)).toEqual([
      ["2026-03-08", "20:00"],
      ["2026-03-08", "22:00"],
    ]);
    // Paused and resumed at once, as the schedules service does it (no version bump).
    await t.db.updateTable("schedules").set({ active: 0 }).where("id", "=", id).execute();
    await clearFuturePlan(t.db, id, NOW, ny.defaultTimezone);
    await t.db.updateTable("schedules").set({ active: 1 }).where("id", "=", id).execute();
    await replanSchedule(t.db, id, ny);
    expect((await runsOf(t.db, id)).map((r) => [r.local_date, r.slot])).toEqual(before);
  });

  it("runs inside the caller's transaction: a rollback undoes the re-plan", async () => {
    const t = await newDb();
    const id = await addSchedule(t.db, await addAccount(t.db), fixedTimes("10:00"));
    await planSchedule(t.db, id, opts());
    const before = await runsOf(t.db, id);
    await expect(
      t.db.transaction().execute(async (trx) => {
        await trx
          .updateTable("schedules")
          .set({ times_json: '["11:00"]', version: 2 })
          .where("id", "=", id)
          .execute();
        await replanSchedule(trx, id, opts());
        expect((await runsOf(trx, id)).map((r) => r.slot)).toEqual(["11:00", "11:00"]);
        throw new Error("edit rejected");
      }),
    ).rejects.toThrow("edit rejected");
    expect(await runsOf(t.db, id)).toEqual(before);
  });
});
