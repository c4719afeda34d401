import { TokenDecryptError } from "../../accounts/token-crypto.js";
import type { Db } from "../../db/connect.js";
import type { AccountRow, RunRow } from "../../db/schema.js";
import { withGroupShareLock } from "../../groups/groups.repository.js";
import { hasLedger } from "../../publications/publications.repository.js";
import { type PublisherDeps, type PublishOutcome, publishGroup } from "../../publications/publisher.js";
import type { ThreadsClient } from "../../threads/client.js";
import type { PostPart } from "../../threads/post.js";
import { formatIssue, validateGroup } from "../../threads/preflight.js";
import { type BackoffPolicy, retryDelay } from "../backoff.js";
import type { RunControl } from "../engine/run-control.js";
import { type PickState, pickGroup } from "../pick.js";
import { type Outcome, setGroup } from "../runs.repository.js";
import { ONE_OFF_PREFIX } from "./post-at.js";

export interface PostJobDeps extends Omit<PublisherDeps, "control"> {
  db: Db;
  /**
   * The engine's cooperation as separate callbacks, made into the publisher's RunControl here (until the
   * engine passes its own RunControl; see engine/run-control.ts for what each means).
   */
  nodeId: string;
  assertRunning?(): void;
  idle<T>(wait: () => Promise<T>): Promise<T>;
  afterPublishing?<T>(work: (threads: ThreadsClient) => Promise<T>): Promise<T>;
  backoff: BackoffPolicy;
  random: () => number;
  /** Decrypts the account's token. */
  tokenOf(account: AccountRow): string;
  /** Marks an account `reauth_required` with Meta's message. */
  markReauth(accountId: number, reason: string): Promise<void>;
}

/** How long a post held for an account that must be reconnected waits before looking again. */
const HELD_RECHECK_MS = 5 * 60_000;

/**
 * Runs one post run: checks the account, picks the group (once: a retry publishes the same group),
 * publishes, and says what the run becomes.
 */
export async function runPostJob(deps: PostJobDeps, occ: RunRow): Promise<Outcome> {
  const { db, clock } = deps;
  const now = clock.now();
  if (occ.account_id === null) return { state: "skipped", reason: "the account was removed" };
  const account = await db
    .selectFrom("accounts")
    .selectAll()
    .where("id", "=", occ.account_id)
    .executeTakeFirst();
  if (!account || account.archived_at !== null)
    return { state: "skipped", reason: "the account was removed" };
  // Pausing stops new posts. A run already under way (a ledger is open: part of it may be on Threads, or its
  // outcome is being checked) is finished or checked, so the history says what is on Threads.
  if (account.status === "paused" && !(await hasLedger(db, occ.id)))
    return { state: "skipped", reason: `account @${account.username} is paused` };
  if (account.status === "reauth_required") {
    return {
      state: "planned",
      runAt: now + HELD_RECHECK_MS,
      resetAttempts: true,
      reason: `held: @${account.username} must be reconnected (${account.status_reason ?? "token invalid"})`,
    };
  }

  let token: string;
  try {
    token = deps.tokenOf(account);
  } catch (error) {
    // Nothing can have been sent without the token: the post is held like one of a disconnected account,
    // never left "uncertain" (needs_check).
    if (!(error instanceof TokenDecryptError)) throw error;
    await deps.markReauth(account.id, error.message);
    return {
      state: "planned",
      runAt: now + HELD_RECHECK_MS,
      resetAttempts: true,
      reason: `held: @${account.username}: ${error.message}`,
    };
  }
  const chosen = await choosePost(db, occ, deps.random);
  if ("skip" in chosen) return { state: "skipped", reason: chosen.skip };
  const issues = validateGroup(chosen.parts);
  if (issues.length > 0) {
    const text = issues.map(formatIssue).join("; ");
    return { state: "failed", groupId: chosen.groupId, reason: `the post group is not publishable: ${text}` };
  }

  const outcome = await publishGroup(publisherDeps(deps), {
    runId: occ.id,
    account: { id: account.id, threadsUserId: account.threads_user_id, token },
    groupId: chosen.groupId,
    parts: chosen.parts,
    republishAllowed: occ.attempts <= deps.backoff.maxAttempts,
  });
  if (outcome.kind === "reauth") await deps.markReauth(account.id, outcome.reason);
  return outcomeToState(outcome, occ, deps, chosen.groupId);
}

function publisherDeps(deps: PostJobDeps): PublisherDeps {
  const { db, threads, clock, logger, containerTimeoutMs } = deps;
  const control: RunControl = {
    nodeId: deps.nodeId,
    assertRunning: () => deps.assertRunning?.(),
    idle: (wait) => deps.idle(wait),
    afterPublishing: (work) => (deps.afterPublishing ? deps.afterPublishing(work) : work(threads)),
  };
  return {
    db,
    threads,
    clock,
    logger,
    control,
    ...(containerTimeoutMs === undefined ? {} : { containerTimeoutMs }),
  };
}

