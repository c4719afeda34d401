/**
 * What a failed Threads call means for the caller: retry later, reconnect the account, wait for the container,
 * or give up on this post. Callers branch on `kind`, `retryable` and `outcomeUnknown`, never on messages, and
 * on the predicates at the end (`isPublishCall`, `mayHavePublished`, `isQuotaRefusal`, `mayBeQuotaRefusal`),
 * which hold what is known about Meta's endpoints and codes so that the publisher never reads an endpoint or
 * a code itself.
 */
import { HttpAbortError } from "./http-send.js";
import { THREADS_SCOPES } from "./scopes.js";

export type ThreadsErrorKind = "transient" | "rate_limited" | "auth" | "not_ready" | "permanent";

export interface ThreadsApiErrorInit {
  kind: ThreadsErrorKind;
  message: string;
  endpoint: string;
  code?: number;
  subcode?: number;
  httpStatus?: number;
  fbtraceId?: string;
  userMessage?: string;
  outcomeUnknown?: boolean;
  cause?: unknown;
  linkLimitExceeded?: boolean;
}

export class ThreadsApiError extends Error {
  override name = "ThreadsApiError";
  readonly kind: ThreadsErrorKind;
  readonly code?: number;
  readonly subcode?: number;
  readonly httpStatus?: number;
  readonly fbtraceId?: string;
  /** Meta's `error_user_msg`, meant for end users, when it sent one. */
  readonly userMessage?: string;
  /** "METHOD /path" of the call, without query string (which would carry the token). */
  readonly endpoint: string;
  /**
   * true when the request may have reached Threads and changed something (timeout, 5xx or dropped connection
   * after sending a POST): the caller must check before repeating it.
   */
  readonly outcomeUnknown: boolean;
  /** Meta's THREADS_API__LINK_LIMIT_EXCEEDED: the post has more than 5 links; a final refusal of this post. */
  readonly linkLimitExceeded: boolean;

  constructor(init: ThreadsApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.code = init.code;
    this.subcode = init.subcode;
    this.httpStatus = init.httpStatus;
    this.fbtraceId = init.fbtraceId;
    this.userMessage = init.userMessage;
    this.endpoint = init.endpoint;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
    this.linkLimitExceeded = init.linkLimitExceeded ?? false;
  }

  get retryable(): boolean {
    return this.kind === "transient" || this.kind === "rate_limited" || this.kind === "not_ready";
  }
}

export interface MetaErrorClassification {
  kind: ThreadsErrorKind;
  code?: number;
  subcode?: number;
  /** Meta's own message, with advice on what to do appended. */
  message: string;
  /** Meta's message alone. */
  metaMessage: string;
  type?: string;
  fbtraceId?: string;
  userTitle?: string;
  userMessage?: string;
  isTransient: boolean;
  /** Meta's THREADS_API__LINK_LIMIT_EXCEEDED, wherever it appeared in the error. */
  linkLimitExceeded: boolean;
}

/**
 * Meta's error for a post with more than 5 links, refused when its container is created (text-attachments
 * page). Meta gives it as an "error code" string, with no numeric code or subcode known: it is looked for in
 * the message, the user title and the user message (UNVERIFIED where Meta puts it).
 */
export const LINK_LIMIT_EXCEEDED = "THREADS_API__LINK_LIMIT_EXCEEDED";

export const NOT_READY_CODE = 24;
export const NOT_READY_SUBCODE = 4279009;
const RATE_LIMIT_CODES = new Set([4, 17, 341]);
const TRANSIENT_CODES = new Set([1, 2]);

/**
 * Reads Meta's error body — the Graph shape `{"error":{message,type,code,error_subcode,…}}` or the token
 * endpoints' flat `{"error_type","code","error_message"}` — and says what kind of failure it is. Pure.
 */
