/**
 * "Post now" through the engine, on both databases: the run is inserted already claimed by the engine's node,
 * renewed by the engine's heartbeat while it publishes, run by the registry's post job and settled by the
 * engine, which (never started) claims nothing else. The run insert is the one `post --at` uses; a run of a
 * job this version does not know is settled `failed`, with the reason.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../src/errors.js";
import { silentLogger } from "../src/log.js";
import { Engine } from "../src/scheduler/engine/engine.js";
import { planOneOff } from "../src/scheduler/post-at.js";
import { postNow } from "../src/scheduler/post-now.js";
import { recoverExpiredLeases } from "../src/scheduler/runs.repository.js";
import type { PostPart } from "../src/threads/post.js";
import { DIALECTS } from "./helpers/db.js";
import { claimNext, createEngineEnv, type EngineEnv, MINUTE, publishedTexts } from "./helpers/engine.js";

const START = "2026-03-09T09:00:00Z";
const T0 = Date.parse(START);
/** Real ms: the heartbeat renews every 100 ms. */
const LEASE_MS = 400;

/** These tests call the functions directly: no engine of another process to wake. */
const noNotify = async (): Promise<void> => {};

describe.each(DIALECTS)("post now through the engine on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  const post = (accountId: number, req: { groupId: number } | { parts: PostPart[] }) =>
    postNow(
      {
        db: env.db,
        clock: env.clock,
        accounts: env.services.accounts,
        groups: env.services.groups,
        engine: env.engine,
      },
      { accountId, ...req },
    );

  it("holds its lease through the engine's heartbeat while it publishes, and claims nothing else", async () => {
    env = await createEngineEnv(dialect, { start: START, engine: { leaseMs: LEASE_MS } });
    const { account, userId } = await env.addAccount();
    const other = await env.addAccount();
    // Due before the post now: an engine that is not started never claims it.
    const planned = await planOneOff(
      { db: env.db, now: T0, defaultTimezone: "UTC", ...env.services, notify: noNotify },
      { accountId: other.account.id, at: new Date(T0 + MINUTE).toISOString(), parts: [{ text: "later" }] },
    );
    env.clock.set(T0 + 2 * MINUTE);

    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let publishing = false;
    env.intercept = (req) => {
      if (!req.path.endsWith("/threads_publish")) return "pass";
      publishing = true;
      return held;
    };
    const result = post(account.id, { parts: [{ text: "right now" }] });
    await env.until(() => publishing, "the publish call");
    const [row] = await env.db.selectFrom("runs").selectAll().where("job_key", "like", "manual:%").execute();
    expect(row).toMatchObject({ state: "running", locked_by: env.engine.nodeId, slot: "now", attempts: 1 });

    // Far past the lease it was inserted with: only the heartbeat can have kept it.
    env.clock.advance(10 * MINUTE);
    const renewedBy = env.clock.now() + LEASE_MS;
    // The heartbeat's renewal shows only in the database (no event, no request): this wait polls.
    await env.until(
      async () => {
        const current = await env.db
          .selectFrom("runs")
          .select("lease_until")
          .where("id", "=", row!.id)
          .executeTakeFirstOrThrow();
        return (current.lease_until ?? 0) >= renewedBy;
      },
      "the heartbeat to renew the lease",
      { pollMs: 10 },
    );
    expect(await recoverExpiredLeases(env.db, env.clock.now())).toEqual([]);

    release();
    await expect(result).resolves.toMatchObject({ runId: row!.id, state: "published", reason: null });
    expect(publishedTexts(env.sandbox, userId)).toEqual(["right now"]);
    expect(
      await env.db.selectFrom("runs").selectAll().where("id", "=", row!.id).executeTakeFirst(),
    ).toMatchObject({ state: "published", locked_by: null, lease_until: null });
    expect(env.events.filter((e) => e.type === "settled")).toEqual([
      { type: "settled", runId: row!.id, state: "published" },
    ]);
    const untouched = await env.db
      .selectFrom("runs")
      .selectAll()
      .where("id", "=", planned.runId)
      .executeTakeFirstOrThrow();
    expect(untouched).toMatchObject({ state: "planned", locked_by: null });
  });

  it("inserts its run as post --at does (one insert), claimed; refuses while the account has a run running", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account } = await env.addAccount();
    const group = await env.addGroup(account.id, "named group");
    const once = await planOneOff(
      { db: env.db, now: T0, defaultTimezone: "UTC", ...env.services, notify: noNotify },
      { accountId: account.id, at: new Date(T0 + MINUTE).toISOString(), groupId: group },
    );
    const now = await post(account.id, { groupId: group });
    expect(now.state).toBe("published");
    const rows = new Map((await env.runs({ job: "post" })).map((r) => [r.id, r]));
    const shared = {
      job: "post",
      schedule_id: null,
      account_id: account.id,
      group_id: group,
      payload_json: null,
    };
    expect(rows.get(once.runId)).toMatchObject({
      ...shared,
      slot: "once",
      state: "planned",
      attempts: 0,
      locked_by: null,
      lease_until: null,
    });
    expect(rows.get(once.runId)!.job_key).toMatch(/^once:/);
    expect(rows.get(now.runId)).toMatchObject({
      ...shared,
      slot: "now",
      local_date: null,
      state: "published",
    });
    expect(rows.get(now.runId)!.job_key).toMatch(/^manual:/);
    expect(Object.keys(rows.get(now.runId)!).sort()).toEqual(Object.keys(rows.get(once.runId)!).sort());

    env.clock.set(T0 + MINUTE);
    expect(
      await claimNext(env.db, { nodeId: "other-node", now: env.clock.now(), leaseMs: MINUTE }),
    ).toMatchObject({
      id: once.runId,
    });
    const refused = await post(account.id, { parts: [{ text: "not now" }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/publishing another post/),
    });
  });

  it("says the lease was lost, with the reason, when another node took the run over", async () => {
    // The default lease (60 s of the fake clock, heartbeat every 15 real s): no renewal during this test.
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let creating = false;
    env.intercept = (req) => {
      if (req.method !== "POST" || !req.path.endsWith("/threads")) return "pass";
      creating = true;
      return held;
    };
    const result = post(account.id, { parts: [{ text: "taken over" }] });
    await env.until(() => creating, "the container creation");
    // The process stalls past its lease: another node recovers the run and claims it (to check Threads).
    env.clock.advance(2 * MINUTE);
    const [recovered] = await recoverExpiredLeases(env.db, env.clock.now());
    const claimed = await claimNext(env.db, { nodeId: "node-b", now: env.clock.now(), leaseMs: MINUTE });
    expect(claimed).toMatchObject({ id: recovered!.id, state: "running", locked_by: "node-b" });

    release();
    const outcome = await result;
    expect(outcome).toMatchObject({
      runId: recovered!.id,
      state: "lease_lost",
      reason: `lease on run ${recovered!.id} was lost; Threads will be checked before any retry`,
    });
    expect(publishedTexts(env.sandbox, userId)).toEqual([]);
    // The run is node-b's now, untouched by this engine.
    expect(
      await env.db.selectFrom("runs").selectAll().where("id", "=", recovered!.id).executeTakeFirst(),
    ).toMatchObject({ state: "running", locked_by: "node-b" });
  });

  it("fails a post now whose job threw, without a 'will retry' in the reason", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount();
    // A post job that throws what no job expects (a bug): the runner's outcome is a retry after a backoff.
    const engine = new Engine({
      db: env.db,
      threads: env.threads,
      clock: env.clock,
      logger: silentLogger,
      defaultTimezone: "UTC",
      jobs: {
        post: {
          run: async () => {
            throw new Error("a bug in the job");
          },
        },
      },
    });
    const result = await postNow(
      { db: env.db, clock: env.clock, accounts: env.services.accounts, groups: env.services.groups, engine },
      { accountId: account.id, parts: [{ text: "never sent" }] },
    );
    expect(result).toMatchObject({
      state: "failed",
      reason: "nothing was published: unexpected error: a bug in the job",
    });
    const row = await env.db
      .selectFrom("runs")
      .selectAll()
      .where("id", "=", result.runId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: "failed", reason: result.reason });
    expect(publishedTexts(env.sandbox, userId)).toEqual([]);
  });

  it("fails a post now that reached nothing of Threads, and says why", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount();
    // A 500 on the container creation: safe to retry (nothing can be on Threads), which a post now does not.
    env.sandbox.faults.add({ kind: "http_500", path: "/threads$", method: "POST", userId });
    const result = await post(account.id, { parts: [{ text: "refused" }] });
    expect(result).toMatchObject({
      state: "failed",
      reason: expect.stringMatching(/^nothing was published: /),
    });
    expect(publishedTexts(env.sandbox, userId)).toEqual([]);
  });
});

describe.each(DIALECTS)("job registry on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  it("settles a run of a job this version does not know as failed, with the reason, and goes on", async () => {
    env = await createEngineEnv(dialect, { start: START });
    const { account, userId } = await env.addAccount();
    await env.addGroup(account.id, "still posted");
    await env.addSchedule(account.id, { kind: "fixed", times: ["09:30"] });
    const { id } = await env.db
      .insertInto("runs")
      .values({
        job: "insights" as "post",
        job_key: "insights",
        due_at: T0,
        run_at: T0,
        slot: "09:00",
        state: "planned",
        created_at: T0,
        updated_at: T0,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await env.runAt(T0 + 30 * MINUTE);
    const row = await env.db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: "failed", locked_by: null });
    expect(row.reason).toMatch(/has no job "insights" \(planned by a newer version\?\); nothing was done/);
    expect(env.events).toContainEqual({ type: "failed", runId: id, reason: row.reason });
    expect(publishedTexts(env.sandbox, userId)).toEqual(["still posted"]);
  });
});
