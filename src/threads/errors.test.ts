import { describe, expect, it } from "vitest";
import {
  classifyMetaError,
  deleteFailure,
  httpError,
  isGoneOnRead,
  isNotFoundRefusal,
  isPublishCall,
  isQuotaRefusal,
  mayBeQuotaRefusal,
  mayHavePublished,
  networkError,
  ThreadsApiError,
} from "./errors.js";

const meta = (error: Record<string, unknown>) => ({ error: { type: "OAuthException", ...error } });

describe("classifyMetaError", () => {
  it.each([
    [500, meta({ code: 1, message: "An unknown error occurred" }), "transient"],
    [400, meta({ code: 2, message: "Service temporarily unavailable" }), "transient"],
    [400, meta({ code: 100, message: "x", is_transient: true }), "transient"],
    [503, "Service Unavailable", "transient"],
    [502, undefined, "transient"],
    [400, meta({ code: 4, message: "Application request limit reached" }), "rate_limited"],
    [400, meta({ code: 17, message: "User request limit reached" }), "rate_limited"],
    [400, meta({ code: 341, message: "Application limit reached" }), "rate_limited"],
    [429, {}, "rate_limited"],
    [400, meta({ code: 190, error_subcode: 463, message: "Error validating access token" }), "auth"],
    [401, meta({ code: 190, message: "Invalid OAuth access token" }), "auth"],
    [400, meta({ code: 24, error_subcode: 4279009, message: "Media Not Found" }), "not_ready"],
    [400, meta({ code: 24, message: "Other" }), "permanent"],
    [403, meta({ code: 10, message: "Application does not have permission" }), "permanent"],
    [403, meta({ code: 200, message: "Permissions error" }), "permanent"],
    [400, meta({ code: 100, message: "Invalid parameter" }), "permanent"],
    [
      400,
      { error_type: "OAuthException", code: 400, error_message: "Matching code was not found" },
      "permanent",
    ],
  ])("HTTP %i %j → %s", (status, body, kind) => {
    expect(classifyMetaError(status, body).kind).toBe(kind);
  });

  it("keeps Meta's message, codes, trace id and user message", () => {
    const c = classifyMetaError(
      400,
      meta({
        code: 24,
        error_subcode: 4279009,
        message: "Media Not Found",
        fbtrace_id: "AbC",
        error_user_title: "Not found",
        error_user_msg: "The media could not be found",
      }),
    );
    expect(c).toMatchObject({
      code: 24,
      subcode: 4279009,
      fbtraceId: "AbC",
      userTitle: "Not found",
      userMessage: "The media could not be found",
      metaMessage: "Media Not Found",
      type: "OAuthException",
    });
    expect(c.message).toContain("Media Not Found");
  });

  it("tells the user to reconnect on token and permission errors", () => {
    expect(classifyMetaError(400, meta({ code: 190, message: "Session has expired" })).message).toMatch(
      /Session has expired.*reconnect the Threads account/,
    );
    const permission = classifyMetaError(403, meta({ code: 10, message: "Permission denied" })).message;
    expect(permission).toContain("Permission denied");
    expect(permission).toMatch(/reconnect it and allow/);
  });

  it("reads the token endpoints' flat shape", () => {
    const c = classifyMetaError(400, {
      error_type: "OAuthException",
      code: 400,
      error_message: "Matching code was not found or was already used",
    });
    expect(c.message).toContain("Matching code was not found or was already used");
    expect(c.type).toBe("OAuthException");
  });

  it("describes a body that is not Meta's shape", () => {
    expect(classifyMetaError(502, "<html>Bad gateway</html>").metaMessage).toBe("<html>Bad gateway</html>");
    expect(classifyMetaError(500, null).metaMessage).toContain("HTTP 500");
  });
});

