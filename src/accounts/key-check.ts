import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The key check: proof, stored in the database, of which SECRET_KEY its tokens were encrypted with, so a
 * changed or lost key is recognised before anything is attempted instead of as a string of failures. It is an
 * HMAC-SHA256 of a fixed label under the key: it tells whether a key is the right one and reveals nothing of it.
 */
export const KEY_CHECK_STATE_KEY = "secret_key_check";
const VERSION = "v1";
const LABEL = "threads-scheduler secret key check v1";

export function keyCheckOf(key: Buffer): string {
  return `${VERSION}:${createHmac("sha256", key).update(LABEL).digest("base64")}`;
}

/** Whether `key` is the key the stored check was made with. */
export function keyMatchesCheck(check: string, key: Buffer): boolean {
  const expected = Buffer.from(keyCheckOf(key));
  const stored = Buffer.from(check);
  return stored.length === expected.length && timingSafeEqual(stored, expected);
}
