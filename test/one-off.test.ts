/**
 * One-off posts (`post --at`), cancelling runs (`runs cancel`) and schedule end dates (`--until`), on both
 * databases, through the real engine and sandbox on a FakeClock.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../src/errors.js";
import { CANCEL_REASON, cancelRun } from "../src/scheduler/cancel-run.js";
import { listJobs, listRuns } from "../src/scheduler/inspect.js";
import { acquireInstanceLock, schedulerRunning } from "../src/scheduler/instance-lock.js";
import { planAll } from "../src/scheduler/planner.js";
import { ONE_OFF_SLOT, type PostAtRequest, planOneOff } from "../src/scheduler/post-at.js";
import type { PostPart } from "../src/threads/post.js";
import { DIALECTS } from "./helpers/db.js";
import {
  claimNext,
  createEngineEnv,
  DAY,
  type EngineEnv,
  HOUR,
  MINUTE,
  publishedTexts,
} from "./helpers/engine.js";

/** Thursday 2026-12-03, 15:00 in Tokyo. */
const START = "2026-12-03T06:00:00Z";
const T0 = Date.parse(START);
/** 2026-12-24 09:00 in Tokyo. */
const XMAS = Date.parse("2026-12-24T00:00:00Z");

type Request = { at: string; accountId?: number } & ({ groupId: number } | { parts: PostPart[] });

