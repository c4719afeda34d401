import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { hintSentence } from "../src/cli/hints.js";
import { FakeClock } from "../src/clock.js";
import { AppError } from "../src/errors.js";
import { insertGroup } from "../src/groups/groups.repository.js";
import { seededRng } from "../src/scheduler/planning/index.js";
import { createScheduleService } from "../src/schedules/schedules.service.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";
import { scheduleServiceLinks } from "./helpers/service-links.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 9, 22, 0, 0); // Wednesday 2025-10-22 00:00 UTC
const at = (day: number, hh: number, mm = 0) => Date.UTC(2025, 9, day, hh, mm);

async function setup(t: TestDb, timezone = "UTC") {
  const clock = new FakeClock(T0);
  const account = await insertAccount(
    t.db,
    accountRow(1, T0, { username: "alice", token_expires_at: T0 + 50 * 24 * HOUR, timezone }),
  );
  const service = createScheduleService({
    ...scheduleServiceLinks,
    db: t.db,
    clock,
    defaultTimezone: "UTC",
    horizonMs: 48 * HOUR,
    rng: seededRng("schedules-test"),
    notify: async () => {},
  });
  return { clock, accountId: account.id, service };
}

async function runs(t: TestDb) {
  return t.db
    .selectFrom("runs")
    .select(["id", "schedule_id", "due_at", "state", "slot"])
    .orderBy("due_at")
    .execute();
}

async function expectAppError(promise: Promise<unknown>, code: string, message?: RegExp | string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  // As the CLI shows it: the message, then its hint worded as a command.
  if (message !== undefined) {
    expect((error as AppError).message + hintSentence((error as AppError).hint)).toMatch(message);
  }
  return error as AppError;
}

