import { silentLogger } from "../../log.js";
import {
  formatForReport,
  mixedZonesNote,
  RUN_STATE_FILTERS,
  runStateLabel,
} from "../../scheduler/inspect.js";
import { formatLocalTime } from "../../scheduler/planning/at.js";
import { DEFAULT_MISFIRE_GRACE_MINUTES } from "../../scheduler/planning/index.js";
import { ONE_OFF_SLOT } from "../../scheduler/post-at.js";
import type { RunState } from "../../scheduler/run-state.js";
import { type RunNames, runIdSchema, runListSchema } from "../../scheduler/runs.schema.js";
import { oneOf } from "../../schema-fields.js";
import { type Command, flag, parseInput, str, valuesOf } from "../command.js";
import { printJson, printTable } from "../output.js";
import { confirm } from "../prompt.js";
import { withoutGroupsText } from "./schedules.js";

/** The run schemas' names for the flags. */
const FLAG_NAMES: RunNames = {
  accountId: "--account",
  state: "--state",
  from: "--from",
  to: "--to",
  limit: "--limit",
};

export const jobsCommand: Command = {
  name: "jobs",
  summary: "List recurring jobs (schedule_{id}_{HH:MM}, random plans, token_refresh) and planned runs",
  usage: "[--json] [--limit N]",
  database: "read",
  flags: [
    [
      "--json",
      'print a JSON array: the jobs ({ "type": "job", "id": "schedule_1_09:00", … }), then the planned runs ({ "type": "run", "id": 12, … })',
    ],
    ["--limit N", "planned runs to show (default 50)"],
  ],
  options: { json: { type: "boolean" }, limit: { type: "string" } },
  async run(ctx, args) {
    const { runs, schedules } = await ctx.services();
    const now = ctx.clock.now();
    const jobs = await runs.jobs();
    const planned = await runs.list({
      state: "planned",
      from: now - DEFAULT_MISFIRE_GRACE_MINUTES * 60_000,
      limit: parseInput(runListSchema(FLAG_NAMES), valuesOf(args, { limit: "limit" })).limit ?? 50,
    });
    const groupless = new Map((await schedules.withoutGroups()).map((s) => [s.id, withoutGroupsText(s)]));
    // One-off posts can be months ahead, far beyond the scheduled runs listed above: shown on their own.
    const plannedIds = new Set(planned.map((p) => p.id));
    const oneOffs = (
      await runs.list({
        state: "planned",
        oneOff: true,
        from: now - DEFAULT_MISFIRE_GRACE_MINUTES * 60_000,
        limit: 200,
      })
    ).filter((p) => !plannedIds.has(p.id));
    if (flag(args, "json")) {
      printJson(ctx.output, [
        ...jobs.map((j) => {
          const warning = j.scheduleId === null ? undefined : groupless.get(j.scheduleId);
          return { type: "job", ...j, ...(warning ? { warning } : {}) };
        }),
        ...[...planned, ...oneOffs].map((p) => ({ type: "run", ...p })),
      ]);
      return 0;
    }
    ctx.output.out("Recurring jobs:");
    printTable(
      ctx.output,
      ["JOB", "NEXT RUN", "ZONE", "LAST DAY"],
      jobs.map((j) => [
        j.id,
        j.nextRun ?? (j.ended ? `(ended ${j.until})` : "(nothing planned)"),
        j.timezone,
        j.until ?? "",
      ]),
    );
    ctx.output.out("");
    ctx.output.out(`Planned runs (next ${planned.length}):`);
    printTable(
      ctx.output,
      ["ID", "DUE", "ACCOUNT", "SLOT", "SCHEDULE"],
      planned.map((p) => [
        p.id,
        p.dueAt,
        p.username ? `@${p.username}` : p.job,
        p.slot,
        p.scheduleId ?? (p.slot === ONE_OFF_SLOT ? "one-off" : ""),
      ]),
    );
    if (oneOffs.length > 0) {
      ctx.output.out("");
      ctx.output.out(
        `Later one-off posts (${oneOffs.length}; cancel one with \`threads-scheduler runs cancel ID\`):`,
      );
      printTable(
        ctx.output,
        ["ID", "DUE", "ACCOUNT"],
        oneOffs.map((p) => [p.id, p.dueAt, p.username ? `@${p.username}` : p.job]),
      );
    }
    const note = mixedZonesNote([
      ...jobs.map((j) => j.timezone),
      ...planned.map((p) => p.timezone),
      ...oneOffs.map((p) => p.timezone),
    ]);
    if (note) ctx.output.out(`\n${note}`);
    for (const warning of groupless.values()) ctx.output.err(`Warning: ${warning}`);
    return 0;
  },
};

