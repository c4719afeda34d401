/** The Threads client against the sandbox over real HTTP: publishing flows, reading, tokens, insights. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { ThreadsClient } from "../src/threads/client.js";
import type { ContainerState } from "../src/threads/types.js";

const START = Date.parse("2025-06-01T00:00:00Z");
const PROCESSING_MS = 20_000;
const DAY_MS = 86_400_000;

let clock: FakeClock;
let running: RunningSandbox;
let sleeps: number[];
let client: ThreadsClient;

/** Moves fake time instead of waiting; yields a moment so the sandbox's (real) media download can finish. */
const fakeSleep = async (ms: number) => {
  sleeps.push(ms);
  clock.advance(ms);
  await new Promise((resolve) => setTimeout(resolve, 2));
};

beforeEach(async () => {
  clock = new FakeClock(START);
  sleeps = [];
  running = await startSandbox({ clock, mediaProcessingMs: PROCESSING_MS, port: 0 });
  client = new ThreadsClient({
    graphUrl: running.url,
    clock,
    sleep: fakeSleep,
    appId: "sandbox-app-id",
    appSecret: "sandbox-app-secret",
    redirectUri: "http://127.0.0.1:9/oauth/callback",
  });
});

afterEach(async () => {
  await running.close();
});

const media = (name: string) => `${running.url}/__sandbox/media/${name}`;

/** A text post published with the client's two calls (a text container is ready at once); its media id. */
async function publishText(user: { accessToken: string; userId: string }, text: string): Promise<string> {
  const containerId = await client.createContainer(user.accessToken, user.userId, {
    mediaType: "TEXT",
    text,
  });
  return client.publishContainer(user.accessToken, user.userId, containerId);
}

describe("reading", () => {
  it("gets the profile and inspects the token", async () => {
    const user = running.sandbox.createUser({ username: "alice" });
    const profile = await client.getProfile(user.accessToken);
    expect(profile).toMatchObject({ id: user.userId, username: "alice", is_verified: false });
    expect(profile.threads_profile_picture_url).toMatch(/^http/);

    const info = await client.debugToken(user.accessToken);
    expect(info).toMatchObject({ isValid: true, userId: user.userId });
    expect(info.expiresAt).toBe(Math.floor(user.expiresAt / 1000) * 1000);
    expect(info.issuedAt).toBe(Math.floor(user.issuedAt / 1000) * 1000);
    expect(info.scopes).toContain("threads_content_publish");
  });

  it("reads the publishing limit", async () => {
    const user = running.sandbox.createUser();
    await publishText(user, "one");
    expect(await client.getPublishingLimit(user.accessToken, user.userId)).toEqual({
      quotaUsage: 1,
      quotaTotal: 250,
      replyQuotaUsage: 0,
      replyQuotaTotal: 1000,
      quotaDuration: 86_400,
      deleteQuotaUsage: 0,
      deleteQuotaTotal: 100,
    });
  });

  it("pages through the user's posts with cursors and filters by time", async () => {
    const user = running.sandbox.createUser();
    for (let i = 1; i <= 5; i++) {
      await publishText(user, `post ${i}`);
      clock.advance(60_000);
    }
    const texts: string[] = [];
    const sizes: number[] = [];
    let after: string | undefined;
    do {
      const page = await client.listThreads(user.accessToken, { limit: 2, after, fields: ["id", "text"] });
      sizes.push(page.data.length);
      texts.push(...page.data.map((m) => m.text ?? ""));
      after = page.after;
    } while (after !== undefined);
    expect(sizes).toEqual([2, 2, 1]);
    expect(texts).toEqual(["post 5", "post 4", "post 3", "post 2", "post 1"]);

    const recent = await client.listThreads(user.accessToken, {
      since: START + 2 * 60_000,
      until: START + 3 * 60_000,
    });
    expect(recent.data.map((m) => m.text)).toEqual(["post 4", "post 3"]);
    expect(recent.after).toBeUndefined();
    const one = await client.getMedia(user.accessToken, recent.data[0]!.id);
    expect(one).toMatchObject({ id: recent.data[0]!.id, text: "post 4", media_type: "TEXT_POST" });
    expect(one.timestamp).toBe("2025-06-01T00:03:00+0000");
  });

  it("reads post and user insights", async () => {
    const user = running.sandbox.createUser();
    const mediaId = await publishText(user, "insightful https://example.com");
    clock.advance(3 * DAY_MS);
    const post = await client.getPostInsights(user.accessToken, mediaId);
    expect(Object.keys(post).sort()).toEqual(["likes", "quotes", "replies", "reposts", "shares", "views"]);
    for (const value of Object.values(post)) expect(Number.isFinite(value)).toBe(true);
    expect(post.views).toBeGreaterThan(0);

    const insights = await client.getUserInsights(user.accessToken, user.userId, {
      since: START,
      until: clock.now(),
    });
    expect(insights.views).toHaveLength(3);
    expect(insights.totals.views).toBe(insights.views!.reduce((sum, v) => sum + v.value, 0));
    expect(insights.totals.views).toBeGreaterThan(0);
    for (const name of ["likes", "replies", "reposts", "quotes", "clicks", "followers_count"]) {
      expect(Number.isFinite(insights.totals[name])).toBe(true);
    }
    // A `since` before Meta's first day of data is clamped rather than refused.
    const early = await client.getUserInsights(user.accessToken, user.userId, {
      since: 0,
      metrics: ["likes"],
    });
    expect(Object.keys(early.totals)).toEqual(["likes"]);
  });
});

