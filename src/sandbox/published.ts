import { metaTimestamp } from "./errors.js";
import { permalinkOf } from "./post-page.js";
import type { SandboxState } from "./state.js";
import type { MediaRecord, PublishedChild, PublishedRecord } from "./types.js";

/** Top-level published posts and replies in publish order, as `Sandbox.published()` returns them. */
export function publishedRecords(state: SandboxState, baseUrl: string, userId?: string): PublishedRecord[] {
  return [...state.media.values()]
    .filter((m) => m.parentId === undefined && (userId === undefined || m.userId === userId))
    .map((m) => toRecord(state, m, baseUrl));
}

function toRecord(state: SandboxState, m: MediaRecord, baseUrl: string): PublishedRecord {
  const children: PublishedChild[] = m.children.map((id) => {
    const child = state.media.get(id)!;
    return {
      id,
      mediaType: child.mediaType === "VIDEO" ? "VIDEO" : "IMAGE",
      ...(child.mediaUrl === undefined ? {} : { url: child.mediaUrl }),
      ...(child.altText === undefined ? {} : { altText: child.altText }),
    };
  });
  const optional = {
    text: m.text,
    replyToId: m.replyToId,
    rootId: m.rootId,
    mediaUrl: m.mediaUrl,
    altText: m.altText,
    topicTag: m.topicTag,
    linkAttachment: m.linkAttachment,
    pollOptions: m.poll
      ? [m.poll.option_a, m.poll.option_b, m.poll.option_c, m.poll.option_d].filter((o): o is string => !!o)
      : undefined,
    quotePostId: m.quotePostId,
    textAttachment: m.textAttachment,
    textEntities: m.textEntities,
    isSpoilerMedia: m.isSpoilerMedia,
    repostedPostId: m.repostedPostId,
    gif: m.gif,
    isGhostPost: m.isGhostPost,
    locationId: m.locationId,
    replyApprovals: m.replyApprovals,
    allowlistedCountryCodes: m.allowlistedCountryCodes,
    crossreshareToIg: m.crossreshareToIg,
    deletedAt: m.deletedAt,
  };
  const username = state.users.get(m.userId)?.username ?? "";
  return {
    id: m.id,
    userId: m.userId,
    username,
    mediaType: m.mediaType,
    children,
    replyControl: m.replyControl,
    permalink: permalinkOf(baseUrl, username, m.shortcode),
    timestamp: metaTimestamp(m.publishedAt),
    publishedAt: m.publishedAt,
    containerId: m.containerId,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}
