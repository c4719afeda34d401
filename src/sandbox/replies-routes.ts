import type { Context, Hono } from "hono";
import { authenticate, type Caller } from "./auth.js";
import type { SandboxContext } from "./context.js";
import { invalidParam, MetaError, unsupportedRequest } from "./errors.js";
import { parseFields, renderMedia } from "./fields.js";
import { paginate } from "./listing.js";
import { hideStatusOf, isVisibleReply, seedPost, seedReply } from "./replies.js";
import type { SandboxState } from "./state.js";
import type { MediaRecord } from "./types.js";

type Extra = (m: MediaRecord) => unknown;

/**
 * Reply management (Meta's "Reply management" page): the top-level replies of a post with their hide status,
 * pending replies of a post with reply approvals, approving or ignoring them, hiding or unhiding a top-level
 * reply. Registered before the read routes: `GET /{media-id}/replies` is answered here, `/me/replies` there.
 * Also the admin routes that seed replies from made-up users and posts with options for listings.
 */
export function registerReplyRoutes(app: Hono, ctx: SandboxContext): void {
  app.post("/__sandbox/replies", async function seedReplyRoute(c) {
    const body = await jsonObject(c);
    if (typeof body.reply_to_id !== "string" || body.reply_to_id === "")
      return c.json({ error: "reply_to_id (the post replied to) is required." }, 400);
    if (typeof body.text !== "string" || body.text === "") return c.json({ error: "text is required." }, 400);
    if (body.username !== undefined && typeof body.username !== "string")
      return c.json({ error: "username must be a string." }, 400);
    if (body.pending !== undefined && typeof body.pending !== "boolean")
      return c.json({ error: "pending must be true or false." }, 400);
    const reply = seedReply(
      ctx.state,
      {
        replyToId: body.reply_to_id,
        text: body.text,
        ...(body.username === undefined ? {} : { username: body.username }),
        ...(body.pending === undefined ? {} : { pending: body.pending }),
      },
      ctx.clock.now(),
    );
    if (!reply) return c.json({ error: `No post ${body.reply_to_id} to reply to.` }, 404);
    return c.json(seedAnswer(ctx.state, reply), 201);
  });

  app.post("/__sandbox/posts", async function seedPostRoute(c) {
    const body = await jsonObject(c);
    if (typeof body.user_id !== "string" || typeof body.text !== "string")
      return c.json({ error: "user_id and text are required strings." }, 400);
    const age = body.age_seconds ?? 0;
    if (typeof age !== "number" || !(age >= 0))
      return c.json({ error: "age_seconds must be a number ≥ 0." }, 400);
    const post = seedPost(
      ctx.state,
      {
        userId: body.user_id,
        text: body.text,
        isGhostPost: body.is_ghost_post === true,
        replyApprovals: body.enable_reply_approvals === true,
        ageMs: age * 1000,
      },
      ctx.clock.now(),
    );
    if (!post) return c.json({ error: `No user ${body.user_id}.` }, 404);
    return c.json({ id: post.id }, 201);
  });

  app.get("/v1.0/:id/replies", async function listPostReplies(c, next) {
    const media = ctx.state.media.get(c.req.param("id"));
    if (!media) return next();
    const caller = await authenticate(c, ctx, "threads_read_replies");
    if (media.deletedAt !== undefined) throw unsupportedRequest("get", media.id);
    const replies = [...ctx.state.media.values()].filter(
      (m) => m.replyToId === media.id && isVisibleReply(m),
    );
    return listPage(c, ctx, replies, caller, {
      hide_status: (m) => hideStatusOf(ctx.state, m),
      reply_approval_status: () => undefined,
    });
  });

  app.get("/v1.0/:id/pending_replies", async function listPendingReplies(c) {
    const caller = await authenticate(c, ctx, "threads_read_replies");
    const post = ownPost(ctx.state, caller, c.req.param("id"), "get", "see the pending replies of");
    const status = caller.params.approval_status ?? "pending";
    if (status !== "pending" && status !== "ignored") {
      throw invalidParam(`approval_status must be "pending" or "ignored" (got "${status}").`);
    }
    const replies = [...ctx.state.media.values()].filter(
      (m) => m.rootId === post.id && m.approvalStatus === status && m.deletedAt === undefined,
    );
    return listPage(c, ctx, replies, caller, {
      hide_status: (m) => hideStatusOf(ctx.state, m),
      reply_approval_status: (m) => m.approvalStatus,
    });
  });

  app.post("/v1.0/:id/manage_pending_reply", async function managePendingReply(c) {
    const caller = await authenticate(c, ctx, "threads_manage_replies");
    const reply = replyOf(ctx.state, c.req.param("id"));
    ownPost(ctx.state, caller, reply.rootId!, "post", "approve or ignore replies to");
    const approve = booleanParam(caller.params.approve, "approve");
    if (reply.approvalStatus === undefined) {
      throw invalidParam(
        `Reply ${reply.id} is not awaiting approval: it is already visible.`,
        "Only pending or ignored replies can be approved or ignored.",
      );
    }
    // Ignored replies can still be approved later; ignoring a pending one keeps it out of sight.
    if (approve) delete reply.approvalStatus;
    else reply.approvalStatus = "ignored";
    ctx.state.changed(true);
    return c.json({ success: true });
  });

  app.post("/v1.0/:id/manage_reply", async function manageReply(c) {
    const caller = await authenticate(c, ctx, "threads_manage_replies");
    const reply = replyOf(ctx.state, c.req.param("id"));
    ownPost(ctx.state, caller, reply.rootId!, "post", "hide replies to");
    const hide = booleanParam(caller.params.hide, "hide");
    if (reply.replyToId !== reply.rootId) {
      throw invalidParam(
        "Replies nested deeper than the top-level reply cannot be targeted in isolation: hide or unhide the top-level reply, which applies to its nested replies too.",
      );
    }
    if (reply.approvalStatus !== undefined) {
      throw invalidParam(`Reply ${reply.id} is awaiting approval: approve it before hiding or unhiding it.`);
    }
    reply.hidden = hide;
    ctx.state.changed(true);
    return c.json({ success: true });
  });
}

