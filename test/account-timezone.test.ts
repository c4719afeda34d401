/**
 * A schedule without its own zone follows its account's: when the account's zone changes (re-adding it with
 * `accounts add --token … --timezone`), its future runs are re-planned in the new zone, on both databases.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, type EngineEnv } from "./helpers/engine.js";

let env: EngineEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe.each(DIALECTS)("account time zone change on %s", (dialect) => {
  it("re-plans the account's zone-less schedules in the new zone and leaves zoned ones alone", async () => {
    env = await createEngineEnv(dialect, { start: "2026-03-09T00:00:00Z" });
    const { account, userId } = await env.addAccount({ username: "mika", timezone: "Asia/Tokyo" });
    const follows = await env.addSchedule(account.id, { kind: "fixed", times: ["09:00"] });
    const own = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["09:00"],
      timezone: "Europe/Berlin",
    });
    const firstDue = async (scheduleId: number) =>
      new Date((await env!.runs({ scheduleId }))[0]!.due_at).toISOString();
    expect(await firstDue(follows)).toBe("2026-03-09T00:00:00.000Z"); // 09:00 in Tokyo
    const berlin = await firstDue(own);

    const fresh = env.sandbox.createUser({ username: "mika" });
    await env.services.accounts.addWithToken(fresh.accessToken, { timezone: "America/New_York" });
    expect((await env.account(account.id)).timezone).toBe("America/New_York");
    expect(await firstDue(follows)).toBe("2026-03-09T13:00:00.000Z"); // 09:00 in New York (EDT)
    expect(await firstDue(own)).toBe(berlin);
    expect(userId).toBe(fresh.userId);
  });
});
