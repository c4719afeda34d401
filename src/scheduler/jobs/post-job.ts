import type { Db } from "../../db/connect.js";
import type { RunRow } from "../../db/schema.js";
import { parsePartList } from "../../groups/group.js";
import { isGroupEnabled, listLiveParts, listPool, withGroupShareLock } from "../../groups/pool.js";
import { hasLedger, ledgerOfRun } from "../../publications/ledger.js";
import {
  type PublisherDeps,
  type PublishOutcome,
  publishGroup,
  publishRepost,
} from "../../publications/publisher.js";
import {
  loadPickSource,
  loadRecycleSource,
  type RecycleSource,
  savePickState,
} from "../../schedules/pick-state.js";
import type { PostPart } from "../../threads/post.js";
import { formatIssue, validateGroup } from "../../threads/preflight.js";
import { type BackoffPolicy, retryDelay } from "../backoff.js";
import { planAutoDelete } from "../delete-runs.repository.js";
import type { RunControl } from "../engine/run-control.js";
import { pickGroup } from "../pick.js";
import { planAll } from "../planner.js";
import { ONE_OFF_PREFIX } from "../post-at.js";
import { prunePlannedDays } from "../prune-planned-days.js";
import { type Outcome, setGroup } from "../runs.repository.js";
import { heldOutcome, type LoadedAccount, type PublishingAccounts, passAccountGate } from "./account-gate.js";
import type { Job, JobContext } from "./job.js";
import { checkQuotedPost, chooseSource, type RecycleContext } from "./recycle-run.js";

/** What the post job needs of the accounts feature: the account gate's (./account-gate.ts). */
export type { PublishingAccounts };

/** How often planning also deletes the records of days long past (one statement reading that table). */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Posts: plans every active schedule's runs up to the horizon, and runs one post run (scheduled, one-off or
 * published now).
 */
export function postJob(accounts: PublishingAccounts): Job {
  let lastPruneAt = Number.NEGATIVE_INFINITY;
  return {
    async plan(ctx) {
      const now = ctx.clock.now();
      const count = await planAll(ctx.db, {
        now,
        horizonMs: ctx.horizonMs,
        defaultTimezone: ctx.defaultTimezone,
        rng: ctx.random,
      });
      if (now - lastPruneAt >= PRUNE_EVERY_MS || now < lastPruneAt) {
        await prunePlannedDays(ctx.db, now);
        lastPruneAt = now;
      }
      return count;
    },
    run: (ctx, run, control) => runPostJob(ctx, accounts, run, control),
  };
}

/**
 * Runs one post run: checks the account, picks the group (once: a retry publishes the same group),
 * publishes, and says what the run becomes.
 */
async function runPostJob(
  ctx: JobContext,
  accounts: PublishingAccounts,
  run: RunRow,
  control: RunControl,
): Promise<Outcome> {
  const { db, clock } = ctx;
  const now = clock.now();
  // Pausing stops new posts. A run already under way (a ledger is open: part of it may be on Threads, or its
  // outcome is being checked) is finished or checked, so the history says what is on Threads.
  const gate = await passAccountGate(accounts, run, now, { evenIfPaused: () => hasLedger(db, run.id) });
  if ("outcome" in gate) return gate.outcome;
  const { loaded } = gate;
  const { account, token } = loaded;

  // A repost or quote schedule's run recycles an earlier post of the account (migration 0011).
  const action = await actionOf(db, run);
  if ("skip" in action) return { state: "skipped", reason: action.skip };
  if (action.action === "repost") return runRepost(ctx, accounts, run, control, loaded, action.source);
  let quoted: string | undefined;
  if (action.action === "quote") {
    const source = await chooseSource(recycleContext(ctx), run, { id: account.id, token }, action.source);
    if ("skip" in source) return { state: "skipped", reason: source.skip };
    // Checked before anything is sent only: a quote already under way is finished as it started.
    if (!(await hasLedger(db, run.id))) {
      const gone = await checkQuotedPost(recycleContext(ctx), run, { id: account.id, token }, source.mediaId);
      if (gone) return { state: "skipped", reason: gone.skip };
    }
    quoted = source.mediaId;
  }

  const picked = await choosePost(db, run, ctx.random);
  if ("skip" in picked) return { state: "skipped", reason: picked.skip };
  if ("fail" in picked) return { state: "failed", reason: picked.fail };
  // A quote is the group's post quoting the chosen one: its first part carries quote_post_id.
  const quoting = quoted === undefined ? undefined : withQuote(picked, quoted);
  if (quoting && "skip" in quoting)
    return { state: "skipped", groupId: picked.groupId, reason: quoting.skip };
  const chosen = quoting ?? picked;
  const issues = validateGroup(chosen.parts);
  if (issues.length > 0) {
    const text = issues.map(formatIssue).join("; ");
    return { state: "failed", groupId: chosen.groupId, reason: `the post group is not publishable: ${text}` };
  }

  const outcome = await publishGroup(publisherDeps(ctx, control), {
    runId: run.id,
    account: { id: account.id, threadsUserId: account.threadsUserId, token },
    groupId: chosen.groupId,
    parts: chosen.parts,
    republishAllowed: run.attempts <= ctx.backoff.maxAttempts,
    ...(quoted === undefined ? {} : { recycle: { action: "quote" as const, sourceMediaId: quoted } }),
  });
  if (outcome.kind === "reauth") await accounts.markReauth(account.id, outcome.reason);
  return outcomeToState(outcome, run, ctx, chosen.groupId);
}

