/**
 * A stop always ends, on both databases: whatever Threads does, `engine.stop(timeout)` returns once the timeout
 * has cut off the calls still in flight, and each run it cut ends in a state the next start handles exactly once.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { PostPart } from "../src/threads/post.js";
import { DIALECTS } from "./helpers/db.js";
import {
  createEngineEnv,
  type EngineEnv,
  MINUTE,
  publishedTexts,
  type SeenRequest,
} from "./helpers/engine.js";

const START = "2026-03-09T09:00:00Z";
const TEN = Date.parse("2026-03-09T10:00:00Z");
const never = new Promise<void>(() => {});

describe.each(DIALECTS)("engine stop on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.engine.stop(0);
    await env?.close();
  });

  async function setup(parts: PostPart[]) {
    env = await createEngineEnv(dialect, { start: START, timeoutMs: 60_000 });
    const { account, userId } = await env.addAccount();
    await env.addGroup(account.id, parts);
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    await env.runAt(TEN - MINUTE); // the start-up token refresh run
    const today = async () => (await env.runs({ scheduleId })).find((run) => run.due_at === TEN)!;
    return { userId, today };
  }

  /** Starts the engine at TEN and resolves when a request matching `match` reaches the interceptor. */
  function startUntil(match: (req: SeenRequest) => boolean, action: "pass" | "hang-after" | Promise<void>) {
    let seen!: () => void;
    const reached = new Promise<void>((resolve) => (seen = resolve));
    env.intercept = (req) => {
      if (!match(req)) return "pass";
      seen();
      return action;
    };
    env.clock.set(TEN);
    void env.engine.start();
    return reached;
  }

  /** The next scheduler's start: another engine runs what is due. */
  async function nextStart() {
    env.intercept = undefined;
    const next = await env.newEngine("node-b");
    await next.runDue();
  }

  const isPublish = (req: SeenRequest) => req.path.endsWith("/threads_publish");

  it("a publish that never answers: cut off at the timeout, checked at once by the next start, published once", async () => {
    const { userId, today } = await setup([{ text: "cut off mid-publish" }]);
    await startUntil(isPublish, "hang-after");
    await env.until(() => env.sandbox.published(userId).length === 1, "the publish to land at Threads");

    const result = await env.engine.stop(200);
    expect(result).toEqual({ cutOff: 1, handedBack: 0, toCheck: 1, leftToCheck: 0 });
    const cut = await today();
    expect(cut).toMatchObject({ state: "needs_check", locked_by: null, run_at: env.clock.now() });
    expect(cut.reason).toMatch(/stopped while a publish call was in flight.*stop timeout of 200 ms ran out/);

    await nextStart();
    expect(publishedTexts(env.sandbox, userId)).toEqual(["cut off mid-publish"]);
    expect(await today()).toMatchObject({ state: "published" });
  });

  it("a publish stalled before it left: cut off, checked, then published once", async () => {
    const { userId, today } = await setup([{ text: "stalled before sending" }]);
    await startUntil(isPublish, never);
    expect(await env.engine.stop(100)).toEqual({ cutOff: 1, handedBack: 0, toCheck: 1, leftToCheck: 0 });
    // fetch cannot tell whether the request left: it is checked, not published blindly.
    expect((await today()).state).toBe("needs_check");
    expect(env.sandbox.published(userId)).toEqual([]);

    await nextStart();
    expect(publishedTexts(env.sandbox, userId)).toEqual(["stalled before sending"]);
  });

  it("a container creation that never answers is handed back (nothing can have been published)", async () => {
    const { userId, today } = await setup([{ text: "container never made" }]);
    await startUntil((req) => req.method === "POST" && req.path.endsWith("/threads"), never);
    expect(await env.engine.stop(100)).toEqual({ cutOff: 1, handedBack: 1, toCheck: 0, leftToCheck: 0 });
    expect(await today()).toMatchObject({ state: "planned", reason: "handed back: the scheduler stopped" });

    await nextStart();
    expect(publishedTexts(env.sandbox, userId)).toEqual(["container never made"]);
  });

  it("a run waiting for its media is handed back at once, and its polling ends with the stop", async () => {
    const { userId, today } = await setup([
      { text: "with a picture", media: [{ kind: "IMAGE", url: "https://example.com/a.jpg" }] },
    ]);
    // Threads never finishes the container: the run waits (without a pool slot) until the stop.
    env.sleep = () => new Promise((resolve) => setTimeout(resolve, 5));
    await startUntil(
      (req) => req.method === "GET" && req.params.get("fields") === "id,status,error_message",
      "pass",
    );
    // A timeout far beyond the test's own: the stop must not wait for it.
    expect(await env.engine.stop(10 * MINUTE)).toEqual({
      cutOff: 0,
      handedBack: 0,
      toCheck: 0,
      leftToCheck: 0,
    });
    expect(await today()).toMatchObject({ state: "planned", reason: "handed back: the scheduler stopped" });
    const after = env.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(env.requests.length, "no poll after the stop").toBe(after);
    expect(env.sandbox.published(userId)).toEqual([]);
  });

  it("permalink lookups end at once: the stop does not wait for them and the post stays published", async () => {
    const { userId, today } = await setup([{ text: "published, link pending" }]);
    const lookup = (req: SeenRequest) =>
      req.method === "GET" && req.params.get("fields") === "id,permalink" && !isPublish(req);
    await startUntil(lookup, never);
    expect(await env.engine.stop(10 * MINUTE)).toEqual({
      cutOff: 0,
      handedBack: 0,
      toCheck: 0,
      leftToCheck: 0,
    });
    expect(await today()).toMatchObject({ state: "published" });
    expect(publishedTexts(env.sandbox, userId)).toEqual(["published, link pending"]);
  });
  it("a run cut off mid-chain on an account then paused is still checked and finished, not skipped", async () => {
    // `accounts remove` refuses while a post is being checked and advises pausing; pausing must not turn the
    // check into a skip (the history would say nothing was posted while part 2 is on Threads).
    env = await createEngineEnv(dialect, { start: START, timeoutMs: 60_000 });
    const { account, userId } = await env.addAccount();
    await env.addGroup(account.id, [{ text: "part one" }, { text: "part two" }]);
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    await env.runAt(TEN - MINUTE);
    const today = async () => (await env.runs({ scheduleId })).find((run) => run.due_at === TEN)!;
    let publishes = 0;
    const secondPublish = startUntil((req) => isPublish(req) && ++publishes === 2, "hang-after");
    await secondPublish;
    await env.until(() => env.sandbox.published(userId).length === 2, "both parts on Threads");
    await env.engine.stop(200);
    expect((await today()).state).toBe("needs_check");
    await expect(env.services.accounts.remove(account.id)).rejects.toThrow(/Pause the account/);
    await env.services.accounts.pause(account.id);

    await nextStart();
    expect(await today()).toMatchObject({ state: "published" });
    expect(publishedTexts(env.sandbox, userId)).toEqual(["part one", "part two"]);
    const parts = await env.db.selectFrom("publication_parts").select("state").orderBy("position").execute();
    expect(parts.map((p) => p.state)).toEqual(["published", "published"]);
    // A new run of the paused account is skipped as before.
    env.clock.set(TEN + 24 * 60 * MINUTE);
    await nextStart();
    const tomorrow = (await env.runs({ scheduleId })).find((run) => run.due_at === TEN + 24 * 60 * MINUTE);
    expect(tomorrow).toMatchObject({ state: "skipped" });
  });
});
