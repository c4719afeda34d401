import { getAccount } from "../../src/accounts/accounts.repository.js";
import { decryptToken } from "../../src/accounts/token-crypto.js";
import type { Db } from "../../src/db/connect.js";

/**
 * The access token stored for an account, decrypted with `key`: what a test checks of a connect, reconnect
 * or refresh. The services never hand a decrypted token out (the post job gets its own through
 * `loadForPublishing`).
 */
export async function storedToken(db: Db, key: Buffer, accountId: number): Promise<string> {
  const row = await getAccount(db, accountId);
  if (!row) throw new Error(`no account ${accountId}`);
  return decryptToken(row.token_ciphertext, key);
}
