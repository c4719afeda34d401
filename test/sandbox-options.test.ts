/**
 * The sandbox's post options over HTTP: GIFs, ghost posts (archived 24 h later by the sandbox clock), location
 * tags, reply approvals and every reply_control value, geo-gating (a per-user eligibility flag), share to
 * Instagram. Each refusal is Meta's code-100 error shape; what was accepted reads back and shows on the post page.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";

// biome-ignore lint/suspicious/noExplicitAny: Graph answers are arbitrary JSON that the tests index into.
type Json = any;

const T0 = Date.UTC(2026, 5, 1, 9, 0, 0);
const HOUR = 3_600_000;
const GIF = JSON.stringify({ gif_id: "3oEjI6SIIHBdRxXI40", provider: "GIPHY" });
const SHIBUYA = "110000000000001";

let clock: FakeClock;
let running: RunningSandbox;
let token: string;
let userId: string;

beforeEach(async () => {
  clock = new FakeClock(T0);
  running = await startSandbox({
    clock,
    mediaProcessingMs: 1000,
    fetchMedia: async () => ({ ok: true, contentType: "image/jpeg" }),
  });
  ({ accessToken: token, userId } = running.sandbox.createUser({ username: "hanako" }));
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
  call("POST", "/v1.0/me/threads_publish", { creation_id: creationId }, as);
const read = (id: string, fields: string) => call("GET", `/v1.0/${id}`, { fields });

/** Creates and publishes a TEXT container; its media id. */
async function post(params: Params): Promise<string> {
  const container = await create({ media_type: "TEXT", ...params });
  expect(container.body, JSON.stringify(container.body)).toHaveProperty("id");
  const media = await publish(container.body.id);
  expect(media.status).toBe(200);
  return media.body.id as string;
}

/** A refused container creation: HTTP 400, Meta's code 100, the message matching. */
async function refused(params: Params, message: RegExp, as = token) {
  const res = await create({ media_type: "TEXT", ...params }, as);
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error).toMatchObject({ code: 100, type: "THApiException", is_transient: false });
  expect(res.body.error.message).toMatch(message);
  expect(res.body.error.fbtrace_id).toEqual(expect.any(String));
  return res.body.error;
}

describe("GIFs", () => {
  it("publishes a GIPHY GIF on a text post, even without text, and reads back gif_url", async () => {
    const id = await post({ gif_attachment: GIF });
    expect((await read(id, "id,media_type,text,gif_url")).body).toEqual({
      id,
      media_type: "TEXT_POST",
      gif_url: "https://media.giphy.com/media/3oEjI6SIIHBdRxXI40/giphy.gif",
    });
    expect(running.sandbox.published(userId)[0]).toMatchObject({
      gif: { gifId: "3oEjI6SIIHBdRxXI40", provider: "GIPHY" },
    });
  });

  it("refuses a GIF with media, Tenor, another provider, a poll, a link attachment or bad JSON", async () => {
    const image = await create({
      media_type: "IMAGE",
      image_url: "https://cdn.example.com/a.jpg",
      gif_attachment: GIF,
    });
    expect(image.status).toBe(400);
    expect(image.body.error.message).toBe("(#100) gif_attachment is only supported for TEXT posts.");
    const tenor = await refused(
      { text: "x", gif_attachment: JSON.stringify({ gif_id: "abc", provider: "TENOR" }) },
      /TENOR is no longer supported: the Tenor API was sunset on March 31, 2026/,
    );
    expect(tenor.error_user_msg).toBe("Use a GIF from GIPHY (provider GIPHY).");
    await refused(
      { text: "x", gif_attachment: JSON.stringify({ gif_id: "abc", provider: "IMGUR" }) },
      /provider must be GIPHY/,
    );
    await refused(
      { text: "x", gif_attachment: GIF, poll_attachment: JSON.stringify({ option_a: "a", option_b: "b" }) },
      /cannot be combined with poll_attachment/,
    );
    await refused(
      { text: "x", gif_attachment: GIF, link_attachment: "https://example.com" },
      /cannot be combined with link_attachment/,
    );
    await refused({ text: "x", gif_attachment: "{not json" }, /must be a JSON object/);
    await refused(
      { text: "x", gif_attachment: JSON.stringify({ gif_id: "", provider: "GIPHY" }) },
      /gif_id is required/,
    );
    await refused(
      { text: "x", gif_attachment: JSON.stringify({ gif_id: "a/b", provider: "GIPHY" }) },
      /not a valid GIF id/,
    );
    expect(running.sandbox.published(userId)).toEqual([]);
  });

  it("still needs text or an attachment on a TEXT post", async () => {
    await refused(
      {},
      /text is required for TEXT posts \(unless link_attachment, text_attachment or gif_attachment is given\)/,
    );
  });
});