async function expectAppError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error instanceof AppError, `expected an AppError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  expect((error as Error).message).toMatch(message);
}

/** These tests call the functions directly: no engine of another process to wake. */
const noNotify = async (): Promise<void> => {};

describe.each(DIALECTS)("one-off posts on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  async function setup() {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount({ timezone: "Asia/Tokyo" });
    const plan = (req: Request) =>
      planOneOff(
        { db: env.db, now: env.clock.now(), defaultTimezone: "UTC", ...env.services, notify: noNotify },
        {
          accountId: account.id,
          ...req,
        } as PostAtRequest,
      );
    return { account, userId, plan };
  }

  it("refuses a one-off for a removed group or a removed account, saying how to bring it back", async () => {
    const { account, plan } = await setup();
    const group = await env.addGroup(account.id, "removed");
    await env.services.groups.remove(group);
    await expect(plan({ at: "2026-12-24 09:00", groupId: group })).rejects.toThrow(
      new RegExp(`Post group ${group} "[^"]+" was removed`),
    );
    await env.services.accounts.remove(account.id);
    await expect(plan({ at: "2026-12-24 09:00", parts: [{ text: "x" }] })).rejects.toThrow(
      `Account ${account.id} (@${account.username}) was removed`,
    );
    expect(await env.db.selectFrom("runs").select("id").where("job_key", "like", "once:%").execute()).toEqual(
      [],
    );
  });

  it("plans one run in the account's zone, publishes it once at its time, and shows it in runs", async () => {
    const { account, userId, plan } = await setup();
    const result = await plan({ at: "2026-12-24 09:00", parts: [{ text: "メリークリスマス" }] });
    expect(result).toMatchObject({
      dueAt: XMAS,
      timezone: "Asia/Tokyo",
      dueAtText: "2026-12-24 09:00 JST (Asia/Tokyo)",
      warnings: [],
    });
    const [row] = await env.runs();
    expect(row).toMatchObject({
      id: result.runId,
      job: "post",
      schedule_id: null,
      account_id: account.id,
      due_at: XMAS,
      run_at: XMAS,
      slot: ONE_OFF_SLOT,
      local_date: "2026-12-24",
      state: "planned",
      group_id: null,
      attempts: 0,
    });
    expect(row!.job_key).toMatch(/^once:[0-9a-f-]{36}$/);
    // A text one-off creates no post group: nothing a recurring schedule could draw.
    expect(await env.db.selectFrom("post_groups").selectAll().execute()).toEqual([]);

    const zone = "Asia/Tokyo";
    const upcoming = await listRuns(env.db, { to: T0 + 1, alsoUpcomingOneOffs: true }, zone);
    expect(upcoming.map((r) => [r.id, r.state, r.dueAt])).toEqual([
      [result.runId, "planned", "2026-12-24T09:00:00+09:00"],
    ]);
    expect(await listRuns(env.db, { to: T0 + 1 }, zone)).toEqual([]);

    await env.runAt(XMAS - 1000);
    expect(publishedTexts(env.sandbox, userId)).toEqual([]);
    await env.runAt(XMAS);
    await env.runAt(XMAS + 5 * MINUTE);
    expect(env.sandbox.published(userId).map((p) => [p.text, p.publishedAt])).toEqual([
      ["メリークリスマス", XMAS],
    ]);
    const [done] = await env.runs({ job: "post" });
    expect(done).toMatchObject({ state: "published", attempts: 1, reason: null });
    const [run] = await listRuns(env.db, { to: env.clock.now() + 1 }, zone);
    expect(run!.permalinks).toHaveLength(1);
  });

  it("a one-off text is never drawn by a recurring schedule of the same account", async () => {
    const { account, userId, plan } = await setup();
    await env.addGroup(account.id, "from the pool");
    await env.addSchedule(account.id, { kind: "fixed", times: ["16:00", "17:00", "18:00"] });
    await plan({ at: "2026-12-03 16:30", parts: [{ text: "only once" }] });
    await env.stepTo(T0 + 4 * HOUR, 5 * MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual([
      "from the pool",
      "only once",
      "from the pool",
      "from the pool",
    ]);
  });

  it("fails a one-off whose stored post is damaged, saying so, and publishes nothing of it", async () => {
    const { userId, plan } = await setup();
    const notJson = await plan({ at: "2026-12-03 16:30", parts: [{ text: "damaged" }] });
    const wrongShape = await plan({ at: "2026-12-03 16:40", parts: [{ text: "damaged too" }] });
    const damage = (runId: number, payload: string) =>
      env.db.updateTable("runs").set({ payload_json: payload }).where("id", "=", runId).execute();
    await damage(notJson.runId, "[{");
    await damage(wrongShape.runId, JSON.stringify([{ text: 42 }]));
    await env.stepTo(T0 + 2 * HOUR, 5 * MINUTE);
    const runs = new Map((await env.runs({ job: "post" })).map((r) => [r.id, r]));
    expect(runs.get(notJson.runId)).toMatchObject({ state: "failed" });
    expect(runs.get(notJson.runId)!.reason).toMatch(/^the post stored on this run cannot be read: not JSON/);
    expect(runs.get(wrongShape.runId)).toMatchObject({ state: "failed" });
    expect(runs.get(wrongShape.runId)!.reason).toMatch(
      /^the post stored on this run cannot be read: part 1 text: /,
    );
    expect(publishedTexts(env.sandbox, userId)).toEqual([]);
  });

  it("publishes a named group, and withdraws it (skipped) if the group was disabled or removed before its time", async () => {
    const { account, userId, plan } = await setup();
    const kept = await env.addGroup(account.id, "kept group");
    const disabled = await env.addGroup(account.id, "disabled later");
    const removed = await env.addGroup(account.id, "removed later");
    const a = await plan({ at: "2026-12-03 16:00", groupId: kept });
    const b = await plan({ at: "2026-12-03 16:10", groupId: disabled });
    const c = await plan({ at: "2026-12-03 16:20", groupId: removed });
    await env.services.groups.setEnabled(disabled, false);
    await env.services.groups.remove(removed);
    await env.stepTo(T0 + 2 * HOUR, 5 * MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["kept group"]);
    const byId = new Map((await env.runs()).map((run) => [run.id, run]));
    expect(byId.get(a.runId)).toMatchObject({ state: "published", group_id: kept });
    expect(byId.get(b.runId)).toMatchObject({
      state: "skipped",
      reason: `post group ${disabled} was disabled after this one-off post was planned`,
    });
    expect(byId.get(c.runId)).toMatchObject({
      state: "skipped",
      reason: `post group ${removed} was removed`,
    });
  });

  it("a one-off of a paused account is skipped; one not started within the 15-minute grace is missed", async () => {
    const { account, userId, plan } = await setup();
    const paused = await plan({ at: "2026-12-03 16:00", parts: [{ text: "paused" }] });
    await env.services.accounts.pause(account.id);
    await env.runAt(Date.parse("2026-12-03T07:00:00Z"));
    await env.services.accounts.resume(account.id);
    const late = await plan({ at: "2026-12-03 17:00", parts: [{ text: "late" }] });
    // The scheduler was not running from before 17:00 until 17:16.
    await env.runAt(Date.parse("2026-12-03T08:16:00Z"));
    expect(publishedTexts(env.sandbox, userId)).toEqual([]);
    const byId = new Map((await env.runs()).map((run) => [run.id, run]));
    expect(byId.get(paused.runId)).toMatchObject({
      state: "skipped",
      reason: expect.stringMatching(/paused/),
    });
    expect(byId.get(late.runId)).toMatchObject({
      state: "missed",
      reason: expect.stringMatching(/not started within the misfire grace/),
    });
  });

  it("refuses what cannot be planned, with the reason, and writes nothing", async () => {
    const { account, plan } = await setup();
    const other = await env.addAccount();
    const foreign = await env.addGroup(other.account.id, "not yours");
    const off = await env.addGroup(account.id, "off");
    await env.services.groups.setEnabled(off, false);
    const pastError = await plan({ at: "2026-12-03 14:00", parts: [{ text: "x" }] }).catch((e: unknown) => e);
    expect(pastError).toMatchObject({ code: "invalid_input", details: { field: "at" } });
    expect((pastError as Error).message).toMatch(/it is now 2026-12-03 15:00 JST \(Asia\/Tokyo\)/);
    await expectAppError(
      plan({ at: "2028-01-01 09:00", parts: [{ text: "x" }] }),
      "invalid_input",
      /366 days/,
    );
    await expectAppError(
      plan({ at: "2026-12-24 09:00", groupId: foreign }),
      "invalid_input",
      /another account/,
    );
    await expectAppError(plan({ at: "2026-12-24 09:00", groupId: off }), "invalid_input", /is disabled/);
    await expectAppError(plan({ at: "2026-12-24 09:00", groupId: 999 }), "not_found", /Post group 999/);
    await expectAppError(
      plan({ accountId: 999, at: "2026-12-24 09:00", parts: [{ text: "x" }] }),
      "not_found",
      /Account 999/,
    );
    await expect(plan({ at: "2026-12-24 09:00", parts: [{ text: "" }] })).rejects.toThrow();
    expect(await env.runs({ job: "post" })).toEqual([]);
  });

  it("warns, but plans, for an account that is paused now, and for a second post at the same time", async () => {
    const { account, plan } = await setup();
    await env.services.accounts.pause(account.id);
    const first = await plan({ at: "2026-12-24 09:00", parts: [{ text: "x" }] });
    expect(first.warnings).toEqual([
      {
        message: expect.stringMatching(/is paused: resume it before then/),
        hint: { action: "resume_account", accountId: account.id },
      },
    ]);
    await env.services.accounts.resume(account.id);
    const again = await plan({ at: "2026-12-24T00:00:00Z", parts: [{ text: "x" }] });
    expect(again.warnings).toEqual([
      {
        message: `run ${first.runId} is already planned for @${account.username} at the same time: if this was a repeat, cancel one.`,
        hint: { action: "cancel_run", runId: first.runId },
      },
    ]);
    expect(again.runId).not.toBe(first.runId);
  });

  it("knows whether a scheduler is running on SQLite, and says it cannot tell on PostgreSQL", async () => {
    await setup();
    if (dialect === "postgres") {
      expect(await schedulerRunning(env.db)).toBeUndefined();
      return;
    }
    expect(await schedulerRunning(env.db)).toBe(false);
    const lock = await acquireInstanceLock(env.db, "node-x", () => T0, "test.db");
    expect(await schedulerRunning(env.db)).toBe(true);
    await lock!.release();
    expect(await schedulerRunning(env.db)).toBe(false);
  });
});

