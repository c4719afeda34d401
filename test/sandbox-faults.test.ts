import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";

// biome-ignore lint/suspicious/noExplicitAny: Graph answers are arbitrary JSON that the tests index into.
type Json = any;

const T0 = Date.UTC(2025, 0, 6, 3, 0, 0);

let clock: FakeClock;
let running: RunningSandbox;
let token: string;
let userId: string;

beforeEach(async () => {
  clock = new FakeClock(T0);
  running = await startSandbox({ clock, mediaProcessingMs: 1000 });
  ({ accessToken: token, userId } = running.sandbox.createUser({ username: "faulty" }));
});
afterEach(() => running.close());

async function call(method: "GET" | "POST", path: string, params: Record<string, string> = {}) {
  const all = { access_token: token, ...params };
  const url = new URL(running.url + path);
  let body: URLSearchParams | undefined;
  if (method === "GET") for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  else body = new URLSearchParams(all);
  const res = await fetch(url, { method, body });
  return { status: res.status, body: (await res.json()) as Json };
}
const me = () => call("GET", "/v1.0/me");
const createText = async (text: string) =>
  (await call("POST", "/v1.0/me/threads", { media_type: "TEXT", text })).body.id as string;

describe("fault injection", () => {
  it("http_500 and http_503 fail the next matching calls, then the API works again", async () => {
    running.sandbox.faults.add({ kind: "http_500", path: "/v1.0/me", times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await me();
      expect(res.status).toBe(500);
      expect(res.body.error).toMatchObject({ code: 1, is_transient: true });
    }
    expect((await me()).status).toBe(200);
    running.sandbox.faults.add({ kind: "http_503" });
    const unavailable = await me();
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error).toMatchObject({ code: 2, is_transient: true });
    expect(running.sandbox.faults.list()).toEqual([]);
  });

  it("rate_limit answers Meta's throttling codes", async () => {
    running.sandbox.faults.add({ kind: "rate_limit" });
    const limited = await me();
    expect(limited.status).toBe(400);
    expect(limited.body.error).toMatchObject({ code: 4, is_transient: true, type: "OAuthException" });
    running.sandbox.faults.add({ kind: "rate_limit", error: { code: 17, status: 429 } });
    const user = await me();
    expect(user.status).toBe(429);
    expect(user.body.error.code).toBe(17);
  });

  it("token_expired answers 190/463 without touching the real token", async () => {
    running.sandbox.faults.add({ kind: "token_expired", path: "threads_publishing_limit" });
    expect((await me()).status).toBe(200);
    const res = await call("GET", "/v1.0/me/threads_publishing_limit");
    expect(res.body.error).toMatchObject({ code: 190, error_subcode: 463 });
    expect((await call("GET", "/v1.0/me/threads_publishing_limit")).status).toBe(200);
  });

  it("error answers any Meta error; filters by method, path regex, user and probability", async () => {
    const other = running.sandbox.createUser({ username: "bystander" });
    running.sandbox.faults.add({
      kind: "error",
      method: "post",
      path: "^/v1\\.0/\\w+/threads$",
      userId,
      times: Number.POSITIVE_INFINITY,
      error: { code: 2, subcode: 1234, message: "Injected", status: 500 },
    });
    running.sandbox.faults.add({ kind: "http_500", probability: 0, times: Number.POSITIVE_INFINITY });
    expect((await me()).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await call("POST", "/v1.0/me/threads", { media_type: "TEXT", text: "x" });
      expect(res.status).toBe(500);
      expect(res.body.error).toMatchObject({ code: 2, error_subcode: 1234, message: "Injected" });
    }
    const bystander = await fetch(`${running.url}/v1.0/me/threads`, {
      method: "POST",
      body: new URLSearchParams({ access_token: other.accessToken, media_type: "TEXT", text: "ok" }),
    });
    expect(bystander.status).toBe(200);
    running.sandbox.faults.clear();
    expect((await call("POST", "/v1.0/me/threads", { media_type: "TEXT", text: "x" })).status).toBe(200);
  });

  it("timeout hangs for delayMs and then answers 504", async () => {
    running.sandbox.faults.add({ kind: "timeout", path: "/v1.0/me", delayMs: 60 });
    const started = Date.now();
    const res = await me();
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(res.status).toBe(504);
  });

  it("a hanging timeout ends when the sandbox closes", async () => {
    running.sandbox.faults.add({ kind: "timeout" });
    const pending = fetch(`${running.url}/v1.0/me?access_token=${token}`).then(
      (r) => r.status,
      () => "dropped",
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await running.close();
    expect([504, "dropped"]).toContain(await pending);
  });

  it("lost_response really publishes, then answers 500; a second publish is refused", async () => {
    const containerId = await createText("did it post?");
    running.sandbox.faults.add({ kind: "lost_response", path: "threads_publish" });
    const lost = await call("POST", `/v1.0/${userId}/threads_publish`, { creation_id: containerId });
    expect(lost.status).toBe(500);
    expect(running.sandbox.published()).toHaveLength(1);
    // The way to find out: the container's status is gone (published) and the post is listed.
    expect((await call("GET", `/v1.0/${containerId}`, { fields: "status" })).body.error.code).toBe(100);
    const listed = await call("GET", "/v1.0/me/threads", { fields: "id,text" });
    expect(listed.body.data).toEqual([{ id: running.sandbox.published()[0]!.id, text: "did it post?" }]);
    const retry = await call("POST", `/v1.0/${userId}/threads_publish`, { creation_id: containerId });
    expect(retry.status).toBe(400);
    expect(running.sandbox.published()).toHaveLength(1);
  });

  it("lost_response with delayMs hangs before the 500", async () => {
    running.sandbox.faults.add({ kind: "lost_response", path: "/threads", delayMs: 40 });
    const started = Date.now();
    const res = await call("POST", "/v1.0/me/threads", {
      media_type: "TEXT",
      text: "slow",
      auto_publish_text: "true",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(res.status).toBe(500);
    expect(running.sandbox.published()).toHaveLength(1);
  });

  it("rejects malformed rules", () => {
    expect(() => running.sandbox.faults.add({ kind: "nope" as never })).toThrow(/kind/);
    expect(() => running.sandbox.faults.add({ kind: "error" })).toThrow(/error.code/);
    expect(() => running.sandbox.faults.add({ kind: "http_500", probability: 2 })).toThrow(/probability/);
  });
});

describe("admin API", () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(running.url + path, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it("creates users, lists what was published, manages faults and reports health", async () => {
    const created = await admin("POST", "/__sandbox/users", {
      username: "demo",
      token_kind: "short",
      token_age_seconds: 60,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: "demo", user_id: expect.stringMatching(/^\d+$/) });
    expect(created.body.expires_at - created.body.issued_at).toBe(3_600_000);
    expect(created.body.issued_at).toBe(T0 - 60_000);
    token = created.body.access_token;
    await call("POST", "/v1.0/me/threads", {
      media_type: "TEXT",
      text: "from demo",
      auto_publish_text: "true",
    });

    const all = await admin("GET", "/__sandbox/published");
    expect(all.body).toHaveLength(1);
    expect(all.body[0]).toMatchObject({ text: "from demo", userId: created.body.user_id, mediaType: "TEXT" });
    expect((await admin("GET", `/__sandbox/published?user_id=${userId}`)).body).toEqual([]);

    const rule = await admin("POST", "/__sandbox/faults", {
      kind: "http_503",
      path: "threads",
      times: "Infinity",
    });
    expect(rule.status).toBe(201);
    expect(rule.body).toMatchObject({ kind: "http_503", times: "Infinity", id: expect.any(String) });
    expect((await admin("GET", "/__sandbox/faults")).body).toHaveLength(1);
    expect((await call("GET", "/v1.0/me/threads")).status).toBe(503);
    expect((await call("GET", "/v1.0/me/threads")).status).toBe(503);
    expect((await admin("POST", "/__sandbox/faults", { kind: "bogus" })).status).toBe(400);
    expect((await admin("DELETE", "/__sandbox/faults")).body).toEqual({ cleared: 1 });
    expect((await call("GET", "/v1.0/me/threads")).status).toBe(200);

    expect((await admin("GET", "/__sandbox/health")).body).toMatchObject({ ok: true, users: 2, media: 1 });
  });

  it("serves sample media with the right content types", async () => {
    const jpg = await fetch(`${running.url}/__sandbox/media/sample.jpg`);
    expect(jpg.headers.get("content-type")).toBe("image/jpeg");
    const jpgBytes = new Uint8Array(await jpg.arrayBuffer());
    expect([...jpgBytes.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...jpgBytes.subarray(-2)]).toEqual([0xff, 0xd9]);
    const png = await fetch(`${running.url}/__sandbox/media/sample.png`);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect([...new Uint8Array(await png.arrayBuffer()).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    const mp4 = await fetch(`${running.url}/__sandbox/media/sample.mp4`);
    expect(mp4.headers.get("content-type")).toBe("video/mp4");
    expect(
      Buffer.from(await mp4.arrayBuffer())
        .subarray(4, 8)
        .toString(),
    ).toBe("ftyp");
    expect((await fetch(`${running.url}/__sandbox/media/nope.gif`)).status).toBe(404);
  });

  it("downloads media over real HTTP by default (the sandbox's own samples)", async () => {
    const image = await call("POST", "/v1.0/me/threads", {
      media_type: "IMAGE",
      image_url: `${running.url}/__sandbox/media/sample.jpg`,
    });
    const broken = await call("POST", "/v1.0/me/threads", {
      media_type: "VIDEO",
      video_url: `${running.url}/__sandbox/media/missing.mp4`,
    });
    clock.advance(1000);
    const statusOf = async (id: string) =>
      (await call("GET", `/v1.0/${id}`, { fields: "status,error_message" })).body;
    // The downloads run over real HTTP; wait (briefly, in real time) until both are decided.
    for (let i = 0; i < 200; i++) {
      const [a, b] = [await statusOf(image.body.id), await statusOf(broken.body.id)];
      if (a.status !== "IN_PROGRESS" && b.status !== "IN_PROGRESS") break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await statusOf(image.body.id)).toEqual({ status: "FINISHED" });
    expect(await statusOf(broken.body.id)).toEqual({
      status: "ERROR",
      error_message: "FAILED_DOWNLOADING_VIDEO",
    });
  });

  it("adds latencyMs to API calls but not to admin calls", async () => {
    const slow = await startSandbox({ clock, latencyMs: 40 });
    try {
      const user = slow.sandbox.createUser();
      let started = Date.now();
      await fetch(`${slow.url}/v1.0/me?access_token=${user.accessToken}`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(35);
      started = Date.now();
      await fetch(`${slow.url}/__sandbox/health`);
      expect(Date.now() - started).toBeLessThan(35);
    } finally {
      await slow.close();
    }
  });
});

describe("state file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sandbox-state-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("survives a restart: users, tokens, containers and posts", async () => {
    const file = join(dir, "nested", "sandbox.json");
    const first = await startSandbox({ clock, stateFile: file });
    const user = first.sandbox.createUser({ username: "persistent" });
    const post = async (base: string, body: Record<string, string>) =>
      (await (
        await fetch(`${base}/v1.0/me/threads`, {
          method: "POST",
          body: new URLSearchParams({ access_token: user.accessToken, media_type: "TEXT", ...body }),
        })
      ).json()) as { id: string };
    const published = await post(first.url, { text: "before restart", auto_publish_text: "true" });
    const pending = await post(first.url, { text: "publish me later" });
    await first.close();
    expect(readdirSync(join(dir, "nested"))).toEqual(["sandbox.json"]);

    const second = await startSandbox({ clock, stateFile: file });
    try {
      expect(second.sandbox.published()).toEqual([
        expect.objectContaining({ id: published.id, text: "before restart" }),
      ]);
      const publish = await fetch(`${second.url}/v1.0/${user.userId}/threads_publish`, {
        method: "POST",
        body: new URLSearchParams({ access_token: user.accessToken, creation_id: pending.id }),
      });
      expect(publish.status).toBe(200);
      const next = await post(second.url, { text: "new" });
      expect(next.id).not.toBe(pending.id);
      expect(second.sandbox.createUser({ username: "persistent" }).userId).toBe(user.userId);
      await second.sandbox.flush();
    } finally {
      await second.close();
    }
    const third = await startSandbox({ clock, stateFile: file });
    expect(third.sandbox.published()).toHaveLength(2);
    await third.close();
  });

  it("explains a corrupt state file", async () => {
    const file = join(dir, "bad.json");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(file, "{not json");
    await expect(startSandbox({ stateFile: file })).rejects.toThrow(/not valid JSON/);
  });
});
