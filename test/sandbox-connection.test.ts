/**
 * In-process on both databases: the app_state record of the service's sandbox, and how a
 * process finds the install's one sandbox (record first, then the state file's lock, else its own).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findOrStartSandbox, type SandboxHandle } from "../src/app/sandbox-connection.js";
import {
  deleteSandboxRecord,
  readSandboxRecord,
  type SandboxRecord,
  writeSandboxRecord,
} from "../src/app/sandbox-record.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/log.js";
import { startSandbox } from "../src/sandbox/index.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";

const T0 = Date.UTC(2025, 9, 22);
const logger = createLogger("error");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function record(instance: string, url = "http://127.0.0.1:3001"): SandboxRecord {
  return {
    url,
    instance,
    pid: process.pid,
    host: hostname(),
    stateFile: "/x/sandbox-state.json",
    startedAt: T0,
  };
}

describe.each(DIALECTS)("sandbox record and discovery on %s", (dialect) => {
  async function db(): Promise<TestDb> {
    const t = await createTestDb(dialect);
    cleanups.push(() => t.destroy());
    return t;
  }
  function install(t: TestDb) {
    const dataDir = mkdtempSync(join(tmpdir(), "sandbox-conn-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    return loadConfig(
      {},
      { DATABASE_URL: t.url, DATA_DIR: dataDir, SANDBOX_PORT: "0", SECRET_KEY: "2b".repeat(32) },
    );
  }
  async function find(
    t: TestDb,
    config: ReturnType<typeof install>,
    serveSandbox: boolean,
    notice?: (message: string) => void,
  ): Promise<SandboxHandle> {
    const handle = await findOrStartSandbox(config, logger, {
      serveSandbox,
      db: async () => t.db,
      waitMs: 5_000,
      ...(notice ? { notice } : {}),
    });
    cleanups.push(() => handle.close());
    return handle;
  }

  it("writes, replaces, reads and deletes the record (only its own instance's)", async () => {
    const t = await db();
    expect(await readSandboxRecord(t.db)).toBeUndefined();
    await writeSandboxRecord(t.db, record("a"), T0);
    await writeSandboxRecord(t.db, record("b", "http://127.0.0.1:31848"), T0 + 1);
    expect(await readSandboxRecord(t.db)).toEqual(record("b", "http://127.0.0.1:31848"));
    await deleteSandboxRecord(t.db, "a");
    expect((await readSandboxRecord(t.db))?.instance).toBe("b");
    await deleteSandboxRecord(t.db, "b");
    expect(await readSandboxRecord(t.db)).toBeUndefined();
    await t.db.insertInto("app_state").values({ key: "sandbox", value: "{broken", updated_at: T0 }).execute();
    expect(await readSandboxRecord(t.db)).toBeUndefined();
  });

  it("the service records its sandbox; a command uses it, even from another DATA_DIR; stopping removes the record", async () => {
    const t = await db();
    const config = install(t);
    const service = await find(t, config, true);
    expect(service.servedBy).toBeUndefined();
    expect(await readSandboxRecord(t.db)).toMatchObject({ url: service.url, pid: process.pid });

    const command = await find(t, config, false);
    expect(command.url).toBe(service.url);
    expect(command.servedBy).toBe(`\`threads-scheduler start\`, pid ${process.pid}`);
    // One sandbox per database: a command with another DATA_DIR uses it too instead of its own state file.
    const elsewhere = await find(t, install(t), false);
    expect(elsewhere.url).toBe(service.url);

    await service.close();
    expect(await readSandboxRecord(t.db)).toBeUndefined();
  });

  it("a second service uses the first one's sandbox and says so when that sandbox stops", async () => {
    const t = await db();
    const config = install(t);
    const first = await find(t, config, true);
    let told: (message: string) => void = () => {};
    const gone = new Promise<string>((resolve) => {
      told = resolve;
    });
    const second = await find(t, config, true, told);
    expect(second.url).toBe(first.url);
    expect(second.servedBy).toContain(`pid ${process.pid}`);
    await first.close();
    expect(await gone).toMatch(
      /^The sandbox at http:\/\/127\.0\.0\.1:\d+ \(served by .*\) has stopped: .*Restart it/,
    );
  });

  it("a record whose URL answers as another instance (or not at all) is ignored: the command serves its own", async () => {
    const t = await db();
    const config = install(t);
    const other = await startSandbox({});
    cleanups.push(() => other.close());
    await writeSandboxRecord(t.db, record("not-that-one", other.url), T0);
    const command = await find(t, config, false);
    expect(command.url).not.toBe(other.url);
    expect(command.servedBy).toBeUndefined();
    expect(command.lasting).toBe(false);
    // A command's own sandbox is not recorded: it ends with the command.
    expect((await readSandboxRecord(t.db))?.instance).toBe("not-that-one");
  });

  it("a command waits for another command's own sandbox to end, then takes the state file", async () => {
    const t = await db();
    const config = install(t);
    const first = await find(t, config, false);
    let told: (message: string) => void = () => {};
    const waiting = new Promise<string>((resolve) => {
      told = resolve;
    });
    const second = find(t, config, false, told);
    expect(await waiting).toMatch(
      /^Waiting for another threads-scheduler command \(pid \d+\) to finish with the sandbox state file .*sandbox-state\.json/,
    );
    await first.close();
    const h = await second;
    expect(h.lasting).toBe(false);
    expect(h.url).not.toBe(first.url);
  });
});
