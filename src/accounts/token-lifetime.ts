import { AppError } from "../errors.js";
import type { ThreadsClient } from "../threads/client.js";
import { ThreadsApiError } from "../threads/errors.js";
import type { TokenGrant } from "../threads/types.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A long-lived token lives 60 days; one issued "within the last day" therefore lives at least 59 more. */
const LONG_LIVED_MS = 60 * DAY;
const SAFE_LONG_ESTIMATE_MS = 59 * DAY;
const SHORT_LIVED_MS = HOUR;
/** A token that debug_token says expires this soon is taken for a short-lived one and exchanged. */
const SHORT_LIVED_EXCHANGE_WITHIN_MS = 2 * HOUR;

/** The token to store and what is known about its life. */
export interface LearnedToken {
  /** May differ from the token given: a refresh or exchange hands out a new one. */
  accessToken: string;
  expiresAt: number;
  /** The 24 h refresh rule counts from here. */
  issuedAt: number;
  /** Set when the stored token came from a refresh. */
  refreshedAt: number | null;
  source: "debug_token" | "grant" | "refresh" | "exchange" | "estimate";
  /** When the expiry is a guess: why, for `status_reason`. */
  note: string | null;
}

/** Rethrows what means "this token is dead" as a user error; anything else is left to the caller. */
function rejectDeadToken(error: unknown): void {
  if (error instanceof ThreadsApiError && error.kind === "auth") {
    throw new AppError(
      "invalid_input",
      `This token is not valid: Threads says "${error.message}". Copy a fresh access token (or connect the account through the browser) and try again.`,
      { cause: error },
    );
  }
}

function messageOf(error: unknown): string {
  if (error instanceof ThreadsApiError && error.userMessage) return `${error.message} ${error.userMessage}`;
  return error instanceof Error ? error.message : String(error);
}

/** A grant's expiry: `expires_in` when Threads sends it, else the safe estimate for a long-lived token. */
export function fromGrant(grant: TokenGrant, now: number, source: LearnedToken["source"]): LearnedToken {
  const known = typeof grant.expiresIn === "number" && grant.expiresIn > 0;
  return {
    accessToken: grant.accessToken,
    expiresAt: known ? now + grant.expiresIn! * 1000 : now + SAFE_LONG_ESTIMATE_MS,
    issuedAt: now,
    refreshedAt: source === "refresh" ? now : null,
    source,
    note: known
      ? null
      : "Threads did not say when the new token expires; assumed 59 days. It is refreshed automatically well before.",
  };
}

/**
 * Finds out when a pasted token expires, because a token stored with a wrong expiry dies unnoticed:
 * 1. `debug_token` says it (Meta may refuse it without an app token); a token it says expires within 2 h is
 *    short-lived and, when the app secret is known, exchanged for a long-lived one at once;
 * 2. else a refresh (works for a long-lived token at least 24 h old) gives a NEW token and its expiry;
 * 3. else, when the app secret is configured, an exchange turns a short-lived token into a long-lived one;
 * 4. else an estimate: 1 h when the token looks short-lived, else 59 days (a long-lived token issued
 *    within the last day), and a note saying so.
 * A token Threads calls invalid (code 190) is refused with AppError invalid_input.
 */
export async function learnTokenLifetime(
  threads: Pick<ThreadsClient, "debugToken" | "refreshToken" | "exchangeForLongLived">,
  token: string,
  now: number,
  opts: { canExchange: boolean },
): Promise<LearnedToken> {
  try {
    const info = await threads.debugToken(token);
    if (!info.isValid) {
      throw new AppError(
        "invalid_input",
        "This token is not valid: Threads reports it as expired or revoked. Copy a fresh access token (or connect the account through the browser) and try again.",
      );
    }
    if (typeof info.expiresAt === "number" && info.expiresAt > now) {
      const known: LearnedToken = {
        accessToken: token,
        expiresAt: info.expiresAt,
        // Without the issue time, count the 24 h refresh rule from now: refreshing too early only fails.
        issuedAt: typeof info.issuedAt === "number" && info.issuedAt > 0 ? Math.min(info.issuedAt, now) : now,
        refreshedAt: null,
        source: "debug_token",
        note: null,
      };
      // A short-lived token (1 h) would die before the daily refresh could reach it: exchange it now.
      if (opts.canExchange && info.expiresAt - now <= SHORT_LIVED_EXCHANGE_WITHIN_MS) {
        try {
          return fromGrant(await threads.exchangeForLongLived(token), now, "exchange");
        } catch (error) {
          rejectDeadToken(error);
          return {
            ...known,
            note: `This token expires within hours and could not be exchanged for a 60-day one (${messageOf(error)}): connect the account through the browser, or add a long-lived token.`,
          };
        }
      }
      return known;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    rejectDeadToken(error);
  }

  let refreshProblem: string;
  try {
    return fromGrant(await threads.refreshToken(token), now, "refresh");
  } catch (error) {
    rejectDeadToken(error);
    refreshProblem = messageOf(error);
  }

  let exchangeProblem: string | undefined;
  if (opts.canExchange) {
    try {
      return fromGrant(await threads.exchangeForLongLived(token), now, "exchange");
    } catch (error) {
      rejectDeadToken(error);
      exchangeProblem = messageOf(error);
    }
  }

  const short = looksShortLived(refreshProblem, exchangeProblem);
  const why = `Threads did not tell this token's expiry (refresh: ${refreshProblem}${exchangeProblem === undefined ? "" : `; exchange: ${exchangeProblem}`}).`;
  return short
    ? {
        accessToken: token,
        expiresAt: now + SHORT_LIVED_MS,
        issuedAt: now,
        refreshedAt: null,
        source: "estimate",
        note: `${why} It looks short-lived, so it is assumed to expire within 1 hour: connect the account through the browser (or set THREADS_APP_SECRET) to get a 60-day token.`,
      }
    : {
        accessToken: token,
        expiresAt: now + SAFE_LONG_ESTIMATE_MS,
        issuedAt: now,
        refreshedAt: null,
        source: "estimate",
        note: `${why} Assumed a ${LONG_LIVED_MS / DAY}-day token issued within the last day; it is refreshed automatically once 24 hours old.`,
      };
}

/**
 * Whether Threads' answers suggest a short-lived token: the refresh refused it for not being long-lived,
 * and no exchange said it already was. Meta's exact wording is not documented, so this only looks for the
 * words "short-lived" / "long-lived" (the sandbox uses Meta's phrasing).
 */
export function looksShortLived(refreshProblem: string, exchangeProblem: string | undefined): boolean {
  if (exchangeProblem !== undefined && /already long-lived/i.test(exchangeProblem)) return false;
  return /short-lived|only long-lived/i.test(refreshProblem);
}
