import { invalidParam, MetaError, mediaNotFound } from "./errors.js";
import type { FetchMedia } from "./media.js";
import { randomShortcode, type SandboxState } from "./state.js";
import type { ContainerRecord, MediaRecord, UserRecord } from "./types.js";
import type { ContainerInput } from "./validate.js";
import { checkOptionsAgainstState, OPTION_KEYS } from "./validate-options.js";

export type ContainerStatus = "IN_PROGRESS" | "FINISHED" | "PUBLISHED" | "ERROR" | "EXPIRED";

/** A container not published within 24 h expires. */
export const CONTAINER_TTL_MS = 24 * 60 * 60 * 1000;

/** Status as Meta would report it at `now`; computed, so moving a FakeClock is all a test needs. */
export function containerStatus(
  c: ContainerRecord,
  now: number,
): { status: ContainerStatus; errorMessage?: string } {
  if (c.publishedMediaId !== undefined) return { status: "PUBLISHED" };
  if (c.download.state === "error") {
    return { status: "ERROR", errorMessage: c.download.errorMessage ?? "UNKNOWN" };
  }
  if (now >= c.createdAt + CONTAINER_TTL_MS) return { status: "EXPIRED" };
  if (now < c.readyAt || c.download.state === "pending") return { status: "IN_PROGRESS" };
  return { status: "FINISHED" };
}

/** Applies the checks that need state (reply target, quote target, carousel children), then stores the container. */
export function createContainer(
  state: SandboxState,
  user: UserRecord,
  input: ContainerInput,
  now: number,
  processingMs: number,
): ContainerRecord {
  if (input.replyToId !== undefined) requirePublicMedia(state, input.replyToId, "reply_to_id");
  if (input.quotePostId !== undefined) requirePublicMedia(state, input.quotePostId, "quote_post_id");
  for (const childId of input.children) checkChild(state, user, childId, now);
  checkOptionsAgainstState(state, user, input, now);

  const container: ContainerRecord = {
    id: state.nextContainerId(),
    userId: user.id,
    mediaType: input.mediaType,
    createdAt: now,
    readyAt: input.mediaType === "TEXT" ? now : now + processingMs,
    isCarouselItem: input.isCarouselItem,
    children: input.children,
    extra: input.extra,
    download: { state: input.mediaType === "IMAGE" || input.mediaType === "VIDEO" ? "pending" : "none" },
    ...pick(input, [
      "text",
      "imageUrl",
      "videoUrl",
      "replyToId",
      "replyControl",
      "topicTag",
      "linkAttachment",
      "quotePostId",
      "altText",
      "poll",
      "textAttachment",
      "textEntities",
      "isSpoilerMedia",
    ]),
    ...pick(input, [...OPTION_KEYS]),
  };
  state.containers.set(container.id, container);
  state.changed(true);
  return container;
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}

function requirePublicMedia(state: SandboxState, id: string, param: string): MediaRecord {
  const media = state.liveMedia(id);
  if (!media || media.parentId !== undefined) {
    const hint = state.containers.has(id)
      ? " It is a container id: use the media id returned by threads_publish."
      : "";
    throw invalidParam(`${param} "${id}" is not the id of a published Threads post.${hint}`);
  }
  return media;
}

function checkChild(state: SandboxState, user: UserRecord, childId: string, now: number): void {
  const child = state.containers.get(childId);
  if (!child || child.userId !== user.id) {
    throw invalidParam(`Carousel child ${childId} does not exist or belongs to another user.`);
  }
  if (!child.isCarouselItem) {
    throw invalidParam(`Carousel child ${childId} was not created with is_carousel_item=true.`);
  }
  const { status } = containerStatus(child, now);
  if (status !== "FINISHED") {
    throw invalidParam(
      `Carousel child ${childId} is ${status}; every child must be FINISHED before the carousel is created.`,
    );
  }
}

/** Runs the download Meta would do and records its outcome on the container. */
export function startDownload(
  state: SandboxState,
  container: ContainerRecord,
  fetchMedia: FetchMedia,
): Promise<void> {
  const isVideo = container.mediaType === "VIDEO";
  const url = isVideo ? container.videoUrl : container.imageUrl;
  if (url === undefined) return Promise.resolve();
  const accepted = isVideo ? ["video/mp4", "video/quicktime"] : ["image/jpeg", "image/jpg", "image/png"];
  const finish = (download: ContainerRecord["download"]) => {
    container.download = download;
    state.changed();
  };
  return fetchMedia(url).then(
    (result) => {
      const type = result.contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
      if (!result.ok) {
        finish({
          state: "error",
          errorMessage: isVideo ? "FAILED_DOWNLOADING_VIDEO" : "FAILED_DOWNLOADING_IMAGE",
        });
      } else if (!accepted.includes(type)) {
        // A reachable URL serving the wrong kind of file (e.g. an HTML page) fails processing.
        finish({
          state: "error",
          errorMessage: isVideo ? "FAILED_PROCESSING_VIDEO" : "FAILED_DOWNLOADING_IMAGE",
        });
      } else {
        finish({ state: "ok" });
      }
    },
    () =>
      finish({
        state: "error",
        errorMessage: isVideo ? "FAILED_DOWNLOADING_VIDEO" : "FAILED_DOWNLOADING_IMAGE",
      }),
  );
}

