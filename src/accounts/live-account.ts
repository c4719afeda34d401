import type { Db } from "../db/connect.js";
import { notFound } from "../errors.js";
import { type Account, removedAccount, toAccount } from "./account.js";
import { getAccount } from "./accounts.repository.js";

/**
 * What other features may read of an account (the groups and schedules services take it as their `accounts`
 * dependency; the CLI's `post --at` calls getLiveAccount). Each function takes the caller's Db: a service
 * passes its transaction, so the account it checks is the one its change commits against.
 */
export interface AccountLookup {
  /** The live account; not_found for an unknown id, and for a removed one with how to bring it back. */
  getLive(db: Db, id: number): Promise<Account>;
  /** The account, live or removed (`archivedAt`); undefined for an unknown id. */
  find(db: Db, id: number): Promise<Account | undefined>;
}

/**
 * A live account; a removed (archived) one is "not found", with how to bring it back. For callers that only
 * read and need no Threads connection (planning a one-off post): the accounts service's `get` says the same.
 */
export async function getLiveAccount(db: Db, id: number): Promise<Account> {
  const row = Number.isInteger(id) ? await getAccount(db, id) : undefined;
  if (!row) throw notFound("account", id);
  if (row.archived_at !== null) throw removedAccount(row);
  return toAccount(row);
}

async function findAccount(db: Db, id: number): Promise<Account | undefined> {
  const row = await getAccount(db, id);
  return row && toAccount(row);
}

export const accountLookup: AccountLookup = { getLive: getLiveAccount, find: findAccount };