function seedAnswer(state: SandboxState, reply: MediaRecord): Record<string, unknown> {
  return {
    id: reply.id,
    username: state.users.get(reply.userId)?.username,
    reply_to_id: reply.replyToId,
    approval_status: reply.approvalStatus ?? null,
  };
}

/** A reply (not a post, not a carousel child, not deleted), or Graph's "does not exist". */
function replyOf(state: SandboxState, id: string): MediaRecord {
  const reply = state.media.get(id);
  if (!reply || reply.deletedAt !== undefined || reply.parentId !== undefined)
    throw unsupportedRequest("post", id);
  if (reply.replyToId === undefined || reply.rootId === undefined) {
    throw invalidParam(`${id} is a post, not a reply: only replies can be managed.`);
  }
  return reply;
}

/** The caller's own live top-level post; someone else's is Meta's permission refusal. */
function ownPost(
  state: SandboxState,
  caller: Caller,
  id: string,
  method: "get" | "post",
  what: string,
): MediaRecord {
  const post = state.media.get(id);
  if (!post || post.deletedAt !== undefined || post.parentId !== undefined)
    throw unsupportedRequest(method, id);
  if (post.userId !== caller.user.id) {
    throw new MetaError({
      code: 10,
      message: `(#10) Application does not have permission for this action: only the author of post ${id} can ${what} it.`,
      status: 403,
    });
  }
  return post;
}

function booleanParam(raw: string | undefined, name: string): boolean {
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw invalidParam(
    `The parameter ${name} is required and must be true or false (got ${raw === undefined ? "nothing" : `"${raw}"`}).`,
  );
}

/** A page of replies, with the fields these routes know better than renderMedia (hide status, approval status). */
function listPage(
  c: Context,
  ctx: SandboxContext,
  items: MediaRecord[],
  caller: Caller,
  extras: Record<string, Extra>,
): Response {
  const fields = parseFields(caller.params.fields);
  const origin = ctx.baseUrl ?? new URL(c.req.url).origin;
  const page = paginate(items, caller.params, c.req.url);
  const plain = fields.filter((f) => !(f in extras));
  const data = page.items.map((m) => {
    const out = renderMedia(m, plain.length > 0 ? plain : ["id"], ctx.state, origin);
    const rendered: Record<string, unknown> = {};
    for (const field of fields) {
      const value = field in extras ? extras[field]!(m) : out[field];
      if (value !== undefined) rendered[field] = value;
    }
    return rendered;
  });
  return c.json(page.paging ? { data, paging: page.paging } : { data });
}

async function jsonObject(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}
