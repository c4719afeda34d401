import { formatDeleteAfter, NEVER_DELETE } from "../../delete-after.schema.js";
import type { Schedule } from "../../schedules/schedule.js";
import { describeAction, withoutGroupsWarning } from "../../schedules/schedule.js";
import {
  newScheduleSchema,
  type ScheduleNames,
  scheduleIdSchema,
  scheduleListSchema,
  schedulePatchSchema,
} from "../../schedules/schedules.schema.js";
import { type Command, flag, type ParsedArgs, parseInput, valuesOf } from "../command.js";
import type { CliContext } from "../context.js";
import { hintSentence } from "../hints.js";
import { printJson, printTable } from "../output.js";
import { UsageError } from "../usage-error.js";

/**
 * The flags that say what a schedule is, shared by `schedules add` and `schedules edit` (edit takes every one
 * of them; a flag added here is picked up by both).
 */
const SCHEDULE_FLAGS: Array<[string, string]> = [
  ["--fixed HH:MM,…", "post at these local times every selected day"],
  [
    "--random HH:MM-HH:MM",
    "post --count times at random in this local window (22:00-02:00 crosses midnight)",
  ],
  ["--count N", "posts per day in the random window"],
  ["--min-gap MIN", "at least this many minutes between random posts (default 0)"],
  ["--timezone TZ", "IANA zone of the times, such as Asia/Tokyo (default: the account's zone)"],
  ["--days mon,tue,…", "weekdays to post on (default: every day)"],
  [
    "--pick POLICY",
    "how a group is chosen: random (default, as the original), shuffle (each once per round), sequential",
  ],
  [
    "--groups ID,…",
    "draw only from these post groups; `all` (the default): every enabled group of the account",
  ],
  [
    "--misfire-grace MIN",
    "a post not started this many minutes after its time is marked missed (0–1440, default 15)",
  ],
  [
    "--until YYYY-MM-DD",
    "last day it posts (inclusive, in its zone): nothing after that day ends; `none`: no end (the default)",
  ],
  [
    "--delete-after D",
    "delete each post this long after it is published: 24h, 90m, 2d (15m to 90d); wins over the group's; `none`: the group's; `never`: never, even if the group's says so",
  ],
  ["--paused", "pause it (`schedules resume ID` resumes it)"],
  [
    "--repost",
    "each run reposts one of the account's own earlier posts (published by this install) instead of a group",
  ],
  ["--quote", "each run publishes a group (from --groups) quoting one of the account's own earlier posts"],
  [
    "--action post|repost|quote",
    "the same as --repost / --quote; `post` makes it an ordinary schedule again",
  ],
  [
    "--from top|oldest|random",
    "repost/quote: which earlier post: most viewed (reads insights), oldest first (default), at random; the least recently recycled first",
  ],
  ["--min-age DURATION", "repost/quote: only posts at least this old, such as 7d (default), 36h, 90m"],
  ["--cooldown DURATION", "repost/quote: never the same post twice within this (default 30d)"],
  ["--json", "print the schedule as a JSON array"],
];

const SCHEDULE_OPTIONS = {
  fixed: { type: "string" },
  random: { type: "string" },
  count: { type: "string" },
  "min-gap": { type: "string" },
  timezone: { type: "string" },
  days: { type: "string" },
  pick: { type: "string" },
  groups: { type: "string" },
  "misfire-grace": { type: "string" },
  until: { type: "string" },
  "delete-after": { type: "string" },
  paused: { type: "boolean" },
  repost: { type: "boolean" },
  quote: { type: "boolean" },
  action: { type: "string" },
  from: { type: "string" },
  "min-age": { type: "string" },
  cooldown: { type: "string" },
  json: { type: "boolean" },
} as const;

/**
 * The schedule schemas' names for the flags, so a refusal reads as today's usage line (exported for the
 * schema tests, which read the messages the CLI shows).
 */
export const SCHEDULE_FLAG_NAMES: ScheduleNames = {
  accountId: "--account",
  times: "--fixed",
  window: "--random",
  postsPerDay: "--count",
  minGapMinutes: "--min-gap",
  days: "--days",
  pick: "--pick",
  groupIds: "--groups",
  misfireGraceMinutes: "--misfire-grace",
  until: "--until",
  fixedForm: "--fixed HH:MM[,HH:MM…]",
  randomForm: "--random HH:MM-HH:MM",
  countForm: "--count N",
  nothingToChange: "nothing to change: give at least one option of `schedules add` (see --help)",
  action: "--action",
  from: "--from",
  minAge: "--min-age",
  cooldown: "--cooldown",
  recycleForm: "--repost or --quote",
  deleteAfter: "--delete-after",
};

