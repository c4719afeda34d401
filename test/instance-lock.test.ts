import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { migrateToLatest, openDatabase } from "../src/db/connect.js";
import {
  acquireInstanceLock,
  InstanceLockError,
  recoverRunsOfDeadHolder,
} from "../src/scheduler/instance-lock.js";
import { recoverLeasesOf } from "../src/scheduler/runs.repository.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";

const T0 = Date.UTC(2026, 10, 29, 3, 0);
/** A pid that cannot be alive (above the kernel's pid_max). */
const DEAD_PID = 2 ** 30;

let t: TestDb | undefined;
afterEach(async () => {
  await t?.destroy();
  t = undefined;
});

async function writeHolder(db: TestDb["db"], holder: { nodeId: string; pid: number }) {
  const value = JSON.stringify({ ...holder, host: hostname(), heartbeatAt: T0 });
  await db.insertInto("app_state").values({ key: "scheduler_instance", value, updated_at: T0 }).execute();
}

async function holderRecord(db: TestDb["db"]): Promise<Record<string, unknown> | undefined> {
  const row = await db
    .selectFrom("app_state")
    .select("value")
    .where("key", "=", "scheduler_instance")
    .executeTakeFirst();
  return row ? (JSON.parse(row.value) as Record<string, unknown>) : undefined;
}

