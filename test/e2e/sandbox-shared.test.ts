/**
 * One sandbox per install, with real processes: the service on a non-default PORT serves the sandbox; the CLI in
 * "another shell" (no PORT, same DATA_DIR and DATABASE_URL) uses that sandbox, so its tokens are the
 * service's tokens and the account stays active; a second `start --no-scheduler` reaches the same sandbox;
 * only one process ever writes the state file; a CLI command run while no service runs serves the sandbox for
 * itself over the same state, and the service started later keeps what it wrote.
 */
import { type FSWatcher, mkdtempSync, readFileSync, rmSync, watch } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Account } from "../../src/accounts/account.js";
import { createTestDb, type TestDb } from "../helpers/db.js";
import {
  childEnv,
  DIALECTS,
  freePort,
  killAll,
  type Proc,
  runCliProcess,
  SECRET_KEY,
  spawnCli,
} from "./helpers.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port P with P + 1 free too: the service's default SANDBOX_PORT is PORT + 1. */
async function freePortWithNext(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const nextFree = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port + 1, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (nextFree) return port;
  }
}

async function install(dialect: TestDb["dialect"]) {
  const t = await createTestDb(dialect);
  const dataDir = mkdtempSync(join(tmpdir(), "ts-sandbox-shared-"));
  cleanups.push(async () => {
    await t.destroy().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });
  // No THREADS_GRAPH_URL and no Meta app: the built-in sandbox.
  const vars = {
    DATA_DIR: dataDir,
    DATABASE_URL: t.url,
    SECRET_KEY,
    DEFAULT_TIMEZONE: "Asia/Tokyo",
    LOG_LEVEL: "warn",
  };
  /** A command in "another shell": PORT not set. */
  const cli = async (args: string[]) => {
    const r = await runCliProcess(args, childEnv(vars));
    if (r.code !== 0)
      throw new Error(`\`${args.join(" ")}\` exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  };
  const start = async (args: string[], port: number) => {
    const proc = spawnCli(["start", ...args], childEnv({ ...vars, PORT: String(port) }));
    const url = (await proc.waitFor(/SANDBOX at (http:\/\/\S+)/, 40_000))[1]!;
    await proc.waitFor(/Press Ctrl\+C to stop/, 10_000);
    return { proc, url };
  };
  const accounts = async () => JSON.parse(await cli(["accounts", "list", "--json"])) as Account[];
  return { t, dataDir, cli, start, accounts, stateFile: join(dataDir, "sandbox-state.json") };
}

async function stop(proc: Proc) {
  proc.kill("SIGTERM");
  expect(await proc.exited, proc.seen()).toEqual({ code: 0, signal: null });
}

/** Every temp file the state file's writers create in the directory (named `…json.{pid}.{n}.tmp`). */
function watchWriters(dir: string): { pids: () => Set<number>; close: () => void } {
  const pids = new Set<number>();
  const watcher: FSWatcher = watch(dir, (_event, name) => {
    const m = name?.match(/^sandbox-state\.json\.(\d+)\.\d+\.tmp$/);
    if (m) pids.add(Number(m[1]));
  });
  return { pids: () => pids, close: () => watcher.close() };
}

describe.each(DIALECTS)("one sandbox for the service and the CLI (%s)", (dialect) => {
  it("the CLI without PORT uses the sandbox of the service on PORT, and one process writes its state", async () => {
    const i = await install(dialect);

    // No service yet: the command serves the sandbox for itself, over the install's state file.
    const early = await i.cli(["accounts", "add", "--sandbox-user", "taro"]);
    expect(early).toContain("The service is not running");
    expect(early).not.toContain("__sandbox/media");
    const taroId = (
      JSON.parse(readFileSync(i.stateFile, "utf8")) as { users: { id: string; username: string }[] }
    ).users.find((u) => u.username === "taro")!.id;

    const writers = watchWriters(i.dataDir);
    cleanups.push(writers.close);
    const port = await freePortWithNext();
    const service = await i.start([], port);
    expect(service.url).toBe(`http://127.0.0.1:${port + 1}`);
    expect(service.proc.stdout()).toContain(
      `Sample media for trying posts: ${service.url}/__sandbox/media/sample.jpg`,
    );

    const added = await i.cli(["accounts", "add", "--sandbox-user", "hanako"]);
    // The sample media URLs the CLI prints are the service's sandbox's, on the configured port.
    expect(added).toContain(`Sample media on this sandbox: ${service.url}/__sandbox/media/sample.jpg`);
    const health = (await (await fetch(`${service.url}/__sandbox/health`)).json()) as { users: number };
    expect(health.users).toBe(2);

    await i.cli(["groups", "add", "--account", "1", "--name", "t", "--text", "taro の投稿"]);
    await i.cli([
      "groups",
      "add",
      "--account",
      "2",
      "--name",
      "photo",
      "--text",
      "写真です",
      "--image",
      `${service.url}/__sandbox/media/sample.jpg`,
    ]);
    const posted = await i.cli(["post", "--account", "2", "--group", "2"]);
    const permalink = posted.match(/Part 1: (\S+)/)![1]!;
    expect(permalink).toMatch(new RegExp(`^${service.url.replace(/\W/g, "\\$&")}/@hanako/post/[\\w-]{11}$`));
    expect((await fetch(permalink)).status).toBe(200);
    // taro's token, issued by the command's own sandbox before the service ran, is accepted by the service's.
    expect(await i.cli(["post", "--account", "1", "--group", "1"])).toMatch(
      /Part 1: http:\/\/127\.0\.0\.1:\d+\/@taro\/post\//,
    );

    // A second service on the same install reaches the running sandbox instead of starting another.
    const second = await i.start(["--no-scheduler"], await freePort());
    expect(second.url).toBe(service.url);
    expect(second.proc.stdout()).toContain(`served by \`threads-scheduler start\`, pid ${service.proc.pid}`);
    await stop(second.proc);
    expect((await fetch(`${service.url}/__sandbox/health`)).ok).toBe(true);

    expect((await i.accounts()).map((a) => [a.username, a.status])).toEqual([
      ["taro", "active"],
      ["hanako", "active"],
    ]);
    await stop(service.proc);
    expect(await i.t.db.selectFrom("app_state").select("key").where("key", "=", "sandbox").execute()).toEqual(
      [],
    );

    // The state file was written by the service alone, and kept every user's id.
    writers.close();
    expect([...writers.pids()]).toEqual([service.proc.pid]);
    const saved = JSON.parse(readFileSync(i.stateFile, "utf8")) as {
      users: { id: string; username: string }[];
    };
    const accounts = await i.accounts();
    expect(saved.users.map((u) => [u.username, u.id])).toEqual([
      ["taro", taroId],
      ["hanako", accounts[1]!.threadsUserId],
    ]);
    expect(accounts[0]!.threadsUserId).toBe(taroId);

    // After a restart, the same sandbox users and tokens: posting still works and the account stays active.
    const again = await i.start([], port);
    expect(again.url).toBe(service.url);
    expect(await i.cli(["post", "--account", "2", "--text", "また明日"])).toMatch(
      /Part 1: .*\/@hanako\/post\//,
    );
    expect((await i.accounts()).map((a) => a.status)).toEqual(["active", "active"]);
    await stop(again.proc);
  }, 240_000);
});
