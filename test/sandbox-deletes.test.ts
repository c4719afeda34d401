/**
 * Deleting posts: the client's `deletePost` against the sandbox over real HTTP, and the sandbox's own rules — only
 * the owner's post, "does not exist" for an unknown or deleted id, a carousel's children with it, a repost undone,
 * gone from every read, the 100 / 24 h quota and its fields in threads_publishing_limit, the threads_delete scope.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { createSandbox, type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import type { StateSnapshot } from "../src/sandbox/state.js";
import { ThreadsClient } from "../src/threads/client.js";
import { ThreadsApiError } from "../src/threads/errors.js";

const START = Date.parse("2026-03-01T00:00:00Z");
const HOUR = 3_600_000;

let clock: FakeClock;
let running: RunningSandbox;
let client: ThreadsClient;
let token: string;
let userId: string;

beforeEach(async () => {
  clock = new FakeClock(START);
  running = await startSandbox({
    clock,
    mediaProcessingMs: 0,
    fetchMedia: async () => ({ ok: true, contentType: "image/jpeg" }),
  });
  client = new ThreadsClient({ graphUrl: running.url, clock, sleep: async (ms) => clock.advance(ms) });
  ({ accessToken: token, userId } = running.sandbox.createUser({ username: "deleter" }));
});
afterEach(() => running.close());

async function textPost(text: string, as = token, extra: Record<string, string | number | boolean> = {}) {
  const container = await client.createContainer(as, "me", { mediaType: "TEXT", text, ...extra } as never);
  return client.publishContainer(as, "me", container);
}

async function raw(method: string, path: string, as = token) {
  const res = await fetch(`${running.url}${path}${path.includes("?") ? "&" : "?"}access_token=${as}`, {
    method,
  });
  // biome-ignore lint/suspicious/noExplicitAny: Graph answers are arbitrary JSON.
  return { status: res.status, body: (await res.json()) as any };
}

async function tokenWithScopes(scope: string, username: string): Promise<string> {
  const redirectUri = "https://app.example/cb";
  const consent = await fetch(`${running.url}/oauth/authorize`, {
    method: "POST",
    redirect: "manual",
    body: new URLSearchParams({
      client_id: "sandbox-app-id",
      redirect_uri: redirectUri,
      scope,
      username,
      decision: "allow",
    }),
  });
  const code = new URL(consent.headers.get("location")!).searchParams.get("code")!;
  const exchange = await fetch(`${running.url}/oauth/access_token`, {
    method: "POST",
    body: new URLSearchParams({
      client_id: "sandbox-app-id",
      client_secret: "sandbox-app-secret",
      grant_type: "authorization_code",
      redirect_uri: redirectUri,
      code,
    }),
  });
  return ((await exchange.json()) as { access_token: string }).access_token;
}

describe("DELETE /{media-id}", () => {
  it("deletes the owner's post: Meta's answer, gone from reads, listing and its page, kept in published()", async () => {
    const id = await textPost("short-lived");
    const kept = await textPost("kept");
    const permalink = await client.getPermalink(token, id);
    clock.advance(HOUR);

    const answer = await raw("DELETE", `/v1.0/${id}`);
    expect(answer).toEqual({ status: 200, body: { success: true, deleted_id: id } });

    const read = await raw("GET", `/v1.0/${id}?fields=id,text`);
    expect(read.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const listed = await client.listThreads(token);
    expect(listed.data.map((m) => m.id)).toEqual([kept]);
    expect((await fetch(permalink)).status).toBe(404);
    const [record] = running.sandbox.published(userId);
    expect(record).toMatchObject({ id, deletedAt: START + HOUR });
  });

  it("the client: deletedId, then alreadyDeleted for the same id again and for an unknown id", async () => {
    const id = await textPost("twice");
    expect(await client.deletePost(token, id)).toEqual({ deletedId: id, alreadyDeleted: false });
    expect(await client.deletePost(token, id)).toEqual({ deletedId: id, alreadyDeleted: true });
    expect(await client.deletePost(token, "18050000000000000")).toEqual({
      deletedId: "18050000000000000",
      alreadyDeleted: true,
    });
  });

  it("refuses someone else's post with a permission error that says to reconnect with threads_delete", async () => {
    const id = await textPost("mine");
    const other = running.sandbox.createUser({ username: "someone_else" });
    const res = await raw("DELETE", `/v1.0/${id}`, other.accessToken);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 200, type: "OAuthException" });
    const error = await client.deletePost(other.accessToken, id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadsApiError);
    expect(error).toMatchObject({ kind: "permanent", code: 200 });
    expect((error as Error).message).toMatch(/reconnect the account with the threads_delete permission/);
    expect(running.sandbox.published(userId)[0]!.deletedAt).toBeUndefined();
  });

  it("needs the threads_delete scope", async () => {
    const limited = await tokenWithScopes("threads_basic,threads_content_publish", "no_delete");
    const id = await textPost("cannot delete", limited);
    const error = await client.deletePost(limited, id).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "permanent", code: 10 });
    expect((error as Error).message).toMatch(/threads_delete/);
  });

  it("a 100/33 on DELETE for a post that still reads is a refusal, never already deleted", async () => {
    // Meta's 100/33 also means "cannot be loaded due to missing permissions, or does not support this operation".
    const id = await textPost("still up");
    running.sandbox.faults.add({
      method: "DELETE",
      kind: "error",
      error: { code: 100, subcode: 33, status: 400, message: `Object with ID '${id}' does not exist` },
    });
    const error = await client.deletePost(token, id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadsApiError);
    expect(error).toMatchObject({ kind: "permanent", code: 100, subcode: 33 });
    expect((error as Error).message).toMatch(
      /still on Threads: reconnect the account granting the threads_delete/,
    );
    expect(running.sandbox.published(userId)[0]!.deletedAt).toBeUndefined();
    // Without the fault the same delete goes through.
    expect(await client.deletePost(token, id)).toEqual({ deletedId: id, alreadyDeleted: false });
  });

  it("a carousel's children go with it; a child alone is not a post to delete", async () => {
    const children = [];
    for (const n of [1, 2]) {
      children.push(
        await client.createContainer(token, "me", {
          mediaType: "IMAGE",
          imageUrl: `https://cdn.example/${n}.jpg`,
          isCarouselItem: true,
        } as never),
      );
    }
    const carousel = await client.createContainer(token, "me", {
      mediaType: "CAROUSEL",
      children,
      text: "two",
    } as never);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const id = await client.publishContainer(token, "me", carousel);
    const media = await raw("GET", `/v1.0/${id}?fields=children`);
    const childId = media.body.children.data[0].id as string;
    expect((await raw("DELETE", `/v1.0/${childId}`)).body.error).toMatchObject({
      code: 100,
      error_subcode: 33,
    });
    await client.deletePost(token, id);
    expect((await raw("GET", `/v1.0/${childId}?fields=id`)).body.error).toMatchObject({ code: 100 });
  });

  it("100 deletes per rolling 24 h, shown in threads_publishing_limit; deleting gives no publishing quota back", async () => {
    const ids = [];
    for (let i = 0; i < 101; i++) ids.push(await textPost(`post ${i}`));
    for (let i = 0; i < 100; i++) {
      await client.deletePost(token, ids[i]!);
      clock.advance(60_000);
    }
    const limit = await client.getPublishingLimit(token, userId);
    expect(limit).toMatchObject({ deleteQuotaUsage: 100, deleteQuotaTotal: 100, quotaUsage: 101 });
    const refused = await raw("DELETE", `/v1.0/${ids[100]}`);
    expect(refused.body.error).toMatchObject({ code: 9, is_transient: false });
    expect(refused.body.error.message).toMatch(/Delete limit reached: 100 of 100/);
    // The first delete leaves the window 24 h after it was made.
    clock.set(START + 24 * HOUR + 1);
    expect((await client.getPublishingLimit(token, userId)).deleteQuotaUsage).toBe(99);
    expect(await client.deletePost(token, ids[100]!)).toMatchObject({ alreadyDeleted: false });
  });

  it("deleting a repost (REPOST_FACADE) undoes it: the facade goes, the reposted post stays", async () => {
    // A repost as the sandbox stores one (`repostedPostId`, no container), written into a state file.
    const dir = mkdtempSync(join(tmpdir(), "ts-sandbox-deletes-"));
    try {
      const stateFile = join(dir, "state.json");
      const first = createSandbox({ clock, stateFile });
      const author = first.createUser({ username: "author" });
      const reposter = first.createUser({ username: "reposter" });
      const created = await first.app.request(
        `/v1.0/me/threads?access_token=${author.accessToken}&media_type=TEXT&text=original&auto_publish_text=true`,
        { method: "POST" },
      );
      const originalId = ((await created.json()) as { id: string }).id;
      await first.close();
      const snapshot = JSON.parse(readFileSync(stateFile, "utf8")) as StateSnapshot;
      const original = snapshot.media.find((m) => m.id === originalId)!;
      snapshot.media.push({
        ...original,
        id: "18059999999999999",
        userId: reposter.userId,
        containerId: "",
        text: undefined,
        repostedPostId: originalId,
        shortcode: "REPOSTFACAD",
      });
      writeFileSync(stateFile, JSON.stringify(snapshot));
      const second = createSandbox({ clock, stateFile });
      const call = (method: string, path: string, token: string) =>
        second.app.request(`${path}${path.includes("?") ? "&" : "?"}access_token=${token}`, { method });
      const refused = await call("DELETE", "/v1.0/18059999999999999", author.accessToken);
      expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(200);
      const undone = await call("DELETE", "/v1.0/18059999999999999", reposter.accessToken);
      expect(await undone.json()).toEqual({ success: true, deleted_id: "18059999999999999" });
      const facade = await call("GET", "/v1.0/18059999999999999?fields=id", reposter.accessToken);
      expect(((await facade.json()) as { error: { code: number } }).error.code).toBe(100);
      const kept = await call("GET", `/v1.0/${originalId}?fields=id,text`, author.accessToken);
      expect(await kept.json()).toEqual({ id: originalId, text: "original" });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