export const POST_QUOTA = 250;
export const REPLY_QUOTA = 1000;
export const QUOTA_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Posts and replies published in the rolling 24 h before `now` (a carousel is one post). */
export function quotaUsage(
  state: SandboxState,
  userId: string,
  now: number,
): { posts: number; replies: number } {
  let posts = 0;
  let replies = 0;
  // Deleted posts still count: deleting gives no publishing quota back (UNVERIFIED; the cautious reading).
  for (const m of state.media.values()) {
    if (m.userId !== userId || m.parentId !== undefined) continue;
    if (m.publishedAt <= now - QUOTA_WINDOW_MS) continue;
    if (m.replyToId === undefined) posts += 1;
    else replies += 1;
  }
  return { posts, replies };
}

/**
 * `threads_publish`. Refuses anything not FINISHED with 24/4279009, refuses a second publish of the same
 * container, and enforces the 24 h quotas. The quota error's real code is UNVERIFIED: the sandbox answers
 * code 9 (as Instagram's content publishing limit does), THApiException, not transient.
 */
export function publishContainer(
  state: SandboxState,
  user: UserRecord,
  creationId: string,
  now: number,
): MediaRecord {
  const container = state.containers.get(creationId);
  if (!container || container.userId !== user.id) {
    throw mediaNotFound(`No media container with id ${creationId} exists for this user.`);
  }
  if (container.publishedMediaId !== undefined) {
    throw new MetaError({
      code: 100,
      message: `(#100) The container ${creationId} has already been published and cannot be published again.`,
      userTitle: "Already published",
      userMsg: "This post was already published. Look it up in /me/threads instead of publishing it again.",
    });
  }
  if (container.isCarouselItem) {
    throw invalidParam("A carousel item cannot be published on its own; publish the CAROUSEL container.");
  }
  const { status, errorMessage } = containerStatus(container, now);
  if (status === "IN_PROGRESS") {
    throw mediaNotFound(
      "The media is still being processed (IN_PROGRESS). Wait until its status is FINISHED.",
    );
  }
  if (status === "ERROR")
    throw mediaNotFound(`The media failed processing (${errorMessage}). Create a new container.`);
  if (status === "EXPIRED") {
    throw mediaNotFound(
      "The container expired: it was not published within 24 hours. Create a new container.",
    );
  }
  for (const childId of container.children) {
    if (state.containers.get(childId)?.publishedMediaId !== undefined) {
      throw invalidParam(
        `Carousel child ${childId} was already published in another carousel; create new children.`,
      );
    }
  }
  checkQuota(state, user.id, container.replyToId !== undefined, now);
  return storeMedia(state, user, container, now);
}

function checkQuota(state: SandboxState, userId: string, isReply: boolean, now: number): void {
  const usage = quotaUsage(state, userId, now);
  const [used, total, what] = isReply
    ? [usage.replies, REPLY_QUOTA, "replies"]
    : [usage.posts, POST_QUOTA, "posts"];
  if (used >= total) {
    throw new MetaError({
      code: 9,
      type: "THApiException",
      transient: false,
      message: `Publishing limit reached: ${used} of ${total} ${what} in the last 24 hours.`,
      userTitle: "Publishing limit reached",
      userMsg: `This profile has published ${total} ${what} via the API in the last 24 hours. Try again later.`,
    });
  }
}

function storeMedia(
  state: SandboxState,
  user: UserRecord,
  container: ContainerRecord,
  now: number,
): MediaRecord {
  const parent = newMedia(state, user, container, now);
  for (const childId of container.children) {
    const childContainer = state.containers.get(childId)!;
    const child = newMedia(state, user, childContainer, now);
    child.parentId = parent.id;
    parent.children.push(child.id);
  }
  if (container.replyToId !== undefined) {
    const target = state.media.get(container.replyToId);
    parent.rootId = target?.rootId ?? container.replyToId;
  }
  state.changed(true);
  return parent;
}

function newMedia(
  state: SandboxState,
  user: UserRecord,
  container: ContainerRecord,
  now: number,
): MediaRecord {
  const shortcode = randomShortcode();
  const media: MediaRecord = {
    id: state.nextMediaId(),
    userId: user.id,
    containerId: container.id,
    mediaType: container.mediaType,
    children: [],
    replyControl: container.replyControl ?? "everyone",
    shortcode,
    publishedAt: now,
    ...pick(container, ["text", "altText", "replyToId", "topicTag", "linkAttachment", "quotePostId", "poll"]),
    ...pick(container, ["textAttachment", "textEntities", "isSpoilerMedia"]),
    ...pick(container, [...OPTION_KEYS]),
  };
  const url = container.imageUrl ?? container.videoUrl;
  if (url !== undefined) media.mediaUrl = url;
  state.media.set(media.id, media);
  container.publishedMediaId = media.id;
  return media;
}