export function classifyMetaError(httpStatus: number, body: unknown): MetaErrorClassification {
  const fields = readErrorFields(body);
  const { code, subcode } = fields;
  const metaMessage = fields.message ?? fallbackMessage(httpStatus, body);
  const isTransient = fields.isTransient === true;
  const linkLimitExceeded = [fields.message, fields.userTitle, fields.userMessage].some((text) =>
    text?.includes(LINK_LIMIT_EXCEEDED),
  );
  // Whatever code or transient flag comes with it, the same post would be refused again: never retried.
  const kind = linkLimitExceeded ? "permanent" : kindOf(httpStatus, code, subcode, isTransient);
  const label = code === undefined ? `HTTP ${httpStatus}` : `code ${code}${subcode ? `/${subcode}` : ""}`;
  return {
    kind,
    code,
    subcode,
    message: `Threads API error (${label}): ${metaMessage}${linkLimitExceeded ? linkLimitAdvice(metaMessage) : advice(kind, code)}`,
    metaMessage,
    type: fields.type,
    fbtraceId: fields.fbtraceId,
    userTitle: fields.userTitle,
    userMessage: fields.userMessage,
    isTransient,
    linkLimitExceeded,
  };
}

function linkLimitAdvice(metaMessage: string): string {
  const tag = metaMessage.includes(LINK_LIMIT_EXCEEDED) ? "" : ` (${LINK_LIMIT_EXCEEDED})`;
  return `${tag} — the post has more than 5 links (unique URLs in the text plus the text attachment's link); Threads refuses it. Remove links and schedule it again.`;
}

function kindOf(
  httpStatus: number,
  code: number | undefined,
  subcode: number | undefined,
  isTransient: boolean,
): ThreadsErrorKind {
  if (code === 190) return "auth";
  if (code === NOT_READY_CODE && subcode === NOT_READY_SUBCODE) return "not_ready";
  if ((code !== undefined && RATE_LIMIT_CODES.has(code)) || httpStatus === 429) return "rate_limited";
  if (isTransient || httpStatus >= 500 || (code !== undefined && TRANSIENT_CODES.has(code)))
    return "transient";
  return "permanent";
}

export function isPermissionCode(code: number | undefined): boolean {
  return code === 10 || (code !== undefined && code >= 200 && code <= 299);
}

function advice(kind: ThreadsErrorKind, code: number | undefined): string {
  switch (kind) {
    case "auth":
      return " — the access token is invalid or expired; reconnect the Threads account.";
    case "rate_limited":
      return " — Threads is limiting calls for this account; it will be retried later.";
    case "not_ready":
      return " — the media container is not ready yet; it will be retried shortly.";
    case "transient":
      return " — a temporary problem at Threads; it will be retried.";
    default:
      return isPermissionCode(code)
        ? ` — the account did not grant a permission this needs; reconnect it and allow all requested permissions (${THREADS_SCOPES.join(", ")}).`
        : "";
  }
}

interface ErrorFields {
  message?: string;
  type?: string;
  code?: number;
  subcode?: number;
  fbtraceId?: string;
  userTitle?: string;
  userMessage?: string;
  isTransient?: boolean;
}

function readErrorFields(body: unknown): ErrorFields {
  if (!isRecord(body)) return {};
  const graph = isRecord(body.error) ? body.error : undefined;
  if (graph) {
    return {
      message: str(graph.message),
      type: str(graph.type),
      code: num(graph.code),
      subcode: num(graph.error_subcode),
      fbtraceId: str(graph.fbtrace_id),
      userTitle: str(graph.error_user_title),
      userMessage: str(graph.error_user_msg),
      isTransient: graph.is_transient === true,
    };
  }
  // Token endpoints answer flat; their `code` is an HTTP-like status (400), not a Graph error code.
  return {
    message: str(body.error_message) ?? str(body.error_description) ?? str(body.error),
    type: str(body.error_type),
    code: num(body.code),
    subcode: num(body.error_subcode),
  };
}

function fallbackMessage(httpStatus: number, body: unknown): string {
  if (typeof body === "string" && body.trim() !== "") return body.trim().slice(0, 200);
  return `HTTP ${httpStatus} without an error description`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\d+$/u.test(value)) return Number(value);
  return undefined;
}

