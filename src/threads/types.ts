import type { MediaType, PostPart } from "./post.js";

export interface Profile {
  id: string;
  username: string;
  name?: string;
  threads_profile_picture_url?: string;
  threads_biography?: string;
  is_verified?: boolean;
}

export type ContainerStatus = "IN_PROGRESS" | "FINISHED" | "PUBLISHED" | "ERROR" | "EXPIRED";

export interface ContainerState {
  id: string;
  status: ContainerStatus;
  error_message?: string;
}

export interface TokenGrant {
  accessToken: string;
  /** Seconds until expiry, when the server says (long-lived and refreshed tokens do). */
  expiresIn?: number;
  userId?: string;
}

export interface PublishingLimit {
  quotaUsage: number;
  quotaTotal: number;
  replyQuotaUsage: number;
  replyQuotaTotal: number;
  /** Seconds the quota counts over (86,400). */
  quotaDuration: number;
  /** Deletes in the window (`delete_quota_usage`) and the cap (`delete_config.quota_total`, 100). */
  deleteQuotaUsage: number;
  deleteQuotaTotal: number;
}

/** `DELETE /{media-id}`: the id Threads deleted; `alreadyDeleted` when it answered that the post does not exist. */
export interface DeletedPost {
  deletedId: string;
  alreadyDeleted: boolean;
}

export interface ThreadsMedia {
  id: string;
  text?: string;
  media_type?: string;
  permalink?: string;
  timestamp?: string;
  /** Present on replies when requested. */
  replied_to?: { id: string };
  root_post?: { id: string };
  /** On a repost (media_type REPOST_FACADE): the reposted post. */
  reposted_post?: { id: string };
  is_quote_post?: boolean;
  /** On a quote post: the quoted post. */
  quoted_post?: { id: string };
  /** Post options, when requested: the GIF's address, the place, the geo-gating countries. */
  gif_url?: string;
  location_id?: string;
  allowlisted_country_codes?: string[];
  /** Ghost posts: Meta's status as sent (values UNVERIFIED; the sandbox says ACTIVE or ARCHIVED), and when it is archived. */
  ghost_post_status?: string;
  ghost_post_expiration_timestamp?: string;
}

/**
 * `media_type` as Meta reads a post back (retrieve-posts page, Apr 2026): TEXT_POST (also for GIF and poll
 * posts), IMAGE, VIDEO, CAROUSEL_ALBUM, AUDIO, REPOST_FACADE.
 */
export type ReadMediaType = "TEXT_POST" | "IMAGE" | "VIDEO" | "CAROUSEL_ALBUM" | "AUDIO" | "REPOST_FACADE";

export interface MetricValue {
  name: string;
  value: number;
}

export type { MediaType, PostPart };

/** `GET /debug_token`, with times in epoch milliseconds. */
export interface DebugTokenInfo {
  isValid: boolean;
  expiresAt?: number;
  issuedAt?: number;
  scopes?: string[];
  userId?: string;
}

/** One page of `/me/threads`; `after` is the cursor of the next page, absent on the last one. */
export interface ThreadsPage {
  data: ThreadsMedia[];
  after?: string;
}

export interface UserInsights {
  /** Metric name → value over the period (`views` is the sum of the daily series). */
  totals: Record<string, number>;
  /** Daily views, when requested. */
  views?: Array<{ value: number; endTime: string }>;
}

/** A reply under a post (`GET /{media-id}/replies`, `/pending_replies`), by anyone. */
export interface ThreadsReply {
  id: string;
  text?: string;
  username?: string;
  /** Meta's format, e.g. "2026-01-02T03:04:05+0000". */
  timestamp?: string;
  permalink?: string;
  /** Meta's `hide_status` as sent (NOT_HUSHED, UNHUSHED, HIDDEN, COVERED, BLOCKED, RESTRICTED). */
  hideStatus?: string;
  hasReplies?: boolean;
  /** Meta's `reply_approval_status` on pending replies: "pending" or "ignored". */
  approvalStatus?: string;
  /** Meta's `media_type` as sent (TEXT_POST, IMAGE, …). */
  mediaType?: string;
}

export interface RepliesPage {
  data: ThreadsReply[];
  /** Cursor of the next page; absent on the last one. */
  after?: string;
}

/** A place from `GET /location_search` or `GET /{location-id}`: its id is what `location_id` takes. */
export interface ThreadsPlace {
  id: string;
  name?: string;
  address?: string;
  city?: string;
  country?: string;
  latitude?: number;
  longitude?: number;
  postalCode?: string;
}

/** A ghost post (`GET /{user-id}/ghost_posts`). */
export interface ThreadsGhostPost {
  id: string;
  text?: string;
  timestamp?: string;
  permalink?: string;
  /** Meta's `ghost_post_status` as sent (values UNVERIFIED; the sandbox says ACTIVE or ARCHIVED). */
  status?: string;
  /** Epoch ms of `ghost_post_expiration_timestamp` (published + 24 h), when sent and readable. */
  expiresAt?: number;
}

export interface GhostPostsPage {
  data: ThreadsGhostPost[];
  after?: string;
}
