/** The replies service on both dialects, against the sandbox over HTTP: paging, the cap, paused accounts, ghost expiry. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../src/app/create-app.js";
import { FakeClock } from "../src/clock.js";
import { LIST_CAP } from "../src/replies/replies.service.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { ThreadsClient } from "../src/threads/client.js";
import { createTestApp } from "./helpers/app.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";

const START = Date.parse("2026-03-01T00:00:00Z");
const HOUR_MS = 3_600_000;

describe.each(DIALECTS)("replies service on %s", (dialect) => {
  let t: TestDb;
  let clock: FakeClock;
  let running: RunningSandbox;
  let app: App;

  beforeEach(async () => {
    t = await createTestDb(dialect);
    clock = new FakeClock(START);
    running = await startSandbox({ clock, port: 0 });
    const client = new ThreadsClient({ graphUrl: running.url, clock });
    app = createTestApp(t, clock, {
      threads: { client, mode: "remote", graphUrl: running.url, canExchangeTokens: false },
    });
  });
  afterEach(async () => {
    await running.close();
    await t.destroy();
  });

  async function account(username: string) {
    const user = running.sandbox.createUser({ username });
    const added = await app.services.accounts.addWithToken(user.accessToken, { timezone: "Asia/Tokyo" });
    return { id: added.account.id, user };
  }

  it("reads every page of replies up to the cap, newest first, and says when it stopped", async () => {
    const { id, user } = await account("hanako");
    const post = running.sandbox.seedPost({ userId: user.userId, text: "人気の投稿" });
    const ids: string[] = [];
    for (let i = 0; i < LIST_CAP + 5; i++) {
      ids.push(running.sandbox.seedReply({ replyToId: post, username: `fan_${i % 7}`, text: `#${i}` }));
      clock.advance(1000);
    }
    const listing = await app.services.replies.listReplies({ accountId: id, target: post });
    expect(listing).toMatchObject({ mediaId: post, runId: null, status: "visible", truncated: true });
    expect(listing.replies.map((r) => r.id)).toEqual(ids.slice(-LIST_CAP).reverse());

    const few = running.sandbox.seedPost({ userId: user.userId, text: "静かな投稿" });
    running.sandbox.seedReply({ replyToId: few, text: "one" });
    const small = await app.services.replies.listReplies({ accountId: id, target: few });
    expect(small).toMatchObject({ truncated: false, replies: [expect.objectContaining({ text: "one" })] });
  });

  it("a paused account can still manage its replies; a removed one cannot", async () => {
    const { id, user } = await account("hanako");
    const post = running.sandbox.seedPost({ userId: user.userId, text: "p" });
    const reply = running.sandbox.seedReply({ replyToId: post, text: "r" });
    await app.services.accounts.pause(id);
    await app.services.replies.hideReply(id, reply, true);
    const listing = await app.services.replies.listReplies({ accountId: id, target: post });
    expect(listing.replies[0]).toMatchObject({ id: reply, hideStatus: "HIDDEN" });

    await app.services.accounts.remove(id);
    await expect(app.services.replies.hideReply(id, reply, false)).rejects.toMatchObject({
      name: "AppError",
      code: "not_found",
    });
  });

  it("a run id resolves only to a run of the same account", async () => {
    const { id } = await account("hanako");
    await expect(app.services.replies.listReplies({ accountId: id, target: "42" })).rejects.toMatchObject({
      code: "not_found",
      message: "Run 42 does not exist.",
    });
    await expect(app.services.replies.listReplies({ accountId: id, target: "12ab" })).rejects.toMatchObject({
      code: "invalid_input",
      field: "target",
    });
  });

  it("ghost posts turn archived 24 h after posting, by the sandbox's clock", async () => {
    const { id, user } = await account("hanako");
    const ghost = running.sandbox.seedPost({ userId: user.userId, text: "👻", isGhostPost: true });
    const now = await app.services.replies.listGhostPosts(id);
    expect(now.posts).toEqual([
      {
        id: ghost,
        text: "👻",
        permalink: expect.stringContaining("/@hanako/post/"),
        publishedAt: START,
        expiresAt: START + 24 * HOUR_MS,
        status: "active",
      },
    ]);
    clock.advance(24 * HOUR_MS);
    expect((await app.services.replies.listGhostPosts(id)).posts[0]!.status).toBe("archived");
  });

  it("refuses a location search with nothing to search for, and a point off the globe", async () => {
    const { id } = await account("hanako");
    await expect(app.services.replies.searchLocations({ accountId: id, q: "  " })).rejects.toMatchObject({
      code: "invalid_input",
    });
    await expect(
      app.services.replies.searchLocations({ accountId: id, near: { latitude: 91, longitude: 0 } }),
    ).rejects.toMatchObject({ code: "invalid_input", field: "near" });
    const places = await app.services.replies.searchLocations({
      accountId: id,
      q: "tokyo",
      near: { latitude: 35.71, longitude: 139.81 },
    });
    expect(places[0]!.name).toBe("Tokyo Skytree");
  });

  it("a permission the account was connected without (code 10): the hint is to reconnect it", async () => {
    const user = running.sandbox.createUser({
      username: "hanako",
      scopes: ["threads_basic", "threads_content_publish"],
    });
    const { account } = await app.services.accounts.addWithToken(user.accessToken, {
      timezone: "Asia/Tokyo",
    });
    const refused = await app.services.replies
      .searchLocations({ accountId: account.id, q: "渋谷" })
      .catch((e) => e);
    expect(refused).toMatchObject({
      code: "threads_error",
      hint: { action: "reconnect_account", accountId: account.id },
    });
    expect(refused.message).toContain("threads_location_tagging");
  });

  it("a reply under a post of someone outside this install: only the author can manage it, no reconnect advice", async () => {
    const { id } = await account("hanako");
    const stranger = running.sandbox.createUser({ username: "stranger" });
    const post = running.sandbox.seedPost({ userId: stranger.userId, text: "not ours" });
    const reply = running.sandbox.seedReply({ replyToId: post, text: "r" });
    const refused = await app.services.replies.hideReply(id, reply, true).catch((e) => e);
    expect(refused).toMatchObject({ name: "AppError", code: "conflict" });
    expect(refused.message).toBe(
      `Only the author of the post can hide or unhide its replies: reply ${reply} is under a post of @stranger, not of @hanako.`,
    );
    expect(refused.hint).toBeUndefined();
    const approve = await app.services.replies.approveReply(id, reply, true).catch((e) => e);
    expect(approve.message).toContain("Only the author of the post can approve or ignore its replies");
  });

  it("a reply under a post of another account of this install names that account", async () => {
    const hanako = await account("hanako");
    const taro = await account("taro");
    const post = running.sandbox.seedPost({
      userId: hanako.user.userId,
      text: "hanako's",
      replyApprovals: true,
    });
    const reply = running.sandbox.seedReply({ replyToId: post, text: "r" });
    const refused = await app.services.replies.approveReply(taro.id, reply, true).catch((e) => e);
    expect(refused).toMatchObject({ code: "conflict" });
    expect(refused.message).toBe(
      `Reply ${reply} is under a post of account ${hanako.id} (@hanako), not of @taro; use --account ${hanako.id}.`,
    );
    await app.services.replies.approveReply(hanako.id, reply, true);
  });

  it("a nested reply cannot be hidden: the error names the top-level reply, found up the replied_to chain", async () => {
    const { id, user } = await account("hanako");
    const post = running.sandbox.seedPost({ userId: user.userId, text: "p" });
    const top = running.sandbox.seedReply({ replyToId: post, text: "top" });
    const mid = running.sandbox.seedReply({ replyToId: top, text: "mid" });
    const deep = running.sandbox.seedReply({ replyToId: mid, text: "deep" });
    for (const nested of [mid, deep]) {
      const refused = await app.services.replies.hideReply(id, nested, true).catch((e) => e);
      expect(refused).toMatchObject({ code: "invalid_input", field: "replyId" });
      expect(refused.message).toContain(
        `a nested reply cannot be hidden alone; hide its top-level reply ${top} (which hides it too)`,
      );
    }
  });

  it("lists the visible replies with how many await approval (one page of pending replies)", async () => {
    const { id, user } = await account("hanako");
    const post = running.sandbox.seedPost({ userId: user.userId, text: "承認制", replyApprovals: true });
    running.sandbox.seedReply({ replyToId: post, text: "a" });
    running.sandbox.seedReply({ replyToId: post, text: "b" });
    running.sandbox.seedReply({ replyToId: post, text: "shown", pending: false });
    const listing = await app.services.replies.listReplies({ accountId: id, target: post });
    expect(listing.replies.map((r) => r.text)).toEqual(["shown"]);
    expect(listing.pending).toEqual({ count: 2, more: false });
    const pending = await app.services.replies.listReplies({
      accountId: id,
      target: post,
      status: "pending",
    });
    expect(pending.pending).toBeNull();
  });
});
