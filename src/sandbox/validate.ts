import { invalidParam, MetaError } from "./errors.js";
import { uniqueLinks } from "./links.js";
import { nonEmpty, parseBool } from "./params.js";
import { textLength } from "./text-length.js";
import type { CreateMediaType, PollOptions, SandboxTextAttachment, SandboxTextEntity } from "./types.js";
import { type OptionInput, validateOptionParams } from "./validate-options.js";
import { validateTextParams } from "./validate-text.js";

/** Container parameters after Meta's stateless checks (ownership and status checks come later). */
export interface ContainerInput extends OptionInput {
  mediaType: CreateMediaType;
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
  autoPublishText: boolean;
  extra: Record<string, string>;
  textAttachment?: SandboxTextAttachment;
  textEntities?: SandboxTextEntity[];
  isSpoilerMedia?: boolean;
}

export const MAX_TEXT_LENGTH = 500;
export const MAX_LINKS = 5;
const MEDIA_TYPES: CreateMediaType[] = ["TEXT", "IMAGE", "VIDEO", "CAROUSEL"];
const EXTRA_PARAMS = ["text_entities", "is_spoiler_media", "location_id"];
/** Meta's reply_control values (the sandbox's own list: it does not take the client's word for it). */
const REPLY_CONTROLS = [
  "everyone",
  "accounts_you_follow",
  "mentioned_only",
  "parent_post_author_only",
  "followers_only",
];

/** Checks `POST /{user-id}/threads` parameters the way Meta does, throwing its code-100 errors. */
export function validateContainerParams(p: Record<string, string>): ContainerInput {
  const rawType = p.media_type?.trim();
  if (!rawType) throw invalidParam("The parameter media_type is required.");
  const mediaType = rawType.toUpperCase() as CreateMediaType;
  if (!MEDIA_TYPES.includes(mediaType)) {
    throw invalidParam(`media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL (got "${rawType}").`);
  }
  const isCarouselItem = parseBool(p, "is_carousel_item");
  const autoPublishText = parseBool(p, "auto_publish_text");
  const text = nonEmpty(p.text);
  const input: ContainerInput = {
    mediaType,
    isCarouselItem,
    children: [],
    autoPublishText,
    extra: Object.fromEntries(EXTRA_PARAMS.filter((k) => p[k] !== undefined).map((k) => [k, p[k]!])),
    ...(text === undefined ? {} : { text }),
  };

  if (text !== undefined) checkTextLength(text);
  if (isCarouselItem && mediaType !== "IMAGE" && mediaType !== "VIDEO") {
    throw invalidParam("is_carousel_item can only be set on IMAGE or VIDEO containers.");
  }
  if (autoPublishText && mediaType !== "TEXT") {
    throw invalidParam("auto_publish_text is only supported for TEXT posts.");
  }

  if (mediaType === "IMAGE") input.imageUrl = requireUrl(p, "image_url");
  if (mediaType === "VIDEO") input.videoUrl = requireUrl(p, "video_url");
  if (mediaType === "CAROUSEL") input.children = parseChildren(p.children);

  const linkAttachment = nonEmpty(p.link_attachment);
  if (linkAttachment !== undefined) {
    if (mediaType !== "TEXT") throw invalidParam("link_attachment is only supported for TEXT posts.");
    input.linkAttachment = checkUrl(linkAttachment, "link_attachment");
  }
  Object.assign(input, validateTextParams(p, mediaType, text));
  if (
    mediaType === "TEXT" &&
    text === undefined &&
    linkAttachment === undefined &&
    input.textAttachment === undefined &&
    !nonEmpty(p.gif_attachment)
  ) {
    throw invalidParam(
      "The parameter text is required for TEXT posts (unless link_attachment, text_attachment or gif_attachment is given).",
    );
  }
  // Meta counts the unique URLs of `text`, plus the text attachment's link when it differs from all of them.
  const attachmentLink = input.textAttachment?.linkAttachmentUrl;
  const extraLinks = [linkAttachment, attachmentLink].filter((l): l is string => l !== undefined);
  const links = uniqueLinks(text ?? "", extraLinks);
  if (links.length > MAX_LINKS) {
    throw new MetaError({
      code: 100,
      message: `(#100) THREADS_API__LINK_LIMIT_EXCEEDED: the post contains ${links.length} unique links${attachmentLink ? " (the text attachment's link included)" : ""}; at most ${MAX_LINKS} are allowed.`,
      userTitle: "Too many links",
      userMsg: `A post can contain at most ${MAX_LINKS} unique links. Remove some links and try again.`,
    });
  }

  const replyControl = nonEmpty(p.reply_control);
  if (replyControl !== undefined) {
    if (!REPLY_CONTROLS.includes(replyControl)) {
      throw invalidParam(
        `reply_control must be one of ${REPLY_CONTROLS.join(", ")} (got "${replyControl}").`,
      );
    }
    input.replyControl = replyControl;
  }
  const topicTag = p.topic_tag;
  if (topicTag !== undefined) input.topicTag = checkTopicTag(topicTag);
  const altText = p.alt_text;
  if (altText !== undefined && altText !== "") {
    if (mediaType !== "IMAGE" && mediaType !== "VIDEO") {
      throw invalidParam("alt_text is only supported for IMAGE and VIDEO media.");
    }
    if ([...altText].length > 1000) throw invalidParam("alt_text must be at most 1000 characters long.");
    input.altText = altText;
  }
  const pollRaw = nonEmpty(p.poll_attachment);
  if (pollRaw !== undefined) {
    if (mediaType !== "TEXT") throw invalidParam("poll_attachment is only supported for TEXT posts.");
    if (linkAttachment !== undefined) {
      throw invalidParam("poll_attachment cannot be combined with link_attachment.");
    }
    input.poll = parsePoll(pollRaw);
  }
  const replyToId = nonEmpty(p.reply_to_id);
  if (replyToId !== undefined) input.replyToId = replyToId;
  const quotePostId = nonEmpty(p.quote_post_id);
  if (quotePostId !== undefined) input.quotePostId = quotePostId;
  Object.assign(
    input,
    validateOptionParams(p, {
      mediaType,
      replyToId: input.replyToId,
      replyControl: input.replyControl,
      linkAttachment,
      hasPoll: input.poll !== undefined,
    }),
  );
  return input;
}

