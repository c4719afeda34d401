/** Records the sandbox keeps. Plain JSON-able data so the whole state can be saved to a file. */

export type TokenKind = "short" | "long";
export type CreateMediaType = "TEXT" | "IMAGE" | "VIDEO" | "CAROUSEL";

export interface UserRecord {
  id: string;
  username: string;
  name: string;
  biography: string;
  createdAt: number;
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
  /** Accepted and kept, not interpreted: text_entities, is_spoiler_media, location_id. */
  extra: Record<string, string>;
  download: DownloadState;
  publishedMediaId?: string;
}

export interface MediaRecord {
  id: string;
  userId: string;
  containerId: string;
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
  permalink: string;
  /** Meta's format, e.g. "2025-01-02T03:04:05+0000". */
  timestamp: string;
  /** Epoch ms. */
  publishedAt: number;
  containerId: string;
}
