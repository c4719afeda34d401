import type { RootOperationNode } from "kysely";
import { afterEach, expect, it } from "vitest";
import { removeAccount } from "../src/accounts/accounts.repository.js";
import { type Db, openDatabase } from "../src/db/connect.js";
import { clearFuturePlan, planAll, planSchedule, replanSchedule } from "../src/scheduler/planner.js";
import { seededRng } from "../src/scheduler/planning/index.js";
import { setScheduleActive, updateSchedule } from "../src/schedules/schedules.repository.js";
import type { TestDb } from "./helpers/db.js";
import {
  addAccount,
  addSchedule,
  describePlanner,
  fixedTimes,
  groupBy,
  HOUR,
  MINUTE,
  NOW,
  opts,
  randomWindow,
  runsOf,
} from "./helpers/plans.js";
import { queryGate, tableOf } from "./helpers/query-gate.js";

describePlanner("planners at once", (newDb, dialect) => {
  let t: TestDb;
  const extra: Db[] = [];
  afterEach(async () => {
    for (const db of extra.splice(0)) await db.destroy();
  });

  it("two planners at once produce each run once and draw each random day once", async () => {
    t = await newDb();
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
      t = await newDb();
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
        await clearFuturePlan(trx, id, now, "UTC");
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
      t = await newDb();
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
      t = await newDb();
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
});
