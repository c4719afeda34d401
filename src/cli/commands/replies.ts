import { accountIdSchema } from "../../accounts/accounts.schema.js";
import type { ReplyStatus } from "../../replies/replies.service.js";
import { formatInZone } from "../../scheduler/inspect.js";
import { mediaTypeInWords } from "../../threads/media-types.js";
import type { ThreadsReply } from "../../threads/types.js";
import { type Command, flag, parseInput, str, UsageError } from "../command.js";
import { printJson, printTable } from "../output.js";

const ACCOUNT_FLAG: [string, string] = ["--account ID", "the account whose post it is"];

export const repliesListCommand: Command = {
  name: "replies list",
  summary: "List the replies under a published post (by its run id or media id), or those awaiting approval",
  usage: "RUN_ID|MEDIA_ID --account ID [--pending | --ignored] [--json]",
  secretKey: "use",
  positionals: { min: 1, max: 1, names: "RUN_ID|MEDIA_ID" },
  flags: [
    ACCOUNT_FLAG,
    ["--pending", "replies awaiting your approval (posts published with reply approvals)"],
    ["--ignored", "replies you ignored (they can still be approved)"],
    ["--json", "print a JSON array of objects that carry id"],
  ],
  options: {
    account: { type: "string" },
    pending: { type: "boolean" },
    ignored: { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(ctx, args) {
    const accountId = parseInput(accountIdSchema("--account"), str(args, "account"));
    if (flag(args, "pending") && flag(args, "ignored")) {
      throw new UsageError("give --pending or --ignored, not both");
    }
    const status: ReplyStatus = flag(args, "pending")
      ? "pending"
      : flag(args, "ignored")
        ? "ignored"
        : "visible";
    const listing = await (await ctx.services()).replies.listReplies({
      accountId,
      target: args.positionals[0]!,
      status,
    });
    const zone = listing.account.timezone;
    if (flag(args, "json")) {
      printJson(
        ctx.output,
        listing.replies.map((r) => ({
          id: r.id,
          postId: listing.mediaId,
          runId: listing.runId,
          username: r.username ?? null,
          text: r.text ?? null,
          timestamp: r.timestamp ?? null,
          at: atOf(r, zone),
          mediaType: r.mediaType ?? null,
          kind: mediaTypeInWords(r.mediaType) ?? null,
          hideStatus: r.hideStatus ?? null,
          approvalStatus: r.approvalStatus ?? null,
          hasReplies: r.hasReplies ?? null,
          permalink: r.permalink ?? null,
        })),
      );
      return 0;
    }
    const what = { visible: "replies", pending: "replies awaiting approval", ignored: "ignored replies" }[
      status
    ];
    const post =
      listing.runId === null ? `post ${listing.mediaId}` : `run ${listing.runId} (post ${listing.mediaId})`;
    const pendingNote =
      listing.pending !== null && listing.pending.count > 0
        ? `${listing.pending.count}${listing.pending.more ? "+" : ""} awaiting approval: add --pending (\`threads-scheduler replies list ${args.positionals[0]!.trim()} --account ${accountId} --pending\`).`
        : null;
    if (listing.replies.length === 0) {
      ctx.output.out(`No ${what} under ${post}.`);
      if (pendingNote) ctx.output.err(pendingNote);
      return 0;
    }
    ctx.output.out(
      `${capitalise(what)} under ${post} of @${listing.account.username}, newest first (${zone}):`,
    );
    printTable(
      ctx.output,
      ["ID", "FROM", "AT", status === "visible" ? "SHOWN" : "STATUS", "TYPE", "TEXT"],
      listing.replies.map((r) => [
        r.id,
        r.username ? `@${r.username}` : "",
        atOf(r, zone),
        status === "visible" ? hideWords(r.hideStatus) : (r.approvalStatus ?? status),
        mediaTypeInWords(r.mediaType),
        preview(r.text),
      ]),
    );
    if (listing.truncated) ctx.output.err(`Only the newest ${listing.replies.length} are listed.`);
    const next =
      status === "visible"
        ? `Hide one with \`threads-scheduler replies hide REPLY_ID --account ${accountId}\`.`
        : `Approve one with \`threads-scheduler replies approve REPLY_ID --account ${accountId}\`${status === "pending" ? `, or ignore it with \`replies ignore\`` : ""}.`;
    ctx.output.err(next);
    if (pendingNote) ctx.output.err(pendingNote);
    return 0;
  },
};

function manageCommand(
  name: "approve" | "ignore" | "hide" | "unhide",
  summary: string,
  done: string,
): Command {
  return {
    name: `replies ${name}`,
    summary,
    usage: "REPLY_ID --account ID [--json]",
    secretKey: "use",
    positionals: { min: 1, max: 1, names: "REPLY_ID" },
    flags: [ACCOUNT_FLAG, ["--json", "print the result as JSON"]],
    options: { account: { type: "string" }, json: { type: "boolean" } },
    async run(ctx, args) {
      const accountId = parseInput(accountIdSchema("--account"), str(args, "account"));
      const replyId = args.positionals[0]!;
      const replies = (await ctx.services()).replies;
      if (name === "approve" || name === "ignore")
        await replies.approveReply(accountId, replyId, name === "approve");
      else await replies.hideReply(accountId, replyId, name === "hide");
      if (flag(args, "json")) printJson(ctx.output, [{ id: replyId, action: name, success: true }]);
      else ctx.output.out(`Reply ${replyId} ${done}.`);
      return 0;
    },
  };
}

export const repliesApproveCommand = manageCommand(
  "approve",
  "Approve a reply awaiting approval (or one you ignored): it becomes visible under the post",
  "approved: it is visible under the post now",
);
export const repliesIgnoreCommand = manageCommand(
  "ignore",
  "Ignore a reply awaiting approval: it stays out of sight (it can still be approved later)",
  "ignored: it stays out of sight (approve it later with `replies approve`)",
);
export const repliesHideCommand = manageCommand(
  "hide",
  "Hide a top-level reply to one of the account's posts (its nested replies are hidden with it)",
  "hidden, with its nested replies",
);
export const repliesUnhideCommand = manageCommand(
  "unhide",
  "Show a hidden top-level reply again (its nested replies too)",
  "shown again, with its nested replies",
);

function atOf(r: ThreadsReply, zone: string): string | null {
  if (!r.timestamp) return null;
  const ms = Date.parse(r.timestamp.replace(/([+-]\d{2})(\d{2})$/u, "$1:$2"));
  return Number.isNaN(ms) ? r.timestamp : formatInZone(ms, zone);
}

/** Meta's hide_status in words (values from Meta's older reply docs; UNVERIFIED today). */
function hideWords(status: string | undefined): string {
  switch (status) {
    case undefined:
      return "";
    case "NOT_HUSHED":
      return "yes";
    case "UNHUSHED":
      return "yes (unhidden)";
    case "HIDDEN":
      return "hidden";
    default:
      return status.toLowerCase();
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function preview(text: string | undefined | null): string {
  if (!text) return "";
  const line = text.replace(/\s+/g, " ");
  return [...line].length > 40 ? `${[...line].slice(0, 39).join("")}…` : line;
}
