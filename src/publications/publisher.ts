import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import type { PublicationPartRow } from "../db/schema.js";
import type { Logger } from "../log.js";
import { LeaseLostError, StoppingError } from "../scheduler/engine/run-control.js";
import type { ThreadsClient } from "../threads/client.js";
import { containerParamsFor } from "../threads/client.js";
import { ThreadsApiError } from "../threads/errors.js";
import type { PostPart } from "../threads/post.js";
import {
  countPublishedSince,
  type Ledger,
  markPublishRequested,
  openLedger,
  setPublicationState,
  updatePart,
} from "./publications.repository.js";
import { reconcilePart } from "./reconcile.js";

/** What a publication attempt ended with; the engine turns it into the run's next state. */
export type PublishOutcome =
  | { kind: "published"; permalinks: Array<string | null> }
  /**
   * Nothing uncertain happened: safe to try again later. `quota`: the 24 h publishing quota is used up; such a
   * retry waits for it to free up and never counts towards giving up.
   */
  | { kind: "retry"; reason: string; retryAfterMs?: number; quota?: boolean }
  /**
   * A call's outcome is unknown: Threads must be asked before anything is published again. `atOnce`: no
   * backoff before the check (the call was cut off by a stop, not failed by Threads).
   */
  | { kind: "needs_check"; reason: string; atOnce?: boolean }
  | { kind: "reauth"; reason: string }
  | { kind: "failed"; reason: string }
  /** This process is stopping before anything uncertain happened: another run takes over at once. */
  | { kind: "handed_back"; reason: string };

export interface PublishRequest {
  runId: number;
  account: { id: number; threadsUserId: string; token: string };
  groupId: number | null;
  parts: PostPart[];
  /**
   * Whether a part that Threads confirms was NOT published may be published again (default true). False once
   * the attempts are used up: a publish call that keeps ending with an unknown outcome then fails the run,
   * after the check, instead of looping check → publish → unknown forever.
   */
  republishAllowed?: boolean;
}

export interface PublisherDeps {
  db: Db;
  threads: ThreadsClient;
  clock: Clock;
  logger: Logger;
  /** Gives the pool slot back while waiting for Threads to process media. */
  idle<T>(wait: () => Promise<T>): Promise<T>;
  /**
   * Runs the run's last calls, which publish nothing (the permalink lookups: a text post's third call of
   * three), after giving the pool slot back for good, so the next due post can start meanwhile. The engine
   * bounds how many runs look up at once (as many as the pool has slots), and hands `work` a client that a
   * stop cuts off at once. Default: runs `work` with `threads`.
   */
  afterPublishing?<T>(work: (threads: ThreadsClient) => Promise<T>): Promise<T>;
  /**
   * This process's node id. A part is marked `publish_requested` (and then published) only while this node
   * holds the run's lease, checked by the database in the same statement.
   */
  nodeId: string;
  /** Throws when this process must not publish any more (it is stopping, or its heartbeat lost the lease). */
  assertRunning?(): void;
  /** How long to wait for one container to finish processing (default 10 minutes). */
  containerTimeoutMs?: number;
}

// The run-control errors belong to the engine (scheduler/engine/run-control.ts); re-exported until callers move.
export { LeaseLostError, StoppingError };

const DAY_MS = 86_400_000;
/** Meta: 250 posts and 1,000 replies per profile per rolling 24 h. */
const POST_QUOTA = 250;
const REPLY_QUOTA = 1000;
/** Ask Threads for the live quota only when our own ledger is this close to it (saves a call per post). */
const QUOTA_MARGIN = 10;
/** How long a post refused for quota waits before looking again. */
const QUOTA_RETRY_MS = 30 * 60_000;
/** Meta's "publishing limit reached" (the sandbox answers it on threads_publish; not transient, yet not final). */
const QUOTA_CODE = 9;

/**
 * Publishes a group part by part, writing the ledger before every call that can change anything on Threads,
 * so that a crash at any point leaves enough to know what may exist. Resumes a chain from its first
 * unpublished part; a part whose publish call may have gone through is reconciled with Threads first.
 */