describe("httpError", () => {
  it("marks 5xx and unknown errors on a POST as outcome unknown, never a GET or a 4xx", () => {
    expect(httpError("POST /v1.0/1/threads_publish", "POST", 500, {}).outcomeUnknown).toBe(true);
    expect(httpError("POST /v1.0/1/threads_publish", "POST", 400, meta({ code: 1 })).outcomeUnknown).toBe(
      true,
    );
    expect(httpError("GET /v1.0/me", "GET", 500, {}).outcomeUnknown).toBe(false);
    expect(httpError("POST /v1.0/1/threads", "POST", 400, meta({ code: 4 })).outcomeUnknown).toBe(false);
    expect(httpError("POST /v1.0/1/threads", "POST", 400, meta({ code: 190 })).outcomeUnknown).toBe(false);
  });

  it("builds a ThreadsApiError with retryable per kind", () => {
    const e = httpError("GET /v1.0/me", "GET", 400, meta({ code: 190, error_subcode: 463, fbtrace_id: "T" }));
    expect(e).toBeInstanceOf(ThreadsApiError);
    expect(e).toMatchObject({
      name: "ThreadsApiError",
      kind: "auth",
      code: 190,
      subcode: 463,
      httpStatus: 400,
    });
    expect(e.fbtraceId).toBe("T");
    expect(e.endpoint).toBe("GET /v1.0/me");
    expect(e.retryable).toBe(false);
    expect(httpError("GET /v1.0/me", "GET", 503, {}).retryable).toBe(true);
    expect(httpError("GET /x", "GET", 400, meta({ code: 17 })).retryable).toBe(true);
    expect(httpError("GET /x", "GET", 400, meta({ code: 24, error_subcode: 4279009 })).retryable).toBe(true);
  });
});

describe("networkError", () => {
  const fetchFailed = (code: string) =>
    Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(code), { code }) });

  it("a refused connection or DNS failure never reached Threads", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]) {
      const e = networkError("POST /v1.0/1/threads_publish", "POST", fetchFailed(code), 30_000);
      expect(e).toMatchObject({ kind: "transient", outcomeUnknown: false });
      expect(e.message).toContain(code);
    }
  });

  it("a timeout or reset after sending a POST has an unknown outcome", () => {
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    expect(networkError("POST /p", "POST", timeout, 500)).toMatchObject({
      kind: "transient",
      outcomeUnknown: true,
    });
    expect(networkError("POST /p", "POST", timeout, 500).message).toContain("no answer within 500 ms");
    expect(networkError("POST /p", "POST", fetchFailed("ECONNRESET"), 500).outcomeUnknown).toBe(true);
    expect(networkError("POST /p", "POST", fetchFailed("UND_ERR_SOCKET"), 500).outcomeUnknown).toBe(true);
    expect(networkError("GET /p", "GET", timeout, 500).outcomeUnknown).toBe(false);
  });
});

describe("what a failed call means for publishing", () => {
  const PUBLISH = "POST /v1.0/123/threads_publish";
  const CREATE = "POST /v1.0/123/threads";
  const error = (endpoint: string, init: Partial<ConstructorParameters<typeof ThreadsApiError>[0]> = {}) =>
    new ThreadsApiError({ kind: "transient", message: "x", endpoint, ...init });

  it("only threads_publish is a publish call", () => {
    expect(isPublishCall(error(PUBLISH))).toBe(true);
    expect(isPublishCall(error(CREATE))).toBe(false);
    expect(isPublishCall(error("GET /v1.0/123/threads_publishing_limit"))).toBe(false);
  });

  it("a post may exist only after a publish call whose outcome is unknown", () => {
    expect(mayHavePublished(error(PUBLISH, { outcomeUnknown: true }))).toBe(true);
    expect(mayHavePublished(error(PUBLISH))).toBe(false);
    // A container created by a call whose answer was lost is unused and expires: nothing was published.
    expect(mayHavePublished(error(CREATE, { outcomeUnknown: true }))).toBe(false);
  });

  it("code 9 is the quota; any other permanent refusal of a publish may be the quota too", () => {
    const quota = httpError(PUBLISH, "POST", 400, meta({ code: 9, message: "limit" }));
    expect(isQuotaRefusal(quota)).toBe(true);
    expect(mayBeQuotaRefusal(quota)).toBe(false);
    const other = httpError(PUBLISH, "POST", 400, meta({ code: 100, message: "refused" }));
    expect(isQuotaRefusal(other)).toBe(false);
    expect(mayBeQuotaRefusal(other)).toBe(true);
    expect(mayBeQuotaRefusal(httpError(CREATE, "POST", 400, meta({ code: 100 })))).toBe(false);
    expect(mayBeQuotaRefusal(httpError(PUBLISH, "POST", 500, {}))).toBe(false);
  });
});

