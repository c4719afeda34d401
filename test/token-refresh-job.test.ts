/**
 * The daily token refresh through the engine, on both databases, in DEFAULT_TIMEZONE = Europe/Helsinki:
 * 03:00 local once per local day across both DST changes of 2026, a catch-up run at start-up when 03:00 was
 * missed, and per account: refresh only what expires within 7 days and is at least 24 h old, 190 → reconnect,
 * a transient error → still active and a retry an hour later.
 */
import { afterEach, describe, expect, it } from "vitest";
import { decryptToken } from "../src/accounts/token-crypto.js";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, DAY, type EngineEnv, HOUR, MINUTE } from "./helpers/engine.js";

const ZONE = "Europe/Helsinki";
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(DIALECTS)("token refresh job on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  const refreshRuns = async () =>
    (await env.runs({ job: "token_refresh" })).filter((o) => o.state === "published");

  it.each([
    [
      "spring forward (2026-03-29: 03:00 does not exist, it runs at 04:00 EEST)",
      "2026-03-27T10:00:00Z",
      "2026-03-31T12:00:00Z",
      [
        "2026-03-27T01:00:00.000Z",
        "2026-03-28T01:00:00.000Z",
        "2026-03-29T01:00:00.000Z",
        "2026-03-30T00:00:00.000Z",
        "2026-03-31T00:00:00.000Z",
      ],
    ],
    [
      "fall back (2026-10-25: 03:00 happens twice, it runs at the first)",
      "2026-10-23T10:00:00Z",
      "2026-10-27T12:00:00Z",
      [
        "2026-10-23T00:00:00.000Z",
        "2026-10-24T00:00:00.000Z",
        "2026-10-25T00:00:00.000Z",
        "2026-10-26T01:00:00.000Z",
        "2026-10-27T01:00:00.000Z",
      ],
    ],
  ])("fires once per local day across %s", async (_, from, to, expected) => {
    env = await createEngineEnv(dialect, { start: from, defaultTimezone: ZONE });
    await env.addAccount();
    await env.engine.runDue();
    await env.stepTo(to, 30 * MINUTE);
    const runs = await refreshRuns();
    expect(runs.map((o) => iso(o.due_at))).toEqual(expected);
    // The first is the start-up catch-up (03:00 had passed with no run); the others ran at their instant.
    expect(runs[0]!.finished_at).toBe(Date.parse(from));
    expect(runs.slice(1).map((o) => iso(o.finished_at!))).toEqual(expected.slice(1));
    // The 03:00 slot of every local date ran exactly once.
    const dates = runs.map((o) => new Date(o.due_at).toLocaleDateString("sv-SE", { timeZone: ZONE }));
    expect(new Set(dates).size).toBe(dates.length);
  });

  it("refreshes only tokens due and old enough; 190 needs a reconnect; a 5xx is retried an hour later", async () => {
    // 10:00 in Helsinki: today's 03:00 was missed (nothing ran), so the job runs at start-up.
    const start = Date.parse("2026-03-09T08:00:00Z");
    env = await createEngineEnv(dialect, { start, defaultTimezone: ZONE });
    const old = await env.addAccount({ username: "old59", tokenAgeMs: 59 * DAY });
    const young = await env.addAccount({ username: "young10", tokenAgeMs: 10 * DAY });
    const fresh = await env.addAccount({ username: "fresh" });
    // Expiring soon but issued an hour ago (Threads refuses to refresh a token under 24 h old).
    await env.db
      .updateTable("accounts")
      .set({ token_issued_at: start - HOUR, token_expires_at: start + 3 * DAY })
      .where("id", "=", fresh.account.id)
      .execute();
    const revoked = await env.addAccount({ username: "revoked", tokenAgeMs: 55 * DAY });
    const flaky = await env.addAccount({ username: "flaky", tokenAgeMs: 56 * DAY });
    env.sandbox.faults.add({ kind: "token_expired", path: "refresh_access_token", userId: revoked.userId });
    env.sandbox.faults.add({ kind: "http_503", path: "refresh_access_token", userId: flaky.userId });

    await env.engine.runDue();
    const summaries = env.events.filter((e) => e.type === "token_refresh");
    expect(summaries).toEqual([
      { type: "token_refresh", refreshed: 1, skipped: 1, reauth: 1, retryLater: 1, failed: 0 },
    ]);
    const [caughtUp] = await refreshRuns();
    expect(iso(caughtUp!.due_at)).toBe("2026-03-09T01:00:00.000Z");
    expect(caughtUp!.finished_at).toBe(start);

    const oldRow = await env.account(old.account.id);
    expect(oldRow.token_refreshed_at).toBe(start);
    expect(oldRow.token_expires_at).toBe(start + 60 * DAY);
    expect(oldRow.token_ciphertext).not.toBe(old.account.token_ciphertext);
    // The new token works.
    const profile = await env.threads.getProfile(decryptToken(oldRow.token_ciphertext, env.config.secretKey));
    expect(profile.username).toBe("old59");

    expect(await env.account(young.account.id)).toMatchObject({
      token_refreshed_at: null,
      token_ciphertext: young.account.token_ciphertext,
    });
    expect(await env.account(fresh.account.id)).toMatchObject({ token_refreshed_at: null, status: "active" });
    const revokedRow = await env.account(revoked.account.id);
    expect(revokedRow.status).toBe("reauth_required");
    expect(revokedRow.status_reason).toMatch(/Threads refused the token: .*code 190/);
    const flakyRow = await env.account(flaky.account.id);
    expect(flakyRow).toMatchObject({ status: "active", token_refreshed_at: null });

    // The transient failure planned a retry an hour later, which refreshes the flaky account.
    const retry = (await env.runs({ job: "token_refresh" })).find((o) => o.slot === "retry");
    expect(retry).toMatchObject({ state: "planned", due_at: start + HOUR });
    await env.runAt(start + 30 * MINUTE);
    expect((await env.account(flaky.account.id)).token_refreshed_at).toBeNull();
    await env.runAt(start + HOUR);
    expect((await env.account(flaky.account.id)).token_refreshed_at).toBe(start + HOUR);
    expect((await env.account(revoked.account.id)).status).toBe("reauth_required");

    // A restart later that day does not run today's refresh again; tomorrow's 03:00 runs once.
    const before = (await refreshRuns()).length;
    env.engine = await env.newEngine("restarted");
    await env.runAt(start + 5 * HOUR);
    expect(await refreshRuns()).toHaveLength(before);
    await env.stepTo(Date.parse("2026-03-10T02:00:00Z"), 30 * MINUTE);
    const runs = await refreshRuns();
    expect(runs).toHaveLength(before + 1);
    expect(iso(runs.at(-1)!.due_at)).toBe("2026-03-10T01:00:00.000Z");
  });
});
