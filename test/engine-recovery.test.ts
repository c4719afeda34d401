/**
 * Leases on both databases: a node that dies holding a run (its lease runs out) hands it to
 * `needs_check`, and the engine asks Threads before anything is published again.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers/db.js";
import { claimNext, createEngineEnv, type EngineEnv, MINUTE, publishedTexts } from "./helpers/engine.js";

const START = "2026-03-09T09:00:00Z";
const TEN = Date.parse("2026-03-09T10:00:00Z");
const LEASE_MS = 60_000;

describe.each(DIALECTS)("lease recovery on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  async function setup(parts: string[]) {
    env = await createEngineEnv(dialect, { start: START, engine: { leaseMs: LEASE_MS } });
    const { account, userId } = await env.addAccount();
    await env.addGroup(
      account.id,
      parts.map((text) => ({ text })),
    );
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    await env.runAt(TEN - MINUTE); // the start-up token refresh run
    return { account, userId, scheduleId };
  }

  const today = async (scheduleId: number) =>
    (await env.runs({ scheduleId })).find((run) => run.due_at === TEN)!;

  it("a claim whose node died before doing anything is checked and published once", async () => {
    const { userId, scheduleId } = await setup(["posted once"]);
    const claimed = await claimNext(env.db, { nodeId: "dead-node", now: TEN, leaseMs: LEASE_MS });
    expect(claimed).toMatchObject({ schedule_id: scheduleId, state: "running", locked_by: "dead-node" });

    // While the lease holds, nobody else touches it.
    await env.runAt(TEN + LEASE_MS - 1000);
    expect(await today(scheduleId)).toMatchObject({ state: "running", locked_by: "dead-node" });
    expect(env.sandbox.published()).toEqual([]);

    await env.runAt(TEN + LEASE_MS + 1000);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["posted once"]);
    expect(await today(scheduleId)).toMatchObject({ state: "published", locked_by: null, attempts: 2 });
    const abandoned = env.events.find((e) => e.type === "abandoned");
    expect(abandoned).toMatchObject({ runId: claimed!.id });
    expect(abandoned?.type === "abandoned" && abandoned.reason).toMatch(/lease expired \(node dead-node/);
  });

  it("a node killed after its publish reached Threads: the post is found, not published again", async () => {
    const { userId, scheduleId } = await setup(["published, answer lost"]);
    const dead = await env.newEngine("dead-node");
    env.intercept = (req) => (req.path.endsWith("/threads_publish") ? "hang-after" : "pass");
    env.clock.set(TEN);
    await dead.tick();
    await env.until(() => env.sandbox.published(userId).length === 1, "the dead node's publish to land");
    env.intercept = undefined;
    const [ledgerPart] = await env.db.selectFrom("publication_parts").selectAll().execute();
    expect(ledgerPart).toMatchObject({ state: "publish_requested" });
    expect(ledgerPart!.container_id).toBeTruthy();

    await env.runAt(TEN + LEASE_MS / 2);
    expect(await today(scheduleId)).toMatchObject({ state: "running", locked_by: "dead-node" });
    await env.runAt(TEN + LEASE_MS + 1000);
    const posts = env.sandbox.published(userId);
    expect(posts).toHaveLength(1);
    expect(await today(scheduleId)).toMatchObject({ state: "published", locked_by: null });
    const [part] = await env.db.selectFrom("publication_parts").selectAll().execute();
    expect(part).toMatchObject({ state: "published", media_id: posts[0]!.id });
    expect(part!.permalink).toBe(posts[0]!.permalink);
  });

  it("a node killed after part 2's publish of a chain: part 2 is found in /me/replies, part 3 follows", async () => {
    const { userId, scheduleId } = await setup(["one", "two", "three"]);
    const dead = await env.newEngine("dead-node");
    env.intercept = (req) =>
      req.path.endsWith("/threads_publish") && env.sandbox.published(userId).length === 1
        ? "hang-after"
        : "pass";
    env.clock.set(TEN);
    await dead.tick();
    await env.until(() => env.sandbox.published(userId).length === 2, "the dead node's second publish");
    env.intercept = undefined;

    await env.runAt(TEN + LEASE_MS + 1000);
    const posts = env.sandbox.published(userId);
    expect(posts.map((p) => p.text)).toEqual(["one", "two", "three"]);
    expect(posts[1]!.replyToId).toBe(posts[0]!.id);
    expect(posts[2]!.replyToId).toBe(posts[1]!.id);
    expect(await today(scheduleId)).toMatchObject({ state: "published" });
    const parts = await env.db.selectFrom("publication_parts").selectAll().orderBy("position").execute();
    expect(parts.map((p) => p.media_id)).toEqual(posts.map((p) => p.id));
  });

  it("a stalled node whose lease was taken over does not publish: the database refuses its publish_requested", async () => {
    const { userId, scheduleId } = await setup(["published once"]);
    const stalled = await env.newEngine("stalled-node");
    let release: () => void = () => {};
    let held = false;
    env.intercept = (req) => {
      if (held || req.method !== "POST" || !req.path.endsWith("/threads")) return "pass";
      held = true;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };
    env.clock.set(TEN);
    await stalled.tick();
    await env.until(() => held, "the stalled node's container call");

    // Its lease runs out while its call is stuck; this engine checks Threads (nothing there) and publishes.
    await env.runAt(TEN + LEASE_MS + 1000);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["published once"]);
    expect(await today(scheduleId)).toMatchObject({ state: "published", locked_by: null });

    // The stalled node's call returns: it must not publish, and must not touch the settled run.
    release();
    await env.until(() => stalled.inFlight === 0, "the stalled node to give up");
    expect(env.sandbox.published(userId)).toHaveLength(1);
    expect(env.requests.filter((r) => r.path.endsWith("/threads_publish"))).toHaveLength(1);
    expect(await today(scheduleId)).toMatchObject({ state: "published", locked_by: null });
    const [part] = await env.db.selectFrom("publication_parts").selectAll().execute();
    expect(part).toMatchObject({ state: "published", media_id: env.sandbox.published(userId)[0]!.id });
  });

  it("a node that recovers and claims again its own stalled run does not start a second one", async () => {
    const { userId, scheduleId } = await setup(["published once"]);
    const held: Array<() => void> = [];
    let containerCalls = 0;
    env.intercept = (req) => {
      if (req.method !== "POST") return "pass";
      // Hold the first run's container call, and any second run's publish call.
      const first = req.path.endsWith("/threads") && containerCalls++ === 0;
      if (!first && !req.path.endsWith("/threads_publish")) return "pass";
      if (!first && held.length === 0) return "pass";
      return new Promise<void>((resolve) => held.push(resolve));
    };
    env.clock.set(TEN);
    await env.engine.tick();
    await env.until(() => held.length === 1, "the container call");

    // No heartbeat reached the database for the whole lease (none runs here: the engine is not started), so
    // this node's own housekeeping recovers the lease, and its claim takes the row again.
    env.clock.set(TEN + LEASE_MS + 1000);
    await env.engine.tick();
    expect(await today(scheduleId)).toMatchObject({ state: "running", locked_by: env.engine.nodeId });
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const release of held.splice(0)) release();
    await env.until(() => env.engine.inFlight === 0, "the run to finish");
    for (const release of held.splice(0)) release();
    await env.engine.runDue();

    expect(publishedTexts(env.sandbox, userId)).toEqual(["published once"]);
    expect(env.requests.filter((r) => r.path.endsWith("/threads_publish"))).toHaveLength(1);
    expect(await today(scheduleId)).toMatchObject({ state: "published" });
  });

  it("a node killed before its publish left: Threads has nothing, so it is published once", async () => {
    const { userId, scheduleId } = await setup(["never left"]);
    const dead = await env.newEngine("dead-node");
    let sent = false;
    env.intercept = (req) => {
      if (!req.path.endsWith("/threads_publish")) return "pass";
      sent = true;
      return "hang-before";
    };
    env.clock.set(TEN);
    await dead.tick();
    await env.until(() => sent, "the dead node to reach its publish");
    env.intercept = undefined;
    expect(env.sandbox.published()).toEqual([]);

    await env.runAt(TEN + LEASE_MS + 1000);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["never left"]);
    expect(await today(scheduleId)).toMatchObject({ state: "published" });
    // The container the dead node created was used: one container for one post.
    const [part] = await env.db.selectFrom("publication_parts").selectAll().execute();
    expect(env.sandbox.published()[0]!.containerId).toBe(part!.container_id);
  });
});
