import type { Clock } from "../clock.js";
import type { Database } from "../db/connect.js";
import type { Account as AccountRow, AccountStatus } from "../db/schema.js";
import { AppError, notFound } from "../errors.js";
import type { ThreadsClient } from "../threads/client.js";
import { ThreadsApiError } from "../threads/errors.js";
import type { Profile } from "../threads/types.js";
import { resolveTimeZone } from "../timezone.js";
import { type Account, isAccountStatus, toAccount } from "./account.js";
import {
  getAccount,
  getAccountByThreadsUserId,
  insertAccountIfNew,
  listAccounts,
  removeAccount,
  setAccountStatus,
  setAccountTimezone,
  updateAccountProfile,
  updateAccountToken,
} from "./accounts.repository.js";
import { keyCheckOf, keyMatchesCheck } from "./key-check.js";
import { insertKeyCheckIfAbsent } from "./key-check.repository.js";
import { SecretKeyMismatchError } from "./key-check.service.js";
import { decryptToken, encryptToken, TokenDecryptError } from "./token-crypto.js";
import { fromGrant, type LearnedToken, learnTokenLifetime } from "./token-lifetime.js";
import { createTokenRefresher } from "./token-refresh.js";

export interface AccountServiceDeps {
  db: Database;
  threads: ThreadsClient;
  /** config.secretKey: 32 bytes for AES-256-GCM. */
  secretKey: Buffer;
  clock: Clock;
  /** Zone of new accounts that do not name one. */
  defaultTimezone: string;
  /**
   * Whether short-lived tokens can be exchanged for long-lived ones (the Threads app secret is configured;
   * always true for the sandbox). Default true.
   */
  canExchangeTokens?: boolean;
}

export type AccountService = ReturnType<typeof createAccountService>;

/** An account added or given a new token; `timezoneChanged`: its zone changed, so its plans must follow. */
export interface AddedAccount {
  account: Account;
  created: boolean;
  timezoneChanged: boolean;
}

