import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { accountIdSchema } from "../../accounts/accounts.schema.js";
import { formatDeleteAfter } from "../../delete-after.schema.js";
import { AppError } from "../../errors.js";
import { EXPORT_FORMATS, type ExportFormat } from "../../groups/export.js";
import type { PostGroup } from "../../groups/group.js";
import {
  ENCODING_NAMES_HELP,
  type GroupNames,
  groupIdSchema,
  groupPatchSchema,
  importGroupsSchema,
  newGroupSchema,
} from "../../groups/groups.schema.js";
import { CSV_COLUMNS } from "../../groups/import-csv.js";
import { countryCodes, SpoilerPhraseError, spoilersFor } from "../../groups/part-input.js";
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
  nothingToChange:
    "nothing to change: give --name, --weight, --delete-after or the parts (--text, --image, …)",
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
  "text-attachment": { type: "string", multiple: true },
  "text-attachment-file": { type: "string", multiple: true },
  "attachment-link": { type: "string", multiple: true },
  spoiler: { type: "string", multiple: true },
  "spoiler-media": { type: "boolean", multiple: true },
  gif: { type: "string", multiple: true },
  ghost: { type: "boolean", multiple: true },
  location: { type: "string", multiple: true },
  "reply-approvals": { type: "boolean", multiple: true },
  countries: { type: "string", multiple: true },
  "share-to-ig": { type: "boolean", multiple: true },
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
  ["--text-attachment TEXT", "long-form text (up to 10,000 characters) attached to the current text post"],
  ["--text-attachment-file PATH", "the same, read from a UTF-8 file"],
  ["--attachment-link URL", "a link in the current part's text attachment (not with --link)"],
  [
    "--spoiler PHRASE",
    "hide PHRASE of the current part's text as a spoiler (repeatable, up to 10; again for its next occurrence)",
  ],
  ["--spoiler-media", "show the current part's image, video or carousel as a spoiler"],
  ["--gif GIPHY_ID", "a GIF from GIPHY on the current text post"],
  ["--ghost", "a ghost post: a text post Threads archives after 24 hours (not a reply)"],
  ["--location ID", "tag a place: an id from `threads-scheduler locations search`"],
  ["--reply-approvals", "replies wait for your approval"],
  ["--countries JP,US", "show the post only in these countries (accounts Meta made eligible for geo-gating)"],
  ["--share-to-ig", "also share the post as a Story on the linked Instagram account"],
];

/**
 * Builds the parts from the flags in the order given: `--text` starts a new part (or fills the text of a part
 * begun by media), and every other flag applies to the current part. `--image A --image B --text "Hi"` is
 * one carousel post with text; `--text A --text B` is a two-part chain.
 */
