import { AppError } from "../../errors.js";
import { formatInZone } from "../../scheduler/inspect.js";
import { MAX_AHEAD_DAYS } from "../../scheduler/planning/at.js";
import { DEFAULT_MISFIRE_GRACE_MINUTES } from "../../scheduler/planning/index.js";
import type { PostAtRequest, PostAtResult, PostAtWarning } from "../../scheduler/post-at.js";
import { type PostNames, postSchema } from "../../scheduler/posts.schema.js";
import { type Command, flag, type ParsedArgs, parseInput, UsageError, valuesOf } from "../command.js";
import type { CliContext } from "../context.js";
import { hintSentence } from "../hints.js";
import { printJson } from "../output.js";
import { describePost, PART_FLAGS, PART_OPTIONS, partsFromArgs } from "./groups.js";

/** The post schema's names for the flags. */
const FLAG_NAMES: PostNames = {
  accountId: "--account",
  groupId: "--group",
  reply_control: "--reply-control",
  noParts: "give the post: at least one --text, --image or --video",
  groupOrParts: "give either --group ID or the post itself (--text, --image, --video …)",
};

export const postCommand: Command = {
  name: "post",
  summary:
    "Publish now (a post group, or a post given with --text/--image/…) and print each part's permalink, or plan it once with --at",
  usage: '--account ID (--group ID | --text T [--text T ...] [--image URL] …) [--at "YYYY-MM-DD HH:MM"]',
  secretKey: "use",
  flags: [
    ["--account ID", "the account that posts"],
    ["--group ID", "publish this post group of the account"],
    ...PART_FLAGS,
    [
      "--at TIME",
      `plan it once instead of publishing now: "YYYY-MM-DD HH:MM[:SS]" (or YYYY/MM/DD) in the account's zone, or ISO 8601 with an offset (2026-12-24T09:00+09:00); up to ${MAX_AHEAD_DAYS} days ahead. The running service publishes it`,
    ],
    ["--json", "print the result as JSON"],
  ],
  options: {
    account: { type: "string" },
    group: { type: "string" },
    at: { type: "string" },
    json: { type: "boolean" },
    ...PART_OPTIONS,
  },
  async run(ctx, args) {
    const parts = partsFromArgs(args);
    const { at, ...post } = parseInput(postSchema(FLAG_NAMES), {
      ...valuesOf(args, { accountId: "account", groupId: "group", at: "at" }),
      ...(parts.length > 0 ? { parts } : {}),
    });
    if (at !== undefined) return planAt(ctx, args, { ...post, at });
    const result = await (await ctx.services()).posts.now(post);
    if (flag(args, "json")) {
      printJson(ctx.output, [{ id: result.runId, ...result }]);
      return result.state === "published" ? 0 : 1;
    }
    switch (result.state) {
      case "published":
        for (const p of result.parts) {
          ctx.output.out(
            `Part ${p.position + 1}: ${p.permalink ?? `published (media ${p.media_id}; no permalink yet)`}`,
          );
        }
        ctx.output.out(
          parts.length > 0
            ? `Published (run ${result.runId}): ${describePost(parts)}.`
            : `Published (run ${result.runId}).`,
        );
        return 0;
      case "failed":
        throw new AppError(
          "threads_error",
          `Nothing was published: ${stripPrefix(result.reason)}. (Recorded as run ${result.runId}; see \`threads-scheduler runs\`.)`,
        );
      default: {
        const done = result.parts.filter((p) => p.state === "published");
        for (const p of done) ctx.output.out(`Part ${p.position + 1}: ${p.permalink ?? "published"}`);
        ctx.output.err(
          result.state === "lease_lost"
            ? `This command lost its hold on run ${result.runId} before it could record the outcome (${result.reason}). The scheduler checks with Threads whether it was published before anything is sent again, and finishes the run; follow it with \`threads-scheduler runs\`.`
            : result.state === "needs_check"
              ? `The outcome is uncertain (${result.reason}). The scheduler will ask Threads whether it was published before anything is sent again; follow run ${result.runId} with \`threads-scheduler runs\`.`
              : `Only ${done.length} of the parts were published (${result.reason}). The scheduler resumes the chain from the first unpublished part; follow run ${result.runId} with \`threads-scheduler runs\`.`,
        );
        return 1;
      }
    }
  },
};

async function planAt(ctx: CliContext, args: ParsedArgs, req: PostAtRequest): Promise<number> {
  let result: PostAtResult;
  try {
    // Planning reads the account and the group and calls no Threads: no connection (nor sandbox) for it.
    const app = await ctx.app({ callsThreads: false });
    result = await app.services.posts.at(req);
  } catch (error) {
    // A time that is unreadable, past or too far ahead is a mistake in the command line.
    if (
      error instanceof AppError &&
      error.code === "invalid_input" &&
      (error.details as { field?: string })?.field === "at"
    ) {
      throw new UsageError(`--at: ${error.message}`);
    }
    throw error;
  }
  if (flag(args, "json")) {
    printJson(ctx.output, [
      {
        id: result.runId,
        state: "planned",
        dueAt: formatInZone(result.dueAt, result.timezone),
        dueAtMs: result.dueAt,
        timezone: result.timezone,
        schedulerRunning: result.schedulerRunning ?? null,
        warnings: result.warnings.map(wordWarning),
        note: result.note ?? null,
      },
    ]);
  } else {
    ctx.output.out(
      `Planned run ${result.runId} for ${result.dueAtText}; the running service will publish it. Cancel with \`threads-scheduler runs cancel ${result.runId}\`.`,
    );
  }
  if (result.note) ctx.output.err(`Note: ${result.note}`);
  for (const warning of result.warnings) ctx.output.err(`Warning: ${wordWarning(warning)}`);
  if (result.schedulerRunning === false) {
    ctx.output.err(
      `Warning: no scheduler is running on this database right now. Start it (\`threads-scheduler start\`) before ${result.dueAtText}: a post not started within ${DEFAULT_MISFIRE_GRACE_MINUTES} minutes of its time is marked missed, not published late.`,
    );
  }
  return 0;
}

function stripPrefix(reason: string | null): string {
  return (reason ?? "unknown error").replace(/^nothing was published: /, "");
}

function wordWarning(warning: PostAtWarning): string {
  return `${warning.message}${hintSentence(warning.hint)}`;
}
