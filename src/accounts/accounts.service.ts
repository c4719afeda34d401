import type { Db } from "../db/connect.js";
import type { AccountRow, AccountStatus } from "../db/schema.js";
import { AppError, notFound } from "../errors.js";
import type { AccountSchedules } from "../schedules/account-schedules.js";
import {
  type Account,
  type AccountForPublishing,
  isAccountStatus,
  removedAccount,
  toAccount,
} from "./account.js";
import { type AccountConnectorDeps, createAccountConnector } from "./account-connect.js";

export type { AddedAccount } from "./account-connect.js";

import {
  type AccountFilter,
  archiveAccount,
  getAccount,
  listAccounts,
  setAccountStatus,
} from "./accounts.repository.js";
import { decryptToken, TokenDecryptError } from "./token-crypto.js";
import { createTokenRefresher } from "./token-refresh.js";

export interface AccountServiceDeps extends AccountConnectorDeps {
  /** The schedules feature: removing an account stops its schedules in the same transaction. */
  schedules: Pick<AccountSchedules, "stopAll">;
}

export type AccountService = ReturnType<typeof createAccountService>;

/** What removing an account did: schedules it stopped, planned runs it withdrew (skipped, with the reason). */
export interface RemovedAccount {
  account: Account;
  schedulesStopped: number;
  runsSkipped: number;
}

