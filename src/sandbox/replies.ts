/**
 * Replies by other people to a user's posts, as the sandbox keeps them: seeding one (admin API: a made-up
 * "@fan_1" replies), whether it awaits approval, and how hidden it reads. Meta's rules for reply management
 * are the sandbox's own copy here (see THREADS_API.md "Reply management"), not the client's.
 */
import { metaTimestamp } from "./errors.js";
import { randomShortcode, type SandboxState } from "./state.js";
import { createUserRecord } from "./tokens.js";
import type { MediaRecord } from "./types.js";

export interface SeedReplyInput {
  /** The post (or reply) replied to. */
  replyToId: string;
  /** The made-up author, created on first use; default "fan_1". */
  username?: string;
  text: string;
  /**
   * Awaits the author's approval; default: whether the root post has reply approvals on (`enable_reply_approvals`).
   * Set it to seed a pending reply for a post published before reply approvals were stored.
   */
  pending?: boolean;
}

/** A reply from someone else, published now; undefined when `replyToId` is no live post. */
export function seedReply(state: SandboxState, input: SeedReplyInput, now: number): MediaRecord | undefined {
  const parent = state.media.get(input.replyToId);
  if (!parent || parent.deletedAt !== undefined || parent.parentId !== undefined) return undefined;
  const username = input.username?.trim() || "fan_1";
  const author = state.userByName(username) ?? createUserRecord(state, now, username);
  const rootId = parent.rootId ?? parent.id;
  const root = state.media.get(rootId);
  const pending = input.pending ?? root?.replyApprovals === true;
  const reply: MediaRecord = {
    id: state.nextMediaId(),
    userId: author.id,
    containerId: "",
    mediaType: "TEXT",
    text: input.text,
    children: [],
    replyToId: parent.id,
    rootId,
    replyControl: "everyone",
    shortcode: randomShortcode(),
    publishedAt: now,
    ...(pending ? { approvalStatus: "pending" as const } : {}),
  };
  state.media.set(reply.id, reply);
  state.changed(true);
  return reply;
}

/** A reply anyone can see under its post: approved (or never needing it) and not deleted. */
export function isVisibleReply(m: MediaRecord): boolean {
  return m.replyToId !== undefined && m.approvalStatus === undefined && m.deletedAt === undefined;
}

/** The top-level reply a reply belongs to (itself when it replies to the root post); undefined for a post. */
export function topLevelReplyOf(state: SandboxState, m: MediaRecord): MediaRecord | undefined {
  let current: MediaRecord | undefined = m;
  for (let depth = 0; current?.replyToId !== undefined && depth < 1000; depth++) {
    if (current.replyToId === current.rootId) return current;
    current = state.media.get(current.replyToId);
  }
  return undefined;
}

/**
 * `hide_status` as Meta's older reply docs list its values (NOT_HUSHED, UNHUSHED, HIDDEN, COVERED, BLOCKED,
 * RESTRICTED; the current page does not list them: UNVERIFIED). Hiding a top-level reply hides its nested
 * replies with it, so a nested reply reads its top-level reply's state. Posts have none.
 */
export function hideStatusOf(state: SandboxState, m: MediaRecord): string | undefined {
  if (m.replyToId === undefined) return undefined;
  const top = topLevelReplyOf(state, m) ?? m;
  if (top.hidden === true) return "HIDDEN";
  if (top.hidden === false) return "UNHUSHED";
  return "NOT_HUSHED";
}

/** How long a ghost post stays up before Threads archives it (Meta: "auto-archived after 24 hours"). */
export const GHOST_POST_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * A ghost post's `ghost_post_status` (values UNVERIFIED: Meta's page lists the field, not its values) by the
 * sandbox clock; undefined for any other post. The one place the sandbox decides it: the Graph API's field,
 * its own rules (no replies to an archived ghost post, not in /me/threads) and its post page.
 */
export function ghostStatusOf(m: MediaRecord, now: number): "ACTIVE" | "ARCHIVED" | undefined {
  if (m.isGhostPost !== true) return undefined;
  return now >= m.publishedAt + GHOST_POST_LIFETIME_MS ? "ARCHIVED" : "ACTIVE";
}

export function ghostExpirationOf(m: MediaRecord): string {
  return metaTimestamp(m.publishedAt + GHOST_POST_LIFETIME_MS);
}

export interface SeedPostInput {
  userId: string;
  text: string;
  isGhostPost?: boolean;
  replyApprovals?: boolean;
  /** How long ago it was published; default 0 (now). */
  ageMs?: number;
}

/**
 * A top-level text post of the user, as if published `ageMs` ago with these options (admin API: fixtures for
 * listings, e.g. a ghost post already past its 24 h). Publishing through the API is the usual way.
 */
export function seedPost(state: SandboxState, input: SeedPostInput, now: number): MediaRecord | undefined {
  if (!state.users.has(input.userId)) return undefined;
  const post: MediaRecord = {
    id: state.nextMediaId(),
    userId: input.userId,
    containerId: "",
    mediaType: "TEXT",
    text: input.text,
    children: [],
    replyControl: "everyone",
    shortcode: randomShortcode(),
    publishedAt: now - (input.ageMs ?? 0),
    ...(input.isGhostPost ? { isGhostPost: true } : {}),
    ...(input.replyApprovals ? { replyApprovals: true } : {}),
  };
  state.media.set(post.id, post);
  state.changed(true);
  return post;
}