export function partsFromArgs(args: ParsedArgs): PostPart[] {
  const parts: PostPart[] = [];
  /** `--spoiler` phrases per part, turned into ranges once the part's text is known. */
  const spoilers = new Map<PostPart, string[]>();
  const current = (): PostPart => {
    if (parts.length === 0) parts.push({});
    return parts[parts.length - 1]!;
  };
  for (const token of args.tokens) {
    if (token.kind !== "option") continue;
    const booleanKey = BOOLEAN_FLAGS[token.name];
    if (booleanKey !== undefined) {
      if (current()[booleanKey] === true) {
        throw new UsageError(`--${token.name} was given twice for one part; start the next part with --text`);
      }
      current()[booleanKey] = true;
      continue;
    }
    if (token.value === undefined) continue;
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
      case "poll": {
        const options = value.split("|").map((o) => o.trim());
        // A poll keeps at most four options: more would be cut off silently, so they are refused here.
        if (options.length > 4) {
          throw new UsageError(
            `--poll: a poll needs 2 to 4 options (it has ${options.length}); remove ${options.length - 4}`,
          );
        }
        setOnce(current(), "poll_attachment", pollFromOptions(options), "--poll");
        break;
      }
      case "reply-control":
        // Which values are accepted is the schema's check.
        setOnce(current(), "reply_control", value as PostPart["reply_control"], "--reply-control");
        break;
      case "text-attachment":
      case "text-attachment-file": {
        const plaintext = token.name === "text-attachment" ? value : readTextFile(value);
        const link = current().text_attachment?.link_attachment_url;
        if (
          current().text_attachment?.plaintext !== undefined &&
          current().text_attachment?.plaintext !== ""
        ) {
          throw new UsageError(
            "--text-attachment (or --text-attachment-file) was given twice for one part; start the next part with --text",
          );
        }
        current().text_attachment = {
          plaintext,
          ...(link === undefined ? {} : { link_attachment_url: link }),
        };
        break;
      }
      case "attachment-link": {
        const attachment = current().text_attachment;
        if (attachment?.link_attachment_url !== undefined) {
          throw new UsageError(
            "--attachment-link was given twice for one part; start the next part with --text",
          );
        }
        // The plaintext may follow: `--attachment-link URL --text-attachment-file essay.txt`.
        current().text_attachment = { plaintext: attachment?.plaintext ?? "", link_attachment_url: value };
        break;
      }
      case "spoiler": {
        const part = current();
        spoilers.set(part, [...(spoilers.get(part) ?? []), value]);
        break;
      }
      case "gif":
        setOnce(current(), "gif_attachment", { gif_id: value.trim(), provider: "GIPHY" }, "--gif");
        break;
      case "location":
        setOnce(current(), "location_id", value.trim(), "--location");
        break;
      case "countries":
        setOnce(current(), "allowlisted_country_codes", countryCodes(value) ?? [], "--countries");
        break;
    }
  }
  parts.forEach((part, i) => {
    if (part.text_attachment?.plaintext === "" && part.text_attachment.link_attachment_url === undefined) {
      throw new UsageError(
        `the text attachment of part ${i + 1} is empty; give its text with --text-attachment TEXT or --text-attachment-file PATH`,
        `パート ${i + 1} のテキスト添付が空です。--text-attachment TEXT か --text-attachment-file PATH で本文を指定してください`,
      );
    }
    if (part.text_attachment !== undefined && part.text_attachment.plaintext === "") {
      throw new UsageError(
        `--attachment-link of part ${i + 1} needs the text attachment itself: add --text-attachment TEXT or --text-attachment-file PATH`,
        `パート ${i + 1} の --attachment-link にはテキスト添付そのものが必要です。--text-attachment TEXT か --text-attachment-file PATH を追加してください`,
      );
    }
    const phrases = spoilers.get(part);
    if (phrases === undefined) return;
    try {
      part.text_entities = spoilersFor(part.text ?? "", phrases);
    } catch (error) {
      if (!(error instanceof SpoilerPhraseError)) throw error;
      throw new UsageError(
        `--spoiler of part ${i + 1}: ${error.message}`,
        `パート ${i + 1} の --spoiler: ${error.ja}`,
      );
    }
  });
  return parts;
}

/** The boolean part flags → the part's key. */
const BOOLEAN_FLAGS: Record<
  string,
  "is_spoiler_media" | "is_ghost_post" | "enable_reply_approvals" | "crossreshare_to_ig"
> = {
  "spoiler-media": "is_spoiler_media",
  ghost: "is_ghost_post",
  "reply-approvals": "enable_reply_approvals",
  "share-to-ig": "crossreshare_to_ig",
};