function checkTextLength(text: string): void {
  const length = textLength(text);
  if (length > MAX_TEXT_LENGTH) {
    throw invalidParam(
      `The text is too long: ${length} characters, at most ${MAX_TEXT_LENGTH} are allowed.`,
      `Shorten the text to ${MAX_TEXT_LENGTH} characters or fewer (emoji count as their UTF-8 byte length).`,
    );
  }
}

function requireUrl(p: Record<string, string>, name: string): string {
  const value = nonEmpty(p[name]);
  if (value === undefined) throw invalidParam(`The parameter ${name} is required for this media_type.`);
  return checkUrl(value, name);
}

function checkUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalidParam(`${name} must be a valid http(s) URL (got "${value}").`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidParam(`${name} must be a valid http(s) URL (got "${value}").`);
  }
  return value.trim();
}

function parseChildren(raw: string | undefined): string[] {
  const ids = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (ids.length < 2 || ids.length > 20) {
    throw invalidParam(
      `A carousel needs between 2 and 20 children (got ${ids.length}).`,
      "Add 2 to 20 images or videos to the carousel.",
    );
  }
  if (new Set(ids).size !== ids.length) throw invalidParam("children must not contain the same id twice.");
  return ids;
}

function checkTopicTag(tag: string): string {
  const length = [...tag].length;
  if (length < 1 || length > 50) throw invalidParam("topic_tag must be 1 to 50 characters long.");
  if (tag.includes(".") || tag.includes("&")) throw invalidParam('topic_tag must not contain "." or "&".');
  return tag;
}

function parsePoll(raw: string): PollOptions {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalidParam('poll_attachment must be a JSON object such as {"option_a":"Yes","option_b":"No"}.');
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw invalidParam("poll_attachment must be a JSON object with option_a … option_d.");
  }
  const v = value as Record<string, unknown>;
  const keys = ["option_a", "option_b", "option_c", "option_d"] as const;
  const poll: Record<string, string> = {};
  for (const key of keys) {
    const option = v[key];
    if (option === undefined || option === null || option === "") continue;
    if (typeof option !== "string") throw invalidParam(`poll_attachment.${key} must be a string.`);
    const length = textLength(option.trim());
    if (length < 1 || length > 25)
      throw invalidParam(`poll_attachment.${key} must be 1 to 25 characters long.`);
    poll[key] = option;
  }
  if (!poll.option_a || !poll.option_b) throw invalidParam("poll_attachment needs option_a and option_b.");
  if (poll.option_d && !poll.option_c) throw invalidParam("poll_attachment.option_d needs option_c.");
  return poll as unknown as PollOptions;
}