/** Failures that happen before the request leaves this machine: the server cannot have seen it. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_INVALID_URL",
]);

/**
 * A fetch that threw (no HTTP response): always transient. Whether it may have changed something depends on
 * how far it got: refused or unresolved connections never sent the request; a timeout or a reset after sending
 * a POST may have created a container or published a post.
 */
export function networkError(
  endpoint: string,
  method: string,
  thrown: unknown,
  timeoutMs: number,
): ThreadsApiError {
  const timedOut = isTimeout(thrown);
  const code = causeCode(thrown);
  const cutOff = thrown instanceof HttpAbortError;
  const sent = cutOff ? thrown.sent : timedOut || code === undefined || !NOT_SENT_CODES.has(code);
  const what = cutOff
    ? thrown.message
    : timedOut
      ? `no answer within ${timeoutMs} ms`
      : `network error${code ? ` ${code}` : ""}: ${causeMessage(thrown)}`;
  const outcomeUnknown = sent && method === "POST";
  return new ThreadsApiError({
    kind: "transient",
    endpoint,
    outcomeUnknown,
    cause: thrown,
    message: `Threads API ${endpoint}: ${what}${outcomeUnknown ? " — the request may have been applied; check before repeating it." : " — it will be retried."}`,
  });
}

function isTimeout(thrown: unknown): boolean {
  return thrown instanceof Error && (thrown.name === "TimeoutError" || thrown.name === "AbortError");
}

function causeCode(thrown: unknown): string | undefined {
  for (let e: unknown = thrown, depth = 0; isRecord(e) && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === "string") return e.code;
  }
  return undefined;
}

function causeMessage(thrown: unknown): string {
  let deepest: unknown = thrown;
  for (let depth = 0; isRecord(deepest) && deepest.cause !== undefined && depth < 5; depth++) {
    deepest = deepest.cause;
  }
  return deepest instanceof Error ? deepest.message : String(deepest);
}

/**
 * An HTTP error response as a ThreadsApiError. A 5xx or an "unknown error" (codes 1 and 2) to a POST may have
 * been applied before the server failed, so its outcome is unknown; a 4xx was refused and changed nothing.
 */
export function httpError(
  endpoint: string,
  method: string,
  httpStatus: number,
  body: unknown,
): ThreadsApiError {
  const c = classifyMetaError(httpStatus, body);
  // A link-limit refusal created nothing, whatever status came with it.
  const maybeApplied =
    !c.linkLimitExceeded && (httpStatus >= 500 || (c.code !== undefined && TRANSIENT_CODES.has(c.code)));
  return new ThreadsApiError({
    kind: c.kind,
    message: `${c.message} [${endpoint}]`,
    endpoint,
    code: c.code,
    subcode: c.subcode,
    httpStatus,
    fbtraceId: c.fbtraceId,
    userMessage: c.userMessage,
    outcomeUnknown: method === "POST" && maybeApplied,
    linkLimitExceeded: c.linkLimitExceeded,
  });
}

/** Meta's "publishing limit reached" (the sandbox answers it on threads_publish; not transient, yet not final). */
const QUOTA_CODE = 9;
/** How long a call refused for Meta's rate limits (codes 4, 17, 341, HTTP 429) waits at least. */
export const RATE_LIMIT_RETRY_MS = 15 * 60_000;

/**
 * Whether the failed call was one that can make a post exist: `POST /{user-id}/threads_publish`, or
 * `POST /{media-id}/repost` (a repost is made at once, with no container).
 */
export function isPublishCall(error: ThreadsApiError): boolean {
  return error.endpoint.endsWith("/threads_publish") || isRepostCall(error);
}

/** Whether the failed call was `POST /{media-id}/repost`. */
export function isRepostCall(error: ThreadsApiError): boolean {
  return error.endpoint.startsWith("POST ") && error.endpoint.endsWith("/repost");
}

/**
 * Graph's "Object with ID … does not exist, cannot be loaded due to missing permissions, or does not support
 * this operation" (code 100, subcode 33): the one predicate for that answer. It is ambiguous: the post may be gone
 * (deleted), or still there and merely out of this token's reach (a token without threads_delete deleting it, an
 * id that cannot be deleted or reposted). A caller that would record a post as gone for good on a write's 100/33
 * confirms it with a read first (`ThreadsClient.isGone`: `GET /{id}?fields=id`).
 */