describe.each(DIALECTS)("runs cancel on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  it("cancels a planned one-off: never claimed, shown as cancelled; cancelling again changes nothing", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount({ timezone: "Asia/Tokyo" });
    const { runId } = await planOneOff(
      { db: env.db, now: T0, defaultTimezone: "UTC", ...env.services, notify: noNotify },
      { accountId: account.id, at: "2026-12-03 16:00", parts: [{ text: "cancel me" }] },
    );
    const result = await cancelRun({ db: env.db, notify: noNotify }, runId, T0 + MINUTE);
    expect(result).toMatchObject({ changed: true, alreadyPublished: [] });
    expect(result.run).toMatchObject({ state: "cancelled", reason: CANCEL_REASON, finished_at: T0 + MINUTE });
    expect(await cancelRun({ db: env.db, notify: noNotify }, runId, T0 + 2 * MINUTE)).toMatchObject({
      changed: false,
    });
    await env.stepTo(T0 + 2 * HOUR, 10 * MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual([]);
    const runs = await listRuns(env.db, { to: T0 + 1, alsoUpcomingOneOffs: true }, "Asia/Tokyo");
    expect(runs.filter((r) => r.job === "post").map((r) => [r.id, r.state, r.reason])).toEqual([
      [runId, "cancelled", CANCEL_REASON],
    ]);
    expect((await listRuns(env.db, { state: "cancelled" }, "UTC")).map((r) => r.id)).toEqual([runId]);
  });

  it("cancels one run of a schedule without editing it; re-planning, pause/resume and edits never bring it back", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount({ timezone: "Asia/Tokyo" });
    await env.addGroup(account.id, "daily");
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["18:00"] });
    const rows = await env.runs({ scheduleId });
    const today = rows.find((r) => r.local_date === "2026-12-03")!;
    await cancelRun({ db: env.db, notify: noNotify }, today.id, T0);

    await planAll(env.db, { now: T0, horizonMs: 48 * HOUR, defaultTimezone: "UTC" });
    await env.services.schedules.pause(scheduleId);
    await env.services.schedules.resume(scheduleId);
    await env.services.schedules.update(scheduleId, { misfireGraceMinutes: 20 });
    await env.stepTo(Date.parse("2026-12-04T10:00:00Z"), 15 * MINUTE);

    const after = await env.runs({ scheduleId });
    expect(after.filter((r) => r.due_at === today.due_at).map((r) => [r.id, r.state])).toEqual([
      [today.id, "cancelled"],
    ]);
    expect(after.find((r) => r.local_date === "2026-12-04")).toMatchObject({ state: "published" });
    expect(publishedTexts(env.sandbox, userId)).toEqual(["daily"]);
    expect((await env.services.schedules.get(scheduleId)).active).toBe(true);
  });

  it("refuses a running, published or finished run with its state, the token refresh, and an unknown id", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account } = await env.addAccount({ timezone: "Asia/Tokyo" });
    const plan = (at: string, text: string) =>
      planOneOff(
        { db: env.db, now: env.clock.now(), defaultTimezone: "UTC", ...env.services, notify: noNotify },
        { accountId: account.id, at, parts: [{ text }] },
      );
    const first = await plan("2026-12-03 16:00", "published one");
    const second = await plan("2026-12-03 17:00", "claimed one");
    await env.runAt(Date.parse("2026-12-03T07:05:00Z"));
    await expectAppError(
      cancelRun({ db: env.db, notify: noNotify }, first.runId, env.clock.now()),
      "conflict",
      /it is published: it is already on Threads/,
    );

    env.clock.set(Date.parse("2026-12-03T08:00:00Z"));
    const claimed = await claimNext(env.db, { nodeId: "other-node", now: env.clock.now(), leaseMs: MINUTE });
    expect(claimed?.id).toBe(second.runId);
    await expectAppError(
      cancelRun({ db: env.db, notify: noNotify }, second.runId, env.clock.now()),
      "conflict",
      /cannot be cancelled: it is running \(the one-off post is being published right now\)/,
    );
    await env.db.updateTable("runs").set({ state: "needs_check" }).where("id", "=", second.runId).execute();
    await expectAppError(
      cancelRun({ db: env.db, notify: noNotify }, second.runId, env.clock.now()),
      "conflict",
      /needs_check: something may already be on Threads/,
    );

    const missed = await plan("2026-12-03 18:00", "missed one");
    await env.runAt(Date.parse("2026-12-03T09:20:00Z"));
    await expectAppError(
      cancelRun({ db: env.db, notify: noNotify }, missed.runId, env.clock.now()),
      "conflict",
      /it is missed .*has ended/,
    );

    const refresh = (await env.runs({ job: "token_refresh" }))[0];
    if (refresh)
      await expectAppError(
        cancelRun({ db: env.db, notify: noNotify }, refresh.id, env.clock.now()),
        "invalid_input",
        /token refresh/,
      );
    await expectAppError(
      cancelRun({ db: env.db, notify: noNotify }, 9999, env.clock.now()),
      "not_found",
      /Run 9999 does not exist/,
    );
  });
});