/** The publisher's dependencies: the job's context and the run's control. */
function publisherDeps(ctx: JobContext, control: RunControl): PublisherDeps {
  return {
    db: ctx.db,
    threads: ctx.threads,
    clock: ctx.clock,
    logger: ctx.logger,
    containerTimeoutMs: ctx.containerTimeoutMs,
    control,
  };
}

function outcomeToState(
  outcome: PublishOutcome,
  run: RunRow,
  deps: { backoff: BackoffPolicy; random: () => number; clock: JobContext["clock"] },
  groupId: number | null,
): Outcome {
  const now = deps.clock.now();
  const attempt = run.attempts;
  switch (outcome.kind) {
    case "published":
      // The auto-delete (group's or schedule's delete-after) is planned in the settle's own transaction.
      return {
        state: "published",
        reason: null,
        groupId,
        onSettled: (trx) => planAutoDeleteOf(trx, run.id, now),
      };
    case "failed":
      return { state: "failed", reason: outcome.reason, groupId };
    case "handed_back":
      return { state: "planned", runAt: now, reason: outcome.reason, groupId };
    case "reauth":
      // Held like a post whose account was already disconnected: the attempts start again, so the misfire
      // grace applies and a post is not published days late when the account is finally reconnected.
      return { ...heldOutcome(now, outcome.reason), groupId };
    case "needs_check":
      return {
        state: "needs_check",
        runAt: outcome.atOnce
          ? now
          : now + retryDelay(Math.min(attempt, 4), { ...deps.backoff, baseMs: 15_000 }, deps.random()),
        reason: outcome.reason,
        groupId,
      };
    case "retry": {
      // Waiting for the quota is not a failure: it is retried until the quota frees up.
      if (attempt >= deps.backoff.maxAttempts && !outcome.quota) {
        return { state: "failed", reason: `gave up after ${attempt} attempts: ${outcome.reason}`, groupId };
      }
      const delay = Math.max(outcome.retryAfterMs ?? 0, retryDelay(attempt, deps.backoff, deps.random()));
      return {
        state: "planned",
        runAt: now + delay,
        reason: `retrying (attempt ${attempt}): ${outcome.reason}`,
        groupId,
      };
    }
  }
}

type Chosen = { groupId: number | null; parts: PostPart[] } | { skip: string } | { fail: string };

async function choosePost(db: Db, run: RunRow, random: () => number): Promise<Chosen> {
  if (run.payload_json) {
    // The post stored on the run itself: read with the groups' parser, so a damaged one publishes nothing.
    const read = parsePartList(run.payload_json);
    if ("problem" in read) return { fail: `the post stored on this run cannot be read: ${read.problem}` };
    return { groupId: null, parts: read.parts };
  }
  if (run.group_id !== null) {
    if (run.job_key.startsWith(ONE_OFF_PREFIX)) {
      // A one-off post names its group: if the user has since disabled it, it is withdrawn, unless part of
      // it is already out (a retry finishes what it started).
      const skip = await disabledOneOffGroup(db, run.id, run.group_id);
      if (skip) return { skip };
    }
    // Under the group's share lock, as a first pick reads it: an edit or removal of the group either waits for
    // this read or commits before it (and a removed group reads as no parts).
    const groupId = run.group_id;
    const parts = await withGroupShareLock(db, groupId, (locked) => listLiveParts(locked, groupId));
    return parts.length > 0
      ? { groupId: run.group_id, parts }
      : { skip: `post group ${run.group_id} was removed` };
  }
  if (run.schedule_id === null) return { skip: "the schedule was removed" };
  const source = await loadPickSource(db, run.schedule_id);
  if (!source) return { skip: "the schedule was removed" };
  const candidates = await listPool(db, run.account_id!, source.groupIds);
  const picked = pickGroup(source.pick, candidates, source.state, random);
  if (!picked) return { skip: "the account has no enabled post group for this schedule" };
  await savePickState(db, source.scheduleId, picked.state);
  // Recording the pick and reading the parts under the group's share lock: an edit of its parts either waits
  // and then sees this run (and refuses), or commits first and this run reads the edited parts.
  const parts = await withGroupShareLock(db, picked.groupId, async (locked) => {
    await setGroup(locked, run.id, picked.groupId);
    return listLiveParts(locked, picked.groupId);
  });
  // Removed while this run waited for the lock: nothing of it was sent.
  if (parts.length === 0) return { skip: `post group ${picked.groupId} was removed` };
  return { groupId: picked.groupId, parts };
}