describe("ghost posts", () => {
  it("publishes a ghost post with text spoilers; it is active, then archived 24 h later and leaves /me/threads", async () => {
    const id = await post({
      text: "今日だけの秘密 🤫",
      is_ghost_post: "true",
      text_entities: JSON.stringify([{ entity_type: "SPOILER", offset: 0, length: 5 }]),
    });
    const fields = "id,ghost_post_status,ghost_post_expiration_timestamp";
    expect((await read(id, fields)).body).toEqual({
      id,
      ghost_post_status: "ACTIVE",
      ghost_post_expiration_timestamp: "2026-06-02T09:00:00+0000",
    });
    const listed = async () =>
      (await call("GET", "/v1.0/me/threads", { fields: "id" })).body.data.map((m: Json) => m.id);
    expect(await listed()).toEqual([id]);
    expect(running.sandbox.published(userId)[0]).toMatchObject({ id, isGhostPost: true });

    clock.advance(24 * HOUR - 1);
    expect((await read(id, "ghost_post_status")).body.ghost_post_status).toBe("ACTIVE");
    clock.advance(1);
    expect((await read(id, fields)).body).toMatchObject({ ghost_post_status: "ARCHIVED" });
    expect(await listed()).toEqual([]);
    // Still readable by its id (the archive keeps it).
    expect((await read(id, "id,text")).body).toEqual({ id, text: "今日だけの秘密 🤫" });
  });

  it("a non-ghost post has no ghost fields", async () => {
    const id = await post({ text: "plain" });
    expect((await read(id, "id,ghost_post_status,ghost_post_expiration_timestamp")).body).toEqual({ id });
  });

  it("refuses a ghost post as a reply, with media, or with any feature but text spoilers", async () => {
    const root = await post({ text: "root" });
    await refused(
      { text: "ghost reply", is_ghost_post: "true", reply_to_id: root },
      /^\(#100\) You cannot reply to a post with a ghost post\.$/,
    );
    const media = await create({
      media_type: "IMAGE",
      image_url: "https://cdn.example.com/a.jpg",
      is_ghost_post: "true",
    });
    expect(media.body.error.message).toBe("(#100) Ghost posts can only be TEXT posts.");
    const error = await refused(
      {
        text: "x",
        is_ghost_post: "true",
        topic_tag: "Books",
        location_id: SHIBUYA,
        enable_reply_approvals: "true",
        reply_control: "followers_only",
        crossreshare_to_ig: "true",
      },
      /The only feature supported with ghost posts is text spoilers/,
    );
    expect(error.message).toBe(
      "(#100) The only feature supported with ghost posts is text spoilers (text_entities); remove topic_tag, location_id, enable_reply_approvals, crossreshare_to_ig, reply_control.",
    );
    await refused(
      { text: "x", is_ghost_post: "true", poll_attachment: JSON.stringify({ option_a: "a", option_b: "b" }) },
      /remove poll_attachment/,
    );
    await refused(
      { text: "x", is_ghost_post: "true", link_attachment: "https://example.com" },
      /remove link_attachment/,
    );
    await refused({ text: "x", is_ghost_post: "true", gif_attachment: GIF }, /remove gif_attachment/);
    await refused({ text: "x", is_ghost_post: "true", quote_post_id: root }, /remove quote_post_id/);
    await refused({ text: "x", is_ghost_post: "maybe" }, /is_ghost_post must be true or false/);
    // The default reply setting is no feature.
    expect(await post({ text: "x", is_ghost_post: "true", reply_control: "everyone" })).toMatch(/^\d+$/);
  });

  it("takes replies while active (a chain after a ghost post), none once archived", async () => {
    const ghost = await post({ text: "ghost", is_ghost_post: "true" });
    const reply = await post({ text: "a normal reply", reply_to_id: ghost });
    expect((await read(reply, "replied_to")).body.replied_to).toEqual({ id: ghost });
    clock.advance(24 * HOUR);
    await refused(
      { text: "too late", reply_to_id: ghost },
      /is an archived ghost post; it cannot be replied to/,
    );
  });
});

describe("location tags", () => {
  it("stores a known place and reads back location_id and location", async () => {
    const id = await post({ text: "渋谷なう", location_id: SHIBUYA });
    expect((await read(id, "id,location_id,location")).body).toEqual({
      id,
      location_id: SHIBUYA,
      location: { id: SHIBUYA, name: "Shibuya Station" },
    });
    expect(running.sandbox.published(userId)[0]).toMatchObject({ locationId: SHIBUYA });
  });

  it("works on media posts too and refuses an unknown place", async () => {
    const container = await create({
      media_type: "IMAGE",
      image_url: "https://cdn.example.com/a.jpg",
      location_id: "110000000000002",
    });
    expect(container.status).toBe(200);
    const error = await refused(
      { text: "x", location_id: "999" },
      /location_id "999" is not a valid location id/,
    );
    expect(error.error_user_msg).toBe("Find the place with GET /location_search and use the id it returns.");
  });
});

describe("reply approvals and reply_control", () => {
  it("accepts every reply_control value Meta lists and stores reply approvals", async () => {
    const values = [
      "everyone",
      "accounts_you_follow",
      "mentioned_only",
      "parent_post_author_only",
      "followers_only",
    ];
    for (const reply_control of values) {
      const id = await post({ text: reply_control, reply_control, enable_reply_approvals: "true" });
      expect((await read(id, "reply_audience")).body.reply_audience).toBe(reply_control);
    }
    expect(running.sandbox.published(userId).map((p) => [p.replyControl, p.replyApprovals])).toEqual(
      values.map((v) => [v, true]),
    );
    await refused(
      { text: "x", reply_control: "friends" },
      /reply_control must be one of everyone, accounts_you_follow/,
    );
    await refused(
      { text: "x", enable_reply_approvals: "yes" },
      /enable_reply_approvals must be true or false/,
    );
  });
});

describe("geo-gating", () => {
  it("users are not eligible by default; GET /me says so; a gated post is refused", async () => {
    expect((await call("GET", "/v1.0/me", { fields: "id,is_eligible_for_geo_gating" })).body).toEqual({
      id: userId,
      is_eligible_for_geo_gating: false,
    });
    const error = await refused(
      { text: "x", allowlisted_country_codes: "JP" },
      /not eligible for geo-gating/,
    );
    expect(error.error_user_title).toBe("Geo-gating not available");
  });

  it("an eligible user (admin route or API) publishes to listed countries, comma-separated or a JSON array", async () => {
    const res = await fetch(`${running.url}/__sandbox/users/${userId}/geo-gating`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ eligible: true }),
    });
    expect(await res.json()).toEqual({ user_id: userId, is_eligible_for_geo_gating: true });
    expect((await call("GET", "/v1.0/me", { fields: "is_eligible_for_geo_gating" })).body).toEqual({
      is_eligible_for_geo_gating: true,
    });
    const a = await post({ text: "日本と台湾", allowlisted_country_codes: "JP,TW" });
    const b = await post({ text: "US", allowlisted_country_codes: '["US"]' });
    expect((await read(a, "allowlisted_country_codes")).body.allowlisted_country_codes).toEqual(["JP", "TW"]);
    expect((await read(b, "allowlisted_country_codes")).body.allowlisted_country_codes).toEqual(["US"]);

    expect(running.sandbox.setGeoGatingEligible(userId, false)).toBe(true);
    await refused({ text: "x", allowlisted_country_codes: "JP" }, /not eligible/);
    expect(running.sandbox.setGeoGatingEligible("nobody", true)).toBe(false);
  });

  it("refuses invalid codes, even for an eligible user", async () => {
    const user = running.sandbox.createUser({ username: "eligible", geoGatingEligible: true });
    for (const codes of ["jp", "UK", "JP,XX", "[1]", "[oops"]) {
      const res = await create(
        { media_type: "TEXT", text: "x", allowlisted_country_codes: codes },
        user.accessToken,
      );
      expect(res.status, codes).toBe(400);
      expect(res.body.error.code).toBe(100);
    }
    const error = await refused(
      { text: "x", allowlisted_country_codes: "JP,jp" },
      /invalid country codes: "jp"/,
      user.accessToken,
    );
    expect(error.error_user_msg).toBe("Use ISO 3166-1 alpha-2 country codes in capitals, such as US or JP.");
  });

  it("the admin route validates its body", async () => {
    const bad = await fetch(`${running.url}/__sandbox/users/${userId}/geo-gating`, {
      method: "POST",
      body: "{}",
    });
    expect(bad.status).toBe(400);
    const missing = await fetch(`${running.url}/__sandbox/users/123/geo-gating`, {
      method: "POST",
      body: JSON.stringify({ eligible: true }),
    });
    expect(missing.status).toBe(404);
    const created = await fetch(`${running.url}/__sandbox/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "geo", geo_gating_eligible: true }),
    });
    const { access_token } = (await created.json()) as { access_token: string };
    expect(
      (await call("GET", "/v1.0/me", { fields: "is_eligible_for_geo_gating" }, access_token)).body,
    ).toEqual({
      is_eligible_for_geo_gating: true,
    });
  });
});

describe("share to Instagram", () => {
  it("stores crossreshare_to_ig and refuses a non-boolean", async () => {
    await post({ text: "IG too", crossreshare_to_ig: "true" });
    expect(running.sandbox.published(userId)[0]).toMatchObject({ crossreshareToIg: true });
    await refused({ text: "x", crossreshare_to_ig: "sure" }, /crossreshare_to_ig must be true or false/);
  });
});

describe("the post page", () => {
  it("shows the GIF, the place, the ghost badge, reply approvals, the countries and the Instagram share", async () => {
    running.sandbox.setGeoGatingEligible(userId, true);
    await post({
      text: "GIF",
      gif_attachment: GIF,
      location_id: "110000000000002",
      enable_reply_approvals: "true",
    });
    await post({ text: "ghost", is_ghost_post: "true" });
    await post({ text: "gated", allowlisted_country_codes: "JP,TW", crossreshare_to_ig: "true" });
    const [gif, ghost, gated] = running.sandbox.published(userId);
    const html = async (permalink: string) => (await fetch(permalink)).text();

    const gifPage = await html(gif!.permalink);
    expect(gifPage).toContain('src="https://media.giphy.com/media/3oEjI6SIIHBdRxXI40/giphy.gif"');
    expect(gifPage).toContain("📍 東京タワー");
    expect(gifPage).toContain("replies need approval");

    expect(await html(ghost!.permalink)).toContain("ghost post — archived 24 h after publishing");
    clock.advance(24 * HOUR);
    expect(await html(ghost!.permalink)).toContain("archived ghost post");

    const gatedPage = await html(gated!.permalink);
    expect(gatedPage).toContain("shown only in: JP, TW");
    expect(gatedPage).toContain("Instagram Story");
  });
});

describe("permissions of the options", () => {
  /** A token with just these scopes. */
  const tokenWith = async (scope: string) =>
    running.sandbox.createUser({ username: `scoped${scope.length}`, scopes: scope.split(",") }).accessToken;

  it("a location tag needs threads_location_tagging, a share to Instagram threads_share_to_instagram", async () => {
    const basic = await tokenWith("threads_basic,threads_content_publish");
    for (const [params, scope] of [
      [{ location_id: SHIBUYA }, "threads_location_tagging"],
      [{ crossreshare_to_ig: "true" }, "threads_share_to_instagram"],
    ] as const) {
      const res = await create({ media_type: "TEXT", text: "x", ...params }, basic);
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 10 });
      expect(res.body.error.message).toContain(`lacks the ${scope} permission`);
    }
    const granted = await tokenWith(
      "threads_basic,threads_content_publish,threads_location_tagging,threads_share_to_instagram",
    );
    const res = await create(
      { media_type: "TEXT", text: "x", location_id: SHIBUYA, crossreshare_to_ig: "true" },
      granted,
    );
    expect(res.status).toBe(200);
  });
});
