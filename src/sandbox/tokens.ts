import { expiredToken, invalidParam, invalidToken, MetaError } from "./errors.js";
import { randomToken, type SandboxState } from "./state.js";
import type { TokenKind, TokenRecord, UserRecord } from "./types.js";

export const SHORT_LIVED_MS = 60 * 60 * 1000;
export const LONG_LIVED_MS = 60 * 24 * 60 * 60 * 1000;
/** Meta refreshes only long-lived tokens at least 24 h old. */
export const REFRESH_MIN_AGE_MS = 24 * 60 * 60 * 1000;

export const ALL_SCOPES = [
  "threads_basic",
  "threads_content_publish",
  "threads_share_to_instagram",
  "threads_manage_replies",
  "threads_read_replies",
  "threads_manage_insights",
  "threads_delete",
  "threads_location_tagging",
] as const;

export function createUserRecord(state: SandboxState, now: number, username?: string): UserRecord {
  const id = state.nextUserId();
  const name = username ?? `sandbox_user_${id.slice(-6)}`;
  const user: UserRecord = {
    id,
    username: name,
    name: `Sandbox ${name}`,
    biography: "Threads sandbox account (not a real Threads profile).",
    createdAt: now,
  };
  state.users.set(id, user);
  state.changed(true);
  return user;
}

export function issueToken(
  state: SandboxState,
  userId: string,
  kind: TokenKind,
  issuedAt: number,
  scopes: readonly string[],
): TokenRecord {
  const record: TokenRecord = {
    token: randomToken(kind === "long" ? "THAAL" : "THAAS"),
    userId,
    kind,
    issuedAt,
    expiresAt: issuedAt + (kind === "long" ? LONG_LIVED_MS : SHORT_LIVED_MS),
    scopes: [...scopes],
  };
  state.tokens.set(record.token, record);
  state.changed(true);
  return record;
}

/** The live token record, or Meta's 190 error (subcode 463 when it has expired). */
export function requireLiveToken(state: SandboxState, token: string, now: number): TokenRecord {
  const record = state.tokens.get(token);
  if (!record || !state.users.has(record.userId)) throw invalidToken();
  if (now >= record.expiresAt) throw expiredToken(record.expiresAt, now);
  return record;
}

/** GET /access_token?grant_type=th_exchange_token: short-lived → long-lived (60 days). */
export function exchangeForLongLived(state: SandboxState, token: string, now: number): TokenRecord {
  const short = requireLiveToken(state, token, now);
  if (short.kind !== "short") {
    throw invalidParam(
      "Only a short-lived access token can be exchanged for a long-lived one.",
      "This token is already long-lived. Refresh it with GET /refresh_access_token instead.",
    );
  }
  return issueToken(state, short.userId, "long", now, short.scopes);
}

/**
 * GET /refresh_access_token: a long-lived token at least 24 h old and not expired gives a new one valid
 * 60 days from now. The old token keeps working until its own expiry (Meta's behaviour there is UNVERIFIED).
 */
export function refreshLongLived(state: SandboxState, token: string, now: number): TokenRecord {
  const old = requireLiveToken(state, token, now);
  if (old.kind !== "long") {
    throw invalidParam(
      "Only long-lived access tokens can be refreshed.",
      "Exchange the short-lived token for a long-lived one first (GET /access_token?grant_type=th_exchange_token).",
    );
  }
  if (now - old.issuedAt < REFRESH_MIN_AGE_MS) {
    const hours = ((now - old.issuedAt) / 3_600_000).toFixed(1);
    throw new MetaError({
      code: 100,
      type: "OAuthException",
      message: `(#100) The access token can be refreshed only when it is at least 24 hours old (this one is ${hours} h old).`,
      userTitle: "Token too new to refresh",
      userMsg: "Try again once the token is at least 24 hours old.",
    });
  }
  return issueToken(state, old.userId, "long", now, old.scopes);
}
