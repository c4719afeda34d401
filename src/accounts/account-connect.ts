import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import { AppError, notFound } from "../errors.js";
import type { AccountRuns } from "../scheduler/account-runs.js";
import type { ThreadsClient } from "../threads/client.js";
import { ThreadsApiError } from "../threads/errors.js";
import type { Profile } from "../threads/types.js";
import { resolveTimeZone } from "../timezone.js";
import type { Account } from "./account.js";
import { toAccount } from "./account.js";
import {
  getAccount,
  getAccountByThreadsUserId,
  insertAccountIfNew,
  setAccountStatus,
  setAccountTimezone,
  unarchiveAccount,
  updateAccountProfile,
  updateAccountToken,
} from "./accounts.repository.js";
import { keyCheckOf, keyMatchesCheck } from "./key-check.js";
import { insertKeyCheckIfAbsent } from "./key-check.repository.js";
import { SecretKeyMismatchError } from "./key-check.service.js";
import { encryptToken } from "./token-crypto.js";
import { fromGrant, type LearnedToken, learnTokenLifetime } from "./token-lifetime.js";

/** What connecting accounts needs (the account service passes its own deps). */
export interface AccountConnectorDeps {
  db: Db;
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
  /**
   * Called after every change to what is planned, once it is committed: a new token makes the account's held
   * posts due at once (add, connect, reconnect) and removal withdraws its planned runs. The composition root
   * sends a PostgreSQL NOTIFY, so that engines wake for it. Must not reject: the change is made already.
   */
  notify(): Promise<void>;
  /**
   * Called when adding or connecting an account changed its zone, before `notify`: the composition root
   * re-plans the schedules that follow the account's zone (`schedules.followAccountZone`).
   */
  onTimezoneChanged(accountId: number): Promise<unknown>;
  /** The scheduler's runs of an account, read and changed in this service's transactions. */
  runs: AccountRuns;
}

/**
 * An account added or given a new token; `timezoneChanged`: its zone changed, so its plans must follow;
 * `restored`: it had been removed and is back (its schedules stay paused until resumed).
 */
export interface AddedAccount {
  account: Account;
  created: boolean;
  timezoneChanged: boolean;
  restored: boolean;
  /** Held posts (waiting for the reconnect) that are due again now. */
  resumedPosts: number;
}

/**
 * How an account comes in or gets a new token: a pasted token, a reconnect of the same Threads user, or the
 * OAuth code. Each asks Threads who the token belongs to and how long it lives, then stores it encrypted
 * (refusing a key other than the one the stored tokens use), and wakes what waited for it.
 */
export function createAccountConnector(deps: AccountConnectorDeps) {
  const { db, threads, secretKey, clock, notify, runs } = deps;
  const canExchange = deps.canExchangeTokens ?? true;

  /** The canonical IANA name of a zone the user gave (`asia/tokyo` → `Asia/Tokyo`); refuses JST and the like. */
  function checkTimezone(timezone: string | undefined): string | undefined {
    if (timezone === undefined) return undefined;
    const resolved = resolveTimeZone(timezone);
    if ("error" in resolved) throw new AppError("invalid_input", resolved.error, { field: "timezone" });
    return resolved.zone;
  }

  /**
   * Creates the account, or gives a known Threads user its new token (which also clears reauth_required and
   * restores a removed account).
   */
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
          "The token encryption key does not match the one the stored account tokens were encrypted with; nothing was stored.",
          { action: "explain_key" },
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
        if (row)
          return {
            account: toAccount(row),
            created: true,
            timezoneChanged: false,
            restored: false,
            resumedPosts: 0,
          };
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
      const restored = current.archived_at !== null;
      if (restored) await unarchiveAccount(trx, current.id, now);
      // A paused account stays paused (the user's choice); any other becomes active with the new token. A
      // restored one starts active: its schedules were paused when it was removed and stay so until resumed.
      if (current.status !== "paused" || restored)
        await setAccountStatus(trx, current.id, "active", learned.note, now);
      const resumedPosts = await runs.wakeHeld(trx, current.id, now);
      return {
        account: toAccount((await getAccount(trx, current.id))!),
        created: false,
        timezoneChanged: timezone !== undefined && timezone !== current.timezone,
        restored,
        resumedPosts,
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
    return changed(await upsert(profile, learned, timezone));
  }

  /**
   * Gives account `id` a new token of the same Threads user (after "reconnect needed", or to restore a removed
   * account): its groups, schedules and held posts stay, and held posts are due again at once.
   */
  async function reconnect(id: number, token: string): Promise<AddedAccount> {
    const row = Number.isInteger(id) ? await getAccount(db, id) : undefined;
    if (!row) throw notFound("account", id);
    const trimmed = typeof token === "string" ? token.trim() : "";
    if (trimmed === "") {
      throw new AppError("invalid_input", "The access token is empty: paste the token Threads gave you.");
    }
    const profile = await callThreads("read the profile", () => threads.getProfile(trimmed), {
      auth: (e) =>
        `This token is not valid: Threads says "${e.message}". Copy a fresh access token of @${row.username} and try again.`,
    });
    if (profile.id !== row.threads_user_id) {
      throw new AppError(
        "invalid_input",
        `This token belongs to @${profile.username} (Threads user ${profile.id}), not to account ${row.id} @${row.username} (Threads user ${row.threads_user_id}). ` +
          `Log in to Threads as @${row.username} and copy a token of that account, or add @${profile.username} as an account of its own.`,
        { hint: { action: "add_account" } },
      );
    }
    const learned = await callThreads("look up the token", () =>
      learnTokenLifetime(threads, trimmed, clock.now(), { canExchange }),
    );
    return changed(await upsert(profile, learned, undefined));
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
    return changed(await upsert(profile, fromGrant(long, clock.now(), "grant"), timezone));
  }

  /** After a new token: schedules follow a new zone, then every engine wakes (held posts are due again). */
  async function changed(added: AddedAccount): Promise<AddedAccount> {
    if (added.timezoneChanged) await deps.onTimezoneChanged(added.account.id);
    await notify();
    return added;
  }

  return { addWithToken, reconnect, connectWithCode };
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
