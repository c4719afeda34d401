/** Meta's response shapes → our types. Pure; tolerant of missing fields, strict about nothing Meta may omit. */
import type {
  ContainerState,
  ContainerStatus,
  DebugTokenInfo,
  GhostPostsPage,
  MediaType,
  PublishingLimit,
  ReadMediaType,
  RepliesPage,
  ThreadsGhostPost,
  ThreadsMedia,
  ThreadsPage,
  ThreadsPlace,
  ThreadsReply,
  TokenGrant,
  UserInsights,
} from "./types.js";

type Json = Record<string, unknown>;

const STATUSES: readonly ContainerStatus[] = ["IN_PROGRESS", "FINISHED", "PUBLISHED", "ERROR", "EXPIRED"];

export function toContainerState(body: Json, fallbackId: string): ContainerState {
  const status = STATUSES.includes(body.status as ContainerStatus)
    ? (body.status as ContainerStatus)
    : undefined;
  const state: ContainerState = { id: idOf(body.id) ?? fallbackId, status: status ?? "IN_PROGRESS" };
  if (status === undefined && typeof body.status === "string") {
    // An unknown status is not a success: surface it as an error so nobody publishes on a guess.
    return { ...state, status: "ERROR", error_message: `unknown container status ${body.status}` };
  }
  if (typeof body.error_message === "string" && body.error_message !== "")
    state.error_message = body.error_message;
  return state;
}

export function toTokenGrant(body: Json): TokenGrant {
  const grant: TokenGrant = { accessToken: String(body.access_token ?? "") };
  const expiresIn = numberOf(body.expires_in);
  if (expiresIn !== undefined) grant.expiresIn = expiresIn;
  const userId = idOf(body.user_id);
  if (userId !== undefined) grant.userId = userId;
  return grant;
}

export function toDebugTokenInfo(body: Json): DebugTokenInfo {
  const data = isRecord(body.data) ? body.data : body;
  const info: DebugTokenInfo = { isValid: data.is_valid === true };
  // Meta uses 0 for "does not expire"; seconds on the wire, milliseconds here.
  const expiresAt = numberOf(data.expires_at);
  if (expiresAt) info.expiresAt = expiresAt * 1000;
  const issuedAt = numberOf(data.issued_at);
  if (issuedAt) info.issuedAt = issuedAt * 1000;
  if (Array.isArray(data.scopes)) info.scopes = data.scopes.filter((s): s is string => typeof s === "string");
  const userId = idOf(data.user_id);
  if (userId !== undefined) info.userId = userId;
  return info;
}

export function toPublishingLimit(body: Json): PublishingLimit {
  const row = Array.isArray(body.data) && isRecord(body.data[0]) ? body.data[0] : {};
  const config = isRecord(row.config) ? row.config : {};
  const replyConfig = isRecord(row.reply_config) ? row.reply_config : {};
  const deleteConfig = isRecord(row.delete_config) ? row.delete_config : {};
  return {
    quotaUsage: numberOf(row.quota_usage) ?? 0,
    quotaTotal: numberOf(config.quota_total) ?? 250,
    replyQuotaUsage: numberOf(row.reply_quota_usage) ?? 0,
    replyQuotaTotal: numberOf(replyConfig.quota_total) ?? 1000,
    quotaDuration: numberOf(config.quota_duration) ?? 86_400,
    deleteQuotaUsage: numberOf(row.delete_quota_usage) ?? 0,
    deleteQuotaTotal: numberOf(deleteConfig.quota_total) ?? 100,
  };
}

/**
 * Meta's paging: `paging.cursors.after` is present even on the last page; `paging.next` is present only when
 * there is a next page, so the cursor is returned only together with `next`.
 */
export function toThreadsPage(body: Json): ThreadsPage {
  const data = Array.isArray(body.data) ? body.data.filter(isRecord) : [];
  const page: ThreadsPage = { data: data.map(toThreadsMedia) };
  const paging = isRecord(body.paging) ? body.paging : {};
  const cursors = isRecord(paging.cursors) ? paging.cursors : {};
  if (typeof paging.next === "string" && typeof cursors.after === "string" && data.length > 0) {
    page.after = cursors.after;
  }
  return page;
}

/** `data[]{name, values:[{value}]}` or `data[]{name, total_value:{value}}` → name → value. */
export function toPostInsights(body: Json): Record<string, number> {
  const result: Record<string, number> = {};
  for (const metric of Array.isArray(body.data) ? body.data.filter(isRecord) : []) {
    if (typeof metric.name !== "string") continue;
    const value = metricTotal(metric);
    if (value !== undefined) result[metric.name] = value;
  }
  return result;
}

/**
 * User insights: `views` is a daily series (summed into totals.views), `clicks` is `link_total_values[]`
 * (summed over links), the rest `total_value.value`.
 */
export function toUserInsights(body: Json): UserInsights {
  const totals: Record<string, number> = {};
  let views: UserInsights["views"];
  for (const metric of Array.isArray(body.data) ? body.data.filter(isRecord) : []) {
    if (typeof metric.name !== "string") continue;
    if (metric.name === "views" && Array.isArray(metric.values)) {
      views = metric.values.filter(isRecord).map((v) => ({
        value: numberOf(v.value) ?? 0,
        endTime: typeof v.end_time === "string" ? v.end_time : "",
      }));
    }
    const value = metricTotal(metric);
    if (value !== undefined) totals[metric.name] = value;
  }
  return views ? { totals, views } : { totals };
}

