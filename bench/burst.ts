/**
 * Burst: N posts due in the same second on N accounts (one fixed schedule each), published by the real
 * service (`threads-scheduler start --no-web` processes) through a standalone sandbox process with a fixed
 * latency per API call. Measures fire delay (due → the account's first API call, as the sandbox saw it),
 * drain time (due → last publish) against the bound (calls × latency / concurrency, plus the media
 * processing time for media posts), duplicates and losses (the sandbox's published posts against one per
 * account).
 *
 *   npx tsx bench/burst.ts [--scenarios text-sqlite,text-postgres,image-sqlite,image-postgres]
 *     [--text-posts 2000] [--image-posts 200] [--latency-ms 20] [--processing-ms 5000]
 *     [--pg-processes 3] [--concurrency 20]
 */
import type { ChildProcess } from "node:child_process";
import type { Db } from "../src/db/connect.js";
import type { Dialect } from "../src/db/dialect.js";
import { notifyWork } from "../src/db/notify.js";
import { planAll } from "../src/scheduler/planner.js";
import { flags, intFlag, listFlag } from "./lib/args.js";
import { type CpuUse, cpuBetween, cpuSnapshot } from "./lib/cpu.js";
import { freshDb } from "./lib/db.js";
import { spawnTsx, stop, waitForOutput } from "./lib/proc.js";
import { ms, percentile, printTable, writeResults } from "./lib/report.js";
import {
  type BurstOutcome,
  burstOutcome,
  callsSoFar,
  createUsers,
  drainBound,
  probeCallMs,
  startSandboxProcess,
} from "./lib/sandbox-proc.js";
import { BENCH_SECRET_HEX, seed } from "./lib/seed.js";

const SCENARIOS = ["text-sqlite", "text-postgres", "image-sqlite", "image-postgres"] as const;
type Scenario = (typeof SCENARIOS)[number];

const args = flags([
  "scenarios",
  "text-posts",
  "image-posts",
  "latency-ms",
  "processing-ms",
  "pg-processes",
  "concurrency",
]);
const latencyMs = intFlag(args["latency-ms"], 20, "latency-ms");
const processingMs = intFlag(args["processing-ms"], 5000, "processing-ms");
const concurrency = intFlag(args.concurrency, 20, "concurrency");
const pgProcesses = intFlag(args["pg-processes"], 3, "pg-processes");
const scenarios = listFlag<Scenario>(args.scenarios, [...SCENARIOS], SCENARIOS, "scenarios");

export interface BurstRun {
  scenario: string;
  stack: string;
  kind: "text" | "image";
  posts: number;
  processes: number;
  concurrency: number;
  dueAt: number;
  outcome: BurstOutcome;
  boundMs: number;
  /** Bound with the concurrency the issue names (20), whatever the number of processes. */
  bound20Ms: number;
  /** Per-call cost measured by a bare client just before the run (the machine is shared and noisy). */
  probeCallMs: number;
  /** The bound with that measured per-call cost instead of the nominal latency. */
  loadBoundMs: number;
  /** due → every run settled in the database (ours) or every job reported (original). */
  settledMs: number;
  states: Record<string, number>;
  /** From our ledger: due → publication opened (≈ claim), and publication opened → run settled. */
  timings?: Record<string, number>;
  /** CPU used from just before the due time until every post settled (services, sandbox, PostgreSQL). */
  cpu?: CpuUse;
}

const runs: BurstRun[] = [];
for (const scenario of scenarios) runs.push(await runScenario(scenario));
printBurstTable("Burst: this scheduler", runs, latencyMs);
const file = writeResults("burst", { latencyMs, processingMs, runs });
console.log(`\nResults: ${file}`);

