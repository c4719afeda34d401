/**
 * The sandbox's text attachments, text spoilers and media spoilers through HTTP, as the client sends them
 * (form fields, structured values as JSON strings): each refusal with Meta's error shape, and what an accepted
 * post stores, reads back and shows on its page.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";

// biome-ignore lint/suspicious/noExplicitAny: Graph answers are arbitrary JSON that the tests index into.
type Json = any;
type Params = Record<string, string>;

let running: RunningSandbox;
let token: string;
let userId: string;

beforeEach(async () => {
  running = await startSandbox({
    clock: new FakeClock(Date.UTC(2026, 0, 6, 3)),
    mediaProcessingMs: 0,
    fetchMedia: async (url: string) => ({
      ok: true,
      contentType: url.endsWith(".mp4") ? "video/mp4" : "image/jpeg",
    }),
  });
  ({ accessToken: token, userId } = running.sandbox.createUser({ username: "writer" }));
});
afterEach(() => running.close());

async function call(method: "GET" | "POST", path: string, params: Params = {}) {
  const all = { access_token: token, ...params };
  const url = new URL(running.url + path);
  let body: URLSearchParams | undefined;
  if (method === "GET") for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  else body = new URLSearchParams(all);
  const res = await fetch(url, { method, body });
  return { status: res.status, body: (await res.json()) as Json };
}
const create = (params: Params) => call("POST", "/v1.0/me/threads", params);
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
async function publish(params: Params): Promise<string> {
  const container = await create(params);
  expect(container.status, JSON.stringify(container.body)).toBe(200);
  await settle();
  const media = await call("POST", `/v1.0/${userId}/threads_publish`, { creation_id: container.body.id });
  expect(media.status, JSON.stringify(media.body)).toBe(200);
  return media.body.id as string;
}
const json = (value: unknown) => JSON.stringify(value);
const spoilers = (...ranges: Array<[number, number]>) =>
  json(ranges.map(([offset, length]) => ({ entity_type: "SPOILER", offset, length })));

/** A refusal: HTTP 400 with Meta's code-100 error body, its message matching `pattern`. */
async function expectRefused(params: Params, pattern: RegExp) {
  const res = await create(params);
  expect(res.status).toBe(400);
  expect(res.body.error).toMatchObject({
    code: 100,
    type: "THApiException",
    message: expect.stringMatching(pattern),
    fbtrace_id: expect.any(String),
    is_transient: false,
  });
  return res.body.error;
}

describe("text attachments", () => {
  const attachment = {
    plaintext: "長い記事です。🍣\n二段落目",
    link_attachment_url: "https://example.jp/記事",
    text_with_styling_info: [{ offset: 0, length: 2, styling_info: ["bold", "highlight"] }],
  };

  it("are stored on the container and the post, and read back under Meta's names", async () => {
    const id = await publish({ media_type: "TEXT", text: "続きは添付で", text_attachment: json(attachment) });
    const [post] = running.sandbox.published(userId);
    expect(post).toMatchObject({
      id,
      text: "続きは添付で",
      textAttachment: {
        plaintext: attachment.plaintext,
        linkAttachmentUrl: "https://example.jp/記事",
        styling: [{ offset: 0, length: 2, styling: ["bold", "highlight"] }],
      },
    });
    const read = await call("GET", `/v1.0/${id}`, { fields: "id,text,text_attachment,media_type" });
    expect(read.body).toEqual({
      id,
      text: "続きは添付で",
      media_type: "TEXT_POST",
      text_attachment: attachment,
    });
  });

  it("may stand alone on a TEXT post without text", async () => {
    const id = await publish({ media_type: "TEXT", text_attachment: json({ plaintext: "only this" }) });
    expect(running.sandbox.published(userId)[0]).toMatchObject({
      id,
      textAttachment: { plaintext: "only this" },
    });
  });

  it("accepts 10,000 characters and refuses 10,001 (emoji as UTF-8 bytes)", async () => {
    await publish({
      media_type: "TEXT",
      text: "x",
      text_attachment: json({ plaintext: `${"あ".repeat(9996)}🍣` }),
    });
    await expectRefused(
      { media_type: "TEXT", text: "x", text_attachment: json({ plaintext: `${"あ".repeat(9997)}🍣` }) },
      /plaintext is too long: 10001 characters, at most 10000/,
    );
  });

  it.each<[string, Params, RegExp]>([
    [
      "bad JSON",
      { media_type: "TEXT", text: "x", text_attachment: "{plaintext:" },
      /text_attachment must be valid JSON/,
    ],
    [
      "no plaintext",
      { media_type: "TEXT", text: "x", text_attachment: json({ plaintext: "" }) },
      /plaintext is required/,
    ],
    [
      "with a poll",
      {
        media_type: "TEXT",
        text: "x",
        text_attachment: json({ plaintext: "p" }),
        poll_attachment: json({ option_a: "a", option_b: "b" }),
      },
      /cannot be attached to a post that has a poll/,
    ],
    [
      "with media",
      { media_type: "IMAGE", image_url: "https://e.com/a.jpg", text_attachment: json({ plaintext: "p" }) },
      /only be attached to text-only posts/,
    ],
    [
      "with a link attachment and its own link",
      {
        media_type: "TEXT",
        text: "x",
        link_attachment: "https://a.example",
        text_attachment: json({ plaintext: "p", link_attachment_url: "https://b.example" }),
      },
      /already has a link attachment/,
    ],
    [
      "a link that is not a URL",
      {
        media_type: "TEXT",
        text: "x",
        text_attachment: json({ plaintext: "p", link_attachment_url: "nope" }),
      },
      /link_attachment_url must be a valid http\(s\) URL/,
    ],
    [
      "a style range outside the plaintext",
      {
        media_type: "TEXT",
        text: "x",
        text_attachment: json({
          plaintext: "abc",
          text_with_styling_info: [{ offset: 2, length: 2, styling_info: ["bold"] }],
        }),
      },
      /outside the text \(3 long\)/,
    ],
    [
      "an unknown style",
      {
        media_type: "TEXT",
        text: "x",
        text_attachment: json({
          plaintext: "abc",
          text_with_styling_info: [{ offset: 0, length: 1, styling_info: ["blink"] }],
        }),
      },
      /styling_info must list one or more of bold/,
    ],
    [
      "overlapping styles",
      {
        media_type: "TEXT",
        text: "x",
        text_attachment: json({
          plaintext: "abcdef",
          text_with_styling_info: [
            { offset: 0, length: 3, styling_info: ["bold"] },
            { offset: 2, length: 2, styling_info: ["italic"] },
          ],
        }),
      },
      /ranges must not overlap/,
    ],
  ])("refused: %s", async (_, params, pattern) => {
    await expectRefused(params, pattern);
    expect(running.sandbox.published(userId)).toEqual([]);
  });
});

