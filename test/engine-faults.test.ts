/**
 * Faults from the sandbox on both databases: every one ends with no duplicate and the right final state —
 * published after retries (with capped backoff), or failed with the reason after the last attempt. Quota:
 * 250 posts per 24 h is never exceeded and a post over it waits, it does not fail.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { FaultRule } from "../src/sandbox/index.js";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, DAY, type EngineEnv, HOUR, MINUTE, publishedTexts } from "./helpers/engine.js";

const START = "2026-03-09T09:00:00Z";
const TEN = Date.parse("2026-03-09T10:00:00Z");

describe.each(DIALECTS)("faults on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  async function setup(options: Parameters<typeof createEngineEnv>[1] = { start: START }) {
    env = await createEngineEnv(dialect, options);
    const { account, userId, token } = await env.addAccount();
    await env.addGroup(account.id, "through the storm");
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    await env.runAt(TEN - MINUTE); // the start-up token refresh run
    const today = async () => (await env.runs({ scheduleId })).find((run) => run.due_at === TEN)!;
    return { account, userId, token, scheduleId, today };
  }

  /** Runs the engine every `stepMs` until nothing is left to retry (bounded). */
  async function drain(stepMs: number, steps = 20) {
    for (let i = 0; i < steps; i++) await env.runAt(env.clock.now() + stepMs);
  }

  it.each<[string, FaultRule, string]>([
    ["a 500 on publish", { kind: "http_500", path: "threads_publish", times: 2 }, "needs_check"],
    ["a 503 on publish", { kind: "http_503", path: "threads_publish" }, "needs_check"],
    ["a gateway timeout on publish", { kind: "timeout", path: "threads_publish", delayMs: 0 }, "needs_check"],
    ["a lost answer to publish", { kind: "lost_response", path: "threads_publish" }, "needs_check"],
    ["a 500 on container creation", { kind: "http_500", path: "/threads$", method: "POST" }, "planned"],
    ["rate limit code 4", { kind: "rate_limit", path: "threads", method: "POST" }, "planned"],
  ])("%s: published once in the end", async (_, fault, between) => {
    const { userId, today } = await setup();
    env.sandbox.faults.add(fault);
    await env.runAt(TEN);
    const first = await today();
    expect(first.state).toBe(between);
    expect(first.reason).toMatch(/Threads API error|outcome unknown/);
    expect(first.run_at).toBeGreaterThan(TEN);
    if (fault.kind === "rate_limit") {
      // Rate limits wait at least 15 minutes.
      expect(first.run_at).toBeGreaterThanOrEqual(TEN + 15 * MINUTE);
      expect(first.reason).toMatch(/rate limited by Threads: .*code 4/);
    }
    await drain(5 * MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["through the storm"]);
    expect(await today()).toMatchObject({ state: "published", reason: null });
    expect((await today()).attempts).toBeGreaterThan(1);
  });

  it("checking a lost publish never takes the post of another run with the same text", async () => {
    const { userId, scheduleId, today } = await setup();
    // A second schedule posts the same group at the same time: its run goes right after the first one.
    const account = (await env.runs({ scheduleId }))[0]!.account_id!;
    const twin = await env.addSchedule(account, { kind: "fixed", times: ["10:00"] });
    env.sandbox.faults.add({ kind: "lost_response", path: "threads_publish", times: 1 });
    await env.runAt(TEN);
    expect((await today()).state).toBe("needs_check");
    const other = (await env.runs({ scheduleId: twin })).find((o) => o.due_at === TEN)!;
    expect(other.state).toBe("published");
    await drain(5 * MINUTE, 3);
    expect(await today()).toMatchObject({ state: "published" });
    const posts = env.sandbox.published(userId);
    expect(posts.map((p) => p.text)).toEqual(["through the storm", "through the storm"]);
    // Each run records its own post: the first publish (the lost answer) belongs to the first run.
    const mediaOf = async (runId: number) =>
      (
        await env.db
          .selectFrom("publication_parts as pp")
          .innerJoin("publications as p", "p.id", "pp.publication_id")
          .select("pp.media_id")
          .where("p.run_id", "=", runId)
          .executeTakeFirstOrThrow()
      ).media_id;
    const mine = await mediaOf((await today()).id);
    const theirs = await mediaOf(other.id);
    expect(new Set([mine, theirs]).size).toBe(2);
    expect([mine, theirs].sort()).toEqual(posts.map((p) => p.id).sort());
  });

  it("a real client timeout on publish (the post landed meanwhile) is checked, not repeated", async () => {
    const { userId, today } = await setup({ start: START, timeoutMs: 300 });
    // The sandbox publishes, then hangs before answering: the client gives up first.
    env.sandbox.faults.add({ kind: "lost_response", path: "threads_publish", delayMs: 60_000 });
    await env.runAt(TEN);
    const first = await today();
    expect(first.state).toBe("needs_check");
    expect(first.reason).toMatch(/no answer within 300 ms/);
    await drain(5 * MINUTE, 3);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["through the storm"]);
    expect(await today()).toMatchObject({ state: "published" });
  });

  it("a real client timeout before Threads did anything: retried, published once", async () => {
    const { userId, today } = await setup({ start: START, timeoutMs: 300 });
    env.sandbox.faults.add({ kind: "timeout", path: "threads_publish", delayMs: 60_000 });
    await env.runAt(TEN);
    expect((await today()).state).toBe("needs_check");
    expect(env.sandbox.published()).toEqual([]);
    await drain(5 * MINUTE, 3);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["through the storm"]);
  });

  it("retries with capped exponential backoff, then fails with the reason", async () => {
    const { today } = await setup({
      start: START,
      engine: { backoff: { baseMs: 30_000, capMs: 60_000, maxAttempts: 4 }, random: () => 0.5 },
    });
    env.sandbox.faults.add({
      kind: "http_503",
      path: "/threads$",
      method: "POST",
      times: Number.POSITIVE_INFINITY,
    });
    const delays: number[] = [];
    env.engine.on((e) => {
      if (e.type === "retried") delays.push(e.runAt - env.clock.now());
    });
    await env.runAt(TEN);
    for (let i = 0; i < 6; i++) {
      const occ = await today();
      if (occ.state !== "planned") break;
      await env.runAt(occ.run_at);
    }
    // Half fixed, half jitter (0.5 here): 3/4 of 30 s, 60 s, then capped at 60 s.
    expect(delays).toEqual([22_500, 45_000, 45_000]);
    const last = await today();
    expect(last).toMatchObject({ state: "failed", attempts: 4 });
    expect(last.reason).toMatch(/^gave up after 4 attempts: Threads API error \(code 2\)/);
    expect(env.sandbox.published()).toEqual([]);
  });

  it("a publish that keeps answering 503 (certainly not published) fails after the attempts, never loops", async () => {
    const { today } = await setup({
      start: START,
      engine: { backoff: { baseMs: 30_000, capMs: 60_000, maxAttempts: 3 }, random: () => 0.5 },
    });
    env.sandbox.faults.add({
      kind: "http_503",
      path: "threads_publish",
      times: Number.POSITIVE_INFINITY,
    });
    await env.runAt(TEN);
    for (let i = 0; i < 12; i++) {
      const occ = await today();
      if (occ.state !== "planned" && occ.state !== "needs_check") break;
      await env.runAt(occ.run_at);
    }
    const last = await today();
    expect(last.state).toBe("failed");
    expect(last.attempts).toBe(4);
    expect(last.reason).toMatch(/certainly not on Threads, and the attempts are used up/);
    expect(env.sandbox.published()).toEqual([]);
  });

  it("a permanent error fails at once with Meta's message", async () => {
    const { today } = await setup();
    env.sandbox.faults.add({
      kind: "error",
      path: "/threads$",
      method: "POST",
      error: { code: 100, message: "(#100) Invalid parameter", status: 400 },
    });
    await env.runAt(TEN);
    const occ = await today();
    expect(occ).toMatchObject({ state: "failed", attempts: 1 });
    expect(occ.reason).toMatch(/\(#100\) Invalid parameter/);
    expect(env.sandbox.published()).toEqual([]);
  });

  /** Publishes `n` posts for the user straight through the API (as another tool would). */
  async function publishElsewhere(token: string, userId: string, n: number) {
    for (let i = 0; i < n; i++) {
      const id = await env.threads.createContainer(token, userId, {
        mediaType: "TEXT",
        text: `elsewhere ${i}`,
      });
      await env.threads.publishContainer(token, userId, id);
    }
  }

  it("quota: Threads' code 9 (posts made elsewhere) makes the post wait, not fail", async () => {
    const { userId, token, today } = await setup({
      start: START,
      engine: { backoff: { baseMs: 30_000, capMs: 60_000, maxAttempts: 2 } },
    });
    env.clock.set(TEN - 2 * HOUR);
    await publishElsewhere(token, userId, 250);
    await env.runAt(TEN);
    let occ = await today();
    expect(occ.state).toBe("planned");
    expect(occ.reason).toMatch(/publishing quota reached at Threads: .*code 9/);
    expect(occ.run_at).toBe(TEN + 30 * MINUTE);
    // More tries than maxAttempts while the quota is used up: still waiting, never failed, never over 250.
    for (let i = 0; i < 4; i++) await env.runAt((await today()).run_at);
    occ = await today();
    expect(occ.state).toBe("planned");
    expect(occ.attempts).toBeGreaterThan(2);
    expect(env.sandbox.published(userId)).toHaveLength(250);
    // 24 h after those posts the quota frees up.
    await env.runAt(TEN - 2 * HOUR + DAY + MINUTE);
    await env.runAt((await today()).run_at);
    expect(await today()).toMatchObject({ state: "published" });
    expect(publishedTexts(env.sandbox, userId).at(-1)).toBe("through the storm");
  });

  it("quota: the cap answered with another error code (UNVERIFIED in the API notes) still waits, not fails", async () => {
    const { userId, token, today } = await setup({ start: START });
    env.clock.set(TEN - 2 * HOUR);
    await publishElsewhere(token, userId, 250);
    env.sandbox.faults.add({
      kind: "error",
      path: "threads_publish",
      error: { code: 2207051, message: "The user has reached the posting limit", status: 400 },
    });
    await env.runAt(TEN);
    const occ = await today();
    expect(occ.state).toBe("planned");
    expect(occ.reason).toMatch(/post quota used up; waiting/);
    expect(env.sandbox.published(userId)).toHaveLength(250);
  });

  it("quota: our own ledger near 250 asks Threads first and does not even try to publish", async () => {
    const { account, userId, token, today } = await setup();
    const then = TEN - 2 * HOUR;
    env.clock.set(then);
    await publishElsewhere(token, userId, 250);
    // The ledger of those 250 posts, as if this service had published them.
    const runs = await env.db
      .insertInto("runs")
      .values(
        Array.from({ length: 250 }, (_, i) => ({
          job: "post" as const,
          job_key: `manual:earlier-${i}`,
          account_id: account.id,
          due_at: then,
          run_at: then,
          slot: "manual",
          state: "published" as const,
          created_at: then,
          updated_at: then,
        })),
      )
      .returning("id")
      .execute();
    const publications = await env.db
      .insertInto("publications")
      .values(
        runs.map((run) => ({
          run_id: run.id,
          account_id: account.id,
          state: "published" as const,
          created_at: then,
          updated_at: then,
          published_at: then,
        })),
      )
      .returning("id")
      .execute();
    await env.db
      .insertInto("publication_parts")
      .values(
        publications.map((p, i) => ({
          publication_id: p.id,
          account_id: account.id,
          position: 0,
          state: "published" as const,
          media_id: `m${i}`,
          updated_at: then,
        })),
      )
      .execute();
    env.requests.length = 0;
    await env.runAt(TEN);
    const occ = await today();
    expect(occ.state).toBe("planned");
    expect(occ.reason).toMatch(/publishing quota reached \(250\/250 posts in 24 h\)/);
    expect(env.requests.some((r) => r.path.endsWith("/threads_publishing_limit"))).toBe(true);
    expect(env.requests.some((r) => r.path.endsWith("/threads_publish"))).toBe(false);
    expect(env.sandbox.published(userId)).toHaveLength(250);
    await env.runAt(then + DAY + MINUTE);
    await env.runAt((await today()).run_at);
    expect(await today()).toMatchObject({ state: "published" });
    expect(env.sandbox.published(userId)).toHaveLength(251);
  });
});