async function runScenario(scenario: Scenario): Promise<BurstRun> {
  const [kind, dialect] = scenario.split("-") as ["text" | "image", Dialect];
  const posts =
    kind === "text"
      ? intFlag(args["text-posts"], 2000, "text-posts")
      : intFlag(args["image-posts"], 200, "image-posts");
  const processes = dialect === "postgres" ? pgProcesses : 1;
  console.log(`[burst] ${scenario}: ${posts} posts, ${processes} process(es)…`);
  const sandbox = await startSandboxProcess({ latencyMs, processingMs });
  const b = await freshDb(dialect);
  const children: ChildProcess[] = [];
  try {
    const users = await createUsers(sandbox.url, posts, `burst_${kind}`);
    const callMs = await probeCallMs(sandbox.url, concurrency);
    const callsBefore = await callsSoFar(sandbox.url);
    const env = {
      DATABASE_URL: b.url,
      DATA_DIR: b.dir,
      SECRET_KEY: BENCH_SECRET_HEX,
      DEFAULT_TIMEZONE: "UTC",
      LOG_LEVEL: "warn",
      THREADS_GRAPH_URL: sandbox.url,
      SCHEDULER_CONCURRENCY: String(concurrency),
    };
    // BENCH_PROFILE_DIR=dir: each service process writes a CPU profile there when it stops.
    const profile = process.env.BENCH_PROFILE_DIR
      ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_PROFILE_DIR]
      : [];
    for (let i = 0; i < processes; i++) {
      children.push(spawnTsx([...profile, "src/cli.ts", "start", "--no-web"], env));
    }
    const stderr: string[] = [];
    for (const child of children) child.stderr!.on("data", (d: Buffer) => stderr.push(d.toString("utf8")));
    await Promise.all(children.map((c) => waitForOutput(c, /threads-scheduler is running/, 120_000)));

    // The earliest whole minute at least 8 s away: every account's fixed time, so all are due in one second.
    const dueAt = Math.ceil((Date.now() + 8_000) / 60_000) * 60_000;
    const hhmm = new Date(dueAt).toISOString().slice(11, 16);
    const image = `${sandbox.url}/__sandbox/media/sample.jpg`;
    await seed(
      b.db,
      users.map((u, i) => ({
        threadsUserId: u.userId,
        username: u.username,
        token: u.token,
        timezone: "UTC",
        groups: [
          kind === "text"
            ? [{ text: `Burst post ${i + 1}` }]
            : [{ text: `Burst image ${i + 1}`, media: [{ kind: "IMAGE" as const, url: image }] }],
        ],
        schedules: [{ kind: "fixed", times: [hhmm] }],
      })),
    );
    // What `threads-scheduler reload` does: plan now and wake every running scheduler.
    await planAll(b.db, { now: Date.now(), horizonMs: 48 * 3_600_000, defaultTimezone: "UTC" });
    await notifyWork(b.db);
    const planned = await countDue(b.db, dueAt);
    if (planned !== posts) throw new Error(`expected ${posts} runs due at ${hhmm}, found ${planned}`);

    const pids = children.map((c) => c.pid);
    await new Promise((r) => setTimeout(r, Math.max(0, dueAt - 100 - Date.now())));
    const cpuBefore = cpuSnapshot(pids, sandbox.child.pid);
    const settledMs = await waitSettled(b.db, dueAt, posts, kind === "text" ? 180_000 : 300_000);
    const cpu = cpuBetween(cpuBefore, cpuSnapshot(pids, sandbox.child.pid));
    const outcome = await burstOutcome(sandbox.url, users, dueAt, callsBefore);
    const states = await statesOf(b.db, dueAt);
    const timings = await timingsOf(b.db, dueAt, outcome.perUser);
    console.log(`[burst] ${scenario}: ${JSON.stringify({ states, timings, settledMs, cpu })}`);
    if (stderr.length > 0)
      console.log(`[burst] ${scenario}: service stderr (last 1 kB): ${stderr.join("").slice(-1000)}`);
    const extra = kind === "image" ? processingMs : 0;
    return {
      scenario,
      stack: `threads-scheduler, ${dialect}, ${processes} process(es)`,
      kind,
      posts,
      processes,
      concurrency: concurrency * processes,
      dueAt,
      outcome,
      boundMs: drainBound(outcome.calls, latencyMs, concurrency * processes, extra),
      bound20Ms: drainBound(outcome.calls, latencyMs, 20, extra),
      probeCallMs: callMs,
      loadBoundMs: drainBound(outcome.calls, Math.max(latencyMs, callMs), concurrency * processes, extra),
      settledMs,
      states,
      timings,
      cpu,
    };
  } finally {
    await Promise.all(children.map((c) => stop(c)));
    await sandbox.close();
    await b.destroy();
  }
}

