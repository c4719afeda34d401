/**
 * The sandbox's checks of `text_attachment`, `text_entities` and `is_spoiler_media` on `POST /{user-id}/threads`,
 * as Meta's text-attachments and spoilers pages state them. Written apart from the client's preflight
 * (src/threads/preflight-text.ts) on purpose: test/sandbox-meta-rules.test.ts compares the two.
 *
 * Where Meta says nothing the sandbox picks the plausible rule (UNVERIFIED):
 * - `text_attachment` and `text_entities` are JSON strings in the form (as third-party clients send them);
 * - offsets and lengths count UTF-16 code units; a range may not cut a surrogate pair (half an emoji). The
 *   sandbox stops there: cutting a ZWJ sequence or a combining mark is accepted (the client refuses it);
 * - overlapping spoiler or styling ranges are refused;
 * - the styles are bold, italic, highlight, underline and strikethrough.
 */
import { invalidParam } from "./errors.js";
import { textLength } from "./text-length.js";
import type { CreateMediaType, SandboxTextAttachment, SandboxTextEntity } from "./types.js";

export const MAX_ATTACHMENT_LENGTH = 10_000;
export const MAX_TEXT_SPOILERS = 10;
const ENTITY_TYPES = ["SPOILER", "spoiler"];
const STYLES = ["bold", "italic", "highlight", "underline", "strikethrough"];

export interface TextParams {
  textAttachment?: SandboxTextAttachment;
  textEntities?: SandboxTextEntity[];
  isSpoilerMedia?: boolean;
}

export function validateTextParams(
  p: Record<string, string>,
  mediaType: CreateMediaType,
  text: string | undefined,
): TextParams {
  const out: TextParams = {};
  const rawAttachment = given(p.text_attachment);
  if (rawAttachment !== undefined) out.textAttachment = parseAttachment(rawAttachment, p, mediaType);
  const rawEntities = given(p.text_entities);
  if (rawEntities !== undefined) {
    const entities = parseEntities(rawEntities, text);
    if (entities.length > 0) out.textEntities = entities;
  }
  const spoilerMedia = p.is_spoiler_media?.trim().toLowerCase();
  if (spoilerMedia !== undefined && spoilerMedia !== "") {
    if (spoilerMedia !== "true" && spoilerMedia !== "false" && spoilerMedia !== "1" && spoilerMedia !== "0") {
      throw invalidParam(`is_spoiler_media must be true or false (got "${p.is_spoiler_media}").`);
    }
    const on = spoilerMedia === "true" || spoilerMedia === "1";
    if (on && mediaType === "TEXT") {
      throw invalidParam(
        "Media spoilers only work with a media_type of IMAGE, VIDEO, or CAROUSEL.",
        "is_spoiler_media cannot be used on a TEXT post. Use text_entities to hide part of the text.",
      );
    }
    if (on) out.isSpoilerMedia = true;
  }
  return out;
}

function given(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

function parseJson(raw: string, param: string, example: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw invalidParam(`${param} must be valid JSON such as ${example}.`);
  }
}

