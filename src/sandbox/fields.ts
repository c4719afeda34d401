import { containerStatus } from "./containers.js";
import { metaTimestamp, nonexistingField } from "./errors.js";
import { permalinkOf } from "./post-page.js";
import type { SandboxState } from "./state.js";
import type { ContainerRecord, MediaRecord, UserRecord } from "./types.js";

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
): Record<string, unknown> {
  const user = state.users.get(media.userId);
  const isTopLevel = media.replyToId === undefined && media.parentId === undefined;
  return render(
    media,
    fields,
    {
      id: (m) => m.id,
      media_product_type: () => "THREADS",
      media_type: (m) => MEDIA_TYPE_NAMES[m.mediaType],
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
      hide_status: (m) => (m.replyToId === undefined ? undefined : "NOT_HUSHED"),
      poll_attachment: (m) => m.poll,
    },
    "ThreadsMedia",
  );
}
