/**
 * Meta's publishing quota, and when to ask Threads for it. Pure.
 *
 * Why here and not in publications/: the caps, the rolling window, which part counts against which cap (a
 * chain's root is a post, every later part a reply) and what `threads_publishing_limit` answers are facts about
 * Meta's API, and so is the judgement that our own ledger is a good enough estimate far from the cap (it misses
 * posts made elsewhere, so near the cap Threads is asked). The ledger only supplies the count of what it
 * published and turns a shortfall into a wait (publications/publisher.ts).
 */
import type { PublishingLimit } from "./types.js";

/** Meta: 250 posts and 1,000 replies per profile per rolling 24 h. */
export const POST_QUOTA = 250;
export const REPLY_QUOTA = 1000;
export const QUOTA_WINDOW_MS = 86_400_000;
/** Ask Threads for the live quota only when our own ledger is this close to it (saves a call per post). */
export const QUOTA_MARGIN = 10;
/** How long a post refused for quota waits before looking again. */
export const QUOTA_RETRY_MS = 30 * 60_000;

/** Posts and replies: what is about to be published, or what was published in the window. */
export interface QuotaCount {
  posts: number;
  replies: number;
}

/** What publishing the parts at these positions of a chain takes: the root (position 0) is a post, the rest replies. */
export function quotaNeedOf(positions: readonly number[]): QuotaCount {
  return {
    posts: positions.some((p) => p === 0) ? 1 : 0,
    replies: positions.filter((p) => p > 0).length,
  };
}

/**
 * Whether Threads must be asked for the live quota before publishing `need`: only when our own count of the
 * window (`local`) plus `need` comes within QUOTA_MARGIN of a cap, since posts made elsewhere count too.
 */
export function mustAskForQuota(local: QuotaCount, need: QuotaCount): boolean {
  return (
    local.posts + need.posts >= POST_QUOTA - QUOTA_MARGIN ||
    local.replies + need.replies >= REPLY_QUOTA - QUOTA_MARGIN
  );
}

/** Why the live quota does not leave room for `need` (e.g. "publishing quota reached (250/250 posts in 24 h)"), or undefined. */
export function quotaShortfall(live: PublishingLimit, need: QuotaCount): string | undefined {
  if (need.posts > 0 && live.quotaUsage + need.posts > live.quotaTotal) {
    return `publishing quota reached (${live.quotaUsage}/${live.quotaTotal} posts in 24 h)`;
  }
  if (need.replies > 0 && live.replyQuotaUsage + need.replies > live.replyQuotaTotal) {
    return `reply quota reached (${live.replyQuotaUsage}/${live.replyQuotaTotal} replies in 24 h)`;
  }
  return undefined;
}

/** Which of the two quotas is used up, posts first; undefined when both have room. */
export function usedUpQuota(live: PublishingLimit): "post" | "reply" | undefined {
  if (live.quotaUsage >= live.quotaTotal) return "post";
  if (live.replyQuotaUsage >= live.replyQuotaTotal) return "reply";
  return undefined;
}

/** Meta: "The Delete endpoint has a rate limit of 100 deletes per day per account" (counted over a rolling 24 h here). */
export const DELETE_QUOTA = 100;

/**
 * When the delete quota has a free slot again, given our ledger's count of the window and its earliest delete:
 * `now` when there is room, else that earliest delete's time plus the window.
 */
export function nextDeleteSlotAt(used: { count: number; earliest: number | null }, now: number): number {
  if (used.count < DELETE_QUOTA || used.earliest === null) return now;
  return used.earliest + QUOTA_WINDOW_MS;
}