describe("publishing", () => {
  it("publishes an image only after its container is FINISHED", async () => {
    const user = running.sandbox.createUser();
    const polls: ContainerState[] = [];
    let createdAt = 0;
    let publishedAt = 0;
    const containerId = await client.createContainer(user.accessToken, user.userId, {
      mediaType: "IMAGE",
      imageUrl: media("sample.jpg"),
      altText: "a disc",
      text: "a picture",
    });
    createdAt = clock.now();
    expect((await client.getContainer(user.accessToken, containerId)).status).toBe("IN_PROGRESS");
    const state = await client.waitForContainer(user.accessToken, containerId, {
      onPoll: (s) => polls.push(s),
    });
    expect(state.status).toBe("FINISHED");
    expect(polls.at(-1)!.status).toBe("FINISHED");
    expect(polls.slice(0, -1).every((s) => s.status === "IN_PROGRESS")).toBe(true);
    publishedAt = clock.now();
    expect(publishedAt - createdAt).toBeGreaterThanOrEqual(PROCESSING_MS);
    // Backoff, not a fixed sleep: 500 ms growing by a quarter each time (at most 2 s apart in the first 30 s).
    expect(sleeps.slice(0, 4)).toEqual([500, 625, 781, 977]);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(2000);

    const mediaId = await client.publishContainer(user.accessToken, user.userId, containerId);
    expect(running.sandbox.published(user.userId)).toEqual([
      expect.objectContaining({ id: mediaId, mediaType: "IMAGE", altText: "a disc", text: "a picture" }),
    ]);
  });

  it("returns a container that failed processing as ERROR with Meta's code (the publisher decides)", async () => {
    const user = running.sandbox.createUser();
    const id = await client.createContainer(user.accessToken, user.userId, {
      mediaType: "IMAGE",
      imageUrl: media("missing.jpg"),
    });
    expect(await client.waitForContainer(user.accessToken, id)).toEqual({
      id,
      status: "ERROR",
      error_message: "FAILED_DOWNLOADING_IMAGE",
    });
    expect(running.sandbox.published(user.userId)).toEqual([]);
  });

  it("gives up waiting for a container after timeoutMs with not_ready", async () => {
    const slow = await startSandbox({ clock, mediaProcessingMs: 60 * 60_000, port: 0 });
    try {
      const slowClient = new ThreadsClient({ graphUrl: slow.url, clock, sleep: fakeSleep });
      const user = slow.sandbox.createUser();
      const id = await slowClient.createContainer(user.accessToken, user.userId, {
        mediaType: "IMAGE",
        imageUrl: `${slow.url}/__sandbox/media/sample.jpg`,
      });
      const start = clock.now();
      const error = await slowClient
        .waitForContainer(user.accessToken, id, { timeoutMs: 60_000 })
        .catch((e) => e);
      expect(error).toMatchObject({ name: "ThreadsApiError", kind: "not_ready", retryable: true });
      expect(clock.now() - start).toBe(60_000);
      expect(Math.max(...sleeps)).toBeLessThanOrEqual(10_000);
    } finally {
      await slow.close();
    }
  });
});

