/**
 * The engine publishing through the real sandbox, on both databases: a fixed time fires once however many
 * passes or engines run; one publication per account; the pool bound; media waits without a slot; chains.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { EngineEvent } from "../src/scheduler/events.js";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, type EngineEnv, MINUTE, publishedTexts, waitForEvent } from "./helpers/engine.js";

/** Monday 2026-03-09, 09:00 UTC. */
const START = "2026-03-09T09:00:00Z";
const TEN = Date.parse("2026-03-09T10:00:00Z");

/** Tracks how many runs are in flight, in all and per account, from the engine's events. */
function inFlightTracker(events: EngineEvent[]) {
  let total = 0;
  let maxTotal = 0;
  const perAccount = new Map<number, number>();
  let maxPerAccount = 0;
  const accountOf = new Map<number, number | null>();
  return {
    on(e: EngineEvent) {
      events.push(e);
      if (e.type === "claimed") {
        accountOf.set(e.runId, e.accountId);
        total++;
        maxTotal = Math.max(maxTotal, total);
        if (e.accountId !== null) {
          const n = (perAccount.get(e.accountId) ?? 0) + 1;
          perAccount.set(e.accountId, n);
          maxPerAccount = Math.max(maxPerAccount, n);
        }
      } else if (e.type === "settled") {
        total--;
        const account = accountOf.get(e.runId);
        if (account != null) perAccount.set(account, perAccount.get(account)! - 1);
      }
    },
    get maxTotal() {
      return maxTotal;
    },
    get maxPerAccount() {
      return maxPerAccount;
    },
  };
}

