/**
 * The scheduler with real processes against a standalone sandbox process: a fixed time at the next whole minute
 * publishes once at that minute; `check`, `jobs` and `runs` report it; SIGTERM stops `start` gracefully and
 * hands back work in flight, which a restart then publishes exactly once. Every wait is on what the processes
 * report (a log line, an exit, a call through the Graph tap), never on a timer.
 */
import { describe, expect, it } from "vitest";
import {
  createE2eEnv,
  DIALECTS,
  freePort,
  type GraphCall,
  hhmmUtc,
  loggedEvents,
  MINUTE,
  nextWholeMinute,
  rootPostsPerUser,
  type SandboxProcess,
  seedDueAccounts,
  settled,
  startGraphTap,
  statesAt,
  useSandboxProcess,
  waitForLogs,
  waitOn,
} from "./helpers.js";

/** Image containers stay IN_PROGRESS this long, so a SIGTERM finds posts waiting on them. */
const PROCESSING_MS = 15_000;

let sandbox: SandboxProcess;
const envs = useSandboxProcess({ processingMs: PROCESSING_MS }, (s) => {
  sandbox = s;
});

interface Run {
  id: number;
  job: string;
  scheduleId: number | null;
  state: string;
  dueAtMs: number;
  permalinks: string[];
  reason: string | null;
}

