/**
 * Exactly once across crashes, with real processes against a standalone sandbox process:
 * `kill -9` in the middle of a 100-account burst then a restart (SQLite), and three processes on one
 * PostgreSQL with one of them killed part-way. Each ends with every due post published exactly once.
 *
 * On PostgreSQL a killed node's in-flight runs keep their lease (60 s) until it runs out; then a live engine moves
 * them to needs_check and asks Threads before anything is sent again, so that test lasts a little over a minute.
 * On SQLite the restarted scheduler knows its predecessor is dead and sends its runs to needs_check at once.
 */
import { describe, expect, it } from "vitest";
import {
  createE2eEnv,
  DIALECTS,
  type E2eEnv,
  loggedEvents,
  type Proc,
  rootPostsPerUser,
  type SandboxProcess,
  type SeededAccount,
  seedDueAccounts,
  settled,
  statesAt,
  useSandboxProcess,
  waitForLogs,
  waitOn,
} from "./helpers.js";

const ACCOUNTS = 100;
/** Every API call takes this long, so that the burst lasts long enough to be cut in the middle. */
const LATENCY_MS = 150;

let sandbox: SandboxProcess;
const envs = useSandboxProcess({ processingMs: 200, latencyMs: LATENCY_MS }, (s) => {
  sandbox = s;
});

async function publishedCount(seeded: SeededAccount[]): Promise<number> {
  const ids = new Set(seeded.map((s) => s.user.user_id));
  return (await sandbox.published()).filter((p) => ids.has(p.userId)).length;
}

/** Waits until the burst is under way (some posts out, some not), then SIGKILLs the busiest process. */
async function killMidBurst(
  procs: Proc[],
  seeded: SeededAccount[],
): Promise<{ victim: Proc; atKill: number }> {
  await waitForLogs(procs, (l) => l.msg === "published", 15, {
    timeoutMs: 60_000,
    what: "the burst to start publishing (15 posts out)",
  });
  const claims = (p: Proc) => loggedEvents(p, "claimed").filter((ev) => ev.job === "post").length;
  const victim = procs.reduce((a, b) => (claims(b) > claims(a) ? b : a));
  victim.kill("SIGKILL");
  await victim.exited;
  const atKill = await publishedCount(seeded);
  expect(claims(victim), "the killed process was publishing").toBeGreaterThan(0);
  expect(atKill, "killed before the burst was over").toBeLessThan(ACCOUNTS);
  return { victim, atKill };
}

/** Waits until the burst has settled, looking at the runs each time one of `running` logs an event. */
async function expectExactlyOnce(
  e: E2eEnv,
  seeded: SeededAccount[],
  dueAt: number,
  running: Proc[],
): Promise<void> {
  const states = await waitOn(
    running,
    async () => {
      const s = await statesAt(e.db, dueAt);
      return settled(s) ? s : undefined;
    },
    { timeoutMs: 110_000, what: "every post of the burst to settle" },
  );
  expect(states).toEqual({ published: ACCOUNTS });
  const published = await sandbox.published();
  const perUser = rootPostsPerUser(published);
  const counts = seeded.map((s) => perUser.get(s.user.user_id) ?? 0);
  expect(
    counts.filter((n) => n !== 1),
    "accounts without exactly one post",
  ).toEqual([]);
  // And each post is the account's own group text.
  const texts = new Map(published.map((p) => [p.userId, p.text]));
  for (const [i, s] of seeded.entries())
    expect(texts.get(s.user.user_id)).toBe(`${e.dialect}burst post ${i}`);
  // The CLI tells the same story.
  const runs = await e.json<Array<{ id: number; state: string; dueAtMs: number }>>([
    "runs",
    "--state",
    "published",
    "--limit",
    "1000",
  ]);
  expect(runs.filter((r) => r.dueAtMs === dueAt)).toHaveLength(ACCOUNTS);
}

