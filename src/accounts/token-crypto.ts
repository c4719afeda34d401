import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Access tokens at rest: AES-256-GCM with the 32-byte SECRET_KEY, a random 12-byte IV per token and the
 * 16-byte authentication tag, stored as `v1:<base64 iv>:<base64 tag>:<base64 ciphertext>`. The version
 * prefix leaves room for another scheme (or key rotation) without guessing what a stored value is.
 */
const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a stored token cannot be read back; callers treat the account as needing a reconnect. */
export class TokenDecryptError extends Error {
  override name = "TokenDecryptError";
}

export function encryptToken(token: string, key: Buffer): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64"), tag.toString("base64"), ciphertext.toString("base64")].join(":");
}

export function decryptToken(stored: string, key: Buffer): string {
  checkKey(key);
  const fields = stored.split(":");
  if (fields.length !== 4 || fields[0] !== VERSION) {
    throw new TokenDecryptError(
      `the token cannot be decrypted: it is not in the "${VERSION}:iv:tag:ciphertext" format this version stores. Reconnect the account.`,
    );
  }
  const iv = Buffer.from(fields[1]!, "base64");
  const tag = Buffer.from(fields[2]!, "base64");
  const ciphertext = Buffer.from(fields[3]!, "base64");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new TokenDecryptError(
      "the token cannot be decrypted: the stored value is damaged. Reconnect the account.",
    );
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch (error) {
    // GCM cannot tell a wrong key from a tampered value; a changed SECRET_KEY is by far the likelier cause.
    throw new TokenDecryptError(
      "the token cannot be decrypted: SECRET_KEY differs from the one it was stored with. Restore the previous SECRET_KEY (or DATA_DIR/secret.key), or reconnect the account.",
      { cause: error },
    );
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) {
    throw new Error(
      `The token encryption key must be 32 bytes (AES-256), not ${key.length}. Check SECRET_KEY.`,
    );
  }
}
