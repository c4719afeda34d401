import { AppError } from "../../errors.js";
import { silentLogger } from "../../log.js";
import { postNow } from "../../scheduler/jobs/post-now.js";
import { type Command, flag, parseId, str, UsageError } from "../command.js";
import { printJson } from "../output.js";
import { PART_FLAGS, PART_OPTIONS, partsFromArgs } from "./groups.js";

export const postCommand: Command = {
  name: "post",
  summary:
    "Publish now (a post group, or a post given with --text/--image/…) and print each part's permalink",
  usage: "--account ID (--group ID | --text T [--text T ...] [--image URL] …)",
  secretKey: "use",
  flags: [
    ["--account ID", "the account that posts"],
    ["--group ID", "publish this post group of the account"],
    ...PART_FLAGS,
    ["--json", "print the result as JSON"],
  ],
  options: {
    account: { type: "string" },
    group: { type: "string" },
    json: { type: "boolean" },
    ...PART_OPTIONS,
  },
  async run(ctx, args) {
    const accountId = parseId(str(args, "account"), "--account");
    const group = str(args, "group");
    const parts = partsFromArgs(args);
    if ((group === undefined) === (parts.length === 0)) {
      throw new UsageError("give either --group ID or the post itself (--text, --image, --video …)");
    }
    const services = await ctx.services();
    const threads = await ctx.threads();
    const result = await postNow(
      {
        db: await ctx.db(),
        threads: threads.client,
        clock: ctx.clock,
        logger: silentLogger,
        tokenOf: services.accounts.tokenOf,
        markReauth: services.accounts.markReauth,
      },
      group !== undefined ? { accountId, groupId: parseId(group, "--group") } : { accountId, parts },
    );
    if (flag(args, "json")) {
      printJson(ctx.output, [{ id: result.occurrenceId, ...result }]);
      return result.state === "published" ? 0 : 1;
    }
    switch (result.state) {
      case "published":
        for (const p of result.parts) {
          ctx.output.out(
            `Part ${p.position + 1}: ${p.permalink ?? `published (media ${p.media_id}; no permalink yet)`}`,
          );
        }
        ctx.output.out(`Published (run ${result.occurrenceId}).`);
        return 0;
      case "failed":
        throw new AppError(
          "threads_error",
          `Nothing was published: ${stripPrefix(result.reason)}. (Recorded as run ${result.occurrenceId}; see \`threads-scheduler runs\`.)`,
        );
      default: {
        const done = result.parts.filter((p) => p.state === "published");
        for (const p of done) ctx.output.out(`Part ${p.position + 1}: ${p.permalink ?? "published"}`);
        ctx.output.err(
          result.state === "needs_check"
            ? `The outcome is uncertain (${result.reason}). The scheduler will ask Threads whether it was published before anything is sent again; follow run ${result.occurrenceId} with \`threads-scheduler runs\`.`
            : `Only ${done.length} of the parts were published (${result.reason}). The scheduler resumes the chain from the first unpublished part; follow run ${result.occurrenceId} with \`threads-scheduler runs\`.`,
        );
        return 1;
      }
    }
  },
};

function stripPrefix(reason: string | null): string {
  return (reason ?? "unknown error").replace(/^nothing was published: /, "");
}
