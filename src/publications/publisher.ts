/**
 * The publisher: the ledger's state machine for one publication, part by part (pending → container_created →
 * publish_requested → published), written before every call that can change something on Threads.
 *
 * What is about Meta lives in threads/: the quota caps and when to ask Threads for the live quota
 * (threads/quota.ts), what an error means — a publish call, a post that may exist, a quota refusal
 * (threads/errors.ts) — and how a failed media container is worded (threads/container-failure.ts). What stays
 * here is what the ledger does with those answers: which state a part goes to, what is checked before a retry,
 * and which outcome the run gets (outcome.ts). The engine's cooperation (may this run go on, its pool slot)
 * comes as one RunControl.
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import type { PublicationPartRow } from "../db/schema.js";
import type { Logger } from "../log.js";
import { LeaseLostError, type RunControl } from "../scheduler/engine/run-control.js";
import type { ThreadsClient } from "../threads/client.js";
import { describeContainerFailure } from "../threads/container-failure.js";
import { containerParamsFor } from "../threads/container-params.js";
import { isNotFoundRefusal, isRepostCall, mayBeQuotaRefusal, ThreadsApiError } from "../threads/errors.js";
import type { PostPart } from "../threads/post.js";
import { usesGeoGating } from "../threads/preflight-options.js";
import {
  mustAskForQuota,
  QUOTA_WINDOW_MS,
  quotaNeedOf,
  quotaShortfall,
  usedUpQuota,
} from "../threads/quota.js";
import type { ContainerState } from "../threads/types.js";
import { outcomeOfError, type PublishOutcome, quotaWait } from "./outcome.js";
import {
  countPublishedSince,
  type Ledger,
  markPublishRequested,
  openLedger,
  recordedMediaIds,
  setPublicationState,
  updatePart,
} from "./publications.repository.js";
import { reconcilePart, reconcileRepost } from "./reconcile.js";
import { SOURCE_GONE_PREFIX } from "./recycle.repository.js";

export type { PublishOutcome } from "./outcome.js";

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
  /** A quote of an earlier post (a quote schedule's run): recorded on the ledger (migration 0011). */
  recycle?: { action: "quote"; sourceMediaId: string };
}

export interface PublisherDeps {
  db: Db;
  threads: ThreadsClient;
  clock: Clock;
  logger: Logger;
  /** The engine's cooperation: whether this run may go on, its node id, its pool slot. */
  control: RunControl;
  /** How long to wait for one container to finish processing (default 10 minutes). */
  containerTimeoutMs?: number;
}

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
    ...(req.recycle ? { recycle: req.recycle } : {}),
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
    await deps.control.afterPublishing((threads) => lookUpPermalinks(deps, threads, req, ledger));
  }
  if (outcome.kind === "published")
    outcome = { ...outcome, permalinks: ledger.parts.map((p) => p.permalink) };
  await recordOutcome(deps, ledger, outcome);
  return outcome;
}

