/**
 * Scale: N accounts (default 10,000), each with a fixed schedule of 3 times and a random window of 5 posts a
 * day, on SQLite and PostgreSQL (fresh schema). Measures: planning 48 h (`planAll`, in a child process so
 * its peak RSS is its own), a second (steady-state) `planAll`, the engine's per-pass queries at that size,
 * and `jobs --json` / `runs --json` both in process and through the real CLI.
 *
 *   npx tsx bench/scale.ts [--accounts 10000] [--dialects sqlite,postgres]
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { openDatabase } from "../src/db/connect.js";
import type { Dialect } from "../src/db/dialect.js";
import { listJobs, listRuns } from "../src/scheduler/inspect.js";
import { planAll } from "../src/scheduler/planner.js";
import { claimDue, markMissed, nextRunAt, recoverExpiredLeases } from "../src/scheduler/runs.repository.js";
import { flags, intFlag, listFlag } from "./lib/args.js";
import { freshDb } from "./lib/db.js";
import { runTsx } from "./lib/proc.js";
import { mib, ms, printTable, writeResults } from "./lib/report.js";
import { BENCH_SECRET_HEX, type SeedAccount, seed } from "./lib/seed.js";

const HORIZON_MS = 48 * 3_600_000;
const ZONES = ["UTC", "Asia/Tokyo", "America/New_York", "Europe/Berlin"];
const FIXED = ["09:00", "13:00", "18:30"];

const args = flags(["accounts", "dialects", "phase", "url", "now"]);

if (args.phase === "plan") {
  await planPhase(String(args.url), Number(args.now));
} else {
  await main();
}

/** Child process: plan 48 h once (fresh) and once more (steady state); print the figures as JSON. */
async function planPhase(url: string, now: number): Promise<void> {
  const db = openDatabase(url);
  await sql`select 1`.execute(db);
  const rssBefore = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  let t = performance.now();
  const inserted = await planAll(db, { now, horizonMs: HORIZON_MS, defaultTimezone: "UTC" });
  const planMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  // CPU time of this process (the PostgreSQL server's work is not in it): separates our cost from the load.
  const planCpuMs = (used.user + used.system) / 1000;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  t = performance.now();
  const again = await planAll(db, { now, horizonMs: HORIZON_MS, defaultTimezone: "UTC" });
  const replanMs = performance.now() - t;
  // The engine's pass 10 minutes later: the horizon has moved, the runs it reached are written.
  t = performance.now();
  const rolled = await planAll(db, { now: now + 10 * 60_000, horizonMs: HORIZON_MS, defaultTimezone: "UTC" });
  const rollMs = performance.now() - t;
  await db.destroy();
  console.log(
    JSON.stringify({ inserted, planMs, planCpuMs, replanMs, again, rolled, rollMs, rssBefore, maxRss }),
  );
}

async function main(): Promise<void> {
  const accounts = intFlag(args.accounts, 10_000, "accounts");
  const dialects = listFlag<Dialect>(
    args.dialects,
    ["sqlite", "postgres"],
    ["sqlite", "postgres"],
    "dialects",
  );
  const results = [];
  for (const dialect of dialects) results.push(await runOne(dialect, accounts));

  printTable(
    `Scale: ${accounts} accounts × (3 fixed times + random window 5/day), 48 h horizon`,
    ["", ...results.map((r) => r.dialect)],
    [
      ["seed (bulk insert)", ...results.map((r) => ms(r.seedMs))],
      ["runs planned", ...results.map((r) => r.plan.inserted)],
      ["planAll 48 h (fresh)", ...results.map((r) => ms(r.plan.planMs))],
      ["  of which CPU of the planner", ...results.map((r) => ms(r.plan.planCpuMs))],
      ["planAll again (no-op)", ...results.map((r) => ms(r.plan.replanMs))],
      ["planAll 10 min later", ...results.map((r) => `${ms(r.plan.rollMs)} (${r.plan.rolled} rows)`)],
      ["RSS before planAll", ...results.map((r) => mib(r.plan.rssBefore))],
      ["peak RSS (planner process)", ...results.map((r) => mib(r.plan.maxRss))],
      ["rows after 48 h history", ...results.map((r) => r.rows)],
      ["pass: recoverExpiredLeases", ...results.map((r) => ms(r.pass.recoverMs))],
      ["pass: markMissed", ...results.map((r) => ms(r.pass.missedMs))],
      ["pass: nextRunAt", ...results.map((r) => ms(r.pass.nextMs))],
      ["claimNext (mean of 100)", ...results.map((r) => ms(r.pass.claimMeanMs))],
      ["listJobs (in process)", ...results.map((r) => ms(r.inProcess.jobsMs))],
      ["listRuns (in process)", ...results.map((r) => ms(r.inProcess.runsMs))],
      ["CLI startup (--help)", ...results.map((r) => ms(r.cli.helpMs))],
      ["CLI jobs --json", ...results.map((r) => `${ms(r.cli.jobsMs)} (${r.cli.jobsItems} items)`)],
      ["CLI runs --json", ...results.map((r) => `${ms(r.cli.runsMs)} (${r.cli.runsItems} items)`)],
    ],
  );
  const file = writeResults("scale", { accounts, results });
  console.log(`\nResults: ${file}`);
}

