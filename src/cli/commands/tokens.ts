import { accountIdSchema } from "../../accounts/accounts.schema.js";
import { describeKeyOrigin } from "../../accounts/key-check.service.js";
import { saveGeneratedKey } from "../../config.js";
import { AppError } from "../../errors.js";
import { REFRESH_WITHIN_MS } from "../../scheduler/jobs/token-refresh-job.js";
import { type Command, flag, parseInput, str, UsageError } from "../command.js";
import { printJson, printTable } from "../output.js";

export const tokensRefreshCommand: Command = {
  name: "tokens refresh",
  summary: "Run the token refresh job now: every token expiring within 7 days and at least 24 h old",
  usage: "[--account ID] [--json]",
  secretKey: "use",
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
        ? [await accounts.refreshToken(parseInput(accountIdSchema("--account"), account))]
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

export const tokensResetKeyCommand: Command = {
  name: "tokens reset-key",
  summary:
    "After the old SECRET_KEY is lost for good: adopt the current key; accounts whose token it cannot read must be given a new one",
  usage: "--yes",
  flags: [["--yes", "confirm: tokens stored with the old key can no longer be used"]],
  options: { yes: { type: "boolean" } },
  async run(ctx, args) {
    const keys = await ctx.keys();
    let config = ctx.config();
    const origin = { source: config.secretKeySource, file: config.secretKeyFile };
    const state = await keys.inspect({ record: true });
    if (state.state !== "mismatch") {
      ctx.output.out(
        `Nothing to reset: the key in use (${describeKeyOrigin(origin)}) is the one the tokens were stored with.`,
      );
      return 0;
    }
    if (!flag(args, "yes")) {
      throw new UsageError(
        "this gives up the tokens stored with the previous key; if you still have that key, restore it instead. Add --yes to go ahead",
      );
    }
    // A running scheduler holds the key the tokens were stored with (it checked it at its start): this shell's
    // key is the one that differs, and adopting it would hold every account until the service is restarted.
    if (await keys.schedulerRunning()) {
      throw new AppError(
        "conflict",
        `A scheduler is running on ${ctx.databaseName()} with the key the tokens were stored with: this shell uses another one (${describeKeyOrigin(origin)}). Give this shell the service's SECRET_KEY or DATA_DIR instead; stop the service first if you really mean to give up its key.`,
      );
    }
    // A new key is saved first: if that fails, nothing in the database has changed.
    config = saveGeneratedKey(config);
    const marked = await keys.adopt(config.secretKey);
    ctx.output.out(
      `The key in use is now ${describeKeyOrigin({ source: config.secretKeySource, file: config.secretKeyFile })}.`,
    );
    if (config.secretKeySource === "generated") {
      ctx.output.out(
        `It was generated and written to ${config.secretKeyFile}: back it up with the database.`,
      );
    }
    if (marked.length === 0) {
      ctx.output.out("Every stored token can be read with it.");
      return 0;
    }
    ctx.output.out(`${marked.length} account(s) must be given a new token; their posts are held until then:`);
    for (const a of marked) ctx.output.out(`  ${a.id}  @${a.username}`);
    ctx.output.out(
      "Give each a new token with `threads-scheduler accounts reconnect ID --token TOKEN` (`accounts list` shows their ids).",
    );
    return 0;
  },
};
