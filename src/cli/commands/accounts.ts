import type { Account } from "../../accounts/account.js";
import { inspectSecretKey } from "../../accounts/key-check.service.js";
import { AppError } from "../../errors.js";
import { formatInZone } from "../../scheduler/inspect.js";
import { resolveTimeZone } from "../../timezone.js";
import { type Command, flag, parseId, str, UsageError } from "../command.js";
import type { CliContext } from "../context.js";
import { printJson, printTable } from "../output.js";

export const accountsAddCommand: Command = {
  name: "accounts add",
  summary: "Add a Threads account from an access token (checked with /me; stored encrypted)",
  usage: "(--token TOKEN | --sandbox-user NAME) [--timezone TZ]",
  secretKey: "store",
  flags: [
    ["--token TOKEN", "a Threads user access token (short- or long-lived)"],
    [
      "--sandbox-user NAME",
      "sandbox mode only: create a sandbox user NAME and add it (for demos and trials)",
    ],
    ["--timezone TZ", "the account's IANA zone for its schedules (default: DEFAULT_TIMEZONE)"],
  ],
  options: { token: { type: "string" }, "sandbox-user": { type: "string" }, timezone: { type: "string" } },
  async run(ctx, args) {
    const timezone = str(args, "timezone");
    const sandboxUser = str(args, "sandbox-user");
    let token = str(args, "token");
    if ((token === undefined) === (sandboxUser === undefined)) {
      throw new UsageError("give either --token TOKEN or --sandbox-user NAME");
    }
    // Before anything is created (a sandbox user), so a wrong zone leaves nothing behind.
    const zone = timezone === undefined ? undefined : resolveTimeZone(timezone);
    if (zone && "error" in zone) throw new UsageError(zone.error);
    // The database (and the key) first: a command refused for them starts no sandbox and creates nothing.
    await ctx.db();
    const threads = await ctx.threads();
    if (sandboxUser !== undefined) {
      if (threads.mode !== "sandbox") {
        throw new UsageError(
          "--sandbox-user works only with the built-in sandbox; use --token with real Threads",
        );
      }
      token = await createSandboxUser(threads.graphUrl, sandboxUser);
    }
    const services = await ctx.services();
    const { account, created } = await services.accounts.addWithToken(token!, timezone ? { timezone } : {});
    ctx.output.out(
      `${created ? "Added" : "Updated"} account ${account.id}: @${account.username} (${account.timezone}), token valid until ${formatInZone(account.tokenExpiresAt, account.timezone)}.`,
    );
    if (account.statusReason) ctx.output.out(`Note: ${account.statusReason}`);
    if (sandboxUser !== undefined) {
      ctx.output.out(
        threads.sampleMediaUrls
          ? `Sample media on this sandbox: ${threads.sampleMediaUrls.join("  ")}`
          : "The service is not running: the sandbox was opened for this command only. `threads-scheduler start` serves it and prints its sample media URLs.",
      );
    }
    return 0;
  },
};

async function createSandboxUser(graphUrl: string, username: string): Promise<string> {
  const res = await fetch(`${graphUrl}/__sandbox/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username }),
  });
  const body = (await res.json()) as { access_token?: string; error?: { message?: string } };
  if (!res.ok || !body.access_token) {
    throw new AppError(
      "threads_error",
      `The sandbox did not create the user: ${body.error?.message ?? res.status}`,
    );
  }
  return body.access_token;
}

export const accountsListCommand: Command = {
  name: "accounts list",
  summary: "List accounts with their status and token expiry",
  usage: "[--json]",
  database: "read",
  flags: [["--json", "print a JSON array of objects that carry id"]],
  options: { json: { type: "boolean" } },
  async run(ctx, args) {
    const services = await ctx.services();
    const listed = await services.accounts.listWithTokenState();
    // A token the key cannot decrypt makes its account unable to post, whatever its status says.
    let unreadable = "token unreadable";
    // An account already marked reauth_required says so itself; its token is expected to be unusable.
    const blocked = (a: { tokenReadable: boolean; status: string }) =>
      !a.tokenReadable && a.status !== "reauth_required";
    if (listed.some(blocked)) {
      const config = ctx.config();
      const key = await inspectSecretKey(await ctx.db(), config.secretKey, {
        origin: { source: config.secretKeySource, file: config.secretKeyFile },
        target: ctx.databaseTarget().name,
        now: ctx.clock.now(),
        record: false,
      });
      if (key.state === "mismatch") {
        unreadable = "key mismatch";
        ctx.output.err(`Warning: no account can post. ${key.message}`);
      } else {
        ctx.output.err(
          "Warning: the token of each account marked 'token unreadable' is damaged and cannot be decrypted: give it a new token with `threads-scheduler accounts add --token TOKEN`.",
        );
      }
    }
    const accounts = listed.map(({ tokenReadable, ...a }) => ({
      ...a,
      /** "ok", or why the token cannot be used: "key_mismatch" (SECRET_KEY changed) or "token_unreadable". */
      tokenState: tokenReadable ? "ok" : unreadable.replace(" ", "_"),
    }));
    if (flag(args, "json")) {
      printJson(ctx.output, accounts);
      return 0;
    }
    if (accounts.length === 0) {
      ctx.output.out("No accounts yet. Add one with `threads-scheduler accounts add --token TOKEN`.");
      return 0;
    }
    printTable(
      ctx.output,
      ["ID", "ACCOUNT", "STATUS", "ZONE", "TOKEN EXPIRES", "NOTE"],
      accounts.map((a) => [
        a.id,
        `@${a.username}`,
        blocked({ tokenReadable: a.tokenState === "ok", status: a.status }) ? unreadable : a.status,
        a.timezone,
        formatInZone(a.tokenExpiresAt, a.timezone),
        a.statusReason ?? "",
      ]),
    );
    return 0;
  },
};

function accountAction(
  name: string,
  summary: string,
  act: (ctx: CliContext, id: number) => Promise<Account | undefined>,
  done: (id: number, account: Account | undefined) => string,
): Command {
  return {
    name,
    summary,
    usage: "ID",
    positionals: { min: 1, max: 1, names: "ID" },
    async run(ctx, args) {
      const id = parseId(args.positionals[0], "the account ID");
      ctx.output.out(done(id, await act(ctx, id)));
      return 0;
    },
  };
}

export const accountsRemoveCommand = accountAction(
  "accounts remove",
  "Remove an account with its groups, schedules and run history (posts on Threads stay)",
  async (ctx, id) => {
    await (await ctx.services()).accounts.remove(id);
    return undefined;
  },
  (id) => `Removed account ${id}.`,
);

export const accountsPauseCommand = accountAction(
  "accounts pause",
  "Stop posting for an account (its due posts are skipped with a reason) until it is resumed",
  async (ctx, id) => (await ctx.services()).accounts.pause(id),
  (id, a) => `Paused account ${id} (@${a?.username}).`,
);

export const accountsResumeCommand = accountAction(
  "accounts resume",
  "Resume posting for a paused account",
  async (ctx, id) => (await ctx.services()).accounts.resume(id),
  (id, a) => `Resumed account ${id} (@${a?.username}).`,
);
