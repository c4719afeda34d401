import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptToken, encryptToken, TokenDecryptError } from "./token-crypto.js";

const key = Buffer.alloc(32, 7);

describe("token crypto", () => {
  it("round-trips a token, including non-ASCII text", () => {
    for (const token of ["THAAB123token", "", "トークン✓".repeat(50)]) {
      expect(decryptToken(encryptToken(token, key), key)).toBe(token);
    }
  });

  it("stores v1:iv:tag:ciphertext with a fresh IV each time and never the plain token", () => {
    const a = encryptToken("secret-token", key);
    const b = encryptToken("secret-token", key);
    expect(a).not.toBe(b);
    expect(a).not.toContain("secret-token");
    const [version, iv, tag, ct] = a.split(":");
    expect(version).toBe("v1");
    expect(Buffer.from(iv!, "base64")).toHaveLength(12);
    expect(Buffer.from(tag!, "base64")).toHaveLength(16);
    expect(Buffer.from(ct!, "base64")).toHaveLength("secret-token".length);
  });

  it("says that SECRET_KEY changed when decrypted with another key", () => {
    const stored = encryptToken("secret-token", key);
    expect(() => decryptToken(stored, randomBytes(32))).toThrow(TokenDecryptError);
    expect(() => decryptToken(stored, randomBytes(32))).toThrow(
      /cannot be decrypted: SECRET_KEY differs from the one it was stored with/,
    );
  });

  it("rejects a tampered ciphertext and values in another format", () => {
    const [v, iv, tag, ct] = encryptToken("secret-token", key).split(":");
    const flipped = Buffer.from(ct!, "base64");
    flipped[0] = flipped[0]! ^ 1;
    expect(() => decryptToken([v, iv, tag, flipped.toString("base64")].join(":"), key)).toThrow(
      TokenDecryptError,
    );
    expect(() => decryptToken("plain-token", key)).toThrow(/not in the "v1:iv:tag:ciphertext" format/);
    expect(() => decryptToken("v1:AAAA:BBBB:CCCC", key)).toThrow(/damaged/);
  });

  it("refuses a key that is not 32 bytes", () => {
    expect(() => encryptToken("t", Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
