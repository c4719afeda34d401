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
import { getRun, isUniqueViolation, type Outcome } from "./runs.repository.js";

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

export interface PostNowResult {
  runId: number;
  state: RunState;
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
  const settled = await engine.runAdopted(run, async (outcome: Outcome) => {
    const ledger = await ledgerOfRun(db, run.id);
    reached = (ledger?.parts ?? []).map((p) => ({
      position: p.position,
      state: p.state,
      media_id: p.media_id,
      permalink: p.permalink,
      error: p.error,
    }));
    const anyPublished = reached.some((p) => p.state === "published" || p.state === "publish_requested");
    // Nothing reached Threads: a post published now fails now rather than surprising the user later.
    if (outcome.state === "planned" && !anyPublished) {
      return { state: "failed", reason: `nothing was published: ${outcome.reason ?? "unknown error"}` };
    }
    return outcome;
  });
  // Not settled by this engine (its lease was lost): the row says where the run stands.
  const state = settled?.state ?? (await getRun(db, run.id))?.state ?? "needs_check";
  return { runId: run.id, state, reason: settled?.reason ?? null, parts: reached };
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
