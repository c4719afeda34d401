import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import type { AccountRow } from "../db/schema.js";
import { notFound } from "../errors.js";
import { coerceError } from "../log.js";
import type { ThreadsClient } from "../threads/client.js";
import { ThreadsApiError } from "../threads/errors.js";
import { removedAccount } from "./account.js";
import {
  getAccount,
  listTokensExpiringBefore,
  setAccountStatus,
  updateAccountToken,
} from "./accounts.repository.js";
import { decryptToken, encryptToken, TokenDecryptError } from "./token-crypto.js";
import { fromGrant } from "./token-lifetime.js";

/** Threads refreshes a long-lived token only when it is at least this old. */
export const REFRESH_MIN_AGE_MS = 24 * 3_600_000;

export type RefreshOutcome = "refreshed" | "skipped" | "reauth_required" | "retry_later" | "failed";

export interface RefreshResult {
  accountId: number;
  outcome: RefreshOutcome;
  /** Why it was skipped / failed / must be retried, or a note on the new token. */
  message?: string;
  /** The new expiry (ms), when refreshed. */
  expiresAt?: number;
}

export interface TokenRefresherDeps {
  db: Db;
  threads: Pick<ThreadsClient, "refreshToken">;
  secretKey: Buffer;
  clock: Clock;
}

/**
 * Keeps tokens alive. Only a token error (190) marks an account `reauth_required`: a timeout, a 5xx or a
 * rate limit leaves it as it is and says `retry_later`, because a brief network problem must never
 * disconnect a healthy account. Each account gets a result; nothing throws half-way through a batch.
 */
export function createTokenRefresher(deps: TokenRefresherDeps) {
  const { db, threads, secretKey, clock } = deps;

  async function refreshRow(row: AccountRow): Promise<RefreshResult> {
    const accountId = row.id;
    const now = clock.now();
    if (row.status === "reauth_required") {
      return {
        accountId,
        outcome: "skipped",
        message: `the account must be reconnected first (${row.status_reason ?? "its token is no longer valid"})`,
      };
    }
    const age = now - row.token_issued_at;
    if (age < REFRESH_MIN_AGE_MS) {
      return {
        accountId,
        outcome: "skipped",
        message: `the token is ${(age / 3_600_000).toFixed(1)} h old; Threads refreshes tokens only once they are 24 h old`,
      };
    }
    let token: string;
    try {
      token = decryptToken(row.token_ciphertext, secretKey);
    } catch (error) {
      if (!(error instanceof TokenDecryptError)) throw error;
      await setAccountStatus(db, accountId, "reauth_required", error.message, now);
      return { accountId, outcome: "reauth_required", message: error.message };
    }

    try {
      const learned = fromGrant(await threads.refreshToken(token), clock.now(), "refresh");
      await updateAccountToken(db, accountId, {
        ciphertext: encryptToken(learned.accessToken, secretKey),
        expiresAt: learned.expiresAt,
        issuedAt: learned.issuedAt,
        refreshedAt: learned.refreshedAt,
        now: learned.issuedAt,
      });
      // The reason of an active account only ever notes an estimated expiry, which is now known.
      if (row.status === "active")
        await setAccountStatus(db, accountId, "active", learned.note, learned.issuedAt);
      return {
        accountId,
        outcome: "refreshed",
        expiresAt: learned.expiresAt,
        ...(learned.note ? { message: learned.note } : {}),
      };
    } catch (error) {
      if (error instanceof ThreadsApiError) {
        if (error.kind === "auth") {
          const reason = `Threads refused the token: ${error.message}. Reconnect the account.`;
          await setAccountStatus(db, accountId, "reauth_required", reason, clock.now());
          return { accountId, outcome: "reauth_required", message: reason };
        }
        if (error.kind === "permanent") {
          return { accountId, outcome: "failed", message: `Threads refused the refresh: ${error.message}` };
        }
      }
      // Transient, rate limited, network or database trouble: try again later, the account stays as it is.
      return { accountId, outcome: "retry_later", message: coerceError(error).message };
    }
  }

  /** Refreshes one account's token now (if it is old enough) and says what happened. */
  async function refreshToken(accountId: number): Promise<RefreshResult> {
    const row = await getAccount(db, accountId);
    if (!row) throw notFound("account", accountId);
    // A removed account has no token (it was wiped); refreshing would mark it reauth_required.
    if (row.archived_at !== null) throw removedAccount(row);
    return refreshRow(row);
  }

  /**
   * Every account whose token expires within `within` ms; those under 24 h old are reported as skipped.
   * Paused accounts are included: pausing stops posting, and a token left to die at day 60 would force a
   * reconnect later.
   */
  async function refreshDue(opts: { within: number }): Promise<RefreshResult[]> {
    const now = clock.now();
    const rows = await listTokensExpiringBefore(db, now + opts.within, { statuses: ["active", "paused"] });
    const results: RefreshResult[] = [];
    for (const row of rows) {
      try {
        results.push(await refreshRow(row));
      } catch (error) {
        results.push({ accountId: row.id, outcome: "retry_later", message: coerceError(error).message });
      }
    }
    return results;
  }

  return { refreshToken, refreshDue };
}
