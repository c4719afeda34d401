import { expect, it } from "vitest";
import { createLogger } from "../src/log.js";
import { planAll, planSchedule } from "../src/scheduler/planner.js";
import { scheduleZone, specOf, toSchedule } from "../src/schedules/schedule.js";
import {
  addAccount,
  addSchedule,
  describePlanner,
  fixedTimes,
  HOUR,
  iso,
  opts,
  randomWindow,
  runsOf,
} from "./helpers/plans.js";

describePlanner("invalid settings and zones", (newDb) => {
  it("refuses to plan invalid settings: planSchedule throws, planAll reports and goes on", async () => {
    const t = await newDb();
    const account = await addAccount(t.db);
    const bad = await addSchedule(t.db, account, { ...randomWindow("10:00", "10:30", 5, 10) });
    const good = await addSchedule(t.db, account, fixedTimes("10:00"));
    await expect(planSchedule(t.db, bad, opts())).rejects.toThrow(
      `Schedule ${bad} cannot be planned: The window 10:00–10:30 is 30 minutes long`,
    );
    const lines: string[] = [];
    const logger = createLogger("warn", {}, (line) => lines.push(line));
    expect(await planAll(t.db, opts({ logger }))).toBe(2);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", scheduleId: bad });
    expect(await runsOf(t.db, good)).toHaveLength(2);
  });

  it("uses the schedule's zone, else the account's, else the default", async () => {
    const t = await newDb();
    const tokyo = await addAccount(t.db, "Asia/Tokyo");
    const blank = await addAccount(t.db, "");
    const own = await addSchedule(t.db, tokyo, { ...fixedTimes("10:00"), timezone: "Europe/Berlin" });
    const inherited = await addSchedule(t.db, tokyo, fixedTimes("10:00"));
    const fallback = await addSchedule(t.db, blank, fixedTimes("10:00"));
    const horizon = opts({ horizonMs: 24 * HOUR, defaultTimezone: "America/New_York" });
    for (const id of [own, inherited, fallback]) await planSchedule(t.db, id, horizon);
    expect((await runsOf(t.db, own)).map((r) => iso(r.due_at))[0]).toBe("2026-03-09T09:00:00.000Z");
    expect((await runsOf(t.db, inherited)).map((r) => iso(r.due_at))[0]).toBe("2026-03-09T01:00:00.000Z");
    expect((await runsOf(t.db, fallback)).map((r) => iso(r.due_at))[0]).toBe("2026-03-09T14:00:00.000Z");

    const row = await t.db
      .selectFrom("schedules")
      .selectAll()
      .where("id", "=", inherited)
      .executeTakeFirstOrThrow();
    expect(specOf(toSchedule(row), scheduleZone(row.timezone, "Asia/Tokyo", "UTC"))).toEqual({
      kind: "fixed",
      times: ["10:00"],
      windowStart: undefined,
      windowEnd: undefined,
      postsPerDay: undefined,
      minGapMinutes: 0,
      days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
      timezone: "Asia/Tokyo",
    });
  });
});
