import type { Db } from "../db/connect.js";
import { notFound } from "../errors.js";
import { type Account, removedAccount, toAccount } from "./account.js";
import { getAccount } from "./accounts.repository.js";

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