describe("the 5-link limit with the attachment link", () => {
  const four = "https://a.example https://b.example https://c.example https://d.example";

  it("counts the attachment link once when the text has it, once more when it differs", async () => {
    await publish({
      media_type: "TEXT",
      text: `${four} www.facebook.com`,
      text_attachment: json({ plaintext: "p", link_attachment_url: "https://www.facebook.com" }),
    });
    const error = await expectRefused(
      {
        media_type: "TEXT",
        text: `${four} www.threads.com`,
        text_attachment: json({ plaintext: "p", link_attachment_url: "https://www.facebook.com" }),
      },
      /^\(#100\) THREADS_API__LINK_LIMIT_EXCEEDED: the post contains 6 unique links \(the text attachment's link included\)/,
    );
    expect(error.error_user_title).toBe("Too many links");
  });

  it("does not count links written in the plaintext", async () => {
    await publish({
      media_type: "TEXT",
      text: `${four} https://e.example`,
      text_attachment: json({ plaintext: "https://f.example https://g.example" }),
    });
  });
});

describe("text spoilers", () => {
  it("are stored and read back, in UTF-16 units over Japanese and emoji text", async () => {
    const text = "犯人は🍣屋の👨‍👩‍👧だった";
    const entities = [
      { entity_type: "SPOILER", offset: 3, length: 2 },
      { entity_type: "spoiler", offset: 7, length: 8 },
    ];
    const id = await publish({ media_type: "TEXT", text, text_entities: json(entities) });
    expect(running.sandbox.published(userId)[0]!.textEntities).toEqual([
      { entityType: "SPOILER", offset: 3, length: 2 },
      { entityType: "spoiler", offset: 7, length: 8 },
    ]);
    const read = await call("GET", `/v1.0/${id}`, { fields: "text_entities,is_spoiler_media" });
    expect(read.body).toEqual({ text_entities: entities, is_spoiler_media: false });
  });

  it("allow 10 and refuse 11", async () => {
    const text = "あいうえおかきくけこさしすせそ";
    const ten = Array.from({ length: 10 }, (_, i): [number, number] => [i, 1]);
    await publish({ media_type: "TEXT", text, text_entities: spoilers(...ten) });
    await expectRefused(
      { media_type: "TEXT", text, text_entities: spoilers(...ten, [12, 1]) },
      /maximum number of text spoiler entities per post is limited to 10 \(got 11\)/,
    );
  });

  it.each<[string, Params, RegExp]>([
    [
      "bad JSON",
      { media_type: "TEXT", text: "abc", text_entities: "[{" },
      /text_entities must be valid JSON/,
    ],
    [
      "not a list",
      { media_type: "TEXT", text: "abc", text_entities: json({ offset: 0 }) },
      /must be a JSON list/,
    ],
    [
      "past the end",
      { media_type: "TEXT", text: "abc", text_entities: spoilers([2, 2]) },
      /outside the text \(3 long\)/,
    ],
    [
      "a negative offset",
      { media_type: "TEXT", text: "abc", text_entities: spoilers([-1, 2]) },
      /offset must be a whole number/,
    ],
    [
      "a zero length",
      { media_type: "TEXT", text: "abc", text_entities: spoilers([0, 0]) },
      /length must be a whole number/,
    ],
    [
      "half an emoji",
      { media_type: "TEXT", text: "今日は🍣", text_entities: spoilers([3, 1]) },
      /splits a character/,
    ],
    [
      "overlapping",
      { media_type: "TEXT", text: "abcdef", text_entities: spoilers([0, 3], [2, 2]) },
      /must not overlap/,
    ],
    [
      "another entity type",
      {
        media_type: "TEXT",
        text: "abc",
        text_entities: json([{ entity_type: "LINK", offset: 0, length: 1 }]),
      },
      /entity_type must be SPOILER/,
    ],
    [
      "no text",
      { media_type: "IMAGE", image_url: "https://e.com/a.jpg", text_entities: spoilers([0, 1]) },
      /needs a text/,
    ],
  ])("refused: %s", async (_, params, pattern) => {
    await expectRefused(params, pattern);
  });
});

describe("media spoilers", () => {
  it("are kept on an image and on a carousel parent", async () => {
    const imageId = await publish({
      media_type: "IMAGE",
      image_url: "https://e.com/a.jpg",
      is_spoiler_media: "true",
    });
    const child = async (url: string) => {
      const res = await create({ media_type: "IMAGE", image_url: url, is_carousel_item: "true" });
      await settle();
      return res.body.id as string;
    };
    const children = [await child("https://e.com/1.jpg"), await child("https://e.com/2.jpg")];
    const carouselId = await publish({
      media_type: "CAROUSEL",
      children: children.join(","),
      text: "結末",
      is_spoiler_media: "true",
    });
    const published = running.sandbox.published(userId);
    expect(published.map((p) => [p.id, p.mediaType, p.isSpoilerMedia])).toEqual([
      [imageId, "IMAGE", true],
      [carouselId, "CAROUSEL", true],
    ]);
    const read = await call("GET", `/v1.0/${carouselId}`, { fields: "is_spoiler_media,media_type" });
    expect(read.body).toEqual({ is_spoiler_media: true, media_type: "CAROUSEL_ALBUM" });
  });

  it("are refused on a TEXT post, and must be true or false", async () => {
    const error = await expectRefused(
      { media_type: "TEXT", text: "x", is_spoiler_media: "true" },
      /Media spoilers only work with a media_type of IMAGE, VIDEO, or CAROUSEL/,
    );
    expect(error.error_user_msg).toContain("text_entities");
    await expectRefused(
      { media_type: "IMAGE", image_url: "https://e.com/a.jpg", is_spoiler_media: "maybe" },
      /true or false/,
    );
  });
});

describe("the post page", () => {
  it("hides spoilers, blurs spoiler media and shows the text attachment below the text", async () => {
    const id = await publish({
      media_type: "TEXT",
      text: "犯人は<執事>だった",
      text_entities: spoilers([3, 4]),
      text_attachment: json({
        plaintext: "詳しい解説 & 裏話",
        link_attachment_url: "https://example.jp/a?b=1&c=2",
        text_with_styling_info: [{ offset: 0, length: 2, styling_info: ["bold", "italic"] }],
      }),
    });
    const post = running.sandbox.published(userId).find((p) => p.id === id)!;
    const html = await (await fetch(post.permalink)).text();
    expect(html).toContain(
      '犯人は<span class="spoiler" tabindex="0" title="spoiler — click to reveal / ネタバレ">&#60;執事&#62;</span>だった',
    );
    expect(html).toMatch(
      /<\/p>\s*<div class="attachment"><p class="text"><strong><em>詳し<\/em><\/strong>い解説 &#38; 裏話<\/p><p class="meta">🔗 <a href="https:\/\/example.jp\/a\?b=1&#38;c=2">/,
    );
    const imageId = await publish({
      media_type: "IMAGE",
      image_url: "https://e.com/a.jpg",
      is_spoiler_media: "true",
    });
    const image = running.sandbox.published(userId).find((p) => p.id === imageId)!;
    expect(await (await fetch(image.permalink)).text()).toContain(
      '<div class="media spoiler-media" tabindex="0"',
    );
  });
});