describe("THREADS_API__LINK_LIMIT_EXCEEDED", () => {
  const endpoint = "POST /v1.0/1/threads";

  it.each([
    ["the message", { code: 100, message: "(#100) THREADS_API__LINK_LIMIT_EXCEEDED: 6 links" }],
    [
      "the user message",
      { code: 100, message: "Invalid parameter", error_user_msg: "THREADS_API__LINK_LIMIT_EXCEEDED" },
    ],
    [
      "the user title",
      { code: 1, message: "An unknown error occurred", error_user_title: "THREADS_API__LINK_LIMIT_EXCEEDED" },
    ],
    [
      "a transient-flagged error",
      { code: 100, is_transient: true, message: "THREADS_API__LINK_LIMIT_EXCEEDED" },
    ],
  ])("in %s: a permanent refusal that says why and is never retried", (_, error) => {
    const e = httpError(endpoint, "POST", 400, meta(error));
    expect(e.kind).toBe("permanent");
    expect(e.retryable).toBe(false);
    expect(e.outcomeUnknown).toBe(false);
    expect(e.linkLimitExceeded).toBe(true);
    expect(e.message).toContain("THREADS_API__LINK_LIMIT_EXCEEDED");
    expect(e.message).toContain("the post has more than 5 links");
    expect(mayBeQuotaRefusal(e)).toBe(false);
  });

  it("with a 5xx status still created nothing", () => {
    const e = httpError(
      endpoint,
      "POST",
      500,
      meta({ code: 2, message: "THREADS_API__LINK_LIMIT_EXCEEDED" }),
    );
    expect({ kind: e.kind, outcomeUnknown: e.outcomeUnknown }).toEqual({
      kind: "permanent",
      outcomeUnknown: false,
    });
  });

  it("on a publish call is not taken for the quota in disguise", () => {
    const e = httpError(
      "POST /v1.0/1/threads_publish",
      "POST",
      400,
      meta({ code: 100, message: "THREADS_API__LINK_LIMIT_EXCEEDED" }),
    );
    expect(mayBeQuotaRefusal(e)).toBe(false);
  });

  it("other errors are not link-limit refusals", () => {
    const e = httpError(endpoint, "POST", 400, meta({ code: 100, message: "Invalid parameter" }));
    expect(e.linkLimitExceeded).toBe(false);
    expect(classifyMetaError(400, meta({ code: 100, message: "x" })).linkLimitExceeded).toBe(false);
  });
});

describe("100/33 (does not exist, missing permissions, or unsupported)", () => {
  const gone = meta({ code: 100, error_subcode: 33, message: "Object with ID '1' does not exist" });

  it("is one predicate, for a write and a read alike; a read's plain 404 is gone too", () => {
    expect(isNotFoundRefusal(httpError("DELETE /v1.0/{media-id}", "DELETE", 400, gone))).toBe(true);
    expect(isNotFoundRefusal(httpError("POST /v1.0/1/repost", "POST", 400, gone))).toBe(true);
    expect(isNotFoundRefusal(httpError("DELETE /v1.0/{media-id}", "DELETE", 400, meta({ code: 100 })))).toBe(
      false,
    );
    expect(isGoneOnRead(httpError("GET /v1.0/{media-id}", "GET", 400, gone))).toBe(true);
    expect(isGoneOnRead(httpError("GET /v1.0/{media-id}", "GET", 404, "Not Found"))).toBe(true);
    expect(isGoneOnRead(httpError("GET /v1.0/{media-id}", "GET", 403, meta({ code: 10 })))).toBe(false);
  });

  it("on a delete of a post still there: a permanent refusal that says to reconnect granting threads_delete", () => {
    const e = deleteFailure(httpError("DELETE /v1.0/{media-id}", "DELETE", 400, gone), "1805");
    expect(e).toMatchObject({ kind: "permanent", code: 100, subcode: 33, retryable: false });
    expect(e.message).toMatch(
      /post 1805 .*still on Threads: reconnect the account granting the threads_delete/,
    );
  });
});
