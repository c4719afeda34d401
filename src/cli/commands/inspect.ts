import { createEngine } from "../../app/scheduler-runtime.js";
import type { OccurrenceState } from "../../db/schema.js";
import { silentLogger } from "../../log.js";
import { formatForReport, listJobs, listRuns, runStateLabel } from "../../scheduler/inspect.js";
import { notifyWork } from "../../scheduler/notify.js";
import { planAll } from "../../scheduler/plan-writer.js";
import { type Command, flag, parseId, positiveInt, str, UsageError } from "../command.js";
import { printJson, printTable } from "../output.js";

const STATES: OccurrenceState[] = [
  "planned",
  "running",
  "published",
  "failed",
  "missed",
  "needs_check",
  "skipped",
];

export const jobsCommand: Command = {
  name: "jobs",
  summary: "List recurring jobs (schedule_{id}_{HH:MM}, random plans, token_refresh) and planned occurrences",
  usage: "[--json] [--limit N]",
  database: "read",
  flags: [
    ["--json", "print JSON: { jobs: [...], planned: [...] } — each object carries id"],
    ["--limit N", "planned occurrences to show (default 50)"],
  ],
  options: { json: { type: "boolean" }, limit: { type: "string" } },
  async run(ctx, args) {
    const db = await ctx.db();
    const config = ctx.config();
    const now = ctx.clock.now();
    const jobs = await listJobs(db, now, config.defaultTimezone);
    const planned = await listRuns(
      db,
      { state: "planned", from: now - 15 * 60_000, limit: positiveInt(str(args, "limit"), "--limit") ?? 50 },
      (tz) => tz ?? config.defaultTimezone,
    );
    if (flag(args, "json")) {
      printJson(ctx.output, [
        ...jobs.map((j) => ({ type: "job", ...j })),
        ...planned.map((p) => ({ type: "occurrence", ...p })),
      ]);
      return 0;
    }
    ctx.output.out("Recurring jobs:");
    printTable(
      ctx.output,
      ["JOB", "NEXT RUN", "ZONE"],
      jobs.map((j) => [j.id, j.nextRun ?? "(nothing planned)", j.timezone]),
    );
    ctx.output.out("");
    ctx.output.out(`Planned occurrences (next ${planned.length}):`);
    printTable(
      ctx.output,
      ["ID", "DUE", "ACCOUNT", "SLOT", "SCHEDULE"],
      planned.map((p) => [p.id, p.dueAt, p.username ? `@${p.username}` : p.job, p.slot, p.scheduleId ?? ""]),
    );
    return 0;
  },
};

export const runsCommand: Command = {
  name: "runs",
  summary: "List occurrences with their state, times, permalinks and reasons (newest first)",
  usage: "[--json] [--account ID] [--state S] [--limit N]",
  database: "read",
  flags: [
    ["--json", "print a JSON array of objects that carry id"],
    ["--account ID", "only this account"],
    ["--state S", `only this state: ${STATES.join(", ")}`],
    ["--limit N", "at most N rows (default 100)"],
  ],
  options: {
    json: { type: "boolean" },
    account: { type: "string" },
    state: { type: "string" },
    limit: { type: "string" },
  },
  async run(ctx, args) {
    const state = str(args, "state");
    if (state !== undefined && !STATES.includes(state as OccurrenceState)) {
      throw new UsageError(`--state must be one of ${STATES.join(", ")}, not "${state}"`);
    }
    const account = str(args, "account");
    const db = await ctx.db();
    const config = ctx.config();
    const runs = await listRuns(
      db,
      {
        ...(account !== undefined ? { accountId: parseId(account, "--account") } : {}),
        ...(state !== undefined ? { state: state as OccurrenceState } : {}),
        to: ctx.clock.now() + 1,
        limit: positiveInt(str(args, "limit"), "--limit") ?? 100,
      },
      (tz) => tz ?? config.defaultTimezone,
    );
    if (flag(args, "json")) {
      printJson(ctx.output, runs);
      return 0;
    }
    if (runs.length === 0) {
      ctx.output.out("No runs yet.");
      return 0;
    }
    printTable(
      ctx.output,
      ["ID", "DUE", "ACCOUNT", "SLOT", "STATE", "TRIES", "PERMALINK / REASON"],
      runs.map((r) => [
        r.id,
        r.dueAt,
        r.username ? `@${r.username}` : r.job,
        r.slot,
        runStateLabel(r),
        r.attempts,
        [r.permalinks.join(" "), r.reason ?? ""].filter(Boolean).join(" — "),
      ]),
    );
    return 0;
  },
};

