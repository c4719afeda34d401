/**
 * Change notification is part of the services' contract: the schedules and accounts services call their
 * `notify` dependency after every committed change to what is planned (never for a refused one), and an
 * account's new zone reaches the schedules that follow it through `onTimezoneChanged`, which createApp wires to
 * `schedules.followAccountZone`. On PostgreSQL, createApp's `notify` is a NOTIFY every engine LISTENs for.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount, setAccountTimezone } from "../src/accounts/accounts.repository.js";
import { createAccountService } from "../src/accounts/accounts.service.js";
import { createApp } from "../src/app/create-app.js";
import { FakeClock } from "../src/clock.js";
import { loadConfig } from "../src/config.js";
import { WORK_CHANNEL } from "../src/db/notify.js";
import { silentLogger } from "../src/log.js";
import { createSandbox } from "../src/sandbox/index.js";
import { PLAN_HORIZON_MS } from "../src/scheduler/planning/index.js";
import { createScheduleService } from "../src/schedules/schedules.service.js";
import { ThreadsClient } from "../src/threads/client.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";
import { accountServiceLinks, scheduleServiceLinks } from "./helpers/service-links.js";

const T0 = Date.parse("2026-03-09T00:00:00Z");
const HOUR = 3_600_000;

/** A sandbox answering in-process, and a client for it. */
function inProcessThreads(clock: FakeClock) {
  const sandbox = createSandbox({ clock });
  const client = new ThreadsClient({
    graphUrl: "http://sandbox.test",
    fetch: async (input, init) => sandbox.app.fetch(new Request(input, init)),
  });
  return { sandbox, client };
}