/** A text attachment's file: UTF-8 (a BOM is dropped); a missing file is a usage mistake. */
function readTextFile(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--text-attachment-file: cannot read ${path}: ${code === "ENOENT" ? "there is no such file (the path is read from the current folder)" : code === "EISDIR" ? "it is a directory" : (error as Error).message}`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new UsageError(`--text-attachment-file: ${path} is not UTF-8 text; save it as UTF-8 and try again`);
  }
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
    "--account ID --name NAME [--delete-after D] --text T [--text T ...] [--image URL] [--video URL] [--topic TAG] [--link URL] [--spoiler PHRASE] [--ghost] [… part flags]",
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
    "ID [--name NAME] [--weight N] [--delete-after D|none] [--text T ...] [--image URL] [--video URL] [--topic TAG] [--link URL] [--spoiler PHRASE] [--ghost] [… part flags]",
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
      `a .csv (columns named as Meta's parameters: ${CSV_COLUMNS.join(", ")}; the older link and poll are read too) or .json file (parts under Meta's names, or as Meta's container parameters); see the README's "Import file format"`,
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

export const groupsExportCommand: Command = {
  name: "groups export",
  summary:
    "Write an account's post groups as a JSON or CSV file that `groups import` reads back (Meta's parameter names)",
  usage: "--account ID [--format json|csv] [--out FILE]",
  database: "read",
  flags: [
    ["--account ID", "the account whose groups (enabled and disabled; not removed ones) are written"],
    [
      "--format FORMAT",
      "json (every part as it is) or csv (a row per part, UTF-8 with a BOM for Excel); default: from --out's extension, else json",
    ],
    ["--out FILE", "write to FILE (replaced if it exists) instead of printing to stdout"],
  ],
  options: { account: { type: "string" }, format: { type: "string" }, out: { type: "string" } },
  async run(ctx, args) {
    const accountId = parseInput(accountIdSchema("--account"), str(args, "account"));
    const out = str(args, "out");
    const given = str(args, "format")?.trim().toLowerCase();
    if (given !== undefined && !(EXPORT_FORMATS as readonly string[]).includes(given)) {
      throw new UsageError(`--format must be json or csv, not "${str(args, "format")}"`);
    }
    const format = (given ?? (out !== undefined && /\.csv$/i.test(out) ? "csv" : "json")) as ExportFormat;
    const { content, groups } = await (await ctx.services()).groups.exportGroups(accountId, format);
    if (out === undefined) {
      // stdout: the file itself (the BOM is for a saved file; a terminal or a pipe does without it).
      ctx.output.out(content.replace(/^\uFEFF/, "").replace(/\r?\n$/, ""));
      return 0;
    }
    try {
      await writeFile(out, content, "utf8");
    } catch (error) {
      throw new AppError(
        "invalid_input",
        `Cannot write ${out}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "its folder does not exist" : (error as Error).message}. Nothing was exported.`,
      );
    }
    ctx.output.err(
      `Exported ${groups === 1 ? "1 post group" : `${groups} post groups`} of account ${accountId} to ${out} (${format.toUpperCase()}); \`threads-scheduler groups import --account ID ${basename(out)}\` reads it back.`,
    );
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

function describeParts(group: Pick<PostGroup, "parts">): string {
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
  if (group.parts.length === 1) return [kinds[0]!, ...partOptions(group.parts[0]!)].join(", ");
  const described = kinds.map((kind, i) => {
    const options = partOptions(group.parts[i]!);
    return options.length === 0 ? kind : `${kind} (${options.join(", ")})`;
  });
  return `chain of ${group.parts.length}: ${described.join(", ")}`;
}

/** The publishing options of a part, briefly: "spoiler ×2", "text attachment 3,200 chars", "ghost", … */
export function partOptions(part: PostPart): string[] {
  const options: string[] = [];
  const spoilers = part.text_entities?.length ?? 0;
  if (spoilers > 0) options.push(spoilers === 1 ? "spoiler" : `spoiler ×${spoilers}`);
  if (part.is_spoiler_media) options.push("media spoiler");
  if (part.text_attachment) {
    const chars = [...part.text_attachment.plaintext].length.toLocaleString("en-US");
    options.push(
      `text attachment ${chars} chars${part.text_attachment.link_attachment_url ? " with a link" : ""}`,
    );
  }
  if (part.gif_attachment) options.push("GIF");
  if (part.is_ghost_post) options.push("ghost");
  if (part.location_id) options.push(`location ${part.location_id}`);
  if (part.enable_reply_approvals) options.push("reply approvals");
  if (part.allowlisted_country_codes?.length) {
    options.push(`only in ${part.allowlisted_country_codes.join(", ")}`);
  }
  if (part.crossreshare_to_ig) options.push("shared to Instagram");
  return options;
}

/** A post given by its parts, as `post` describes it. */
export function describePost(parts: PostPart[]): string {
  return describeParts({ parts });
}

function preview(text: string | undefined): string {
  if (!text) return "";
  const line = text.replace(/\s+/g, " ");
  return [...line].length > 40 ? `${[...line].slice(0, 39).join("")}…` : line;
}
