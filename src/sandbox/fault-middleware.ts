import type { Context, MiddlewareHandler, Next } from "hono";
import type { SandboxContext } from "./context.js";
import { expiredToken, MetaError } from "./errors.js";
import type { FaultRule } from "./faults.js";
import { readParams, tokenFrom } from "./params.js";

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Artificial latency, then fault injection, for every API call (not for /__sandbox admin routes, nor for
 * the post pages that permalinks point at).
 * `lost_response` lets the handler do its work (really publish) and then answers 500, so the caller
 * cannot know whether it worked: the situation that makes naive retries post twice.
 */
export function faultMiddleware(ctx: SandboxContext): MiddlewareHandler {
  return async function injectFaults(c: Context, next: Next) {
    if (c.req.path.startsWith("/__sandbox") || c.req.path.startsWith("/@")) return next();
    const arrivedAt = ctx.clock.now();
    await ctx.sleeper.sleep(ctx.latencyMs, c.req.raw.signal);
    const userId = await requestUserId(c, ctx);
    ctx.calls.record(userId, arrivedAt);
    const rule = ctx.faults.take({ path: c.req.path, method: c.req.method, userId });
    if (!rule) return next();
    switch (rule.kind) {
      case "http_500":
        return transientError(1, "An unknown error has occurred.", 500);
      case "http_503":
        return transientError(2, "Service temporarily unavailable. Please retry your request later.", 503);
      case "timeout":
        await ctx.sleeper.sleep(rule.delayMs ?? DEFAULT_TIMEOUT_MS, c.req.raw.signal);
        return transientError(2, "The request timed out (sandbox fault injection).", 504);
      case "rate_limit":
        return rateLimit(rule);
      case "token_expired": {
        const now = ctx.clock.now();
        return expiredToken(now - 1000, now).toResponse();
      }
      case "lost_response":
        await next();
        await ctx.sleeper.sleep(rule.delayMs ?? 0, c.req.raw.signal);
        c.res = undefined;
        c.res = transientError(1, "An unknown error has occurred.", 500);
        return;
      case "error":
        return customError(rule);
    }
  };
}

function transientError(code: number, message: string, status: number): Response {
  return new MetaError({ code, message, status, type: "OAuthException", transient: true }).toResponse();
}

function rateLimit(rule: FaultRule): Response {
  const code = rule.error?.code ?? 4;
  const messages: Record<number, string> = {
    4: "Application request limit reached",
    17: "User request limit reached",
    341: "Application limit reached",
  };
  return new MetaError({
    code,
    ...(rule.error?.subcode === undefined ? {} : { subcode: rule.error.subcode }),
    message: rule.error?.message ?? `(#${code}) ${messages[code] ?? "Request limit reached"}`,
    type: "OAuthException",
    status: rule.error?.status ?? 400,
    transient: true,
  }).toResponse();
}

function customError(rule: FaultRule): Response {
  const error = rule.error!;
  return new MetaError({
    code: error.code,
    ...(error.subcode === undefined ? {} : { subcode: error.subcode }),
    message: error.message ?? `Injected error (code ${error.code}).`,
    ...(error.status === undefined ? {} : { status: error.status }),
  }).toResponse();
}

async function requestUserId(c: Context, ctx: SandboxContext): Promise<string | undefined> {
  let params: Record<string, string>;
  try {
    params = await readParams(c);
  } catch {
    return undefined;
  }
  const token = tokenFrom(c, params);
  return token === undefined ? undefined : ctx.state.tokens.get(token)?.userId;
}