/**
 * The schema's JSON of the flags, verbatim (`--random 09:00-12:00 --count 3` → `{ window: "09:00-12:00",
 * postsPerDay: "3" }`): reading the values (times, the window, numbers, `all`, `none`) is the schema's.
 */
export function scheduleJsonFromArgs(args: ParsedArgs): Record<string, unknown> {
  return {
    ...valuesOf(args, {
      accountId: "account",
      times: "fixed",
      window: "random",
      postsPerDay: "count",
      minGapMinutes: "min-gap",
      timezone: "timezone",
      days: "days",
      pick: "pick",
      groupIds: "groups",
      misfireGraceMinutes: "misfire-grace",
      until: "until",
      action: "action",
      from: "from",
      minAge: "min-age",
      cooldown: "cooldown",
      deleteAfterMinutes: "delete-after",
    }),
    ...(flag(args, "paused") ? { active: false } : {}),
    ...actionFromArgs(args),
  };
}

/** `--repost` / `--quote` are `--action repost|quote`; at most one of the three. */
function actionFromArgs(args: ParsedArgs): { action?: string } {
  const given = (["repost", "quote"] as const).filter((name) => flag(args, name));
  if (given.length + (args.values.action === undefined ? 0 : 1) > 1) {
    throw new UsageError("give one of --repost, --quote and --action, not several");
  }
  return given[0] ? { action: given[0] } : {};
}

export const schedulesAddCommand: Command = {
  name: "schedules add",
  summary: "Add a fixed or random schedule to an account (takes effect in running schedulers at once)",
  usage:
    "--account ID (--fixed HH:MM[,HH:MM…] | --random HH:MM-HH:MM --count N [--min-gap MIN]) [--timezone TZ] [--days mon,tue,…] [--pick random|shuffle|sequential] [--until YYYY-MM-DD] [--delete-after D] [--repost | --quote [--from top|oldest|random] [--min-age 7d] [--cooldown 30d]]",
  flags: [["--account ID", "the account that posts"], ...SCHEDULE_FLAGS.map(addFlag)],
  options: { account: { type: "string" }, ...SCHEDULE_OPTIONS },
  async run(ctx, args) {
    const input = parseInput(newScheduleSchema(SCHEDULE_FLAG_NAMES), scheduleJsonFromArgs(args));
    const { accountId } = input;
    const services = await ctx.services();
    const schedule = await services.schedules.add(input);
    // Said, not refused: the groups may well be added next.
    await warnSchedulesWithoutGroups(ctx, { scheduleId: schedule.id });
    if (flag(args, "json")) {
      printJson(ctx.output, [schedule]);
      return 0;
    }
    ctx.output.out(`Added schedule ${schedule.id} for account ${accountId}: ${describe(schedule)}.`);
    ctx.output.out("Run `threads-scheduler jobs` to see its planned runs.");
    return 0;
  },
};

/** `add`'s wording of a shared flag (a new schedule has no current setting to keep). */
function addFlag([name, description]: [string, string]): [string, string] {
  return name === "--paused" ? [name, "add it paused"] : [name, description];
}

export const schedulesEditCommand: Command = {
  name: "schedules edit",
  summary:
    "Change a schedule (any option of `schedules add`; the rest stays): its future runs are re-planned at once, in every running scheduler",
  usage:
    "ID [--fixed HH:MM,… | --random HH:MM-HH:MM] [--count N] [--min-gap MIN] [--timezone TZ] [--days …] [--pick P] [--groups ID,…|all] [--misfire-grace MIN] [--until YYYY-MM-DD|none] [--delete-after D|none|never] [--paused]",
  flags: SCHEDULE_FLAGS,
  options: SCHEDULE_OPTIONS,
  positionals: { min: 1, max: 1, names: "ID" },
  async run(ctx, args) {
    const id = parseInput(scheduleIdSchema("the schedule ID"), args.positionals[0]);
    const patch = parseInput(schedulePatchSchema(SCHEDULE_FLAG_NAMES), scheduleJsonFromArgs(args));
    const schedule = await (await ctx.services()).schedules.update(id, patch);
    await warnSchedulesWithoutGroups(ctx, { scheduleId: schedule.id });
    if (flag(args, "json")) {
      printJson(ctx.output, [schedule]);
      return 0;
    }
    ctx.output.out(
      `Updated schedule ${schedule.id} of account ${schedule.accountId}: ${describe(schedule)}${schedule.active ? "" : " (paused)"}.`,
    );
    ctx.output.out(
      schedule.active
        ? "Its future runs are re-planned; run `threads-scheduler jobs` to see them."
        : "It has no planned runs while paused.",
    );
    return 0;
  },
};