export async function publishGroup(deps: PublisherDeps, req: PublishRequest): Promise<PublishOutcome> {
  const { db, clock } = deps;
  const ledger = await openLedger(db, {
    runId: req.runId,
    accountId: req.account.id,
    groupId: req.groupId,
    partCount: req.parts.length,
    now: clock.now(),
  });
  let outcome: PublishOutcome;
  try {
    outcome = await publishParts(deps, req, ledger);
  } catch (error) {
    outcome = (await quotaBehind(deps, req, error)) ?? outcomeOfError(error);
  }
  // Whatever the outcome, the parts already out get their permalinks (a chain that failed at part 3 still
  // shows where parts 1 and 2 are). Not when this process must stop or has lost the lease.
  if (mayContinue(deps)) {
    const lookUp = (threads: ThreadsClient) => lookUpPermalinks(deps, threads, req, ledger);
    await (deps.afterPublishing ? deps.afterPublishing(lookUp) : lookUp(deps.threads));
  }
  if (outcome.kind === "published")
    outcome = { ...outcome, permalinks: ledger.parts.map((p) => p.permalink) };
  await recordOutcome(deps, ledger, outcome);
  return outcome;
}

function mayContinue(deps: PublisherDeps): boolean {
  try {
    deps.assertRunning?.();
    return true;
  } catch {
    return false;
  }
}

/**
 * Looks up the permalink of every published part that has none yet; a failed lookup leaves it empty. A stop
 * ends the lookups (they publish nothing): the post is published either way.
 */
async function lookUpPermalinks(
  deps: PublisherDeps,
  threads: ThreadsClient,
  req: PublishRequest,
  ledger: Ledger,
): Promise<void> {
  for (const row of ledger.parts) {
    if (row.state !== "published" || row.permalink || !row.media_id) continue;
    if (!mayContinue(deps)) return;
    try {
      const permalink = await threads.getPermalink(req.account.token, row.media_id);
      await updatePart(deps.db, row.id, { permalink }, deps.clock.now());
      row.permalink = permalink;
    } catch (error) {
      if (!mayContinue(deps)) return;
      deps.logger.warn("permalink lookup failed; the post is published", { mediaId: row.media_id, error });
    }
  }
}

/**
 * Which error Meta gives when the 24 h cap is hit is not documented (the sandbox answers code 9). So a publish
 * refused with any other "permanent" error asks Threads for the limit: when it is used up, the post waits for
 * it like any quota wait instead of failing.
 */
async function quotaBehind(
  deps: PublisherDeps,
  req: PublishRequest,
  error: unknown,
): Promise<PublishOutcome | undefined> {
  if (!(error instanceof ThreadsApiError) || error.kind !== "permanent" || error.code === QUOTA_CODE)
    return undefined;
  if (!error.endpoint.endsWith("/threads_publish")) return undefined;
  try {
    const live = await deps.threads.getPublishingLimit(req.account.token, req.account.threadsUserId);
    const postsFull = live.quotaUsage >= live.quotaTotal;
    const repliesFull = live.replyQuotaUsage >= live.replyQuotaTotal;
    if (!postsFull && !repliesFull) return undefined;
    return {
      kind: "retry",
      reason: `Threads refused the publish (${error.message}) with its ${postsFull ? "post" : "reply"} quota used up; waiting for it to free up`,
      retryAfterMs: QUOTA_RETRY_MS,
      quota: true,
    };
  } catch {
    return undefined;
  }
}