describe.each(DIALECTS)("schedule end dates on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  it("plans nothing after the last day in the schedule's zone; then the job says it ended", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount({ timezone: "Asia/Tokyo" });
    await env.addGroup(account.id, "until friday");
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["09:00", "23:00"],
      until: "2026-12-04",
    });
    expect((await env.services.schedules.get(scheduleId)).until).toBe("2026-12-04");
    let jobs = await listJobs(env.db, T0, "UTC");
    expect(jobs.find((j) => j.id === `schedule_${scheduleId}_23:00`)).toMatchObject({
      until: "2026-12-04",
      ended: false,
      nextRun: "2026-12-03T23:00:00+09:00",
    });

    await env.stepTo(T0 + 4 * DAY, HOUR);
    const rows = await env.runs({ scheduleId });
    expect(rows.map((r) => [r.local_date, r.slot, r.state])).toEqual([
      ["2026-12-03", "23:00", "published"],
      ["2026-12-04", "09:00", "published"],
      ["2026-12-04", "23:00", "published"],
    ]);
    expect(publishedTexts(env.sandbox, userId)).toHaveLength(3);
    jobs = await listJobs(env.db, env.clock.now(), "UTC");
    for (const job of jobs.filter((j) => j.scheduleId === scheduleId)) {
      expect(job).toMatchObject({ ended: true, nextRun: null, nextRunAt: null });
    }
    const [listed] = await env.services.schedules.listWithEnd();
    expect(listed).toMatchObject({ id: scheduleId, ended: true });
  });

  it("a random window crossing midnight on the last day keeps only its runs before midnight", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account } = await env.addAccount({ timezone: "Asia/Tokyo" });
    await env.addGroup(account.id, "night");
    const scheduleId = await env.addSchedule(account.id, {
      kind: "random",
      windowStart: "22:00",
      windowEnd: "04:00",
      postsPerDay: 6,
      until: "2026-12-03",
    });
    const end = Date.parse("2026-12-03T15:00:00Z"); // 2026-12-04 00:00 in Tokyo
    const rows = await env.runs({ scheduleId });
    expect(rows.every((r) => r.local_date === "2026-12-03" && r.due_at < end)).toBe(true);
    await env.stepTo(T0 + 3 * DAY, 6 * HOUR);
    const later = await env.runs({ scheduleId });
    expect(later.every((r) => r.due_at < end)).toBe(true);
  });

  it("refuses an end before today, accepts today, and an edit can set, keep or clear it", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account } = await env.addAccount({ timezone: "Asia/Tokyo" });
    await env.addGroup(account.id, "x");
    await expectAppError(
      env.services.schedules.add({
        accountId: account.id,
        kind: "fixed",
        times: ["18:00"],
        until: "2026-12-02",
      }),
      "invalid_input",
      /The end date 2026-12-02 is before today \(2026-12-03 in Asia\/Tokyo\)/,
    );
    // The schedule's zone counts: in Pago Pago (UTC-11) it is still 2026-12-02 19:00.
    const behind = await env.services.schedules.add({
      accountId: account.id,
      kind: "fixed",
      times: ["20:00"],
      timezone: "Pacific/Pago_Pago",
      until: "2026-12-02",
    });
    expect((await env.runs({ scheduleId: behind.id })).map((r) => r.local_date)).toEqual(["2026-12-02"]);
    const s = await env.services.schedules.add({
      accountId: account.id,
      kind: "fixed",
      times: ["18:00"],
      until: "2026-12-03",
    });
    expect((await env.runs({ scheduleId: s.id })).map((r) => r.local_date)).toEqual(["2026-12-03"]);
    await expectAppError(
      env.services.schedules.update(s.id, { until: "2026-11-30" }),
      "invalid_input",
      /before today/,
    );
    await env.services.schedules.update(s.id, { until: "2026-12-04" });
    expect((await env.runs({ scheduleId: s.id })).map((r) => r.local_date)).toEqual([
      "2026-12-03",
      "2026-12-04",
    ]);
    await env.services.schedules.update(s.id, { until: null });
    expect((await env.services.schedules.get(s.id)).until).toBeNull();
    // No end any more: the horizon, a day later, reaches the 5th.
    await env.runAt(T0 + DAY);
    expect((await env.runs({ scheduleId: s.id })).map((r) => r.local_date)).toContain("2026-12-05");
    env.clock.set(T0);
    // Once ended, editing something else is not refused because of the end date.
    await env.services.schedules.update(s.id, { until: "2026-12-03" });
    env.clock.set(T0 + 2 * DAY);
    await expect(env.services.schedules.update(s.id, { misfireGraceMinutes: 30 })).resolves.toMatchObject({
      until: "2026-12-03",
    });
    await expectAppError(
      env.services.schedules.add({
        accountId: account.id,
        kind: "fixed",
        times: ["18:00"],
        until: "2026-02-30",
      }),
      "invalid_input",
      /not a calendar date/,
    );
  });
});
