/**
 * Token refresh with real processes against a standalone sandbox process: `tokens refresh` renews a token
 * 59 days old, `tokens refresh --account` reports a token under 24 h old as not refreshable yet, and the
 * 03:00 job (run at start-up because its last run was missed) renews a 59-day-old token too.
 */
import { describe, expect, it } from "vitest";
import {
  createE2eEnv,
  DAY,
  DIALECTS,
  type SandboxProcess,
  useSandboxProcess,
  waitForLogs,
} from "./helpers.js";

const AGE_59_DAYS = 59 * 86_400;

let sandbox: SandboxProcess;
const envs = useSandboxProcess({ processingMs: 200 }, (s) => {
  sandbox = s;
});

interface AccountJson {
  id: number;
  username: string;
  status: string;
  tokenExpiresAt: number;
}

interface RefreshJson {
  id: number;
  accountId: number;
  outcome: string;
  expiresAt?: number;
  message?: string;
}

describe.each(DIALECTS)("token refresh with real processes (%s)", (dialect) => {
  it("`tokens refresh` renews a 59-day-old token; a token under 24 h old is not refreshable yet", async () => {
    const e = await createE2eEnv(dialect, sandbox.url);
    envs.push(e);
    const old = await sandbox.createUser({ username: `old_${dialect}`, token_age_seconds: AGE_59_DAYS });
    const young = await sandbox.createUser({ username: `young_${dialect}`, token_age_seconds: 3_600 });
    await e.ok(["accounts", "add", "--token", old.access_token]);
    await e.ok(["accounts", "add", "--token", young.access_token]);
    const before = await e.json<AccountJson[]>(["accounts", "list"]);
    const oldAccount = before.find((a) => a.username === `old_${dialect}`)!;
    const youngAccount = before.find((a) => a.username === `young_${dialect}`)!;
    expect(oldAccount.tokenExpiresAt - Date.now()).toBeLessThan(2 * DAY);

    // Every token expiring within 7 days: only the old one.
    const refreshed = await e.json<RefreshJson[]>(["tokens", "refresh"]);
    expect(refreshed).toEqual([
      expect.objectContaining({ id: oldAccount.id, accountId: oldAccount.id, outcome: "refreshed" }),
    ]);
    const after = await e.json<AccountJson[]>(["accounts", "list"]);
    const renewed = after.find((a) => a.id === oldAccount.id)!;
    expect(renewed.tokenExpiresAt - Date.now()).toBeGreaterThan(59 * DAY);
    expect(renewed.status).toBe("active");
    // The renewed token works: the account can publish with it.
    await e.ok(["post", "--account", String(oldAccount.id), "--text", "after the refresh"]);
    expect((await sandbox.published(old.user_id)).map((p) => p.text)).toEqual(["after the refresh"]);

    const table = await e.ok(["tokens", "refresh", "--account", String(youngAccount.id)]);
    expect(table.stdout).toMatch(/skipped/);
    expect(table.stdout).toMatch(/1\.0 h old; Threads refreshes tokens only once they are 24 h old/);
    const [young24] = await e.json<RefreshJson[]>([
      "tokens",
      "refresh",
      "--account",
      String(youngAccount.id),
    ]);
    expect(young24).toMatchObject({ id: youngAccount.id, outcome: "skipped" });
    const unchanged = (await e.json<AccountJson[]>(["accounts", "list"])).find(
      (a) => a.id === youngAccount.id,
    )!;
    expect(unchanged.tokenExpiresAt).toBe(youngAccount.tokenExpiresAt);
  }, 90_000);

  it("the 03:00 refresh job, missed while the service was down, runs at start-up and renews the token", async () => {
    const e = await createE2eEnv(dialect, sandbox.url);
    envs.push(e);
    const old = await sandbox.createUser({ username: `job_${dialect}`, token_age_seconds: AGE_59_DAYS });
    await e.ok(["accounts", "add", "--token", old.access_token]);
    const [account] = await e.json<AccountJson[]>(["accounts", "list"]);
    expect(account!.tokenExpiresAt - Date.now()).toBeLessThan(2 * DAY);

    const start = e.spawn(["start", "--no-web"], { LOG_LEVEL: "info" });
    await waitForLogs([start], (l) => l.msg === "token_refresh", 1, {
      timeoutMs: 40_000,
      what: "the start-up token refresh",
    });
    const row = await e.db
      .selectFrom("accounts")
      .select("token_expires_at")
      .where("id", "=", account!.id)
      .executeTakeFirstOrThrow();
    expect(Number(row.token_expires_at) - Date.now(), "the token was renewed").toBeGreaterThan(59 * DAY);
    start.kill("SIGTERM");
    expect((await start.exited).code).toBe(0);

    const runs = await e.json<
      Array<{ id: number; job: string; state: string; slot: string; reason: string }>
    >(["runs"]);
    const refresh = runs.filter((r) => r.job === "token_refresh" && r.state === "published");
    expect(refresh).toHaveLength(1);
    expect(refresh[0]).toMatchObject({ slot: "03:00" });
    expect(refresh[0]!.reason).toMatch(/refreshed 1/);
  }, 90_000);
});
