/** The composition root: one engine per app, built on first use, and a web app that names it. */
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import type { App } from "../src/app/create-app.js";
import { FakeClock } from "../src/clock.js";
import type { EngineEvent } from "../src/scheduler/events.js";
import { createTestApp } from "./helpers/app.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";

const T0 = Date.parse("2026-03-09T00:00:00Z");

describe.each(DIALECTS)("createApp on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  async function app(): Promise<App> {
    t = await createTestDb(dialect);
    return createTestApp(t, new FakeClock(T0), { engine: { nodeId: "node-test" } });
  }

  const health = async (a: App) => (await a.http.request("/health")).json();

  it("serves the services without an engine; its web app then runs no scheduler", async () => {
    const a = await app();
    expect(await a.services.accounts.list()).toEqual([]);
    expect(await health(a)).toMatchObject({
      status: "ok",
      database: { dialect, status: "ok" },
      threads: { mode: "remote", url: "http://127.0.0.1:9" },
      scheduler: { running: false, node: null },
    });
  });

  it("serves the runs without building an engine: the jobs, the runs, a re-plan", async () => {
    const a = await app();
    expect((await a.services.runs.jobs()).map((j) => j.id)).toEqual(["token_refresh"]);
    expect(await a.services.runs.list({})).toEqual([]);
    expect(await a.services.runs.replanAll()).toBe(0);
    expect(await health(a)).toMatchObject({ scheduler: { running: false, node: null } });
  });

  it("has one engine, with the options given; newEngine builds another; the web app names the engine", async () => {
    const a = await app();
    const engine = a.engine;
    expect(a.engine).toBe(engine);
    expect(engine.nodeId).toBe("node-test");
    const other = a.newEngine({ nodeId: "node-other" });
    expect(other).not.toBe(engine);
    expect(other.nodeId).toBe("node-other");
    expect(await health(a)).toMatchObject({ scheduler: { running: true, node: "node-test" } });
  });

  it("publishes now on the app's engine (one engine per process: its node id, its events)", async () => {
    const a = await app();
    // A token this key cannot decrypt: the post job fails the run before any call to Threads.
    const account = await insertAccount(t.db, accountRow(1, T0));
    const events: EngineEvent[] = [];
    a.engine.on((event) => events.push(event));
    const result = await a.services.posts.now({ accountId: account.id, parts: [{ text: "now" }] });
    expect(result).toMatchObject({ state: "failed", reason: expect.stringContaining("cannot be decrypted") });
    expect(events).toContainEqual(expect.objectContaining({ type: "claimed", runId: result.runId }));
    const row = await t.db
      .selectFrom("runs")
      .selectAll()
      .where("id", "=", result.runId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: "failed", slot: "now" });
    // Inserted as claimed by the app's engine: its node id is the one the instance lock names.
    expect(a.engine.nodeId).toBe("node-test");
  });
});