/** Another process that holds `lockFile` the way a running scheduler does, until it is killed. */
async function holdInChild(lockFile: string): Promise<ChildProcess> {
  const script = `
    const Db = require("better-sqlite3");
    const conn = new Db(process.argv[1]);
    conn.pragma("journal_mode = MEMORY");
    conn.exec("begin exclusive");
    process.stdout.write("held\\n");
    setInterval(() => {}, 60000);`;
  const child = spawn(process.execPath, ["-e", script, lockFile], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  expect(chunk.toString()).toBe("held\n");
  return child;
}

describe("SQLite single-instance lock", () => {
  it("refuses a second scheduler while the first is alive, naming it and what to do", async () => {
    t = await createTestDb("sqlite");
    const first = await acquireInstanceLock(t.db, "node-a", () => T0, "test.db");
    expect(first?.deadHolder).toBeUndefined();
    expect(first?.lockFile).toMatch(/test\.db\.lock$/);
    const second = acquireInstanceLock(t.db, "node-b", () => T0, "test.db");
    await expect(second).rejects.toBeInstanceOf(InstanceLockError);
    await expect(second).rejects.toThrow(
      new RegExp(`pid ${process.pid} on ${hostname()}\\) is already running.*use PostgreSQL`, "s"),
    );
    // The refused start left the holder's record alone.
    expect(await holderRecord(t.db)).toMatchObject({ nodeId: "node-a", pid: process.pid });
    await first?.release();
    await first?.release();
    expect(await holderRecord(t.db)).toBeUndefined();
    const third = await acquireInstanceLock(t.db, "node-c", () => T0, "test.db");
    expect(third?.deadHolder).toBeUndefined();
    await third?.release();
  });

  it("refuses a second scheduler in another living process that holds the lock file", async () => {
    t = await createTestDb("sqlite");
    const holder = await holdInChild(`${t.url}.lock`);
    try {
      await writeHolder(t.db, { nodeId: "other-node", pid: holder.pid! });
      const attempt = acquireInstanceLock(t.db, "node-b", () => T0, "test.db");
      await expect(attempt).rejects.toThrow(
        new RegExp(`Another threads-scheduler \\(pid ${holder.pid} on .*already running`),
      );
    } finally {
      holder.kill("SIGKILL");
      await once(holder, "exit");
    }
    // Killed: the kernel dropped its lock at once, and its record names a dead scheduler.
    const lock = await acquireInstanceLock(t.db, "node-b", () => T0, "test.db");
    expect(lock?.deadHolder).toBe("other-node");
    await lock?.release();
  });

  it("takes over from a scheduler whose process is gone and names it, so its runs can be recovered", async () => {
    t = await createTestDb("sqlite");
    await writeHolder(t.db, { nodeId: "crashed-node", pid: DEAD_PID });
    const lock = await acquireInstanceLock(t.db, "node-b", () => T0, "test.db");
    expect(lock?.deadHolder).toBe("crashed-node");
    expect(await holderRecord(t.db)).toMatchObject({ nodeId: "node-b", pid: process.pid });
    await lock?.release();
  });

  it("is not fooled by a stale record whose pid is now a live, unrelated process", async () => {
    t = await createTestDb("sqlite");
    const unrelated = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await writeHolder(t.db, { nodeId: "crashed-node", pid: unrelated.pid! });
      const lock = await acquireInstanceLock(t.db, "node-b", () => T0, "test.db");
      expect(lock?.deadHolder).toBe("crashed-node");
      await lock?.release();
    } finally {
      unrelated.kill("SIGKILL");
    }
  });

  it("is not fooled by a stale record whose pid is this new process's own (a container restart)", async () => {
    t = await createTestDb("sqlite");
    await writeHolder(t.db, { nodeId: "before-the-restart", pid: process.pid });
    const lock = await acquireInstanceLock(t.db, "after-the-restart", () => T0, "test.db");
    expect(lock?.deadHolder).toBe("before-the-restart");
    await lock?.release();
  });

  it("says what to do when the lock file cannot be created", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ts-lock-"));
    const db = openDatabase(join(dir, "test.db"));
    try {
      await migrateToLatest(db);
      // A directory where the lock file should be: it cannot be opened as a file.
      mkdirSync(join(dir, "test.db.lock"));
      await expect(acquireInstanceLock(db, "node-a", () => T0, "test.db")).rejects.toThrow(
        /Cannot open the scheduler's lock file .*test\.db\.lock.*writable/,
      );
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(DIALECTS)("recoverLeasesOf on %s", (dialect) => {
  it("sends only the dead node's running rows to needs_check, at once", async () => {
    t = await createTestDb(dialect);
    const a = await insertAccount(t.db, accountRow(1, T0));
    const b = await insertAccount(t.db, accountRow(2, T0));
    const base = {
      job: "post" as const,
      schedule_id: null,
      local_date: null,
      slot: "now",
      due_at: T0,
      run_at: T0,
      state: "running" as const,
      lease_until: T0 + 60_000,
      created_at: T0,
      updated_at: T0,
    };
    await t.db
      .insertInto("runs")
      .values([
        { ...base, job_key: "manual:1", account_id: a.id, locked_by: "crashed-node" },
        { ...base, job_key: "manual:2", account_id: b.id, locked_by: "post-now:cli" },
      ])
      .execute();
    const recovered = await recoverLeasesOf(t.db, "crashed-node", T0 + 1_000);
    expect(recovered.map((o) => o.job_key)).toEqual(["manual:1"]);
    const rows = await t.db
      .selectFrom("runs")
      .select(["job_key", "state", "locked_by"])
      .orderBy("job_key")
      .execute();
    expect(rows).toEqual([
      { job_key: "manual:1", state: "needs_check", locked_by: null },
      { job_key: "manual:2", state: "running", locked_by: "post-now:cli" },
    ]);
  });

  it("recoverRunsOfDeadHolder recovers the lock's dead holder's runs, and nothing without one", async () => {
    t = await createTestDb(dialect);
    const a = await insertAccount(t.db, accountRow(1, T0));
    await t.db
      .insertInto("runs")
      .values({
        job: "post",
        job_key: "manual:1",
        account_id: a.id,
        schedule_id: null,
        local_date: null,
        slot: "now",
        due_at: T0,
        run_at: T0,
        state: "running",
        locked_by: "crashed-node",
        lease_until: T0 + 60_000,
        created_at: T0,
        updated_at: T0,
      })
      .execute();
    const lock = (deadHolder: string | undefined) => ({
      deadHolder,
      lockFile: undefined,
      release: async () => {},
    });
    expect(await recoverRunsOfDeadHolder(t.db, undefined, T0 + 1_000)).toEqual([]);
    expect(await recoverRunsOfDeadHolder(t.db, lock(undefined), T0 + 1_000)).toEqual([]);
    const [run] = await t.db.selectFrom("runs").select("id").execute();
    const recovered = await recoverRunsOfDeadHolder(t.db, lock("crashed-node"), T0 + 1_000);
    expect(recovered).toEqual([{ runId: run!.id, reason: expect.any(String) }]);
    expect(await t.db.selectFrom("runs").select("state").executeTakeFirst()).toEqual({
      state: "needs_check",
    });
  });
});
