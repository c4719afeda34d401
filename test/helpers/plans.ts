import { type Insertable, sql } from "kysely";
import { afterEach, describe } from "vitest";
import type { Db } from "../../src/db/connect.js";
import type { SchedulesTable } from "../../src/db/schema.js";
import type { PlanOptions } from "../../src/scheduler/planner.js";
import { seededRng } from "../../src/scheduler/planning/index.js";
import { createTestDb, DIALECTS, type TestDb } from "./db.js";

/** Fixtures of the planner tests (test/planner-*.test.ts): rows written directly, as the planner reads them. */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
/** Monday 2026-03-09 09:00 in Tokyo. */
export const NOW = Date.parse("2026-03-09T00:00:00Z");
export const EVERY_DAY = JSON.stringify(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
/**
 * A planner test's describe, once per dialect (`planner: NAME on sqlite`, `… on postgres`): each test takes a
 * fresh database with `const t = await newDb()`, closed after the test (before the afterEach hooks the body
 * adds have run: after hooks run last-registered first).
 */
export function describePlanner(
  name: string,
  body: (newDb: () => Promise<TestDb>, dialect: TestDb["dialect"]) => void,
): void {
  describe.each(DIALECTS)(`planner: ${name} on %s`, (dialect) => {
    let t: TestDb | undefined;
    afterEach(async () => {
      await t?.destroy();
      t = undefined;
    });
    body(async () => {
      t = await createTestDb(dialect);
      return t;
    }, dialect);
  });
}

export const opts = (over: Partial<PlanOptions> = {}): PlanOptions => ({
  now: NOW,
  horizonMs: 48 * HOUR,
  defaultTimezone: "UTC",
  rng: seededRng("plan"),
  ...over,
});

let accountSeq = 0;
export async function addAccount(db: Db, timezone = "Asia/Tokyo"): Promise<number> {
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

export type ScheduleFields = Partial<Insertable<SchedulesTable>>;
export const fixedTimes = (...times: string[]): ScheduleFields => ({
  kind: "fixed",
  times_json: JSON.stringify(times),
});
export const randomWindow = (start: string, end: string, posts: number, gap = 0): ScheduleFields => ({
  kind: "random",
  window_start: start,
  window_end: end,
  posts_per_day: posts,
  min_gap_minutes: gap,
});

export async function addSchedule(db: Db, accountId: number, fields: ScheduleFields): Promise<number> {
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

export function runsOf(db: Db, scheduleId: number) {
  return db.selectFrom("runs").selectAll().where("schedule_id", "=", scheduleId).orderBy("due_at").execute();
}

export const iso = (ms: number) => new Date(ms).toISOString();
export function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** `count` accounts in four zones, each with a fixed schedule (every tenth paused) and a random one. */
export async function addManySchedules(db: Db, count: number): Promise<void> {
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
export async function failInsertsOf(db: Db, dialect: string, scheduleId: number): Promise<void> {
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

export async function dropFailure(db: Db, dialect: string): Promise<void> {
  await sql.raw(`drop trigger fail_plan${dialect === "sqlite" ? "" : " on runs"}`).execute(db);
}
