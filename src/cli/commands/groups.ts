import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { accountIdSchema } from "../../accounts/accounts.schema.js";
import { formatDeleteAfter } from "../../delete-after.schema.js";
import { AppError } from "../../errors.js";
import type { PostGroup } from "../../groups/group.js";
import {
  ENCODING_NAMES_HELP,
  type GroupNames,
  groupIdSchema,
  groupPatchSchema,
  importGroupsSchema,
  newGroupSchema,
} from "../../groups/groups.schema.js";
import { type PostPart, pollFromOptions, pollOptions, REPLY_CONTROLS } from "../../threads/post.js";
import { type Command, flag, type ParsedArgs, parseInput, str, UsageError, valuesOf } from "../command.js";
import type { CliContext } from "../context.js";
import { formatIdRanges } from "../id-ranges.js";
import { printJson, printTable } from "../output.js";
import { confirm } from "../prompt.js";
import { warnSchedulesWithoutGroups } from "./schedules.js";

/** The group schemas' names for the flags (exported for the schema tests, which read the messages the CLI shows). */
export const GROUP_FLAG_NAMES: GroupNames = {
  accountId: "--account",
  id: "the group ID",
  name: "--name",
  weight: "--weight",
  reply_control: "--reply-control",
  encoding: "--encoding",
  noParts: "give the post: at least one --text, --image or --video",
  nothingToChange: "nothing to change: give --name, --weight or the parts (--text, --image, …)",
  deleteAfter: "--delete-after",
};
const GROUP_ID = GROUP_FLAG_NAMES.id;

/** Flags that describe the parts of a post, shared by `groups add` and `post`. */
export const PART_OPTIONS = {
  text: { type: "string", multiple: true },
  image: { type: "string", multiple: true },
  video: { type: "string", multiple: true },
  alt: { type: "string", multiple: true },
  topic: { type: "string", multiple: true },
  link: { type: "string", multiple: true },
  poll: { type: "string", multiple: true },
  "reply-control": { type: "string", multiple: true },
} as const;

export const PART_FLAGS: Array<[string, string]> = [
  ["--text T", "text of a part; each --text starts the next part of the chain (part 2 replies to part 1, …)"],
  ["--image URL", "an image on the current part; several --image/--video on one part make a carousel (2–20)"],
  ["--video URL", "a video on the current part"],
  ["--alt TEXT", "alt text of the media item given just before"],
  ["--topic TAG", "the current part's topic tag (1–50 characters, no . or &)"],
  ["--link URL", "the current part's link attachment (text posts only)"],
  ["--poll A|B[|C|D]", "a poll of 2–4 options on the current part (text posts only)"],
  ["--reply-control WHO", `who may reply: ${REPLY_CONTROLS.join(", ")}`],
];

/**
 * Builds the parts from the flags in the order given: `--text` starts a new part (or fills the text of a part
 * begun by media), and every other flag applies to the current part. `--image A --image B --text "Hi"` is
 * one carousel post with text; `--text A --text B` is a two-part chain.
 */
export function partsFromArgs(args: ParsedArgs): PostPart[] {
  const parts: PostPart[] = [];
  const current = (): PostPart => {
    if (parts.length === 0) parts.push({});
    return parts[parts.length - 1]!;
  };
  for (const token of args.tokens) {
    if (token.kind !== "option" || token.value === undefined) continue;
    const value = token.value;
    switch (token.name) {
      case "text": {
        const last = parts[parts.length - 1];
        if (last && last.text === undefined) last.text = value;
        else parts.push({ text: value });
        break;
      }
      case "image":
      case "video":
        current().media = [
          ...(current().media ?? []),
          { kind: token.name === "image" ? "IMAGE" : "VIDEO", url: value },
        ];
        break;
      case "alt": {
        const media = parts[parts.length - 1]?.media;
        const item = media?.[media.length - 1];
        if (!item) throw new UsageError("--alt describes the --image or --video given just before it");
        item.alt_text = value;
        break;
      }
      case "topic":
        setOnce(current(), "topic_tag", value, "--topic");
        break;
      case "link":
        setOnce(current(), "link_attachment", value, "--link");
        break;
      case "poll":
        setOnce(
          current(),
          "poll_attachment",
          pollFromOptions(value.split("|").map((o) => o.trim())),
          "--poll",
        );
        break;
      case "reply-control":
        // Which values are accepted is the schema's check.
        setOnce(current(), "reply_control", value as PostPart["reply_control"], "--reply-control");
        break;
    }
  }
  return parts;
}

