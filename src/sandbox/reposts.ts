/**
 * Reposts (`POST /v1.0/{media-id}/repost`, Meta's reposts page, Dec 2024): no container and no publish step;
 * the answer is `{"id": "<repost id>"}` and the repost reads back as media_type REPOST_FACADE with
 * `reposted_post{id}`, listed in the reposter's `/me/threads` (Meta: "under the Reposts tab").
 *
 * The sandbox's own copy of the rules (not the client's):
 * - the post must exist, be a post (not a carousel item, not a repost itself) and not be deleted: else
 *   Graph's "does not exist" (100/33), which callers read as "the source is gone";
 * - a ghost post cannot be reposted (UNVERIFIED: Meta documents no repost rule for ghost posts; they are
 *   archived after 24 h and the app offers no repost of them, so the sandbox refuses with code 100);
 * - one live repost of a post per user: the app's repost is a toggle, so a second repost of the same post
 *   by the same user is refused (UNVERIFIED error shape: code 100 with a message saying so);
 * - a repost counts against the 250 posts / 24 h publishing quota like a post (UNVERIFIED: Meta's page
 *   states no limit; the quota counts API-published posts and a repost is one on the profile).
 * Faults and delays apply as to every other POST (fault-middleware.ts runs before this route).
 */
import type { Hono } from "hono";
import { authenticate } from "./auth.js";
import { POST_QUOTA, quotaUsage } from "./containers.js";
import type { SandboxContext } from "./context.js";
import { invalidParam, MetaError, unsupportedRequest } from "./errors.js";
import { randomShortcode, type SandboxState } from "./state.js";
import type { MediaRecord, UserRecord } from "./types.js";

export function registerRepostRoutes(app: Hono, ctx: SandboxContext): void {
  app.post("/v1.0/:id/repost", async function repostMedia(c) {
    const caller = await authenticate(c, ctx, "threads_content_publish");
    const repost = createRepost(ctx.state, caller.user, c.req.param("id"), ctx.clock.now());
    return c.json({ id: repost.id });
  });
}

/** The live repost of `postId` by `userId`, if any. */
export function liveRepostOf(state: SandboxState, userId: string, postId: string): MediaRecord | undefined {
  for (const m of state.media.values()) {
    if (m.userId === userId && m.repostedPostId === postId && m.deletedAt === undefined) return m;
  }
  return undefined;
}

export function createRepost(
  state: SandboxState,
  user: UserRecord,
  postId: string,
  now: number,
): MediaRecord {
  const source = state.media.get(postId);
  if (!source || source.parentId !== undefined || source.deletedAt !== undefined) {
    throw unsupportedRequest("post", postId);
  }
  if (source.repostedPostId !== undefined) {
    throw invalidParam(
      `Post ${postId} is a repost; repost the original post ${source.repostedPostId} instead.`,
    );
  }
  if (source.isGhostPost) {
    throw invalidParam(`Post ${postId} is a ghost post; ghost posts cannot be reposted.`);
  }
  const existing = liveRepostOf(state, user.id, postId);
  if (existing) {
    throw invalidParam(
      `You have already reposted post ${postId} (repost ${existing.id}); delete that repost first to repost it again.`,
    );
  }
  const used = quotaUsage(state, user.id, now).posts;
  if (used >= POST_QUOTA) {
    throw new MetaError({
      code: 9,
      type: "THApiException",
      transient: false,
      message: `Publishing limit reached: ${used} of ${POST_QUOTA} posts in the last 24 hours.`,
      userTitle: "Publishing limit reached",
      userMsg: `This profile has published ${POST_QUOTA} posts via the API in the last 24 hours. Try again later.`,
    });
  }
  const repost: MediaRecord = {
    id: state.nextMediaId(),
    userId: user.id,
    containerId: "",
    mediaType: source.mediaType,
    children: [],
    replyControl: "everyone",
    repostedPostId: source.id,
    shortcode: randomShortcode(),
    publishedAt: now,
  };
  state.media.set(repost.id, repost);
  state.changed(true);
  return repost;
}
