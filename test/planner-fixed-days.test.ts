import { expect, it } from "vitest";
import { planSchedule, replanSchedule } from "../src/scheduler/planner.js";
import {
  addAccount,
  addSchedule,
  describePlanner,
  fixedTimes,
  HOUR,
  iso,
  MINUTE,
  NOW,
  opts,
  runsOf,
} from "./helpers/plans.js";

describePlanner("fixed days", (newDb) => {
  it("writes fixed runs up to the horizon, once, and the rest of a day as the horizon reaches it", async () => {
    const t = await newDb();
    const account = await addAccount(t.db);
    const id = await addSchedule(t.db, account, fixedTimes("20:00", "10:00", "15:00"));

    // Tokyo 09:00 Monday + 48 h -> Wednesday 09:00: Monday's and Tuesday's runs; Wednesday's are all later.
    expect(await planSchedule(t.db, id, opts())).toBe(6);
    const rows = await runsOf(t.db, id);
    expect(rows.map((r) => [r.local_date, r.slot, iso(r.due_at)])).toEqual([
      ["2026-03-09", "10:00", "2026-03-09T01:00:00.000Z"],
      ["2026-03-09", "15:00", "2026-03-09T06:00:00.000Z"],
      ["2026-03-09", "20:00", "2026-03-09T11:00:00.000Z"],
      ["2026-03-10", "10:00", "2026-03-10T01:00:00.000Z"],
      ["2026-03-10", "15:00", "2026-03-10T06:00:00.000Z"],
      ["2026-03-10", "20:00", "2026-03-10T11:00:00.000Z"],
    ]);
    // Wednesday touches the horizon: it is recorded, with the first run still to write.
    const wednesday = await t.db
      .selectFrom("planned_days")
      .selectAll()
      .where("local_date", "=", "2026-03-11")
      .executeTakeFirstOrThrow();
    expect(wednesday).toMatchObject({ next_due_at: Date.parse("2026-03-11T01:00:00Z"), draw_json: null });
    expect(rows[0]).toMatchObject({
      job: "post",
      job_key: `schedule:${id}`,
      schedule_id: id,
      account_id: account,
      run_at: rows[0]!.due_at,
      state: "planned",
      attempts: 0,
      group_id: null,
      locked_by: null,
      created_at: NOW,
      updated_at: NOW,
    });

    expect(await planSchedule(t.db, id, opts())).toBe(0);
    expect(await planSchedule(t.db, id, opts({ now: NOW + HOUR }))).toBe(0);
    expect(await runsOf(t.db, id)).toEqual(rows);
    // A minute later the horizon passes Wednesday 10:00; a day later it reaches the rest of Wednesday, and
    // Thursday is recorded.
    expect(await planSchedule(t.db, id, opts({ now: NOW + HOUR + MINUTE }))).toBe(1);
    expect(await planSchedule(t.db, id, opts({ now: NOW + 24 * HOUR }))).toBe(2);
    expect((await runsOf(t.db, id)).slice(6).map((r) => [r.local_date, r.slot])).toEqual([
      ["2026-03-11", "10:00"],
      ["2026-03-11", "15:00"],
      ["2026-03-11", "20:00"],
    ]);
    const days = await t.db.selectFrom("planned_days").selectAll().orderBy("local_date").execute();
    // Sunday is a candidate too (a window crossing midnight would reach into Monday); all of it lies before.
    expect(days.map((d) => [d.local_date, d.next_due_at])).toEqual([
      ["2026-03-08", null],
      ["2026-03-09", null],
      ["2026-03-10", null],
      ["2026-03-11", null],
      ["2026-03-12", Date.parse("2026-03-12T01:00:00Z")],
    ]);
  });

  it("plans a run due within the misfire grace so it fires late, but not older ones", async () => {
    const t = await newDb();
    const account = await addAccount(t.db);
    // 08:50 JST is 10 min before now (grace 15): planned. 08:30 is 30 min before: not planned.
    const id = await addSchedule(t.db, account, fixedTimes("08:30", "08:50"));
    await planSchedule(t.db, id, opts({ horizonMs: HOUR }));
    expect((await runsOf(t.db, id)).map((r) => [r.local_date, r.slot])).toEqual([["2026-03-09", "08:50"]]);

    // After an edit the user chose the times just now: replanning does not fire a run in the past.
    const edited = await addSchedule(t.db, account, fixedTimes("08:50", "12:00"));
    await replanSchedule(t.db, edited, opts({ horizonMs: 4 * HOUR }));
    expect((await runsOf(t.db, edited)).map((r) => r.slot)).toEqual(["12:00"]);
    // ... and a later planner does not back-fill it either, the day being recorded.
    expect(await planSchedule(t.db, edited, opts({ now: NOW + MINUTE, horizonMs: 4 * HOUR }))).toBe(0);
  });
});
