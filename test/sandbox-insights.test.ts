import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";

// biome-ignore lint/suspicious/noExplicitAny: Graph answers are arbitrary JSON that the tests index into.
type Json = any;

const T0 = Date.UTC(2025, 0, 6, 11, 0, 0); // 20:00 in Japan
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let clock: FakeClock;
let running: RunningSandbox;
let token: string;

beforeEach(async () => {
  clock = new FakeClock(T0);
  running = await startSandbox({ clock });
  token = running.sandbox.createUser({ username: "analyst" }).accessToken;
});
afterEach(() => running.close());

async function get(path: string, params: Record<string, string> = {}) {
  const url = new URL(running.url + path);
  url.searchParams.set("access_token", token);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Json };
}
async function postText(text: string, extra: Record<string, string> = {}) {
  const res = await fetch(`${running.url}/v1.0/me/threads`, {
    method: "POST",
    body: new URLSearchParams({
      access_token: token,
      media_type: "TEXT",
      text,
      auto_publish_text: "true",
      ...extra,
    }),
  });
  return ((await res.json()) as { id: string }).id;
}
const METRICS = "views,likes,replies,reposts,quotes,shares";
const values = (body: Json) =>
  Object.fromEntries(body.data.map((d: Json) => [d.name, d.values[0].value])) as Record<string, number>;

describe("media insights", () => {
  it("grow over time, never decrease, and are stable for the same instant", async () => {
    const id = await postText(
      "今日のおすすめ。これは少し長めの投稿で、閲覧数がどう伸びるかを見るためのものです。",
    );
    const first = await get(`/v1.0/${id}/insights`, { metric: METRICS });
    expect(first.body.data[0]).toMatchObject({ name: "views", period: "lifetime", values: [{ value: 0 }] });
    let previous = values(first.body);
    for (const step of [HOUR, 5 * HOUR, DAY, 10 * DAY]) {
      clock.advance(step);
      const now = values((await get(`/v1.0/${id}/insights`, { metric: METRICS })).body);
      for (const name of Object.keys(now)) expect(now[name]).toBeGreaterThanOrEqual(previous[name]!);
      previous = now;
    }
    expect(previous.views).toBeGreaterThan(0);
    expect(values((await get(`/v1.0/${id}/insights`, { metric: METRICS })).body)).toEqual(previous);
  });

  it("refuses unknown metrics and other users' posts", async () => {
    const id = await postText("x");
    expect((await get(`/v1.0/${id}/insights`, { metric: "views,bogus" })).body.error.code).toBe(100);
    expect((await get(`/v1.0/${id}/insights`)).body.error.code).toBe(100);
    token = running.sandbox.createUser({ username: "someone_else" }).accessToken;
    expect((await get(`/v1.0/${id}/insights`, { metric: "views" })).body.error.code).toBe(100);
  });
});

describe("user insights", () => {
  it("answers views as a daily series, others as totals, clicks per link and followers", async () => {
    await postText("see https://shop.example/item");
    await postText("plain", { link_attachment: "https://blog.example/post" });
    clock.advance(3 * DAY);
    const since = String(Math.floor((T0 - DAY) / 1000));
    const until = String(Math.floor(clock.now() / 1000));
    const res = await get("/v1.0/me/threads_insights", {
      metric: "views,likes,replies,reposts,quotes,clicks,followers_count",
      since,
      until,
    });
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.data.map((d: Json) => [d.name, d]));
    expect(byName.views.values.length).toBeGreaterThanOrEqual(4);
    expect(byName.views.values[0]).toEqual({
      value: expect.any(Number),
      end_time: expect.stringMatching(/\+0000$/),
    });
    const totalViews = byName.views.values.reduce((s: number, v: { value: number }) => s + v.value, 0);
    expect(totalViews).toBeGreaterThan(0);
    expect(byName.likes.total_value.value).toEqual(expect.any(Number));
    expect(byName.followers_count.total_value.value).toBeGreaterThan(0);
    expect(byName.clicks.link_total_values.map((l: Json) => l.link_url).sort()).toEqual([
      "https://blog.example/post",
      "https://shop.example/item",
    ]);
  });

  it("refuses since before 13 April 2024", async () => {
    expect(
      (await get("/v1.0/me/threads_insights", { metric: "views", since: "1700000000" })).body.error.code,
    ).toBe(100);
  });

  it("needs the threads_manage_insights permission", async () => {
    const redirectUri = "https://app.example/cb";
    const consent = await fetch(`${running.url}/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({
        client_id: "sandbox-app-id",
        redirect_uri: redirectUri,
        scope: "threads_basic,threads_content_publish",
        username: "no_insights",
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
    token = ((await exchange.json()) as { access_token: string }).access_token;
    const res = await get("/v1.0/me/threads_insights", { metric: "views" });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 10, type: "OAuthException" });
  });
});