async function countDue(db: Db, dueAt: number): Promise<number> {
  const row = await db
    .selectFrom("runs")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("due_at", "=", dueAt)
    .where("job", "=", "post")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Polls until every run due at `dueAt` is in a final state; returns due → settled (ms). */
async function waitSettled(db: Db, dueAt: number, posts: number, timeoutMs: number): Promise<number> {
  const deadline = dueAt + timeoutMs;
  for (;;) {
    const row = await db
      .selectFrom("runs")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("due_at", "=", dueAt)
      .where("job", "=", "post")
      .where("state", "in", ["published", "failed", "missed", "skipped"])
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= posts) return Date.now() - dueAt;
    if (Date.now() > deadline) {
      console.log(`[burst] gave up waiting: ${row.n}/${posts} settled ${timeoutMs} ms after due`);
      return Number.NaN;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function timingsOf(
  db: Db,
  dueAt: number,
  perUser: Record<string, { firstAt: number; lastAt: number }>,
) {
  const rows = await db
    .selectFrom("runs as o")
    .innerJoin("publications as p", "p.run_id", "o.id")
    .innerJoin("accounts as a", "a.id", "o.account_id")
    .select(["p.created_at", "o.finished_at", "a.threads_user_id"])
    .where("o.due_at", "=", dueAt)
    .execute();
  const sorted = (xs: number[]) => xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const toFirst = sorted(rows.map((r) => (perUser[r.threads_user_id]?.firstAt ?? Number.NaN) - r.created_at));
  const calls = sorted(
    rows.map(
      (r) => (perUser[r.threads_user_id]?.lastAt ?? Number.NaN) - (perUser[r.threads_user_id]?.firstAt ?? 0),
    ),
  );
  const toSettle = sorted(
    rows.map((r) => (r.finished_at ?? Number.NaN) - (perUser[r.threads_user_id]?.lastAt ?? Number.NaN)),
  );
  const start = rows.map((r) => r.created_at - dueAt).sort((a, b) => a - b);
  const run = rows
    .filter((r) => r.finished_at !== null)
    .map((r) => r.finished_at! - r.created_at)
    .sort((a, b) => a - b);
  return {
    ledgerToFirstCallP50: percentile(toFirst, 50),
    firstToLastCallP50: percentile(calls, 50),
    lastCallToSettledP50: percentile(toSettle, 50),
    startP50: percentile(start, 50),
    startP99: percentile(start, 99),
    runP50: percentile(run, 50),
    runP99: percentile(run, 99),
  };
}

async function statesOf(db: Db, dueAt: number): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("runs")
    .select(["state", (eb) => eb.fn.countAll().as("n")])
    .where("due_at", "=", dueAt)
    .where("job", "=", "post")
    .groupBy("state")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

export function printBurstTable(title: string, list: BurstRun[], latency: number): void {
  printTable(
    `${title} (sandbox latency ${latency} ms per call)`,
    [
      "scenario",
      "posts",
      "procs",
      "fired",
      "fire min",
      "fire p50",
      "fire p99",
      "fire max",
      "drain",
      "bound",
      "÷bound",
      "call now",
      "÷load bound",
      "dup",
      "lost",
      "calls",
      "CPU/post svc+sbx+pg",
      "CPU busy",
    ],
    list.map((r) => [
      r.scenario,
      r.posts,
      r.processes,
      r.outcome.fireDelay.n,
      ms(r.outcome.fireDelay.min),
      ms(r.outcome.fireDelay.p50),
      ms(r.outcome.fireDelay.p99),
      ms(r.outcome.fireDelay.max),
      ms(r.outcome.drainMs),
      ms(r.boundMs),
      (r.outcome.drainMs / r.boundMs).toFixed(2),
      ms(r.probeCallMs),
      (r.outcome.drainMs / r.loadBoundMs).toFixed(2),
      r.outcome.duplicates,
      r.outcome.losses,
      r.outcome.calls,
      r.cpu ? cpuPerPost(r.cpu, r.posts) : "–",
      r.cpu ? `${Math.round((100 * cpuTotal(r.cpu)) / (r.cpu.cores * r.settledMs))} %` : "–",
    ]),
  );
}

function cpuTotal(cpu: CpuUse): number {
  return cpu.serviceMs + cpu.sandboxMs + cpu.postgresMs;
}

/** "6.1+1.9+3.0 ms": CPU per post of the services, the sandbox and PostgreSQL. */
function cpuPerPost(cpu: CpuUse, posts: number): string {
  const each = [cpu.serviceMs, cpu.sandboxMs, cpu.postgresMs].map((v) => (v / posts).toFixed(1));
  return `${each.join("+")} ms`;
}