async function disabledOneOffGroup(db: Db, runId: number, groupId: number): Promise<string | undefined> {
  const enabled = await isGroupEnabled(db, groupId);
  if (enabled === undefined || enabled) return undefined;
  const started = await hasLedger(db, runId);
  return started ? undefined : `post group ${groupId} was disabled after this one-off post was planned`;
}

type RunAction =
  | { action: "post" }
  | { action: "repost" | "quote"; source: RecycleSource | undefined }
  | { skip: string };

/**
 * What the run does. A run that chose its source post keeps doing what its ledger says (a repost started
 * is finished even if the schedule was edited or removed since); otherwise its schedule's action now.
 */
async function actionOf(db: Db, run: RunRow): Promise<RunAction> {
  if (run.payload_json || (run.schedule_id === null && run.source_media_id === null))
    return { action: "post" };
  // A post run that picked its group already (a retry): no schedule read.
  if (run.source_media_id === null && run.group_id !== null) return { action: "post" };
  const source = run.schedule_id === null ? undefined : await loadRecycleSource(db, run.schedule_id);
  if (run.source_media_id !== null) {
    const ledger = await ledgerOfRun(db, run.id);
    const started = ledger?.publication.action ?? undefined;
    if (started) return { action: started, source };
    if (!source) return { skip: "the schedule was removed" };
  }
  if (!source || source.action === "post") return { action: "post" };
  return { action: source.action, source };
}

function recycleContext(ctx: JobContext): RecycleContext {
  return { db: ctx.db, threads: ctx.threads, logger: ctx.logger, now: ctx.clock.now(), random: ctx.random };
}

/**
 * The group's parts quoting `mediaId` (its first part gets quote_post_id). A group whose first part quotes a
 * post of its own is not replaced silently: the run is skipped with what to change.
 */
function withQuote(
  picked: { groupId: number | null; parts: PostPart[] },
  mediaId: string,
): { groupId: number | null; parts: PostPart[] } | { skip: string } {
  const own = picked.parts[0]?.quote_post_id;
  if (own !== undefined && own !== "" && own !== mediaId) {
    const group = picked.groupId === null ? "the post" : `post group ${picked.groupId}`;
    return {
      skip: `${group} already quotes post ${own} (quote_post_id on its first part), so it cannot quote post ${mediaId} for this quote schedule: remove quote_post_id from the group, or take the group out of the schedule`,
    };
  }
  return {
    ...picked,
    parts: picked.parts.map((part, i) => (i === 0 ? { ...part, quote_post_id: mediaId } : part)),
  };
}

/** A repost schedule's run: chooses the earlier post (once) and reposts it through the ledger. */
async function runRepost(
  ctx: JobContext,
  accounts: PublishingAccounts,
  run: RunRow,
  control: RunControl,
  loaded: LoadedAccount,
  source: RecycleSource | undefined,
): Promise<Outcome> {
  const { account, token } = loaded;
  if (!run.source_media_id && !source?.recycle)
    return { state: "skipped", reason: "the schedule was removed" };
  const picked = await chooseSource(recycleContext(ctx), run, { id: account.id, token }, source!);
  if ("skip" in picked) return { state: "skipped", reason: picked.skip };
  const outcome = await publishRepost(publisherDeps(ctx, control), {
    runId: run.id,
    account: { id: account.id, threadsUserId: account.threadsUserId, token },
    sourceMediaId: picked.mediaId,
    republishAllowed: run.attempts <= ctx.backoff.maxAttempts,
  });
  if (outcome.kind === "reauth") await accounts.markReauth(account.id, outcome.reason);
  if (outcome.kind === "source_gone") return { state: "skipped", reason: outcome.reason };
  return outcomeToState(outcome, run, ctx, null);
}

async function planAutoDeleteOf(trx: Db, postRunId: number, now: number): Promise<void> {
  await planAutoDelete(trx, postRunId, now);
}
