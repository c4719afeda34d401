/**
 * Issue 3 with real processes against a standalone sandbox process: a fixed time at the next whole minute
 * publishes once at that minute; `check`, `jobs` and `runs` report it; SIGTERM stops `start` gracefully and
 * hands back work in flight, which a restart then publishes exactly once.
 */
import { describe, expect, it } from "vitest";
import {
  createE2eEnv,
  DIALECTS,
  freePort,
  hhmmUtc,
  MINUTE,
  nextWholeMinute,
  rootPostsPerUser,
  type SandboxProcess,
  seedDueAccounts,
  settled,
  statesAt,
  useSandboxProcess,
  waitUntil,
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
      const start = e.spawn(["start"], { PORT: String(port), SANDBOX_PORT: "0" });
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

      const [post] = await waitUntil(
        async () => {
          const p = await sandbox.published(user.user_id);
          return p.length > 0 ? p : undefined;
        },
        {
          timeoutMs: at - Date.now() + 40_000,
          intervalMs: 250,
          what: `the post due at ${time}`,
          alive: [start],
        },
      );
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

      // A few seconds later it is still one post: the minute fired once.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await sandbox.published(user.user_id)).toHaveLength(1);

      start.kill("SIGTERM");
      const exit = await start.exited;
      expect(exit.code).toBe(0);
      expect(start.stdout()).toMatch(/Stopped\./);

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
    const start = e.spawn(["start", "--no-web"]);
    // Wait until every post is waiting for its image container (IN_PROGRESS for PROCESSING_MS).
    await waitUntil(
      async () => {
        const parts = await e.db
          .selectFrom("publication_parts")
          .select("id")
          .where("state", "=", "container_created")
          .execute();
        return parts.length === seeded.length;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "the image containers to be created", alive: [start] },
    );
    expect(await statesAt(e.db, dueAt)).toEqual({ running: 3 });

    start.kill("SIGTERM");
    const exit = await start.exited;
    expect(exit.code).toBe(0);
    expect(start.stdout()).toMatch(/SIGTERM received/);
    expect(start.stdout()).toMatch(/Stopped\./);
    const after = await statesAt(e.db, dueAt);
    expect(after.running ?? 0).toBe(0);
    expect(await sandbox.published(seeded[0]!.user.user_id)).toEqual([]);

    const again = e.spawn(["start", "--no-web"]);
    const states = await waitUntil(
      async () => {
        const s = await statesAt(e.db, dueAt);
        return settled(s) ? s : undefined;
      },
      {
        timeoutMs: PROCESSING_MS + 40_000,
        intervalMs: 500,
        what: "the handed-back posts to be published",
        alive: [again],
      },
    );
    expect(states).toEqual({ published: 3 });
    const perUser = rootPostsPerUser(await sandbox.published());
    for (const s of seeded) expect(perUser.get(s.user.user_id)).toBe(1);
    again.kill("SIGTERM");
    expect((await again.exited).code).toBe(0);
  }, 90_000);
});
