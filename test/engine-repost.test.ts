/**
 * Repost and quote schedules run by the engine through the real sandbox, on both databases: the chosen post
 * is reposted once and the repost's own id recorded; a crash between the repost call and its answer is
 * reconciled from /me/threads without a second repost; a source gone from Threads is skipped with the
 * reason and the next run picks another; a quote publishes the group's text with quote_post_id; the
 * cooldown holds.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, DAY, type EngineEnv, MINUTE } from "./helpers/engine.js";

/** Monday 2026-03-09. */
const START = "2026-03-09T09:00:00Z";
const TEN = Date.parse("2026-03-09T10:00:00Z");
const TWELVE = Date.parse("2026-03-09T12:00:00Z");
const LEASE_MS = 60_000;

describe.each(DIALECTS)("repost and quote schedules on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  /** An account whose post schedule publishes `texts` on the first day (10:00, 10:30, …) and then stops. */
  async function setup(texts: string[]) {
    env = await createEngineEnv(dialect, { start: START, engine: { leaseMs: LEASE_MS } });
    const { account, userId, token } = await env.addAccount();
    const groups: number[] = [];
    for (const [i, text] of texts.entries()) groups.push(await env.addGroup(account.id, text, `g${i}`));
    const times = texts.map((_, i) => `10:${String(i * 30).padStart(2, "0")}`);
    await env.addSchedule(account.id, {
      kind: "fixed",
      times,
      groupIds: groups,
      pick: "sequential",
      until: "2026-03-09",
    });
    await env.runAt(TEN - MINUTE);
    for (const [i] of texts.entries()) await env.runAt(TEN + i * 30 * MINUTE);
    const posts = env.sandbox.published(userId);
    expect(posts.map((p) => p.text)).toEqual(texts);
    return { account, userId, token, posts, groups };
  }

  const runAtTwelve = async (scheduleId: number, day = 0) =>
    (await env.runs({ scheduleId })).find((r) => r.due_at === TWELVE + day * DAY)!;

  it("reposts the chosen post once and records the repost's own id; the next day has nothing to repost", async () => {
    const { account, userId, posts } = await setup(["evergreen"]);
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "repost",
      recycle: { from: "oldest", minAgeMinutes: 60 },
    });
    await env.runAt(TWELVE);
    const all = env.sandbox.published(userId);
    expect(all).toHaveLength(2);
    const repost = all[1]!;
    expect(repost.repostedPostId).toBe(posts[0]!.id);

    expect(await runAtTwelve(scheduleId)).toMatchObject({
      state: "published",
      source_media_id: posts[0]!.id,
      group_id: null,
    });
    const publication = await env.db
      .selectFrom("publications")
      .selectAll()
      .where("action", "=", "repost")
      .executeTakeFirstOrThrow();
    expect(publication).toMatchObject({ state: "published", source_media_id: posts[0]!.id });
    const parts = await env.db
      .selectFrom("publication_parts")
      .selectAll()
      .where("publication_id", "=", publication.id)
      .execute();
    expect(parts).toEqual([
      expect.objectContaining({ state: "published", media_id: repost.id, permalink: repost.permalink }),
    ]);
    // One POST /repost in all.
    expect(env.requests.filter((r) => r.path.endsWith("/repost"))).toHaveLength(1);

    // Its only post has a live repost (and is in its cooldown): nothing to repost, said as the reason.
    await env.runAt(TWELVE + DAY);
    expect(await runAtTwelve(scheduleId, 1)).toMatchObject({ state: "skipped" });
    expect((await runAtTwelve(scheduleId, 1)).reason).toMatch(
      /^nothing to repost: none of the account's 1 post/,
    );
    expect(env.sandbox.published(userId)).toHaveLength(2);
  });

  it("a node killed after its repost reached Threads: the repost is found in /me/threads, not made again", async () => {
    const { account, userId, posts } = await setup(["once only"]);
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "repost",
      recycle: { minAgeMinutes: 60 },
    });
    const dead = await env.newEngine("dead-node");
    env.intercept = (req) => (req.path.endsWith("/repost") ? "hang-after" : "pass");
    env.clock.set(TWELVE);
    await dead.tick();
    await env.until(() => env.sandbox.published(userId).length === 2, "the dead node's repost to land");
    env.intercept = undefined;
    const [requested] = await env.db
      .selectFrom("publication_parts")
      .selectAll()
      .where("state", "=", "publish_requested")
      .execute();
    expect(requested).toMatchObject({ container_id: null, media_id: null });

    await env.runAt(TWELVE + LEASE_MS + 1000);
    const all = env.sandbox.published(userId);
    expect(all).toHaveLength(2);
    expect(all[1]!.repostedPostId).toBe(posts[0]!.id);
    expect(await runAtTwelve(scheduleId)).toMatchObject({ state: "published", locked_by: null });
    const part = await env.db
      .selectFrom("publication_parts")
      .selectAll()
      .where("id", "=", requested!.id)
      .executeTakeFirstOrThrow();
    expect(part).toMatchObject({ state: "published", media_id: all[1]!.id });
    expect(env.requests.filter((r) => r.path.endsWith("/repost"))).toHaveLength(1);
  });

  it("a node killed before its repost call left: not found in /me/threads, checked again, then reposted once", async () => {
    const { account, userId, posts } = await setup(["never sent"]);
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "repost",
      recycle: { minAgeMinutes: 60 },
    });
    const dead = await env.newEngine("dead-node");
    env.intercept = (req) => (req.path.endsWith("/repost") ? "hang-before" : "pass");
    env.clock.set(TWELVE);
    await dead.tick();
    await env.until(
      () => env.requests.some((r) => r.path.endsWith("/repost")),
      "the dead node's repost call",
    );
    env.intercept = undefined;

    // Right after the lease ran out, a repost not listed yet may still appear: checked again later.
    await env.runAt(TWELVE + LEASE_MS + 1000);
    const checking = await runAtTwelve(scheduleId);
    expect(checking.state).toBe("needs_check");
    expect(checking.reason).toContain("was not found in /me/threads yet");
    expect(env.sandbox.published(userId)).toHaveLength(1);

    await env.stepTo(TWELVE + 10 * MINUTE, 30_000);
    expect(await runAtTwelve(scheduleId)).toMatchObject({ state: "published" });
    expect(env.sandbox.published(userId).map((p) => p.repostedPostId)).toEqual([undefined, posts[0]!.id]);
  });

  it("a source gone from Threads is skipped with the reason; the next run picks another", async () => {
    const { account, userId, token, posts } = await setup(["first", "second"]);
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "repost",
      recycle: { from: "oldest", minAgeMinutes: 60 },
    });
    // Deleted on Threads by hand: the repost answers 100/33 and a read of the post confirms it is gone.
    const deleted = await env.sandbox.app.request(`/v1.0/${posts[0]!.id}?access_token=${token}`, {
      method: "DELETE",
    });
    expect(deleted.status).toBe(200);
    await env.runAt(TWELVE);
    const skipped = await runAtTwelve(scheduleId);
    expect(skipped).toMatchObject({ state: "skipped", source_media_id: posts[0]!.id });
    expect(skipped.reason).toMatch(
      new RegExp(
        `^the post to recycle is gone from Threads: post ${posts[0]!.id} .*the next run picks another$`,
      ),
    );
    expect(env.sandbox.published(userId)).toHaveLength(2);

    await env.runAt(TWELVE + DAY);
    expect(await runAtTwelve(scheduleId, 1)).toMatchObject({
      state: "published",
      source_media_id: posts[1]!.id,
    });
    expect(env.sandbox.published(userId).map((p) => p.repostedPostId)).toEqual([
      undefined,
      undefined,
      posts[1]!.id,
    ]);
  });

  it("a 100/33 on the repost of a post that still reads is not a source gone: the post is picked again", async () => {
    // Meta's 100/33 also means "cannot be loaded due to missing permissions, or does not support this operation".
    const { account, userId, posts } = await setup(["first", "second"]);
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "repost",
      recycle: { from: "oldest", minAgeMinutes: 60 },
    });
    env.sandbox.faults.add({
      kind: "error",
      path: `/v1.0/${posts[0]!.id}/repost`,
      method: "POST",
      error: {
        code: 100,
        subcode: 33,
        message: `Unsupported post request. Object with ID '${posts[0]!.id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      },
    });
    await env.runAt(TWELVE);
    const refused = await runAtTwelve(scheduleId);
    expect(refused).toMatchObject({ state: "failed", source_media_id: posts[0]!.id });
    expect(refused.reason).not.toMatch(/gone from Threads/);

    await env.runAt(TWELVE + DAY);
    expect(await runAtTwelve(scheduleId, 1)).toMatchObject({
      state: "published",
      source_media_id: posts[0]!.id,
    });
    expect(env.sandbox.published(userId).map((p) => p.repostedPostId)).toEqual([
      undefined,
      undefined,
      posts[0]!.id,
    ]);
  });

  it("a quote schedule publishes a group's text quoting the chosen post, and keeps its cooldown", async () => {
    const { account, userId, posts } = await setup(["worth quoting"]);
    const quoteGroup = await env.addGroup(account.id, "still true today", "quote text");
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "quote",
      groupIds: [quoteGroup],
      recycle: { from: "top", minAgeMinutes: 60, cooldownMinutes: 2 * 24 * 60 },
    });
    await env.runAt(TWELVE);
    const quote = env.sandbox.published(userId)[1]!;
    expect(quote).toMatchObject({ text: "still true today", quotePostId: posts[0]!.id });
    expect(await runAtTwelve(scheduleId)).toMatchObject({
      state: "published",
      group_id: quoteGroup,
      source_media_id: posts[0]!.id,
    });
    // `--from top` read the post's insights once and kept them.
    const snapshots = await env.db.selectFrom("insight_snapshots").selectAll().execute();
    expect(snapshots.map((s) => s.media_id)).toEqual([posts[0]!.id]);

    // Day 2: the only post is within its 2-day cooldown (the quote itself is no candidate).
    await env.runAt(TWELVE + DAY);
    const day2 = await runAtTwelve(scheduleId, 1);
    expect(day2).toMatchObject({ state: "skipped" });
    expect(day2.reason).toContain("out of the 2d cooldown");
    // Day 3: the cooldown is over.
    await env.runAt(TWELVE + 2 * DAY);
    expect(await runAtTwelve(scheduleId, 2)).toMatchObject({
      state: "published",
      source_media_id: posts[0]!.id,
    });
    expect(env.sandbox.published(userId).map((p) => p.quotePostId)).toEqual([
      undefined,
      posts[0]!.id,
      posts[0]!.id,
    ]);
  });

  it("a quote whose post is gone from Threads is skipped with the reason; the next run quotes another", async () => {
    const { account, userId, posts } = await setup(["deleted later", "still there"]);
    const quoteGroup = await env.addGroup(account.id, "a second look", "quote text");
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "quote",
      groupIds: [quoteGroup],
      recycle: { from: "oldest", minAgeMinutes: 60 },
    });
    env.sandbox.faults.add({
      kind: "error",
      path: `^/v1\\.0/${posts[0]!.id}$`,
      method: "GET",
      error: { code: 100, subcode: 33, message: `Object with ID '${posts[0]!.id}' does not exist` },
    });
    await env.runAt(TWELVE);
    const skipped = await runAtTwelve(scheduleId);
    expect(skipped).toMatchObject({ state: "skipped", source_media_id: posts[0]!.id });
    expect(skipped.reason).toMatch(
      /^the post to recycle is gone from Threads: post \d+ .*the next run picks another$/,
    );
    expect(env.sandbox.published(userId)).toHaveLength(2);

    await env.runAt(TWELVE + DAY);
    expect(await runAtTwelve(scheduleId, 1)).toMatchObject({
      state: "published",
      source_media_id: posts[1]!.id,
    });
    expect(env.sandbox.published(userId).at(-1)).toMatchObject({
      text: "a second look",
      quotePostId: posts[1]!.id,
    });
  });
});
