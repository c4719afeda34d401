import { randomBytes } from "node:crypto";

/** Meta's Graph error body: `{"error":{message,type,code,error_subcode,...}}`. */
export interface MetaErrorBody {
  message: string;
  type: "OAuthException" | "THApiException";
  code: number;
  error_subcode?: number;
  error_user_title?: string;
  error_user_msg?: string;
  fbtrace_id: string;
  is_transient: boolean;
}

export interface MetaErrorInit {
  code: number;
  message: string;
  subcode?: number;
  type?: MetaErrorBody["type"];
  userTitle?: string;
  userMsg?: string;
  status?: number;
  transient?: boolean;
}

/** Thrown by handlers; `app.onError` turns it into Meta's JSON error answer. */
export class MetaError extends Error {
  override readonly name = "MetaError";
  readonly status: number;
  readonly body: MetaErrorBody;

  constructor(init: MetaErrorInit) {
    super(init.message);
    this.status = init.status ?? (isTransientCode(init.code) && init.code < 4 ? 500 : 400);
    this.body = {
      message: init.message,
      type: init.type ?? defaultType(init.code),
      code: init.code,
      ...(init.subcode === undefined ? {} : { error_subcode: init.subcode }),
      ...(init.userTitle === undefined ? {} : { error_user_title: init.userTitle }),
      ...(init.userMsg === undefined ? {} : { error_user_msg: init.userMsg }),
      fbtrace_id: fbtraceId(),
      is_transient: init.transient ?? isTransientCode(init.code),
    };
  }

  toResponse(): Response {
    const headers: Record<string, string> = { "content-type": "application/json; charset=UTF-8" };
    // Graph adds this header on token errors; clients may key on it.
    if (this.body.code === 190) {
      headers["www-authenticate"] =
        `OAuth "Threads Sandbox" "invalid_token" "${this.body.message.replaceAll('"', "'")}"`;
    }
    return new Response(JSON.stringify({ error: this.body }), { status: this.status, headers });
  }
}

/** Codes THREADS_API.md lists as retryable: 1/2 (transient) and 4/17/341 (throttling). */
export function isTransientCode(code: number): boolean {
  return code === 1 || code === 2 || code === 4 || code === 17 || code === 341;
}

function defaultType(code: number): MetaErrorBody["type"] {
  if (code === 190 || code === 10 || code === 101 || code === 2500 || (code >= 200 && code < 300)) {
    return "OAuthException";
  }
  if (code === 4 || code === 17 || code === 341) return "OAuthException";
  return "THApiException";
}

export function fbtraceId(): string {
  return randomBytes(9).toString("base64url").slice(0, 11);
}

export function invalidParam(message: string, userMsg?: string): MetaError {
  return new MetaError({
    code: 100,
    message: `(#100) ${message}`,
    userTitle: "Invalid parameter",
    userMsg: userMsg ?? message,
  });
}

export function missingToken(): MetaError {
  return new MetaError({
    code: 2500,
    message: "An active access token must be used to query information about the current user.",
    type: "OAuthException",
  });
}

export function invalidToken(): MetaError {
  return new MetaError({ code: 190, message: "Invalid OAuth access token - Cannot parse access token" });
}

export function expiredToken(expiresAt: number, now: number): MetaError {
  return new MetaError({
    code: 190,
    subcode: 463,
    message: `Error validating access token: Session has expired on ${httpDate(expiresAt)}. The current time is ${httpDate(now)}.`,
  });
}

export function permissionMissing(scope: string): MetaError {
  return new MetaError({
    code: 10,
    message: `(#10) Application does not have permission for this action: the token lacks the ${scope} permission.`,
    status: 403,
  });
}

/** Graph's answer for an id that does not exist or that this token may not see. */
export function unsupportedRequest(method: "get" | "post" | "delete", id: string): MetaError {
  return new MetaError({
    code: 100,
    subcode: 33,
    type: "THApiException",
    message: `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  });
}

export function nonexistingField(field: string, nodeType: string): MetaError {
  return new MetaError({
    code: 100,
    message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
  });
}

/** 24 / 4279009: the container is not ready (or not there) for publishing. */
export function mediaNotFound(userMsg: string): MetaError {
  return new MetaError({
    code: 24,
    subcode: 4279009,
    message: "The requested resource does not exist",
    userTitle: "Media Not Found",
    userMsg,
  });
}

/** Meta-style date used in token error messages, e.g. "Tuesday, 09-Jul-24 12:00:00 UTC". */
function httpDate(ms: number): string {
  const d = new Date(ms);
  const day = d.toLocaleDateString("en-US", { weekday: "long", timeZone: "UTC" });
  const mon = d.toLocaleDateString("en-US", { month: "short", timeZone: "UTC" });
  const p = (n: number) => String(n).padStart(2, "0");
  return `${day}, ${p(d.getUTCDate())}-${mon}-${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}

/** Meta's timestamp format: ISO 8601 with "+0000" instead of "Z" and no milliseconds. */
export function metaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+0000");
}