export function outcomeToState(
  outcome: PublishOutcome,
  occ: RunRow,
  deps: Pick<PostJobDeps, "backoff" | "random" | "clock">,
  groupId: number | null,
): Outcome {
  const now = deps.clock.now();
  const attempt = occ.attempts;
  switch (outcome.kind) {
    case "published":
      return { state: "published", reason: null, groupId };
    case "failed":
      return { state: "failed", reason: outcome.reason, groupId };
    case "handed_back":
      return { state: "planned", runAt: now, reason: outcome.reason, groupId };
    case "reauth":
      // Held like a post whose account was already disconnected: the attempts start again, so the misfire
      // grace applies and a post is not published days late when the account is finally reconnected.
      return {
        state: "planned",
        runAt: now + HELD_RECHECK_MS,
        reason: `held: ${outcome.reason}`,
        groupId,
        resetAttempts: true,
      };
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

type Chosen = { groupId: number | null; parts: PostPart[] } | { skip: string };

async function choosePost(db: Db, occ: RunRow, random: () => number): Promise<Chosen> {
  if (occ.payload_json) return { groupId: null, parts: JSON.parse(occ.payload_json) as PostPart[] };
  if (occ.group_id !== null) {
    if (occ.job_key.startsWith(ONE_OFF_PREFIX)) {
      // A one-off post names its group: if the user has since disabled it, it is withdrawn, unless part of
      // it is already out (a retry finishes what it started).
      const skip = await disabledOneOffGroup(db, occ.id, occ.group_id);
      if (skip) return { skip };
    }
    // Under the group's share lock, as a first pick reads it: an edit or removal of the group either waits for
    // this read or commits before it (and a removed group reads as no parts).
    const groupId = occ.group_id;
    const parts = await withGroupShareLock(db, groupId, (locked) =>
      loadParts(locked, groupId, { live: true }),
    );
    return parts.length > 0
      ? { groupId: occ.group_id, parts }
      : { skip: `post group ${occ.group_id} was removed` };
  }
  if (occ.schedule_id === null) return { skip: "the schedule was removed" };
  const schedule = await db
    .selectFrom("schedules")
    .selectAll()
    .where("id", "=", occ.schedule_id)
    .executeTakeFirst();
  if (!schedule) return { skip: "the schedule was removed" };
  let query = db
    .selectFrom("post_groups")
    .select(["id", "weight"])
    .where("account_id", "=", occ.account_id!)
    .where("enabled", "=", 1)
    .where("archived_at", "is", null);
  const allowed: number[] | null = schedule.group_ids_json ? JSON.parse(schedule.group_ids_json) : null;
  if (allowed) query = allowed.length > 0 ? query.where("id", "in", allowed) : query.where("id", "=", -1);
  const candidates = await query.execute();
  const state: PickState = schedule.pick_state_json ? JSON.parse(schedule.pick_state_json) : {};
  const picked = pickGroup(schedule.pick, candidates, state, random);
  if (!picked) return { skip: "the account has no enabled post group for this schedule" };
  await db
    .updateTable("schedules")
    .set({ pick_state_json: JSON.stringify(picked.state) })
    .where("id", "=", schedule.id)
    .execute();
  // Recording the pick and reading the parts under the group's share lock: an edit of its parts either waits
  // and then sees this run (and refuses), or commits first and this run reads the edited parts.
  const parts = await withGroupShareLock(db, picked.groupId, async (locked) => {
    await setGroup(locked, occ.id, picked.groupId);
    return loadParts(locked, picked.groupId, { live: true });
  });
  // Removed while this run waited for the lock: nothing of it was sent.
  if (parts.length === 0) return { skip: `post group ${picked.groupId} was removed` };
  return { groupId: picked.groupId, parts };
}

async function disabledOneOffGroup(db: Db, runId: number, groupId: number): Promise<string | undefined> {
  const group = await db
    .selectFrom("post_groups")
    .select("enabled")
    .where("id", "=", groupId)
    .executeTakeFirst();
  if (!group || group.enabled === 1) return undefined;
  const started = await hasLedger(db, runId);
  return started ? undefined : `post group ${groupId} was disabled after this one-off post was planned`;
}

/** `live`: nothing when the group was removed (archived groups keep their parts for the history). */
async function loadParts(db: Db, groupId: number, opts: { live?: boolean } = {}): Promise<PostPart[]> {
  let query = db.selectFrom("post_parts").select("spec_json").where("group_id", "=", groupId);
  if (opts.live) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("post_groups")
          .select("post_groups.id")
          .whereRef("post_groups.id", "=", "post_parts.group_id")
          .where("post_groups.archived_at", "is", null),
      ),
    );
  }
  const rows = await query.orderBy("position").execute();
  return rows.map((r) => JSON.parse(r.spec_json) as PostPart);
}