export const reloadCommand: Command = {
  name: "reload",
  summary: "Re-plan every schedule now, with no downtime (days already drawn are kept)",
  usage: "",
  async run(ctx) {
    const db = await ctx.db();
    const config = ctx.config();
    const count = await planAll(db, {
      now: ctx.clock.now(),
      horizonMs: 48 * 3_600_000,
      defaultTimezone: config.defaultTimezone,
    });
    await notifyWork(db);
    ctx.output.out(
      `Re-planned every active schedule: ${count} new occurrence(s). Running schedulers pick them up at once.`,
    );
    return 0;
  },
};

const CHECK_TEXT = {
  en: {
    title: "=== Scheduler check ===",
    init: "1. Initialising the scheduler...",
    created: "   ✓ Scheduler created:",
    start: "2. Starting the scheduler (planning only: check publishes nothing)...",
    running: "   ✓ Running: True",
    jobs: "3. Registered jobs:",
    schedules: "4. Active schedules:",
    none: "   (none)",
    stop: "5. Stopping the scheduler...",
    stopped: "   ✓ Stopped",
    done: "=== Check complete ===",
    notPlanned: "(nothing planned)",
  },
  ja: {
    title: "=== スケジューラーテスト ===",
    init: "1. スケジューラー初期化...",
    created: "   ✓ スケジューラー作成:",
    start: "2. スケジューラー起動...（計画のみ。check は投稿しません）",
    running: "   ✓ 実行中: True",
    jobs: "3. 登録済みジョブ:",
    schedules: "4. アクティブなスケジュール:",
    none: "   （なし）",
    stop: "5. スケジューラー停止...",
    stopped: "   ✓ 停止完了",
    done: "=== テスト完了 ===",
    notPlanned: "（予定なし）",
  },
};

export const checkCommand: Command = {
  name: "check",
  summary:
    "The original check script's report: create and start the scheduler, list jobs and active schedules, stop",
  usage: "[--lang en|ja]",
  database: "read",
  flags: [["--lang en|ja", "language of the report (default: ja when LANG starts with ja, else en)"]],
  options: { lang: { type: "string" } },
  async run(ctx, args) {
    const lang = str(args, "lang") ?? (process.env.LANG?.startsWith("ja") ? "ja" : "en");
    if (lang !== "en" && lang !== "ja") throw new UsageError(`--lang must be en or ja, not "${lang}"`);
    const t = CHECK_TEXT[lang];
    const out = ctx.output;
    const config = ctx.config();
    const db = await ctx.db();
    out.out(t.title);
    out.out("");
    out.out(t.init);
    const services = await ctx.services();
    const threads = await ctx.threads();
    const engine = createEngine({
      config,
      db,
      threads: threads.client,
      services,
      clock: ctx.clock,
      logger: silentLogger,
    });
    out.out(`${t.created} <Engine ${engine.nodeId}>`);
    out.out("");
    out.out(t.start);
    await engine.plan();
    out.out(t.running);
    out.out("");
    out.out(t.jobs);
    for (const job of await listJobs(db, ctx.clock.now(), config.defaultTimezone)) {
      out.out(
        `   - ${job.id}: ${job.nextRunAt === null ? t.notPlanned : formatForReport(job.nextRunAt, job.timezone)}`,
      );
    }
    out.out("");
    out.out(t.schedules);
    const schedules = await db
      .selectFrom("schedules as s")
      .innerJoin("accounts as a", "a.id", "s.account_id")
      .select([
        "s.id",
        "s.kind",
        "s.times_json",
        "s.window_start",
        "s.window_end",
        "s.posts_per_day",
        "a.username",
        "a.name",
      ])
      .where("s.active", "=", 1)
      .orderBy("s.id")
      .execute();
    if (schedules.length === 0) out.out(t.none);
    for (const s of schedules) {
      const times =
        s.kind === "fixed"
          ? `Times: [${(JSON.parse(s.times_json ?? "[]") as string[]).map((x) => `'${x}'`).join(", ")}]`
          : `Window: '${s.window_start}'-'${s.window_end}'  Count: ${s.posts_per_day}`;
      out.out(
        `   - Schedule ID: ${s.id}  Account: ${s.name ?? s.username}  Type: ${s.kind.toUpperCase()}  ${times}`,
      );
    }
    out.out("");
    out.out(t.stop);
    await engine.stop();
    out.out(t.stopped);
    out.out("");
    out.out(t.done);
    return 0;
  },
};