async function runOne(dialect: Dialect, count: number) {
  console.log(`[scale] ${dialect}: seeding ${count} accounts…`);
  const b = await freshDb(dialect);
  try {
    const list: SeedAccount[] = Array.from({ length: count }, (_, i) => ({
      threadsUserId: `bench_${i + 1}`,
      username: `bench_user_${i + 1}`,
      token: `TH${randomBytes(24).toString("hex")}`,
      timezone: ZONES[i % ZONES.length]!,
      groups: [[{ text: `Post from account ${i + 1}` }], [{ text: `Another post from account ${i + 1}` }]],
      schedules: [
        { kind: "fixed", times: FIXED },
        { kind: "random", windowStart: "08:00", windowEnd: "22:00", postsPerDay: 5 },
      ],
    }));
    let t = performance.now();
    await seed(b.db, list);
    const seedMs = performance.now() - t;

    const now = Date.now();
    console.log(`[scale] ${dialect}: planning 48 h in a child process…`);
    const child = await runTsx(["bench/scale.ts", "--phase", "plan", "--url", b.url, "--now", String(now)]);
    if (child.code !== 0) throw new Error(`the planning process failed: ${child.stderr}`);
    const plan = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as {
      inserted: number;
      planMs: number;
      planCpuMs: number;
      replanMs: number;
      rolled: number;
      rollMs: number;
      rssBefore: number;
      maxRss: number;
    };

    // Two days of history, as a service that has been running: plan the past 48 h and mark it published.
    await planAll(b.db, { now: now - HORIZON_MS, horizonMs: HORIZON_MS, defaultTimezone: "UTC" });
    await b.db
      .updateTable("runs")
      .set((eb) => ({ state: "published", finished_at: eb("due_at", "+", 2_000), attempts: 1 }))
      .where("due_at", "<", now)
      .execute();
    const rows = Number(
      (
        await b.db
          .selectFrom("runs")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (dialect === "postgres") await sql`analyze`.execute(b.db);

    console.log(`[scale] ${dialect}: engine pass queries and listings…`);
    t = performance.now();
    await recoverExpiredLeases(b.db, now);
    const recoverMs = performance.now() - t;
    t = performance.now();
    await markMissed(b.db, now);
    const missedMs = performance.now() - t;
    t = performance.now();
    await nextRunAt(b.db);
    const nextMs = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < 100; i++) {
      // What is due over the next 10 minutes (a few hundred runs at this size), as a scheduler sees it.
      const [claimed] = await claimDue(b.db, {
        nodeId: "bench",
        now: now + 10 * 60_000,
        leaseMs: 60_000,
        limit: 1,
      });
      if (!claimed)
        throw new Error("claimNext found nothing due in the next 10 minutes; the plan is missing");
    }
    const claimMeanMs = (performance.now() - t) / 100;

    t = performance.now();
    const jobs = await listJobs(b.db, now, "UTC");
    await listRuns(b.db, { state: "planned", from: now - 15 * 60_000, limit: 50 }, "UTC");
    const jobsMs = performance.now() - t;
    t = performance.now();
    const runs = await listRuns(b.db, { to: now + 1, limit: 100 }, "UTC");
    const runsMs = performance.now() - t;

    const env = {
      DATABASE_URL: b.url,
      DATA_DIR: b.dir,
      SECRET_KEY: BENCH_SECRET_HEX,
      DEFAULT_TIMEZONE: "UTC",
      LOG_LEVEL: "warn",
      THREADS_GRAPH_URL: "http://127.0.0.1:9",
    };
    const help = await runTsx(["src/cli.ts", "--help"], env);
    const jobsCli = await runTsx(["src/cli.ts", "jobs", "--json"], env);
    if (jobsCli.code !== 0) throw new Error(`jobs --json failed: ${jobsCli.stderr}`);
    const runsCli = await runTsx(["src/cli.ts", "runs", "--json"], env);
    if (runsCli.code !== 0) throw new Error(`runs --json failed: ${runsCli.stderr}`);
    return {
      dialect,
      accounts: count,
      schedules: count * 2,
      seedMs,
      plan,
      rows,
      pass: { recoverMs, missedMs, nextMs, claimMeanMs },
      inProcess: { jobsMs, jobs: jobs.length, runsMs, runs: runs.length },
      cli: {
        helpMs: help.ms,
        jobsMs: jobsCli.ms,
        jobsItems: (JSON.parse(jobsCli.stdout) as unknown[]).length,
        jobsBytes: jobsCli.stdout.length,
        runsMs: runsCli.ms,
        runsItems: (JSON.parse(runsCli.stdout) as unknown[]).length,
      },
    };
  } finally {
    await b.destroy();
  }
}
