import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAccountService } from "../src/accounts/accounts.service.js";
import { hintSentence } from "../src/cli/hints.js";
import { FakeClock } from "../src/clock.js";
import { AppError } from "../src/errors.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { ThreadsClient } from "../src/threads/client.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountServiceLinks } from "./helpers/service-links.js";
import { storedToken } from "./helpers/tokens.js";

const T0 = Date.UTC(2025, 0, 6, 3, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const KEY = Buffer.alloc(32, 9);
const APP = {
  appId: "sandbox-app",
  appSecret: "sandbox-secret",
  redirectUri: "http://127.0.0.1:9/oauth/callback",
};

let clock: FakeClock;
let running: RunningSandbox;

beforeAll(async () => {
  clock = new FakeClock(T0);
  running = await startSandbox({ clock, port: 0, appId: APP.appId, appSecret: APP.appSecret });
});
afterAll(() => running.close());

function service(t: TestDb, opts: { canExchangeTokens?: boolean } = {}) {
  const threads = new ThreadsClient({ graphUrl: running.url, ...APP });
  return createAccountService({
    ...accountServiceLinks,
    db: t.db,
    threads,
    secretKey: KEY,
    clock,
    defaultTimezone: "Asia/Tokyo",
    notify: async () => {},
    onTimezoneChanged: async () => {},
    ...opts,
  });
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

let userCount = 0;
function newUser(input: { tokenKind?: "short" | "long"; tokenAgeMs?: number } = {}) {
  userCount += 1;
  return running.sandbox.createUser({ username: `acct_user_${userCount}`, ...input });
}

/** An OAuth code from the sandbox's consent page, as a browser would get it. */
async function authorizationCode(username: string): Promise<string> {
  const res = await fetch(`${running.url}/oauth/authorize`, {
    method: "POST",
    body: new URLSearchParams({
      client_id: APP.appId,
      redirect_uri: APP.redirectUri,
      scope: "threads_basic,threads_content_publish",
      response_type: "code",
      decision: "allow",
      username,
    }),
    redirect: "manual",
  });
  return new URL(res.headers.get("location")!).searchParams.get("code")!;
}

describe.each(DIALECTS)("account service on %s", (dialect) => {
  let t: TestDb;
  beforeEach(() => {
    clock.set(T0);
    running.sandbox.faults.clear();
  });
  afterEach(async () => {
    running.sandbox.faults.clear();
    await t?.destroy();
  });

  it("adds an account from a token, learning the expiry from debug_token, and stores it encrypted", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    const user = newUser({ tokenAgeMs: 3 * DAY });
    const { account, created } = await accounts.addWithToken(user.accessToken);
    expect(created).toBe(true);
    expect(account).toMatchObject({
      threadsUserId: user.userId,
      username: user.username,
      status: "active",
      statusReason: null,
      timezone: "Asia/Tokyo",
      tokenExpiresAt: user.expiresAt,
      tokenIssuedAt: user.issuedAt,
      tokenRefreshedAt: null,
    });
    expect(await storedToken(t.db, KEY, account.id)).toBe(user.accessToken);
    const row = await t.db.selectFrom("accounts").selectAll().executeTakeFirstOrThrow();
    expect(row.token_ciphertext).toMatch(/^v1:/);
    expect(row.token_ciphertext).not.toContain(user.accessToken);
    expect(await accounts.list()).toEqual([account]);
  });

  it("re-adding a known user updates its token instead of failing, and clears reauth_required", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    const first = newUser();
    const { account } = await accounts.addWithToken(first.accessToken, { timezone: "Europe/Berlin" });
    await accounts.setStatus(account.id, "reauth_required", "Session has expired");
    clock.advance(HOUR);
    const again = running.sandbox.createUser({ username: first.username });
    const result = await accounts.addWithToken(again.accessToken);
    expect(result.created).toBe(false);
    expect(result.account).toMatchObject({
      id: account.id,
      status: "active",
      statusReason: null,
      timezone: "Europe/Berlin",
      tokenExpiresAt: again.expiresAt,
    });
    expect(await storedToken(t.db, KEY, account.id)).toBe(again.accessToken);
    expect(await accounts.list()).toHaveLength(1);
  });

  it("refuses an invalid token or time zone and writes nothing", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    const bad = await rejection(accounts.addWithToken("THAAnot-a-token"));
    expect(bad.code).toBe("invalid_input");
    expect(bad.message).toMatch(/^This token is not valid: Threads says/);
    expect((await rejection(accounts.addWithToken("  "))).code).toBe("invalid_input");
    const zone = await rejection(accounts.addWithToken(newUser().accessToken, { timezone: "Tokyo" }));
    expect(zone.message).toMatch(/"Tokyo" is not an IANA time zone/);
    expect(await accounts.list()).toEqual([]);
  });

  it("without debug_token, a token old enough is refreshed and the NEW token stored", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    running.sandbox.faults.add({
      path: "debug_token",
      kind: "error",
      times: Infinity,
      error: { code: 10, message: "Application does not have permission for this action" },
    });
    const user = newUser({ tokenAgeMs: 30 * DAY });
    const { account } = await accounts.addWithToken(user.accessToken);
    expect(account).toMatchObject({ tokenIssuedAt: T0, tokenRefreshedAt: T0, statusReason: null });
    expect(account.tokenExpiresAt).toBeGreaterThan(T0 + 59 * DAY);
    expect(account.tokenExpiresAt).toBeLessThanOrEqual(T0 + 60 * DAY);
    expect(await storedToken(t.db, KEY, account.id)).not.toBe(user.accessToken);
  });

  it("a short-lived token that debug_token dates is exchanged for a 60-day one at once", async () => {
    t = await createTestDb(dialect);
    const exchanged = await service(t).addWithToken(newUser({ tokenKind: "short" }).accessToken);
    expect(exchanged.account.tokenExpiresAt).toBeGreaterThan(T0 + 59 * DAY);
    expect(exchanged.account.statusReason).toBeNull();
    // Without the app secret it cannot be exchanged: its real expiry is kept and said.
    const noSecret = service(t, { canExchangeTokens: false });
    const short = await noSecret.addWithToken(newUser({ tokenKind: "short" }).accessToken);
    expect(short.account.tokenExpiresAt).toBeLessThanOrEqual(T0 + HOUR);
  });

  it("without debug_token, a short-lived token is exchanged, or estimated at 1 h without the app secret", async () => {
    t = await createTestDb(dialect);
    running.sandbox.faults.add({
      path: "debug_token",
      kind: "error",
      times: Infinity,
      error: { code: 10, message: "no permission" },
    });
    const exchanged = await service(t).addWithToken(newUser({ tokenKind: "short" }).accessToken);
    expect(exchanged.account.tokenExpiresAt).toBeGreaterThan(T0 + 59 * DAY);
    expect(exchanged.account.statusReason).toBeNull();

    const noSecret = service(t, { canExchangeTokens: false });
    const estimated = await noSecret.addWithToken(newUser({ tokenKind: "short" }).accessToken);
    expect(estimated.account.tokenExpiresAt).toBe(T0 + HOUR);
    expect(estimated.account.statusReason).toMatch(
      /looks short-lived, so it is assumed to expire within 1 hour/,
    );

    const young = await noSecret.addWithToken(newUser({ tokenAgeMs: 2 * HOUR }).accessToken);
    expect(young.account.tokenExpiresAt).toBe(T0 + 59 * DAY);
    expect(young.account.statusReason).toMatch(/Assumed a 60-day token/);
  });

  it("connects with an OAuth code: short token, long token, profile, account", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    const { account, created } = await accounts.connectWithCode(await authorizationCode("oauth_person"));
    expect(created).toBe(true);
    expect(account).toMatchObject({ username: "oauth_person", status: "active" });
    expect(account.tokenExpiresAt).toBeGreaterThan(T0 + 59 * DAY);
    const reused = await rejection(accounts.connectWithCode("AQnot-a-code"));
    expect(reused.code).toBe("invalid_input");
    expect(reused.message).toMatch(
      /did not accept the authorization code.*start connecting the account again/,
    );
  });

  it("refreshes a 59-day-old token, skips a 12 h-old one", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    const old = await accounts.addWithToken(newUser().accessToken);
    const fresh = await accounts.addWithToken(newUser({ tokenAgeMs: 0 }).accessToken);
    clock.advance(12 * HOUR);
    const skipped = await accounts.refreshToken(fresh.account.id);
    expect(skipped).toMatchObject({ accountId: fresh.account.id, outcome: "skipped" });
    expect(skipped.message).toMatch(/12\.0 h old; Threads refreshes tokens only once they are 24 h old/);

    clock.set(T0 + 59 * DAY);
    const before = await storedToken(t.db, KEY, old.account.id);
    const result = await accounts.refreshToken(old.account.id);
    expect(result).toMatchObject({
      accountId: old.account.id,
      outcome: "refreshed",
      expiresAt: T0 + 119 * DAY,
    });
    expect(await accounts.get(old.account.id)).toMatchObject({
      status: "active",
      tokenExpiresAt: T0 + 119 * DAY,
      tokenIssuedAt: T0 + 59 * DAY,
      tokenRefreshedAt: T0 + 59 * DAY,
    });
    expect(await storedToken(t.db, KEY, old.account.id)).not.toBe(before);
    expect((await rejection(accounts.refreshToken(999))).code).toBe("not_found");
  });

  it("marks an expired token reauth_required with Meta's message; never attempts it again", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    const { account } = await accounts.addWithToken(newUser().accessToken);
    clock.set(T0 + 61 * DAY);
    const result = await accounts.refreshToken(account.id);
    expect(result.outcome).toBe("reauth_required");
    const after = await accounts.get(account.id);
    expect(after.status).toBe("reauth_required");
    expect(after.statusReason).toMatch(/expired/i);
    expect((await accounts.refreshToken(account.id)).outcome).toBe("skipped");
    expect((await rejection(accounts.resume(account.id))).code).toBe("conflict");
  });

  it("a 503 from Threads is retry_later and leaves a healthy account active", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    const { account } = await accounts.addWithToken(newUser().accessToken);
    const token = await storedToken(t.db, KEY, account.id);
    clock.set(T0 + 55 * DAY);
    running.sandbox.faults.add({ path: "refresh_access_token", kind: "http_503", times: Infinity });
    const result = await accounts.refreshToken(account.id);
    expect(result.outcome).toBe("retry_later");
    expect(await accounts.get(account.id)).toMatchObject({
      status: "active",
      tokenExpiresAt: account.tokenExpiresAt,
    });
    expect(await storedToken(t.db, KEY, account.id)).toBe(token);
  });

  it("refreshDue refreshes every due active or paused account and reports each", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    const due = await accounts.addWithToken(newUser().accessToken);
    const paused = await accounts.addWithToken(newUser().accessToken);
    await accounts.pause(paused.account.id);
    const dead = await accounts.addWithToken(newUser().accessToken);
    await accounts.setStatus(dead.account.id, "reauth_required", "password changed");
    clock.set(T0 + 50 * DAY);
    await accounts.addWithToken(newUser().accessToken); // expires beyond the week: not due
    clock.set(T0 + 55 * DAY);
    running.sandbox.faults.add({ path: "refresh_access_token", kind: "http_503", times: 1 });
    const results = await accounts.refreshDue({ within: WEEK });
    // Soonest expiry first (then id): the 503 hits `due`, which stays as it is; the paused one is refreshed.
    expect(results.map((r) => [r.accountId, r.outcome])).toEqual([
      [due.account.id, "retry_later"],
      [paused.account.id, "refreshed"],
    ]);
    expect(await accounts.get(due.account.id)).toMatchObject({
      status: "active",
      tokenExpiresAt: T0 + 60 * DAY,
    });
    expect((await accounts.get(paused.account.id)).status).toBe("paused");
  });

  it("pauses, resumes and removes accounts", async () => {
    t = await createTestDb(dialect);
    const accounts = service(t);
    const { account } = await accounts.addWithToken(newUser().accessToken);
    expect((await accounts.pause(account.id)).status).toBe("paused");
    expect((await accounts.resume(account.id)).status).toBe("active");
    expect((await rejection(accounts.setStatus(account.id, "gone" as never, null))).code).toBe(
      "invalid_input",
    );
    await accounts.remove(account.id);
    const missing = await rejection(accounts.get(account.id));
    expect(missing.code).toBe("not_found");
    expect(missing.message).toMatch(/was removed\. Add a token of @acct_user_\d+ again/);
    expect((await rejection(accounts.remove(account.id))).code).toBe("not_found");
    const unknown = await rejection(accounts.get(12345));
    expect(unknown.message + hintSentence(unknown.hint)).toMatch(/accounts list/);
  });
});
