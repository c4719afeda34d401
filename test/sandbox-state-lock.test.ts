/**
 * One process at a time owns the sandbox's state file, and writes it atomically.
 * The lock is a kernel object, so a SIGKILLed owner (a real process here) frees it at once.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StateFileInUseError, startSandbox } from "../src/sandbox/index.js";
import { writeAtomically } from "../src/sandbox/persistence.js";
import { lockAddress, lockStateFile, type StateLock } from "../src/sandbox/state-lock.js";
import { REPO } from "./e2e/helpers.js";

let dir: string;
const locks: StateLock[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sandbox-lock-"));
});
afterEach(async () => {
  for (const lock of locks.splice(0)) await lock.release();
  rmSync(dir, { recursive: true, force: true });
});

async function take(file: string): Promise<StateLock> {
  const attempt = await lockStateFile(file);
  if (!("lock" in attempt)) throw new Error("expected to get the lock");
  locks.push(attempt.lock);
  return attempt.lock;
}

const owner = { pid: process.pid, role: "service", url: "http://127.0.0.1:1", instance: "i-1", shared: true };

describe("state file lock", () => {
  it("one owner at a time: others learn who owns it and see it let go", async () => {
    const file = join(dir, "sandbox-state.json");
    const lock = await take(file);
    lock.announce(owner);
    const second = await lockStateFile(file);
    expect("held" in second && second.held.owner).toEqual(owner);
    if (!("held" in second)) return;
    await lock.release();
    await second.held.released;
    second.held.close();
    await take(file);
  });

  it("a process asking before the owner announces itself gets the answer once it does", async () => {
    const file = join(dir, "s.json");
    const lock = await take(file);
    const asking = lockStateFile(file, { answerWithinMs: 5_000 });
    lock.announce({ ...owner, role: "command", shared: false });
    const attempt = await asking;
    expect("held" in attempt && attempt.held.owner).toMatchObject({ role: "command", shared: false });
    if ("held" in attempt) attempt.held.close();
  });

  it("two spellings of one file (a symlinked directory, a relative path) are one lock; other files are others", async () => {
    const real = join(dir, "real");
    mkdirSync(real);
    const { symlinkSync } = await import("node:fs");
    symlinkSync(real, join(dir, "link"));
    expect(lockAddress(join(dir, "link", "x.json"))).toBe(lockAddress(join(real, "x.json")));
    expect(lockAddress(join(real, "..", "real", "x.json"))).toBe(lockAddress(join(real, "x.json")));
    expect(lockAddress(join(real, "y.json"))).not.toBe(lockAddress(join(real, "x.json")));
    await take(join(real, "x.json"));
    await take(join(real, "y.json"));
  });

  it("an owner killed with SIGKILL frees the file at once (the kernel releases the lock)", async () => {
    const file = join(dir, "killed.json");
    const code = `
      import { lockStateFile } from "./src/sandbox/state-lock.ts";
      const attempt = await lockStateFile(${JSON.stringify(file)});
      attempt.lock.announce({ pid: process.pid, role: "command", url: "http://127.0.0.1:1", instance: "child", shared: false });
      console.log("locked");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise((resolve) => child.once("close", resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
        child.once("close", () => reject(new Error("the child exited before locking")));
      });
      const attempt = await lockStateFile(file);
      expect("held" in attempt && attempt.held.owner).toMatchObject({ pid: child.pid, instance: "child" });
      if (!("held" in attempt)) return;
      child.kill("SIGKILL");
      await attempt.held.released;
      attempt.held.close();
      await take(file);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  });

  it("a second sandbox on the same state file is refused, saying who has it; after close it starts", async () => {
    const file = join(dir, "data", "sandbox-state.json");
    const first = await startSandbox({ stateFile: file });
    const error = await startSandbox({ stateFile: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileInUseError);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect((error as Error).message).toContain(first.url);
    (error as StateFileInUseError).held.close();
    const user = first.sandbox.createUser({ username: "hanako" });
    await first.close();
    const second = await startSandbox({ stateFile: file });
    expect(second.sandbox.createUser({ username: "hanako" }).userId).toBe(user.userId);
    await second.close();
  });
});

describe("writeAtomically", () => {
  it("a reader sees the old content or the new one, never a part; no temp file stays", async () => {
    const file = join(dir, "state.json");
    const version = (n: number) => JSON.stringify({ n, pad: "x".repeat(2_000_000 + n) });
    writeAtomically(file, version(0));
    let reading = true;
    const seen = new Set<number>();
    const reader = (async () => {
      while (reading) {
        const parsed = JSON.parse(readFileSync(file, "utf8")) as { n: number; pad: string };
        expect(parsed.pad).toHaveLength(2_000_000 + parsed.n);
        seen.add(parsed.n);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let n = 1; n <= 8; n++) {
      writeAtomically(file, version(n));
      // The writes are synchronous: let the reader look between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    reading = false;
    await reader;
    expect(JSON.parse(readFileSync(file, "utf8")).n).toBe(8);
    expect(seen.size).toBeGreaterThan(1);
    expect(readdirSync(dir)).toEqual(["state.json"]);
  });

  it("a write that fails leaves the old file as it was and no temp file", async () => {
    const file = join(dir, "target");
    mkdirSync(file); // renaming a file over a directory fails
    writeFileSync(join(file, "keep"), "old");
    expect(() => writeAtomically(file, "new")).toThrow();
    expect(readFileSync(join(file, "keep"), "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["target"]);
  });
});

describe("the state file", () => {
  it("holds a published post before the answer that reports it is sent (a crash right after cannot lose it)", async () => {
    const stateFile = join(dir, "sandbox-state.json");
    const running = await startSandbox({ port: 0, stateFile });
    try {
      const { accessToken, userId } = running.sandbox.createUser({ username: "durable" });
      const saved = () =>
        JSON.parse(readFileSync(stateFile, "utf8")) as { users: unknown[]; media: unknown[] };
      expect(saved().users).toHaveLength(1);
      const post = async (path: string, params: Record<string, string>) =>
        (await fetch(`${running.url}/v1.0/${userId}/${path}`, {
          method: "POST",
          body: new URLSearchParams({ access_token: accessToken, ...params }),
        }).then((r) => r.json())) as { id: string };
      const container = await post("threads", { media_type: "TEXT", text: "kept" });
      const published = await post("threads_publish", { creation_id: container.id });
      expect(published.id).toBeTruthy();
      // Read at once, before any debounce could have run: the post is already on disk.
      expect(saved().media).toHaveLength(1);
    } finally {
      await running.close();
    }
  });
});
