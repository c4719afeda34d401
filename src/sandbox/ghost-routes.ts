import type { Hono } from "hono";
import { authenticate, requireSelf } from "./auth.js";
import type { SandboxContext } from "./context.js";
import { parseFields, renderMedia } from "./fields.js";
import { paginate } from "./listing.js";
import { ghostExpirationOf, ghostStatusOf } from "./replies.js";

/**
 * `GET /{user-id}/ghost_posts` (Meta's "Retrieve posts" page: "a list of all ghost posts created by an app-scoped
 * user"), active and archived, newest first, with `ghost_post_status` by the sandbox clock and
 * `ghost_post_expiration_timestamp` (published + 24 h).
 */
export function registerGhostRoutes(app: Hono, ctx: SandboxContext): void {
  app.get("/v1.0/:id/ghost_posts", async function listGhostPosts(c) {
    const caller = await authenticate(c, ctx);
    requireSelf(caller, c.req.param("id"), "get");
    const now = ctx.clock.now();
    const posts = ctx.state
      .postsOf(caller.user.id)
      .filter((m) => m.isGhostPost === true && m.replyToId === undefined && m.deletedAt === undefined);
    const fields = parseFields(caller.params.fields);
    const extras = new Set(["ghost_post_status", "ghost_post_expiration_timestamp"]);
    const plain = fields.filter((f) => !extras.has(f));
    const origin = ctx.baseUrl ?? new URL(c.req.url).origin;
    const page = paginate(posts, caller.params, c.req.url);
    const data = page.items.map((m) => {
      const out = renderMedia(m, plain.length > 0 ? plain : ["id"], ctx.state, origin);
      const rendered: Record<string, unknown> = {};
      for (const field of fields) {
        rendered[field] =
          field === "ghost_post_status"
            ? ghostStatusOf(m, now)
            : field === "ghost_post_expiration_timestamp"
              ? ghostExpirationOf(m)
              : out[field];
      }
      return Object.fromEntries(Object.entries(rendered).filter(([, v]) => v !== undefined));
    });
    return c.json(page.paging ? { data, paging: page.paging } : { data });
  });
}
