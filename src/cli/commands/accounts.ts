import type { Account } from "../../accounts/account.js";
import {
  type AccountNames,
  accountIdSchema,
  addAccountSchema,
  reconnectAccountSchema,
} from "../../accounts/accounts.schema.js";
import type { AddedAccount } from "../../accounts/accounts.service.js";
import { AppError } from "../../errors.js";
import { formatInZone } from "../../scheduler/inspect.js";
import { type Command, flag, parseInput, str, UsageError, valuesOf } from "../command.js";
import type { CliContext } from "../context.js";
import { hintSentence } from "../hints.js";
import { printJson, printTable } from "../output.js";
import { confirm } from "../prompt.js";

/** The account schemas' names for the flags. */
const FLAG_NAMES: AccountNames = {
  id: "the account ID",
  token: "--token",
  tokenForm: "--token TOKEN",
  sandboxUserForm: "--sandbox-user NAME",
};

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
    // Before anything is created (a sandbox user), so a wrong zone leaves nothing behind.
    const input = parseInput(
      addAccountSchema(FLAG_NAMES),
      valuesOf(args, { token: "token", sandboxUser: "sandbox-user", timezone: "timezone" }),
    );
    const { timezone } = input;
    const sandboxUser = "sandboxUser" in input ? input.sandboxUser : undefined;
    // The database (and the key) first: a command refused for them starts no sandbox and creates nothing.
    await ctx.open();
    const threads = await ctx.threads();
    let token: string;
    if ("token" in input) token = input.token;
    else {
      if (threads.mode !== "sandbox") {
        throw new UsageError(
          "--sandbox-user works only with the built-in sandbox; use --token with real Threads",
        );
      }
      token = await createSandboxUser(threads.graphUrl, input.sandboxUser);
    }
    const services = await ctx.services();
    const added = await services.accounts.addWithToken(token, timezone ? { timezone } : {});
    const { account } = added;
    if (added.created) {
      ctx.output.out(
        `Added account ${account.id}: @${account.username} (${account.timezone}), token valid until ${formatInZone(account.tokenExpiresAt, account.timezone)}.`,
      );
    } else {
      // The same Threads user again: its account gets the new token, nothing is created twice.
      ctx.output.out(
        `@${account.username} already exists as account ${account.id}: ${await describeReconnect(ctx, added)}`,
      );
    }
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

export const accountsReconnectCommand: Command = {
  name: "accounts reconnect",
  summary:
    "Give an account a new token of the same Threads user (after 'reconnect needed'); its groups, schedules and held posts stay",
  usage: "ID --token TOKEN",
  secretKey: "use",
  flags: [["--token TOKEN", "a Threads user access token of the account's own Threads user"]],
  options: { token: { type: "string" } },
  positionals: { min: 1, max: 1, names: "ID" },
  async run(ctx, args) {
    const { id, token } = parseInput(reconnectAccountSchema(FLAG_NAMES), {
      id: args.positionals[0],
      token: str(args, "token"),
    });
    const added = await (await ctx.services()).accounts.reconnect(id, token);
    ctx.output.out(`Account ${id} (@${added.account.username}): ${await describeReconnect(ctx, added)}`);
    if (added.account.statusReason) ctx.output.out(`Note: ${added.account.statusReason}`);
    return 0;
  },
};