function setOnce<K extends keyof PostPart>(
  part: PostPart,
  key: K,
  value: PostPart[K],
  flagName: string,
): void {
  if (part[key] !== undefined) {
    throw new UsageError(`${flagName} was given twice for one part; start the next part with --text`);
  }
  part[key] = value;
}

export const groupsAddCommand: Command = {
  name: "groups add",
  summary: "Add a post group (one post, or a chain of parts) to an account's pool",
  usage:
    "--account ID --name NAME [--delete-after D] --text T [--text T ...] [--image URL] [--video URL] [--topic TAG] [--link URL]",
  flags: [
    ["--account ID", "the account whose pool gets the group"],
    ["--name NAME", "a name to recognise the group by"],
    ...PART_FLAGS,
    ["--weight N", "relative chance of being drawn by a random pick (default 1)"],
    ["--disabled", "add it disabled (never picked until enabled)"],
    [
      "--delete-after D",
      "delete each post this long after it is published: 24h, 90m, 2d (15m to 90d; default never)",
    ],
  ],
  options: {
    account: { type: "string" },
    name: { type: "string" },
    weight: { type: "string" },
    "delete-after": { type: "string" },
    disabled: { type: "boolean" },
    json: { type: "boolean" },
    ...PART_OPTIONS,
  },
  async run(ctx, args) {
    const { accountId, ...input } = parseInput(newGroupSchema(GROUP_FLAG_NAMES), {
      ...valuesOf(args, {
        accountId: "account",
        name: "name",
        weight: "weight",
        deleteAfterMinutes: "delete-after",
      }),
      parts: partsFromArgs(args),
      enabled: !flag(args, "disabled"),
    });
    const group = await (await ctx.services()).groups.add(accountId, input);
    if (flag(args, "json")) printJson(ctx.output, [group]);
    else
      ctx.output.out(
        `Added post group ${group.id} "${group.name}" (${describeParts(group)}) to account ${accountId}.`,
      );
    return 0;
  },
};

export const groupsEditCommand: Command = {
  name: "groups edit",
  summary:
    "Change a post group's name, weight or parts (any part flag replaces every part, checked as by add)",
  usage:
    "ID [--name NAME] [--weight N] [--delete-after D|none] [--text T ...] [--image URL] [--video URL] [--topic TAG] [--link URL]",
  flags: [
    ["--name NAME", "a new name"],
    ["--weight N", "a new relative chance of being drawn by a random pick"],
    ["--delete-after D", "delete each post this long after it is published (24h, 90m, 2d), or none"],
    ...PART_FLAGS,
    ["--json", "print the group as a JSON array"],
  ],
  options: {
    name: { type: "string" },
    weight: { type: "string" },
    "delete-after": { type: "string" },
    json: { type: "boolean" },
    ...PART_OPTIONS,
  },
  positionals: { min: 1, max: 1, names: "ID" },
  async run(ctx, args) {
    const id = parseInput(groupIdSchema(GROUP_ID), args.positionals[0]);
    const parts = partsFromArgs(args);
    const patch = parseInput(groupPatchSchema(GROUP_FLAG_NAMES), {
      ...valuesOf(args, { name: "name", weight: "weight", deleteAfterMinutes: "delete-after" }),
      ...(parts.length > 0 ? { parts } : {}),
    });
    const group = await (await ctx.services()).groups.update(id, patch);
    if (flag(args, "json")) printJson(ctx.output, [group]);
    else ctx.output.out(`Updated post group ${group.id} "${group.name}" (${describeGroup(group)}).`);
    return 0;
  },
};

