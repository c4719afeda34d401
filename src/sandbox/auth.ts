import type { Context } from "hono";
import type { SandboxContext } from "./context.js";
import { missingToken, permissionMissing, unsupportedRequest } from "./errors.js";
import { readParams, tokenFrom } from "./params.js";
import { requireLiveToken } from "./tokens.js";
import type { TokenRecord, UserRecord } from "./types.js";

export interface Caller {
  user: UserRecord;
  token: TokenRecord;
  params: Record<string, string>;
}

/** Resolves the caller's token (190 when unknown or expired) and checks the scopes the endpoint needs. */
export async function authenticate(c: Context, ctx: SandboxContext, ...scopes: string[]): Promise<Caller> {
  const params = await readParams(c);
  const raw = tokenFrom(c, params);
  if (!raw) throw missingToken();
  const token = requireLiveToken(ctx.state, raw, ctx.clock.now());
  for (const scope of ["threads_basic", ...scopes]) {
    if (!token.scopes.includes(scope)) throw permissionMissing(scope);
  }
  return { user: ctx.state.users.get(token.userId)!, token, params };
}

/** `/{user-id}/…` edges work only for "me" or the caller's own id. */
export function requireSelf(caller: Caller, pathId: string, method: "get" | "post"): void {
  if (pathId !== "me" && pathId !== caller.user.id) throw unsupportedRequest(method, pathId);
}
