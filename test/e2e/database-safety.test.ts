/**
 * Database safety with real processes: where the data is looked for, databases that cannot be read or
 * written, and a changed or lost SECRET_KEY. Every command must exit (within BOUND_MS; it is SIGKILLed and the
 * test fails otherwise) with a message that names the file and what to do, and change nothing.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { childEnv, DIALECTS, freePort, killAll, spawnCli } from "./helpers.js";

/** Far above what any of these commands takes, far below "hung". */
const BOUND_MS = 30_000;
/** A test runs many processes, one after the other, each a few seconds on a busy machine. */
const TEST_TIMEOUT_MS = 240_000;
const KEY_A = "a1".repeat(32);
const KEY_B = "b2".repeat(32);
/** Root may write any file: the read-only cases run their commands as `nobody`, as a real user would be. */
const AS_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/**
 * `nobody` must reach the code it runs: a checkout in a folder only its owner may enter (`mktemp -d` makes mode
 * 0700) would fail these cases with "Cannot find package 'tsx'", so the folders above the checkout get o+x
 * (enter, not list) when they lack it.
 */
if (process.getuid?.() === 0) {
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    if (dirname(dir) === dir) break;
  }
}

const dirs: string[] = [];
afterEach(async () => {
  await killAll();
  for (const d of dirs.splice(0)) {
    chmodTree(d);
    rmSync(d, { recursive: true, force: true });
  }
});
afterAll(() => killAll());

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ts-dbsafe-"));
  dirs.push(d);
  return d;
}

function chmodTree(d: string): void {
  try {
    chmodSync(d, 0o777);
    for (const f of readdirSync(d)) chmodSync(join(d, f), 0o777);
  } catch {
    // already gone
  }
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end; fails the test when it has not exited within BOUND_MS. */
async function run(
  args: string[],
  vars: Record<string, string>,
  opts: { cwd?: string; uid?: number; gid?: number } = {},
): Promise<Ran> {
  const proc = spawnCli(args, childEnv({ LOG_LEVEL: "warn", HOME: tmpdir(), ...vars }), opts);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    proc.kill("SIGKILL");
  }, BOUND_MS);
  const exit = await proc.exited;
  clearTimeout(timer);
  expect(
    killed,
    `\`${args.join(" ")}\` was still running after ${BOUND_MS} ms\nstderr: ${proc.stderr()}`,
  ).toBe(false);
  return { code: exit.code, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Commands that only read, and commands that write, for the cases where all of them must refuse. */
const READS = [["accounts", "list"], ["jobs"], ["runs"], ["check"], ["groups", "list", "--account", "1"]];
const WRITES = [
  ["accounts", "add", "--sandbox-user", "hanako"],
  ["groups", "add", "--account", "1", "--name", "x", "--text", "y"],
  ["schedules", "add", "--account", "1", "--fixed", "09:00"],
];

/** No Threads server is needed by these commands: a closed port, so none is started either. */
const NO_THREADS = { THREADS_GRAPH_URL: "http://127.0.0.1:9", DEFAULT_TIMEZONE: "UTC" };

async function migrated(dir: string, vars: Record<string, string> = {}): Promise<string> {
  const r = await run(["migrate"], { DATA_DIR: dir, SECRET_KEY: KEY_A, ...NO_THREADS, ...vars });
  expect(r.code, r.stderr).toBe(0);
  return join(dir, "threads-scheduler.db");
}

describe("where the data is", { timeout: TEST_TIMEOUT_MS }, () => {
  it("a command that reads, run in a folder with no database, says where it looked and creates nothing", async () => {
    const cwd = tempDir();
    for (const args of READS) {
      const r = await run(args, NO_THREADS, { cwd });
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`No database at ${join(cwd, "data", "threads-scheduler.db")}`);
      expect(r.stderr).toContain(`./data of the current folder, ${cwd}`);
      expect(r.stderr).toContain("--data-dir");
    }
    for (const args of WRITES) {
      const r = await run(args, NO_THREADS, { cwd });
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain("No database at");
    }
    expect(readdirSync(cwd)).toEqual([]);

    // The first run's `migrate` (or `start`) creates ./data and the database in it.
    const first = await run(["migrate"], NO_THREADS, { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(cwd, "data", "threads-scheduler.db"))).toBe(true);
    expect((await run(["accounts", "list"], NO_THREADS, { cwd })).code).toBe(0);
  });

  it("a missing folder of a SQLite path is an error, and is not created", async () => {
    const d = tempDir();
    const url = join(d, "nonexistent", "dir", "x.db");
    for (const args of [["migrate"], ["accounts", "list"]]) {
      const r = await run(args, { DATA_DIR: d, DATABASE_URL: url, ...NO_THREADS });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/does not exist/);
      expect(r.stderr).toContain(join(d, "nonexistent", "dir"));
    }
    expect(readdirSync(d)).toEqual([]);
  });
});

