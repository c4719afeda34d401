/**
 * Reply management, location search and ghost posts: the Threads client against the sandbox over real HTTP
 * (replies by other people are seeded through the sandbox's admin API, as a fan would write them).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { ThreadsClient } from "../src/threads/client.js";
import { authorizeLink, THREADS_SCOPES } from "../src/threads/scopes.js";

const START = Date.parse("2026-06-01T00:00:00Z");
const HOUR_MS = 3_600_000;

let clock: FakeClock;
let running: RunningSandbox;
let client: ThreadsClient;

beforeEach(async () => {
  clock = new FakeClock(START);
  running = await startSandbox({ clock, port: 0 });
  client = new ThreadsClient({ graphUrl: running.url, clock, sleep: async (ms) => clock.advance(ms) });
});

afterEach(async () => {
  await running.close();
});

async function publishText(user: { accessToken: string; userId: string }, text: string, replyToId?: string) {
  const containerId = await client.createContainer(user.accessToken, user.userId, {
    mediaType: "TEXT",
    text,
    ...(replyToId ? { replyToId } : {}),
  });
  return client.publishContainer(user.accessToken, user.userId, containerId);
}

describe("replies to a post", () => {
  it("lists top-level replies by others with their hide status; hiding and unhiding a top-level reply", async () => {
    const alice = running.sandbox.createUser({ username: "alice" });
    const post = await publishText(alice, "新しい記事を書きました");
    const first = running.sandbox.seedReply({ replyToId: post, username: "fan_1", text: "いいね！" });
    clock.advance(1000);
    const second = running.sandbox.seedReply({ replyToId: post, username: "fan_2", text: "Nice 👍" });
    const nested = running.sandbox.seedReply({ replyToId: first, username: "fan_2", text: "同意" });

    const page = await client.listPostReplies(alice.accessToken, post);
    expect(page.data.map((r) => r.id)).toEqual([second, first]);
    expect(page.data[1]).toMatchObject({
      id: first,
      username: "fan_1",
      text: "いいね！",
      hideStatus: "NOT_HUSHED",
      hasReplies: true,
      mediaType: "TEXT_POST",
    });
    expect(page.data[1]!.permalink).toMatch(/\/@fan_1\/post\//);
    expect(page.after).toBeUndefined();

    await client.hideReply(alice.accessToken, first, true);
    const hidden = await client.listPostReplies(alice.accessToken, post);
    expect(hidden.data.find((r) => r.id === first)?.hideStatus).toBe("HIDDEN");
    // Hiding a top-level reply hides its nested replies with it.
    const nestedRead = await client.getMedia(alice.accessToken, nested, ["id", "hide_status"]);
    expect(nestedRead).toMatchObject({ hide_status: "HIDDEN" });

    await client.hideReply(alice.accessToken, first, false);
    const shown = await client.listPostReplies(alice.accessToken, post);
    expect(shown.data.find((r) => r.id === first)?.hideStatus).toBe("UNHUSHED");
    expect(shown.data.find((r) => r.id === second)?.hideStatus).toBe("NOT_HUSHED");
  });

  it("refuses to hide a nested reply, a post, or a reply to someone else's post", async () => {
    const alice = running.sandbox.createUser({ username: "alice" });
    const bob = running.sandbox.createUser({ username: "bob" });
    const post = await publishText(alice, "hello");
    const top = running.sandbox.seedReply({ replyToId: post, text: "top" });
    const nested = running.sandbox.seedReply({ replyToId: top, text: "nested" });

    const nestedError = await client.hideReply(alice.accessToken, nested, true).catch((e) => e);
    expect(nestedError).toMatchObject({ name: "ThreadsApiError", kind: "permanent", code: 100 });
    expect(nestedError.message).toContain("nested deeper than the top-level reply");

    const postError = await client.hideReply(alice.accessToken, post, true).catch((e) => e);
    expect(postError).toMatchObject({ kind: "permanent", code: 100 });
    expect(postError.message).toContain("not a reply");

    const othersError = await client.hideReply(bob.accessToken, top, true).catch((e) => e);
    expect(othersError).toMatchObject({ kind: "permanent", code: 10 });
    expect(othersError.message).toContain("only the author");

    const unknown = await client.hideReply(alice.accessToken, "1805999", true).catch((e) => e);
    expect(unknown).toMatchObject({ code: 100, subcode: 33 });
  });

  it("pages through many replies with the after cursor", async () => {
    const alice = running.sandbox.createUser({ username: "alice" });
    const post = await publishText(alice, "popular");
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(running.sandbox.seedReply({ replyToId: post, username: `fan_${i}`, text: `reply ${i}` }));
      clock.advance(1000);
    }
    const first = await client.listPostReplies(alice.accessToken, post);
    expect(first.data).toHaveLength(25);
    expect(first.after).toBeDefined();
    const second = await client.listPostReplies(alice.accessToken, post, { after: first.after! });
    expect(second.data).toHaveLength(5);
    expect(second.after).toBeUndefined();
    expect([...first.data, ...second.data].map((r) => r.id)).toEqual(ids.reverse());
  });
});

describe("reply approvals", () => {
  it("keeps replies to a post with reply approvals pending until approved; ignored ones can be approved later", async () => {
    const alice = running.sandbox.createUser({ username: "alice" });
    const post = running.sandbox.seedPost({
      userId: alice.userId,
      text: "承認制の投稿",
      replyApprovals: true,
    });
    const a = running.sandbox.seedReply({ replyToId: post, username: "fan_1", text: "first" });
    const b = running.sandbox.seedReply({ replyToId: post, username: "fan_2", text: "second" });

    expect((await client.listPostReplies(alice.accessToken, post)).data).toEqual([]);
    const pending = await client.listPendingReplies(alice.accessToken, post, { status: "pending" });
    expect(pending.data.map((r) => [r.id, r.approvalStatus])).toEqual([
      [b, "pending"],
      [a, "pending"],
    ]);

    await client.managePendingReply(alice.accessToken, a, true);
    await client.managePendingReply(alice.accessToken, b, false);
    expect((await client.listPostReplies(alice.accessToken, post)).data.map((r) => r.id)).toEqual([a]);
    expect((await client.listPendingReplies(alice.accessToken, post)).data).toEqual([]);
    const ignored = await client.listPendingReplies(alice.accessToken, post, { status: "ignored" });
    expect(ignored.data.map((r) => [r.id, r.approvalStatus])).toEqual([[b, "ignored"]]);

    await client.managePendingReply(alice.accessToken, b, true);
    expect((await client.listPostReplies(alice.accessToken, post)).data.map((r) => r.id).sort()).toEqual(
      [a, b].sort(),
    );
    const again = await client.managePendingReply(alice.accessToken, a, true).catch((e) => e);
    expect(again).toMatchObject({ kind: "permanent", code: 100 });
    expect(again.message).toContain("not awaiting approval");
  });

  it("only the post's author sees and manages its pending replies", async () => {
    const alice = running.sandbox.createUser({ username: "alice" });
    const bob = running.sandbox.createUser({ username: "bob" });
    const post = running.sandbox.seedPost({ userId: alice.userId, text: "p", replyApprovals: true });
    const reply = running.sandbox.seedReply({ replyToId: post, text: "hi" });
    const list = await client.listPendingReplies(bob.accessToken, post).catch((e) => e);
    expect(list).toMatchObject({ code: 10 });
    const manage = await client.managePendingReply(bob.accessToken, reply, true).catch((e) => e);
    expect(manage).toMatchObject({ code: 10 });
    expect(manage.message).toContain("only the author");
  });

  it("a refusal for a missing scope names the scope to grant and says to reconnect", async () => {
    const alice = running.sandbox.createUser({
      username: "alice",
      scopes: ["threads_basic", "threads_content_publish"],
    });
    const post = await publishText(alice, "p");
    const read = await client.listPostReplies(alice.accessToken, post).catch((e) => e);
    expect(read).toMatchObject({ name: "ThreadsApiError", kind: "permanent", code: 10 });
    expect(read.message).toContain("needs the threads_read_replies permission");
    expect(read.message).toContain("reconnect");
    const hide = await client.hideReply(alice.accessToken, post, true).catch((e) => e);
    expect(hide.message).toContain("needs the threads_manage_replies permission");
    const places = await client.searchLocations(alice.accessToken, { q: "渋谷" }).catch((e) => e);
    expect(places.message).toContain("needs the threads_location_tagging permission");
  });
});

describe("location search", () => {
  it("finds places by name or address, Japanese included, case-insensitively", async () => {
    const user = running.sandbox.createUser();
    const shibuya = await client.searchLocations(user.accessToken, { q: "渋谷" });
    expect(shibuya.length).toBeGreaterThanOrEqual(3);
    for (const place of shibuya) {
      expect(`${place.name} ${place.address ?? ""} ${place.city ?? ""}`).toContain("渋谷");
    }
    const hq = await client.searchLocations(user.accessToken, { q: "menlo PARK" });
    expect(hq.map((p) => p.name)).toContain("Facebook Headquarters");
    expect(hq[0]).toMatchObject({ city: "Menlo Park", country: "United States" });
    expect(hq[0]!.id).toMatch(/^\d+$/);
    expect(await client.searchLocations(user.accessToken, { q: "no such place anywhere" })).toEqual([]);
  });

  it("orders by distance from a point, nearest first", async () => {
    const user = running.sandbox.createUser();
    // Near Kyoto Station: Kyoto places come before Tokyo ones.
    const near = await client.searchLocations(user.accessToken, { latitude: 34.9858, longitude: 135.7588 });
    expect(near[0]!.name).toBe("京都駅");
    expect(near.slice(0, 3).every((p) => p.city?.includes("京都") || p.city?.includes("Kyoto"))).toBe(true);
    // q and a point together: matches of q, nearest first.
    const stations = await client.searchLocations(user.accessToken, {
      q: "station",
      latitude: 35.681,
      longitude: 139.767,
    });
    expect(stations[0]!.name).toBe("Tokyo Station");
  });

  it("refuses a search without q or a full point, and reads one place by id", async () => {
    const user = running.sandbox.createUser();
    const none = await client.searchLocations(user.accessToken, {}).catch((e) => e);
    expect(none).toMatchObject({ kind: "permanent", code: 100 });
    const half = await client.searchLocations(user.accessToken, { latitude: 35 }).catch((e) => e);
    expect(half.message).toContain("latitude and longitude go together");
    const [tower] = await client.searchLocations(user.accessToken, { q: "東京タワー" });
    const place = await client.getLocation(user.accessToken, tower!.id);
    expect(place).toEqual({
      id: tower!.id,
      name: "東京タワー",
      address: "芝公園4丁目2-8",
      city: "港区",
      country: "Japan",
      latitude: 35.6586,
      longitude: 139.7454,
      postalCode: "105-0011",
    });
  });
});

describe("ghost posts", () => {
  it("lists the user's ghost posts, active and archived by the sandbox clock, with their expiry", async () => {
    const alice = running.sandbox.createUser({ username: "alice" });
    const bob = running.sandbox.createUser({ username: "bob" });
    const old = running.sandbox.seedPost({
      userId: alice.userId,
      text: "yesterday's ghost",
      isGhostPost: true,
      ageMs: 30 * HOUR_MS,
    });
    const fresh = running.sandbox.seedPost({ userId: alice.userId, text: "👻 今だけ", isGhostPost: true });
    running.sandbox.seedPost({ userId: alice.userId, text: "a normal post" });
    running.sandbox.seedPost({ userId: bob.userId, text: "bob's ghost", isGhostPost: true });

    const page = await client.listGhostPosts(alice.accessToken, alice.userId);
    expect(page.data.map((p) => [p.id, p.status])).toEqual([
      [fresh, "ACTIVE"],
      [old, "ARCHIVED"],
    ]);
    expect(page.data[0]).toMatchObject({ text: "👻 今だけ", expiresAt: START + 24 * HOUR_MS });
    expect(page.data[1]!.expiresAt).toBe(START - 6 * HOUR_MS);

    clock.advance(24 * HOUR_MS);
    const later = await client.listGhostPosts(alice.accessToken, "me");
    expect(later.data.map((p) => p.status)).toEqual(["ARCHIVED", "ARCHIVED"]);

    const others = await client.listGhostPosts(alice.accessToken, bob.userId).catch((e) => e);
    expect(others).toMatchObject({ code: 100, subcode: 33 });
  });
});

describe("the admin API that seeds replies and posts", () => {
  const admin = (path: string, body: unknown) =>
    fetch(`${running.url}/__sandbox/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("seeds a reply from a made-up user over HTTP, pending when asked, and says what is wrong", async () => {
    const alice = running.sandbox.createUser({ username: "alice" });
    const post = await publishText(alice, "hello");
    const created = await admin("replies", {
      reply_to_id: post,
      username: "fan_9",
      text: "hi!",
      pending: true,
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; username: string; approval_status: string };
    expect(body).toMatchObject({ username: "fan_9", approval_status: "pending", reply_to_id: post });
    const pending = await client.listPendingReplies(alice.accessToken, post);
    expect(pending.data.map((r) => [r.id, r.username])).toEqual([[body.id, "fan_9"]]);

    expect((await admin("replies", { reply_to_id: "1805000", text: "x" })).status).toBe(404);
    const noText = await admin("replies", { reply_to_id: post });
    expect(noText.status).toBe(400);
    expect(await noText.json()).toEqual({ error: "text is required." });
  });

  it("seeds a ghost post of a user as if published hours ago", async () => {
    const alice = running.sandbox.createUser({ username: "alice" });
    const created = await admin("posts", {
      user_id: alice.userId,
      text: "boo",
      is_ghost_post: true,
      age_seconds: 25 * 3600,
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const page = await client.listGhostPosts(alice.accessToken, alice.userId);
    expect(page.data).toEqual([expect.objectContaining({ id, text: "boo", status: "ARCHIVED" })]);
    expect((await admin("posts", { user_id: "nobody", text: "x" })).status).toBe(404);
  });
});

describe("the OAuth scopes the app asks for", () => {
  it("the sandbox's consent page takes the app's authorize link, and the token holds every scope asked for", async () => {
    const redirectUri = "http://127.0.0.1:9/oauth/callback";
    const link = new URL(
      authorizeLink({
        authorizeUrl: `${running.url}/oauth/authorize`,
        appId: "sandbox-app-id",
        redirectUri,
        state: "st",
      }),
    );
    const page = await fetch(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const scope of THREADS_SCOPES) expect(html).toContain(scope);

    const decided = await fetch(`${running.url}/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({
        ...Object.fromEntries(link.searchParams),
        decision: "allow",
        username: "newcomer",
      }),
    });
    expect(decided.status).toBe(302);
    const code = new URL(decided.headers.get("location")!).searchParams.get("code")!;
    const oauthClient = new ThreadsClient({
      graphUrl: running.url,
      appId: "sandbox-app-id",
      appSecret: "sandbox-app-secret",
      redirectUri,
    });
    const grant = await oauthClient.exchangeCode(code);
    const info = await oauthClient.debugToken(grant.accessToken);
    expect([...(info.scopes ?? [])].sort()).toEqual([...THREADS_SCOPES].sort());
    // The scopes are enough for everything this feature calls.
    const places = await oauthClient.searchLocations(grant.accessToken, { q: "Menlo Park" });
    expect(places.length).toBeGreaterThan(0);
  });
});

describe("where a reply sits, read by another user (what `replies hide` looks up after a refusal)", () => {
  it("GET /{reply-id}?fields=replied_to,root_post,username answers any token; the root post names its author", async () => {
    const alice = running.sandbox.createUser({ username: "alice" });
    const bob = running.sandbox.createUser({ username: "bob" });
    const post = await publishText(alice, "alice's post");
    const top = running.sandbox.seedReply({ replyToId: post, username: "fan_1", text: "top" });
    const nested = running.sandbox.seedReply({ replyToId: top, username: "fan_2", text: "nested" });

    const refused = await client.hideReply(bob.accessToken, top, true).catch((e) => e);
    expect(refused).toMatchObject({ name: "ThreadsApiError", code: 10 });
    expect(refused.message).toContain("only the author");

    const read = await client.getMedia(bob.accessToken, nested, [
      "id",
      "replied_to",
      "root_post",
      "username",
    ]);
    expect(read).toMatchObject({
      id: nested,
      replied_to: { id: top },
      root_post: { id: post },
      username: "fan_2",
    });
    const root = await client.getMedia(bob.accessToken, post, ["id", "username"]);
    expect(root).toMatchObject({ id: post, username: "alice" });
  });
});