/** "reconnected; its 4 groups and 2 schedules are kept, …" for an account that got a new token. */
async function describeReconnect(ctx: CliContext, added: AddedAccount): Promise<string> {
  const services = await ctx.services();
  const { account } = added;
  const groups = (await services.groups.list(account.id)).length;
  const schedules = await services.schedules.list({ accountId: account.id });
  const kept = `its ${plural(groups, "group")} and ${plural(schedules.length, "schedule")}`;
  const until = `token valid until ${formatInZone(account.tokenExpiresAt, account.timezone)}`;
  if (added.restored) {
    const paused = schedules.filter((s) => !s.active).map((s) => s.id);
    return (
      `it had been removed and is restored with ${kept}; ${until}.` +
      (paused.length > 0
        ? ` Removing it paused its schedules: resume those it should run with \`threads-scheduler schedules resume ID\` (paused: ${paused.join(", ")}).`
        : "")
    );
  }
  const held = added.resumedPosts > 0 ? `; ${plural(added.resumedPosts, "held post")} resume now` : "";
  const paused =
    account.status === "paused" ? " It stays paused: `threads-scheduler accounts resume` it." : "";
  return `reconnected; ${kept} are kept${held}; ${until}.${paused}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

async function createSandboxUser(graphUrl: string, username: string): Promise<string> {
  const res = await fetch(`${graphUrl}/__sandbox/users`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    // A demo user may geo-gate (`allowlisted_country_codes`), as an account Meta gave the feature to.
    body: JSON.stringify({ username, geo_gating_eligible: true }),
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
  usage: "[--archived | --all] [--json]",
  database: "read",
  flags: [
    ["--archived", "list only removed accounts (kept for their run history)"],
    ["--all", "list live and removed accounts"],
    ["--json", "print a JSON array of objects that carry id"],
  ],
  options: { json: { type: "boolean" }, archived: { type: "boolean" }, all: { type: "boolean" } },
  async run(ctx, args) {
    if (flag(args, "archived") && flag(args, "all"))
      throw new UsageError("give --archived or --all, not both");
    const archived = flag(args, "all") ? "all" : flag(args, "archived") ? "archived" : "live";
    const services = await ctx.services();
    const listed = await services.accounts.listWithTokenState({ archived });
    // A token the key cannot decrypt makes its account unable to post, whatever its status says.
    let unreadable = "token unreadable";
    // An account already marked reauth_required says so itself; its token is expected to be unusable.
    // A removed account's token is wiped on purpose.
    const blocked = (a: { tokenReadable: boolean; status: string; archivedAt: number | null }) =>
      !a.tokenReadable && a.status !== "reauth_required" && a.archivedAt === null;
    if (listed.some(blocked)) {
      const key = await (await ctx.keys()).inspect({ record: false });
      if (key.state === "mismatch") {
        unreadable = "key mismatch";
        ctx.output.err(`Warning: no account can post. ${key.message}${hintSentence(key.hint)}`);
      } else {
        ctx.output.err(
          "Warning: the token of each account marked 'token unreadable' is damaged and cannot be decrypted: give it a new token with `threads-scheduler accounts reconnect ID --token TOKEN`.",
        );
      }
    }
    const quotas = await (await ctx.services()).posts.deleteQuotas(listed.map((a) => a.id));
    const accounts = listed.map(({ tokenReadable, ...a }) => ({
      ...a,
      /** Deletes made in the last 24 h (our own ledger) of Meta's 100 per account. */
      deleteQuota: quotas.get(a.id) ?? { used: 0, total: 100 },
      /**
       * "ok", or why the token cannot be used: "removed" (wiped with its account), "key_mismatch" (SECRET_KEY
       * changed) or "token_unreadable".
       */
      tokenState: a.archivedAt !== null ? "removed" : tokenReadable ? "ok" : unreadable.replace(" ", "_"),
    }));
    if (flag(args, "json")) {
      printJson(ctx.output, accounts);
      return 0;
    }
    if (accounts.length === 0) {
      ctx.output.out(
        archived === "archived"
          ? "No removed accounts."
          : "No accounts yet. Add one with `threads-scheduler accounts add --token TOKEN`.",
      );
      return 0;
    }
    printTable(
      ctx.output,
      ["ID", "ACCOUNT", "STATUS", "ZONE", "TOKEN EXPIRES", "NOTE", "DELETES 24H"],
      accounts.map((a) => [
        a.id,
        `@${a.username}`,
        a.archivedAt !== null
          ? "removed"
          : blocked({ tokenReadable: a.tokenState === "ok", ...a })
            ? unreadable
            : a.status,
        a.timezone,
        a.archivedAt !== null ? "(token wiped)" : formatInZone(a.tokenExpiresAt, a.timezone),
        a.archivedAt !== null
          ? `removed ${formatInZone(a.archivedAt, a.timezone)}; add its token again to restore it`
          : (a.statusReason ?? ""),
        `${a.deleteQuota.used}/${a.deleteQuota.total}`,
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
      const id = parseInput(accountIdSchema(FLAG_NAMES.id), args.positionals[0]);
      ctx.output.out(done(id, await act(ctx, id)));
      return 0;
    },
  };
}

export const accountsRemoveCommand: Command = {
  name: "accounts remove",
  summary:
    "Remove an account: its schedules stop and its token is wiped; its run history is kept (re-adding it restores it)",
  usage: "ID [--yes]",
  flags: [["--yes", "do not ask for confirmation (needed when stdin is not a terminal)"]],
  options: { yes: { type: "boolean" } },
  positionals: { min: 1, max: 1, names: "ID" },
  async run(ctx, args) {
    const id = parseInput(accountIdSchema(FLAG_NAMES.id), args.positionals[0]);
    const services = await ctx.services();
    const account = await services.accounts.get(id);
    const active = (await services.schedules.list({ accountId: id, active: true })).length;
    // Its planned auto-deletes end skipped with it: those posts stay on Threads.
    const deletes = await services.posts.plannedDeletes(id);
    const deletesNote =
      deletes === 0
        ? ""
        : ` Its ${plural(deletes, "planned auto-delete")} will not run: ${deletes === 1 ? "that post stays" : "those posts stay"} on Threads (delete them first with \`threads-scheduler runs delete ID\`).`;
    const go = await confirm(ctx.prompt, ctx.output, {
      yes: flag(args, "yes"),
      what: `Removing account ${id} (@${account.username})`,
      question: `Remove account ${id} (@${account.username})? ${
        active === 0
          ? "It has no active schedule"
          : `Its ${plural(active, "schedule")} ${active === 1 ? "stops" : "stop"}`
      }; its run history is kept.${deletesNote}`,
    });
    if (!go) return 1;
    const removed = await services.accounts.remove(id);
    // The skipped runs count its planned deletes too: they are said apart below.
    const postsSkipped = Math.max(0, removed.runsSkipped - deletes);
    const withdrawn = postsSkipped > 0 ? `, ${plural(postsSkipped, "planned post")} skipped` : "";
    ctx.output.out(
      `Removed account ${id} (@${account.username}): ${removed.schedulesStopped > 0 ? `${plural(removed.schedulesStopped, "schedule")} paused, ` : ""}${withdrawn ? `${withdrawn.slice(2)}, ` : ""}token wiped; its run history is kept. ` +
        `Add a token of @${account.username} again to restore it with its groups and schedules.`,
    );
    if (deletes > 0) {
      ctx.output.err(
        `Note: ${plural(deletes, "planned auto-delete")} of @${account.username} ${deletes === 1 ? "was" : "were"} skipped with it: ${deletes === 1 ? "its post stays" : "their posts stay"} on Threads.`,
      );
    }
    return 0;
  },
};

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