function mayContinue(deps: PublisherDeps): boolean {
  try {
    deps.control.assertRunning();
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
  req: Pick<PublishRequest, "account">,
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
 * A publish refused with a "permanent" error that may be the quota under another code (threads/errors.ts
 * `mayBeQuotaRefusal`): when Threads says the limit is used up, the post waits for it like any quota wait
 * instead of failing.
 */
async function quotaBehind(
  deps: PublisherDeps,
  req: Pick<PublishRequest, "account">,
  error: unknown,
): Promise<PublishOutcome | undefined> {
  if (!(error instanceof ThreadsApiError) || !mayBeQuotaRefusal(error)) return undefined;
  try {
    const live = await deps.threads.getPublishingLimit(req.account.token, req.account.threadsUserId);
    const full = usedUpQuota(live);
    if (!full) return undefined;
    return quotaWait(
      `Threads refused the publish (${error.message}) with its ${full} quota used up; waiting for it to free up`,
    );
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
  const geo = await checkGeoGating(deps, req, ledger);
  if (geo) return geo;

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
      const found = await reconcilePart(threads, token, row, part, previousMediaId, (ids) =>
        recordedMediaIds(db, req.account.id, ids),
      );
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

    deps.control.assertRunning();
    const lease = { runId: req.runId, nodeId: deps.control.nodeId };
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
      for (const [item, childId] of childIds.entries()) {
        const child = await deps.control.idle(() => threads.waitForContainer(token, childId, { timeoutMs }));
        if (child.status !== "FINISHED") {
          const problem = containerProblem(row.position, child, item);
          await updatePart(db, row.id, { children_json: null, error: finalError(problem) }, clock.now());
          return problem;
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
    const status = await deps.control.idle(() => threads.waitForContainer(token, containerId, { timeoutMs }));
    if (status.status !== "FINISHED") {
      const problem = containerProblem(row.position, status);
      await updatePart(
        db,
        row.id,
        { state: "pending", container_id: null, children_json: null, error: finalError(problem) },
        clock.now(),
      );
      return problem;
    }
  }
  return containerId;
}

/**
 * A container that did not become FINISHED: an expired one is created again; any other is the media's fault
 * (worded with Meta's hint, recorded as the part's error and the run's reason, so `runs` shows it).
 */
function containerProblem(
  position: number,
  state: ContainerState,
  carouselItem?: number,
): Extract<PublishOutcome, { kind: "retry" | "failed" }> {
  const where = `part ${position + 1}${carouselItem === undefined ? "" : `, carousel item ${carouselItem + 1}`}`;
  if (state.status === "EXPIRED") {
    return { kind: "retry", reason: `${where}: the media container expired; it will be created again` };
  }
  return { kind: "failed", reason: `${where}: ${describeContainerFailure(state)}` };
}

/**
 * The part's `error` for a container problem: the reason of a final failure; none for an expired container,
 * which is created again (the run's reason says why it is retried, and `runs` shows no error on a part that
 * is only waiting for its retry).
 */
function finalError(problem: Extract<PublishOutcome, { kind: "retry" | "failed" }>): string | null {
  return problem.kind === "failed" ? problem.reason : null;
}

/** Before the first call: whether the quota leaves room for the parts still to publish (else a quota wait). */
async function checkQuota(
  deps: PublisherDeps,
  req: Pick<PublishRequest, "account">,
  ledger: Ledger,
): Promise<PublishOutcome | undefined> {
  const remaining = ledger.parts.filter((p) => p.state !== "published");
  if (remaining.length === 0) return undefined;
  const need = quotaNeedOf(remaining.map((p) => p.position));
  const local = await countPublishedSince(deps.db, req.account.id, deps.clock.now() - QUOTA_WINDOW_MS);
  if (!mustAskForQuota(local, need)) return undefined;
  const live = await deps.threads.getPublishingLimit(req.account.token, req.account.threadsUserId);
  const shortfall = quotaShortfall(live, need);
  return shortfall === undefined ? undefined : quotaWait(`${shortfall}; waiting for it to free up`);
}

/**
 * Before the first call: a part still to publish that is geo-gated (`allowlisted_country_codes`) needs an
 * account Meta made eligible. Asked once per run (not per part); a non-eligible account fails the post
 * before anything is sent, with a note on the part saying what to do. Threads would refuse the container.
 */
async function checkGeoGating(
  deps: PublisherDeps,
  req: PublishRequest,
  ledger: Ledger,
): Promise<PublishOutcome | undefined> {
  const gated = ledger.parts.filter(
    (p) => p.state !== "published" && usesGeoGating(req.parts[p.position] ?? {}),
  );
  if (gated.length === 0) return undefined;
  if (await deps.threads.geoGatingEligible(req.account.token)) return undefined;
  const now = deps.clock.now();
  const reason = (row: PublicationPartRow) =>
    `part ${row.position + 1}: this Threads account is not eligible for geo-gating, so the post cannot be limited to some countries (allowlisted_country_codes); remove the countries from the part, or publish from an account Meta has given the feature to (it is eligible when Threads shows it on threads.com)`;
  for (const row of gated) await updatePart(deps.db, row.id, { error: reason(row) }, now);
  return { kind: "failed", reason: reason(gated[0]!) };
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

export interface RepostRequest {
  runId: number;
  account: { id: number; threadsUserId: string; token: string };
  /** The account's earlier post to repost. */
  sourceMediaId: string;
  /**
   * As PublishRequest's (false once the attempts are used up). Unused by a repost: one whose outcome is
   * unknown is never sent again, whatever the attempts; kept so callers pass one request shape.
   */
  republishAllowed?: boolean;
}

/** A repost's outcome: a publish's, or the source post is gone from Threads (nothing was reposted). */
export type RepostOutcome = PublishOutcome | { kind: "source_gone"; reason: string };

/**
 * Reposts an earlier post through the ledger: one part, no container; the part is marked
 * `publish_requested` before `POST /{media-id}/repost` and gets the repost's own id as its media id after.
 * A repost whose call had an unknown outcome is looked for in `/me/threads` (reconcileRepost) and never
 * sent again: not found, the run stays `needs_check` (a second call could undo the first). A repost counts against the posts quota like a post (UNVERIFIED: Meta states no limit for reposts;
 * the ledger counts it as a root part and the sandbox as a post).
 */
export async function publishRepost(deps: PublisherDeps, req: RepostRequest): Promise<RepostOutcome> {
  const ledger = await openLedger(deps.db, {
    runId: req.runId,
    accountId: req.account.id,
    groupId: null,
    partCount: 1,
    now: deps.clock.now(),
    recycle: { action: "repost", sourceMediaId: req.sourceMediaId },
  });
  let outcome: RepostOutcome;
  try {
    outcome = await repostPart(deps, req, ledger);
  } catch (error) {
    outcome =
      (await sourceGone(deps, req, error)) ?? (await quotaBehind(deps, req, error)) ?? outcomeOfError(error);
  }
  if (mayContinue(deps)) {
    await deps.control.afterPublishing((threads) => lookUpPermalinks(deps, threads, req, ledger));
  }
  if (outcome.kind === "published")
    outcome = { ...outcome, permalinks: ledger.parts.map((p) => p.permalink) };
  await recordOutcome(
    deps,
    ledger,
    outcome.kind === "source_gone" ? { kind: "failed", reason: outcome.reason } : outcome,
  );
  return outcome;
}

async function sourceGone(
  deps: PublisherDeps,
  req: RepostRequest,
  error: unknown,
): Promise<RepostOutcome | undefined> {
  if (!(error instanceof ThreadsApiError) || !isRepostCall(error) || !isNotFoundRefusal(error))
    return undefined;
  // 100/33 also means "cannot be loaded due to missing permissions, or does not support this operation": the
  // source is gone for good (never picked again) only when a read of it says so too.
  const gone = await deps.threads.isGone(req.account.token, req.sourceMediaId).catch(() => false);
  if (!gone) return undefined;
  const sourceMediaId = req.sourceMediaId;
  return {
    kind: "source_gone",
    reason: `${SOURCE_GONE_PREFIX}: post ${sourceMediaId} (${error.message}); the next run picks another`,
  };
}

async function repostPart(deps: PublisherDeps, req: RepostRequest, ledger: Ledger): Promise<RepostOutcome> {
  const { db, threads, clock } = deps;
  const { token } = req.account;
  const row = ledger.parts[0]!;
  if (row.state === "published") return { kind: "published", permalinks: [] };
  const recorded = (ids: string[]) => recordedMediaIds(db, req.account.id, ids);
  if (row.state === "publish_requested") {
    // The last repost call's outcome is unknown: only the listing can say it went through, and a miss is no
    // proof it did not (reconcileRepost): the run is checked again, never reposted again.
    const found = await reconcileRepost(threads, token, row, req.sourceMediaId, clock.now(), recorded);
    if (found.kind === "unknown") return { kind: "needs_check", reason: found.reason };
    await markReposted(deps, row, found.mediaId, found.permalink);
    return { kind: "published", permalinks: [] };
  }
  const quota = await checkQuota(deps, req, ledger);
  if (quota) return quota;

  deps.control.assertRunning();
  const lease = { runId: req.runId, nodeId: deps.control.nodeId };
  const requestedAt = clock.now();
  if (!(await markPublishRequested(db, row.id, null, requestedAt, lease))) throw LeaseLostError.of(req.runId);
  row.state = "publish_requested";
  row.updated_at = requestedAt;
  let repostId: string;
  try {
    repostId = await threads.repost(token, req.sourceMediaId);
  } catch (error) {
    if (error instanceof ThreadsApiError && !error.outcomeUnknown) {
      // Refused: nothing was reposted by this call (and no earlier call of this run can have: a call whose
      // outcome was unknown is never followed by another). A refusal because the post is reposted already
      // (by hand in the app, say) is a refusal like any other: this run did not make that repost.
      const worded =
        error.kind === "permanent" && !isNotFoundRefusal(error)
          ? refusedRepost(error, req.sourceMediaId)
          : error;
      await updatePart(db, row.id, { state: "pending", error: worded.message }, clock.now());
      row.state = "pending";
      throw worded;
    }
    throw error;
  }
  await markReposted(deps, row, repostId, null);
  return { kind: "published", permalinks: [] };
}

/**
 * A permanent refusal of the repost, worded for the run's history: "Threads refused to repost post X:
 * <Meta's message>" instead of the raw API error. Still a permanent ThreadsApiError (the outcome is "failed";
 * `mayBeQuotaRefusal` still reads its code); the source then rests for the cooldown (recycle.repository.ts).
 */
function refusedRepost(error: ThreadsApiError, sourceMediaId: string): ThreadsApiError {
  return new ThreadsApiError({
    kind: error.kind,
    message: `Threads refused to repost post ${sourceMediaId}: ${metaMessageOf(error)}; the post is not picked again within the schedule's cooldown`,
    endpoint: error.endpoint,
    code: error.code,
    subcode: error.subcode,
    httpStatus: error.httpStatus,
    fbtraceId: error.fbtraceId,
    userMessage: error.userMessage,
    outcomeUnknown: false,
    cause: error,
  });
}

/** Meta's own message of an API error: without "Threads API error (code …): ", "(#100) " and " [POST …]". */
function metaMessageOf(error: ThreadsApiError): string {
  const text = error.message
    .replace(/^Threads API error \([^)]*\): /, "")
    .replace(/ \[[A-Z]+ [^\]]*\]$/, "")
    .replace(/^\(#\d+\) /, "")
    .trim();
  return (text || error.message).replace(/\.$/, "");
}

async function markReposted(
  deps: PublisherDeps,
  row: PublicationPartRow,
  mediaId: string,
  permalink: string | null,
): Promise<void> {
  await updatePart(
    deps.db,
    row.id,
    { state: "published", media_id: mediaId, permalink, error: null },
    deps.clock.now(),
  );
  row.state = "published";
  row.media_id = mediaId;
  row.permalink = permalink;
}
