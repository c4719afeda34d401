/** How a PostPart becomes container-creation calls, and how those calls are spelled on the wire. Pure. */
import {
  type GifAttachment,
  type MediaItem,
  type MediaType,
  mediaTypeOf,
  type PostPart,
  pollOptions,
  type ReplyControl,
  type TextAttachment,
  type TextEntity,
} from "./post.js";

export interface ContainerParams {
  mediaType: MediaType | "IMAGE" | "VIDEO";
  text?: string;
  imageUrl?: string;
  videoUrl?: string;
  isCarouselItem?: boolean;
  /** Ids of FINISHED child containers; CAROUSEL parents only. */
  children?: string[];
  replyToId?: string;
  replyControl?: ReplyControl;
  topicTag?: string;
  linkAttachment?: string;
  quotePostId?: string;
  altText?: string;
  pollOptions?: string[];
  /** Meta's `text_attachment` object; TEXT posts only. Sent as a JSON string. */
  textAttachment?: TextAttachment;
  /** Spoiler ranges of `text`. Sent as a JSON string. */
  textEntities?: TextEntity[];
  /** IMAGE, VIDEO and CAROUSEL parents only. */
  isSpoilerMedia?: boolean;
  /** GIPHY GIF; TEXT posts. */
  gifAttachment?: GifAttachment;
  isGhostPost?: boolean;
  locationId?: string;
  replyApprovals?: boolean;
  allowlistedCountryCodes?: string[];
  crossreshareToIg?: boolean;
}

/**
 * The calls that publish one part: a carousel's children (each an IMAGE/VIDEO item) and the parent; the parent
 * of a carousel gets its `children` once they exist. Post-level options (reply, topic, quote, reply control)
 * go on the parent only.
 */
export function containerParamsFor(
  part: PostPart,
  opts: { replyToId?: string } = {},
): { parent: ContainerParams; children: ContainerParams[] } {
  const mediaType = mediaTypeOf(part);
  const media = part.media ?? [];
  const text = part.text !== undefined && part.text.trim() !== "" ? part.text : undefined;
  const common: ContainerParams = {
    mediaType,
    text,
    replyToId: opts.replyToId,
    replyControl: part.reply_control,
    topicTag: part.topic_tag,
    quotePostId: part.quote_post_id,
    textEntities: part.text_entities && part.text_entities.length > 0 ? part.text_entities : undefined,
    ...optionParams(part),
  };
  // A media spoiler goes on the post's own container: the IMAGE/VIDEO container, or the CAROUSEL parent, which
  // marks every item of the carousel (as threads-go does; UNVERIFIED whether Meta also wants it on each child).
  const spoilerMedia = part.is_spoiler_media === true && mediaType !== "TEXT" ? true : undefined;

  if (mediaType === "TEXT") {
    return {
      parent: {
        ...common,
        linkAttachment: part.link_attachment,
        pollOptions: part.poll_attachment ? pollOptions(part.poll_attachment) : undefined,
        textAttachment: part.text_attachment,
      },
      children: [],
    };
  }
  if (mediaType === "CAROUSEL") {
    const children = media.map(
      (item): ContainerParams => ({ ...mediaFields(item), mediaType: item.kind, isCarouselItem: true }),
    );
    return { parent: { ...common, children: [], isSpoilerMedia: spoilerMedia }, children };
  }
  return { parent: { ...common, ...mediaFields(media[0]!), isSpoilerMedia: spoilerMedia }, children: [] };
}

function mediaFields(item: MediaItem): Partial<ContainerParams> {
  return {
    imageUrl: item.kind === "IMAGE" ? item.url : undefined,
    videoUrl: item.kind === "VIDEO" ? item.url : undefined,
    altText: item.alt_text,
  };
}

/** The form fields of `POST /{user-id}/threads`. */
export function containerFormFields(params: ContainerParams): Record<string, string | undefined> {
  return {
    media_type: params.mediaType,
    text: params.text,
    image_url: params.imageUrl,
    video_url: params.videoUrl,
    is_carousel_item: params.isCarouselItem ? "true" : undefined,
    children: params.children && params.children.length > 0 ? params.children.join(",") : undefined,
    reply_to_id: params.replyToId,
    reply_control: params.replyControl,
    topic_tag: params.topicTag,
    link_attachment: params.linkAttachment,
    quote_post_id: params.quotePostId,
    alt_text: params.altText,
    poll_attachment: params.pollOptions ? pollAttachment(params.pollOptions) : undefined,
    text_attachment: params.textAttachment ? JSON.stringify(params.textAttachment) : undefined,
    text_entities: params.textEntities ? JSON.stringify(params.textEntities) : undefined,
    is_spoiler_media: params.isSpoilerMedia ? "true" : undefined,
    ...optionFormFields(params),
  };
}

/**
 * The post options of a part (GIF, ghost post, location, reply approvals, geo-gating, share to Instagram).
 * Post-level: a carousel's parent carries them, never its items. A flag that is false is not sent (Meta's
 * default). Nothing is dropped for a media type it does not fit: preflight refuses that, and so would Threads.
 */
function optionParams(part: PostPart): Partial<ContainerParams> {
  const out: Partial<ContainerParams> = {};
  if (part.gif_attachment) out.gifAttachment = part.gif_attachment;
  if (part.is_ghost_post === true) out.isGhostPost = true;
  if (part.location_id !== undefined) out.locationId = part.location_id;
  if (part.enable_reply_approvals === true) out.replyApprovals = true;
  if (part.allowlisted_country_codes && part.allowlisted_country_codes.length > 0)
    out.allowlistedCountryCodes = part.allowlisted_country_codes;
  if (part.crossreshare_to_ig === true) out.crossreshareToIg = true;
  return out;
}

/**
 * `gif_attachment` as a JSON-encoded string (as for polls); `allowlisted_country_codes` comma-separated, the
 * Graph API's list convention (UNVERIFIED which spelling Meta shows; threads-go repeats the key per code).
 */
function optionFormFields(params: ContainerParams): Record<string, string | undefined> {
  return {
    gif_attachment: params.gifAttachment
      ? JSON.stringify({ gif_id: params.gifAttachment.gif_id, provider: params.gifAttachment.provider })
      : undefined,
    is_ghost_post: params.isGhostPost ? "true" : undefined,
    location_id: params.locationId,
    enable_reply_approvals: params.replyApprovals ? "true" : undefined,
    allowlisted_country_codes: params.allowlistedCountryCodes?.join(","),
    crossreshare_to_ig: params.crossreshareToIg ? "true" : undefined,
  };
}

const POLL_KEYS = ["option_a", "option_b", "option_c", "option_d"] as const;

function pollAttachment(options: string[]): string {
  const poll: Record<string, string> = {};
  options.slice(0, POLL_KEYS.length).forEach((option, i) => {
    poll[POLL_KEYS[i]!] = option.trim();
  });
  return JSON.stringify(poll);
}
