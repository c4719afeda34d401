import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { acquireInstanceLock, InstanceLockError } from "../src/scheduler/instance-lock.js";
import { recoverLeasesOf } from "../src/scheduler/occurrences.repository.js";
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

describe("SQLite single-instance lock", () => {
  it("refuses a second scheduler while the first is alive, naming it and what to do", async () => {
    t = await createTestDb("sqlite");
    const first = await acquireInstanceLock(t.db, "node-a", () => T0, "test.db");
    expect(first?.deadHolder).toBeUndefined();
    const second = acquireInstanceLock(t.db, "node-b", () => T0, "test.db");
    await expect(second).rejects.toBeInstanceOf(InstanceLockError);
    await expect(second).rejects.toThrow(/pid \d+ .*already running.*use PostgreSQL/s);
    await first?.release();
    const third = await acquireInstanceLock(t.db, "node-c", () => T0, "test.db");
    expect(third?.deadHolder).toBeUndefined();
    await third?.release();
  });

  it("takes over from a scheduler whose process is gone and names it, so its runs can be recovered", async () => {
    t = await createTestDb("sqlite");
    await writeHolder(t.db, { nodeId: "crashed-node", pid: DEAD_PID });
    const lock = await acquireInstanceLock(t.db, "node-b", () => T0, "test.db");
    expect(lock?.deadHolder).toBe("crashed-node");
    await lock?.release();
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
      .insertInto("occurrences")
      .values([
        { ...base, job_key: "manual:1", account_id: a.id, locked_by: "crashed-node" },
        { ...base, job_key: "manual:2", account_id: b.id, locked_by: "post-now:cli" },
      ])
      .execute();
    const recovered = await recoverLeasesOf(t.db, "crashed-node", T0 + 1_000);
    expect(recovered.map((o) => o.job_key)).toEqual(["manual:1"]);
    const rows = await t.db
      .selectFrom("occurrences")
      .select(["job_key", "state", "locked_by"])
      .orderBy("job_key")
      .execute();
    expect(rows).toEqual([
      { job_key: "manual:1", state: "needs_check", locked_by: null },
      { job_key: "manual:2", state: "running", locked_by: "post-now:cli" },
    ]);
  });
});
