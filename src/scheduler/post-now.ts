import { randomUUID } from "node:crypto";
import type { Account } from "../accounts/account.js";
import type { AccountService } from "../accounts/accounts.service.js";
import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import type { PublicationPartRow, RunRow, RunState } from "../db/schema.js";
import { AppError } from "../errors.js";
import type { PostGroup } from "../groups/group.js";
import type { GroupService } from "../groups/groups.service.js";
import { ledgerOfRun } from "../publications/ledger.js";
import type { PostPart } from "../threads/post.js";
import { assertValidGroup } from "../threads/preflight.js";
import type { Engine } from "./engine/engine.js";
import { insertManualRun } from "./run-inserts.repository.js";
import { isUniqueViolation, type Outcome } from "./runs.repository.js";

/** Job keys of posts published now start with this: `manual:{uuid}`. */
const MANUAL_PREFIX = "manual:";
/** The slot label of a post published now in `runs`. */
const NOW_SLOT = "now";

export interface PostNowDeps {
  db: Db;
  clock: Clock;
  accounts: Pick<AccountService, "mustBeAbleToPostNow">;
  groups: Pick<GroupService, "get">;
  /** Runs the post: its claim's node id and lease, its heartbeat, the post job, the settle. */
  engine: Pick<Engine, "nodeId" | "leaseMs" | "runAdopted">;
}

export type PostNowRequest = { accountId: number } & ({ groupId: number } | { parts: PostPart[] });

/**
 * What became of a post published now: the state it was settled as, or `lease_lost` when this process lost
 * its hold on the run before it could settle it (its lease ran out, or another node took the run over): the
 * scheduler then checks Threads before anything is sent again, and finishes or settles the run itself.
 */
export type PostNowState = RunState | "lease_lost";

export interface PostNowResult {
  runId: number;
  state: PostNowState;
  /** Why it ended so (the settled reason; for `lease_lost`, why the run could not be settled here). */
  reason: string | null;
  /** What reached Threads, part by part (empty when nothing did). */
  parts: Array<Pick<PublicationPartRow, "position" | "state" | "media_id" | "permalink" | "error">>;
}

/**
 * Publishes now, outside any schedule, through the same path as the scheduler: a run row (so the run
 * shows in `runs` and counts for "one publication per account at a time"), inserted already claimed by the
 * engine's node and run by the engine (its lease, heartbeat, post job and settle), the ledger, the same
 * outcomes. A run that fails before anything reached Threads ends `failed`; one that published part of a
 * chain, or whose outcome is uncertain, is left to the scheduler to finish or check.
 */
export async function postNow(deps: PostNowDeps, req: PostNowRequest): Promise<PostNowResult> {
  const { db, clock, engine } = deps;
  const account = await deps.accounts.mustBeAbleToPostNow(req.accountId);
  let groupId: number | null = null;
  let parts: PostPart[];
  if ("groupId" in req) {
    const group = await groupOfAccount(deps.groups, account, req.groupId);
    parts = group.parts;
    groupId = group.id;
  } else {
    parts = req.parts;
  }
  assertValidGroup(parts);

  const now = clock.now();
  let run: RunRow;
  try {
    run = await insertManualRun(db, {
      jobKey: `${MANUAL_PREFIX}${randomUUID()}`,
      accountId: account.id,
      dueAt: now,
      slot: NOW_SLOT,
      localDate: null,
      groupId,
      payloadJson: groupId === null ? JSON.stringify(parts) : null,
      claimedBy: { nodeId: engine.nodeId, leaseUntil: now + engine.leaseMs },
      now,
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new AppError(
      "conflict",
      `@${account.username} is publishing another post right now (one at a time per account). Try again in a minute.`,
    );
  }

  let reached: PostNowResult["parts"] = [];
  /** What this engine tried to settle the run as (the review's answer). */
  let proposed: Outcome | undefined;
  const settled = await engine.runAdopted(run, async (outcome: Outcome, unexpected?: Error) => {
    const ledger = await ledgerOfRun(db, run.id);
    reached = (ledger?.parts ?? []).map((p) => ({
      position: p.position,
      state: p.state,
      media_id: p.media_id,
      permalink: p.permalink,
      error: p.error,
    }));
    const anyPublished = reached.some((p) => p.state === "published" || p.state === "publish_requested");
    proposed = outcome;
    // Nothing reached Threads: a post published now fails now rather than surprising the user later (so
    // not the runner's "will retry" of an unexpected error).
    if (outcome.state === "planned" && !anyPublished) {
      const why = unexpected
        ? `unexpected error: ${unexpected.message}`
        : (outcome.reason ?? "unknown error");
      proposed = { state: "failed", reason: `nothing was published: ${why}` };
    }
    return proposed;
  });
  if (settled) return { runId: run.id, state: settled.state, reason: settled.reason ?? null, parts: reached };
  // Not settled by this engine: the run's lease was lost (it ran out, and another node may have taken the run
  // over) or its settle failed; either way the scheduler checks and finishes it, not this command.
  return {
    runId: run.id,
    state: "lease_lost",
    reason: proposed?.reason ?? `the lease on run ${run.id} was lost before its outcome was recorded`,
    parts: reached,
  };
}

/** The account's own live post group `groupId`, for a post now or a one-off; else the error to show. */
export async function groupOfAccount(
  groups: Pick<GroupService, "get">,
  account: Pick<Account, "id" | "username">,
  groupId: number,
): Promise<PostGroup> {
  const group = await groups.get(groupId);
  if (group.accountId !== account.id) {
    throw new AppError(
      "invalid_input",
      `Post group ${groupId} belongs to another account, not @${account.username}.`,
      { hint: { action: "list", what: "post group", accountId: account.id } },
    );
  }
  return group;
}
