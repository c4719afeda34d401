/**
 * The runs and posts services of the composition root: what `runs`, `jobs`, `check`, `reload`, `runs cancel`
 * and `post --at` call. Every change to what is planned wakes the engines through the `notify` they are
 * given; a refused change and a read do not.
 */
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import type { App } from "../src/app/create-app.js";
import { FakeClock } from "../src/clock.js";
import { createPostService } from "../src/scheduler/posts.service.js";
import { createRunService } from "../src/scheduler/runs.service.js";
import { createTestApp } from "./helpers/app.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";

const T0 = Date.parse("2026-03-09T00:00:00Z");
const HOUR = 3_600_000;

describe.each(DIALECTS)("runs and posts services on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  async function setup() {
    t = await createTestDb(dialect);
    const clock = new FakeClock(T0);
    const app: App = createTestApp(t, clock);
    let notified = 0;
    const notify = async () => {
      notified += 1;
    };
    const deps = { db: t.db, clock, defaultTimezone: "UTC", notify };
    const runs = createRunService({ ...deps, horizonMs: 48 * HOUR });
    const posts = createPostService({
      ...deps,
      accounts: app.services.accounts,
      groups: app.services.groups,
      engine: () => app.engine,
    });
    const account = await insertAccount(t.db, accountRow(1, T0, { token_expires_at: T0 + 50 * 24 * HOUR }));
    return { app, clock, runs, posts, account, notified: () => notified };
  }

  it("a one-off post, its cancel and a re-plan each notify once; reads and refusals do not", async () => {
    const { app, clock, runs, posts, account, notified } = await setup();
    const planned = await posts.at({
      accountId: account.id,
      at: "2026-03-10 09:00",
      parts: [{ text: "once" }],
    });
    expect(notified()).toBe(1);
    expect((await runs.list({ state: "planned", oneOff: true })).map((r) => r.id)).toEqual([planned.runId]);
    await runs.jobs();
    await runs.activeSchedules();
    expect(notified()).toBe(1);

    const cancelled = await runs.cancel(planned.runId);
    expect(cancelled).toMatchObject({ changed: true, run: { id: planned.runId, state: "cancelled" } });
    expect(await runs.zoneOf(cancelled.run)).toBe("UTC");
    expect(notified()).toBe(2);
    // Cancelling again changes nothing; an unknown run is refused.
    expect(await runs.cancel(planned.runId)).toMatchObject({ changed: false });
    await expect(runs.cancel(9999)).rejects.toThrow(/Run 9999 does not exist/);
    expect(notified()).toBe(2);

    await app.services.schedules.add({ accountId: account.id, kind: "fixed", times: ["09:00"] });
    // A day later, the horizon reaches one more 09:00.
    clock.set(T0 + 24 * HOUR);
    expect(await runs.replanAll()).toBe(1);
    expect(notified()).toBe(3);
  });

  it("a post at a past time is refused without notifying", async () => {
    const { posts, account, notified } = await setup();
    await expect(
      posts.at({ accountId: account.id, at: "2026-03-08 09:00", parts: [{ text: "too late" }] }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    expect(notified()).toBe(0);
  });
});
