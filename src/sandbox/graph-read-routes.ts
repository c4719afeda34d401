import type { Context, Hono } from "hono";
import { authenticate, requireSelf } from "./auth.js";
import type { SandboxContext } from "./context.js";
import { invalidParam, MetaError, unsupportedRequest } from "./errors.js";
import { parseFields, renderContainer, renderMedia, renderUser } from "./fields.js";
import { paginate } from "./listing.js";
import { readParams } from "./params.js";
import { ghostStatusOf } from "./replies.js";
import { requireLiveToken } from "./tokens.js";

/** Profile, node lookups, post and reply lists, debug_token. */
export function registerReadRoutes(app: Hono, ctx: SandboxContext): void {
  // Token endpoints are unversioned; Meta answers code 100 when they are called under /v1.0.
  for (const path of ["/v1.0/access_token", "/v1.0/refresh_access_token", "/v1.0/oauth/access_token"]) {
    app.all(path, function versionedTokenEndpoint(c) {
      throw invalidParam(
        `Unsupported request: ${c.req.path} does not exist; token endpoints are unversioned (${path.slice(5)}).`,
      );
    });
  }

  app.get("/v1.0/debug_token", async function debugToken(c) {
    const params = await readParams(c);
    const now = ctx.clock.now();
    const caller = params.access_token;
    if (!caller)
      throw invalidParam("You must provide an app access token or a user access token (access_token).");
    if (caller !== `${ctx.appId}|${ctx.appSecret}`) requireLiveToken(ctx.state, caller, now);
    const input = params.input_token;
    if (!input) throw invalidParam("The parameter input_token is required.");
    const record = ctx.state.tokens.get(input);
    if (!record) {
      return c.json({
        data: { is_valid: false, scopes: [], error: { code: 190, message: "Invalid OAuth access token." } },
      });
    }
    const valid = now < record.expiresAt;
    return c.json({
      data: {
        app_id: ctx.appId,
        type: "USER",
        application: "Threads sandbox",
        data_access_expires_at: Math.floor((record.issuedAt + 90 * 86_400_000) / 1000),
        expires_at: Math.floor(record.expiresAt / 1000),
        is_valid: valid,
        issued_at: Math.floor(record.issuedAt / 1000),
        scopes: record.scopes,
        user_id: record.userId,
        ...(valid
          ? {}
          : {
              error: {
                code: 190,
                subcode: 463,
                message: "Error validating access token: Session has expired.",
              },
            }),
      },
    });
  });

  app.get("/v1.0/:id/threads", async function listThreads(c) {
    const caller = await authenticate(c, ctx);
    requireSelf(caller, c.req.param("id"), "get");
    // Meta's /threads edge lists top-level posts; replies (chain parts too) are under /replies.
    const posts = ctx.state.postsOf(caller.user.id).filter((m) => m.replyToId === undefined);
    // An archived ghost post (24 h after publishing) leaves the profile's list (UNVERIFIED; /ghost_posts has it).
    const now = ctx.clock.now();
    const listed = posts.filter((m) => ghostStatusOf(m, now) !== "ARCHIVED");
    return listPage(c, ctx, listed, caller.params);
  });

  app.get("/v1.0/:id/replies", async function listUserReplies(c) {
    const id = c.req.param("id");
    const media = ctx.state.liveMedia(id);
    if (media) {
      // GET /{media-id}/replies: the top-level replies under a post.
      const caller = await authenticate(c, ctx, "threads_read_replies");
      const replies = [...ctx.state.media.values()].filter(
        (m) => m.replyToId === media.id && m.deletedAt === undefined,
      );
      return listPage(c, ctx, replies, caller.params);
    }
    const caller = await authenticate(c, ctx, "threads_read_replies");
    requireSelf(caller, id, "get");
    const replies = ctx.state.postsOf(caller.user.id).filter((m) => m.replyToId !== undefined);
    return listPage(c, ctx, replies, caller.params);
  });

  app.get("/v1.0/:id", async function getNode(c) {
    const caller = await authenticate(c, ctx);
    const id = c.req.param("id");
    const fields = parseFields(caller.params.fields);
    const origin = ctx.baseUrl ?? new URL(c.req.url).origin;
    if (id === "me" || id === caller.user.id) return c.json(renderUser(caller.user, fields, origin));
    const container = ctx.state.containers.get(id);
    if (container && container.userId === caller.user.id) {
      return c.json(renderContainer(container, fields, ctx.clock.now()));
    }
    const media = ctx.state.liveMedia(id);
    if (media) return c.json(renderMedia(media, fields, ctx.state, origin, ctx.clock.now()));
    throw unsupportedRequest("get", id);
  });
}

function listPage(
  c: Context,
  ctx: SandboxContext,
  items: Parameters<typeof paginate>[0],
  params: Record<string, string>,
): Response {
  const fields = parseFields(params.fields);
  const origin = ctx.baseUrl ?? new URL(c.req.url).origin;
  const page = paginate(items, params, c.req.url);
  const now = ctx.clock.now();
  const data = page.items.map((m) => renderMedia(m, fields, ctx.state, origin, now));
  return c.json(page.paging ? { data, paging: page.paging } : { data });
}

export function unknownPath(path: string): MetaError {
  return new MetaError({ code: 100, type: "OAuthException", message: `Unknown path components: ${path}` });
}