describe("scheduler with real processes", () => {
  it.each(DIALECTS)(
    "%s: a fixed time at the next whole minute publishes once at that minute; check, jobs and runs report it",
    async (dialect) => {
      const e = await createE2eEnv(dialect, sandbox.url);
      envs.push(e);
      const user = await sandbox.createUser({ username: `minute_${dialect}` });
      await e.ok(["accounts", "add", "--token", user.access_token]);
      await e.ok(["groups", "add", "--account", "1", "--name", "minute", "--text", "On the minute"]);
      const port = await freePort();
      const start = e.spawn(["start"], { PORT: String(port), SANDBOX_PORT: "0", LOG_LEVEL: "info" });
      await start.waitFor(/Press Ctrl\+C to stop/, 60_000);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

      // Added while the scheduler runs: it takes effect without a restart. At least 20 s ahead, so that the
      // CLI has added it before the minute comes even on a busy machine.
      const at = nextWholeMinute(Date.now(), 20_000);
      const time = hhmmUtc(at);
      const [schedule] = await e.json<Array<{ id: number }>>([
        "schedules",
        "add",
        "--account",
        "1",
        "--fixed",
        time,
      ]);
      const jobId = `schedule_${schedule!.id}_${time}`;
      expect(Date.now(), "the schedule was added before its minute").toBeLessThan(at);

      await waitForLogs([start], (l) => l.msg === "published", 1, {
        timeoutMs: at - Date.now() + 40_000,
        what: `the post due at ${time} to be published`,
      });
      const [post] = await sandbox.published(user.user_id);
      expect(post!.text).toBe("On the minute");
      expect(post!.publishedAt).toBeGreaterThanOrEqual(at);
      expect(post!.publishedAt).toBeLessThan(at + 30_000);

      const runs = await e.json<Run[]>(["runs"]);
      const posts = runs.filter((r) => r.job === "post");
      expect(posts).toHaveLength(1);
      expect(posts[0]).toMatchObject({ scheduleId: schedule!.id, state: "published", dueAtMs: at });
      expect(posts[0]!.permalinks).toEqual([post!.permalink]);

      const jobs = await e.json<Array<{ id: string; type: string; nextRunAt?: number; dueAtMs?: number }>>([
        "jobs",
      ]);
      for (const j of jobs) expect(j.id).toBeDefined();
      expect(jobs.find((j) => j.id === jobId)).toMatchObject({
        type: "job",
        nextRunAt: at + 24 * 60 * MINUTE,
      });
      expect(jobs.find((j) => j.id === "token_refresh")).toMatchObject({ type: "job" });
      expect(jobs.filter((j) => j.type === "run").map((j) => j.dueAtMs)).toContain(at + 24 * 60 * MINUTE);

      start.kill("SIGTERM");
      const exit = await start.exited;
      expect(exit.code).toBe(0);
      expect(start.stdout()).toMatch(/Stopped\./);
      // Once the scheduler has stopped, it is still one post: the minute fired once.
      expect(await sandbox.published(user.user_id)).toHaveLength(1);
      expect(loggedEvents(start, "published"), "one publish in the scheduler's whole life").toHaveLength(1);

      const check = await e.ok(["check", "--lang", "en"]);
      const day = new Date(at + 24 * 60 * MINUTE).toISOString().slice(0, 10);
      expect(check.stdout).toContain("=== Scheduler check ===");
      expect(check.stdout).toMatch(/✓ Scheduler created: <Engine /);
      expect(check.stdout).toContain("✓ Running: True");
      expect(check.stdout).toContain("3. Registered jobs:");
      expect(check.stdout).toContain(`   - ${jobId}: ${day} ${time}:00+00:00`);
      expect(check.stdout).toMatch(/ {3}- token_refresh: \d{4}-\d\d-\d\d 03:00:00\+00:00/);
      expect(check.stdout).toContain("4. Active schedules:");
      const [account] = await e.json<Array<{ id: number; name: string | null; username: string }>>([
        "accounts",
        "list",
      ]);
      expect(check.stdout).toContain(
        `   - Schedule ID: ${schedule!.id}  Account: ${account!.name ?? account!.username}  Type: FIXED  Times: ['${time}']`,
      );
      expect(check.stdout).toContain("✓ Stopped");
      expect(check.stdout).toContain("=== Check complete ===");
    },
    130_000,
  );

  it("SIGTERM stops `start` gracefully, leaves nothing running, and a restart publishes each post once", async () => {
    const e = await createE2eEnv("sqlite", sandbox.url);
    envs.push(e);
    const dueAt = Date.now();
    const seeded = await seedDueAccounts(e, sandbox, {
      count: 3,
      prefix: "sigterm",
      dueAt,
      parts: (i) => [
        { text: `sigterm image ${i}`, media: [{ kind: "IMAGE", url: `${sandbox.sampleImage}?i=${i}` }] },
      ],
    });
    // The scheduler reaches Threads through a tap, which reports each call: nothing is logged while a post
    // waits for its container.
    const tap = await startGraphTap(sandbox.url);
    const start = e.spawn(["start", "--no-web"], { THREADS_GRAPH_URL: tap.url });
    try {
      // Wait until every post is waiting for its image container (IN_PROGRESS for PROCESSING_MS): its
      // status was asked and answered IN_PROGRESS.
      await waitOn([tap, start], () => containersInProgress(tap.calls).size >= seeded.length, {
        timeoutMs: 30_000,
        what: "every post to poll its IN_PROGRESS image container",
        alive: [start],
      });
    } finally {
      await tap.close();
    }
    const parts = await e.db
      .selectFrom("publication_parts")
      .select("id")
      .where("state", "=", "container_created")
      .execute();
    expect(parts, "every image container was created").toHaveLength(seeded.length);
    expect(await statesAt(e.db, dueAt)).toEqual({ running: 3 });

    start.kill("SIGTERM");
    const exit = await start.exited;
    expect(exit.code).toBe(0);
    expect(start.stdout()).toMatch(/SIGTERM received/);
    expect(start.stdout()).toMatch(/Stopped\./);
    const after = await statesAt(e.db, dueAt);
    expect(after.running ?? 0).toBe(0);
    expect(await sandbox.published(seeded[0]!.user.user_id)).toEqual([]);

    // LOG_LEVEL=info: the engine logs each event, and each one is a moment to look at the runs again.
    const again = e.spawn(["start", "--no-web"], { LOG_LEVEL: "info" });
    const states = await waitOn(
      [again],
      async () => {
        const s = await statesAt(e.db, dueAt);
        return settled(s) ? s : undefined;
      },
      { timeoutMs: PROCESSING_MS + 40_000, what: "the handed-back posts to be published", alive: [again] },
    );
    expect(states).toEqual({ published: 3 });
    const perUser = rootPostsPerUser(await sandbox.published());
    for (const s of seeded) expect(perUser.get(s.user.user_id)).toBe(1);
    again.kill("SIGTERM");
    expect((await again.exited).code).toBe(0);
  }, 90_000);
});

/** The containers whose status Threads answered IN_PROGRESS through the tap. */
function containersInProgress(calls: GraphCall[]): Set<string> {
  const ids = new Set<string>();
  for (const c of calls) {
    const m = /^\/v[\d.]+\/(\w+)\?(?:.*&)?fields=[^&]*status/.exec(c.path);
    if (c.method !== "GET" || c.status !== 200 || !m) continue;
    try {
      if ((JSON.parse(c.body) as { status?: string }).status === "IN_PROGRESS") ids.add(m[1]!);
    } catch {
      // Not JSON: not a status answer.
    }
  }
  return ids;
}
