/**
 * Publishing one part of a group: carousel children → wait FINISHED → container → wait FINISHED → publish →
 * permalink. Hooks run around every call that changes something so the caller can keep its ledger ahead of
 * Threads: when `beforePublish` has returned, the ledger knows the container id to check after a crash.
 */
import type { ThreadsClient } from "./client.js";
import { containerParamsFor } from "./container-params.js";
import { ThreadsApiError } from "./errors.js";
import type { PostPart } from "./post.js";
import type { ContainerState } from "./types.js";

export interface PartHooks {
  /** After all carousel children were created (before waiting for them). */
  onContainers?(childIds: string[]): void | Promise<void>;
  /** After the part's own container was created. */
  onContainer?(containerId: string): void | Promise<void>;
  /** Right before `threads_publish`; if it throws, nothing is published. */
  beforePublish?(containerId: string): void | Promise<void>;
  /** Right after `threads_publish` answered with the media id. */
  onPublished?(mediaId: string): void | Promise<void>;
}

export interface PublishedPart {
  childIds: string[];
  containerId: string;
  mediaId: string;
  /** Absent when the post was published but its permalink could not be read yet (it can be fetched later). */
  permalink?: string;
}

export async function publishPart(
  client: ThreadsClient,
  token: string,
  userId: string,
  part: PostPart,
  opts: { replyToId?: string; waitTimeoutMs?: number } = {},
  hooks: PartHooks = {},
): Promise<PublishedPart> {
  const { parent, children } = containerParamsFor(part, { replyToId: opts.replyToId });
  const waitOpts = opts.waitTimeoutMs === undefined ? {} : { timeoutMs: opts.waitTimeoutMs };

  const childIds: string[] = [];
  for (const child of children) childIds.push(await client.createContainer(token, userId, child));
  if (childIds.length > 0) await hooks.onContainers?.(childIds);
  for (const [i, childId] of childIds.entries()) {
    assertFinished(await client.waitForContainer(token, childId, waitOpts), `carousel item ${i + 1}`);
  }

  const containerId = await client.createContainer(
    token,
    userId,
    childIds.length > 0 ? { ...parent, children: childIds } : parent,
  );
  await hooks.onContainer?.(containerId);
  assertFinished(await client.waitForContainer(token, containerId, waitOpts), "the post");

  await hooks.beforePublish?.(containerId);
  const mediaId = await client.publishContainer(token, userId, containerId);
  await hooks.onPublished?.(mediaId);

  let permalink: string | undefined;
  try {
    permalink = await client.getPermalink(token, mediaId);
  } catch {
    // Published is published: a missing permalink must not turn a success into a failure (and a retry).
    permalink = undefined;
  }
  return permalink === undefined
    ? { childIds, containerId, mediaId }
    : { childIds, containerId, mediaId, permalink };
}

const ERROR_HINTS: Record<string, string> = {
  FAILED_DOWNLOADING_VIDEO: "Threads could not download the video; check that its URL is public.",
  INVALID_ASPEC_RATIO: "the aspect ratio is not accepted (at most 10:1 for images).",
  INVALID_DURATION: "videos may be at most 300 seconds long.",
  INVALID_FRAME_RATE: "videos need 23 to 60 frames per second.",
  INVALID_BIT_RATE: "the video bit rate is not accepted.",
};

function assertFinished(state: ContainerState, what: string): void {
  if (state.status === "FINISHED") return;
  const reason = state.error_message ?? state.status;
  const hint =
    ERROR_HINTS[reason] ?? "check the media (JPEG/PNG ≤ 8 MB; MP4/MOV H.264 ≤ 1 GB) and try again.";
  throw new ThreadsApiError({
    kind: "permanent",
    endpoint: "GET /v1.0/{container-id}",
    message:
      state.status === "EXPIRED"
        ? `Threads container for ${what} expired before it was published; publish the part again.`
        : state.status === "PUBLISHED"
          ? `Threads container for ${what} is already published; it must not be published twice.`
          : `Threads could not process ${what} (${reason}): ${hint}`,
  });
}