function parseAttachment(
  raw: string,
  p: Record<string, string>,
  mediaType: CreateMediaType,
): SandboxTextAttachment {
  if (mediaType !== "TEXT") {
    throw invalidParam("Text attachments can only be attached to text-only posts (media_type=TEXT).");
  }
  if (given(p.poll_attachment) !== undefined) {
    throw invalidParam("Text attachments cannot be attached to a post that has a poll.");
  }
  if (given(p.gif_attachment) !== undefined) {
    throw invalidParam("Text attachments can only be attached to text-only posts (not with a GIF).");
  }
  const value = parseJson(raw, "text_attachment", '{"plaintext":"…","link_attachment_url":"https://…"}');
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw invalidParam("text_attachment must be a JSON object with plaintext.");
  }
  const v = value as Record<string, unknown>;
  if (typeof v.plaintext !== "string" || v.plaintext.trim() === "") {
    throw invalidParam("text_attachment.plaintext is required and must be a non-empty string.");
  }
  const length = textLength(v.plaintext);
  if (length > MAX_ATTACHMENT_LENGTH) {
    throw invalidParam(
      `text_attachment.plaintext is too long: ${length} characters, at most ${MAX_ATTACHMENT_LENGTH} are allowed.`,
      `Shorten the text attachment to ${MAX_ATTACHMENT_LENGTH} characters or fewer.`,
    );
  }
  const attachment: SandboxTextAttachment = { plaintext: v.plaintext };
  const link = v.link_attachment_url;
  if (link !== undefined && link !== null && link !== "") {
    if (typeof link !== "string" || !isHttpUrl(link)) {
      throw invalidParam(
        `text_attachment.link_attachment_url must be a valid http(s) URL (got "${String(link)}").`,
      );
    }
    if (given(p.link_attachment) !== undefined) {
      throw invalidParam(
        "The post already has a link attachment (link_attachment); a link cannot be added in the text attachment.",
      );
    }
    attachment.linkAttachmentUrl = link.trim();
  }
  const styling = v.text_with_styling_info;
  if (styling !== undefined && styling !== null) {
    if (!Array.isArray(styling)) throw invalidParam("text_attachment.text_with_styling_info must be a list.");
    const ranges = styling.map((entry: unknown, i) => {
      const e = (entry && typeof entry === "object" ? entry : {}) as Record<string, unknown>;
      const what = `text_attachment.text_with_styling_info[${i}]`;
      const range = checkRange(e.offset, e.length, v.plaintext as string, what);
      const styles = e.styling_info;
      if (
        !Array.isArray(styles) ||
        styles.length === 0 ||
        !styles.every((s) => STYLES.includes(s as string))
      ) {
        throw invalidParam(`${what}.styling_info must list one or more of ${STYLES.join(", ")}.`);
      }
      return { ...range, styling: styles as string[] };
    });
    refuseOverlaps(ranges, "text_attachment.text_with_styling_info");
    if (ranges.length > 0) attachment.styling = ranges;
  }
  return attachment;
}

function parseEntities(raw: string, text: string | undefined): SandboxTextEntity[] {
  const value = parseJson(raw, "text_entities", '[{"entity_type":"SPOILER","offset":0,"length":5}]');
  if (!Array.isArray(value)) throw invalidParam("text_entities must be a JSON list of entities.");
  if (value.length > MAX_TEXT_SPOILERS) {
    throw invalidParam(
      `The maximum number of text spoiler entities per post is limited to ${MAX_TEXT_SPOILERS} (got ${value.length}).`,
    );
  }
  if (value.length > 0 && text === undefined) {
    throw invalidParam("text_entities needs a text: spoilers are ranges of the post's text.");
  }
  const entities = value.map((entry: unknown, i): SandboxTextEntity => {
    const e = (entry && typeof entry === "object" ? entry : {}) as Record<string, unknown>;
    const what = `text_entities[${i}]`;
    if (typeof e.entity_type !== "string" || !ENTITY_TYPES.includes(e.entity_type)) {
      throw invalidParam(`${what}.entity_type must be SPOILER (got "${String(e.entity_type)}").`);
    }
    return { entityType: e.entity_type, ...checkRange(e.offset, e.length, text ?? "", what) };
  });
  refuseOverlaps(entities, "text_entities");
  return entities;
}

function checkRange(
  offset: unknown,
  length: unknown,
  within: string,
  what: string,
): { offset: number; length: number } {
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw invalidParam(`${what}.offset must be a whole number of 0 or more.`);
  }
  if (typeof length !== "number" || !Number.isInteger(length) || length < 1) {
    throw invalidParam(`${what}.length must be a whole number of 1 or more.`);
  }
  if (offset + length > within.length) {
    throw invalidParam(
      `${what} (offset ${offset}, length ${length}) is outside the text (${within.length} long).`,
    );
  }
  if (splitsPair(within, offset) || splitsPair(within, offset + length)) {
    throw invalidParam(`${what} (offset ${offset}, length ${length}) splits a character (a surrogate pair).`);
  }
  return { offset, length };
}

/** Whether index `at` falls between the two halves of a surrogate pair. */
function splitsPair(text: string, at: number): boolean {
  if (at <= 0 || at >= text.length) return false;
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

function refuseOverlaps(ranges: Array<{ offset: number; length: number }>, param: string): void {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (sorted[i]!.offset < prev.offset + prev.length)
      throw invalidParam(`${param} ranges must not overlap.`);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value.trim());
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
