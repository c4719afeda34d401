/**
 * Stop and restart, with real processes against a standalone sandbox process: a stop always ends within
 * its timeout (a second signal at once), and a restart after a crash is never refused. Every case ends with the
 * post on Threads exactly once.
 *
 * "A publish that takes 10 s" is the sandbox's lost_response fault with a 10 s delay: the post is published as
 * the call arrives and the answer comes 10 s later, the case where giving up blindly would post twice.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  childEnv,
  createE2eEnv,
  DIALECTS,
  type E2eEnv,
  loggedEvents,
  type Proc,
  REPO,
  type Reporter,
  rootPostsPerUser,
  type SandboxProcess,
  SECOND,
  type SeededAccount,
  seedDueAccounts,
  settled,
  statesAt,
  useSandboxProcess,
  waitForLogs,
  waitOn,
  waitUntil,
} from "./helpers.js";

let sandbox: SandboxProcess;
const envs = useSandboxProcess({ processingMs: 200 }, (s) => {
  sandbox = s;
});

/** One account with one due post whose publish call takes `delayMs` to answer (it publishes at once). */
async function oneSlowPost(
  e: E2eEnv,
  prefix: string,
  delayMs: number,
): Promise<{ seeded: SeededAccount; dueAt: number }> {
  const dueAt = Date.now();
  const [seeded] = await seedDueAccounts(e, sandbox, { count: 1, prefix, dueAt });
  await sandbox.addFault({
    path: "threads_publish",
    userId: seeded!.user.user_id,
    kind: "lost_response",
    delayMs,
    times: 1,
  });
  return { seeded: seeded!, dueAt };
}

/**
 * Resolves once the post is on Threads (the slow publish call is then still waiting for its answer). A poll:
 * nothing reports that moment (the scheduler is waiting for the answer the sandbox holds back).
 */
function publishLanded(seeded: SeededAccount, alive: Proc[]): Promise<unknown> {
  return waitUntil(async () => (await sandbox.published(seeded.user.user_id)).length > 0, {
    timeoutMs: 60 * SECOND,
    intervalMs: 50,
    what: "the slow publish to reach Threads",
    alive,
  });
}

/** Restarts the scheduler and waits until the run is settled: published, and on Threads exactly once. */
async function expectPublishedOnceAfterRestart(e: E2eEnv, seeded: SeededAccount, dueAt: number) {
  // LOG_LEVEL=info: each engine event is a moment to look at the run again.
  const next = e.spawn(["start", "--no-web"], { LOG_LEVEL: "info" });
  await next.waitFor(/Press Ctrl\+C to stop/, 60 * SECOND);
  const states = await waitOn(
    [next],
    async () => {
      const s = await statesAt(e.db, dueAt);
      return settled(s) ? s : undefined;
    },
    { timeoutMs: 60 * SECOND, what: "the post to settle after the restart", alive: [next] },
  );
  expect(states).toEqual({ published: 1 });
  expect(rootPostsPerUser(await sandbox.published()).get(seeded.user.user_id)).toBe(1);
  next.kill("SIGTERM");
  expect((await next.exited).code).toBe(0);
  return next;
}

describe("a stop always ends", () => {
  it.each(DIALECTS)(
    "%s: SIGTERM during a publish that takes 10 s: gone within the stop timeout + 2 s, then published exactly once",
    async (dialect) => {
      const e = await createE2eEnv(dialect, sandbox.url);
      envs.push(e);
      const { seeded, dueAt } = await oneSlowPost(e, `${dialect}stop`, 10 * SECOND);
      const service = e.spawn(["start", "--no-web"], { STOP_TIMEOUT: "2" });
      await publishLanded(seeded, [service]);

      const signalledAt = Date.now();
      service.kill("SIGTERM");
      const exit = await service.exited;
      const tookMs = Date.now() - signalledAt;
      expect(exit, service.stderr()).toEqual({ code: 0, signal: null });
      expect(tookMs, "gone within STOP_TIMEOUT + 2 s").toBeLessThan(2 * SECOND + 2 * SECOND);
      expect(service.stdout()).toContain("Posts in flight get up to 2 s to finish");
      expect(service.stdout()).toContain(
        "The stop timeout (2 s) cut off 1 run still waiting for Threads: 1 post may have gone out and will be checked against Threads at the next start. `threads-scheduler runs` shows them.",
      );
      expect(service.stdout()).toMatch(/Stopped\.\n$/);
      // The cut publish may have gone out: it waits for a check, due at once.
      const row = await e.db
        .selectFrom("runs")
        .select(["state", "reason", "locked_by"])
        .where("job", "=", "post")
        .where("due_at", "=", dueAt)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ state: "needs_check", locked_by: null });
      expect(row.reason).toMatch(/stopped while a publish call was in flight/);

      await expectPublishedOnceAfterRestart(e, seeded, dueAt);
    },
    120_000,
  );

  it("SQLite: a second SIGTERM exits at once and says so; the restart publishes exactly once", async () => {
    const e = await createE2eEnv("sqlite", sandbox.url, { LOG_LEVEL: "info" });
    envs.push(e);
    const { seeded, dueAt } = await oneSlowPost(e, "secondsignal", 30 * SECOND);
    // A stop timeout longer than the test: only the second signal can end it in time.
    const service = e.spawn(["start", "--no-web"], { STOP_TIMEOUT: "600" });
    await publishLanded(seeded, [service]);
    service.kill("SIGTERM");
    await service.waitFor(/SIGTERM received: stopping/, 10 * SECOND);
    service.kill("SIGTERM");
    const exit = await service.exited;
    expect(exit.code).toBe(143);
    expect(service.stderr()).toContain(
      "Second SIGTERM: exiting now, without waiting. Runs in flight will be checked against Threads at the next start.",
    );
    expect(service.stdout()).not.toContain("Stopped.");

    const next = await expectPublishedOnceAfterRestart(e, seeded, dueAt);
    // The run the exit left behind was taken from the dead scheduler at once, and checked.
    expect(loggedEvents(next, "abandoned")).toHaveLength(1);
  }, 120_000);
});

