/** The Threads client against the sandbox's fault injection: what each failure means for the caller. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { ThreadsClient } from "../src/threads/client.js";
import { ThreadsApiError } from "../src/threads/errors.js";

const START = Date.parse("2025-06-01T00:00:00Z");

let clock: FakeClock;
let running: RunningSandbox;
let sleeps: number[];
let client: ThreadsClient;
let user: ReturnType<RunningSandbox["sandbox"]["createUser"]>;

const fakeSleep = async (ms: number) => {
  sleeps.push(ms);
  clock.advance(ms);
};

beforeEach(async () => {
  clock = new FakeClock(START);
  sleeps = [];
  // Media "downloads" finish at once here, so only fake processing time decides when a container is ready.
  running = await startSandbox({
    clock,
    mediaProcessingMs: 5000,
    port: 0,
    fetchMedia: async () => ({ ok: true, contentType: "image/jpeg" }),
  });
  client = new ThreadsClient({ graphUrl: running.url, clock, sleep: fakeSleep, timeoutMs: 300 });
  user = running.sandbox.createUser();
});

afterEach(async () => {
  await running.close();
});

async function textContainer(text = "hello"): Promise<string> {
  return client.createContainer(user.accessToken, user.userId, { mediaType: "TEXT", text });
}

async function failure(promise: Promise<unknown>): Promise<ThreadsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ThreadsApiError);
  return error as ThreadsApiError;
}

describe("publish retry on 24/4279009", () => {
  it("retries a not-ready publish a bounded number of times with backoff, then gives up", async () => {
    const id = await textContainer();
    running.sandbox.faults.add({
      path: "threads_publish",
      kind: "error",
      times: Number.POSITIVE_INFINITY,
      error: { code: 24, subcode: 4279009, message: "The requested resource does not exist" },
    });
    const error = await failure(client.publishContainer(user.accessToken, user.userId, id));
    expect(error).toMatchObject({ kind: "not_ready", code: 24, subcode: 4279009, outcomeUnknown: false });
    expect(sleeps).toEqual([2000, 4000, 8000]); // 4 tries over 14 s
    expect(running.sandbox.published()).toEqual([]);
  });

  it("publishes once when the container becomes ready within the retries", async () => {
    const id = await textContainer();
    running.sandbox.faults.add({
      path: "threads_publish",
      kind: "error",
      times: 2,
      error: { code: 24, subcode: 4279009 },
    });
    const mediaId = await client.publishContainer(user.accessToken, user.userId, id);
    expect(sleeps).toEqual([2000, 4000]);
    expect(running.sandbox.published().map((p) => p.id)).toEqual([mediaId]);
  });

  it("retries a publish made too early for real (IN_PROGRESS media) and then succeeds", async () => {
    const id = await client.createContainer(user.accessToken, user.userId, {
      mediaType: "IMAGE",
      imageUrl: `${running.url}/__sandbox/media/sample.jpg`,
    });
    expect((await client.getContainer(user.accessToken, id)).status).toBe("IN_PROGRESS");
    const mediaId = await client.publishContainer(user.accessToken, user.userId, id);
    expect(sleeps).toEqual([2000, 4000]); // refused at 0 s and 2 s, published at 6 s
    expect(running.sandbox.published().map((p) => p.id)).toEqual([mediaId]);
  });

  it("never repeats a publish after any other error", async () => {
    const id = await textContainer();
    running.sandbox.faults.add({ path: "threads_publish", kind: "http_500" });
    const error = await failure(client.publishContainer(user.accessToken, user.userId, id));
    expect(error).toMatchObject({ kind: "transient", httpStatus: 500, code: 1, retryable: true });
    expect(sleeps).toEqual([]);
    expect(running.sandbox.faults.list()).toEqual([]);
  });
});

describe("unknown outcomes", () => {
  it("a publish that times out has an unknown outcome and is not repeated", async () => {
    const id = await textContainer();
    running.sandbox.faults.add({ path: "threads_publish", kind: "timeout", delayMs: 10_000 });
    const error = await failure(client.publishContainer(user.accessToken, user.userId, id));
    expect(error).toMatchObject({ kind: "transient", outcomeUnknown: true, retryable: true });
    expect(error.message).toContain("no answer within 300 ms");
    expect(error.message).not.toContain(user.accessToken);
    expect(sleeps).toEqual([]);
    // The caller checks before repeating: the container is still unpublished here.
    expect((await client.getContainer(user.accessToken, id)).status).toBe("FINISHED");
  });

  it("a publish whose answer is lost did publish: outcome unknown, exactly one post", async () => {
    const id = await textContainer("lost answer");
    running.sandbox.faults.add({ path: "threads_publish", kind: "lost_response" });
    const error = await failure(client.publishContainer(user.accessToken, user.userId, id));
    expect(error).toMatchObject({ kind: "transient", outcomeUnknown: true, httpStatus: 500 });
    const published = running.sandbox.published(user.userId);
    expect(published.map((p) => p.text)).toEqual(["lost answer"]);
    // What a careful caller does next: look the post up instead of publishing again.
    const page = await client.listThreads(user.accessToken, { fields: ["id", "text"] });
    expect(page.data.map((m) => m.id)).toEqual([published[0]!.id]);
  });

  it("a GET that times out is transient with a known outcome", async () => {
    running.sandbox.faults.add({ path: "/v1.0/me", kind: "timeout", delayMs: 10_000 });
    const error = await failure(client.getProfile(user.accessToken));
    expect(error).toMatchObject({ kind: "transient", outcomeUnknown: false, endpoint: "GET /v1.0/me" });
  });

  it("a refused connection never reached Threads: transient, outcome known even for a POST", async () => {
    const port = await freePort();
    const offline = new ThreadsClient({ graphUrl: `http://127.0.0.1:${port}`, sleep: fakeSleep });
    const error = await failure(offline.publishContainer("token-abcdef", "1", "2"));
    expect(error).toMatchObject({ kind: "transient", outcomeUnknown: false });
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).not.toContain("token-abcdef");
  });
});

describe("classification of sandbox errors", () => {
  it("5xx is transient; on a POST its outcome is unknown", async () => {
    running.sandbox.faults.add({ path: "/v1.0/me", kind: "http_503" });
    expect(await failure(client.getProfile(user.accessToken))).toMatchObject({
      kind: "transient",
      httpStatus: 503,
      code: 2,
      outcomeUnknown: false,
      retryable: true,
    });
    running.sandbox.faults.add({ path: "/threads", method: "POST", kind: "http_500" });
    expect(await failure(textContainer())).toMatchObject({
      kind: "transient",
      httpStatus: 500,
      outcomeUnknown: true,
    });
  });

  it("190 is auth: reconnect the account", async () => {
    running.sandbox.faults.add({ kind: "token_expired" });
    const error = await failure(client.getProfile(user.accessToken));
    expect(error).toMatchObject({ kind: "auth", code: 190, subcode: 463, retryable: false });
    expect(error.message).toContain("reconnect the Threads account");
    expect(error.fbtraceId).toMatch(/\S+/);
  });

  it("rate limits are rate_limited and retryable", async () => {
    running.sandbox.faults.add({ kind: "rate_limit" });
    expect(await failure(client.getProfile(user.accessToken))).toMatchObject({
      kind: "rate_limited",
      code: 4,
    });
    running.sandbox.faults.add({ kind: "rate_limit", error: { code: 17 } });
    const error = await failure(textContainer());
    expect(error).toMatchObject({ kind: "rate_limited", code: 17, retryable: true, outcomeUnknown: false });
  });

  it("a missing permission is permanent and says to reconnect with the right permissions", async () => {
    running.sandbox.faults.add({
      kind: "error",
      error: { code: 10, message: "(#10) Application does not have permission", status: 403 },
    });
    const error = await failure(textContainer());
    expect(error).toMatchObject({ kind: "permanent", code: 10, httpStatus: 403, retryable: false });
    expect(error.message).toContain("(#10) Application does not have permission");
    expect(error.message).toMatch(/reconnect it and allow/);
  });

  it("an invalid parameter is permanent with Meta's own message", async () => {
    const error = await failure(
      client.createContainer(user.accessToken, user.userId, { mediaType: "TEXT", text: "x".repeat(501) }),
    );
    expect(error).toMatchObject({ kind: "permanent", httpStatus: 400, outcomeUnknown: false });
    expect(error.code).toBeGreaterThan(0);
  });

  it("polling rides out transient failures of the status call", async () => {
    const id = await textContainer();
    running.sandbox.faults.add({ path: id, method: "GET", kind: "http_500", times: 2 });
    const state = await client.waitForContainer(user.accessToken, id);
    expect(state.status).toBe("FINISHED");
    expect(sleeps).toEqual([500, 625]);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
