import { REFRESH_WITHIN_MS } from "../../scheduler/jobs/token-refresh-job.js";
import { type Command, flag, parseId, str } from "../command.js";
import { printJson, printTable } from "../output.js";

export const tokensRefreshCommand: Command = {
  name: "tokens refresh",
  summary: "Run the token refresh job now: every token expiring within 7 days and at least 24 h old",
  usage: "[--account ID] [--json]",
  flags: [
    ["--account ID", "refresh this account's token now, whatever its expiry (it must be at least 24 h old)"],
    ["--json", "print a JSON array of results that carry id (the account id)"],
  ],
  options: { account: { type: "string" }, json: { type: "boolean" } },
  async run(ctx, args) {
    const { accounts } = await ctx.services();
    const account = str(args, "account");
    const results =
      account !== undefined
        ? [await accounts.refreshToken(parseId(account, "--account"))]
        : await accounts.refreshDue({ within: REFRESH_WITHIN_MS });
    if (flag(args, "json")) {
      printJson(
        ctx.output,
        results.map((r) => ({ id: r.accountId, ...r })),
      );
    } else if (results.length === 0) {
      ctx.output.out("No token expires within 7 days: nothing to refresh.");
    } else {
      printTable(
        ctx.output,
        ["ACCOUNT", "OUTCOME", "EXPIRES", "MESSAGE"],
        results.map((r) => [
          r.accountId,
          r.outcome,
          r.expiresAt ? new Date(r.expiresAt).toISOString() : "",
          r.message ?? "",
        ]),
      );
    }
    const bad = results.filter((r) => r.outcome === "failed" || r.outcome === "reauth_required").length;
    return bad > 0 ? 1 : 0;
  },
};