describe.each(DIALECTS)("engine publishing on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  it("fires a fixed time once, at its minute, however often it runs", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount();
    await env.addGroup(account.id, "hello at ten");
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });

    await env.runAt(TEN - 1000);
    expect(env.sandbox.published(userId)).toEqual([]);
    await env.runAt(TEN);
    await env.engine.runDue();
    await env.runAt(TEN + 5 * MINUTE);
    const posts = env.sandbox.published(userId);
    expect(posts.map((p) => [p.text, p.publishedAt])).toEqual([["hello at ten", TEN]]);

    const [today] = await env.runs({ scheduleId });
    expect(today).toMatchObject({ slot: "10:00", state: "published", attempts: 1, reason: null });
    const ledger = await env.db.selectFrom("publication_parts").selectAll().execute();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      state: "published",
      media_id: posts[0]!.id,
      permalink: posts[0]!.permalink,
    });

    // The next day's run is its own run, and fires once too.
    await env.runAt(TEN + 24 * 60 * MINUTE);
    await env.engine.runDue();
    expect(publishedTexts(env.sandbox, userId)).toEqual(["hello at ten", "hello at ten"]);
  });

  it("two engines (two nodes) on one database publish each due post exactly once", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const users: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { account, userId } = await env.addAccount();
      users.push(userId);
      await env.addGroup(account.id, `post of account ${i}`);
      await env.addSchedule(account.id, { kind: "fixed", times: ["10:00", "10:01"] });
    }
    const other = await env.newEngine("node-b");
    expect(other.nodeId).not.toBe(env.engine.nodeId);

    env.clock.set(TEN);
    await Promise.all([env.engine.runDue(), other.runDue(), env.engine.runDue(), other.runDue()]);
    env.clock.set(TEN + MINUTE);
    await Promise.all([other.runDue(), env.engine.runDue()]);
    await Promise.all([other.runDue(), env.engine.runDue()]);

    for (const [i, userId] of users.entries()) {
      expect(publishedTexts(env.sandbox, userId)).toEqual([`post of account ${i}`, `post of account ${i}`]);
    }
    const posts = await env.runs({ job: "post" });
    const due = posts.filter((run) => run.due_at <= TEN + MINUTE);
    expect(due).toHaveLength(12);
    expect(due.every((run) => run.state === "published" && run.attempts === 1)).toBe(true);
    const published = env.events.filter((e) => e.type === "published");
    expect(published).toHaveLength(12);
    expect(new Set(published.map((e) => (e.type === "published" ? e.runId : 0))).size).toBe(12);
  });

  it("runs one publication per account at a time and never more than the pool allows", async () => {
    env = await createEngineEnv(dialect, { start: START, engine: { concurrency: 2 } });
    const busy = await env.addAccount();
    await env.addGroup(busy.account.id, "busy account");
    // Three schedules of one account due at the same instant.
    for (let i = 0; i < 3; i++) await env.addSchedule(busy.account.id, { kind: "fixed", times: ["10:00"] });
    const others: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { account, userId } = await env.addAccount();
      others.push(userId);
      await env.addGroup(account.id, `other ${i}`);
      await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    }
    await env.runAt(TEN - MINUTE); // the start-up token refresh run
    const seen: EngineEvent[] = [];
    const tracker = inFlightTracker(seen);
    env.engine.on((e) => tracker.on(e));

    await env.runAt(TEN);
    expect(publishedTexts(env.sandbox, busy.userId)).toEqual([
      "busy account",
      "busy account",
      "busy account",
    ]);
    for (const [i, userId] of others.entries())
      expect(publishedTexts(env.sandbox, userId)).toEqual([`other ${i}`]);
    expect(tracker.maxPerAccount).toBe(1);
    expect(tracker.maxTotal).toBe(2);
    expect(seen.filter((e) => e.type === "published")).toHaveLength(7);
  });

  it("waits for a media container without holding a pool slot", async () => {
    env = await createEngineEnv(dialect, {
      start: START,
      mediaProcessingMs: 3000,
      engine: { concurrency: 1 },
    });
    const photo = await env.addAccount();
    await env.addGroup(photo.account.id, [
      { text: "a photo", media: [{ kind: "IMAGE", url: "https://example.com/photo.jpg" }] },
    ]);
    await env.addSchedule(photo.account.id, { kind: "fixed", times: ["10:00"] });
    const words = await env.addAccount();
    await env.addGroup(words.account.id, "just words");
    await env.addSchedule(words.account.id, { kind: "fixed", times: ["10:00"] });
    await env.runAt(TEN - MINUTE);

    // Hold every container poll until released.
    const held: Array<() => void> = [];
    const defaultSleep = env.sleep;
    env.sleep = (ms) =>
      new Promise<void>((resolve) =>
        held.push(() => {
          env.clock.advance(ms);
          resolve();
        }),
      );
    env.clock.set(TEN);
    await env.engine.tick(); // claims the photo post (the earliest), which starts waiting for its container
    await env.until(() => held.length > 0, "the photo post to wait for its container");
    const [photoRun] = await env.db
      .selectFrom("runs")
      .selectAll()
      .where("account_id", "=", photo.account.id)
      .where("due_at", "=", TEN)
      .execute();
    expect(photoRun!.state).toBe("running");

    // With the only slot free again, the text post of the other account runs to the end meanwhile.
    await env.engine.tick();
    const settled = await waitForEvent(
      env,
      (e) => e.type === "published" && e.accountId === words.account.id,
    );
    expect(settled.type).toBe("published");
    expect(publishedTexts(env.sandbox)).toEqual(["just words"]);

    env.sleep = defaultSleep;
    for (const release of held.splice(0)) release();
    await env.engine.runDue();
    const posts = env.sandbox.published();
    expect(posts.map((p) => [p.text, p.mediaType])).toEqual([
      ["just words", "TEXT"],
      ["a photo", "IMAGE"],
    ]);
    // Published as soon as the container was FINISHED (3 s of processing), not after a fixed sleep.
    const waited = posts[1]!.publishedAt - TEN;
    expect(waited).toBeGreaterThanOrEqual(3000);
    expect(waited).toBeLessThan(30_000);
  });

  it("looks up permalinks without holding a pool slot, as many at once as the pool has slots", async () => {
    env = await createEngineEnv(dialect, { start: START, engine: { concurrency: 1 } });
    const users: Array<{ account: { id: number }; userId: string; scheduleId: number }> = [];
    for (const text of ["first", "second", "third"]) {
      const user = await env.addAccount();
      await env.addGroup(user.account.id, text);
      const scheduleId = await env.addSchedule(user.account.id, { kind: "fixed", times: ["10:00"] });
      users.push({ ...user, scheduleId });
    }
    await env.runAt(TEN - MINUTE);

    // Hold every permalink lookup (a GET asking for the permalink field) until released.
    let releaseLookups!: () => void;
    const lookupsHeld = new Promise<void>((resolve) => {
      releaseLookups = resolve;
    });
    let lookups = 0;
    env.intercept = (req) => {
      if (req.method !== "GET" || !req.params.get("fields")?.includes("permalink")) return "pass";
      lookups++;
      return lookupsHeld;
    };
    env.clock.set(TEN);
    // With one slot, each post can only run once the one before gave its slot back for its lookup.
    for (const user of users) {
      const claimed = () => env.events.some((e) => e.type === "claimed" && e.accountId === user.account.id);
      // Passes find the slot free only once the run before has published and reached its lookup. Nothing
      // reports a freed slot (the engine is not started, so its own wake-up does nothing): this wait polls.
      await env.until(
        async () => {
          await env.engine.tick();
          return claimed();
        },
        `${user.userId}'s post to be claimed`,
        { pollMs: 10 },
      );
      await env.until(() => env.sandbox.published(user.userId).length === 1, `${user.userId} to publish`);
    }
    expect(publishedTexts(env.sandbox)).toEqual(["first", "second", "third"]);
    // One lookup at a time (the pool's size): the first is held, the others wait without calling Threads.
    expect(lookups).toBe(1);
    for (const user of users) {
      expect((await env.runs({ scheduleId: user.scheduleId }))[0]!.state).toBe("running");
    }
    releaseLookups();
    await env.engine.runDue();
    await env.until(async () => {
      const states = await Promise.all(users.map((u) => env.runs({ scheduleId: u.scheduleId })));
      return states.every(([occ]) => occ?.state === "published");
    }, "every run to settle");
    expect(lookups).toBe(3);
    for (const user of users) {
      const [occ] = await env.runs({ scheduleId: user.scheduleId });
      expect(await permalinksOf(occ!.id)).toEqual([expect.stringContaining("http://sandbox.invalid/@")]);
    }
  });

  it("a chain that fails at part 2 still records part 1's permalink", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount();
    await env.addGroup(account.id, [{ text: "one" }, { text: "two" }]);
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    await env.runAt(TEN - MINUTE);
    env.intercept = (req) => {
      if (req.method === "POST" && req.params.has("reply_to_id")) {
        env.sandbox.faults.add({
          kind: "error",
          path: "/threads$",
          method: "POST",
          error: { code: 100, message: "(#100) Invalid parameter", status: 400 },
        });
      }
      return "pass";
    };
    await env.runAt(TEN);
    const [occ] = await env.runs({ scheduleId });
    expect(occ).toMatchObject({ state: "failed" });
    expect(publishedTexts(env.sandbox, userId)).toEqual(["one"]);
    expect(await permalinksOf(occ!.id)).toEqual([expect.stringContaining("http://sandbox.invalid/@"), null]);
  });

  async function permalinksOf(runId: number) {
    const parts = await env.db
      .selectFrom("publication_parts")
      .innerJoin("publications", "publications.id", "publication_parts.publication_id")
      .select("publication_parts.permalink")
      .where("publications.run_id", "=", runId)
      .orderBy("publication_parts.position")
      .execute();
    return parts.map((p) => p.permalink);
  }

  it("publishes a chain: each reply answers the previous part", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount();
    await env.addGroup(account.id, [{ text: "one" }, { text: "two" }, { text: "three" }]);
    await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    await env.runAt(TEN);
    const posts = env.sandbox.published(userId);
    expect(posts.map((p) => p.text)).toEqual(["one", "two", "three"]);
    expect(posts[0]!.replyToId).toBeUndefined();
    expect(posts[1]!.replyToId).toBe(posts[0]!.id);
    expect(posts[2]!.replyToId).toBe(posts[1]!.id);
    const parts = await env.db.selectFrom("publication_parts").selectAll().orderBy("position").execute();
    expect(parts.map((p) => [p.state, p.media_id])).toEqual(posts.map((p) => ["published", p.id]));
  });

  it.each([
    ["a 5xx on part 2's container", "container", "http_500"],
    ["a 503 on part 2's publish", "publish", "http_503"],
    ["a lost answer to part 2's publish", "publish", "lost_response"],
  ] as const)(
    "resumes a chain interrupted by %s from part 2, without posting part 1 again",
    async (_, call, kind) => {
      env = await createEngineEnv(dialect, { start: START });
      const { account, userId } = await env.addAccount();
      await env.addGroup(account.id, [{ text: "one" }, { text: "two" }, { text: "three" }]);
      const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
      let armed = true;
      env.intercept = (req) => {
        const isPublish = req.path.endsWith("/threads_publish");
        const isReply = isPublish
          ? env.sandbox.published(userId).length === 1
          : req.params.has("reply_to_id");
        if (armed && req.method === "POST" && isReply && isPublish === (call === "publish")) {
          armed = false;
          env.sandbox.faults.add({ kind, path: isPublish ? "threads_publish" : "/threads", method: "POST" });
        }
        return "pass";
      };
      await env.runAt(TEN);
      expect(armed).toBe(false);
      const [occ] = await env.runs({ scheduleId });
      expect(["planned", "needs_check"]).toContain(occ!.state);
      expect(occ!.reason).toMatch(/Threads API error|outcome unknown/);

      for (let i = 0; i < 5; i++) await env.runAt(env.clock.now() + 5 * MINUTE);
      const posts = env.sandbox.published(userId);
      expect(posts.map((p) => p.text)).toEqual(["one", "two", "three"]);
      expect(posts[1]!.replyToId).toBe(posts[0]!.id);
      expect(posts[2]!.replyToId).toBe(posts[1]!.id);
      expect((await env.runs({ scheduleId }))[0]).toMatchObject({ state: "published", attempts: 2 });
    },
  );
});
