/**
 * `DELETE /v1.0/{media-id}`: a user deletes one of their own posts (Meta: "delete a Threads post that was created by
 * the authenticated user"; permission threads_delete; "100 deletes per day per account"). A deleted post is marked
 * (`deletedAt`), not removed, so the quota can be counted and tests can see what was deleted; every read treats it
 * as gone (`SandboxState.liveMedia`, `postsOf`), its post page answers 404.
 */
import type { Hono } from "hono";
import { authenticate } from "./auth.js";
import type { SandboxContext } from "./context.js";
import { MetaError, unsupportedRequest } from "./errors.js";
import type { SandboxState } from "./state.js";
import type { MediaRecord } from "./types.js";

/** Meta: "The Delete endpoint has a rate limit of 100 deletes per day per account." */
export const DELETE_QUOTA = 100;
/** A rolling 24 h, as the publishing quota (Meta says "per day"; the window's kind is UNVERIFIED). */
export const DELETE_WINDOW_MS = 24 * 60 * 60 * 1000;

export function registerDeleteRoutes(app: Hono, ctx: SandboxContext): void {
  app.delete("/v1.0/:id", async function deleteOwnPost(c) {
    const caller = await authenticate(c, ctx, "threads_delete");
    const id = c.req.param("id");
    const now = ctx.clock.now();
    const media = deletableMedia(ctx.state, id);
    if (media.userId !== caller.user.id) throw notOwnPost(id);
    checkDeleteQuota(ctx.state, caller.user.id, now);
    deleteMedia(ctx.state, media, now);
    return c.json({ success: true, deleted_id: media.id });
  });
}

/** Deletes done by the user in the rolling 24 h before `now` (one per call: a carousel is one delete). */
export function deleteUsage(state: SandboxState, userId: string, now: number): number {
  let used = 0;
  for (const m of state.media.values()) {
    if (m.userId !== userId || m.parentId !== undefined || m.deletedAt === undefined) continue;
    if (m.deletedAt > now - DELETE_WINDOW_MS) used += 1;
  }
  return used;
}

/**
 * The post or reply `id` names, still there. An unknown id, a deleted post and a carousel's child (not a post of
 * its own) all get Graph's "does not exist" answer (code 100, subcode 33), as a second delete of the same post
 * does on Meta by the Graph convention (UNVERIFIED for Threads).
 */
function deletableMedia(state: SandboxState, id: string): MediaRecord {
  const media = state.media.get(id);
  if (!media || media.deletedAt !== undefined || media.parentId !== undefined) {
    throw unsupportedRequest("delete", id);
  }
  return media;
}

/**
 * Someone else's post. Meta's answer is not documented (UNVERIFIED); the sandbox answers the Graph permission error
 * (code 200), which clients treat like a missing permission: refused for good.
 */
function notOwnPost(id: string): MetaError {
  return new MetaError({
    code: 200,
    type: "OAuthException",
    status: 403,
    message: `(#200) Permissions error: post ${id} was not created by the authenticated user, so it cannot be deleted with this token.`,
    userTitle: "Cannot delete this post",
    userMsg: "Only the account that published a post can delete it.",
  });
}

/**
 * The delete quota. Meta's code for it is UNVERIFIED: the sandbox answers code 9, as for the publishing limit, so
 * a client handles both alike (wait until a slot frees).
 */
function checkDeleteQuota(state: SandboxState, userId: string, now: number): void {
  const used = deleteUsage(state, userId, now);
  if (used < DELETE_QUOTA) return;
  throw new MetaError({
    code: 9,
    type: "THApiException",
    transient: false,
    message: `Delete limit reached: ${used} of ${DELETE_QUOTA} deletes in the last 24 hours.`,
    userTitle: "Delete limit reached",
    userMsg: `This profile has deleted ${DELETE_QUOTA} posts via the API in the last 24 hours. Try again later.`,
  });
}

/**
 * Marks the post and a carousel's children deleted. A repost (REPOST_FACADE, `repostedPostId` set) deleted is the
 * repost undone: the facade is gone and the original post is untouched (UNVERIFIED that Meta allows this).
 * Replies to the post stay (a chain's delete removes its replies itself, first).
 */
export function deleteMedia(state: SandboxState, media: MediaRecord, now: number): void {
  media.deletedAt = now;
  for (const childId of media.children) {
    const child = state.media.get(childId);
    if (child) child.deletedAt = now;
  }
  state.changed(true);
}
