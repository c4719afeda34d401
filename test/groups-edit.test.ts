/**
 * Editing post groups instead of deleting and re-creating them: edits, enable/disable and removal as the
 * scheduler sees them (what it picks and publishes), with real services, engine and sandbox on both databases.
 */

import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { hintSentence } from "../src/cli/hints.js";
import { AppError } from "../src/errors.js";
import { lockGroup } from "../src/groups/groups.repository.js";
import { setGroup } from "../src/scheduler/runs.repository.js";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, type EngineEnv, HOUR, publishedTexts } from "./helpers/engine.js";
import { runRow } from "./helpers/fixtures.js";

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

describe.each(DIALECTS)("editing post groups on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  async function setup() {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount({ username: "hanako" });
    return { accountId: account.id, userId };
  }

  it("an edit replaces the parts as a whole, name or weight alone keep them, and the next run posts the edit", async () => {
    const { accountId, userId } = await setup();
    const groups = env.services.groups;
    const id = await env.addGroup(accountId, [{ text: "old root" }, { text: "old reply" }], "menu");
    await env.addSchedule(accountId, { kind: "fixed", times: ["10:00"] });

    expect(await groups.update(id, { name: "lunch menu" })).toMatchObject({
      name: "lunch menu",
      weight: 1,
      parts: [{ text: "old root" }, { text: "old reply" }],
    });
    expect(await groups.update(id, { weight: 3 })).toMatchObject({ name: "lunch menu", weight: 3 });
    const replaced = await groups.update(id, { parts: [{ text: "本日のランチ", topic_tag: "lunch" }] });
    expect(replaced.parts).toEqual([{ text: "本日のランチ", topic_tag: "lunch" }]);
    expect(replaced).toMatchObject({ name: "lunch menu", weight: 3 });

    // Checked by the same preflight as `add`: a bad edit changes nothing.
    const bad = await rejection(groups.update(id, { parts: [{ text: "x".repeat(501) }] }));
    expect(bad.code).toBe("invalid_input");
    expect(bad.message).toMatch(/cannot be published as it is/);
    expect((await rejection(groups.update(id, { weight: 0 }))).code).toBe("invalid_input");
    expect((await rejection(groups.update(id, {}))).message).toMatch(/^Nothing to change: .*delete-after/);
    expect((await groups.get(id)).parts).toEqual([{ text: "本日のランチ", topic_tag: "lunch" }]);
    expect(
      await env.db.selectFrom("post_parts").select("position").where("group_id", "=", id).execute(),
    ).toEqual([{ position: 0 }]);

    await env.runAt(TEN);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["本日のランチ"]);
  });

  it("refuses to replace the parts (or remove the group) while a run that picked it is unfinished", async () => {
    const { accountId } = await setup();
    const groups = env.services.groups;
    const id = await env.addGroup(accountId, [{ text: "root" }, { text: "reply" }], "chain");
    // A chain whose root is out and whose reply waits for a retry: the retry re-reads the parts.
    const retry = await env.db
      .insertInto("runs")
      .values(runRow(accountId, TEN, { group_id: id, attempts: 1, job_key: "manual:retry" }))
      .returning("id")
      .executeTakeFirstOrThrow();
    const refused = await rejection(groups.update(id, { parts: [{ text: "new" }] }));
    expect(refused.code).toBe("conflict");
    expect(refused.message).toContain(`is being published (run ${retry.id} planned)`);
    expect(refused.message).toMatch(/name, weight and enabled flag can be changed now/);
    expect((await groups.get(id)).parts).toEqual([{ text: "root" }, { text: "reply" }]);
    // What cannot mix two posts is allowed.
    expect((await groups.update(id, { name: "renamed" })).name).toBe("renamed");
    expect((await groups.disable(id)).enabled).toBe(false);
    const busy = await rejection(groups.remove(id));
    expect(busy.message + hintSentence(busy.hint)).toMatch(/groups disable/);

    await env.db.updateTable("runs").set({ state: "published" }).where("id", "=", retry.id).execute();
    expect((await groups.update(id, { parts: [{ text: "new" }] })).parts).toEqual([{ text: "new" }]);
  });

  if (dialect === "postgres") {
    it("an edit of the parts waits for a run that is picking the group, then sees it and refuses", async () => {
      const { accountId } = await setup();
      const id = await env.addGroup(accountId, [{ text: "root" }, { text: "reply" }], "chain");
      const occ = await env.db
        .insertInto("runs")
        .values(runRow(accountId, TEN, { state: "running", attempts: 1, job_key: "manual:picking" }))
        .returning("id")
        .executeTakeFirstOrThrow();
      // What the post job does when it picks a group: record the pick and read the parts under a share lock.
      let finishRun!: () => void;
      const runHolds = new Promise<void>((resolve) => {
        finishRun = resolve;
      });
      let runPid = 0;
      let picked!: () => void;
      const pickedUp = new Promise<void>((resolve) => {
        picked = resolve;
      });
      const run = env.db.transaction().execute(async (trx) => {
        runPid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
        await setGroup(trx, occ.id, id);
        await lockGroup(trx, id, "share");
        const parts = await trx
          .selectFrom("post_parts")
          .select("spec_json")
          .where("group_id", "=", id)
          .execute();
        picked();
        await runHolds;
        return parts.length;
      });
      await pickedUp;
      let settled = false;
      const edit = env.services.groups.update(id, { parts: [{ text: "new" }] }).finally(() => {
        settled = true;
      });
      // The edit is blocked on the group row by the run's transaction. Only PostgreSQL's own views show a
      // lock wait: this wait polls.
      await env.until(
        async () => {
          const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where ${runPid} = any(pg_blocking_pids(pid)) and query like '%post_groups%for update%'`.execute(
            env.db,
          );
          return waiting.rows[0]!.n > 0;
        },
        "the edit to wait for the run's lock",
        { pollMs: 10 },
      );
      expect(settled).toBe(false);
      finishRun();
      expect(await run).toBe(2);
      const refused = await rejection(edit);
      expect(refused.code).toBe("conflict");
      expect(refused.message).toContain(`run ${occ.id} running`);
      expect((await env.services.groups.get(id)).parts).toEqual([{ text: "root" }, { text: "reply" }]);
    });
  }

  it("a disabled group is never picked; enabled again, it is", async () => {
    const { accountId, userId } = await setup();
    const a = await env.addGroup(accountId, "A");
    const b = await env.addGroup(accountId, "B");
    await env.addSchedule(accountId, { kind: "fixed", times: ["10:00", "11:00", "12:00", "13:00"] });
    expect((await env.services.groups.disable(a)).enabled).toBe(false);
    await env.runAt(TEN);
    await env.runAt(TEN + HOUR);
    await env.runAt(TEN + 2 * HOUR);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["B", "B", "B"]);
    await env.services.groups.enable(a);
    await env.services.groups.disable(b);
    await env.runAt(TEN + 3 * HOUR);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["B", "B", "B", "A"]);
    expect((await rejection(env.services.groups.enable(999))).code).toBe("not_found");
  });

  it("removing archives the group: hidden and never picked, its parts and runs kept; schedules naming it are reported", async () => {
    const { accountId, userId } = await setup();
    const groups = env.services.groups;
    const a = await env.addGroup(accountId, "A", "first");
    const b = await env.addGroup(accountId, "B", "second");
    const onlyA = await env.addSchedule(accountId, { kind: "fixed", times: ["10:00"], groupIds: [a] });
    await env.runAt(TEN);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["A"]);
    const both = await env.addSchedule(accountId, { kind: "fixed", times: ["11:00"], groupIds: [a, b] });

    const removed = await groups.remove(a);
    expect(removed.group.archivedAt).not.toBeNull();
    expect(removed.schedules).toEqual([
      { id: onlyA, only: true },
      { id: both, only: false },
    ]);
    expect((await groups.list(accountId)).map((g) => g.id)).toEqual([b]);
    expect((await groups.list(accountId, { archived: "all" })).map((g) => g.id)).toEqual([a, b]);
    const gone = await rejection(groups.get(a));
    expect(gone.code).toBe("not_found");
    expect(gone.message).toMatch(/was removed \(its past runs are kept\)/);
    expect((await rejection(groups.update(a, { name: "x" }))).code).toBe("not_found");
    // The history still says what was posted.
    const history = (await env.runs({ scheduleId: onlyA })).find((o) => o.state === "published")!;
    expect(history.group_id).toBe(a);
    const parts = await env.db
      .selectFrom("post_parts")
      .select("spec_json")
      .where("group_id", "=", a)
      .execute();
    expect(parts.map((p) => JSON.parse(p.spec_json))).toEqual([{ text: "A" }]);
    const refused = await rejection(
      env.addSchedule(accountId, { kind: "fixed", times: ["15:00"], groupIds: [a] }),
    );
    expect(refused.message).toMatch(/not one of @hanako's groups/);

    await env.runAt(TEN + HOUR);
    await env.runAt(TEN + 24 * HOUR);
    expect(publishedTexts(env.sandbox, userId)).toEqual(["A", "B"]);
    const skipped = (await env.runs({ scheduleId: onlyA })).find((o) => o.state === "skipped");
    expect(skipped?.reason).toMatch(/no enabled post group/);
  });
});
