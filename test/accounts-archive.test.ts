/**
 * Removing an account archives it (its history stays, its token is wiped, its schedules stop), re-adding the
 * same Threads user restores it, and `reconnect` gives it a new token of the same user only, resuming held
 * posts. Real services, engine and sandbox, on both databases.
 */
import { afterEach, describe, expect, it } from "vitest";
import { listTokensExpiringBefore } from "../src/accounts/accounts.repository.js";
import { hintSentence } from "../src/cli/hints.js";
import { AppError } from "../src/errors.js";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, DAY, type EngineEnv, MINUTE, publishedTexts } from "./helpers/engine.js";
import { runRow } from "./helpers/fixtures.js";
import { storedToken } from "./helpers/tokens.js";

/** Monday 2026-03-09, 09:00 UTC. */
const START = "2026-03-09T09:00:00Z";
const TEN = Date.parse("2026-03-09T10:00:00Z");

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe.each(DIALECTS)("removing and reconnecting accounts on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  /** hanako with one group and a schedule at 10:00 every day, which has published today's post. */
  async function publishedOnce() {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount({ username: "hanako" });
    const groupId = await env.addGroup(account.id, "おはようございます");
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    await env.runAt(TEN);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["おはようございます"]);
    return { accountId: account.id, userId, groupId, scheduleId };
  }

  it("archives: run history and permalinks stay, the token is wiped, schedules stop, planned posts are skipped", async () => {
    const { accountId, userId, scheduleId } = await publishedOnce();
    // A one-off post waiting for tomorrow.
    await env.db
      .insertInto("runs")
      .values(runRow(accountId, TEN + DAY, { job_key: "manual:tomorrow" }))
      .execute();
    env.clock.set(TEN + 5 * MINUTE);

    const removed = await env.services.accounts.remove(accountId);
    expect(removed).toMatchObject({ schedulesStopped: 1, runsSkipped: 1 });
    expect(removed.account.archivedAt).toBe(TEN + 5 * MINUTE);

    const row = await env.account(accountId);
    expect(row).toMatchObject({ archived_at: TEN + 5 * MINUTE, token_ciphertext: "" });
    // History: the published run, its publication and its permalink are all still there.
    const runs = await env.runs({ scheduleId });
    expect(runs.filter((o) => o.state === "published")).toHaveLength(1);
    expect(runs.filter((o) => o.state === "planned")).toEqual([]);
    const parts = await env.db
      .selectFrom("publication_parts")
      .innerJoin("publications", "publications.id", "publication_parts.publication_id")
      .select(["publications.account_id", "publication_parts.permalink", "publication_parts.state"])
      .execute();
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ account_id: accountId, state: "published" });
    expect(parts[0]!.permalink).toMatch(/^https?:\/\//);
    const manual = await env.db
      .selectFrom("runs")
      .selectAll()
      .where("job_key", "=", "manual:tomorrow")
      .executeTakeFirstOrThrow();
    expect(manual).toMatchObject({ state: "skipped", reason: "account @hanako was removed" });
    expect((await env.services.schedules.get(scheduleId)).active).toBe(false);

    // Hidden, unusable, and left out of the token refresh.
    expect(await env.services.accounts.list()).toEqual([]);
    expect((await env.services.accounts.list({ archived: "archived" })).map((a) => a.id)).toEqual([
      accountId,
    ]);
    expect((await env.services.accounts.list({ archived: "all" })).map((a) => a.id)).toEqual([accountId]);
    const gone = await rejection(env.services.accounts.get(accountId));
    expect(gone.code).toBe("not_found");
    expect(gone.message).toMatch(/was removed/);
    expect(gone.message + hintSentence(gone.hint)).toMatch(/was removed.*accounts add --token/);
    expect((await rejection(env.services.accounts.remove(accountId))).message).toMatch(/was removed/);
    expect((await rejection(env.services.schedules.resume(scheduleId))).message).toMatch(/was removed/);
    expect(
      (await rejection(env.services.groups.add(accountId, { name: "x", parts: [{ text: "x" }] }))).message,
    ).toMatch(/was removed/);
    expect(await listTokensExpiringBefore(env.db, TEN + 365 * DAY)).toEqual([]);

    // Tomorrow nothing is posted.
    await env.runAt(TEN + DAY + MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["おはようございます"]);
  });

  it("refuses to remove an account while one of its posts is on the way to Threads", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account } = await env.addAccount({ username: "hanako" });
    await env.db
      .insertInto("runs")
      .values(runRow(account.id, TEN, { state: "needs_check", job_key: "manual:checking" }))
      .execute();
    const refused = await rejection(env.services.accounts.remove(account.id));
    expect(refused.code).toBe("conflict");
    expect(refused.message).toMatch(/@hanako\) has a post on the way to Threads \(run \d+ needs_check\)/);
    expect(refused.message).not.toMatch(/threads-scheduler/);
    expect(refused.message + hintSentence(refused.hint)).toMatch(/accounts pause 1/);
    expect((await env.account(account.id)).archived_at).toBeNull();
    expect((await env.account(account.id)).token_ciphertext).not.toBe("");
  });

  it("re-adding the same Threads user restores the removed account with its groups, schedules and history", async () => {
    const { accountId, userId, groupId, scheduleId } = await publishedOnce();
    await env.services.accounts.remove(accountId);
    env.clock.set(TEN + DAY - 60 * MINUTE);
    const again = env.sandbox.createUser({ username: "hanako" });
    const added = await env.services.accounts.addWithToken(again.accessToken);
    expect(added).toMatchObject({ created: false, restored: true });
    expect(added.account).toMatchObject({ id: accountId, archivedAt: null, status: "active" });
    expect(await storedToken(env.db, env.config.secretKey, accountId)).toBe(again.accessToken);
    expect(await env.services.accounts.list()).toHaveLength(1);
    expect((await env.services.groups.list(accountId)).map((g) => g.id)).toEqual([groupId]);
    // Its schedule was paused by the removal and stays paused until resumed.
    expect((await env.services.schedules.get(scheduleId)).active).toBe(false);
    await env.services.schedules.resume(scheduleId);
    await env.runAt(TEN + DAY);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["おはようございます", "おはようございます"]);
    const published = (await env.runs({ scheduleId })).filter((o) => o.state === "published");
    expect(published).toHaveLength(2);
  });

  it("reconnect refuses a token of another Threads user and names both", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, token } = await env.addAccount({ username: "hanako" });
    const other = env.sandbox.createUser({ username: "taro" });
    const refused = await rejection(env.services.accounts.reconnect(account.id, other.accessToken));
    expect(refused.code).toBe("invalid_input");
    expect(refused.message).toContain(`This token belongs to @taro (Threads user ${other.userId})`);
    expect(refused.message).toContain(`not to account ${account.id} @hanako`);
    expect(await storedToken(env.db, env.config.secretKey, account.id)).toBe(token);
    expect(await env.services.accounts.list()).toHaveLength(1);
    expect((await rejection(env.services.accounts.reconnect(999, other.accessToken))).code).toBe("not_found");
  });

  it("reconnect gives the account a new token and its held posts are published at once", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount({ username: "hanako" });
    await env.addGroup(account.id, "held, then posted");
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    env.sandbox.faults.add({ kind: "token_expired", path: "threads" });
    await env.runAt(TEN);
    expect((await env.account(account.id)).status).toBe("reauth_required");
    const held = (await env.runs({ scheduleId }))[0]!;
    expect(held.state).toBe("planned");
    expect(held.reason).toMatch(/^held: /);
    expect(held.run_at).toBeGreaterThan(TEN + MINUTE);

    env.clock.set(TEN + MINUTE);
    const fresh = env.sandbox.createUser({ username: "hanako" });
    const result = await env.services.accounts.reconnect(account.id, fresh.accessToken);
    expect(result).toMatchObject({ created: false, restored: false, resumedPosts: 1 });
    expect(result.account).toMatchObject({ id: account.id, status: "active" });
    expect((await env.runs({ scheduleId }))[0]!.run_at).toBe(TEN + MINUTE);
    await env.runAt(TEN + MINUTE);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["held, then posted"]);
    expect((await env.runs({ scheduleId }))[0]!.state).toBe("published");
  });
});