export const runsCancelCommand: Command = {
  name: "runs cancel",
  summary:
    "Cancel a planned run (a one-off post, or one run of a schedule without editing it); never planned again",
  usage: "ID [--json]",
  positionals: { min: 1, max: 1, names: "ID" },
  flags: [["--json", "print the cancelled run as a JSON array"]],
  options: { json: { type: "boolean" } },
  async run(ctx, args) {
    const id = parseInput(runIdSchema("the run ID"), args.positionals[0]);
    // Cancelling changes the database only: no Threads connection, no sandbox.
    const { runs } = (await ctx.app({ callsThreads: false })).services;
    const result = await runs.cancel(id);
    if (flag(args, "json")) {
      printJson(ctx.output, [{ ...result.run, changed: result.changed }]);
      return 0;
    }
    const zone = await runs.zoneOf(result.run);
    const what =
      result.run.slot === ONE_OFF_SLOT
        ? "one-off post"
        : result.run.job === "delete"
          ? "planned delete"
          : `run of schedule ${result.run.schedule_id ?? "(removed)"}`;
    const when = formatLocalTime(result.run.due_at, zone);
    if (!result.changed) {
      ctx.output.out(`Run ${id} (${what} for ${when}) was already cancelled.`);
      return 0;
    }
    ctx.output.out(
      `Cancelled run ${id}: the ${what} for ${when} will not ${result.run.job === "delete" ? "run (the post stays on Threads)" : "be published"}.`,
    );
    if (result.run.schedule_id !== null)
      ctx.output.out("The schedule itself is unchanged: its other runs go ahead.");
    if (result.alreadyPublished.length > 0) {
      ctx.output.err(
        `Note: part${result.alreadyPublished.length === 1 ? "" : "s"} ${result.alreadyPublished.join(", ")} of this chain had already been published by an earlier attempt and stay on Threads.`,
      );
    }
    return 0;
  },
};

export const runsCommand: Command = {
  name: "runs",
  summary:
    "List runs with their state, times, permalinks and reasons (newest first; upcoming one-off posts on top)",
  usage: "[--json] [--account ID] [--state S] [--limit N]",
  database: "read",
  flags: [
    ["--json", "print a JSON array of objects that carry id"],
    ["--account ID", "only this account"],
    [
      "--state S",
      `only this state: ${RUN_STATE_FILTERS.join(", ")} (done: a token refresh that ran; published: posts)`,
    ],
    ["--limit N", "at most N rows (default 100)"],
  ],
  options: {
    json: { type: "boolean" },
    account: { type: "string" },
    state: { type: "string" },
    limit: { type: "string" },
  },
  async run(ctx, args) {
    const filter = parseInput(
      runListSchema(FLAG_NAMES),
      valuesOf(args, { state: "state", accountId: "account", limit: "limit" }),
    );
    const { state } = filter;
    const runs = await (await ctx.services()).runs.list({
      to: ctx.clock.now() + 1,
      alsoUpcomingOneOffs: true,
      ...filter,
      limit: filter.limit ?? 100,
    });
    if (flag(args, "json")) {
      printJson(ctx.output, runs);
      return 0;
    }
    if (runs.length === 0) {
      ctx.output.out(state === undefined ? "No runs yet." : `No runs in state ${state}.`);
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
        shownState(r),
        r.attempts,
        [r.permalinks.join(" "), r.reason ?? "", deletionNote(r)].filter(Boolean).join(" — "),
      ]),
    );
    const note = mixedZonesNote(
      runs.map((r) => r.timezone),
      "sorted by instant, newest first",
    );
    if (note) ctx.output.out(`\n${note}`);
    return 0;
  },
};

/**
 * The state `runs` shows: a delete run that ran is stored as `published` (the run machine's one success state),
 * which reads as if something had been posted: it is shown as `deleted` (display only; `--state published` finds it).
 */
function shownState(r: { job: string; state: RunState }): string {
  return r.job === "delete" && r.state === "published" ? "deleted" : runStateLabel(r);
}

/** "deleted …" for a post run whose parts were deleted, "deletes …" for one whose delete is planned. */
function deletionNote(r: { deletedAt: string | null; deleteAt: string | null }): string {
  if (r.deletedAt) return `deleted ${r.deletedAt}`;
  return r.deleteAt ? `deletes ${r.deleteAt}` : "";
}