export function isNotFoundRefusal(error: ThreadsApiError): boolean {
  return !error.outcomeUnknown && error.code === 100 && error.subcode === 33;
}

/**
 * A read (`GET /{id}`) that says the object is not there: 100/33, or a plain HTTP 404. Only a read answers this
 * for a post the account owns (any token reads its own posts with threads_basic), so it settles a write's 100/33.
 */
export function isGoneOnRead(error: ThreadsApiError): boolean {
  return isNotFoundRefusal(error) || (error.code === undefined && error.httpStatus === 404);
}

/**
 * Whether a post may exist because of this failed call: a publish whose outcome is unknown. A container created
 * by a call whose answer was lost is unused and harmless (Threads lets it expire after 24 h), so any other call
 * that failed this way can simply be made again.
 */
export function mayHavePublished(error: ThreadsApiError): boolean {
  return error.outcomeUnknown && isPublishCall(error);
}

/** Threads refused the call because the 24 h publishing quota is used up (code 9). */
export function isQuotaRefusal(error: ThreadsApiError): boolean {
  return error.code === QUOTA_CODE;
}

/**
 * Which error Meta gives when the 24 h cap is hit is not documented (UNVERIFIED; the sandbox answers code 9). So
 * a publish refused with any other "permanent" error may be the cap in disguise: the caller asks Threads for the
 * live quota before treating it as final.
 */
export function mayBeQuotaRefusal(error: ThreadsApiError): boolean {
  return (
    error.kind === "permanent" && !isQuotaRefusal(error) && !error.linkLimitExceeded && isPublishCall(error)
  );
}

/** Threads refused a delete because of the 24 h delete quota (UNVERIFIED code: the sandbox answers 9, as for posts). */
export function isDeleteQuotaRefusal(error: ThreadsApiError): boolean {
  return error.code === QUOTA_CODE || error.kind === "rate_limited";
}

/**
 * A failed `DELETE /{media-id}` with advice for it: a permission refusal (code 10 or 200–299, the token lacks
 * threads_delete or the post is not the account's own) says to reconnect with threads_delete; others pass as they are.
 */
export function deleteFailure(error: ThreadsApiError, mediaId: string): ThreadsApiError {
  if (isNotFoundRefusal(error)) return undeletablePost(error, mediaId);
  if (error.kind !== "permanent" || !isPermissionCode(error.code)) return error;
  return new ThreadsApiError({
    kind: "permanent",
    endpoint: error.endpoint,
    code: error.code,
    subcode: error.subcode,
    httpStatus: error.httpStatus,
    fbtraceId: error.fbtraceId,
    userMessage: error.userMessage,
    cause: error,
    message: `Threads refused to delete post ${mediaId} (code ${error.code}): the account has not granted the threads_delete permission, or the post is not its own — reconnect the account with the threads_delete permission.`,
  });
}

/**
 * A `DELETE /{media-id}` answered 100/33 ("does not exist, cannot be loaded due to missing permissions, or does not
 * support this operation") for a post a read still finds: it is NOT deleted. Most likely the token lacks
 * threads_delete (Meta's wording covers "missing permissions"; UNVERIFIED which code Meta gives then), else the id
 * cannot be deleted. Permanent: repeating it changes nothing until the account is reconnected.
 */
export function undeletablePost(error: ThreadsApiError, mediaId: string): ThreadsApiError {
  return new ThreadsApiError({
    kind: "permanent",
    endpoint: error.endpoint,
    code: error.code,
    subcode: error.subcode,
    httpStatus: error.httpStatus,
    fbtraceId: error.fbtraceId,
    userMessage: error.userMessage,
    cause: error,
    message: `Threads refused to delete post ${mediaId} (code ${error.code}/${error.subcode}: it cannot be loaded with this token or does not support deleting), yet the post can still be read, so it is still on Threads: reconnect the account granting the threads_delete permission, then delete it again.`,
  });
}