async function publishParts(
  deps: PublisherDeps,
  req: PublishRequest,
  ledger: Ledger,
): Promise<PublishOutcome> {
  const { db, threads, clock } = deps;
  const { token, threadsUserId } = req.account;
  let previousMediaId: string | null = null;

  const quota = await checkQuota(deps, req, ledger);
  if (quota) return quota;

  for (const row of ledger.parts) {
    const part = req.parts[row.position];
    if (!part)
      return { kind: "failed", reason: `the group changed: part ${row.position + 1} no longer exists` };
    if (row.state === "published") {
      previousMediaId = row.media_id;
      continue;
    }
    if (row.state === "publish_requested") {
      // The last publish call for this part may or may not have gone through.
      const found = await reconcilePart(threads, token, row, part, previousMediaId);
      if (found.kind === "published") {
        await updatePart(
          db,
          row.id,
          { state: "published", media_id: found.mediaId, permalink: found.permalink },
          clock.now(),
        );
        row.state = "published";
        row.media_id = found.mediaId;
        row.permalink = found.permalink;
        previousMediaId = found.mediaId;
        continue;
      }
      if (found.kind === "unknown") return { kind: "needs_check", reason: found.reason };
      if (req.republishAllowed === false) {
        return {
          kind: "failed",
          reason: `gave up: part ${row.position + 1} was checked and is certainly not on Threads, and the attempts are used up (last error: ${row.error ?? "the publish call's outcome was unknown"})`,
        };
      }
      // Certainly not published: publish again (the container may still be usable).
      row.state = found.containerUsable ? "container_created" : "pending";
      if (!found.containerUsable) row.container_id = null;
      await updatePart(db, row.id, { state: row.state, container_id: row.container_id }, clock.now());
    }

    const replyToId = row.position > 0 ? (previousMediaId ?? undefined) : undefined;
    if (row.position > 0 && !replyToId) {
      return {
        kind: "failed",
        reason: `part ${row.position + 1}: the previous part has no media id to reply to`,
      };
    }
    const containerId = await ensureContainer(deps, req, row, part, replyToId);
    if (typeof containerId !== "string") return containerId;

    deps.assertRunning?.();
    const lease = { runId: req.runId, nodeId: deps.nodeId };
    if (!(await markPublishRequested(db, row.id, containerId, clock.now(), lease))) {
      throw LeaseLostError.of(req.runId);
    }
    let mediaId: string;
    try {
      mediaId = await threads.publishContainer(token, threadsUserId, containerId);
    } catch (error) {
      if (error instanceof ThreadsApiError && !error.outcomeUnknown) {
        // Threads answered: nothing was published. The next try publishes the same container without a check.
        await updatePart(db, row.id, { state: "container_created", error: error.message }, clock.now());
      }
      throw error;
    }
    await updatePart(db, row.id, { state: "published", media_id: mediaId, error: null }, clock.now());
    previousMediaId = mediaId;
    row.state = "published";
    row.media_id = mediaId;
  }
  // Everything is on Threads; publishGroup looks up the permalinks.
  return { kind: "published", permalinks: [] };
}

/** Creates (or re-uses) the part's container and waits until Threads has processed it. */
async function ensureContainer(
  deps: PublisherDeps,
  req: PublishRequest,
  row: PublicationPartRow,
  part: PostPart,
  replyToId: string | undefined,
): Promise<string | PublishOutcome> {
  const { db, threads, clock } = deps;
  const { token, threadsUserId } = req.account;
  const timeoutMs = deps.containerTimeoutMs ?? 10 * 60_000;
  const plan = containerParamsFor(part, replyToId ? { replyToId } : {});
  // Text is ready at once; media is processed by Threads and polled until FINISHED.
  const processed = plan.parent.mediaType !== "TEXT";

  if (row.state === "pending" || !row.container_id) {
    let parentParams = plan.parent;
    if (plan.children.length > 0) {
      const childIds: string[] = row.children_json ? JSON.parse(row.children_json) : [];
      for (let i = childIds.length; i < plan.children.length; i++) {
        childIds.push(await threads.createContainer(token, threadsUserId, plan.children[i]!));
        await updatePart(db, row.id, { children_json: JSON.stringify(childIds) }, clock.now());
      }
      for (const childId of childIds) {
        const child = await deps.idle(() => threads.waitForContainer(token, childId, { timeoutMs }));
        if (child.status !== "FINISHED") {
          await updatePart(db, row.id, { children_json: null }, clock.now());
          return containerProblem(row.position, child.status, child.error_message);
        }
      }
      parentParams = { ...plan.parent, children: childIds };
    }
    const containerId = await threads.createContainer(token, threadsUserId, parentParams);
    // A media container is recorded before the wait, so a retry re-uses it instead of uploading again. A text
    // container is published at once, and its id is written with `publish_requested`: a crash in between
    // leaves an unused container, which Threads lets expire (one statement less per text post).
    if (processed) {
      await updatePart(db, row.id, { state: "container_created", container_id: containerId }, clock.now());
    }
    row.container_id = containerId;
    row.state = "container_created";
  }
  const containerId = row.container_id!;
  // Media is polled until FINISHED (never a fixed sleep), without holding a slot.
  if (processed) {
    const status = await deps.idle(() => threads.waitForContainer(token, containerId, { timeoutMs }));
    if (status.status !== "FINISHED") {
      await updatePart(
        db,
        row.id,
        { state: "pending", container_id: null, children_json: null },
        clock.now(),
      );
      return containerProblem(row.position, status.status, status.error_message);
    }
  }
  return containerId;
}

function containerProblem(position: number, status: string, message: string | undefined): PublishOutcome {
  if (status === "EXPIRED") {
    return {
      kind: "retry",
      reason: `part ${position + 1}: the media container expired; it will be created again`,
    };
  }
  return {
    kind: "failed",
    reason: `part ${position + 1}: Threads could not process the media (${message ?? status}). Check that the media URL is public and the file meets Threads' limits.`,
  };
}

