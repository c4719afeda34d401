/** Records the sandbox keeps. Plain JSON-able data so the whole state can be saved to a file. */

export type TokenKind = "short" | "long";
export type CreateMediaType = "TEXT" | "IMAGE" | "VIDEO" | "CAROUSEL";

export interface UserRecord {
  id: string;
  username: string;
  name: string;
  biography: string;
  createdAt: number;
  /** Whether Meta gave the profile geo-gating (`is_eligible_for_geo_gating`); default false, as on Threads. */
  geoGatingEligible?: boolean;
}

export interface TokenRecord {
  token: string;
  userId: string;
  kind: TokenKind;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms. */
  expiresAt: number;
  scopes: string[];
}

/** An OAuth authorization code: lives one hour, works once. */
export interface CodeRecord {
  code: string;
  userId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  createdAt: number;
  used: boolean;
}

export interface PollOptions {
  option_a: string;
  option_b: string;
  option_c?: string;
  option_d?: string;
}

/** Outcome of downloading the container's image or video, as Meta's servers would. */
export interface DownloadState {
  state: "none" | "pending" | "ok" | "error";
  errorMessage?: string;
}

export interface ContainerRecord {
  id: string;
  userId: string;
  mediaType: CreateMediaType;
  createdAt: number;
  /** When processing is over (createdAt for TEXT). */
  readyAt: number;
  text?: string;
  imageUrl?: string;
  videoUrl?: string;
  isCarouselItem: boolean;
  children: string[];
  replyToId?: string;
  replyControl?: string;
  topicTag?: string;
  linkAttachment?: string;
  quotePostId?: string;
  altText?: string;
  poll?: PollOptions;
  /** `text_attachment`, as sent. */
  textAttachment?: SandboxTextAttachment;
  /** `text_entities`: spoiler ranges of `text`. */
  textEntities?: SandboxTextEntity[];
  isSpoilerMedia?: boolean;
  /** `gif_attachment`. */
  gif?: { gifId: string; provider: string };
  isGhostPost?: boolean;
  locationId?: string;
  replyApprovals?: boolean;
  allowlistedCountryCodes?: string[];
  crossreshareToIg?: boolean;
  /** Parameters accepted and kept, not interpreted. */
  extra: Record<string, string>;
  download: DownloadState;
  publishedMediaId?: string;
}

export interface SandboxTextAttachment {
  plaintext: string;
  linkAttachmentUrl?: string;
  styling?: Array<{ offset: number; length: number; styling: string[] }>;
}

export interface SandboxTextEntity {
  entityType: string;
  offset: number;
  length: number;
}

export interface MediaRecord {
  id: string;
  userId: string;
  /** The container it was published from; a repost has none (""). */
  containerId: string;
  /** A repost (`repostedPostId` set) reads back as Meta's REPOST_FACADE. */
  mediaType: CreateMediaType;
  text?: string;
  mediaUrl?: string;
  altText?: string;
  /** Child media ids of a carousel. */
  children: string[];
  /** Set on carousel children: they are not posts of their own. */
  parentId?: string;
  replyToId?: string;
  rootId?: string;
  replyControl: string;
  topicTag?: string;
  linkAttachment?: string;
  quotePostId?: string;
  poll?: PollOptions;
  textAttachment?: SandboxTextAttachment;
  textEntities?: SandboxTextEntity[];
  isSpoilerMedia?: boolean;
  gif?: { gifId: string; provider: string };
  isGhostPost?: boolean;
  locationId?: string;
  replyApprovals?: boolean;
  allowlistedCountryCodes?: string[];
  crossreshareToIg?: boolean;
  /** The reposted post, on a REPOST_FACADE (a repost: `POST /{id}/repost`, no container). */
  repostedPostId?: string;
  /** For replies by others to a user's post (sandbox admin seeds them): hidden by the author (`manage_reply`). */
  hidden?: boolean;
  /** For replies to a post with reply approvals: "pending" | "ignored" until approved (then absent). */
  approvalStatus?: "pending" | "ignored";
  /** Epoch ms when deleted (`DELETE /{id}`); a deleted post is gone from every read. */
  deletedAt?: number;
  /** The permalink is `{sandbox}/@{username}/post/{shortcode}` (post-page.ts), not stored: the port may change. */
  shortcode: string;
  /** Epoch ms. */
  publishedAt: number;
}

export interface PublishedChild {
  id: string;
  mediaType: "IMAGE" | "VIDEO";
  url?: string;
  altText?: string;
}

/** What was published, as tests and the demo read it back (`Sandbox.published()`). */
export interface PublishedRecord {
  id: string;
  userId: string;
  username: string;
  mediaType: CreateMediaType;
  text?: string;
  replyToId?: string;
  rootId?: string;
  children: PublishedChild[];
  mediaUrl?: string;
  altText?: string;
  topicTag?: string;
  linkAttachment?: string;
  pollOptions?: string[];
  replyControl: string;
  quotePostId?: string;
  /** Set on a repost (REPOST_FACADE): the reposted post. */
  repostedPostId?: string;
  permalink: string;
  /** Meta's format, e.g. "2025-01-02T03:04:05+0000". */
  timestamp: string;
  /** Epoch ms. */
  publishedAt: number;
  containerId: string;
  textAttachment?: SandboxTextAttachment;
  textEntities?: SandboxTextEntity[];
  isSpoilerMedia?: boolean;
  /** Post options, when set (validate-options.ts). */
  gif?: { gifId: string; provider: string };
  isGhostPost?: boolean;
  locationId?: string;
  replyApprovals?: boolean;
  allowlistedCountryCodes?: string[];
  crossreshareToIg?: boolean;
  /** Epoch ms when deleted (`DELETE /{id}`); a deleted post stays in this list so tests can see it went. */
  deletedAt?: number;
}