function metricTotal(metric: Json): number | undefined {
  if (isRecord(metric.total_value)) return numberOf(metric.total_value.value);
  if (Array.isArray(metric.link_total_values)) {
    return metric.link_total_values.filter(isRecord).reduce((sum, v) => sum + (numberOf(v.value) ?? 0), 0);
  }
  if (Array.isArray(metric.values)) {
    const values = metric.values.filter(isRecord).map((v) => numberOf(v.value) ?? 0);
    return values.reduce((sum, v) => sum + v, 0);
  }
  return undefined;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function numberOf(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}
function idOf(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/** One post as read back: ids of the nodes it names (`reposted_post`, `quoted_post`, …) as strings. */
export function toThreadsMedia(body: Json): ThreadsMedia {
  const media = { ...body, id: idOf(body.id) ?? "" } as ThreadsMedia;
  for (const key of ["reposted_post", "quoted_post", "replied_to", "root_post"] as const) {
    const node = body[key];
    if (isRecord(node)) {
      const id = idOf(node.id);
      if (id === undefined) delete media[key];
      else media[key] = { id };
    }
  }
  return media;
}

const READ_TYPES: Record<ReadMediaType, MediaType | "AUDIO" | "REPOST"> = {
  TEXT_POST: "TEXT",
  IMAGE: "IMAGE",
  VIDEO: "VIDEO",
  CAROUSEL_ALBUM: "CAROUSEL",
  AUDIO: "AUDIO",
  REPOST_FACADE: "REPOST",
};

/**
 * What kind of post a read-back `media_type` is: the type it was created as (a TEXT part reads back as
 * TEXT_POST, a CAROUSEL as CAROUSEL_ALBUM), AUDIO, or REPOST for a repost; undefined for a type this
 * version does not know (or none).
 */
export function postKindOf(mediaType: string | undefined): MediaType | "AUDIO" | "REPOST" | undefined {
  if (mediaType === undefined) return undefined;
  // The create-time names are accepted too (older answers, tests).
  if (mediaType === "TEXT" || mediaType === "CAROUSEL") return mediaType;
  return Object.hasOwn(READ_TYPES, mediaType) ? READ_TYPES[mediaType as ReadMediaType] : undefined;
}

/** Meta's paging rule (see toThreadsPage): the `after` cursor only together with `paging.next`. */
function nextCursor(body: Json, count: number): string | undefined {
  const paging = isRecord(body.paging) ? body.paging : {};
  const cursors = isRecord(paging.cursors) ? paging.cursors : {};
  return typeof paging.next === "string" && typeof cursors.after === "string" && count > 0
    ? cursors.after
    : undefined;
}

function rows(body: Json): Json[] {
  return Array.isArray(body.data) ? body.data.filter(isRecord) : [];
}

function strOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Drops the keys whose value is undefined (exactOptionalPropertyTypes-friendly objects). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function toReply(row: Json): ThreadsReply {
  return defined<ThreadsReply>({
    id: idOf(row.id) ?? "",
    text: strOf(row.text),
    username: strOf(row.username),
    timestamp: strOf(row.timestamp),
    permalink: strOf(row.permalink),
    hideStatus: strOf(row.hide_status),
    hasReplies: typeof row.has_replies === "boolean" ? row.has_replies : undefined,
    approvalStatus: strOf(row.reply_approval_status),
    mediaType: strOf(row.media_type),
  });
}

export function toRepliesPage(body: Json): RepliesPage {
  const data = rows(body).map(toReply);
  const after = nextCursor(body, data.length);
  return after === undefined ? { data } : { data, after };
}

export function toPlace(row: Json): ThreadsPlace {
  return defined<ThreadsPlace>({
    id: idOf(row.id) ?? "",
    name: strOf(row.name),
    address: strOf(row.address),
    city: strOf(row.city),
    country: strOf(row.country),
    latitude: numberOf(row.latitude),
    longitude: numberOf(row.longitude),
    postalCode: strOf(row.postal_code),
  });
}

/** `{"data":[place…]}`; Meta's example shows numeric ids, the sandbox digit strings: both read as strings. */
export function toPlaces(body: Json): ThreadsPlace[] {
  return rows(body)
    .map(toPlace)
    .filter((p) => p.id !== "");
}

/** Meta's "2026-01-02T03:04:05+0000" (or unix seconds) → epoch ms. */
export function metaTimeToMs(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value * 1000;
  if (typeof value !== "string" || value === "") return undefined;
  if (/^\d+$/u.test(value)) return Number(value) * 1000;
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/u, "$1:$2"));
  return Number.isNaN(ms) ? undefined : ms;
}

export function toGhostPostsPage(body: Json): GhostPostsPage {
  const data = rows(body).map((row) =>
    defined<ThreadsGhostPost>({
      id: idOf(row.id) ?? "",
      text: strOf(row.text),
      timestamp: strOf(row.timestamp),
      permalink: strOf(row.permalink),
      status: strOf(row.ghost_post_status),
      expiresAt: metaTimeToMs(row.ghost_post_expiration_timestamp),
    }),
  );
  const after = nextCursor(body, data.length);
  return after === undefined ? { data } : { data, after };
}
