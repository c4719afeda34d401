import type { Db } from "../db/connect.js";
import type { AccountStatus } from "../db/schema.js";

/** What the status page shows of each account that is not removed, in id order. */
export async function listAccountsForStatus(db: Db): Promise<
  Array<{
    id: number;
    username: string;
    status: AccountStatus;
    status_reason: string | null;
    token_expires_at: number;
    timezone: string;
  }>
> {
  return db
    .selectFrom("accounts")
    .select(["id", "username", "status", "status_reason", "token_expires_at", "timezone"])
    .where("archived_at", "is", null)
    .orderBy("id")
    .execute();
}
