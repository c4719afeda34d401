/**
 * Sandbox permalinks point at a page the sandbox serves (`{sandbox}/@user/post/{code}`),
 * not at threads.net addresses that do not exist.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { createSandbox, type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { ThreadsClient } from "../src/threads/client.js";
import { containerParamsFor } from "../src/threads/container-params.js";
import type { PostPart } from "../src/threads/post.js";

const T0 = Date.UTC(2025, 0, 6, 3, 0, 0);

let clock: FakeClock;
let running: RunningSandbox;
let client: ThreadsClient;

beforeEach(async () => {
  clock = new FakeClock(T0);
  running = await startSandbox({
    clock,
    mediaProcessingMs: 0,
    fetchMedia: async () => ({ ok: true, contentType: "image/jpeg" }),
  });
  client = new ThreadsClient({ graphUrl: running.url });
});
afterEach(() => running.close());

/** Publishes a text or one-media post (no carousel) with the client's calls; its media id and permalink. */
async function publish(
  user: { accessToken: string; userId: string },
  part: PostPart,
  replyToId?: string,
): Promise<{ mediaId: string; permalink: string }> {
  const { accessToken: token, userId } = user;
  const { parent } = containerParamsFor(part, replyToId === undefined ? {} : { replyToId });
  const containerId = await client.createContainer(token, userId, parent);
  if (parent.mediaType !== "TEXT") {
    expect((await client.waitForContainer(token, containerId)).status).toBe("FINISHED");
  }
  const mediaId = await client.publishContainer(token, userId, containerId);
  return { mediaId, permalink: await client.getPermalink(token, mediaId) };
}

async function page(url: string) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type"), html: await res.text() };
}

describe("sandbox post pages", () => {
  it("a published post's permalink opens a page of that post, and a chain links both ways", async () => {
    const user = running.sandbox.createUser({ username: "hanako" });
    const root = await publish(user, { text: "おはようございます <b>& welcome</b>", topic_tag: "朝ごはん" });
    const reply = await publish(
      user,
      { text: "Today's menu", media: [{ kind: "IMAGE", url: `${running.url}/__sandbox/media/sample.jpg` }] },
      root.mediaId,
    );
    expect(root.permalink).toMatch(
      new RegExp(`^${running.url.replace(/\W/g, "\\$&")}/@hanako/post/[\\w-]{11}$`),
    );
    // What the API answers and what the sandbox says it published agree.
    expect(running.sandbox.published(user.userId).map((p) => p.permalink)).toEqual([
      root.permalink,
      reply.permalink,
    ]);

    const first = await page(root.permalink);
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/^text\/html/);
    expect(first.html).toContain("@hanako");
    expect(first.html).toContain("おはようございます &#60;b&#62;&#38; welcome&#60;/b&#62;");
    expect(first.html).not.toContain("<b>&");
    expect(first.html).toContain("#朝ごはん");
    expect(first.html).toContain("not on Threads");
    expect(first.html).toContain(`href="${reply.permalink}"`);

    const second = await page(reply.permalink);
    expect(second.status).toBe(200);
    expect(second.html).toContain("Today&#39;s menu");
    expect(second.html).toContain(`<img src="${running.url}/__sandbox/media/sample.jpg"`);
    expect(second.html).toContain(`href="${root.permalink}"`);
  });

  it("answers 404 with a page for a post that does not exist, or under another user's name", async () => {
    const user = running.sandbox.createUser({ username: "taro" });
    running.sandbox.createUser({ username: "jiro" });
    const post = await publish(user, { text: "hi" });
    const code = post.permalink.split("/").at(-1)!;
    for (const url of [
      `${running.url}/@taro/post/AAAAAAAAAAA`,
      `${running.url}/@jiro/post/${code}`,
      `${running.url}/@nobody/post/${code}`,
    ]) {
      const missing = await page(url);
      expect(missing.status, url).toBe(404);
      expect(missing.html).toContain("Threads sandbox");
    }
  });

  it("post pages are not API calls: injected faults do not hit them", async () => {
    const user = running.sandbox.createUser({ username: "shop" });
    const post = await publish(user, { text: "sale" });
    running.sandbox.faults.add({ kind: "http_500", times: Number.POSITIVE_INFINITY });
    expect((await page(post.permalink)).status).toBe(200);
    running.sandbox.faults.clear();
  });

  it("permalinks follow the address the sandbox is given, so they stay right when its port changes", async () => {
    const sandbox = createSandbox({ clock, baseUrl: "http://127.0.0.1:31848" });
    const user = sandbox.createUser({ username: "agency" });
    const created = await sandbox.app.request("/v1.0/me/threads", {
      method: "POST",
      body: new URLSearchParams({
        access_token: user.accessToken,
        media_type: "TEXT",
        text: "x",
        auto_publish_text: "true",
      }),
    });
    const { id } = (await created.json()) as { id: string };
    const info = await sandbox.app.request(`/v1.0/${id}?fields=permalink&access_token=${user.accessToken}`);
    const { permalink } = (await info.json()) as { permalink: string };
    expect(permalink).toMatch(/^http:\/\/127\.0\.0\.1:31848\/@agency\/post\/[\w-]{11}$/);
    expect(sandbox.published()[0]!.permalink).toBe(permalink);
    await sandbox.close();
  });
});
