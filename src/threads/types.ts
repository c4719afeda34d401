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
}

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
