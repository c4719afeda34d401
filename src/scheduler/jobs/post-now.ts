import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { removedAccount } from "../../accounts/account.js";
import type { Db } from "../../db/connect.js";
import type { AccountRow, PublicationPartRow, RunState } from "../../db/schema.js";
import { AppError, notFound } from "../../errors.js";
import { type PostGroup, removedGroup } from "../../groups/group.js";
import { getGroup } from "../../groups/groups.repository.js";
import { getLedgerByRun } from "../../publications/publications.repository.js";
import type { PublisherDeps } from "../../publications/publisher.js";
import type { PostPart } from "../../threads/post.js";
import { assertValidGroup } from "../../threads/preflight.js";
import { DEFAULT_BACKOFF } from "../backoff.js";
import { isUniqueViolation, type Outcome, renewLeases, settle } from "../runs.repository.js";
import { runPostJob } from "./post-job.js";

export interface PostNowDeps
  extends Pick<PublisherDeps, "db" | "threads" | "clock" | "logger" | "containerTimeoutMs"> {
  tokenOf(account: AccountRow): string;
  markReauth(accountId: number, reason: string): Promise<void>;
}

export type PostNowRequest = { accountId: number } & ({ groupId: number } | { parts: PostPart[] });

export interface PostNowResult {
  runId: number;
  state: RunState;
  reason: string | null;
  /** What reached Threads, part by part (empty when nothing did). */
  parts: Array<Pick<PublicationPartRow, "position" | "state" | "media_id" | "permalink" | "error">>;
}

const LEASE_MS = 60_000;

/**
 * Publishes now, outside any schedule, through the same path as the scheduler: a run row (so the run
 * shows in `runs` and counts for "one publication per account at a time"), the ledger, the same outcomes.
 * The caller holds the lease itself. A run that fails before anything reached Threads ends `failed`; one that
 * published part of a chain, or whose outcome is uncertain, is left to the scheduler to finish or check.
 */
export async function postNow(deps: PostNowDeps, req: PostNowRequest): Promise<PostNowResult> {
  const { db, clock } = deps;
  const account = await db
    .selectFrom("accounts")
    .selectAll()
    .where("id", "=", req.accountId)
    .executeTakeFirst();
  if (!account) throw notFound("account", req.accountId);
  if (account.archived_at !== null) throw removedAccount(account);
  if (account.status === "paused") {
    throw new AppError(
      "invalid_input",
      `@${account.username} is paused: resume it first (threads-scheduler accounts resume ${account.id}).`,
    );
  }
  if (account.status === "reauth_required") {
    throw new AppError(
      "invalid_input",
      `@${account.username} must be reconnected before it can post (${account.status_reason ?? "its token is no longer valid"}). Give it a fresh token with \`threads-scheduler accounts reconnect ${account.id} --token TOKEN\`.`,
    );
  }
  let groupId: number | null = null;
  let parts: PostPart[];
  if ("groupId" in req) {
    const group = await groupOfAccount(db, account, req.groupId);
    parts = group.parts;
    groupId = group.id;
  } else {
    parts = req.parts;
  }
  assertValidGroup(parts);

  const nodeId = `post-now:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const now = clock.now();
  let runId: number;
  try {
    const row = await db
      .insertInto("runs")
      .values({
        job: "post",
        job_key: `manual:${randomUUID()}`,
        schedule_id: null,
        account_id: account.id,
        due_at: now,
        run_at: now,
        slot: "now",
        local_date: null,
        state: "running",
        group_id: groupId,
        attempts: 1,
        locked_by: nodeId,
        lease_until: now + LEASE_MS,
        reason: null,
        payload_json: groupId === null ? JSON.stringify(parts) : null,
        created_at: now,
        updated_at: now,
        finished_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    runId = row.id;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new AppError(
      "conflict",
      `@${account.username} is publishing another post right now (one at a time per account). Try again in a minute.`,
    );
  }

  const heartbeat = setInterval(() => {
    void renewLeases(db, nodeId, [runId], clock.now() + LEASE_MS).catch(() => {});
  }, LEASE_MS / 4);
  let outcome: Outcome;
  try {
    const run = await db.selectFrom("runs").selectAll().where("id", "=", runId).executeTakeFirstOrThrow();
    outcome = await runPostJob(
      {
        ...deps,
        backoff: DEFAULT_BACKOFF,
        random: Math.random,
        idle: (wait) => wait(),
        nodeId,
      },
      run,
    );
  } catch (error) {
    outcome = {
      state: "needs_check",
      runAt: clock.now(),
      reason: `interrupted by an unexpected error (${(error as Error).message}); Threads will be checked`,
    };
  } finally {
    clearInterval(heartbeat);
  }

  const ledger = await getLedgerByRun(db, runId);
  const anyPublished =
    ledger?.parts.some((p) => p.state === "published" || p.state === "publish_requested") ?? false;
  if (outcome.state === "planned" && !anyPublished) {
    // Nothing reached Threads: a one-off post fails now rather than surprising the user later.
    outcome = { state: "failed", reason: `nothing was published: ${outcome.reason ?? "unknown error"}` };
  }
  await settle(db, runId, nodeId, clock.now(), outcome);
  return {
    runId,
    state: outcome.state,
    reason: outcome.reason ?? null,
    parts: (ledger?.parts ?? []).map((p) => ({
      position: p.position,
      state: p.state,
      media_id: p.media_id,
      permalink: p.permalink,
      error: p.error,
    })),
  };
}

/** The account's own live post group `groupId`, for a post now or a one-off; else the error to show. */
export async function groupOfAccount(
  db: Db,
  account: Pick<AccountRow, "id" | "username">,
  groupId: number,
): Promise<PostGroup> {
  const group = await getGroup(db, groupId);
  if (!group) throw notFound("post group", groupId);
  if (group.archivedAt !== null) throw removedGroup(group);
  if (group.accountId !== account.id) {
    throw new AppError(
      "invalid_input",
      `Post group ${groupId} belongs to another account, not @${account.username}. Run \`threads-scheduler groups list --account ${account.id}\` to see its groups.`,
    );
  }
  return group;
}