export function createAccountService(deps: AccountServiceDeps) {
  const { db, threads, secretKey, clock } = deps;
  const canExchange = deps.canExchangeTokens ?? true;

  /** The canonical IANA name of a zone the user gave (`asia/tokyo` → `Asia/Tokyo`); refuses JST and the like. */
  function checkTimezone(timezone: string | undefined): string | undefined {
    if (timezone === undefined) return undefined;
    const resolved = resolveTimeZone(timezone);
    if ("error" in resolved) throw new AppError("invalid_input", resolved.error, { field: "timezone" });
    return resolved.zone;
  }

  async function mustGet(id: number): Promise<AccountRow> {
    const row = Number.isInteger(id) ? await getAccount(db, id) : undefined;
    if (!row) throw notFound("account", id);
    return row;
  }

  /** Creates the account, or gives a known Threads user its new token (which also clears reauth_required). */
  async function upsert(
    profile: Profile,
    learned: LearnedToken,
    timezone: string | undefined,
  ): Promise<AddedAccount> {
    const now = clock.now();
    const ciphertext = encryptToken(learned.accessToken, secretKey);
    const fields = {
      username: profile.username,
      name: profile.name ?? null,
      pictureUrl: profile.threads_profile_picture_url ?? null,
    };
    return db.transaction().execute(async (trx) => {
      // The first token stored records which key encrypts them all; a token under another key is refused.
      if (!keyMatchesCheck(await insertKeyCheckIfAbsent(trx, keyCheckOf(secretKey), now), secretKey)) {
        throw new SecretKeyMismatchError(
          "The token encryption key does not match the one the stored account tokens were encrypted with; nothing was stored. Run `threads-scheduler accounts list` to see how to fix it.",
        );
      }
      if (!(await getAccountByThreadsUserId(trx, profile.id))) {
        const row = await insertAccountIfNew(trx, {
          threads_user_id: profile.id,
          username: fields.username,
          name: fields.name,
          picture_url: fields.pictureUrl,
          token_ciphertext: ciphertext,
          token_expires_at: learned.expiresAt,
          token_issued_at: learned.issuedAt,
          token_refreshed_at: learned.refreshedAt,
          status: "active",
          status_reason: learned.note,
          timezone: timezone ?? deps.defaultTimezone,
          created_at: now,
          updated_at: now,
        });
        if (row) return { account: toAccount(row), created: true, timezoneChanged: false };
        // Another request added this user a moment ago: update it instead.
      }
      const current = (await getAccountByThreadsUserId(trx, profile.id))!;
      await updateAccountToken(trx, current.id, {
        ciphertext,
        expiresAt: learned.expiresAt,
        issuedAt: learned.issuedAt,
        refreshedAt: learned.refreshedAt,
        now,
      });
      await updateAccountProfile(trx, current.id, { ...fields, now });
      if (timezone !== undefined) await setAccountTimezone(trx, current.id, timezone, now);
      // A paused account stays paused (the user's choice); any other becomes active with the new token.
      if (current.status !== "paused") await setAccountStatus(trx, current.id, "active", learned.note, now);
      return {
        account: toAccount((await getAccount(trx, current.id))!),
        created: false,
        timezoneChanged: timezone !== undefined && timezone !== current.timezone,
      };
    });
  }

  /** Adds an account from an access token pasted by the user (or re-tokens a known one). */
  async function addWithToken(token: string, opts: { timezone?: string } = {}): Promise<AddedAccount> {
    const trimmed = typeof token === "string" ? token.trim() : "";
    if (trimmed === "") {
      throw new AppError("invalid_input", "The access token is empty: paste the token Threads gave you.");
    }
    const timezone = checkTimezone(opts.timezone);
    const profile = await callThreads("read the profile", () => threads.getProfile(trimmed), {
      auth: (e) =>
        `This token is not valid: Threads says "${e.message}". Copy a fresh access token (or connect the account through the browser) and try again.`,
    });
    const learned = await callThreads("look up the token", () =>
      learnTokenLifetime(threads, trimmed, clock.now(), { canExchange }),
    );
    return upsert(profile, learned, timezone);
  }

  /** The OAuth callback: code → short-lived token → long-lived token → profile → account. */
  async function connectWithCode(code: string, opts: { timezone?: string } = {}): Promise<AddedAccount> {
    const timezone = checkTimezone(opts.timezone);
    const refused = (e: ThreadsApiError) =>
      `Threads did not accept the authorization code: "${e.message}". A code works once and for one hour: start connecting the account again.`;
    const short = await callThreads("exchange the authorization code", () => threads.exchangeCode(code), {
      auth: refused,
      permanent: refused,
    });
    const long = await callThreads("exchange the token for a long-lived one", () =>
      threads.exchangeForLongLived(short.accessToken),
    );
    const profile = await callThreads("read the profile", () => threads.getProfile(long.accessToken));
    return upsert(profile, fromGrant(long, clock.now(), "grant"), timezone);
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

  async function remove(id: number): Promise<void> {
    if (!(await removeAccount(db, id))) throw notFound("account", id);
  }

  /** The decrypted access token of a stored row (for the publisher, which already holds the row). */
  function tokenOf(row: AccountRow): string {
    return decryptToken(row.token_ciphertext, secretKey);
  }

  const refresher = createTokenRefresher({ db, threads, secretKey, clock });

  /** The accounts, each with whether its token can be decrypted with the configured key. */
  async function listWithTokenState(
    filter: { status?: AccountStatus } = {},
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
    get: async (id: number) => toAccount(await mustGet(id)),
    list: async (filter: { status?: AccountStatus } = {}) => (await listAccounts(db, filter)).map(toAccount),
    listWithTokenState,
    getToken: async (id: number) => tokenOf(await mustGet(id)),
    tokenOf,
    remove,
    setStatus,
    /** For the post job: a token error stops the account's posts until it is reconnected. */
    markReauth: async (id: number, reason: string) => {
      await setStatus(id, "reauth_required", reason);
    },
    pause,
    resume,
    refreshToken: refresher.refreshToken,
    refreshDue: refresher.refreshDue,
  };
}

/**
 * Runs a Threads call and turns its failure into an AppError a user can act on: `auth` / `permanent`
 * override the message for those kinds; everything else says Threads could not do it and to try again.
 */
async function callThreads<T>(
  what: string,
  call: () => Promise<T>,
  messages: { auth?: (e: ThreadsApiError) => string; permanent?: (e: ThreadsApiError) => string } = {},
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof ThreadsApiError) {
      const custom =
        error.kind === "auth" ? messages.auth : error.kind === "permanent" ? messages.permanent : undefined;
      if (custom) throw new AppError("invalid_input", custom(error), { cause: error });
      const retry =
        error.kind === "transient" || error.kind === "rate_limited" ? " Try again in a minute." : "";
      throw new AppError("threads_error", `Threads could not ${what}: ${error.message}.${retry}`, {
        cause: error,
      });
    }
    throw new AppError(
      "threads_error",
      `Could not ${what}: ${error instanceof Error ? error.message : String(error)}. Check the network and try again.`,
      {
        cause: error,
      },
    );
  }
}
