/**
 * Repost and quote schedules run by the engine through the real sandbox, on both databases: the chosen post
 * is reposted once and the repost's own id recorded; a crash between the repost call and its answer is
 * reconciled from /me/threads without a second repost; a source gone from Threads is skipped with the
 * reason and the next run picks another; a quote publishes the group's text with quote_post_id; the
 * cooldown holds.
 */
import { afterEach, describe, expect, it } from "vitest";
import { postNow } from "../src/scheduler/post-now.js";
import type { PostPart } from "../src/threads/post.js";
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

  /**
   * An account whose post schedule publishes `texts` on the first day (10:00, 10:30, …) and then stops; a
   * text may be a group's parts instead (a ghost post).
   */
  async function setup(texts: Array<string | PostPart[]>) {
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
    expect(posts.map((p) => p.text)).toEqual(texts.map((t) => (typeof t === "string" ? t : t[0]!.text)));
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

  it("a node killed before its repost call left: not found in /me/threads, never reposted again, the user is asked to check", async () => {
    const { account, userId } = await setup(["never sent"]);
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

    // Whether the call left cannot be told from a listing that lags: it is never sent a second time (a
    // second repost could undo the first), and the reason says what to look at.
    await env.stepTo(TWELVE + 30 * MINUTE, 30_000);
    const still = await runAtTwelve(scheduleId);
    expect(still.state).toBe("needs_check");
    expect(still.reason).toMatch(
      /may or may not have gone through: it is not in \/me\/threads \d+ minutes after the call/,
    );
    expect(still.reason).toContain("It is not sent again");
    expect(still.reason).toContain("Check the account's Reposts tab on Threads");
    expect(env.requests.filter((r) => r.path.endsWith("/repost"))).toHaveLength(1);
    expect(env.sandbox.published(userId)).toHaveLength(1);
  });

  it("a repost that landed while the node died, behind a lagging listing: no second POST /repost; found once listed", async () => {
    const { account, userId, posts } = await setup(["listed late"]);
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "repost",
      recycle: { minAgeMinutes: 60 },
    });
    // /me/threads leaves reposts out until LISTED_AT: a listing that lags behind the repost.
    const LISTED_AT = TWELVE + 40 * MINUTE;
    const fetch = env.sandbox.app.fetch;
    env.sandbox.app.fetch = async (request: Request, ...rest: unknown[]) => {
      const response = await fetch(request, ...(rest as []));
      const path = new URL(request.url).pathname;
      if (request.method !== "GET" || !/\/threads$/.test(path) || env.clock.now() >= LISTED_AT)
        return response;
      const body = (await response.json()) as { data?: Array<{ media_type?: string }> };
      body.data = body.data?.filter((m) => m.media_type !== "REPOST_FACADE");
      return Response.json(body, { status: response.status });
    };
    const dead = await env.newEngine("dead-node");
    env.intercept = (req) => (req.path.endsWith("/repost") ? "hang-after" : "pass");
    env.clock.set(TWELVE);
    await dead.tick();
    await env.until(() => env.sandbox.published(userId).length === 2, "the dead node's repost to land");
    env.intercept = undefined;

    await env.stepTo(TWELVE + 30 * MINUTE, 30_000);
    const checking = await runAtTwelve(scheduleId);
    expect(checking.state).toBe("needs_check");
    expect(checking.reason).toContain("may or may not have gone through");
    expect(env.requests.filter((r) => r.path.endsWith("/repost"))).toHaveLength(1);

    // The listing catches up: the repost is recorded, still the only one.
    await env.stepTo(LISTED_AT + 10 * MINUTE, 30_000);
    const repost = env.sandbox.published(userId)[1]!;
    expect(repost.repostedPostId).toBe(posts[0]!.id);
    expect(repost.deletedAt).toBeUndefined();
    expect(await runAtTwelve(scheduleId)).toMatchObject({ state: "published" });
    const part = await env.db
      .selectFrom("publication_parts")
      .innerJoin("publications", "publications.id", "publication_parts.publication_id")
      .selectAll("publication_parts")
      .where("publications.action", "=", "repost")
      .executeTakeFirstOrThrow();
    expect(part).toMatchObject({ state: "published", media_id: repost.id });
    expect(env.requests.filter((r) => r.path.endsWith("/repost"))).toHaveLength(1);
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

  it("a 100/33 on the repost of a post that still reads is not a source gone: it only rests for the cooldown", async () => {
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

    // A refused post rests for the cooldown like a recycled one (not "gone": it is picked again after it); the
    // next day reposts the other post.
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

  const repostCalls = (mediaId: string) =>
    env.requests.filter((r) => r.method === "POST" && r.path === `/v1.0/${mediaId}/repost`);

  it("never picks a ghost post; one whose group no longer says so is refused once and rests for the cooldown", async () => {
    const { account, userId, posts, groups } = await setup([
      [{ text: "gone in a day", is_ghost_post: true }],
      "evergreen",
    ]);
    expect(posts[0]).toMatchObject({ isGhostPost: true });
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "repost",
      recycle: { from: "oldest", minAgeMinutes: 60, cooldownMinutes: 3 * 24 * 60 },
    });
    // The ghost post is the oldest: still the other one is reposted.
    await env.runAt(TWELVE);
    expect(await runAtTwelve(scheduleId)).toMatchObject({
      state: "published",
      source_media_id: posts[1]!.id,
    });
    // Day 2: the only other post has a live repost: nothing to repost, the ghost post is never tried.
    await env.runAt(TWELVE + DAY);
    expect((await runAtTwelve(scheduleId, 1)).reason).toMatch(
      /^nothing to repost: none of the account's 1 post /,
    );
    expect(repostCalls(posts[0]!.id)).toHaveLength(0);

    // The group is edited since (no longer a ghost post): its post is picked, Threads refuses it, and the
    // refusal is worded and rests the post for the cooldown instead of being picked again every run.
    await env.db
      .updateTable("post_parts")
      .set({ spec_json: JSON.stringify({ text: "gone in a day" }) })
      .where("group_id", "=", groups[0]!)
      .execute();
    await env.runAt(TWELVE + 2 * DAY);
    const refused = await runAtTwelve(scheduleId, 2);
    expect(refused).toMatchObject({ state: "failed", source_media_id: posts[0]!.id });
    expect(refused.reason).toBe(
      `Threads refused to repost post ${posts[0]!.id}: Post ${posts[0]!.id} is a ghost post; ghost posts cannot be reposted; the post is not picked again within the schedule's cooldown`,
    );
    await env.runAt(TWELVE + 3 * DAY);
    expect(await runAtTwelve(scheduleId, 3)).toMatchObject({ state: "skipped" });
    expect(repostCalls(posts[0]!.id)).toHaveLength(1);
    expect(env.sandbox.published(userId).filter((p) => p.repostedPostId === posts[0]!.id)).toHaveLength(0);
  });

  it("a post the user already reposted by hand: refused once with Meta's words, then the next post is reposted", async () => {
    const { account, userId, token, posts } = await setup(["reposted by hand", "not yet"]);
    const byHand = await env.threads.repost(token, posts[0]!.id);
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "repost",
      recycle: { from: "oldest", minAgeMinutes: 60 },
    });
    await env.runAt(TWELVE);
    const refused = await runAtTwelve(scheduleId);
    expect(refused).toMatchObject({ state: "failed", source_media_id: posts[0]!.id });
    expect(refused.reason).toMatch(
      new RegExp(
        `^Threads refused to repost post ${posts[0]!.id}: You have already reposted post ${posts[0]!.id} \\(repost ${byHand}\\); delete that repost first to repost it again; the post is not picked again`,
      ),
    );
    expect(refused.reason).not.toContain("Threads API error");
    // The hand-made repost is not taken for this run's: nothing of it is in the ledger.
    const recorded = await env.db.selectFrom("publication_parts").select("media_id").execute();
    expect(recorded.map((r) => r.media_id)).not.toContain(byHand);

    await env.runAt(TWELVE + DAY);
    expect(await runAtTwelve(scheduleId, 1)).toMatchObject({
      state: "published",
      source_media_id: posts[1]!.id,
    });
    // Day 3: the refused post rests for its 30-day cooldown, the other has a live repost.
    await env.runAt(TWELVE + 2 * DAY);
    expect(await runAtTwelve(scheduleId, 2)).toMatchObject({ state: "skipped" });
    expect(repostCalls(posts[0]!.id)).toHaveLength(2); // the hand repost and the one refused call
    expect(env.sandbox.published(userId).filter((p) => p.repostedPostId !== undefined)).toHaveLength(2);
  });

  it("two schedules of one account never pick the post another unfinished run chose", async () => {
    const { account, userId, posts } = await setup(["first", "second"]);
    const later = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["13:00"],
      action: "repost",
      recycle: { from: "oldest", minAgeMinutes: 60 },
    });
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "quote",
      groupIds: [await env.addGroup(account.id, "again", "quote text")],
      recycle: { from: "oldest", minAgeMinutes: 60 },
    });
    await env.runAt(TWELVE - MINUTE);
    // The 13:00 run chose the oldest post already (a retry waits, say): nothing of it is in the ledger yet.
    const thirteen = (await env.runs({ scheduleId: later })).find((r) => r.due_at === TWELVE + 60 * MINUTE)!;
    await env.db
      .updateTable("runs")
      .set({ source_media_id: posts[0]!.id })
      .where("id", "=", thirteen.id)
      .execute();
    await env.runAt(TWELVE);
    expect(await runAtTwelve(scheduleId)).toMatchObject({
      state: "published",
      source_media_id: posts[1]!.id,
    });
    await env.runAt(TWELVE + 60 * MINUTE);
    expect((await env.runs({ scheduleId: later })).find((r) => r.id === thirteen.id)).toMatchObject({
      state: "published",
      source_media_id: posts[0]!.id,
    });
    const out = env.sandbox.published(userId).slice(2);
    expect(out.map((p) => [p.quotePostId, p.repostedPostId])).toEqual([
      [posts[1]!.id, undefined],
      [undefined, posts[0]!.id],
    ]);
  });

  it("a repost schedule with delete-after: the repost is undone at its time and the post can be reposted again", async () => {
    const { account, userId, posts } = await setup(["again and again"]);
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "repost",
      recycle: { from: "oldest", minAgeMinutes: 60, cooldownMinutes: 12 * 60 },
      deleteAfterMinutes: 60,
    });
    await env.runAt(TWELVE);
    const first = env.sandbox.published(userId)[1]!;
    expect(first.repostedPostId).toBe(posts[0]!.id);
    await env.runAt(TWELVE + 60 * MINUTE);
    // The repost (its own id) is deleted, the reposted post stays.
    const deletes = env.requests.filter((r) => r.method === "DELETE").map((r) => r.path);
    expect(deletes).toEqual([`/v1.0/${first.id}`]);
    const [source, undone] = env.sandbox.published(userId);
    expect(undone).toMatchObject({ id: first.id, deletedAt: TWELVE + 60 * MINUTE });
    expect(source!.deletedAt).toBeUndefined();

    // Next day (out of the 12 h cooldown, no live repost left): reposted again, and undone again.
    await env.runAt(TWELVE + DAY);
    expect(await runAtTwelve(scheduleId, 1)).toMatchObject({
      state: "published",
      source_media_id: posts[0]!.id,
    });
    const reposts = env.sandbox.published(userId).filter((p) => p.repostedPostId === posts[0]!.id);
    expect(reposts).toHaveLength(2);
    expect(reposts[1]!.deletedAt).toBeUndefined();
    await env.runAt(TWELVE + DAY + 60 * MINUTE);
    expect(env.sandbox.published(userId).find((p) => p.id === reposts[1]!.id)!.deletedAt).toBe(
      TWELVE + DAY + 60 * MINUTE,
    );
    expect(env.sandbox.published(userId)[0]!.deletedAt).toBeUndefined();
  });

  it("a quote schedule with delete-after: the quote is deleted at its time, the quoted post stays", async () => {
    const { account, userId, posts } = await setup(["quoted for an hour"]);
    const quoteGroup = await env.addGroup(account.id, "for a while", "quote text");
    await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "quote",
      groupIds: [quoteGroup],
      recycle: { minAgeMinutes: 60 },
      deleteAfterMinutes: 90,
    });
    await env.runAt(TWELVE);
    const quote = env.sandbox.published(userId)[1]!;
    expect(quote).toMatchObject({ text: "for a while", quotePostId: posts[0]!.id });
    await env.runAt(TWELVE + 90 * MINUTE - 1000);
    expect(env.sandbox.published(userId)[1]!.deletedAt).toBeUndefined();
    await env.runAt(TWELVE + 90 * MINUTE);
    expect(env.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual([
      `/v1.0/${quote.id}`,
    ]);
    const [source, deleted] = env.sandbox.published(userId);
    expect(deleted!.deletedAt).toBe(TWELVE + 90 * MINUTE);
    expect(source!.deletedAt).toBeUndefined();
  });

  it("a quote schedule's group that quotes a post of its own is skipped with the reason, not rewritten", async () => {
    const { account, userId, posts } = await setup(["the one to quote", "quoted by the group"]);
    const quoteGroup = await env.addGroup(
      account.id,
      [{ text: "see this", quote_post_id: posts[1]!.id }],
      "own quote",
    );
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "quote",
      groupIds: [quoteGroup],
      recycle: { from: "oldest", minAgeMinutes: 60 },
    });
    await env.runAt(TWELVE);
    const run = await runAtTwelve(scheduleId);
    expect(run).toMatchObject({ state: "skipped", group_id: quoteGroup, source_media_id: posts[0]!.id });
    expect(run.reason).toBe(
      `post group ${quoteGroup} already quotes post ${posts[1]!.id} (quote_post_id on its first part), so it cannot quote post ${posts[0]!.id} for this quote schedule: remove quote_post_id from the group, or take the group out of the schedule`,
    );
    expect(env.sandbox.published(userId)).toHaveLength(2);
  });

  it("never quotes a ghost post published with `post` (the run's own stored post)", async () => {
    const { account, userId, posts } = await setup(["a lasting one"]);
    env.clock.set(TEN + 60 * MINUTE);
    const ghost = await postNow(
      {
        db: env.db,
        clock: env.clock,
        accounts: env.services.accounts,
        groups: env.services.groups,
        engine: env.engine,
      },
      { accountId: account.id, parts: [{ text: "just for today", is_ghost_post: true }] },
    );
    expect(ghost.state).toBe("published");
    const ghostPost = env.sandbox.published(userId)[1]!;
    expect(ghostPost).toMatchObject({ isGhostPost: true });
    const quoteGroup = await env.addGroup(account.id, "worth another look", "quote text");
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["12:00"],
      action: "quote",
      groupIds: [quoteGroup],
      recycle: { from: "random", minAgeMinutes: 30, cooldownMinutes: 60 },
    });
    for (const day of [0, 1, 2]) {
      await env.runAt(TWELVE + day * DAY);
      expect(await runAtTwelve(scheduleId, day)).toMatchObject({
        state: "published",
        source_media_id: posts[0]!.id,
      });
    }
    expect(env.sandbox.published(userId).filter((p) => p.quotePostId === ghostPost.id)).toHaveLength(0);
  });
});
