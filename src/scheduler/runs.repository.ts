import {
  type ExpressionBuilder,
  type RawBuilder,
  sql,
  type UpdateQueryBuilder,
  type UpdateResult,
} from "kysely";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import type { DB, RunRow, RunState } from "../db/schema.js";
import { inTransaction } from "../db/transaction.js";
import { DEFAULT_MISFIRE_GRACE_MINUTES } from "./planning/index.js";
import { CLAIMABLE_STATES } from "./run-state.js";

/**
 * A run's life in the engine: claim with a lease, heartbeat, settle (fenced by the lease), recovery of
 * expired or dead leases, misfires, and a user's cancel racing the claim. Runs written outside the planner are
 * run-inserts.repository.ts's; what the accounts and groups features ask about runs, owner-runs.repository.ts's.
 */

/**
 * The claimable states (`CLAIMABLE_STATES`) as SQL literals: the partial index `occurrences_claimable`
 * (migration 0004, PostgreSQL) has exactly this condition, and a planner matches it only against constants,
 * not bound parameters.
 */
const CLAIMABLE = sql<boolean>`state in (${sql.join(CLAIMABLE_STATES.map((state) => sql.lit(state)))})`;

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | undefined;
  return e?.code === "23505" || e?.code === "SQLITE_CONSTRAINT_UNIQUE";
}

export interface ClaimOptions {
  nodeId: string;
  now: number;
  leaseMs: number;
  /** Only this run. */
  id?: number;
}

/**
 * Claims up to `limit` due runs (earliest first) whose account is active and has nothing running, in one
 * statement: a pass with several free slots costs one round trip instead of one per slot. PostgreSQL skips
 * rows another node has locked (`FOR UPDATE SKIP LOCKED`); SQLite serialises writers. The partial unique
 * index on running runs per account is the backstop when two nodes race for the same account: the loser
 * gets a unique violation and claims nothing this time. Two due rows of the same
 * account in one batch (or a race with another node for an account) break the one-running-per-account
 * index; the statement then claims nothing and this falls back to claiming a single row, which the
 * `not exists running` condition keeps consistent.
 */
