import { accountIdSchema } from "../../accounts/accounts.schema.js";
import { formatInZone } from "../../scheduler/inspect.js";
import { type Command, flag, parseInput, str } from "../command.js";
import { printJson, printTable } from "../output.js";
import { preview } from "./replies.js";

export const ghostsListCommand: Command = {
  name: "ghosts list",
  summary: "List the account's ghost posts (archived by Threads 24 h after posting), with status and expiry",
  usage: "--account ID [--json]",
  secretKey: "use",
  flags: [
    ["--account ID", "the account"],
    ["--json", "print a JSON array of objects that carry id"],
  ],
  options: { account: { type: "string" }, json: { type: "boolean" } },
  async run(ctx, args) {
    const accountId = parseInput(accountIdSchema("--account"), str(args, "account"));
    const { account, posts, truncated } = await (await ctx.services()).replies.listGhostPosts(accountId);
    const zone = account.timezone;
    const at = (ms: number | null) => (ms === null ? null : formatInZone(ms, zone));
    if (flag(args, "json")) {
      printJson(
        ctx.output,
        posts.map((p) => ({
          ...p,
          publishedAtText: at(p.publishedAt),
          expiresAtText: at(p.expiresAt),
          timezone: zone,
        })),
      );
      return 0;
    }
    if (posts.length === 0) {
      ctx.output.out(`@${account.username} has no ghost posts.`);
      return 0;
    }
    ctx.output.out(`Ghost posts of @${account.username}, newest first (${zone}):`);
    printTable(
      ctx.output,
      ["ID", "STATUS", "POSTED", "EXPIRES", "TEXT"],
      posts.map((p) => [p.id, p.status, at(p.publishedAt), at(p.expiresAt), preview(p.text)]),
    );
    if (truncated) ctx.output.err(`Only the newest ${posts.length} are listed.`);
    return 0;
  },
};