describe("a restart after a crash is never refused (SQLite)", () => {
  it("kill -9 during a publish, restart within 100 ms: it starts, and the post is on Threads exactly once", async () => {
    const e = await createE2eEnv("sqlite", sandbox.url, { LOG_LEVEL: "info" });
    envs.push(e);
    const { seeded, dueAt } = await oneSlowPost(e, "killnine", 10 * SECOND);
    const first = e.spawn(["start", "--no-web"]);
    await publishLanded(seeded, [first]);

    first.kill("SIGKILL");
    const killedAt = Date.now();
    const second = e.spawn(["start", "--no-web"]);
    expect(Date.now() - killedAt, "restarted within 100 ms").toBeLessThan(100);
    expect((await first.exited).signal).toBe("SIGKILL");
    await second.waitFor(/Press Ctrl\+C to stop/, 60 * SECOND);
    expect(second.stderr()).not.toContain("already running");
    // Its predecessor's run was recovered at once (to a check), not after a lease ran out.
    await waitForLogs([second], (l) => l.msg === "abandoned", 1, {
      timeoutMs: 30 * SECOND,
      what: "the dead scheduler's run to be recovered",
    });
    expect(loggedEvents(second, "abandoned")).toHaveLength(1);
    const states = await waitOn(
      [second],
      async () => {
        const s = await statesAt(e.db, dueAt);
        return settled(s) ? s : undefined;
      },
      { timeoutMs: 60 * SECOND, what: "the post to settle", alive: [second] },
    );
    expect(states).toEqual({ published: 1 });
    expect(rootPostsPerUser(await sandbox.published()).get(seeded.user.user_id)).toBe(1);
    second.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 120_000);

  it("a killed scheduler that is a zombie (not reaped yet) does not pass for the living holder", async () => {
    const e = await createE2eEnv("sqlite", sandbox.url);
    envs.push(e);
    // The scheduler's parent is a shell that execs into `sleep`, which never reaps it: once killed, it stays a
    // zombie with its pid (and `kill(pid, 0)` still succeeds) until the sleep ends.
    const parent = spawn(
      "sh",
      ["-c", `"${process.execPath}" --import tsx src/cli.ts start --no-web & echo "pid=$!"; exec sleep 120`],
      { cwd: REPO, env: childEnv(e.vars), stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let out = "";
      parent.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
      const shell: Reporter = {
        subscribe(listener) {
          parent.stdout!.on("data", listener);
          return () => parent.stdout!.off("data", listener);
        },
        seen: () => `stdout of the shell: ${out}`,
      };
      const pid = await waitOn([shell], () => (/Press Ctrl\+C to stop/.test(out) ? out : undefined), {
        timeoutMs: 60 * SECOND,
        what: "the first scheduler to start",
      }).then((text) => Number(/pid=(\d+)/.exec(text)![1]));
      process.kill(pid, "SIGKILL");
      // A poll: nothing reports that the kernel keeps the killed process as a zombie.
      await waitUntil(async () => /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8")), {
        timeoutMs: 10 * SECOND,
        intervalMs: 20,
        what: "the killed scheduler to be a zombie",
      });
      expect(() => process.kill(pid, 0), "the zombie's pid still answers kill(pid, 0)").not.toThrow();

      const second = e.spawn(["start", "--no-web"]);
      await second.waitFor(/Press Ctrl\+C to stop/, 60 * SECOND);
      // While it runs, a third one is refused with the living holder named.
      const third = await e.cli(["start", "--no-web"]);
      expect(third.code).toBe(1);
      expect(third.stderr).toContain(`Another threads-scheduler (pid ${second.pid} on `);
      second.kill("SIGTERM");
      expect((await second.exited).code).toBe(0);
    } finally {
      parent.kill("SIGKILL");
    }
  }, 120_000);
});
