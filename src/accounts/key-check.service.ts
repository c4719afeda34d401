import type { Config } from "../config.js";
import type { Db } from "../db/connect.js";
import { AppError, type ErrorHint } from "../errors.js";
import { setAccountStatus } from "./accounts.repository.js";
import { keyCheckOf, keyMatchesCheck } from "./key-check.js";
import {
  getKeyCheck,
  insertKeyCheckIfAbsent,
  listStoredTokens,
  replaceKeyCheck,
} from "./key-check.repository.js";
import { decryptToken, TokenDecryptError } from "./token-crypto.js";

/** Where the key in use came from, for messages. */
export interface KeyOrigin {
  source: Config["secretKeySource"];
  /** DATA_DIR/secret.key */
  file: string;
}

export type KeyState =
  /** The database's check matches this key (or one of its tokens decrypts with it, and the check was recorded). */
  | { state: "match" }
  /** No token and no check yet: any key will do; the check is recorded with the first token. */
  | { state: "unused" }
  /** The tokens were stored with another key. */
  | { state: "mismatch"; tokens: number; message: string; hint: ErrorHint };

/** SECRET_KEY is not the key the database's tokens were stored with. */
export class SecretKeyMismatchError extends AppError {
  override name = "SecretKeyMismatchError";
  constructor(message: string, hint: ErrorHint) {
    super("conflict", message, { hint });
  }
}

/** The next step of a mismatch once the previous key is lost for good: adopt the current one. */
const RESET_KEY: ErrorHint = { action: "reset_key" };

/**
 * Compares the key with the database's key check. A database from before key checks existed, holding tokens
 * but no check, is judged by its tokens: when one decrypts, the check is recorded (if `record`); when none
 * does, the key is the wrong one.
 */
export async function inspectSecretKey(
  db: Db,
  key: Buffer,
  opts: { origin: KeyOrigin; target: string; now: number; record: boolean },
): Promise<KeyState> {
  const check = await getKeyCheck(db);
  const tokens = await listStoredTokens(db);
  if (check !== undefined) {
    if (keyMatchesCheck(check, key)) return { state: "match" };
    return {
      state: "mismatch",
      tokens: tokens.length,
      message: mismatchMessage(opts, tokens.length),
      hint: RESET_KEY,
    };
  }
  if (tokens.length === 0) return { state: "unused" };
  for (const t of tokens) {
    try {
      decryptToken(t.token_ciphertext, key);
    } catch (error) {
      if (error instanceof TokenDecryptError) continue;
      throw error;
    }
    if (opts.record) await insertKeyCheckIfAbsent(db, keyCheckOf(key), opts.now);
    return { state: "match" };
  }
  return {
    state: "mismatch",
    tokens: tokens.length,
    message: mismatchMessage(opts, tokens.length),
    hint: RESET_KEY,
  };
}

/** inspectSecretKey for commands that need the key: a mismatch stops them before they do anything. */
export async function requireSecretKey(
  db: Db,
  key: Buffer,
  opts: { origin: KeyOrigin; target: string; now: number },
): Promise<KeyState> {
  const state = await inspectSecretKey(db, key, { ...opts, record: true });
  if (state.state === "mismatch") {
    throw new SecretKeyMismatchError(`Nothing was done. ${state.message}`, state.hint);
  }
  return state;
}

/**
 * Adopts `key` after the old one is lost: every account whose token it cannot decrypt is marked
 * `reauth_required` (its posts are held, not lost) and the key check is replaced, in one transaction.
 * Returns the accounts marked.
 */
export async function adoptSecretKey(
  db: Db,
  key: Buffer,
  now: number,
): Promise<Array<{ id: number; username: string }>> {
  return db.transaction().execute(async (trx) => {
    const marked: Array<{ id: number; username: string }> = [];
    for (const t of await listStoredTokens(trx)) {
      try {
        decryptToken(t.token_ciphertext, key);
        continue;
      } catch (error) {
        if (!(error instanceof TokenDecryptError)) throw error;
      }
      await setAccountStatus(
        trx,
        t.id,
        "reauth_required",
        "its token was stored with a SECRET_KEY that was given up (tokens reset-key): give it a new token",
        now,
      );
      marked.push({ id: t.id, username: t.username });
    }
    await replaceKeyCheck(trx, keyCheckOf(key), now);
    return marked;
  });
}

export function describeKeyOrigin(origin: KeyOrigin): string {
  switch (origin.source) {
    case "env":
      return "the SECRET_KEY environment variable";
    case "file":
    case "generated":
      return `the key file ${origin.file}`;
    case "new":
      return `none: SECRET_KEY is not set and ${origin.file} does not exist (a new key is never generated while the database holds tokens or a key check)`;
  }
}

function mismatchMessage(opts: { origin: KeyOrigin; target: string }, tokens: number): string {
  const restore =
    opts.origin.source === "env"
      ? `set SECRET_KEY back to the previous key (or unset it if the key was in ${opts.origin.file})`
      : `put the previous secret.key back at ${opts.origin.file}, or set SECRET_KEY to it; check that DATA_DIR is the folder that held it`;
  return [
    `The token encryption key does not match the one the account tokens in ${opts.target} were stored with (${tokens} account(s)).`,
    `Key in use: ${describeKeyOrigin(opts.origin)}.`,
    `To fix it: ${restore}, then run the command again.`,
    "If the previous key is lost for good: adopt the current key (accounts whose token cannot be read are marked reconnect-needed and their posts held), then give each of them a new token.",
  ].join("\n");
}
