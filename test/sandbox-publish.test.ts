import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";

// biome-ignore lint/suspicious/noExplicitAny: Graph answers are arbitrary JSON that the tests index into.
type Json = any;

const T0 = Date.UTC(2025, 0, 6, 3, 0, 0);
const HOUR = 3_600_000;
const PROCESSING = 3000;

let clock: FakeClock;
let running: RunningSandbox;
let token: string;
let userId: string;

/** Media URLs containing "broken" cannot be downloaded; ".html" ones are web pages, not media. */
async function fakeFetch(url: string) {
  if (url.includes("broken")) return { ok: false };
  if (url.endsWith(".html")) return { ok: true, contentType: "text/html" };
  return { ok: true, contentType: url.endsWith(".mp4") ? "video/mp4" : "image/jpeg" };
}

beforeEach(async () => {
  clock = new FakeClock(T0);
  running = await startSandbox({ clock, mediaProcessingMs: PROCESSING, fetchMedia: fakeFetch });
  ({ accessToken: token, userId } = running.sandbox.createUser({ username: "poster" }));
});
afterEach(() => running.close());

type Params = Record<string, string>;
async function call(method: "GET" | "POST", path: string, params: Params = {}, as = token) {
  const all = { access_token: as, ...params };
  const url = new URL(running.url + path);
  let body: URLSearchParams | undefined;
  if (method === "GET") for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  else body = new URLSearchParams(all);
  const res = await fetch(url, { method, body });
  return { status: res.status, body: (await res.json()) as Json };
}
const create = (params: Params, as = token) => call("POST", "/v1.0/me/threads", params, as);
const publish = (creationId: string, as = token) =>
  call("POST", `/v1.0/${userId}/threads_publish`, { creation_id: creationId }, as);
