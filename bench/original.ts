/**
 * The original stack, same run, same sandbox: APScheduler 3 BackgroundScheduler + SQLAlchemyJobStore on
 * SQLite + ThreadPoolExecutor(20), default misfire grace (1 s), the 30 s sleep for media, posting with the
 * same two HTTP calls per post (POST /v1.0/{user}/threads, then /threads_publish) and the same tokens.
 * Runs bench/original/run_original.py with Debian's python3-apscheduler and python3-sqlalchemy.
 *
 *   npx tsx bench/original.ts [--kinds text,image] [--text-posts 2000] [--image-posts 200]
 *     [--latency-ms 20] [--processing-ms 5000] [--python /usr/bin/python3]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flags, intFlag, listFlag } from "./lib/args.js";
import { BENCH_DIR, ms, printTable, RESULTS_DIR, writeResults } from "./lib/report.js";
import {
  burstOutcome,
  callsSoFar,
  createUsers,
  drainBound,
  probeCallMs,
  startSandboxProcess,
} from "./lib/sandbox-proc.js";

const args = flags(["kinds", "text-posts", "image-posts", "latency-ms", "processing-ms", "python"]);
const latencyMs = intFlag(args["latency-ms"], 20, "latency-ms");
const processingMs = intFlag(args["processing-ms"], 5000, "processing-ms");
const kinds = listFlag<"text" | "image">(args.kinds, ["text", "image"], ["text", "image"], "kinds");
const python = typeof args.python === "string" ? args.python : "/usr/bin/python3";
const CONCURRENCY = 20;

checkPython();
const runs = [];
for (const kind of kinds) runs.push(await runOriginal(kind));

printTable(
  `Burst: the original stack (APScheduler 3, sandbox latency ${latencyMs} ms per call)`,
  [
    "scenario",
    "posts",
    "fired",
    "fire min",
    "fire p50",
    "fire p99",
    "fire max",
    "drain",
    "bound",
    "÷bound",
    "call now",
    "dup",
    "lost",
    "missed",
    "calls",
  ],
  runs.map((r) => [
    r.scenario,
    r.posts,
    r.outcome.fireDelay.n,
    ms(r.outcome.fireDelay.min),
    ms(r.outcome.fireDelay.p50),
    ms(r.outcome.fireDelay.p99),
    ms(r.outcome.fireDelay.max),
    ms(r.outcome.drainMs),
    ms(r.boundMs),
    (r.outcome.drainMs / r.boundMs).toFixed(2),
    ms(r.probeCallMs),
    r.outcome.duplicates,
    r.outcome.losses,
    r.events.missed,
    r.outcome.calls,
  ]),
);
printComparison(runs);
const file = writeResults("original", { latencyMs, processingMs, runs });
console.log(`\nResults: ${file}`);

function checkPython(): void {
  const probe = spawnSync(python, ["-c", "import apscheduler, sqlalchemy; print(apscheduler.__version__)"], {
    encoding: "utf8",
  });
  if (probe.status !== 0) {
    console.error(
      `The original stack needs Debian's APScheduler 3 and SQLAlchemy for ${python}, which cannot import them:\n` +
        `  ${(probe.stderr || probe.error?.message || "").trim().split("\n").at(-1)}\n` +
        "Install them with:\n  sudo apt-get install -y python3-apscheduler python3-sqlalchemy\n" +
        "(or pass --python PATH to a Python 3 that has APScheduler 3.x and SQLAlchemy).",
    );
    process.exit(2);
  }
}

async function runOriginal(kind: "text" | "image") {
  const posts =
    kind === "text"
      ? intFlag(args["text-posts"], 2000, "text-posts")
      : intFlag(args["image-posts"], 200, "image-posts");
  console.log(`[original] ${kind}: ${posts} posts…`);
  const sandbox = await startSandboxProcess({ latencyMs, processingMs });
  const dir = mkdtempSync(join(tmpdir(), "ts-bench-original-"));
  try {
    const users = await createUsers(sandbox.url, posts, `orig_${kind}`);
    const callMs = await probeCallMs(sandbox.url, CONCURRENCY);
    const callsBefore = await callsSoFar(sandbox.url);
    const image = `${sandbox.url}/__sandbox/media/sample.jpg`;
    const accountsFile = join(dir, "accounts.json");
    writeFileSync(
      accountsFile,
      JSON.stringify(
        users.map((u, i) => ({
          schedule_id: i + 1,
          threads_user_id: u.userId,
          token: u.token,
          text: kind === "text" ? `Burst post ${i + 1}` : `Burst image ${i + 1}`,
          image_url: kind === "image" ? image : null,
        })),
      ),
    );
    const child = spawn(
      python,
      [
        join(BENCH_DIR, "original", "run_original.py"),
        "--accounts",
        accountsFile,
        "--workdir",
        dir,
        "--graph-url",
        sandbox.url,
        "--lead",
        "10",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let missedLines = 0;
    let stderrTail = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString("utf8");
      missedLines += text.match(/was missed by/g)?.length ?? 0;
      stderrTail = (stderrTail + text).slice(-2000);
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    const lines = stdout
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ready = lines.find((l) => l.event === "ready");
    const done = lines.find((l) => l.event === "done");
    if (code !== 0 || !ready || !done) {
      throw new Error(`the original stack failed (exit ${code}): ${stdout.slice(-1000)} ${stderrTail}`);
    }
    const dueAt = Number(ready.due_at);
    const outcome = await burstOutcome(sandbox.url, users, dueAt, callsBefore);
    const extra = kind === "image" ? processingMs : 0;
    return {
      scenario: `${kind}-original`,
      stack: `APScheduler ${ready.apscheduler} + SQLAlchemy ${ready.sqlalchemy} on SQLite, ThreadPoolExecutor(20), Python ${ready.python}`,
      kind,
      posts,
      processes: 1,
      concurrency: CONCURRENCY,
      dueAt,
      setupMs: Number(ready.setup_ms),
      outcome,
      // The bound of the calls actually made; a lost post makes no calls, so this favours the original.
      boundMs: drainBound(outcome.calls, latencyMs, CONCURRENCY, extra),
      probeCallMs: callMs,
      // The bound had every post been made (2 calls each), which is what the original was asked to do.
      fullBoundMs: drainBound(posts * 2, latencyMs, CONCURRENCY, extra),
      settledMs: Number(done.settled_ms),
      events: {
        executed: Number(done.executed),
        error: Number(done.error),
        missed: Number(done.missed),
        missedLogLines: missedLines,
      },
    };
  } finally {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Beside the latest `bench/burst.ts` figures, when there are any. */
function printComparison(original: Awaited<ReturnType<typeof runOriginal>>[]): void {
  const latest = join(RESULTS_DIR, "burst-latest.json");
  if (!existsSync(latest)) return;
  const ours = (JSON.parse(readFileSync(latest, "utf8")) as { runs: unknown }).runs as Array<{
    scenario: string;
    kind: string;
    posts: number;
    outcome: { fireDelay: { p50: number; p99: number }; drainMs: number; duplicates: number; losses: number };
  }>;
  const rows = [...ours, ...original]
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.scenario.localeCompare(b.scenario))
    .map((r) => [
      r.scenario,
      r.posts,
      ms(r.outcome.fireDelay.p50),
      ms(r.outcome.fireDelay.p99),
      ms(r.outcome.drainMs),
      r.outcome.duplicates,
      r.outcome.losses,
    ]);
  printTable(
    "Side by side (ours from bench/results/burst-latest.json)",
    ["scenario", "posts", "fire p50", "fire p99", "drain", "dup", "lost"],
    rows,
  );
}
