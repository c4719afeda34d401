/**
 * What one part of a post group says: the root post or one reply in a chain. Stored as JSON, imported from
 * files and sent by every surface under Meta's own parameter names (`topic_tag`, `text_entities`, …), so that a
 * part written for Meta's API reads as it is. Only `media` is ours: Meta spells one medium as `image_url` or
 * `video_url` on the container and a carousel as child containers; a part lists its media in order.
 */
export interface PostPart {
  text?: string;
  /** None: a TEXT post. One: an IMAGE or VIDEO post. Two to twenty: a CAROUSEL. */
  media?: MediaItem[];
  /** 1–50 characters, no "." or "&"; one per post. */
  topic_tag?: string;
  /** A URL shown as a link preview; TEXT posts only. */
  link_attachment?: string;
  /** 2–4 options of 1–25 characters; TEXT posts only, not with a link attachment or a text attachment. */
  poll_attachment?: PollAttachment;
  reply_control?: ReplyControl;
  /** The id of a post to quote. */
  quote_post_id?: string;
  /** Long-form writing (up to 10,000 characters) with an optional link; TEXT posts only, not with a poll. */
  text_attachment?: TextAttachment;
  /** Ranges of `text` shown as spoilers (at most 10). */
  text_entities?: TextEntity[];
  /** The media shown as a spoiler; IMAGE, VIDEO and CAROUSEL posts. */
  is_spoiler_media?: boolean;
  /** A GIF from GIPHY; TEXT posts only. */
  gif_attachment?: GifAttachment;
  /** A text post that Threads archives after 24 hours; not a reply. */
  is_ghost_post?: boolean;
  /** A place from the location search. */
  location_id?: string;
  /** Replies wait for the author's approval before others see them. */
  enable_reply_approvals?: boolean;
  /** Only people in these countries (ISO 3166-1 alpha-2 codes) see the post; for accounts Meta made eligible. */
  allowlisted_country_codes?: string[];
  /** Also share the post as a Story on the linked Instagram account (scope threads_share_to_instagram). */
  crossreshare_to_ig?: boolean;
}

export interface MediaItem {
  kind: "IMAGE" | "VIDEO";
  url: string;
  /** At most 1,000 characters. */
  alt_text?: string;
}

/** Meta's `poll_attachment`: two to four options. */
export interface PollAttachment {
  option_a: string;
  option_b: string;
  option_c?: string;
  option_d?: string;
}

export const POLL_OPTION_KEYS = ["option_a", "option_b", "option_c", "option_d"] as const;

/** The options of a poll, in order. */
export function pollOptions(poll: PollAttachment): string[] {
  return POLL_OPTION_KEYS.map((key) => poll[key]).filter((o): o is string => o !== undefined);
}

/** A poll from its options in order (at most four are kept). */
export function pollFromOptions(options: readonly string[]): PollAttachment {
  const poll: Record<string, string> = {};
  options.slice(0, POLL_OPTION_KEYS.length).forEach((option, i) => {
    poll[POLL_OPTION_KEYS[i]!] = option;
  });
  return poll as unknown as PollAttachment;
}

/** Meta's `text_attachment`. */
export interface TextAttachment {
  plaintext: string;
  link_attachment_url?: string;
  /** Styled ranges of `plaintext` (bold, italic, highlight, underline, strikethrough). */
  text_with_styling_info?: Array<{ offset: number; length: number; styling_info: string[] }>;
}

/** Meta's `text_entities` entry: a spoiler over `length` characters of `text` from `offset`. */
export interface TextEntity {
  /** Meta lists both spellings. */
  entity_type: "SPOILER" | "spoiler";
  offset: number;
  length: number;
}

/** Meta's `gif_attachment`. */
export interface GifAttachment {
  gif_id: string;
  provider: "GIPHY";
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
