import { containerStatus } from "./containers.js";
import { metaTimestamp, nonexistingField } from "./errors.js";
import { permalinkOf } from "./post-page.js";
import { ghostExpirationOf, ghostStatusOf, hideStatusOf } from "./replies.js";
import type { SandboxState } from "./state.js";
import type { ContainerRecord, MediaRecord, SandboxTextAttachment, UserRecord } from "./types.js";
import { gifUrlOf, locationFieldOf } from "./validate-options.js";

/** `fields=a,b,children{id}` → ["a","b","children"]; Graph's default is just "id". */
export function parseFields(raw: string | undefined): string[] {
  const cleaned = (raw ?? "").replace(/\{[^}]*\}/g, "");
  const fields = cleaned
    .split(",")
    .map((f) => f.trim())
    .filter((f) => f !== "");
  return fields.length === 0 ? ["id"] : [...new Set(fields)];
}

type Getter<T> = (record: T) => unknown;

function render<T>(record: T, fields: string[], getters: Record<string, Getter<T>>, nodeType: string) {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const get = getters[field];
    if (!get) throw nonexistingField(field, nodeType);
    const value = get(record);
    if (value !== undefined) out[field] = value;
  }
  return out;
}

export function renderUser(user: UserRecord, fields: string[], origin: string): Record<string, unknown> {
  return render(
    user,
    fields,
    {
      id: (u) => u.id,
      username: (u) => u.username,
      name: (u) => u.name,
      threads_profile_picture_url: () => `${origin}/__sandbox/media/sample.png`,
      threads_biography: (u) => u.biography,
      is_verified: () => false,
      is_eligible_for_geo_gating: (u) => u.geoGatingEligible === true,
    },
    "ThreadsUser",
  );
}

/** Container node: only id, status and error_message. */
export function renderContainer(c: ContainerRecord, fields: string[], now: number): Record<string, unknown> {
  const { status, errorMessage } = containerStatus(c, now);
  if (status === "PUBLISHED" && fields.includes("status")) {
    // THREADS_API.md: asking for `status` on an already published container fails with code 100.
    throw nonexistingField("status", "ThreadsMedia");
  }
  return render(
    c,
    fields,
    {
      id: (r) => r.id,
      status: () => status,
      error_message: () => errorMessage,
    },
    "ThreadsMediaContainer",
  );
}

const MEDIA_TYPE_NAMES = { TEXT: "TEXT_POST", IMAGE: "IMAGE", VIDEO: "VIDEO", CAROUSEL: "CAROUSEL_ALBUM" };

export function renderMedia(
  media: MediaRecord,
  fields: string[],
  state: SandboxState,
  origin: string,
  /** The sandbox clock, for fields that change with time (`ghost_post_status`). */
  now?: number,
): Record<string, unknown> {
  const user = state.users.get(media.userId);
  const isTopLevel = media.replyToId === undefined && media.parentId === undefined;
  return render(
    media,
    fields,
    {
      id: (m) => m.id,
      media_product_type: () => "THREADS",
      media_type: (m) => (m.repostedPostId === undefined ? MEDIA_TYPE_NAMES[m.mediaType] : "REPOST_FACADE"),
      media_url: (m) => m.mediaUrl,
      permalink: (m) => permalinkOf(origin, user?.username ?? "", m.shortcode),
      owner: (m) => (isTopLevel ? { id: m.userId } : undefined),
      username: () => user?.username,
      text: (m) => m.text,
      timestamp: (m) => metaTimestamp(m.publishedAt),
      shortcode: (m) => m.shortcode,
      thumbnail_url: (m) => (m.mediaType === "VIDEO" ? `${origin}/__sandbox/media/sample.jpg` : undefined),
      children: (m) => (m.children.length > 0 ? { data: m.children.map((id) => ({ id })) } : undefined),
      is_quote_post: (m) => m.quotePostId !== undefined,
      quoted_post: (m) => (m.quotePostId === undefined ? undefined : { id: m.quotePostId }),
      alt_text: (m) => m.altText,
      link_attachment_url: (m) => m.linkAttachment,
      topic_tag: (m) => m.topicTag,
      is_reply: (m) => m.replyToId !== undefined,
      replied_to: (m) => (m.replyToId === undefined ? undefined : { id: m.replyToId }),
      root_post: (m) => (m.rootId === undefined ? undefined : { id: m.rootId }),
      reply_audience: (m) => m.replyControl,
      has_replies: (m) =>
        [...state.media.values()].some((other) => other.replyToId === m.id && other.deletedAt === undefined),
      hide_status: (m) => hideStatusOf(state, m),
      poll_attachment: (m) => m.poll,
      // UNVERIFIED: Meta's media fields list does not show these; the sandbox returns them in the shape they
      // were sent, so that what was stored can be read back.
      text_attachment: (m) => (m.textAttachment ? textAttachmentField(m.textAttachment) : undefined),
      text_entities: (m) =>
        m.textEntities?.map((e) => ({ entity_type: e.entityType, offset: e.offset, length: e.length })),
      is_spoiler_media: (m) => m.isSpoilerMedia === true,
      reposted_post: (m) => (m.repostedPostId === undefined ? undefined : { id: m.repostedPostId }),
      // Post options (validate-options.ts). Field names as third-party clients read them (threads-rs): Meta's
      // media field list does not show location_id, location or allowlisted_country_codes (UNVERIFIED).
      gif_url: (m) => (m.gif ? gifUrlOf(m.gif) : undefined),
      location_id: (m) => m.locationId,
      location: (m) => (m.locationId ? locationFieldOf(m.locationId) : undefined),
      allowlisted_country_codes: (m) => m.allowlistedCountryCodes,
      ghost_post_status: (m) => (m.isGhostPost && now !== undefined ? ghostStatusOf(m, now) : undefined),
      ghost_post_expiration_timestamp: (m) => (m.isGhostPost ? ghostExpirationOf(m) : undefined),
    },
    "ThreadsMedia",
  );
}

function textAttachmentField(a: SandboxTextAttachment): Record<string, unknown> {
  return {
    plaintext: a.plaintext,
    ...(a.linkAttachmentUrl === undefined ? {} : { link_attachment_url: a.linkAttachmentUrl }),
    ...(a.styling === undefined
      ? {}
      : {
          text_with_styling_info: a.styling.map((r) => ({
            offset: r.offset,
            length: r.length,
            styling_info: r.styling,
          })),
        }),
  };
}