function groupToggle(verb: "enable" | "disable", summary: string): Command {
  return {
    name: `groups ${verb}`,
    summary,
    usage: "ID",
    positionals: { min: 1, max: 1, names: "ID" },
    async run(ctx: CliContext, args: ParsedArgs) {
      const id = parseInput(groupIdSchema(GROUP_ID), args.positionals[0]);
      const group = await (await ctx.services()).groups[verb](id);
      ctx.output.out(
        `${verb === "enable" ? "Enabled" : "Disabled"} post group ${id} "${group.name}": ${
          group.enabled ? "schedules draw it again" : "no schedule draws it until it is enabled"
        }.`,
      );
      if (!group.enabled) await warnSchedulesWithoutGroups(ctx, { accountId: group.accountId });
      return 0;
    },
  };
}

export const groupsEnableCommand = groupToggle("enable", "Enable a post group: schedules may draw it again");
export const groupsDisableCommand = groupToggle(
  "disable",
  "Disable a post group: no schedule draws it until it is enabled (a run that picked it finishes)",
);

export const groupsImportCommand: Command = {
  name: "groups import",
  summary: "Import post groups from a CSV or JSON file (all or nothing; bad rows are reported by line)",
  usage: "--account ID [--encoding ENC] FILE",
  flags: [
    ["--account ID", "the account whose pool gets the groups"],
    [
      "--encoding ENC",
      `read the file as ${ENCODING_NAMES_HELP}; by default a byte-order mark decides, else UTF-8, else Shift_JIS (what Japanese Excel saves)`,
    ],
    ["--json", "print the imported groups as a JSON array"],
    [
      "FILE",
      "a .csv (columns: group, part, text, image_url, video_url, alt_text, topic_tag, link, poll, reply_control, quote_post_id) or .json file",
    ],
  ],
  options: { account: { type: "string" }, encoding: { type: "string" }, json: { type: "boolean" } },
  positionals: { min: 1, max: 1, names: "FILE" },
  async run(ctx, args) {
    const { accountId, encoding } = parseInput(
      importGroupsSchema(GROUP_FLAG_NAMES),
      valuesOf(args, { accountId: "account", encoding: "encoding" }),
    );
    const file = args.positionals[0]!;
    let content: Uint8Array;
    try {
      content = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A file that is not there is "does not exist" (1); a folder where a file belongs, a usage mistake (2).
      if (code === "EISDIR")
        throw new UsageError(`cannot read ${file}: it is a directory; give a .csv or .json file`);
      throw new AppError(
        "not_found",
        `Cannot read ${file}: ${code === "ENOENT" ? "there is no such file (check the path; it is read from the current folder)" : (error as Error).message}. Nothing was imported.`,
      );
    }
    const result = await (await ctx.services()).groups.importGroups(accountId, {
      name: basename(file),
      content,
      ...(encoding === undefined ? {} : { encoding }),
    });
    const { groups } = result;
    if (flag(args, "json")) printJson(ctx.output, groups);
    else {
      const ids = formatIdRanges(groups.map((g) => g.id));
      ctx.output.out(
        `Imported ${groups.length === 1 ? "1 post group (id" : `${groups.length} post groups (ids`} ${ids}) into account ${accountId} from ${basename(file)}${result.encoding ? ` (${result.encoding})` : ""}.`,
      );
    }
    return 0;
  },
};

export const groupsListCommand: Command = {
  name: "groups list",
  summary: "List an account's post groups",
  usage: "--account ID [--all] [--json]",
  database: "read",
  flags: [
    ["--account ID", "the account"],
    ["--all", "also list removed groups (kept for their run history)"],
    ["--json", "print a JSON array of objects that carry id"],
  ],
  options: { account: { type: "string" }, all: { type: "boolean" }, json: { type: "boolean" } },
  async run(ctx, args) {
    const accountId = parseInput(accountIdSchema("--account"), str(args, "account"));
    const groups = await (await ctx.services()).groups.list(accountId, {
      archived: flag(args, "all") ? "all" : "live",
    });
    if (flag(args, "json")) {
      printJson(ctx.output, groups);
      return 0;
    }
    if (groups.length === 0) {
      ctx.output.out(
        `Account ${accountId} has no post groups. Add one with \`threads-scheduler groups add\`.`,
      );
      return 0;
    }
    printTable(
      ctx.output,
      ["ID", "NAME", "ENABLED", "WEIGHT", "PARTS", "FIRST TEXT"],
      groups.map((g) => [
        g.id,
        g.name,
        g.archivedAt !== null ? "removed" : g.enabled ? "yes" : "no",
        g.weight,
        describeParts(g),
        preview(g.parts[0]?.text),
      ]),
    );
    return 0;
  },
};

export const groupsRemoveCommand: Command = {
  name: "groups remove",
  summary: "Remove a post group: it is never drawn again; its past runs stay in the history",
  usage: "ID [--yes]",
  flags: [["--yes", "do not ask for confirmation (needed when stdin is not a terminal)"]],
  options: { yes: { type: "boolean" } },
  positionals: { min: 1, max: 1, names: "ID" },
  async run(ctx, args) {
    const id = parseInput(groupIdSchema(GROUP_ID), args.positionals[0]);
    const services = await ctx.services();
    const group = await services.groups.get(id);
    const go = await confirm(ctx.prompt, ctx.output, {
      yes: flag(args, "yes"),
      what: `Removing post group ${id} "${group.name}"`,
      question: `Remove post group ${id} "${group.name}"? It is never posted again; its past runs are kept.`,
    });
    if (!go) return 1;
    const removed = await services.groups.remove(id);
    ctx.output.out(`Removed post group ${id} "${group.name}"; its past runs are kept.`);
    const only = removed.schedules.filter((s) => s.only).map((s) => s.id);
    const some = removed.schedules.filter((s) => !s.only).map((s) => s.id);
    if (only.length > 0) {
      ctx.output.out(
        `Note: schedule ${only.join(", ")} drew only from this group: its runs are skipped until you give it other groups (\`threads-scheduler schedules edit ID --groups ID,…\`).`,
      );
    }
    if (some.length > 0) ctx.output.out(`Schedule ${some.join(", ")} now draws from its other groups.`);
    if (removed.oneOffs.length > 0) {
      const ids = removed.oneOffs.join(", ");
      ctx.output.out(
        `Note: planned one-off post${removed.oneOffs.length === 1 ? "" : "s"} ${ids} named this group: ${removed.oneOffs.length === 1 ? "it is" : "they are"} skipped at ${removed.oneOffs.length === 1 ? "its" : "their"} time (\`threads-scheduler runs cancel ID\` withdraws ${removed.oneOffs.length === 1 ? "it" : "them"} now).`,
      );
    }
    if (only.length === 0) await warnSchedulesWithoutGroups(ctx, { accountId: group.accountId });
    return 0;
  },
};

function describeGroup(group: PostGroup): string {
  const state = group.enabled ? "" : ", disabled";
  const deletes =
    group.deleteAfterMinutes === null
      ? ""
      : `, deleted ${formatDeleteAfter(group.deleteAfterMinutes)} after posting`;
  return `${describeParts(group)}, weight ${group.weight}${state}${deletes}`;
}

function describeParts(group: PostGroup): string {
  const kinds = group.parts.map((p) => {
    const media = p.media ?? [];
    return media.length === 0
      ? p.poll_attachment
        ? `poll: ${pollOptions(p.poll_attachment).join(" | ")}`
        : "text"
      : media.length === 1
        ? media[0]!.kind.toLowerCase()
        : `carousel of ${media.length}`;
  });
  return group.parts.length === 1 ? kinds[0]! : `chain of ${group.parts.length}: ${kinds.join(", ")}`;
}

function preview(text: string | undefined): string {
  if (!text) return "";
  const line = text.replace(/\s+/g, " ");
  return [...line].length > 40 ? `${[...line].slice(0, 39).join("")}…` : line;
}