export async function claimDue(db: Db, opts: ClaimOptions & { limit: number }): Promise<RunRow[]> {
  if (opts.limit <= 0) return [];
  try {
    const rows = await claimStatement(db, opts, opts.limit);
    return rows.sort((a, b) => a.run_at - b.run_at || a.id - b.id);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  if (opts.limit === 1) return [];
  try {
    return await claimStatement(db, opts, 1);
  } catch (error) {
    if (isUniqueViolation(error)) return [];
    throw error;
  }
}

function claimStatement(db: Db, opts: ClaimOptions, limit: number): Promise<RunRow[]> {
  const pg = dialectOf(db) === "postgres";
  let pick = db
    .selectFrom("runs as o")
    .select("o.id")
    .where(CLAIMABLE)
    .where("o.run_at", "<=", opts.now)
    .where((eb) =>
      eb.or([
        eb("o.account_id", "is", null),
        eb.and([
          eb.not(
            eb.exists(
              eb
                .selectFrom("runs as r")
                .select("r.id")
                .whereRef("r.account_id", "=", "o.account_id")
                .where("r.state", "=", "running"),
            ),
          ),
          eb.exists(
            eb
              .selectFrom("accounts as a")
              .select("a.id")
              .whereRef("a.id", "=", "o.account_id")
              .where("a.status", "!=", "reauth_required"),
          ),
        ]),
      ]),
    )
    .orderBy("o.run_at")
    .orderBy("o.id")
    .limit(limit);
  if (opts.id !== undefined) pick = pick.where("o.id", "=", opts.id);
  if (pg) pick = pick.forUpdate().skipLocked();
  return db
    .updateTable("runs")
    .set((eb) => ({
      state: "running",
      locked_by: opts.nodeId,
      lease_until: opts.now + opts.leaseMs,
      attempts: eb("attempts", "+", 1),
      updated_at: opts.now,
    }))
    .where("id", "in", (eb) => eb.selectFrom(pick.as("p")).select("p.id"))
    .returningAll()
    .execute();
}

/** Extends the leases this node holds; returns the ids it still holds (a lost lease means stop). */
export async function renewLeases(
  db: Db,
  nodeId: string,
  ids: number[],
  leaseUntil: number,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable("runs")
    .set({ lease_until: leaseUntil })
    .where("id", "in", ids)
    .where("locked_by", "=", nodeId)
    .where("state", "=", "running")
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

export interface Outcome {
  state: Exclude<RunState, "running">;
  reason?: string | null;
  /** For planned / needs_check: when to try again. */
  runAt?: number;
  groupId?: number | null;
  /** Reset the attempt counter (nothing was sent: the run has not really started). */
  resetAttempts?: boolean;
  /**
   * Further writes that belong to this settle (a post run settled published plans its auto-delete): run in the
   * same transaction, only when the settle itself went through (the lease was still held).
   */
  onSettled?: (trx: Db) => Promise<void>;
}

/** Ends this node's run of a run; does nothing (returns false) when the lease was lost meanwhile. */
export async function settle(
  db: Db,
  id: number,
  nodeId: string,
  now: number,
  outcome: Outcome,
): Promise<boolean> {
  const { onSettled } = outcome;
  if (onSettled) {
    return inTransaction(db, async (trx) => {
      const settled = await settleRow(trx, id, nodeId, now, outcome);
      if (settled) await onSettled(trx);
      return settled;
    });
  }
  return settleRow(db, id, nodeId, now, outcome);
}

async function settleRow(
  db: Db,
  id: number,
  nodeId: string,
  now: number,
  outcome: Outcome,
): Promise<boolean> {
  const terminal = outcome.state !== "planned" && outcome.state !== "needs_check";
  const result = await db
    .updateTable("runs")
    .set({
      state: outcome.state,
      reason: outcome.reason ?? null,
      locked_by: null,
      lease_until: null,
      updated_at: now,
      ...(outcome.runAt !== undefined ? { run_at: outcome.runAt } : {}),
      ...(outcome.groupId !== undefined ? { group_id: outcome.groupId } : {}),
      ...(outcome.resetAttempts ? { attempts: 0 } : {}),
      finished_at: terminal ? now : null,
    })
    .where("id", "=", id)
    .where("locked_by", "=", nodeId)
    .where("state", "=", "running")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setGroup(db: Db, id: number, groupId: number): Promise<void> {
  await db.updateTable("runs").set({ group_id: groupId }).where("id", "=", id).execute();
}

/** Records the earlier post a repost/quote run chose (once: a retry reposts the same post). */
export async function setSourceMedia(db: Db, id: number, mediaId: string): Promise<void> {
  await db.updateTable("runs").set({ source_media_id: mediaId }).where("id", "=", id).execute();
}

/**
 * The posts that the account's other unfinished runs (planned again, running, being checked) chose to repost
 * or quote: chosen but not yet in the publications' history, so no other run may choose them meanwhile.
 */
export async function sourcesOfUnfinishedRuns(
  db: Db,
  accountId: number,
  exceptRunId: number,
): Promise<Set<string>> {
  const rows = await db
    .selectFrom("runs")
    .select("source_media_id")
    .where("account_id", "=", accountId)
    .where("id", "!=", exceptRunId)
    .where("source_media_id", "is not", null)
    .where("state", "in", ["planned", "running", "needs_check"])
    .execute();
  return new Set(rows.map((r) => r.source_media_id!));
}

/**
 * Running runs whose lease ran out (their node died or stalled) go to `needs_check`: something may
 * have reached Threads, so nothing is published again before Threads has been asked.
 */
export function recoverExpiredLeases(db: Db, now: number): Promise<RunRow[]> {
  return sendToCheck(
    db,
    now,
    (eb) =>
      sql<string>`${"lease expired (node "} || coalesce(${eb.ref("locked_by")}, '?') || ${" stopped or stalled); checking Threads before any retry"}`,
    (q) => q.where("lease_until", "<", now),
  );
}

/**
 * Posts not started within their schedule's misfire grace become `missed`, with the reason; never dropped
 * silently. Token refresh runs are exempt (a late refresh still helps).
 */
export async function markMissed(
  db: Db,
  now: number,
  defaultGraceMinutes = DEFAULT_MISFIRE_GRACE_MINUTES,
): Promise<RunRow[]> {
  const graceMs = sql<number>`coalesce((select s.misfire_grace_minutes from schedules s where s.id = runs.schedule_id), ${defaultGraceMinutes}) * 60000`;
  return (
    db
      .updateTable("runs")
      .set((eb) => ({
        state: "missed",
        reason: sql<string>`case
        when exists (select 1 from accounts a where a.id = runs.account_id and a.status = 'reauth_required')
          then 'missed: the account must be reconnected (token invalid) and the grace period ran out'
        else 'missed: not started within the misfire grace (the scheduler was not running or was busy)' end
        || case when ${eb.ref("reason")} is not null then '; before: ' || ${eb.ref("reason")} else '' end`,
        finished_at: now,
        updated_at: now,
      }))
      .where("state", "=", "planned")
      .where("job", "=", "post")
      .where("attempts", "=", 0)
      // Implied by the next condition (a grace is never negative) and answered by the (state, due_at) index,
      // so a pass reads only the planned rows already due, not the whole horizon.
      .where("due_at", "<", now)
      .where(sql<boolean>`due_at + ${graceMs} < ${now}`)
      .returningAll()
      .execute()
  );
}

/**
 * The earliest instant any claimable run becomes due (for the wake-up timer): the first entry of the
 * claimable index, in the claim's own order.
 */
export async function nextRunAt(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom("runs")
    .select("run_at")
    .where(CLAIMABLE)
    .orderBy("run_at")
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.run_at);
}

export async function getRun(db: Db, id: number): Promise<RunRow | undefined> {
  return db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * The runs a node held when it died (known dead, e.g. the previous SQLite scheduler whose process is gone) go to
 * `needs_check` at once instead of waiting for their leases to run out; Threads is asked before anything else.
 */
export function recoverLeasesOf(db: Db, nodeId: string, now: number): Promise<RunRow[]> {
  return sendToCheck(
    db,
    now,
    () =>
      sql<string>`${`the scheduler ${nodeId} stopped while running this; checking Threads before any retry`}`,
    (q) => q.where("locked_by", "=", nodeId),
  );
}

type RunningUpdate = UpdateQueryBuilder<DB, "runs", "runs", UpdateResult>;

/** Releases the running rows `which` selects to `needs_check`, due again at once, with the reason. */
function sendToCheck(
  db: Db,
  now: number,
  reason: (eb: ExpressionBuilder<DB, "runs">) => RawBuilder<string>,
  which: (q: RunningUpdate) => RunningUpdate,
): Promise<RunRow[]> {
  return which(
    db
      .updateTable("runs")
      .set((eb) => ({
        state: "needs_check",
        reason: reason(eb),
        locked_by: null,
        lease_until: null,
        run_at: now,
        updated_at: now,
      }))
      .where("state", "=", "running"),
  )
    .returningAll()
    .execute();
}

/**
 * Cancels a planned post (`runs cancel`): one conditional update, so a claim racing with it wins or loses
 * as a whole (a claimed run is `running` and is not touched). Returns the row when it was cancelled.
 */
export async function cancelPlanned(
  db: Db,
  id: number,
  now: number,
  reason: string,
): Promise<RunRow | undefined> {
  return db
    .updateTable("runs")
    .set({
      state: "cancelled",
      reason,
      locked_by: null,
      lease_until: null,
      finished_at: now,
      updated_at: now,
    })
    .where("id", "=", id)
    .where("job", "in", ["post", "delete"])
    .where("state", "=", "planned")
    .returningAll()
    .executeTakeFirst();
}