const status = (id: string) => call("GET", `/v1.0/${id}`, { fields: "id,status,error_message" });
/** Lets the (fake) media download settle; it runs on real promises, not on the fake clock. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

async function textPost(text: string, extra: Params = {}) {
  const container = await create({ media_type: "TEXT", text, ...extra });
  expect(container.status).toBe(200);
  const media = await publish(container.body.id);
  expect(media.status).toBe(200);
  return media.body.id as string;
}

describe("container lifecycle", () => {
  it("TEXT is FINISHED at once; publishing gives a media id and a permalink; status on it is then an error", async () => {
    const container = await create({ media_type: "TEXT", text: "こんにちは" });
    expect(container.body.id).toMatch(/^\d+$/);
    expect((await status(container.body.id)).body).toEqual({ id: container.body.id, status: "FINISHED" });
    const media = await publish(container.body.id);
    expect(media.body.id).toMatch(/^\d+$/);
    expect(media.body.id).not.toBe(container.body.id);
    const info = await call("GET", `/v1.0/${media.body.id}`, {
      fields: "id,permalink,text,media_type,timestamp",
    });
    // On the sandbox itself (a page it serves), not on threads.net where no such post exists.
    expect(info.body.permalink.startsWith(`${running.url}/@poster/post/`)).toBe(true);
    expect(info.body.permalink).toMatch(/\/@poster\/post\/[\w-]{11}$/);
    expect(info.body).toMatchObject({
      text: "こんにちは",
      media_type: "TEXT_POST",
      timestamp: "2025-01-06T03:00:00+0000",
    });

    const after = await status(container.body.id);
    expect(after.status).toBe(400);
    expect(after.body.error.code).toBe(100);
    expect(running.sandbox.published()).toEqual([
      expect.objectContaining({
        id: media.body.id,
        userId,
        mediaType: "TEXT",
        text: "こんにちは",
        containerId: container.body.id,
      }),
    ]);
  });

  it("IMAGE is IN_PROGRESS for mediaProcessingMs; publishing too early is 24/4279009", async () => {
    const container = await create({
      media_type: "IMAGE",
      image_url: "https://cdn.example/a.jpg",
      text: "pic",
    });
    await settle();
    expect((await status(container.body.id)).body.status).toBe("IN_PROGRESS");
    const early = await publish(container.body.id);
    expect(early.status).toBe(400);
    expect(early.body.error).toMatchObject({
      code: 24,
      error_subcode: 4279009,
      error_user_title: "Media Not Found",
    });

    clock.advance(PROCESSING);
    expect((await status(container.body.id)).body.status).toBe("FINISHED");
    const media = await publish(container.body.id);
    expect(media.status).toBe(200);
    expect(running.sandbox.published()[0]).toMatchObject({
      mediaType: "IMAGE",
      mediaUrl: "https://cdn.example/a.jpg",
    });
  });

  it("refuses to publish the same container twice", async () => {
    const container = await create({ media_type: "TEXT", text: "once" });
    expect((await publish(container.body.id)).status).toBe(200);
    const second = await publish(container.body.id);
    expect(second.status).toBe(400);
    expect(second.body.error.message).toMatch(/already been published/);
    expect(running.sandbox.published()).toHaveLength(1);
  });

  it("a container not published within 24 h is EXPIRED and cannot be published", async () => {
    const container = await create({ media_type: "TEXT", text: "later" });
    clock.advance(24 * HOUR);
    expect((await status(container.body.id)).body.status).toBe("EXPIRED");
    expect((await publish(container.body.id)).body.error).toMatchObject({ code: 24, error_subcode: 4279009 });
  });

  it("unfetchable or wrong-type media ends in ERROR with Meta's error_message", async () => {
    const video = await create({ media_type: "VIDEO", video_url: "https://cdn.example/broken.mp4" });
    const image = await create({ media_type: "IMAGE", image_url: "https://cdn.example/broken.jpg" });
    const page = await create({ media_type: "VIDEO", video_url: "https://cdn.example/page.html" });
    await settle();
    clock.advance(PROCESSING);
    expect((await status(video.body.id)).body).toMatchObject({
      status: "ERROR",
      error_message: "FAILED_DOWNLOADING_VIDEO",
    });
    expect((await status(image.body.id)).body).toMatchObject({
      status: "ERROR",
      error_message: "FAILED_DOWNLOADING_IMAGE",
    });
    expect((await status(page.body.id)).body.status).toBe("ERROR");
    expect((await publish(video.body.id)).body.error.code).toBe(24);
  });

  it("another user's container cannot be seen or published", async () => {
    const other = running.sandbox.createUser({ username: "other" });
    const container = await create({ media_type: "TEXT", text: "mine" });
    const seen = await call("GET", `/v1.0/${container.body.id}`, { fields: "status" }, other.accessToken);
    expect(seen.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const res = await call(
      "POST",
      `/v1.0/${other.userId}/threads_publish`,
      { creation_id: container.body.id },
      other.accessToken,
    );
    expect(res.body.error.code).toBe(24);
    const wrongUser = await call("POST", `/v1.0/${other.userId}/threads`, { media_type: "TEXT", text: "x" });
    expect(wrongUser.status).toBe(400);
  });

  it("auto_publish_text creates and publishes in one call", async () => {
    const res = await create({ media_type: "TEXT", text: "instant", auto_publish_text: "true" });
    expect(res.status).toBe(200);
    expect(running.sandbox.published()[0]?.id).toBe(res.body.id);
  });

  it("accepts parameters as a JSON body", async () => {
    const res = await fetch(`${running.url}/v1.0/me/threads`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        media_type: "TEXT",
        text: "json",
        poll_attachment: { option_a: "はい", option_b: "いいえ" },
      }),
    });
    expect(res.status).toBe(200);
  });
});

describe("carousels", () => {
  async function child(n: number, type: "IMAGE" | "VIDEO" = "IMAGE") {
    const params: Params =
      type === "IMAGE"
        ? { media_type: "IMAGE", image_url: `https://cdn.example/${n}.jpg` }
        : { media_type: "VIDEO", video_url: `https://cdn.example/${n}.mp4` };
    const res = await create({ ...params, is_carousel_item: "true" });
    expect(res.status).toBe(200);
    return res.body.id as string;
  }

  it("publishes a carousel of finished children as one post", async () => {
    const ids = [await child(1), await child(2, "VIDEO"), await child(3)];
    await settle();
    const tooEarly = await create({ media_type: "CAROUSEL", children: ids.join(","), text: "album" });
    expect(tooEarly.body.error.code).toBe(100);
    expect(tooEarly.body.error.message).toMatch(/IN_PROGRESS/);

    clock.advance(PROCESSING);
    const parent = await create({ media_type: "CAROUSEL", children: ids.join(","), text: "album" });
    expect(parent.status).toBe(200);
    expect((await status(parent.body.id)).body.status).toBe("IN_PROGRESS");
    expect((await publish(ids[0]!)).body.error.code).toBe(100);
    clock.advance(PROCESSING);
    expect((await publish(parent.body.id)).status).toBe(200);

    const [post] = running.sandbox.published();
    expect(post).toMatchObject({ mediaType: "CAROUSEL", text: "album" });
    expect(post!.children.map((c) => c.mediaType)).toEqual(["IMAGE", "VIDEO", "IMAGE"]);
    const limit = await call("GET", "/v1.0/me/threads_publishing_limit", { fields: "quota_usage" });
    expect(limit.body).toEqual({ data: [{ quota_usage: 1 }] });
  });

  it("children are used by one published carousel only", async () => {
    const ids = [await child(1), await child(2)];
    await settle();
    clock.advance(PROCESSING);
    const a = await create({ media_type: "CAROUSEL", children: ids.join(",") });
    const b = await create({ media_type: "CAROUSEL", children: ids.join(",") });
    clock.advance(PROCESSING);
    expect((await publish(a.body.id)).status).toBe(200);
    expect((await publish(b.body.id)).body.error.message).toMatch(/already published/);
    expect((await create({ media_type: "CAROUSEL", children: ids.join(",") })).body.error.code).toBe(100);
    expect(running.sandbox.published()).toHaveLength(1);
  });

  it("needs 2 to 20 children that are the caller's own carousel items", async () => {
    const one = await child(1);
    const plain = (await create({ media_type: "IMAGE", image_url: "https://cdn.example/p.jpg" })).body.id;
    const other = running.sandbox.createUser({ username: "stranger" });
    const foreign = (
      await create(
        { media_type: "IMAGE", image_url: "https://cdn.example/f.jpg", is_carousel_item: "true" },
        other.accessToken,
      )
    ).body.id;
    await settle();
    clock.advance(PROCESSING);
    const many = Array.from({ length: 21 }, (_, i) => String(i + 1)).join(",");
    for (const children of [one, many, `${one},${plain}`, `${one},${foreign}`]) {
      const res = await create({ media_type: "CAROUSEL", children });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(100);
    }
  });
});

describe("validation", () => {
  const expectInvalid = async (params: Params, pattern?: RegExp) => {
    const res = await create(params);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 100, fbtrace_id: expect.any(String), is_transient: false });
    if (pattern) expect(res.body.error.message).toMatch(pattern);
  };

  it("allows 500 characters and refuses 501; emoji count as UTF-8 bytes", async () => {
    expect((await create({ media_type: "TEXT", text: "あ".repeat(500) })).status).toBe(200);
    await expectInvalid({ media_type: "TEXT", text: "あ".repeat(501) }, /too long/);
    expect((await create({ media_type: "TEXT", text: "👍".repeat(125) })).status).toBe(200);
    await expectInvalid({ media_type: "TEXT", text: `${"👍".repeat(125)}a` });
  });

  it("allows 5 unique links and refuses 6 with THREADS_API__LINK_LIMIT_EXCEEDED", async () => {
    const links = (n: number) => Array.from({ length: n }, (_, i) => `https://site${i}.example/`).join(" ");
    expect((await create({ media_type: "TEXT", text: `${links(5)} https://site0.example` })).status).toBe(
      200,
    );
    await expectInvalid({ media_type: "TEXT", text: links(6) }, /THREADS_API__LINK_LIMIT_EXCEEDED/);
    await expectInvalid(
      { media_type: "TEXT", text: links(5), link_attachment: "https://other.example" },
      /THREADS_API__LINK_LIMIT_EXCEEDED/,
    );
  });

  it("checks media_type, urls, topic tags, link attachments, alt text, polls and reply control", async () => {
    await expectInvalid({ text: "no type" }, /media_type/);
    await expectInvalid({ media_type: "GIF", text: "x" });
    await expectInvalid({ media_type: "TEXT" }, /text/);
    await expectInvalid({ media_type: "IMAGE" }, /image_url/);
    await expectInvalid({ media_type: "IMAGE", image_url: "ftp://x/y.jpg" });
    await expectInvalid({ media_type: "TEXT", text: "x", topic_tag: "a.b" });
    await expectInvalid({ media_type: "TEXT", text: "x", topic_tag: "t".repeat(51) });
    expect((await create({ media_type: "TEXT", text: "x", topic_tag: "猫" })).status).toBe(200);
    await expectInvalid({
      media_type: "IMAGE",
      image_url: "https://a.example/i.jpg",
      link_attachment: "https://b.example",
    });
    await expectInvalid({ media_type: "TEXT", text: "x", alt_text: "alt" });
    await expectInvalid({
      media_type: "IMAGE",
      image_url: "https://a.example/i.jpg",
      alt_text: "a".repeat(1001),
    });
    await expectInvalid({ media_type: "TEXT", text: "x", reply_control: "nobody" });
    await expectInvalid({ media_type: "TEXT", text: "x", poll_attachment: '{"option_a":"only one"}' });
    await expectInvalid({
      media_type: "TEXT",
      text: "x",
      poll_attachment: JSON.stringify({ option_a: "a", option_b: "b".repeat(26) }),
    });
    await expectInvalid({
      media_type: "TEXT",
      text: "x",
      link_attachment: "https://a.example",
      poll_attachment: '{"option_a":"a","option_b":"b"}',
    });
    await expectInvalid({ media_type: "CAROUSEL", children: "1,2", is_carousel_item: "true" });
    await expectInvalid({ media_type: "TEXT", text: "x", reply_to_id: "123" }, /reply_to_id/);
    expect(
      (
        await create({
          media_type: "TEXT",
          text: "x",
          reply_control: "mentioned_only",
          poll_attachment: '{"option_a":"a","option_b":"b","option_c":"c"}',
        })
      ).status,
    ).toBe(200);
  });
});

describe("chains, listing and quotas", () => {
  it("records a chain of replies and lists posts under /threads and replies under /replies", async () => {
    const root = await textPost("part 1");
    const second = await textPost("part 2", { reply_to_id: root });
    const third = await textPost("part 3", { reply_to_id: second });
    const records = running.sandbox.published(userId);
    expect(records.map((r) => [r.id, r.replyToId, r.rootId])).toEqual([
      [root, undefined, undefined],
      [second, root, root],
      [third, second, root],
    ]);
    const threads = await call("GET", "/v1.0/me/threads", { fields: "id,text" });
    expect(threads.body.data).toEqual([{ id: root, text: "part 1" }]);
    const replies = await call("GET", "/v1.0/me/replies", { fields: "id,replied_to,root_post,is_reply" });
    expect(replies.body.data).toEqual([
      { id: third, replied_to: { id: second }, root_post: { id: root }, is_reply: true },
      { id: second, replied_to: { id: root }, root_post: { id: root }, is_reply: true },
    ]);
    // A container id is not a post id.
    const container = await create({ media_type: "TEXT", text: "c" });
    const bad = await create({ media_type: "TEXT", text: "x", reply_to_id: container.body.id });
    expect(bad.body.error.message).toMatch(/container id/);
  });

  it("pages /me/threads newest first with cursors and next links, filtered by since/until", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(await textPost(`post ${i}`));
      clock.advance(60_000);
    }
    const newestFirst = [...ids].reverse();
    const first = await call("GET", "/v1.0/me/threads", { limit: "3" });
    expect(first.body.data.map((m: { id: string }) => m.id)).toEqual(newestFirst.slice(0, 3));
    expect(first.body.paging.cursors.after).toEqual(expect.any(String));
    const secondRes = await fetch(first.body.paging.next);
    const second = (await secondRes.json()) as Json;
    expect(second.data.map((m: { id: string }) => m.id)).toEqual(newestFirst.slice(3, 6));
    const third = await call("GET", "/v1.0/me/threads", { limit: "3", after: second.paging.cursors.after });
    expect(third.body.data.map((m: { id: string }) => m.id)).toEqual(newestFirst.slice(6));
    expect(third.body.paging.next).toBeUndefined();

    const since = String(Math.floor((T0 + 2 * 60_000) / 1000));
    const until = String(Math.floor((T0 + 4 * 60_000) / 1000));
    const window = await call("GET", "/v1.0/me/threads", { since, until });
    expect(window.body.data.map((m: { id: string }) => m.id)).toEqual([ids[4], ids[3], ids[2]]);
    expect((await call("GET", "/v1.0/me/threads", { limit: "101" })).body.error.code).toBe(100);
  });

  it("allows 250 posts per rolling 24 h, refuses the 251st, and reports usage", async () => {
    for (let i = 0; i < 250; i++) {
      const res = await create({ media_type: "TEXT", text: `p${i}`, auto_publish_text: "true" });
      expect(res.status).toBe(200);
    }
    const refused = await create({ media_type: "TEXT", text: "one too many", auto_publish_text: "true" });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 9, type: "THApiException", is_transient: false });
    expect(refused.body.error.message).toMatch(/250/);
    const limit = await call("GET", "/v1.0/me/threads_publishing_limit", {
      fields: "quota_usage,config,reply_quota_usage,reply_config",
    });
    expect(limit.body.data[0]).toEqual({
      quota_usage: 250,
      config: { quota_total: 250, quota_duration: 86400 },
      reply_quota_usage: 0,
      reply_config: { quota_total: 1000, quota_duration: 86400 },
    });
    // Replies have their own quota.
    const reply = await create({
      media_type: "TEXT",
      text: "reply",
      reply_to_id: running.sandbox.published()[0]!.id,
    });
    expect((await publish(reply.body.id)).status).toBe(200);
    clock.advance(24 * HOUR);
    expect((await create({ media_type: "TEXT", text: "next day", auto_publish_text: "true" })).status).toBe(
      200,
    );
  });

  it("allows 1,000 replies per rolling 24 h and refuses the 1,001st", async () => {
    const root = await textPost("root");
    for (let i = 0; i < 1000; i++) {
      const res = await create({
        media_type: "TEXT",
        text: `r${i}`,
        reply_to_id: root,
        auto_publish_text: "true",
      });
      expect(res.status).toBe(200);
    }
    const refused = await create({
      media_type: "TEXT",
      text: "r",
      reply_to_id: root,
      auto_publish_text: "true",
    });
    expect(refused.body.error.code).toBe(9);
    const limit = await call("GET", "/v1.0/me/threads_publishing_limit", {
      fields: "quota_usage,reply_quota_usage",
    });
    expect(limit.body.data[0]).toEqual({ quota_usage: 1, reply_quota_usage: 1000 });
  });
});
