/**
 * Wall-clock rules through the engine, on both databases: a fixed time in a spring-forward gap runs once at
 * the first instant after the gap; in a fall-back overlap once, at the first run; a clock set back
 * never causes a second run; a random window crossing midnight gets exactly its N posts inside the window.
 */
import { DateTime } from "luxon";
import { afterEach, describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, type EngineEnv, HOUR, MINUTE, publishedTexts } from "./helpers/engine.js";

const iso = (ms: number) => new Date(ms).toISOString();

describe.each(DIALECTS)("DST and clock jumps on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  it.each([
    // zone, local time, from, to, expected publish instants (UTC)
    [
      "America/New_York",
      "02:30",
      "2026-03-07T12:00:00Z",
      "2026-03-09T12:00:00Z",
      ["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"],
    ],
    [
      "America/New_York",
      "01:30",
      "2026-10-31T12:00:00Z",
      "2026-11-02T12:00:00Z",
      ["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"],
    ],
    [
      "Europe/Berlin",
      "02:30",
      "2026-03-28T12:00:00Z",
      "2026-03-30T12:00:00Z",
      ["2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"],
    ],
    [
      "Europe/Berlin",
      "02:30",
      "2026-10-24T12:00:00Z",
      "2026-10-26T12:00:00Z",
      ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"],
    ],
  ])(
    "%s %s from %s: runs once per day at the DST-resolved instant",
    async (zone, time, from, to, expected) => {
      env = await createEngineEnv(dialect, { start: from });
      const { account, userId } = await env.addAccount({ timezone: zone });
      await env.addGroup(account.id, `daily ${time}`);
      await env.addSchedule(account.id, { kind: "fixed", times: [time] });
      await env.stepTo(to, 15 * MINUTE);
      expect(env.sandbox.published(userId).map((p) => iso(p.publishedAt))).toEqual(expected);
      const runs = (await env.runs({ job: "post" })).filter((run) => run.state !== "planned");
      expect(runs.map((run) => [iso(run.due_at), run.slot, run.state])).toEqual(
        expected.map((e) => [e, time, "published"]),
      );
    },
  );

  it("a clock set back after a run does not run it again", async () => {
    env = await createEngineEnv(dialect, { start: "2026-11-01T04:00:00Z" });
    const { account, userId } = await env.addAccount({ timezone: "America/New_York" });
    await env.addGroup(account.id, "once");
    await env.addSchedule(account.id, { kind: "fixed", times: ["01:30"] });
    await env.stepTo("2026-11-01T05:45:00Z", 15 * MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["once"]);
    // The clock jumps back an hour (NTP correction, VM restore): local 01:30 comes round again.
    env.clock.set(Date.parse("2026-11-01T05:00:00Z"));
    await env.engine.runDue();
    await env.stepTo("2026-11-01T08:00:00Z", 15 * MINUTE);
    // A new engine (a restart) with the clock back again plans nothing twice either.
    env.clock.set(Date.parse("2026-11-01T05:15:00Z"));
    env.engine = await env.newEngine("node-restarted");
    await env.stepTo("2026-11-01T07:00:00Z", 15 * MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["once"]);
  });

  it("a random window crossing midnight gets exactly N posts, all inside the window", async () => {
    const zone = "Asia/Tokyo";
    // Noon in Tokyo on 2026-03-09: the window that started the evening before is history.
    env = await createEngineEnv(dialect, { start: "2026-03-09T03:00:00Z" });
    const { account, userId } = await env.addAccount({ timezone: zone });
    await env.addGroup(account.id, "night owl");
    const scheduleId = await env.addSchedule(account.id, {
      kind: "random",
      windowStart: "22:00",
      windowEnd: "02:00",
      postsPerDay: 3,
      minGapMinutes: 20,
    });
    const windowStart = DateTime.fromISO("2026-03-09T22:00", { zone }).toMillis();
    const windowEnd = DateTime.fromISO("2026-03-10T02:00", { zone }).toMillis();
    await env.stepTo(windowStart - MINUTE, 30 * MINUTE);
    expect(env.sandbox.published()).toEqual([]);
    await env.stepTo(windowEnd + MINUTE, MINUTE);
    await env.stepTo(windowStart + 14 * HOUR, 30 * MINUTE); // noon the next day
    const posts = env.sandbox.published(userId);
    expect(posts).toHaveLength(3);
    for (const p of posts) {
      expect(p.publishedAt).toBeGreaterThanOrEqual(windowStart);
      expect(p.publishedAt).toBeLessThan(windowEnd);
    }
    const runs = (await env.runs({ scheduleId })).filter((run) => run.local_date === "2026-03-09");
    expect(runs.map((run) => [run.slot, run.state])).toEqual([
      ["random 1/3", "published"],
      ["random 2/3", "published"],
      ["random 3/3", "published"],
    ]);
    // Each published at its own minute, at least the minimum gap apart.
    expect(posts.map((p) => p.publishedAt)).toEqual(runs.map((run) => run.due_at));
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.due_at - runs[i - 1]!.due_at).toBeGreaterThanOrEqual(20 * MINUTE);
    }
  });
});
