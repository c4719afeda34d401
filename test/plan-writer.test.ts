import { type Insertable, type RootOperationNode, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { removeAccount } from "../src/accounts/accounts.repository.js";
import { type Db, openDatabase } from "../src/db/connect.js";
import type { SchedulesTable } from "../src/db/schema.js";
import { createLogger } from "../src/log.js";
import {
  clearFuturePlan,
  type PlanOptions,
  planAll,
  planSchedule,
  prunePlannedDays,
  replanSchedule,
  scheduleSpecOf,
} from "../src/scheduler/plan-writer.js";
import { seededRng } from "../src/scheduler/planning/index.js";
import { markMissed } from "../src/scheduler/runs.repository.js";
import { setScheduleActive, updateSchedule } from "../src/schedules/schedules.repository.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { queryGate, tableOf } from "./helpers/query-gate.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Monday 2026-03-09 09:00 in Tokyo. */
const NOW = Date.parse("2026-03-09T00:00:00Z");
const EVERY_DAY = JSON.stringify(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
const opts = (over: Partial<PlanOptions> = {}): PlanOptions => ({
  now: NOW,
  horizonMs: 48 * HOUR,
  defaultTimezone: "UTC",
  rng: seededRng("plan"),
  ...over,
});

let accountSeq = 0;
async function addAccount(db: Db, timezone = "Asia/Tokyo"): Promise<number> {
  accountSeq++;
  const row = await db
    .insertInto("accounts")
    .values({
      threads_user_id: `user-${accountSeq}`,
      username: `user${accountSeq}`,
      token_ciphertext: "ciphertext",
      token_expires_at: NOW + 50 * 24 * HOUR,
      token_issued_at: NOW,
      status: "active",
      timezone,
      created_at: NOW,
      updated_at: NOW,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

type ScheduleFields = Partial<Insertable<SchedulesTable>>;
const fixedTimes = (...times: string[]): ScheduleFields => ({
  kind: "fixed",
  times_json: JSON.stringify(times),
});
const randomWindow = (start: string, end: string, posts: number, gap = 0): ScheduleFields => ({
  kind: "random",
  window_start: start,
  window_end: end,
  posts_per_day: posts,
  min_gap_minutes: gap,
});

async function addSchedule(db: Db, accountId: number, fields: ScheduleFields): Promise<number> {
  const row = await db
    .insertInto("schedules")
    .values({
      account_id: accountId,
      kind: "fixed",
      days_json: EVERY_DAY,
      pick: "random",
      misfire_grace_minutes: 15,
      created_at: NOW,
      updated_at: NOW,
      ...fields,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

function runsOf(db: Db, scheduleId: number) {
  return db.selectFrom("runs").selectAll().where("schedule_id", "=", scheduleId).orderBy("due_at").execute();
}

const iso = (ms: number) => new Date(ms).toISOString();
function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

describe.each(DIALECTS)("plan writer on %s", (dialect) => {
  let t: TestDb;
  const extra: Db[] = [];
  afterEach(async () => {
    for (const db of extra.splice(0)) await db.destroy();
    await t?.destroy();
  });

  it("writes fixed runs up to the horizon, once, and the rest of a day as the horizon reaches it", async () => {
    t = await createTestDb(dialect);
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

  it("draws a random day once and never re-rolls it, also when its runs are written in parts", async () => {
    t = await createTestDb(dialect);
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

  it("writes the runs of a recorded day that passed while nothing planned, and they become missed", async () => {
    t = await createTestDb(dialect);
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

  it("prunes the records of days long past and fully written, and plans on as before", async () => {
    t = await createTestDb(dialect);
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
    t = await createTestDb(dialect);
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

  it("plans a run due within the misfire grace so it fires late, but not older ones", async () => {
    t = await createTestDb(dialect);
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

  it("two planners at once produce each run once and draw each random day once", async () => {
    t = await createTestDb(dialect);
    const accounts = [await addAccount(t.db), await addAccount(t.db, "America/New_York")];
    const ids = [
      await addSchedule(t.db, accounts[0]!, fixedTimes("10:00", "15:00", "20:00")),
      await addSchedule(t.db, accounts[0]!, randomWindow("10:00", "22:00", 4, 30)),
      await addSchedule(t.db, accounts[1]!, randomWindow("20:00", "20:00", 6)),
    ];
    // Two pools on PostgreSQL. Two better-sqlite3 connections in one thread would block each other for the
    // whole busy timeout (SQLite is single-process by design), so there both planners share the instance.
    const other = dialect === "postgres" ? openDatabase(t.url) : t.db;
    if (other !== t.db) extra.push(other);

    // Twice: first the fresh days, then, 12 h later, the rest of the days the horizon has reached meanwhile.
    let total = 0;
    const draws = new Map<string, string>();
    for (const now of [NOW, NOW + 12 * HOUR]) {
      for (const d of await t.db
        .selectFrom("planned_days")
        .selectAll()
        .where("draw_json", "is not", null)
        .execute()) {
        draws.set(`${d.schedule_id}|${d.local_date}`, d.draw_json!);
      }
      const counts = await Promise.all([
        planAll(t.db, opts({ now, rng: seededRng(`a${now}`) })),
        planAll(other, opts({ now, rng: seededRng(`b${now}`) })),
        ...ids.map((id, i) =>
          planSchedule(i % 2 ? other : t.db, id, opts({ now, rng: seededRng(`c${i}${now}`) })),
        ),
      ]);
      total += counts.reduce((a, b) => a + b, 0);
    }
    const rows = await t.db.selectFrom("runs").selectAll().execute();
    expect(total).toBe(rows.length);
    expect(new Set(rows.map((r) => `${r.job_key}@${r.due_at}`)).size).toBe(rows.length);
    // One draw per random day: a second one would repeat slot labels or exceed N.
    const perDay = groupBy(
      rows.filter((r) => r.schedule_id !== ids[0]),
      (r) => `${r.schedule_id}|${r.local_date}`,
    );
    expect(perDay.size).toBeGreaterThanOrEqual(5);
    for (const runs of perDay.values()) {
      const n = Number(runs[0]!.slot.split("/")[1]);
      expect(runs.length).toBeLessThanOrEqual(n);
      expect(new Set(runs.map((r) => r.slot)).size).toBe(runs.length);
    }
    expect(perDay.get(`${ids[1]}|2026-03-10`)).toHaveLength(4);
    expect(perDay.get(`${ids[2]}|2026-03-09`)).toHaveLength(6);
    // A day written in parts holds exactly its recorded draw's runs, whichever planner wrote which part.
    expect(draws.size).toBeGreaterThan(0);
    for (const [key, draw] of draws) {
      const written = (perDay.get(key) ?? [])
        .sort((a, b) => a.due_at - b.due_at)
        .map((r) => [r.due_at, r.slot]);
      const recorded = JSON.parse(draw) as Array<[number, string]>;
      expect(written).toEqual(recorded.slice(0, written.length));
      expect(written.length).toBeGreaterThan(0);
    }
    // Monday to Wednesday 21:00 JST: three days of 10:00, 15:00 and 20:00.
    expect(rows.filter((r) => r.schedule_id === ids[0])).toHaveLength(9);

    // Another connection (a restarted process) finds everything planned.
    const restarted = openDatabase(t.url);
    extra.push(restarted);
    expect(await planAll(restarted, opts({ now: NOW + 12 * HOUR, rng: seededRng("restart") }))).toBe(0);
  });

  it("replans after an edit: unclaimed future rows replaced, running and published ones kept", async () => {
    t = await createTestDb(dialect);
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
    t = await createTestDb(dialect);
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
    t = await createTestDb(dialect);
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
    t = await createTestDb(dialect);
    const id = await addSchedule(t.db, await addAccount(t.db), fixedTimes("08:50", "10:00"));
    await planSchedule(t.db, id, opts());
    const rows = await runsOf(t.db, id);
    await t.db.updateTable("runs").set({ state: "failed" }).where("id", "=", rows.at(-1)!.id).execute();
    // 08:50 today (due before now) stays, the failed one stays; three planned future rows go.
    expect(await clearFuturePlan(t.db, id, NOW)).toBe(3);
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

  it("runs inside the caller's transaction: a rollback undoes the re-plan", async () => {
    t = await createTestDb(dialect);
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

  it("refuses to plan invalid settings: planSchedule throws, planAll reports and goes on", async () => {
    t = await createTestDb(dialect);
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
    t = await createTestDb(dialect);
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
    expect(scheduleSpecOf(row, "Asia/Tokyo")).toEqual({
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

  if (dialect === "postgres") {
    // Exact interleavings with a schedule change, on PostgreSQL (SQLite has one writer at a time): the planner
    // is held inside its transaction, right after it took a day to write, while the change runs.
    const hourly = JSON.stringify(Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:30`));
    const atPlannedDaysUpdate = (n: RootOperationNode) =>
      n.kind === "UpdateQueryNode" && tableOf(n) === "planned_days";
    const futurePlanned = (scheduleId: number, from: number) =>
      t.db
        .selectFrom("runs")
        .select(["local_date", "slot"])
        .where("schedule_id", "=", scheduleId)
        .where("state", "=", "planned")
        .where("due_at", ">=", from)
        .orderBy("due_at")
        .execute();

    /** An hourly schedule; a planner 3 h later is held right after taking a day, while `change` runs. */
    async function changeWhileWritingRest(change: (trx: Db, id: number, now: number) => Promise<void>) {
      t = await createTestDb(dialect);
      const id = await addSchedule(t.db, await addAccount(t.db), { kind: "fixed", times_json: hourly });
      await planSchedule(t.db, id, opts());
      const later = NOW + 3 * HOUR;
      const gate = queryGate(atPlannedDaysUpdate);
      const planner = planSchedule(t.db.withPlugin(gate.plugin), id, opts({ now: later }));
      await gate.reached;
      const changed = t.db.transaction().execute((trx) => change(trx, id, later));
      await new Promise((resolve) => setTimeout(resolve, 200));
      gate.release();
      const written = await planner;
      await changed;
      return { written, future: await futurePlanned(id, later) };
    }

    it("a pause while a planner writes the rest of a day leaves no future run behind", async () => {
      const { written, future } = await changeWhileWritingRest(async (trx, id, now) => {
        await setScheduleActive(trx, id, false, now);
        await clearFuturePlan(trx, id, now);
      });
      expect(written).toBe(3);
      expect(future).toEqual([]);
    });

    it("an edit while a planner writes the rest of a day leaves only runs of the new settings", async () => {
      const { future } = await changeWhileWritingRest(async (trx, id, now) => {
        await updateSchedule(trx, id, { times_json: '["12:00"]', updated_at: now });
        await replanSchedule(trx, id, opts({ now }));
      });
      expect(future.map((r) => r.slot)).toEqual(["12:00", "12:00"]);
    });

    it("a planner that read the previous version does not undo an edit", async () => {
      t = await createTestDb(dialect);
      const id = await addSchedule(t.db, await addAccount(t.db), randomWindow("10:00", "22:00", 3, 10));
      await planSchedule(t.db, id, opts());
      const gate = queryGate((n) => n.kind === "SelectQueryNode" && tableOf(n) === "schedules");
      const planner = planSchedule(t.db.withPlugin(gate.plugin), id, opts({ now: NOW + MINUTE }));
      await gate.reached; // it has read version 1
      await t.db.transaction().execute(async (trx) => {
        await updateSchedule(trx, id, { posts_per_day: 1, updated_at: NOW });
        await replanSchedule(trx, id, opts({ rng: seededRng("edit") }));
      });
      const afterEdit = await runsOf(t.db, id);
      gate.release();
      expect(await planner).toBe(0);
      const days = await t.db.selectFrom("planned_days").selectAll().where("schedule_id", "=", id).execute();
      expect(days.every((d) => d.schedule_version === 2)).toBe(true);
      expect(await runsOf(t.db, id)).toEqual(afterEdit);
      expect(afterEdit.filter((r) => r.due_at >= NOW).every((r) => r.slot === "random 1/1")).toBe(true);
    });

    it("removing an account while a planner writes its schedule's day neither deadlocks nor leaves rows", async () => {
      t = await createTestDb(dialect);
      const account = await addAccount(t.db);
      const id = await addSchedule(t.db, account, { kind: "fixed", times_json: hourly });
      await planSchedule(t.db, id, opts());
      const gate = queryGate(atPlannedDaysUpdate);
      const planner = planSchedule(t.db.withPlugin(gate.plugin), id, opts({ now: NOW + 3 * HOUR }));
      await gate.reached;
      const removal = removeAccount(t.db, account);
      await new Promise((resolve) => setTimeout(resolve, 200));
      gate.release();
      expect(await planner).toBe(3);
      expect(await removal).toBe(true);
      expect(await t.db.selectFrom("runs").select("id").execute()).toEqual([]);
    });
  }

  it("plans every active schedule of 800 accounts, pages in flight", async () => {
    t = await createTestDb(dialect);
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
    t = await createTestDb(dialect);
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

/** `count` accounts in four zones, each with a fixed schedule (every tenth paused) and a random one. */
async function addManySchedules(db: Db, count: number): Promise<void> {
  const zones = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Sydney"];
  const accounts = await db
    .insertInto("accounts")
    .values(
      Array.from({ length: count }, (_, i) => ({
        threads_user_id: `bulk-${i}`,
        username: `bulk${i}`,
        token_ciphertext: "ciphertext",
        token_expires_at: NOW + 50 * 24 * HOUR,
        token_issued_at: NOW,
        status: "active" as const,
        timezone: zones[i % zones.length]!,
        created_at: NOW,
        updated_at: NOW,
      })),
    )
    .returning("id")
    .execute();
  const schedules = accounts.flatMap(({ id }, i) => [
    {
      account_id: id,
      kind: "fixed" as const,
      times_json: '["09:00","21:00"]',
      days_json: EVERY_DAY,
      pick: "random" as const,
      misfire_grace_minutes: 15,
      active: i % 10 === 9 ? 0 : 1,
      created_at: NOW,
      updated_at: NOW,
    },
    {
      account_id: id,
      kind: "random" as const,
      window_start: "08:00",
      window_end: "23:00",
      posts_per_day: 3,
      min_gap_minutes: 60,
      days_json: EVERY_DAY,
      active: 1,
      pick: "random" as const,
      misfire_grace_minutes: 15,
      created_at: NOW,
      updated_at: NOW,
    },
  ]);
  for (let i = 0; i < schedules.length; i += 100) {
    await db
      .insertInto("schedules")
      .values(schedules.slice(i, i + 100))
      .execute();
  }
}

/** A trigger that makes every insert of the schedule's runs fail. */
async function failInsertsOf(db: Db, dialect: string, scheduleId: number): Promise<void> {
  if (dialect === "sqlite") {
    await sql
      .raw(`create trigger fail_plan before insert on runs when new.schedule_id = ${scheduleId}
      begin select raise(abort, 'planned to fail'); end`)
      .execute(db);
    return;
  }
  await sql
    .raw(`create function fail_plan() returns trigger language plpgsql as $$
    begin if new.schedule_id = ${scheduleId} then raise exception 'planned to fail'; end if; return new; end $$`)
    .execute(db);
  await sql
    .raw("create trigger fail_plan before insert on runs for each row execute function fail_plan()")
    .execute(db);
}

async function dropFailure(db: Db, dialect: string): Promise<void> {
  await sql.raw(`drop trigger fail_plan${dialect === "sqlite" ? "" : " on runs"}`).execute(db);
}