describe.each(DIALECTS)("change notification on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  const firstDue = async (scheduleId: number) =>
    new Date(
      (
        await t.db
          .selectFrom("runs")
          .select("due_at")
          .where("schedule_id", "=", scheduleId)
          .orderBy("due_at")
          .executeTakeFirstOrThrow()
      ).due_at,
    ).toISOString();

  /** A fresh database with one account (fields over accountRow's), and a schedules service that calls `notify`. */
  async function schedulesOf(notify: () => Promise<void>, fields: Parameters<typeof accountRow>[2] = {}) {
    t = await createTestDb(dialect);
    const clock = new FakeClock(T0);
    const account = await insertAccount(
      t.db,
      accountRow(1, T0, { token_expires_at: T0 + 50 * 24 * HOUR, ...fields }),
    );
    const schedules = createScheduleService({
      ...scheduleServiceLinks,
      db: t.db,
      clock,
      defaultTimezone: "UTC",
      horizonMs: PLAN_HORIZON_MS,
      notify,
    });
    return { clock, account, schedules };
  }

  it("the schedules service notifies after each committed change, not after a refused one", async () => {
    const seen: string[] = [];
    let notified = 0;
    // Reads through the database, not the transaction: on PostgreSQL this sees only what is committed.
    const { account, schedules } = await schedulesOf(async () => {
      notified += 1;
      const rows = await t.db.selectFrom("schedules").select(["id", "active", "times_json"]).execute();
      seen.push(JSON.stringify(rows.map((r) => [r.active, r.times_json])));
    });
    const s = await schedules.add({ accountId: account.id, kind: "fixed", times: ["09:00"] });
    expect(notified).toBe(1);
    expect(seen[0]).toBe(JSON.stringify([[1, '["09:00"]']]));
    await schedules.update(s.id, { times: ["10:00"] });
    expect(seen[1]).toBe(JSON.stringify([[1, '["10:00"]']]));
    await schedules.pause(s.id);
    expect(seen[2]).toBe(JSON.stringify([[0, '["10:00"]']]));
    await schedules.resume(s.id);
    expect(notified).toBe(4);
    await expect(schedules.update(s.id, { times: ["25:00"] })).rejects.toThrow();
    await expect(schedules.add({ accountId: 999, kind: "fixed", times: ["09:00"] })).rejects.toThrow();
    expect(notified).toBe(4);
    await schedules.remove(s.id);
    expect(notified).toBe(5);
    expect(seen[4]).toBe("[]");
    // Reads change nothing planned.
    await schedules.list();
    await schedules.listWithEnd();
    expect(notified).toBe(5);
  });

  it("followAccountZone re-plans the account's active zone-less schedules only, and notifies once", async () => {
    let notified = 0;
    const notify = async () => {
      notified += 1;
    };
    const { clock, account, schedules } = await schedulesOf(notify, { timezone: "Asia/Tokyo" });
    const follows = await schedules.add({ accountId: account.id, kind: "fixed", times: ["09:00"] });
    const zoned = await schedules.add({
      accountId: account.id,
      kind: "fixed",
      times: ["09:00"],
      timezone: "Europe/Berlin",
    });
    const paused = await schedules.add({ accountId: account.id, kind: "fixed", times: ["09:00"] });
    await schedules.pause(paused.id);
    expect(await firstDue(follows.id)).toBe("2026-03-09T00:00:00.000Z"); // 09:00 in Tokyo
    const berlin = await firstDue(zoned.id);
    notified = 0;

    await setAccountTimezone(t.db, account.id, "America/New_York", clock.now());
    expect(await schedules.followAccountZone(account.id)).toBe(1);
    expect(await firstDue(follows.id)).toBe("2026-03-09T13:00:00.000Z"); // 09:00 in New York (EDT)
    expect(await firstDue(zoned.id)).toBe(berlin);
    expect(await t.db.selectFrom("runs").where("schedule_id", "=", paused.id).select("id").execute()).toEqual(
      [],
    );
    expect(notified).toBe(1);
    // Nothing to follow: no notification.
    expect(await schedules.followAccountZone(12345)).toBe(0);
    expect(notified).toBe(1);
  });

  it("the accounts service reports a zone change, then notifies; removal notifies", async () => {
    t = await createTestDb(dialect);
    const clock = new FakeClock(T0);
    const { sandbox, client } = inProcessThreads(clock);
    const calls: string[] = [];
    const accounts = createAccountService({
      ...accountServiceLinks,
      db: t.db,
      threads: client,
      secretKey: Buffer.alloc(32, 5),
      clock,
      defaultTimezone: "UTC",
      notify: async () => {
        calls.push("notify");
      },
      onTimezoneChanged: async (accountId) => {
        calls.push(`zone ${accountId}`);
      },
    });
    const user = sandbox.createUser({ username: "notify_me" });
    const { account } = await accounts.addWithToken(user.accessToken, { timezone: "Asia/Tokyo" });
    expect(calls).toEqual(["notify"]);
    // Same zone again: a new token (held posts due again), no zone change.
    await accounts.addWithToken(sandbox.createUser({ username: "notify_me" }).accessToken, {
      timezone: "Asia/Tokyo",
    });
    expect(calls).toEqual(["notify", "notify"]);
    await accounts.addWithToken(sandbox.createUser({ username: "notify_me" }).accessToken, {
      timezone: "America/New_York",
    });
    expect(calls).toEqual(["notify", "notify", `zone ${account.id}`, "notify"]);
    await accounts.reconnect(account.id, sandbox.createUser({ username: "notify_me" }).accessToken);
    expect(calls).toHaveLength(5);
    // Status changes plan nothing; a refused token changes nothing.
    await accounts.pause(account.id);
    await expect(accounts.addWithToken("not-a-token")).rejects.toThrow();
    expect(calls).toHaveLength(5);
    await accounts.remove(account.id);
    expect(calls).toEqual(["notify", "notify", `zone ${account.id}`, "notify", "notify", "notify"]);
  });

  it("createApp wires an account's new zone to the schedules that follow it", async () => {
    t = await createTestDb(dialect);
    const clock = new FakeClock(T0);
    const { sandbox, client } = inProcessThreads(clock);
    const { services } = createApp({
      config: loadConfig({}, { DATABASE_URL: t.url, SECRET_KEY: "22".repeat(32), DATA_DIR: "/nonexistent" }),
      db: t.db,
      threads: { client, mode: "sandbox", graphUrl: "http://sandbox.test", canExchangeTokens: true },
      clock,
      logger: silentLogger,
    });
    const { account } = await services.accounts.addWithToken(
      sandbox.createUser({ username: "wired" }).accessToken,
      { timezone: "Asia/Tokyo" },
    );
    const follows = await services.schedules.add({ accountId: account.id, kind: "fixed", times: ["09:00"] });
    expect(await firstDue(follows.id)).toBe("2026-03-09T00:00:00.000Z");
    await services.accounts.addWithToken(sandbox.createUser({ username: "wired" }).accessToken, {
      timezone: "America/New_York",
    });
    expect(await firstDue(follows.id)).toBe("2026-03-09T13:00:00.000Z");
  });
});

// NOTIFY is PostgreSQL's: SQLite engines poll.
describe.runIf(DIALECTS.includes("postgres"))("change notification on postgres", () => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  it("createApp's notify is a NOTIFY that LISTENing engines receive", async () => {
    t = await createTestDb("postgres");
    const clock = new FakeClock(T0);
    const account = await insertAccount(t.db, accountRow(1, T0, { token_expires_at: T0 + 50 * 24 * HOUR }));
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    try {
      let received = 0;
      listener.on("notification", (n) => {
        if (n.channel === WORK_CHANNEL) received += 1;
      });
      await listener.query(`LISTEN ${WORK_CHANNEL}`);
      const { services } = createApp({
        config: loadConfig(
          {},
          { DATABASE_URL: t.url, SECRET_KEY: "22".repeat(32), DATA_DIR: "/nonexistent" },
        ),
        db: t.db,
        threads: {
          client: new ThreadsClient({ graphUrl: "http://127.0.0.1:9" }),
          mode: "sandbox",
          graphUrl: "http://127.0.0.1:9",
          canExchangeTokens: true,
        },
        clock,
        logger: silentLogger,
      });
      await services.schedules.add({ accountId: account.id, kind: "fixed", times: ["09:00"] });
      // A round trip on the listening connection delivers what was notified before it.
      await listener.query("select 1");
      expect(received).toBeGreaterThanOrEqual(1);
    } finally {
      await listener.end();
    }
  });
});
