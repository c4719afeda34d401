/**
 * Auto-delete and deletes through the engine, on both databases against the real sandbox: planned in the publish
 * settle, run at its time, a chain last part first, exactly once across a crash between the request and its
 * answer, "does not exist" counted as deleted, the delete quota's wait, and a 190.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NEVER_DELETE } from "../src/delete-after.schema.js";
import { AppError } from "../src/errors.js";
import { previewDelete } from "../src/scheduler/delete-now.js";
import { insertDeleteRun } from "../src/scheduler/delete-runs.repository.js";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, DAY, type EngineEnv, HOUR, MINUTE } from "./helpers/engine.js";

/** Monday 2026-03-09, 09:00 UTC. */
const START = "2026-03-09T09:00:00Z";
const TEN = Date.parse("2026-03-09T10:00:00Z");
const LEASE_MS = 60_000;

describe.each(DIALECTS)("deletes through the engine on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  /** An account, a group with a delete-after of `minutes`, a fixed 10:00 schedule; runs up to just before ten. */
  async function setup(parts: string[], minutes: number | null, scheduleMinutes: number | null = null) {
    env = await createEngineEnv(dialect, { start: START, engine: { leaseMs: LEASE_MS } });
    const { account, userId, token } = await env.addAccount();
    const groupId = await env.addGroup(
      account.id,
      parts.map((text) => ({ text })),
    );
    await env.db
      .updateTable("post_groups")
      .set({ delete_after_minutes: minutes })
      .where("id", "=", groupId)
      .execute();
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    await env.db
      .updateTable("schedules")
      .set({ delete_after_minutes: scheduleMinutes })
      .where("id", "=", scheduleId)
      .execute();
    await env.runAt(TEN - MINUTE);
    return { account, userId, token, groupId, scheduleId };
  }

  // The first day's post (the schedule goes on posting, and deleting, day after day).
  const deleteRuns = () =>
    env.db.selectFrom("runs").selectAll().where("job", "=", "delete").orderBy("id").limit(1).execute();
  const parts = () => env.db.selectFrom("publication_parts").selectAll().orderBy("position").execute();
  const deleteCalls = () => env.requests.filter((r) => r.method === "DELETE").map((r) => r.path);

  it("plans the delete when the post is published and deletes it at published_at + N, once", async () => {
    const { userId } = await setup(["gone tomorrow"], 24 * 60);
    await env.runAt(TEN);
    const [post] = env.sandbox.published(userId);
    expect(post).toMatchObject({ text: "gone tomorrow" });
    const postRun = (await env.runs({ job: "post" })).find((r) => r.due_at === TEN)!;
    expect(postRun.state).toBe("published");
    const planned = await deleteRuns();
    expect(planned[0]).toMatchObject({
      job_key: `delete:${postRun.id}`,
      due_at: post!.publishedAt + DAY,
      state: "planned",
      account_id: postRun.account_id,
    });
    expect(JSON.parse(planned[0]!.payload_json!)).toEqual({ postRunId: postRun.id });

    await env.runAt(TEN + DAY - 1000);
    expect(env.sandbox.published(userId)[0]!.deletedAt).toBeUndefined();
    await env.runAt(TEN + DAY);
    expect(env.sandbox.published(userId)[0]!.deletedAt).toBe(TEN + DAY);
    const [deleted] = await deleteRuns();
    expect(deleted).toMatchObject({ state: "published", reason: `deleted 1 post of run ${postRun.id}` });
    const part = (await parts()).find((p) => p.media_id === post!.id);
    expect(part).toMatchObject({ delete_state: "deleted", deleted_at: TEN + DAY, delete_error: null });

    // Later passes (which delete the next days' posts) never send this post's DELETE again.
    await env.runAt(TEN + 3 * DAY);
    expect(deleteCalls().filter((path) => path === `/v1.0/${post!.id}`)).toHaveLength(1);
    const all = await env.db.selectFrom("runs").select("job_key").where("job", "=", "delete").execute();
    expect(all.filter((r) => r.job_key === `delete:${postRun.id}`)).toHaveLength(1);
  });

  it("the schedule's delete-after wins over the group's; none at all plans nothing", async () => {
    await setup(["short-lived"], 24 * 60, 90);
    await env.runAt(TEN);
    const [planned] = await deleteRuns();
    expect(planned!.due_at).toBe(TEN + 90 * MINUTE);
    await env.close();

    await setup(["kept"], null);
    await env.runAt(TEN);
    expect(await deleteRuns()).toEqual([]);
  });

  it("a schedule's never keeps its posts even when the group says delete", async () => {
    const { userId } = await setup(["kept by the schedule"], 60, NEVER_DELETE);
    await env.runAt(TEN);
    expect(env.sandbox.published(userId)).toHaveLength(1);
    expect(await deleteRuns()).toEqual([]);
    await env.runAt(TEN + 2 * HOUR);
    expect(deleteCalls()).toEqual([]);
  });

  it("one live delete run per post run, whoever writes it and whatever its due time", async () => {
    await setup(["raced"], null);
    await env.runAt(TEN);
    const postRun = (await env.runs({ job: "post" })).find((r) => r.due_at === TEN)!;
    const write = (dueAt: number) =>
      insertDeleteRun(env.db, { postRunId: postRun.id, accountId: postRun.account_id!, dueAt, now: TEN });
    const [a, b] = await Promise.all([write(TEN + HOUR), write(TEN + 2 * HOUR)]);
    expect([a, b].filter((r) => r !== undefined)).toHaveLength(1);
    expect(await write(TEN + 3 * HOUR)).toBeUndefined();
    expect(await deleteRuns()).toHaveLength(1);
    // A delete that ended without deleting (cancelled) may be asked for again.
    await env.db.updateTable("runs").set({ state: "cancelled" }).where("job", "=", "delete").execute();
    expect(await write(TEN + 4 * HOUR)).toMatchObject({ state: "planned", due_at: TEN + 4 * HOUR });
  });

  it("runs delete refuses a post run that may still post parts; an ended one with parts up is deletable", async () => {
    await setup(["one", "two"], null);
    await env.runAt(TEN);
    const postRun = (await env.runs({ job: "post" })).find((r) => r.due_at === TEN)!;
    for (const state of ["planned", "running", "needs_check"] as const) {
      await env.db.updateTable("runs").set({ state }).where("id", "=", postRun.id).execute();
      const refused = await previewDelete(env.db, postRun.id).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused).toMatchObject({ code: "conflict", hint: { action: "follow_run", runId: postRun.id } });
      expect((refused as Error).message).toMatch(
        new RegExp(`^Run ${postRun.id} is still publishing or being checked \\(it is ${state}\\)`),
      );
      expect((refused as Error).message).not.toMatch(/`/);
    }
    for (const state of ["failed", "skipped", "cancelled", "missed", "published"] as const) {
      await env.db.updateTable("runs").set({ state }).where("id", "=", postRun.id).execute();
      expect((await previewDelete(env.db, postRun.id)).parts).toHaveLength(2);
    }
  });

  it("a 100/33 on DELETE for a post that still reads: not recorded deleted, the run fails saying to reconnect", async () => {
    const { userId } = await setup(["still up"], 60);
    await env.runAt(TEN);
    env.sandbox.faults.add({
      method: "DELETE",
      kind: "error",
      error: { code: 100, subcode: 33, status: 400, message: "Object does not exist" },
    });
    await env.runAt(TEN + HOUR);
    expect(env.sandbox.published(userId)[0]!.deletedAt).toBeUndefined();
    const [part] = await parts();
    expect(part).toMatchObject({ delete_state: "failed" });
    expect(part!.delete_error).toMatch(/reconnect the account granting the threads_delete permission/);
    const [run] = await deleteRuns();
    expect(run).toMatchObject({ state: "failed" });
    expect(run!.reason).toMatch(/still on Threads/);
    // The read that settled it.
    expect(env.requests.some((r) => r.method === "GET" && r.path === `/v1.0/${part!.media_id}`)).toBe(true);
  });

  it("a paused account's deletes still run", async () => {
    const { account, userId } = await setup(["paused but deleted"], 60);
    await env.runAt(TEN);
    await env.services.accounts.pause(account.id);
    await env.runAt(TEN + HOUR);
    expect(env.sandbox.published(userId)[0]!.deletedAt).toBe(TEN + HOUR);
    expect((await deleteRuns())[0]).toMatchObject({ state: "published" });
  });

  it("deletes a chain last part first", async () => {
    const { userId } = await setup(["one", "two", "three"], 60);
    await env.runAt(TEN);
    const posts = env.sandbox.published(userId);
    expect(posts.map((p) => p.text)).toEqual(["one", "two", "three"]);
    await env.runAt(TEN + HOUR);
    expect(deleteCalls()).toEqual(posts.map((p) => `/v1.0/${p.id}`).reverse());
    expect(env.sandbox.published(userId).every((p) => p.deletedAt !== undefined)).toBe(true);
    expect((await parts()).map((p) => p.delete_state)).toEqual(["deleted", "deleted", "deleted"]);
  });

  it("a node killed between the DELETE and its answer: recovery sends it again, the post is deleted once", async () => {
    const { userId } = await setup(["deleted once"], 60);
    await env.runAt(TEN);
    const dead = await env.newEngine("dead-node");
    env.intercept = (req) => (req.method === "DELETE" ? "hang-after" : "pass");
    env.clock.set(TEN + HOUR);
    await dead.tick();
    await env.until(
      () => env.sandbox.published(userId)[0]!.deletedAt !== undefined,
      "the dead node's delete",
    );
    env.intercept = undefined;
    expect((await parts())[0]).toMatchObject({ delete_state: "requested" });
    const [running] = await deleteRuns();
    expect(running).toMatchObject({ state: "running", locked_by: "dead-node" });

    await env.runAt(TEN + HOUR + LEASE_MS + 1000);
    const [done] = await deleteRuns();
    expect(done).toMatchObject({ state: "published", locked_by: null });
    expect(done!.reason).toMatch(/already gone from Threads/);
    // The re-send keeps the quota time of the first send (it took no second slot).
    expect((await parts())[0]).toMatchObject({ delete_state: "deleted", deleted_at: TEN + HOUR });
    // The sandbox deleted it at the first call; the second was answered "does not exist".
    expect(env.sandbox.published(userId)[0]!.deletedAt).toBe(TEN + HOUR);
    expect(deleteCalls()).toHaveLength(2);
  });

  it("a stalled node whose lease was taken over: the database refuses its next requested, nothing is deleted twice", async () => {
    const { userId } = await setup(["one", "two"], 60);
    await env.runAt(TEN);
    const posts = env.sandbox.published(userId);
    const stalled = await env.newEngine("stalled-node");
    let release: () => void = () => {};
    let held = false;
    env.intercept = (req) => {
      if (held || req.method !== "DELETE") return "pass";
      held = true;
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };
    env.clock.set(TEN + HOUR);
    await stalled.tick();
    await env.until(() => held, "the stalled node's first DELETE");

    // Its lease runs out while its call is stuck; this engine re-sends the requested part and deletes the root.
    await env.runAt(TEN + HOUR + LEASE_MS + 1000);
    const [run] = await deleteRuns();
    expect(run).toMatchObject({ state: "published", locked_by: null });
    const deletedAt = env.sandbox.published(userId).map((p) => p.deletedAt);
    expect(deletedAt.every((at) => at !== undefined)).toBe(true);

    // The stalled call goes through ("does not exist" now); its node may not mark the root requested again.
    release();
    await env.until(() => stalled.inFlight === 0, "the stalled node to give up");
    expect(env.sandbox.published(userId).map((p) => p.deletedAt)).toEqual(deletedAt);
    expect(deleteCalls()).toEqual([
      `/v1.0/${posts[1]!.id}`,
      `/v1.0/${posts[1]!.id}`,
      `/v1.0/${posts[0]!.id}`,
    ]);
    expect((await deleteRuns())[0]).toMatchObject({ state: "published", reason: run!.reason });
    expect((await parts()).map((p) => p.delete_state)).toEqual(["deleted", "deleted"]);
  });

  it("a post deleted elsewhere (does not exist) is recorded as deleted", async () => {
    const { userId, token } = await setup(["deleted by hand"], 60);
    await env.runAt(TEN);
    const [post] = env.sandbox.published(userId);
    const answer = await env.sandbox.app.request(`/v1.0/${post!.id}?access_token=${token}`, {
      method: "DELETE",
    });
    expect(answer.status).toBe(200);
    await env.runAt(TEN + HOUR);
    expect((await parts())[0]).toMatchObject({ delete_state: "deleted" });
    expect((await deleteRuns())[0]).toMatchObject({ state: "published" });
  });

  it("waits for the delete quota to free up, counted from the ledger", async () => {
    const { account, userId } = await setup(["over quota"], 60);
    await env.runAt(TEN);
    // 100 deletes recorded in the last 24 h (the earliest 20 h before the delete is due).
    const earliest = TEN + HOUR - 20 * HOUR;
    const oldRun = await env.db
      .insertInto("runs")
      .values({
        job: "post",
        job_key: "manual:old",
        account_id: account.id,
        due_at: 0,
        run_at: 0,
        slot: "now",
        state: "published",
        created_at: 0,
        updated_at: 0,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const publication = await env.db
      .insertInto("publications")
      .values({
        run_id: oldRun.id,
        account_id: account.id,
        group_id: null,
        state: "published",
        created_at: 0,
        updated_at: 0,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await env.db
      .insertInto("publication_parts")
      .values(
        Array.from({ length: 100 }, (_, i) => ({
          publication_id: publication.id,
          account_id: account.id,
          position: i,
          state: "published" as const,
          media_id: `old-${i}`,
          updated_at: 0,
          delete_state: "deleted" as const,
          deleted_at: earliest + i * MINUTE,
        })),
      )
      .execute();
    await env.runAt(TEN + HOUR);
    const [waiting] = await deleteRuns();
    expect(waiting).toMatchObject({ state: "planned", run_at: earliest + DAY, attempts: 0 });
    expect(waiting!.reason).toMatch(/delete quota reached \(100\/100 deletes in 24 h\)/);
    expect(deleteCalls()).toEqual([]);
    await env.runAt(earliest + DAY);
    expect(env.sandbox.published(userId)[0]!.deletedAt).toBe(earliest + DAY);
  });

  it("a 190 marks the account for reconnection and holds the delete", async () => {
    const { account, userId } = await setup(["held"], 60);
    await env.runAt(TEN);
    env.sandbox.faults.add({ method: "DELETE", kind: "token_expired" });
    await env.runAt(TEN + HOUR);
    expect((await env.account(account.id)).status).toBe("reauth_required");
    const [held] = await deleteRuns();
    expect(held).toMatchObject({ state: "planned" });
    expect(held!.reason).toMatch(/^held: the account must be reconnected/);
    expect(env.sandbox.published(userId)[0]!.deletedAt).toBeUndefined();
  });
});