describe("a database that cannot be read or written never hangs", { timeout: TEST_TIMEOUT_MS }, () => {
  it("a read-only database file: reads work, every write says which file and what to do", async () => {
    const d = tempDir();
    const file = await migrated(d);
    chmodSync(d, 0o777);
    chmodSync(file, 0o444);
    const vars = { DATA_DIR: d, SECRET_KEY: KEY_A, ...NO_THREADS };
    const list = await run(["accounts", "list"], vars, AS_USER);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain("No accounts yet");
    for (const args of [...WRITES, ["check"]]) {
      const r = await run(args, vars, AS_USER);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`Cannot write to the database ${file}: the file is read-only for this user`);
      expect(r.stderr).toContain(`chmod u+w ${file}`);
    }
  });

  it("a read-only folder: every command names the folder and the WAL files it needs", async () => {
    const d = tempDir();
    const file = await migrated(d);
    for (const f of readdirSync(d)) if (f.endsWith("-wal") || f.endsWith("-shm")) rmSync(join(d, f));
    chmodSync(file, 0o666);
    chmodSync(d, 0o555);
    const vars = { DATA_DIR: d, SECRET_KEY: KEY_A, ...NO_THREADS };
    for (const args of [["accounts", "list"], ["runs"], ...WRITES, ["migrate"]]) {
      const r = await run(args, vars, AS_USER);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`its folder ${d} is not writable for this user`);
      expect(r.stderr).toContain(`${file}-wal`);
    }
  });

  it("sandbox mode with a read-only DATA_DIR: the command ends, refused, although the sandbox cannot save its state", async () => {
    // The in-process sandbox's server must close even when saving its state fails (else the command hangs).
    const d = tempDir();
    const work = tempDir();
    const url = join(work, "x.db");
    await migrated(d, { DATABASE_URL: url });
    chmodSync(work, 0o777);
    chmodSync(url, 0o666);
    chmodSync(d, 0o555);
    const r = await run(
      ["accounts", "add", "--sandbox-user", "rin"],
      { DATA_DIR: d, DATABASE_URL: url, SECRET_KEY: KEY_A, SANDBOX_PORT: String(await freePort()) },
      AS_USER,
    );
    // The sandbox refuses what it cannot keep (a user it would forget), and says where and what to do.
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the sandbox cannot save its state to ${join(d, "sandbox-state.json")} (EACCES)`,
    );
    expect(r.stderr).toContain(`make ${d} writable for this user`);
    const list = await run(["accounts", "list", "--json"], {
      DATA_DIR: d,
      DATABASE_URL: url,
      SECRET_KEY: KEY_A,
    });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("a file of random bytes, an empty file, a folder in place of the file", async () => {
    const d = tempDir();
    const file = join(d, "threads-scheduler.db");
    const vars = { DATA_DIR: d, SECRET_KEY: KEY_A, ...NO_THREADS, PORT: String(await freePort()) };
    const garbage = randomBytes(20_000);
    writeFileSync(file, garbage);
    for (const args of [["accounts", "list"], ...WRITES, ["migrate"], ["start", "--no-web"]]) {
      const r = await run(args, vars);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`${file} is not a database, or it is damaged`);
      expect(r.stderr).toContain("Restore it from a backup");
    }
    expect(readFileSync(file).equals(garbage)).toBe(true);

    writeFileSync(file, "");
    for (const args of [["runs"], ...WRITES]) {
      const r = await run(args, vars);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`The file ${file} holds no threads-scheduler data`);
    }
    expect(statSync(file).size).toBe(0);

    rmSync(file);
    mkdirSync(file);
    for (const args of [["jobs"], ["migrate"]]) {
      const r = await run(args, vars);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`${file} is a folder, not a database file`);
    }
  });

  it("PostgreSQL that does not answer: the connection times out with a message", async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await run(["accounts", "list"], {
        DATA_DIR: tempDir(),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test`,
        ...NO_THREADS,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `Cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:${port}/test`,
      );
      expect(r.stderr).toContain("no answer within 10 seconds");
    } finally {
      silent.close();
    }
  });

  it.runIf(DIALECTS.includes("postgres"))(
    "PostgreSQL: a database that does not exist, a closed port",
    async () => {
      const d = tempDir();
      const noDb = await run(["runs"], {
        DATA_DIR: d,
        DATABASE_URL: "postgres://postgres@127.0.0.1:5432/no_such_db_here",
        ...NO_THREADS,
      });
      expect(noDb.code).toBe(1);
      expect(noDb.stderr).toContain('database "no_such_db_here" does not exist');
      expect(noDb.stderr).toContain("createdb no_such_db_here");
      const closed = await run(["runs"], {
        DATA_DIR: d,
        DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${await freePort()}/test`,
        ...NO_THREADS,
      });
      expect(closed.code).toBe(1);
      expect(closed.stderr).toContain("ECONNREFUSED");
      expect(closed.stderr).not.toContain("secret@");
    },
  );
});

describe("a changed or lost SECRET_KEY", { timeout: TEST_TIMEOUT_MS }, () => {
  it("is refused up front by every command that needs the key; no new key is generated", async () => {
    const d = tempDir();
    // Sandbox mode (no THREADS_GRAPH_URL): the commands start the built-in sandbox in-process on a free port.
    const vars = { DATA_DIR: d, DEFAULT_TIMEZONE: "UTC", SANDBOX_PORT: String(await freePort()) };
    await migrated(d, { SECRET_KEY: "", THREADS_GRAPH_URL: "" });
    expect(existsSync(join(d, "secret.key"))).toBe(false);
    const added = await run(["accounts", "add", "--sandbox-user", "kanako"], vars);
    expect(added.code, added.stderr).toBe(0);
    const keyFile = join(d, "secret.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(
      (await run(["groups", "add", "--account", "1", "--name", "g", "--text", "こんにちは"], vars)).code,
    ).toBe(0);

    // The key file is lost.
    renameSync(keyFile, join(d, "secret.key.backup"));
    for (const args of [
      ["post", "--account", "1", "--group", "1"],
      ["tokens", "refresh"],
      ["accounts", "add", "--sandbox-user", "taro"],
      ["accounts", "reconnect", "1", "--token", "any-token"],
      ["start", "--no-web"],
    ]) {
      const r = await run(args, vars);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain("The token encryption key does not match");
      expect(r.stderr).toContain(`SECRET_KEY is not set and ${keyFile} does not exist`);
      expect(r.stderr).toContain(`put the previous secret.key back at ${keyFile}`);
      expect(r.stderr).toContain("tokens reset-key --yes");
      expect(existsSync(keyFile), args.join(" ")).toBe(false);
    }
    // `migrate` does not need the key: it upgrades the schema and warns.
    const migrate = await run(["migrate"], vars);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stderr).toContain("Warning: The token encryption key does not match");
    expect(existsSync(keyFile)).toBe(false);
    const list = await run(["accounts", "list"], vars);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/@kanako\s+key mismatch/);
    expect(list.stdout).not.toMatch(/@kanako\s+active/);
    const runs = await run(["runs", "--json"], vars);
    expect(JSON.parse(runs.stdout)).toEqual([]);

    // Another key in SECRET_KEY is named as such.
    const other = await run(["post", "--account", "1", "--group", "1"], { ...vars, SECRET_KEY: KEY_B });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("Key in use: the SECRET_KEY environment variable");

    // The old key restored: everything works again.
    renameSync(join(d, "secret.key.backup"), keyFile);
    const posted = await run(["post", "--account", "1", "--group", "1"], vars);
    expect(posted.code, posted.stderr).toBe(0);
    expect(posted.stdout).toContain("Published (run ");
  });

  it("after the key is given up, accounts are held until they get a new token", async () => {
    const d = tempDir();
    const vars = { DATA_DIR: d, DEFAULT_TIMEZONE: "UTC", SANDBOX_PORT: String(await freePort()) };
    await migrated(d, { SECRET_KEY: "", THREADS_GRAPH_URL: "" });
    expect(
      (await run(["accounts", "add", "--sandbox-user", "jiro"], { ...vars, SECRET_KEY: KEY_A })).code,
    ).toBe(0);

    const withoutYes = await run(["tokens", "reset-key"], { ...vars, SECRET_KEY: KEY_B });
    expect(withoutYes.code).toBe(2);
    const reset = await run(["tokens", "reset-key", "--yes"], { ...vars, SECRET_KEY: KEY_B });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain("1 account(s) must be given a new token");
    const list = await run(["accounts", "list", "--json"], { ...vars, SECRET_KEY: KEY_B });
    expect(JSON.parse(list.stdout)).toMatchObject([{ username: "jiro", status: "reauth_required" }]);
    const again = await run(["accounts", "add", "--sandbox-user", "jiro"], { ...vars, SECRET_KEY: KEY_B });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("@jiro already exists as account 1: reconnected");
    const after = await run(["accounts", "list", "--json"], { ...vars, SECRET_KEY: KEY_B });
    expect(JSON.parse(after.stdout)).toMatchObject([{ status: "active", tokenState: "ok" }]);
    // The old key is now the wrong one.
    expect((await run(["tokens", "refresh"], { ...vars, SECRET_KEY: KEY_A })).code).toBe(1);
  });
});
