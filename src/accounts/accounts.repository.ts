import type { Db } from "../db/connect.js";
import type { AccountRow, AccountStatus, NewAccountRow } from "../db/schema.js";

/** A database or a transaction (a Kysely `Transaction` is a `Kysely`). */

export async function insertAccount(db: Db, values: NewAccountRow): Promise<AccountRow> {
  return db.insertInto("accounts").values(values).returningAll().executeTakeFirstOrThrow();
}

/** Inserts unless the Threads user is already known; `undefined` then (a concurrent add won the race). */
export async function insertAccountIfNew(db: Db, values: NewAccountRow): Promise<AccountRow | undefined> {
  return db
    .insertInto("accounts")
    .values(values)
    .onConflict((oc) => oc.column("threads_user_id").doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function getAccount(db: Db, id: number): Promise<AccountRow | undefined> {
  return db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function getAccountByThreadsUserId(
  db: Db,
  threadsUserId: string,
): Promise<AccountRow | undefined> {
  return db
    .selectFrom("accounts")
    .selectAll()
    .where("threads_user_id", "=", threadsUserId)
    .executeTakeFirst();
}

export interface AccountFilter {
  status?: AccountStatus;
  /** Default "live": archived (removed) accounts are left out; "archived": only them; "all": both. */
  archived?: "live" | "archived" | "all";
}

export async function listAccounts(db: Db, filter: AccountFilter = {}): Promise<AccountRow[]> {
  let q = db.selectFrom("accounts").selectAll();
  if (filter.status !== undefined) q = q.where("status", "=", filter.status);
  const archived = filter.archived ?? "live";
  if (archived === "live") q = q.where("archived_at", "is", null);
  else if (archived === "archived") q = q.where("archived_at", "is not", null);
  return q.orderBy("id").execute();
}

export interface TokenUpdate {
  ciphertext: string;
  expiresAt: number;
  issuedAt: number;
  /** Set when the token came from a refresh; a new token from a reconnect leaves it as is unless given. */
  refreshedAt?: number | null;
  now: number;
}

export async function updateAccountToken(db: Db, id: number, token: TokenUpdate): Promise<boolean> {
  const result = await db
    .updateTable("accounts")
    .set({
      token_ciphertext: token.ciphertext,
      token_expires_at: token.expiresAt,
      token_issued_at: token.issuedAt,
      ...(token.refreshedAt !== undefined ? { token_refreshed_at: token.refreshedAt } : {}),
      updated_at: token.now,
    })
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function updateAccountProfile(
  db: Db,
  id: number,
  profile: { username: string; name: string | null; pictureUrl: string | null; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable("accounts")
    .set({
      username: profile.username,
      name: profile.name,
      picture_url: profile.pictureUrl,
      updated_at: profile.now,
    })
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function setAccountTimezone(
  db: Db,
  id: number,
  timezone: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable("accounts")
    .set({ timezone, updated_at: now })
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function setAccountStatus(
  db: Db,
  id: number,
  status: AccountStatus,
  reason: string | null,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable("accounts")
    .set({ status, status_reason: reason, updated_at: now })
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Deletes the account; its groups, schedules, runs and history go with it (ON DELETE CASCADE). The
 * CLI and the service never do this (they archive, see `archiveAccount`); kept for tests and tooling.
 */
export async function removeAccount(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom("accounts").where("id", "=", id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Marks a live account removed and wipes its token (a removed account must not be usable); the row stays so
 * that its history does. `false` when it does not exist or is already archived.
 */
export async function archiveAccount(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable("accounts")
    .set({ archived_at: now, token_ciphertext: "", status_reason: "removed", updated_at: now })
    .where("id", "=", id)
    .where("archived_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Brings an archived account back (its token is set by the caller in the same transaction). */
export async function unarchiveAccount(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable("accounts")
    .set({ archived_at: null, updated_at: now })
    .where("id", "=", id)
    .where("archived_at", "is not", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Live accounts whose token expires before `instant` (soonest first), optionally only in some statuses.
 * Archived accounts have no token to refresh.
 */
export async function listTokensExpiringBefore(
  db: Db,
  instant: number,
  filter: { statuses?: readonly AccountStatus[] } = {},
): Promise<AccountRow[]> {
  let q = db
    .selectFrom("accounts")
    .selectAll()
    .where("token_expires_at", "<", instant)
    .where("archived_at", "is", null);
  if (filter.statuses !== undefined) {
    if (filter.statuses.length === 0) return [];
    q = q.where("status", "in", filter.statuses);
  }
  return q.orderBy("token_expires_at").orderBy("id").execute();
}