export function createAccountService(deps: AccountServiceDeps) {
  const { db, threads, secretKey, clock, notify, runs, schedules } = deps;

  const { addWithToken, reconnect, connectWithCode } = createAccountConnector(deps);

  /** A live account; a removed (archived) one is "not found", with how to bring it back. */
  async function mustGet(id: number, trx: Db = db): Promise<AccountRow> {
    const row = Number.isInteger(id) ? await getAccount(trx, id) : undefined;
    if (!row) throw notFound("account", id);
    if (row.archived_at !== null) throw removedAccount(row);
    return row;
  }

  async function setStatus(id: number, status: AccountStatus, reason: string | null): Promise<Account> {
    if (!isAccountStatus(status)) {
      throw new AppError(
        "invalid_input",
        `"${status}" is not an account status: use active, paused or reauth_required.`,
      );
    }
    await mustGet(id);
    await setAccountStatus(db, id, status, reason, clock.now());
    return toAccount(await mustGet(id));
  }

  async function pause(id: number): Promise<Account> {
    const row = await mustGet(id);
    if (row.status === "reauth_required") {
      throw new AppError(
        "conflict",
        `Account ${id} (@${row.username}) must be reconnected first (${row.status_reason ?? "its token is no longer valid"}); its posts are already held.`,
      );
    }
    if (row.status === "paused") return toAccount(row);
    return setStatus(id, "paused", "paused by the user");
  }

  async function resume(id: number): Promise<Account> {
    const row = await mustGet(id);
    if (row.status === "reauth_required") {
      throw new AppError(
        "conflict",
        `Account ${id} (@${row.username}) cannot resume until it is reconnected: ${row.status_reason ?? "its token is no longer valid"}. Add a new token or connect it through the browser.`,
      );
    }
    if (row.status === "active") return toAccount(row);
    return setStatus(id, "active", null);
  }

  /**
   * Removes an account by archiving it: its token is wiped, its schedules are paused and their future runs
   * withdrawn, its other planned runs skipped with the reason; its groups, schedules and run history stay
   * (re-adding the Threads user restores it). Refused while a post of it is on its way to Threads.
   */
  async function remove(id: number): Promise<RemovedAccount> {
    const removed = await db.transaction().execute(async (trx) => {
      const row = await mustGet(id, trx);
      const inFlight = await runs.listInFlight(trx, id);
      if (inFlight.length > 0) {
        throw new AppError(
          "conflict",
          `Account ${id} (@${row.username}) has ${inFlight.length === 1 ? "a post" : `${inFlight.length} posts`} on the way to Threads (run ${inFlight.map((o) => `${o.id} ${o.state}`).join(", ")}); ` +
            "its token is needed to finish or check them. Pause the account, wait until its runs show them finished, then remove it.",
          { hint: { action: "pause_account", accountId: id } },
        );
      }
      const now = clock.now();
      const schedulesStopped = await schedules.stopAll(trx, id, now);
      const runsSkipped = await runs.skipPlanned(trx, id, `account @${row.username} was removed`, now);
      await archiveAccount(trx, id, now);
      return { account: toAccount((await getAccount(trx, id))!), schedulesStopped, runsSkipped };
    });
    await notify();
    return removed;
  }

  /** The decrypted access token of a stored row (loadForPublishing's; never handed out by the service). */
  function tokenOf(row: AccountRow): string {
    return decryptToken(row.token_ciphertext, secretKey);
  }

  /**
   * The account and its decrypted token for a post run, or why it cannot post now (see AccountForPublishing).
   * A token this key cannot decrypt marks the account `reauth_required` here: nothing can have been sent
   * without it, so its posts are held like those of a disconnected account, never left "uncertain".
   */
  async function loadForPublishing(
    id: number,
    opts: { evenIfPaused?: boolean } = {},
  ): Promise<AccountForPublishing> {
    const row = await getAccount(db, id);
    if (!row || row.archived_at !== null) return { skipped: "the account was removed" };
    if (row.status === "paused" && !opts.evenIfPaused) {
      return { paused: `account @${row.username} is paused` };
    }
    if (row.status === "reauth_required") {
      return { held: `@${row.username} must be reconnected (${row.status_reason ?? "token invalid"})` };
    }
    let token: string;
    try {
      token = tokenOf(row);
    } catch (error) {
      if (!(error instanceof TokenDecryptError)) throw error;
      await markReauth(row.id, error.message);
      return { held: `@${row.username}: ${error.message}` };
    }
    return { account: { id: row.id, threadsUserId: row.threads_user_id, username: row.username }, token };
  }

  /** For the post job: a token error stops the account's posts until it is reconnected. */
  async function markReauth(id: number, reason: string): Promise<void> {
    await setStatus(id, "reauth_required", reason);
  }

  /**
   * The account of a post published now: live, not paused, connected; else the error to show (nothing is
   * written then).
   */
  async function mustBeAbleToPostNow(id: number): Promise<Account> {
    const row = await mustGet(id);
    if (row.status === "paused") {
      throw new AppError("invalid_input", `@${row.username} is paused: resume it first.`, {
        hint: { action: "resume_account", accountId: row.id },
      });
    }
    if (row.status === "reauth_required") {
      throw new AppError(
        "invalid_input",
        `@${row.username} must be reconnected before it can post (${row.status_reason ?? "its token is no longer valid"}): give it a fresh token.`,
        { hint: { action: "reconnect_account", accountId: row.id } },
      );
    }
    return toAccount(row);
  }

  const refresher = createTokenRefresher({ db, threads, secretKey, clock });

  /** The accounts, each with whether its token can be decrypted with the configured key. */
  async function listWithTokenState(
    filter: AccountFilter = {},
  ): Promise<Array<Account & { tokenReadable: boolean }>> {
    return (await listAccounts(db, filter)).map((row) => {
      let tokenReadable = true;
      try {
        decryptToken(row.token_ciphertext, secretKey);
      } catch (error) {
        if (!(error instanceof TokenDecryptError)) throw error;
        tokenReadable = false;
      }
      return { ...toAccount(row), tokenReadable };
    });
  }

  return {
    addWithToken,
    connectWithCode,
    reconnect,
    get: async (id: number) => toAccount(await mustGet(id)),
    list: async (filter: AccountFilter = {}) => (await listAccounts(db, filter)).map(toAccount),
    listWithTokenState,
    remove,
    setStatus,
    markReauth,
    loadForPublishing,
    mustBeAbleToPostNow,
    pause,
    resume,
    refreshToken: refresher.refreshToken,
    refreshDue: refresher.refreshDue,
  };
}
