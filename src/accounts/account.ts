import type { AccountRow, AccountStatus } from "../db/schema.js";
import { AppError } from "../errors.js";

export type { AccountStatus };

const ACCOUNT_STATUSES: readonly AccountStatus[] = ["active", "paused", "reauth_required"];

/** An account as the rest of the app sees it: never the token, not even encrypted. */
export interface Account {
  id: number;
  threadsUserId: string;
  username: string;
  name: string | null;
  pictureUrl: string | null;
  tokenExpiresAt: number;
  /** The 24 h refresh rule counts from here. */
  tokenIssuedAt: number;
  tokenRefreshedAt: number | null;
  status: AccountStatus;
  /** Why the status is what it is, or a note about the token (e.g. its expiry was estimated). */
  statusReason: string | null;
  timezone: string;
  createdAt: number;
  updatedAt: number;
  /** When the account was removed (archived: no token, history kept); null for a live account. */
  archivedAt: number | null;
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    threadsUserId: row.threads_user_id,
    username: row.username,
    name: row.name,
    pictureUrl: row.picture_url,
    tokenExpiresAt: row.token_expires_at,
    tokenIssuedAt: row.token_issued_at,
    tokenRefreshedAt: row.token_refreshed_at,
    status: row.status,
    statusReason: row.status_reason,
    timezone: row.timezone,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

export function isAccountStatus(value: string): value is AccountStatus {
  return (ACCOUNT_STATUSES as readonly string[]).includes(value);
}

/** The error for using a removed account: it says how to bring the account back. */
export function removedAccount(row: Pick<AccountRow, "id" | "username">): AppError {
  return new AppError(
    "not_found",
    `Account ${row.id} (@${row.username}) was removed. Add a token of @${row.username} again to restore it with its groups, schedules and history.`,
    { hint: { action: "add_account" } },
  );
}

/** Who publishes: what the publisher needs of an account besides its token. */
export interface PublishingIdentity {
  id: number;
  threadsUserId: string;
  username: string;
}

/**
 * The account a post run publishes with (`loadForPublishing`), or why it cannot now:
 * - `skipped`: it was removed;
 * - `paused`: the user paused it (a run already under way may still be finished: load it `evenIfPaused`);
 * - `held`: it must be reconnected (token refused, or not readable with this key); its posts wait for that.
 */
export type AccountForPublishing =
  | { account: PublishingIdentity; token: string }
  | { skipped: string }
  | { paused: string }
  | { held: string };