describe("kill -9 during a burst", () => {
  it("SQLite: a restart leaves each of 100 posts published exactly once", async () => {
    const e = await createE2eEnv("sqlite", sandbox.url, { LOG_LEVEL: "info" });
    envs.push(e);
    const dueAt = Date.now();
    const seeded = await seedDueAccounts(e, sandbox, { count: ACCOUNTS, prefix: "sqliteburst", dueAt });
    const first = e.spawn(["start", "--no-web"]);
    const { atKill } = await killMidBurst([first], seeded);
    const inFlight = (await statesAt(e.db, dueAt)).running ?? 0;
    expect(inFlight, "runs were cut by the kill").toBeGreaterThan(0);

    const second = e.spawn(["start", "--no-web"]);
    await second.waitFor(/Press Ctrl\+C to stop/, 60_000);
    await expectExactlyOnce(e, seeded, dueAt, [second]);
    // Runs cut by the kill were recovered through the check, not published blindly a second time.
    expect(loggedEvents(second, "abandoned").length).toBe(inFlight);
    if (process.env.E2E_VERBOSE) console.info({ atKill, inFlight });
    second.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 180_000);

  it.runIf(DIALECTS.includes("postgres"))(
    "PostgreSQL: three processes, one killed part-way, publish each of 100 posts exactly once",
    async () => {
      const e = await createE2eEnv("postgres", sandbox.url, { LOG_LEVEL: "info" });
      envs.push(e);
      const dueAt = Date.now();
      const seeded = await seedDueAccounts(e, sandbox, { count: ACCOUNTS, prefix: "postgresburst", dueAt });
      const procs = [0, 1, 2].map(() => e.spawn(["start", "--no-web"]));
      const { victim, atKill } = await killMidBurst(procs, seeded);
      const inFlight = (await statesAt(e.db, dueAt)).running ?? 0;
      const survivors = procs.filter((p) => p !== victim);
      await expectExactlyOnce(e, seeded, dueAt, survivors);
      const recovered = survivors.flatMap((p) => loggedEvents(p, "abandoned"));
      if (process.env.E2E_VERBOSE) console.info({ atKill, inFlight, recovered: recovered.length });
      expect(recovered.length, "the killed node's runs were recovered by the others").toBeGreaterThan(0);
      for (const p of survivors) {
        expect(p.child.exitCode, `a survivor died:\n${p.stderr()}`).toBeNull();
        p.kill("SIGTERM");
      }
      for (const p of survivors) expect((await p.exited).code).toBe(0);
    },
    180_000,
  );
});

describe("faults during a scheduled burst", () => {
  it.each(DIALECTS)(
    "%s: published-but-the-response-was-lost and 5xx end with each post published exactly once",
    async (dialect) => {
      const e = await createE2eEnv(dialect, sandbox.url, { LOG_LEVEL: "info" });
      envs.push(e);
      const count = 10;
      const dueAt = Date.now();
      const seeded = await seedDueAccounts(e, sandbox, { count, prefix: `${dialect}faulty`, dueAt });
      const users = seeded.map((s) => s.user.user_id);
      // Scoped to this test's users: threads_publish really publishes, then answers 500 (three times);
      // container creation fails with a 503 or a 500 (retried after 15-30 s). A rate limit waits 15 minutes:
      // the engine tests cover it with a fake clock.
      for (const [i, userId] of users.slice(0, 3).entries()) {
        await sandbox.addFault({ path: "threads_publish", userId, kind: "lost_response", times: 1 });
        await sandbox.addFault({
          path: "/threads$",
          method: "POST",
          userId: users[3 + i]!,
          kind: i === 2 ? "http_500" : "http_503",
          times: 1,
        });
      }
      const start = e.spawn(["start", "--no-web"]);
      const states = await waitOn(
        [start],
        async () => {
          const s = await statesAt(e.db, dueAt);
          return settled(s) ? s : undefined;
        },
        { timeoutMs: 75_000, what: "every faulty post to settle", alive: [start] },
      );
      expect(states).toEqual({ published: count });
      const perUser = rootPostsPerUser(await sandbox.published());
      expect(users.map((u) => perUser.get(u) ?? 0)).toEqual(users.map(() => 1));
      // The lost responses went through the check rather than a blind retry.
      expect(loggedEvents(start, "needs_check").length).toBeGreaterThanOrEqual(3);
      start.kill("SIGTERM");
      expect((await start.exited).code).toBe(0);
    },
    90_000,
  );
});

if (!DIALECTS.includes("postgres")) {
  console.warn("PostgreSQL is not reachable: skipping the three-process PostgreSQL crash test.");
}
