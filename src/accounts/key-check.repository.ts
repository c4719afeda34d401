import { getAppState, insertAppStateIfAbsent, replaceAppState } from "../db/app-state.js";
import type { Db } from "../db/connect.js";
import { KEY_CHECK_STATE_KEY } from "./key-check.js";

export async function getKeyCheck(db: Db): Promise<string | undefined> {
  return getAppState(db, KEY_CHECK_STATE_KEY);
}

/** Records the check unless one is there already; returns the check the database now holds. */
export async function insertKeyCheckIfAbsent(db: Db, check: string, now: number): Promise<string> {
  await insertAppStateIfAbsent(db, KEY_CHECK_STATE_KEY, check, now);
  return (await getKeyCheck(db))!;
}

/** Replaces the check (after the old key was declared lost). */
export async function replaceKeyCheck(db: Db, check: string, now: number): Promise<void> {
  await replaceAppState(db, KEY_CHECK_STATE_KEY, check, now);
}

/**
 * Every stored token with its account, in id order. A removed (archived) account's token is wiped on purpose:
 * it is neither a token to judge the key by nor an account to give a new token.
 */
export async function listStoredTokens(
  db: Db,
): Promise<Array<{ id: number; username: string; token_ciphertext: string; status: string }>> {
  return db
    .selectFrom("accounts")
    .select(["id", "username", "token_ciphertext", "status"])
    .where("archived_at", "is", null)
    .where("token_ciphertext", "<>", "")
    .orderBy("id")
    .execute();
}