describe.each(DIALECTS)("schedule service on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  it("adds a fixed schedule, stores canonical settings and plans the horizon", async () => {
    t = await createTestDb(dialect);
    const { service, accountId } = await setup(t);
    const s = await service.add({ accountId, kind: "fixed", times: ["20:00", "9:05"] });
    expect(s).toMatchObject({
      accountId,
      kind: "fixed",
      times: ["09:05", "20:00"],
      days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
      timezone: null,
      active: true,
      pick: "random",
      groupIds: null,
      misfireGraceMinutes: 15,
      version: 1,
    });
    expect(s.windowStart).toBeUndefined();
    expect(await service.get(s.id)).toEqual(s);
    expect(await service.list()).toEqual([s]);
    expect(await service.list({ accountId: accountId + 1 })).toEqual([]);
    const occ = await runs(t);
    expect(occ.map((o) => o.due_at)).toEqual([at(22, 9, 5), at(22, 20), at(23, 9, 5), at(23, 20)]);
    expect(occ.every((o) => o.state === "planned" && o.schedule_id === s.id)).toBe(true);
    expect(occ.map((o) => o.slot)).toEqual(["09:05", "20:00", "09:05", "20:00"]);
  });

  it("adds a random schedule with days, zone, groups and a pick policy", async () => {
    t = await createTestDb(dialect);
    const { service, accountId } = await setup(t);
    const g = await insertGroup(t.db, { accountId, name: "g", parts: [{ text: "x" }], now: T0 });
    const s = await service.add({
      accountId,
      kind: "random",
      windowStart: "22:00",
      windowEnd: "02:00",
      postsPerDay: 3,
      minGapMinutes: 30,
      days: ["thu", "wed"],
      timezone: "Asia/Tokyo",
      pick: "shuffle",
      groupIds: [g.id],
    });
    expect(s).toMatchObject({
      kind: "random",
      windowStart: "22:00",
      windowEnd: "02:00",
      postsPerDay: 3,
      minGapMinutes: 30,
      days: ["wed", "thu"],
      timezone: "Asia/Tokyo",
      pick: "shuffle",
      groupIds: [g.id],
    });
    expect(s.times).toBeUndefined();
    const occ = await runs(t);
    expect(occ.length).toBeGreaterThan(0);
    expect(occ.length % 3).toBe(0);
    // Every run lies inside a 22:00–02:00 Tokyo window (13:00–17:00 UTC).
    for (const o of occ) {
      const hour = new Date(o.due_at).getUTCHours();
      expect(hour >= 13 && hour < 17).toBe(true);
    }
  });

  it("rejects bad input with clear messages and changes nothing", async () => {
    t = await createTestDb(dialect);
    const { service, accountId } = await setup(t);
    const other = await insertAccount(t.db, accountRow(2, T0, { username: "bob", token_expires_at: T0 }));
    const foreign = await insertGroup(t.db, {
      accountId: other.id,
      name: "b",
      parts: [{ text: "b" }],
      now: T0,
    });

    await expectAppError(
      service.add({ accountId, kind: "fixed", times: ["25:00"] }),
      "invalid_input",
      '"25:00" is not a time of day: use HH:MM from 00:00 to 23:59',
    );
    await expectAppError(service.add({ accountId, kind: "random" }), "invalid_input", /window start and end/);
    await expectAppError(
      service.add({ accountId, kind: "random", windowStart: "10:00", windowEnd: "12:00", postsPerDay: 0 }),
      "invalid_input",
      /Posts per day/,
    );
    await expectAppError(
      service.add({
        accountId,
        kind: "random",
        windowStart: "10:00",
        windowEnd: "11:00",
        postsPerDay: 5,
        minGapMinutes: 30,
      }),
      "invalid_input",
      /too short for 5 posts/,
    );
    await expectAppError(
      service.add({
        accountId,
        kind: "random",
        windowStart: "10:00",
        windowEnd: "11:00",
        postsPerDay: 1,
        minGapMinutes: -1,
      }),
      "invalid_input",
      /minimum gap/,
    );
    await expectAppError(
      service.add({ accountId, kind: "fixed", times: ["10:00"], days: ["funday" as never] }),
      "invalid_input",
      /"funday" is not a day of the week/,
    );
    await expectAppError(
      service.add({ accountId, kind: "fixed", times: ["10:00"], timezone: "Mars/Olympus" }),
      "invalid_input",
      /"Mars\/Olympus" is not an IANA time zone/,
    );
    await expectAppError(
      service.add({ accountId, kind: "fixed", times: ["10:00"], pick: "best" as never }),
      "invalid_input",
      /"best" is not a pick policy/,
    );
    const bad = await expectAppError(
      service.add({ accountId, kind: "fixed", times: ["10:00"], groupIds: [foreign.id] }),
      "invalid_input",
      new RegExp(`Post group ${foreign.id} is not one of @alice's groups`),
    );
    expect(bad.details).toMatchObject({ problems: [expect.any(String)] });
    const missing = await expectAppError(
      service.add({ accountId: 999, kind: "fixed", times: ["10:00"] }),
      "not_found",
      /^Account 999 does not exist\. Run `threads-scheduler accounts list` to see the existing ones\.$/,
    );
    // The next step is data the CLI words (`accounts list`), not part of the message.
    expect(missing.hint).toEqual({ action: "list", what: "account" });
    expect(await service.list()).toEqual([]);
    expect(await runs(t)).toEqual([]);

    // A bad edit leaves the schedule and its plan as they were.
    const s = await service.add({ accountId, kind: "fixed", times: ["10:00"] });
    const before = await runs(t);
    await expectAppError(service.update(s.id, { times: ["10:60"] }), "invalid_input", /"10:60"/);
    await expectAppError(service.update(s.id, { kind: "random" }), "invalid_input", /window/);
    expect(await service.get(s.id)).toEqual(s);
    expect(await runs(t)).toEqual(before);
    await expectAppError(service.update(404, { times: ["10:00"] }), "not_found", /Schedule 404/);
    await expectAppError(service.pause(404), "not_found");
    await expectAppError(service.remove(404), "not_found");
  });

  it("pauses (drops the future plan) and resumes (plans again)", async () => {
    t = await createTestDb(dialect);
    const { service, accountId, clock } = await setup(t);
    const s = await service.add({ accountId, kind: "fixed", times: ["10:00", "20:00"] });
    clock.set(at(22, 12));
    const paused = await service.pause(s.id);
    expect(paused.active).toBe(false);
    // The 10:00 run of today is in the past: it stays; nothing future is planned.
    expect((await runs(t)).map((o) => o.due_at)).toEqual([at(22, 10)]);
    expect(await service.list({ active: true })).toEqual([]);
    const resumed = await service.resume(s.id);
    expect(resumed.active).toBe(true);
    expect((await runs(t)).map((o) => o.due_at)).toEqual([
      at(22, 10),
      at(22, 20),
      at(23, 10),
      at(23, 20),
      // The horizon (48 h) ends at 12:00 on the 24th.
      at(24, 10),
    ]);
  });

  it("update bumps the version and replans the future, keeping a running run and history", async () => {
    t = await createTestDb(dialect);
    const { service, accountId, clock } = await setup(t);
    const s = await service.add({ accountId, kind: "fixed", times: ["10:00", "20:00"] });
    const first = (await runs(t))[0]!;
    await t.db
      .updateTable("runs")
      .set({ state: "running", locked_by: "node-a", lease_until: at(22, 10, 5) })
      .where("id", "=", first.id)
      .execute();
    clock.set(at(22, 10, 1));
    const updated = await service.update(s.id, { times: ["11:30", "21:00"] });
    expect(updated.version).toBe(2);
    expect(updated.times).toEqual(["11:30", "21:00"]);
    const occ = await runs(t);
    expect(occ.map((o) => [o.due_at, o.state])).toEqual([
      [at(22, 10), "running"],
      [at(22, 11, 30), "planned"],
      [at(22, 21), "planned"],
      [at(23, 11, 30), "planned"],
      [at(23, 21), "planned"],
      // The horizon (48 h) ends at 10:01 on the 24th.
    ]);
    expect(occ[0]!.id).toBe(first.id);

    // Switching kind keeps only the new kind's fields.
    const random = await service.update(s.id, {
      kind: "random",
      windowStart: "08:00",
      windowEnd: "09:00",
      postsPerDay: 2,
    });
    expect(random).toMatchObject({ kind: "random", version: 3, postsPerDay: 2, minGapMinutes: 0 });
    expect(random.times).toBeUndefined();
    // A patch may reset the zone to the account's.
    const zoned = await service.update(s.id, { timezone: "Asia/Tokyo" });
    expect(zoned.timezone).toBe("Asia/Tokyo");
    expect((await service.update(s.id, { timezone: null })).timezone).toBeNull();
  });

  it("remove keeps past and running runs as history and deletes unclaimed future ones", async () => {
    t = await createTestDb(dialect);
    const { service, accountId, clock } = await setup(t);
    const s = await service.add({ accountId, kind: "fixed", times: ["10:00", "20:00"] });
    const [first, second] = await runs(t);
    await t.db
      .updateTable("runs")
      .set({ state: "published", finished_at: at(22, 10, 1) })
      .where("id", "=", first!.id)
      .execute();
    await t.db
      .updateTable("runs")
      .set({ state: "running", locked_by: "node-a", lease_until: at(22, 20, 5) })
      .where("id", "=", second!.id)
      .execute();
    clock.set(at(22, 20, 1));
    await service.remove(s.id);
    const occ = await runs(t);
    expect(occ.map((o) => [o.id, o.state, o.schedule_id])).toEqual([
      [first!.id, "published", null],
      [second!.id, "running", null],
    ]);
    expect(await service.list()).toEqual([]);
    await expectAppError(service.get(s.id), "not_found", new RegExp(`Schedule ${s.id} does not exist`));
  });
});
