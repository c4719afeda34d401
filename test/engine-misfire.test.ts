/**
 * Misfires and account states on both databases: a run not started within its grace becomes `missed` with a
 * reason; paused accounts and accounts without groups are skipped with a reason; a token Threads refuses
 * (code 190) marks the account `reauth_required` and holds its posts, which go out once it is reconnected.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, type EngineEnv, MINUTE, publishedTexts } from "./helpers/engine.js";

const START = "2026-03-09T09:00:00Z";
const TEN = Date.parse("2026-03-09T10:00:00Z");

describe.each(DIALECTS)("misfires and account states on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  async function setup(grace?: number) {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId, token } = await env.addAccount();
    await env.addGroup(account.id, "on time or not at all");
    const scheduleId = await env.addSchedule(account.id, {
      kind: "fixed",
      times: ["10:00"],
      ...(grace === undefined ? {} : { misfireGraceMinutes: grace }),
    });
    await env.runAt(TEN - MINUTE);
    const today = async () => (await env.runs({ scheduleId })).find((run) => run.due_at === TEN)!;
    return { account, userId, token, scheduleId, today };
  }

  it("a run first looked at 16 minutes late is missed, with the reason", async () => {
    const { today } = await setup();
    await env.runAt(TEN + 16 * MINUTE);
    const occ = await today();
    expect(occ.state).toBe("missed");
    expect(occ.reason).toMatch(/not started within the misfire grace/);
    expect(occ.finished_at).toBe(TEN + 16 * MINUTE);
    expect(env.sandbox.published()).toEqual([]);
    expect(env.events).toContainEqual(expect.objectContaining({ type: "missed", runId: occ.id }));
  });

  it("after days stopped, the runs of a day the horizon had reached are missed, not published late", async () => {
    const { userId, scheduleId } = await setup();
    // Stopped from Monday 09:59 to Friday 12:00. Planned before: up to Wednesday 09:59 (48 h); Wednesday
    // 10:00 was recorded but not yet written. The first pass after the restart plans, then marks misfires.
    await env.runAt("2026-03-13T12:00:00Z");
    const rows = await env.runs({ scheduleId });
    expect(rows.map((r) => [r.local_date, r.state])).toEqual([
      ["2026-03-09", "missed"],
      ["2026-03-10", "missed"],
      ["2026-03-11", "missed"],
      ["2026-03-14", "planned"],
      ["2026-03-15", "planned"],
    ]);
    for (const row of rows.slice(0, 3)) expect(row.reason).toMatch(/not started within the misfire grace/);
    expect(publishedTexts(env.sandbox, userId)).toEqual([]);
    expect(env.events.filter((e) => e.type === "missed")).toHaveLength(3);
  });

  it("within the default 15-minute grace a late run still publishes once", async () => {
    const { userId, today } = await setup();
    await env.runAt(TEN + 14 * MINUTE);
    await env.runAt(TEN + 20 * MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["on time or not at all"]);
    expect(await today()).toMatchObject({ state: "published" });
  });

  it("the schedule's own grace applies", async () => {
    const { userId, today } = await setup(30);
    await env.runAt(TEN + 25 * MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["on time or not at all"]);
    expect(await today()).toMatchObject({ state: "published" });

    const { scheduleId: strict } = await (async () => {
      const a = await env.addAccount();
      await env.addGroup(a.account.id, "strict");
      return {
        scheduleId: await env.addSchedule(a.account.id, {
          kind: "fixed",
          times: ["11:00"],
          misfireGraceMinutes: 1,
        }),
      };
    })();
    await env.runAt(Date.parse("2026-03-09T11:02:00Z"));
    const [late] = await env.runs({ scheduleId: strict });
    expect(late).toMatchObject({ state: "missed", slot: "11:00" });
  });

  it("a paused account's run is skipped with the reason", async () => {
    const { account, today } = await setup();
    await env.services.accounts.pause(account.id);
    await env.runAt(TEN);
    const occ = await today();
    expect(occ.state).toBe("skipped");
    expect(occ.reason).toBe(`account @${account.username} is paused`);
    expect(env.sandbox.published()).toEqual([]);
  });

  it("an account without an enabled group: skipped with the reason", async () => {
    const { account, today } = await setup();
    const groups = await env.db
      .selectFrom("post_groups")
      .select("id")
      .where("account_id", "=", account.id)
      .execute();
    for (const g of groups) await env.services.groups.setEnabled(g.id, false);
    await env.runAt(TEN);
    const occ = await today();
    expect(occ.state).toBe("skipped");
    expect(occ.reason).toBe("the account has no enabled post group for this schedule");
  });

  it("code 190: the account must be reconnected and its post is held, then published after reconnecting", async () => {
    const { account, userId, today } = await setup();
    env.sandbox.faults.add({ kind: "token_expired", userId, times: Number.POSITIVE_INFINITY });
    await env.runAt(TEN);
    const held = await today();
    expect(held.state).toBe("planned");
    expect(held.reason).toMatch(/^held: the account must be reconnected: Threads API error \(code 190/);
    const marked = await env.account(account.id);
    expect(marked.status).toBe("reauth_required");
    expect(marked.status_reason).toMatch(/code 190/);
    expect(env.sandbox.published()).toEqual([]);

    // Held, not claimed again and not lost, while the account waits for a new token.
    await env.runAt(TEN + 10 * MINUTE);
    expect(await today()).toMatchObject({ state: "planned" });
    const claims = env.events.filter((e) => e.type === "claimed" && e.runId === held.id);
    expect(claims).toHaveLength(1);

    // The user reconnects (a new token for the same Threads user): the post goes out, once.
    env.sandbox.faults.clear();
    const fresh = env.sandbox.createUser({ username: account.username });
    await env.services.accounts.addWithToken(fresh.accessToken);
    expect((await env.account(account.id)).status).toBe("active");
    await env.runAt(TEN + 12 * MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["on time or not at all"]);
    expect(await today()).toMatchObject({ state: "published" });
  });
  it("code 190: a post still held when the grace runs out is missed with the reason, not published late", async () => {
    const { account, userId, today } = await setup();
    env.sandbox.faults.add({ kind: "token_expired", userId, times: Number.POSITIVE_INFINITY });
    await env.runAt(TEN);
    expect((await today()).state).toBe("planned");
    await env.runAt(TEN + 16 * MINUTE);
    const missed = await today();
    expect(missed.state).toBe("missed");
    expect(missed.reason).toMatch(/must be reconnected/);
    env.sandbox.faults.clear();
    await env.services.accounts.addWithToken(
      env.sandbox.createUser({ username: account.username }).accessToken,
    );
    await env.runAt(TEN + 20 * MINUTE);
    expect(env.sandbox.published()).toEqual([]);
  });
});