export const schedulesListCommand: Command = {
  name: "schedules list",
  summary: "List schedules",
  usage: "[--account ID] [--json]",
  database: "read",
  flags: [
    ["--account ID", "only this account's schedules"],
    ["--json", "print a JSON array of objects that carry id"],
  ],
  options: { account: { type: "string" }, json: { type: "boolean" } },
  async run(ctx, args) {
    const filter = parseInput(
      scheduleListSchema(SCHEDULE_FLAG_NAMES),
      valuesOf(args, { accountId: "account" }),
    );
    const services = await ctx.services();
    const schedules = await services.schedules.listWithEnd(filter);
    // Every account, removed ones too: a removed account's schedules stay (paused) with its history.
    const owners = new Map((await services.accounts.list({ archived: "all" })).map((a) => [a.id, a]));
    const usernames = new Map([...owners].map(([id, a]) => [id, a.username]));
    const ownerOf = (id: number) => {
      const a = owners.get(id);
      return a ? `@${a.username}${a.archivedAt !== null ? " (removed)" : ""}` : "?";
    };
    if (flag(args, "json")) {
      printJson(
        ctx.output,
        schedules.map((s) => ({ ...s, username: usernames.get(s.accountId) ?? null })),
      );
      return 0;
    }
    if (schedules.length === 0) {
      ctx.output.out("No schedules. Add one with `threads-scheduler schedules add`.");
      return 0;
    }
    printTable(
      ctx.output,
      ["ID", "ACCOUNT", "ACTIVE", "WHEN", "PICK", "ACTION"],
      schedules.map((s) => [
        s.id,
        `${s.accountId} ${ownerOf(s.accountId)}`,
        s.ended ? "ended" : s.active ? "yes" : "paused",
        describe(s),
        s.pick,
        s.action ?? "post",
      ]),
    );
    return 0;
  },
};

function scheduleAction(verb: "pause" | "resume" | "remove", summary: string, done: string): Command {
  return {
    name: `schedules ${verb}`,
    summary,
    usage: "ID",
    positionals: { min: 1, max: 1, names: "ID" },
    async run(ctx, args) {
      const id = parseInput(scheduleIdSchema("the schedule ID"), args.positionals[0]);
      await (await ctx.services()).schedules[verb](id);
      ctx.output.out(`${done} schedule ${id}.`);
      if (verb === "resume") await warnSchedulesWithoutGroups(ctx, { scheduleId: id });
      return 0;
    },
  };
}

export const schedulesPauseCommand = scheduleAction(
  "pause",
  "Pause a schedule: its future runs are withdrawn until it is resumed",
  "Paused",
);
export const schedulesResumeCommand = scheduleAction("resume", "Resume a paused schedule", "Resumed");
export const schedulesRemoveCommand = scheduleAction(
  "remove",
  "Remove a schedule (its past runs stay in the history)",
  "Removed",
);

/**
 * Says on stderr which active schedules (one, or an account's) have no enabled post group to draw from, so
 * their runs would be skipped; for commands that can leave a schedule so (add, resume, a group disabled or removed).
 */
export async function warnSchedulesWithoutGroups(
  ctx: CliContext,
  filter: { scheduleId?: number; accountId?: number },
): Promise<void> {
  for (const s of await (await ctx.services()).schedules.withoutGroups(filter)) {
    ctx.output.err(`Warning: ${withoutGroupsText(s)}`);
  }
}

/** The CLI's wording of a schedule's without-groups warning: the warning, then the command that fixes it. */
export function withoutGroupsText(s: Parameters<typeof withoutGroupsWarning>[0]): string {
  const { message, hint } = withoutGroupsWarning(s);
  return `${message}${hintSentence(hint)}`;
}

export function describe(s: Schedule): string {
  const when =
    s.kind === "fixed"
      ? `fixed ${(s.times ?? []).join(", ")}`
      : `random ${s.postsPerDay}× in ${s.windowStart}-${s.windowEnd}${s.minGapMinutes ? `, ≥ ${s.minGapMinutes} min apart` : ""}`;
  const days = s.days.length === 7 ? "every day" : s.days.join(",");
  const action = describeAction(s);
  const deletes =
    s.deleteAfterMinutes === null
      ? ""
      : s.deleteAfterMinutes === NEVER_DELETE
        ? ", posts never auto-deleted"
        : `, posts deleted after ${formatDeleteAfter(s.deleteAfterMinutes)}`;
  return `${when}, ${days}${s.until ? `, until ${s.until}` : ""}${deletes}${s.timezone ? ` (${s.timezone})` : ""}${action ? `, ${action}` : ""}`;
}
