import type { PublicationPartRow } from "../db/schema.js";
import type { ListOptions, ThreadsClient } from "../threads/client.js";
import { ThreadsApiError } from "../threads/errors.js";
import type { PostPart } from "../threads/post.js";
import { metaTimeToMs, postKindOf } from "../threads/response-mappers.js";

export type Reconciled =
  | { kind: "published"; mediaId: string; permalink: string | null }
  /** Certainly not published; `containerUsable` when its container can still be published. */
  | { kind: "absent"; containerUsable: boolean }
  | { kind: "unknown"; reason: string };

/** How far back to look in /me/threads around the uncertain call. */
const LISTING_PAGES = 5;

/**
 * Asks Threads whether a part whose publish call had an unknown outcome exists. First the container's status
 * (PUBLISHED, or the code-100 refusal Threads gives for published containers, means it exists; FINISHED means
 * it does not); then the media id: a root part is listed in `/me/threads`, matched by text; a reply (parts
 * 2..n of a chain) only in `/me/replies`, matched by text and parent. A post that another part of the
 * ledger already records (`recorded` says which of some media ids are) is never taken: the account may have
 * published the same text since (another run, a post now), and matching by text alone would give this part
 * that run's post, leaving its own without the rest of its chain. A ghost post (root part with `is_ghost_post`)
 * leaves `/me/threads` once archived (24 h after publishing), so it is also looked for in `/me/ghost_posts`.
 */
export async function reconcilePart(
  threads: ThreadsClient,
  token: string,
  row: PublicationPartRow,
  part: PostPart,
  replyToId: string | null,
  recorded: (mediaIds: string[]) => Promise<ReadonlySet<string>>,
): Promise<Reconciled> {
  if (!row.container_id) return { kind: "absent", containerUsable: false };
  let published: boolean;
  try {
    const state = await threads.getContainer(token, row.container_id);
    if (state.status === "FINISHED") return { kind: "absent", containerUsable: true };
    if (state.status === "ERROR" || state.status === "EXPIRED")
      return { kind: "absent", containerUsable: false };
    if (state.status === "IN_PROGRESS") return { kind: "absent", containerUsable: true };
    published = state.status === "PUBLISHED";
  } catch (error) {
    if (error instanceof ThreadsApiError && error.code === 100 && !error.retryable) {
      published = true;
    } else {
      return {
        kind: "unknown",
        reason: `could not ask Threads about container ${row.container_id}: ${describe(error)}`,
      };
    }
  }
  if (!published) return { kind: "unknown", reason: "container status unclear" };
  try {
    const found = await findInListing(threads, token, part, replyToId, row.updated_at, recorded);
    if (found) return { kind: "published", mediaId: found.id, permalink: found.permalink ?? null };
  } catch (error) {
    return { kind: "unknown", reason: `the post exists but listing it failed: ${describe(error)}` };
  }
  return {
    kind: "unknown",
    reason: `container ${row.container_id} is published but the post was not found in ${replyToId === null ? (part.is_ghost_post === true ? "/me/threads or /me/ghost_posts" : "/me/threads") : "/me/replies"} yet`,
  };
}

async function findInListing(
  threads: ThreadsClient,
  token: string,
  part: PostPart,
  replyToId: string | null,
  around: number,
  recorded: (mediaIds: string[]) => Promise<ReadonlySet<string>>,
) {
  const since = around - 10 * 60_000;
  let after: string | undefined;
  // Replies (the later parts of a chain) are not in /me/threads: they are listed under /me/replies.
  const list = (opts: ListOptions) =>
    replyToId === null ? threads.listThreads(token, opts) : threads.listReplies(token, opts);
  for (let i = 0; i < LISTING_PAGES; i++) {
    const page = await list({
      since,
      limit: 50,
      ...(after ? { after } : {}),
      fields: ["id", "text", "media_type", "permalink", "timestamp", "replied_to"],
    });
    const matches = page.data.filter(
      (m) =>
        // A repost (REPOST_FACADE) has no text of its own: never the post of a part without text.
        postKindOf(m.media_type) !== "REPOST" &&
        (m.text ?? "") === (part.text ?? "") &&
        (replyToId === null || m.replied_to === undefined || m.replied_to.id === replyToId),
    );
    if (matches.length > 0) {
      const taken = await recorded(matches.map((m) => m.id));
      const match = matches.find((m) => !taken.has(m.id));
      if (match) return match;
    }
    if (!page.after) break;
    after = page.after;
  }
  // An archived ghost post is no longer in /me/threads; /{user}/ghost_posts lists it, active or archived.
  if (replyToId === null && part.is_ghost_post === true)
    return findGhostPost(threads, token, part, since, recorded);
  return undefined;
}