export const runsDeleteCommand: Command = {
  name: "runs delete",
  summary:
    "Delete a published run's posts from Threads now (a chain's replies first; its planned auto-delete is used)",
  usage: "ID [--yes] [--json]",
  positionals: { min: 1, max: 1, names: "ID" },
  flags: [
    ["--yes", "do not ask for confirmation (needed when stdin is not a terminal)"],
    ["--json", "print the outcome as a JSON array of one object"],
  ],
  options: { yes: { type: "boolean" }, json: { type: "boolean" } },
  async run(ctx, args) {
    const id = parseInput(runIdSchema("the run ID"), args.positionals[0]);
    const { posts } = await ctx.services();
    const preview = await posts.deletePreview(id);
    const left = preview.parts.filter((p) => p.delete_state !== "deleted");
    if (!flag(args, "json")) {
      ctx.output.out(
        `Run ${id} has ${left.length === 1 ? "1 post" : `${left.length} parts`} on Threads to delete:`,
      );
      for (const p of left)
        ctx.output.out(`  part ${p.position + 1}: ${p.permalink ?? `media ${p.media_id}`}`);
      if (preview.planned) ctx.output.out(`Its planned delete (run ${preview.planned.id}) runs now instead.`);
    }
    const go = await confirm(ctx.prompt, ctx.output, {
      yes: flag(args, "yes"),
      what: `Deleting run ${id}'s posts from Threads`,
      question: `Delete ${left.length === 1 ? "this post" : `these ${left.length} parts`} from Threads? This cannot be undone.`,
    });
    if (!go) return 1;
    const result = await posts.deleteNow(id);
    if (flag(args, "json")) {
      printJson(ctx.output, [result]);
      return result.state === "published" ? 0 : 1;
    }
    if (result.state === "published") {
      ctx.output.out(`Deleted run ${id} from Threads (delete run ${result.runId}): ${result.reason ?? ""}`);
      return 0;
    }
    const deleted = result.parts.filter((p) => p.delete_state === "deleted").length;
    ctx.output.err(
      `Run ${id} is not deleted yet (delete run ${result.runId} is ${result.state}${result.reason ? `: ${result.reason}` : ""}); ${deleted} of ${result.parts.length} part(s) deleted so far.` +
        (result.state === "planned" || result.state === "needs_check" || result.state === "lease_lost"
          ? " The scheduler (`start`) finishes it."
          : ""),
    );
    return 1;
  },
};

export const reloadCommand: Command = {
  name: "reload",
  summary: "Re-plan every schedule now, with no downtime (days already drawn are kept)",
  usage: "",
  async run(ctx) {
    // Re-planning changes the database only: no Threads connection, no sandbox.
    const count = await (await ctx.app({ callsThreads: false })).services.runs.replanAll();
    ctx.output.out(
      `Re-planned every active schedule: ${count} new run(s). Running schedulers pick them up at once.`,
    );
    return 0;
  },
};

const CHECK_LANGUAGES = ["en", "ja"] as const;

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
    noGroups: "! no enabled post group to draw from: its runs will be skipped",
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
    noGroups: "! 有効な投稿グループがありません: 実行はスキップされます",
  },
};

export const checkCommand: Command = {
  name: "check",
  summary:
    "The original check script's report: create and start the scheduler, list jobs and active schedules, stop",
  usage: "[--lang en|ja]",
  // Not "read": like the original script it starts the scheduler, which plans the runs it then lists.
  flags: [["--lang en|ja", "language of the report (default: ja when LANG starts with ja, else en)"]],
  options: { lang: { type: "string" } },
  async run(ctx, args) {
    const lang = parseInput(
      oneOf("--lang", CHECK_LANGUAGES, { listWords: "en or ja" }),
      str(args, "lang") ?? (process.env.LANG?.startsWith("ja") ? "ja" : "en"),
    );
    const t = CHECK_TEXT[lang];
    const out = ctx.output;
    const app = await ctx.app();
    const { runs, schedules } = app.services;
    out.out(t.title);
    out.out("");
    out.out(t.init);
    const engine = app.newEngine({ logger: silentLogger });
    out.out(`${t.created} <Engine ${engine.nodeId}>`);
    out.out("");
    out.out(t.start);
    await engine.plan();
    out.out(t.running);
    out.out("");
    out.out(t.jobs);
    for (const job of await runs.jobs()) {
      out.out(
        `   - ${job.id}: ${job.nextRunAt === null ? t.notPlanned : formatForReport(job.nextRunAt, job.timezone)}`,
      );
    }
    out.out("");
    out.out(t.schedules);
    const active = await runs.activeSchedules();
    if (active.length === 0) out.out(t.none);
    const groupless = new Set((await schedules.withoutGroups()).map((s) => s.id));
    for (const s of active) {
      const times =
        s.kind === "fixed"
          ? `Times: [${(s.times ?? []).map((x) => `'${x}'`).join(", ")}]`
          : `Window: '${s.windowStart}'-'${s.windowEnd}'  Count: ${s.postsPerDay}`;
      out.out(
        `   - Schedule ID: ${s.id}  Account: ${s.name ?? s.username}  Type: ${s.kind.toUpperCase()}  ${times}`,
      );
      if (groupless.has(s.id)) out.out(`     ${t.noGroups}`);
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
