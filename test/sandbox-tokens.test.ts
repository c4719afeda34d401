import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";

// biome-ignore lint/suspicious/noExplicitAny: Graph answers are arbitrary JSON that the tests index into.
type Json = any;

const T0 = Date.UTC(2025, 0, 6, 3, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let clock: FakeClock;
let running: RunningSandbox;

beforeEach(async () => {
  clock = new FakeClock(T0);
  running = await startSandbox({ clock, appId: "123456", appSecret: "s3cret" });
});
afterEach(() => running.close());

type Params = Record<string, string>;
async function get(path: string, params: Params = {}) {
  const url = new URL(running.url + path);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: "manual" });
  return { status: res.status, headers: res.headers, body: await parse(res) };
}
async function post(path: string, params: Params = {}) {
  const res = await fetch(running.url + path, {
    method: "POST",
    body: new URLSearchParams(params),
    redirect: "manual",
  });
  return { status: res.status, headers: res.headers, body: await parse(res) };
}
async function parse(res: Response): Promise<Json> {
  const text = await res.text();
  return res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
}

describe("token lifetimes", () => {
  it("a short-lived token works for one hour, then answers 190/463 in Meta's error shape", async () => {
    const user = running.sandbox.createUser({ username: "shorty", tokenKind: "short" });
    expect(user.expiresAt - user.issuedAt).toBe(HOUR);
    const me = await get("/v1.0/me", { fields: "id,username", access_token: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: user.userId, username: "shorty" });

    clock.advance(HOUR);
    const expired = await get("/v1.0/me", { access_token: user.accessToken });
    expect(expired.status).toBe(400);
    expect(expired.body.error).toMatchObject({
      type: "OAuthException",
      code: 190,
      error_subcode: 463,
      is_transient: false,
    });
    expect(expired.body.error.fbtrace_id).toEqual(expect.any(String));
    expect(expired.body.error.message).toMatch(/expired/i);
  });

  it("a long-lived token lives 60 days", async () => {
    const user = running.sandbox.createUser({ tokenKind: "long" });
    clock.advance(60 * DAY - 1);
    expect((await get("/v1.0/me", { access_token: user.accessToken })).status).toBe(200);
    clock.advance(1);
    const expired = await get("/v1.0/me", { access_token: user.accessToken });
    expect(expired.body.error).toMatchObject({ code: 190, error_subcode: 463 });
  });

  it("an unknown token is 190 without subcode; the Authorization header works too", async () => {
    const unknown = await get("/v1.0/me", { access_token: "THAAnope" });
    expect(unknown.body.error.code).toBe(190);
    expect(unknown.body.error.error_subcode).toBeUndefined();
    const user = running.sandbox.createUser();
    const res = await fetch(`${running.url}/v1.0/me?fields=username`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(await res.json()).toMatchObject({ username: user.username });
  });

  it("exchanges a short-lived token for a long-lived one (server side, with the app secret)", async () => {
    const user = running.sandbox.createUser({ tokenKind: "short" });
    const wrong = await get("/access_token", {
      grant_type: "th_exchange_token",
      client_secret: "nope",
      access_token: user.accessToken,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.type).toBe("OAuthException");

    const ok = await get("/access_token", {
      grant_type: "th_exchange_token",
      client_secret: "s3cret",
      access_token: user.accessToken,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: "bearer", expires_in: 60 * 86_400 });
    clock.advance(2 * HOUR);
    expect((await get("/v1.0/me", { access_token: ok.body.access_token })).status).toBe(200);

    const again = await get("/access_token", {
      grant_type: "th_exchange_token",
      client_secret: "s3cret",
      access_token: ok.body.access_token,
    });
    expect(again.body.error.code).toBe(100);
  });

  it("refreshes a long-lived token only when it is at least 24 h old and not expired", async () => {
    const user = running.sandbox.createUser({ tokenKind: "long" });
    const refresh = (token: string) =>
      get("/refresh_access_token", { grant_type: "th_refresh_token", access_token: token });

    const tooYoung = await refresh(user.accessToken);
    expect(tooYoung.status).toBe(400);
    expect(tooYoung.body.error.code).toBe(100);
    expect(tooYoung.body.error.message).toMatch(/24 hours/);

    clock.advance(DAY);
    const ok = await refresh(user.accessToken);
    expect(ok.status).toBe(200);
    expect(ok.body.expires_in).toBe(60 * 86_400);
    expect(ok.body.access_token).not.toBe(user.accessToken);
    // The old token keeps working until its own expiry.
    expect((await get("/v1.0/me", { access_token: user.accessToken })).status).toBe(200);

    clock.advance(59 * DAY);
    expect((await get("/v1.0/me", { access_token: user.accessToken })).status).toBe(400);
    expect((await get("/v1.0/me", { access_token: ok.body.access_token })).status).toBe(200);
    const dead = await refresh(user.accessToken);
    expect(dead.body.error).toMatchObject({ code: 190, error_subcode: 463 });

    const short = running.sandbox.createUser({ tokenKind: "short" });
    expect((await refresh(short.accessToken)).body.error.code).toBe(100);
  });

  it("a token created old is already past its age rules", async () => {
    const old = running.sandbox.createUser({ tokenKind: "long", tokenAgeMs: 61 * DAY });
    expect((await get("/v1.0/me", { access_token: old.accessToken })).body.error.error_subcode).toBe(463);
  });

  it("token endpoints under /v1.0 fail with code 100", async () => {
    const user = running.sandbox.createUser({ tokenKind: "short" });
    const res = await get("/v1.0/access_token", {
      grant_type: "th_exchange_token",
      client_secret: "s3cret",
      access_token: user.accessToken,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(100);
  });

  it("debug_token reports validity, unix-second times, scopes and user", async () => {
    const user = running.sandbox.createUser({ tokenKind: "short" });
    const res = await get("/v1.0/debug_token", {
      input_token: user.accessToken,
      access_token: "123456|s3cret",
    });
    expect(res.body.data).toMatchObject({
      is_valid: true,
      issued_at: Math.floor(user.issuedAt / 1000),
      expires_at: Math.floor(user.expiresAt / 1000),
      user_id: user.userId,
    });
    expect(res.body.data.scopes).toContain("threads_content_publish");
    clock.advance(HOUR);
    const later = await get("/v1.0/debug_token", {
      input_token: user.accessToken,
      access_token: "123456|s3cret",
    });
    expect(later.body.data.is_valid).toBe(false);
    const unknown = await get("/v1.0/debug_token", { input_token: "nope", access_token: "123456|s3cret" });
    expect(unknown.body.data.is_valid).toBe(false);
  });
});

describe("OAuth authorize and code exchange", () => {
  const redirectUri = "https://app.example/callback";
  const authorize = {
    client_id: "123456",
    redirect_uri: redirectUri,
    scope: "threads_basic,threads_content_publish",
    response_type: "code",
    state: "xyz 1",
  };

  async function allow(username: string) {
    const res = await post("/oauth/authorize", { ...authorize, username, decision: "allow" });
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect(location.startsWith(`${redirectUri}?`)).toBe(true);
    expect(location.endsWith("#_")).toBe(true);
    const url = new URL(location);
    expect(url.searchParams.get("state")).toBe("xyz 1");
    return url.searchParams.get("code")!;
  }
  const exchange = (code: string, overrides: Params = {}) =>
    post("/oauth/access_token", {
      client_id: "123456",
      client_secret: "s3cret",
      grant_type: "authorization_code",
      redirect_uri: redirectUri,
      code,
      ...overrides,
    });

  it("renders a bilingual consent page labelled as the sandbox", async () => {
    const page = await get("/oauth/authorize", authorize);
    expect(page.status).toBe(200);
    expect(page.body).toContain("Threads sandbox");
    expect(page.body).toContain("許可する");
    expect(page.body).toContain("Allow");
    expect(page.body).toContain("Cancel");
    expect(page.body).toContain('name="username"');
    expect(page.body).toContain("threads_content_publish");
  });

  it("refuses an unknown client_id on the consent page", async () => {
    const page = await get("/oauth/authorize", { ...authorize, client_id: "999" });
    expect(page.status).toBe(400);
    expect(page.body).toContain("Invalid platform app");
  });

  it("Allow → code → short-lived token; a code works once", async () => {
    const code = await allow("alice");
    const token = await exchange(code);
    expect(token.status).toBe(200);
    expect(typeof token.body.user_id).toBe("number");
    const me = await get("/v1.0/me", { fields: "id,username", access_token: token.body.access_token });
    expect(me.body).toEqual({ id: String(token.body.user_id), username: "alice" });
    clock.advance(HOUR);
    expect((await get("/v1.0/me", { access_token: token.body.access_token })).body.error.error_subcode).toBe(
      463,
    );

    const reused = await exchange(code);
    expect(reused.status).toBe(400);
    expect(reused.body).toEqual({
      error_type: "OAuthException",
      code: 400,
      error_message: "Matching code was not found or was already used",
    });
  });

  it("the same username is the same user", async () => {
    const first = await exchange(await allow("bob"));
    const second = await exchange(await allow("bob"));
    expect(second.body.user_id).toBe(first.body.user_id);
    expect(second.body.access_token).not.toBe(first.body.access_token);
  });

  it("rejects a wrong secret or redirect_uri without using up the code", async () => {
    const code = await allow("carol");
    expect((await exchange(code, { client_secret: "bad" })).body.error_message).toMatch(/client secret/);
    expect((await exchange(code, { redirect_uri: "https://evil.example/cb" })).body.error_message).toMatch(
      /redirect_uri/,
    );
    expect((await exchange(code)).status).toBe(200);
  });

  it("a code lives one hour", async () => {
    const code = await allow("dave");
    clock.advance(HOUR);
    const res = await exchange(code);
    expect(res.status).toBe(400);
    expect(res.body.error_type).toBe("OAuthException");
  });

  it("Cancel redirects with access_denied and the state", async () => {
    const res = await post("/oauth/authorize", { ...authorize, username: "erin", decision: "cancel" });
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get("location")!);
    expect(url.origin + url.pathname).toBe(redirectUri);
    expect(url.searchParams.get("error")).toBe("access_denied");
    expect(url.searchParams.get("error_reason")).toBe("user_denied");
    expect(url.searchParams.get("error_description")).toBeTruthy();
    expect(url.searchParams.get("state")).toBe("xyz 1");
    expect(url.searchParams.get("code")).toBeNull();
  });

  it("a token only has the scopes the user granted", async () => {
    const code = await (async () => {
      const res = await post("/oauth/authorize", {
        ...authorize,
        scope: "threads_basic",
        username: "frank",
        decision: "allow",
      });
      return new URL(res.headers.get("location")!).searchParams.get("code")!;
    })();
    const token = await exchange(code);
    const res = await post(`/v1.0/${token.body.user_id}/threads`, {
      media_type: "TEXT",
      text: "hi",
      access_token: token.body.access_token,
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe(10);
  });
});
