/** What one part of a post group says: the root post or one reply in a chain. Stored as JSON. */
export interface PostPart {
  text?: string;
  /** None: a TEXT post. One: an IMAGE or VIDEO post. Two to twenty: a CAROUSEL. */
  media?: MediaItem[];
  /** 1–50 characters, no "." or "&"; one per post. */
  topicTag?: string;
  /** TEXT posts only. */
  linkAttachment?: string;
  /** 2–4 options of 1–25 characters; TEXT posts only, not with a link attachment. */
  pollOptions?: string[];
  replyControl?: ReplyControl;
  quotePostId?: string;
}

export interface MediaItem {
  kind: "IMAGE" | "VIDEO";
  url: string;
  /** At most 1,000 characters. */
  altText?: string;
}

export const REPLY_CONTROLS = [
  "everyone",
  "accounts_you_follow",
  "mentioned_only",
  "parent_post_author_only",
  "followers_only",
] as const;
export type ReplyControl = (typeof REPLY_CONTROLS)[number];

export type MediaType = "TEXT" | "IMAGE" | "VIDEO" | "CAROUSEL";

export function mediaTypeOf(part: PostPart): MediaType {
  const media = part.media ?? [];
  if (media.length === 0) return "TEXT";
  if (media.length === 1) return media[0]!.kind;
  return "CAROUSEL";
}