async function checkQuota(
  deps: PublisherDeps,
  req: PublishRequest,
  ledger: Ledger,
): Promise<PublishOutcome | undefined> {
  const remaining = ledger.parts.filter((p) => p.state !== "published");
  if (remaining.length === 0) return undefined;
  const needPosts = remaining.some((p) => p.position === 0) ? 1 : 0;
  const needReplies = remaining.filter((p) => p.position > 0).length;
  const now = deps.clock.now();
  const local = await countPublishedSince(deps.db, req.account.id, now - DAY_MS);
  if (
    local.posts + needPosts < POST_QUOTA - QUOTA_MARGIN &&
    local.replies + needReplies < REPLY_QUOTA - QUOTA_MARGIN
  ) {
    return undefined;
  }
  const live = await deps.threads.getPublishingLimit(req.account.token, req.account.threadsUserId);
  if (needPosts > 0 && live.quotaUsage + needPosts > live.quotaTotal) {
    return {
      kind: "retry",
      reason: `publishing quota reached (${live.quotaUsage}/${live.quotaTotal} posts in 24 h); waiting for it to free up`,
      retryAfterMs: QUOTA_RETRY_MS,
      quota: true,
    };
  }
  if (needReplies > 0 && live.replyQuotaUsage + needReplies > live.replyQuotaTotal) {
    return {
      kind: "retry",
      reason: `reply quota reached (${live.replyQuotaUsage}/${live.replyQuotaTotal} replies in 24 h); waiting for it to free up`,
      retryAfterMs: QUOTA_RETRY_MS,
      quota: true,
    };
  }
  return undefined;
}

export function outcomeOfError(error: unknown): PublishOutcome {
  if (error instanceof LeaseLostError) return { kind: "needs_check", reason: error.message };
  if (error instanceof StoppingError)
    return { kind: "handed_back", reason: "handed back: the scheduler stopped" };
  const stop = error instanceof ThreadsApiError ? stoppingCause(error) : undefined;
  if (stop && error instanceof ThreadsApiError) {
    // A call the stop cut off. Only a publish that may have left can have made a post exist.
    if (error.outcomeUnknown && error.endpoint.endsWith("/threads_publish")) {
      return {
        kind: "needs_check",
        reason: `the scheduler stopped while a publish call was in flight (${stop.message}); Threads will be checked before any retry`,
        atOnce: true,
      };
    }
    return { kind: "handed_back", reason: "handed back: the scheduler stopped" };
  }
  if (error instanceof ThreadsApiError) {
    const meta = error.message;
    if (error.outcomeUnknown) {
      // Only a publish can make a post exist; a container created by a call whose answer was lost is unused,
      // harmless, and expires after 24 h, so that call is simply retried.
      if (!error.endpoint.endsWith("/threads_publish")) {
        return { kind: "retry", reason: `${meta} (nothing was published)` };
      }
      return {
        kind: "needs_check",
        reason: `outcome unknown (${meta}); Threads will be checked before any retry`,
      };
    }
    if (error.code === QUOTA_CODE) {
      return {
        kind: "retry",
        reason: `publishing quota reached at Threads: ${meta}; waiting for it to free up`,
        retryAfterMs: QUOTA_RETRY_MS,
        quota: true,
      };
    }
    switch (error.kind) {
      case "auth":
        return { kind: "reauth", reason: `the account must be reconnected: ${meta}` };
      case "transient":
      case "not_ready":
        return { kind: "retry", reason: meta };
      case "rate_limited":
        return { kind: "retry", reason: `rate limited by Threads: ${meta}`, retryAfterMs: 15 * 60_000 };
      case "permanent":
        return { kind: "failed", reason: meta };
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "retry", reason: `unexpected error: ${message}` };
}

/** The StoppingError that cut a call off (the abort reason, somewhere in the error's causes). */
function stoppingCause(error: Error): StoppingError | undefined {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++, e = e.cause) {
    if (e instanceof StoppingError) return e;
  }
  return undefined;
}

async function recordOutcome(deps: PublisherDeps, ledger: Ledger, outcome: PublishOutcome): Promise<void> {
  const now = deps.clock.now();
  const state =
    outcome.kind === "published"
      ? "published"
      : outcome.kind === "needs_check"
        ? "needs_check"
        : outcome.kind === "failed"
          ? "failed"
          : "publishing";
  await setPublicationState(
    deps.db,
    ledger.publication.id,
    state,
    now,
    outcome.kind === "published" ? null : outcome.reason,
  );
}