/**
 * The ghost post with the part's text published since `since` that no ledger part records, from
 * `/me/ghost_posts` (newest first, no `since` filter: pages are read until a post older than `since`).
 */
async function findGhostPost(
  threads: ThreadsClient,
  token: string,
  part: PostPart,
  since: number,
  recorded: (mediaIds: string[]) => Promise<ReadonlySet<string>>,
) {
  let after: string | undefined;
  for (let i = 0; i < LISTING_PAGES; i++) {
    const page = await threads.listGhostPosts(token, "me", { limit: 50, ...(after ? { after } : {}) });
    const inWindow = page.data.filter((m) => {
      const at = metaTimeToMs(m.timestamp);
      return at === undefined || at >= since;
    });
    const matches = inWindow.filter((m) => (m.text ?? "") === (part.text ?? ""));
    if (matches.length > 0) {
      const taken = await recorded(matches.map((m) => m.id));
      const match = matches.find((m) => !taken.has(m.id));
      if (match) return match;
    }
    // Newest first: once a page reaches past the window, later pages are older still.
    if (!page.after || inWindow.length < page.data.length) return undefined;
    after = page.after;
  }
  return undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * How long after the repost call a repost that went through is normally listed in `/me/threads`. UNVERIFIED:
 * Meta does not say how soon a repost is listed. Before that, a repost not found is only "not listed yet";
 * after it, the reason asks the user to look (the run still checks again: a lagging listing may show it).
 */
export const REPOST_LISTED_WITHIN_MS = 2 * 60_000;

/**
 * Whether a repost whose call had an unknown outcome exists: a REPOST_FACADE in `/me/threads` whose
 * `reposted_post` is the source, made around the call, and not one another ledger part records already.
 *
 * A repost not found is never "absent": there is no container to ask, Meta offers no field that says whether
 * this account reposted a post (none found in Meta's reference nor in the client libraries searched: a media
 * object tells who made it, not who reposted it), and a listing may lag. Sending the repost again on a listing miss alone
 * could undo the first (Threads' repost is a toggle in the app; UNVERIFIED what the API does with a second
 * call) while the ledger said published. So it stays "unknown": the run keeps looking, and after
 * REPOST_LISTED_WITHIN_MS its reason asks the user to check the account's Reposts tab.
 */
export async function reconcileRepost(
  threads: ThreadsClient,
  token: string,
  row: PublicationPartRow,
  sourceMediaId: string,
  now: number,
  recorded: (mediaIds: string[]) => Promise<ReadonlySet<string>>,
): Promise<Extract<Reconciled, { kind: "published" | "unknown" }>> {
  try {
    const found = await findRepost(threads, token, sourceMediaId, row.updated_at, recorded);
    if (found) return { kind: "published", mediaId: found.id, permalink: found.permalink ?? null };
  } catch (error) {
    return {
      kind: "unknown",
      reason: `could not list /me/threads to look for the repost: ${describe(error)}`,
    };
  }
  if (now - row.updated_at < REPOST_LISTED_WITHIN_MS) {
    return {
      kind: "unknown",
      reason: `the repost of post ${sourceMediaId} was not found in /me/threads yet; it is looked for again before any new repost`,
    };
  }
  const minutes = Math.floor((now - row.updated_at) / 60_000);
  return {
    kind: "unknown",
    reason: `the repost of post ${sourceMediaId} may or may not have gone through: it is not in /me/threads ${minutes} minute${minutes === 1 ? "" : "s"} after the call, and Threads cannot be asked whether this account reposted a post. It is not sent again, since a second repost could undo the first (Threads' repost is a toggle). Check the account's Reposts tab on Threads and repost the post by hand if it is not there; this run keeps looking for it`,
  };
}

/** The repost of `sourceMediaId` made around `around` (ms) that no ledger part records, if listed. */
export async function findRepost(
  threads: ThreadsClient,
  token: string,
  sourceMediaId: string,
  around: number,
  recorded: (mediaIds: string[]) => Promise<ReadonlySet<string>>,
) {
  let after: string | undefined;
  for (let i = 0; i < LISTING_PAGES; i++) {
    const page = await threads.listThreads(token, {
      since: around - 10 * 60_000,
      limit: 50,
      ...(after ? { after } : {}),
      fields: ["id", "media_type", "reposted_post", "permalink", "timestamp"],
    });
    const matches = page.data.filter(
      (m) => postKindOf(m.media_type) === "REPOST" && m.reposted_post?.id === sourceMediaId,
    );
    if (matches.length > 0) {
      const taken = await recorded(matches.map((m) => m.id));
      const match = matches.find((m) => !taken.has(m.id));
      if (match) return match;
    }
    if (!page.after) return undefined;
    after = page.after;
  }
  return undefined;
}
