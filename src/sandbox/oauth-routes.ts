import type { Context, Hono } from "hono";
import { type ConsentRequest, renderConsentPage, renderErrorPage } from "./consent-page.js";
import type { SandboxContext } from "./context.js";
import { invalidParam, MetaError, missingToken } from "./errors.js";
import { readParams } from "./params.js";
import { randomToken } from "./state.js";
import {
  ALL_SCOPES,
  createUserRecord,
  exchangeForLongLived,
  issueToken,
  refreshLongLived,
} from "./tokens.js";
import type { TokenRecord } from "./types.js";

const CODE_LIFETIME_MS = 60 * 60 * 1000;
const USERNAME = /^[a-z0-9._]{1,30}$/;

/** Authorization window, code exchange, long-lived exchange and refresh (all unversioned, as at Meta). */
export function registerOAuthRoutes(app: Hono, ctx: SandboxContext): void {
  app.get("/oauth/authorize", async function showConsent(c) {
    const req = consentRequest(await readParams(c));
    const problem = checkConsentRequest(req, ctx, (await readParams(c)).response_type);
    if (problem) return c.html(renderErrorPage(problem), 400);
    return c.html(renderConsentPage(req));
  });

  app.post("/oauth/authorize", async function decideConsent(c) {
    const params = await readParams(c);
    const req = consentRequest(params);
    const problem = checkConsentRequest(req, ctx, "code");
    if (problem) return c.html(renderErrorPage(problem), 400);
    if (params.decision !== "allow") {
      return c.redirect(
        redirectWith(req, {
          error: "access_denied",
          error_code: "200",
          error_description: "Permissions error",
          error_reason: "user_denied",
        }),
        302,
      );
    }
    const username = (params.username ?? "").trim().toLowerCase();
    if (username !== "" && !USERNAME.test(username)) {
      const message =
        "ユーザー名は英小文字・数字・ピリオド・アンダースコアの 30 文字以内です。 / A username is 1–30 lowercase letters, digits, periods or underscores.";
      return c.html(renderConsentPage(req, message, params.username ?? ""), 400);
    }
    const now = ctx.clock.now();
    const user =
      (username && ctx.state.userByName(username)) || createUserRecord(ctx.state, now, username || undefined);
    const code = randomToken("AQ", 96);
    ctx.state.codes.set(code, {
      code,
      userId: user.id,
      clientId: req.clientId,
      redirectUri: req.redirectUri,
      scopes: scopesOf(req.scope),
      createdAt: now,
      used: false,
    });
    ctx.state.changed(true);
    return c.redirect(redirectWith(req, { code }), 302);
  });

  app.post("/oauth/access_token", async function exchangeCode(c) {
    const p = await readParams(c);
    const fail = (message: string) =>
      c.json({ error_type: "OAuthException", code: 400, error_message: message }, 400);
    if (p.grant_type !== "authorization_code")
      return fail("Invalid grant_type: expected authorization_code.");
    if (p.client_id !== ctx.appId) return fail("Invalid platform app");
    if (p.client_secret !== ctx.appSecret) return fail("Error validating client secret.");
    const now = ctx.clock.now();
    const record = p.code ? ctx.state.codes.get(p.code) : undefined;
    if (!record || record.used || record.clientId !== p.client_id) {
      return fail("Matching code was not found or was already used");
    }
    if (now - record.createdAt >= CODE_LIFETIME_MS) return fail("This authorization code has expired.");
    if (record.redirectUri !== p.redirect_uri) {
      return fail(
        "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
      );
    }
    record.used = true;
    const token = issueToken(ctx.state, record.userId, "short", now, record.scopes);
    // Meta sends user_id as a JSON number; sandbox user ids stay below 2^53 so nothing is lost.
    return c.json({ access_token: token.token, user_id: Number(record.userId) });
  });

  app.get("/access_token", async function exchangeForLong(c) {
    const p = await readParams(c);
    if (p.grant_type !== "th_exchange_token") throw invalidParam("grant_type must be th_exchange_token.");
    if (p.client_secret !== ctx.appSecret) {
      throw new MetaError({ code: 101, message: "Error validating client secret.", type: "OAuthException" });
    }
    if (!p.access_token) throw missingToken();
    return tokenAnswer(c, exchangeForLongLived(ctx.state, p.access_token, ctx.clock.now()), ctx);
  });

  app.get("/refresh_access_token", async function refresh(c) {
    const p = await readParams(c);
    if (p.grant_type !== "th_refresh_token") throw invalidParam("grant_type must be th_refresh_token.");
    if (!p.access_token) throw missingToken();
    return tokenAnswer(c, refreshLongLived(ctx.state, p.access_token, ctx.clock.now()), ctx);
  });
}

function tokenAnswer(c: Context, token: TokenRecord, ctx: SandboxContext): Response {
  const expiresIn = Math.floor((token.expiresAt - ctx.clock.now()) / 1000);
  return c.json({ access_token: token.token, token_type: "bearer", expires_in: expiresIn });
}

function consentRequest(p: Record<string, string>): ConsentRequest {
  return {
    clientId: p.client_id ?? "",
    redirectUri: p.redirect_uri ?? "",
    scope: p.scope ?? "",
    state: p.state ?? "",
  };
}

function scopesOf(scope: string): string[] {
  return [
    ...new Set(
      scope
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ),
  ];
}

/** What Meta's window refuses before showing anything; undefined when the request is fine. */
function checkConsentRequest(req: ConsentRequest, ctx: SandboxContext, responseType: string | undefined) {
  if (req.clientId !== ctx.appId) {
    return `Invalid platform app: client_id "${req.clientId}" is not this sandbox's app id ("${ctx.appId}").`;
  }
  let url: URL;
  try {
    url = new URL(req.redirectUri);
  } catch {
    return "redirect_uri is missing or is not a valid URL.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "redirect_uri must be an http(s) URL.";
  if (responseType !== "code") return 'response_type must be "code".';
  const scopes = scopesOf(req.scope);
  const unknown = scopes.filter(
    (s) => !(ALL_SCOPES as readonly string[]).includes(s) && !s.startsWith("threads_"),
  );
  if (unknown.length > 0) return `Invalid scope: ${unknown.join(", ")}.`;
  if (!scopes.includes("threads_basic")) return "scope must include threads_basic.";
  return undefined;
}

function redirectWith(req: ConsentRequest, values: Record<string, string>): string {
  const url = new URL(req.redirectUri);
  for (const [key, value] of Object.entries(values)) url.searchParams.set(key, value);
  if (req.state) url.searchParams.set("state", req.state);
  url.hash = "_";
  return url.toString();
}
