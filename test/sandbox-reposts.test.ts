/**
 * The sandbox's reposts (`POST /{media-id}/repost`) and quotes, over HTTP, and the client reading them back:
 * REPOST_FACADE with reposted_post, listed in /me/threads; the sandbox's own refusals.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { createRepost } from "../src/sandbox/reposts.js";
import { SandboxState } from "../src/sandbox/state.js";
import type { MediaRecord } from "../src/sandbox/types.js";
import { ThreadsClient } from "../src/threads/client.js";
import { isNotFoundRefusal, ThreadsApiError } from "../src/threads/errors.js";
import { postKindOf } from "../src/threads/response-mappers.js";

// biome-ignore lint/suspicious/noExplicitAny: Graph answers are arbitrary JSON that the tests index into.
type Json = any;

const T0 = Date.UTC(2026, 2, 9, 9, 0, 0);
let clock: FakeClock;
let running: RunningSandbox;
let token: string;
let userId: string;
let client: ThreadsClient;

beforeEach(async () => {
  clock = new FakeClock(T0);
  running = await startSandbox({ clock, mediaProcessingMs: 0 });
  ({ accessToken: token, userId } = running.sandbox.createUser({ username: "hanako" }));
  client = new ThreadsClient({ graphUrl: running.url, clock, sleep: async (ms) => clock.advance(ms) });
});
afterEach(() => running.close());

async function call(method: "GET" | "POST", path: string, params: Record<string, string> = {}, as = token) {
  const all = { access_token: as, ...params };
  const url = new URL(running.url + path);
  let body: URLSearchParams | undefined;
  if (method === "GET") for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  else body = new URLSearchParams(all);
  const res = await fetch(url, { method, body });
  return { status: res.status, body: (await res.json()) as Json };
}

async function textPost(text: string, extra: Record<string, string> = {}, as = token) {
  const container = await call("POST", "/v1.0/me/threads", { media_type: "TEXT", text, ...extra }, as);
  expect(container.status).toBe(200);
  const media = await call("POST", "/v1.0/me/threads_publish", { creation_id: container.body.id }, as);
  expect(media.status).toBe(200);
  return media.body.id as string;
}

async function refusal(promise: Promise<unknown>): Promise<ThreadsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ThreadsApiError);
  return error as ThreadsApiError;
}

describe("reposts", () => {
  it("reposts at once and reads back as REPOST_FACADE with reposted_post, in /me/threads and GET /{id}", async () => {
    const original = await textPost("おはよう 🌅");
    clock.advance(60_000);
    const repostId = await client.repost(token, original);
    expect(repostId).toMatch(/^\d+$/);
    expect(repostId).not.toBe(original);

    const read = await client.getMedia(token, repostId, ["id", "media_type", "reposted_post", "permalink"]);
    expect(read).toMatchObject({
      id: repostId,
      media_type: "REPOST_FACADE",
      reposted_post: { id: original },
    });
    expect(postKindOf(read.media_type)).toBe("REPOST");

    const page = await client.listThreads(token, { fields: ["id", "media_type", "reposted_post", "text"] });
    expect(page.data.map((m) => [m.id, m.media_type, m.reposted_post?.id, m.text])).toEqual([
      [repostId, "REPOST_FACADE", original, undefined],
      [original, "TEXT_POST", undefined, "おはよう 🌅"],
    ]);
    expect(running.sandbox.published(userId).map((p) => p.repostedPostId)).toEqual([undefined, original]);

    // Its permalink is a page of its own that links to the reposted post.
    const html = await (await fetch(read.permalink!)).text();
    const originalLink = (await client.getMedia(token, original, ["id", "permalink"])).permalink!;
    expect(html).toContain(`🔁 reposted <a href="${originalLink}">@hanako's post</a>`);
  });

  it("counts a repost against the posts quota", async () => {
    const original = await textPost("one");
    await client.repost(token, original);
    const limit = await client.getPublishingLimit(token, userId);
    expect(limit.quotaUsage).toBe(2);
  });

  it("refuses a second repost of the same post by the same user, with what to do", async () => {
    const original = await textPost("once");
    const first = await client.repost(token, original);
    const error = await refusal(client.repost(token, original));
    expect(error.code).toBe(100);
    expect(error.message).toContain(`already reposted post ${original} (repost ${first})`);
    expect(isNotFoundRefusal(error)).toBe(false);
  });

  it("lets another user repost the post; refuses unknown posts and reposts of reposts", async () => {
    const original = await textPost("shared");
    const other = running.sandbox.createUser({ username: "taro" });
    const theirs = await client.repost(other.accessToken, original);
    expect((await client.getMedia(other.accessToken, theirs, ["id", "reposted_post"])).reposted_post).toEqual(
      {
        id: original,
      },
    );

    const unknown = await refusal(client.repost(token, "1805999999999999"));
    expect([unknown.code, unknown.subcode]).toEqual([100, 33]);
    expect(isNotFoundRefusal(unknown)).toBe(true);

    const ofRepost = await refusal(client.repost(token, theirs));
    expect(ofRepost.message).toContain(`repost the original post ${original}`);
  });

  it("refuses a ghost post and a deleted post (the sandbox's own rules, on its state)", () => {
    const state = new SandboxState();
    const user = { id: "26001", username: "u", name: "u", biography: "", createdAt: T0 };
    state.users.set(user.id, user);
    const post = (id: string, extra: Partial<MediaRecord>): MediaRecord => {
      const media: MediaRecord = {
        id,
        userId: user.id,
        containerId: "c",
        mediaType: "TEXT",
        text: "t",
        children: [],
        replyControl: "everyone",
        shortcode: "s",
        publishedAt: T0,
        ...extra,
      };
      state.media.set(id, media);
      return media;
    };
    post("1", { isGhostPost: true });
    post("2", { deletedAt: T0 });
    expect(() => createRepost(state, user, "1", T0)).toThrow(/ghost posts cannot be reposted/);
    expect(() => createRepost(state, user, "2", T0)).toThrow(/does not exist/);
    // Once the earlier repost is deleted, the post can be reposted again.
    post("3", {});
    const first = createRepost(state, user, "3", T0);
    expect(() => createRepost(state, user, "3", T0)).toThrow(/already reposted/);
    first.deletedAt = T0 + 1;
    expect(createRepost(state, user, "3", T0 + 2).repostedPostId).toBe("3");
  });

  it("faults apply to it as to any POST: a lost answer leaves the repost made", async () => {
    const original = await textPost("faulty");
    running.sandbox.faults.add({ kind: "lost_response", path: `/v1.0/${original}/repost`, method: "POST" });
    const lost = await refusal(client.repost(token, original));
    expect(lost.outcomeUnknown).toBe(true);
    // The repost went through: it is there to be found, and a second repost is refused.
    const page = await client.listThreads(token, { fields: ["id", "media_type", "reposted_post"] });
    expect(page.data.filter((m) => m.reposted_post?.id === original)).toHaveLength(1);
    expect((await refusal(client.repost(token, original))).message).toContain("already reposted");
  });
});

describe("quotes", () => {
  it("publishes a quote that reads back with is_quote_post and quoted_post; an unknown quote_post_id is refused", async () => {
    const original = await textPost("quoted");
    const quote = await textPost("look at this", { quote_post_id: original });
    const read = await client.getMedia(token, quote, ["id", "media_type", "is_quote_post", "quoted_post"]);
    expect(read).toMatchObject({
      media_type: "TEXT_POST",
      is_quote_post: true,
      quoted_post: { id: original },
    });
    const bad = await call("POST", "/v1.0/me/threads", {
      media_type: "TEXT",
      text: "nothing",
      quote_post_id: "1805999999999999",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("is not the id of a published Threads post");
  });
});