describe("tokens", () => {
  async function authorize(username: string): Promise<string> {
    const response = await fetch(`${running.url}/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({
        client_id: "sandbox-app-id",
        redirect_uri: "http://127.0.0.1:9/oauth/callback",
        scope: "threads_basic,threads_content_publish",
        state: "s1",
        decision: "allow",
        username,
      }),
    });
    expect(response.status).toBe(302);
    const location = response.headers.get("location")!;
    // Meta's redirect ends with "#_"; pass the code on as a careless callback would, with the suffix.
    return `${new URL(location).searchParams.get("code")}#_`;
  }

  it("exchanges a code for a short-lived token, then a long-lived one", async () => {
    const code = await authorize("carol");
    const short = await client.exchangeCode(code);
    expect(short.accessToken).not.toBe("");
    expect(short.userId).toMatch(/^\d+$/);
    expect((await client.getProfile(short.accessToken)).username).toBe("carol");

    const long = await client.exchangeForLongLived(short.accessToken);
    expect(long.expiresIn).toBeGreaterThan(59 * 86_400);
    expect((await client.getProfile(long.accessToken)).id).toBe(short.userId);

    const reused = await client.exchangeCode(code).catch((e) => e);
    expect(reused).toMatchObject({ kind: "permanent", httpStatus: 400 });
    expect(reused.message).toContain("Matching code was not found or was already used");
    expect(reused.message).not.toContain(code.replace("#_", ""));
  });

  it("refreshes a long-lived token at least a day old, and refuses a new one", async () => {
    const old = running.sandbox.createUser({ tokenAgeMs: 2 * DAY_MS });
    const grant = await client.refreshToken(old.accessToken);
    expect(grant.accessToken).not.toBe(old.accessToken);
    expect(grant.expiresIn).toBe(60 * 86_400);
    expect((await client.getProfile(grant.accessToken)).id).toBe(old.userId);

    const tooNew = await client.refreshToken(grant.accessToken).catch((e) => e);
    expect(tooNew).toMatchObject({ name: "ThreadsApiError", kind: "permanent", code: 100 });
    expect(tooNew.message).toContain("24 hours");
    expect(tooNew.message).not.toContain(grant.accessToken);
  });

  it("reports an expired token as auth (reconnect), without the token in the message", async () => {
    const user = running.sandbox.createUser({ tokenAgeMs: 61 * DAY_MS });
    const error = await client.getProfile(user.accessToken).catch((e) => e);
    expect(error).toMatchObject({
      kind: "auth",
      code: 190,
      subcode: 463,
      retryable: false,
      outcomeUnknown: false,
    });
    expect(error.message).toMatch(/reconnect/);
    expect(error.message).not.toContain(user.accessToken);
    expect(await client.refreshToken(user.accessToken).catch((e) => e.kind)).toBe("auth");
    expect((await client.debugToken(running.sandbox.createUser().accessToken)).isValid).toBe(true);
  });

  it("needs the app settings to exchange a code", async () => {
    const bare = new ThreadsClient({ graphUrl: running.url });
    await expect(bare.exchangeCode("abc")).rejects.toThrow(/THREADS_APP_ID/);
    await expect(bare.exchangeForLongLived("abc")).rejects.toThrow(/THREADS_APP_SECRET/);
  });
});
