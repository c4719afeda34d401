import {
  type ExpressionBuilder,
  type RawBuilder,
  sql,
  type UpdateQueryBuilder,
  type UpdateResult,
} from "kysely";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import type { DB, JobKind, RunRow, RunState } from "../db/schema.js";
import { DEFAULT_MISFIRE_GRACE_MINUTES } from "./planning/index.js";

/**
 * States a run may be claimed from, as SQL literals: the partial index `occurrences_claimable`
 * (migration 0004, PostgreSQL) has exactly this condition, and a planner matches it only against constants,
 * not bound parameters.
 */
const CLAIMABLE = sql<boolean>`state in ('planned', 'needs_check')`;

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
}

/** Ends this node's run of a run; does nothing (returns false) when the lease was lost meanwhile. */
export async function settle(
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
    .where("job", "=", "post")
    .where("state", "=", "planned")
    .returningAll()
    .executeTakeFirst();
}

/**
 * An account's runs that are running or waiting for a check against Threads: something of them may be on
 * Threads already, so the account's token is still needed to finish them.
 */
export async function listInFlightOfAccount(
  db: Db,
  accountId: number,
): Promise<Array<Pick<RunRow, "id" | "state">>> {
  return db
    .selectFrom("runs")
    .select(["id", "state"])
    .where("account_id", "=", accountId)
    .where("state", "in", ["running", "needs_check"])
    .orderBy("id")
    .execute();
}

/** Ends every still-planned run of the account (one-off posts, retries, held posts) as `skipped`. */
export async function skipPlannedOfAccount(
  db: Db,
  accountId: number,
  reason: string,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable("runs")
    .set({ state: "skipped", reason, finished_at: now, updated_at: now })
    .where("account_id", "=", accountId)
    .where("state", "=", "planned")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Posts held while the account had to be reconnected (the post job's `held: …` reason, rechecked every few
 * minutes) become due at once: called when the account has a valid token again.
 */
export async function wakeHeldOfAccount(db: Db, accountId: number, now: number): Promise<number> {
  const result = await db
    .updateTable("runs")
    .set({ run_at: now, updated_at: now })
    .where("account_id", "=", accountId)
    .where("state", "=", "planned")
    .where("run_at", ">", now)
    .where("reason", "like", "held:%")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Runs that have picked the group and are not finished: running, waiting for a check, or planned again for
 * a retry (a planned run that was tried before, or has a publication: part of it may be on Threads). A retry re-reads the group's parts
 * and continues from the first part not on Threads, so the parts must not change under it. A one-off post that
 * names the group and has not started is not one of them: it reads the parts as they are at its time, and is
 * skipped if the group is gone by then.
 */
export async function listUnfinishedOfGroup(
  db: Db,
  groupId: number,
): Promise<Array<Pick<RunRow, "id" | "state">>> {
  return db
    .selectFrom("runs as o")
    .select(["o.id", "o.state"])
    .where("o.group_id", "=", groupId)
    .where((eb) =>
      eb.or([
        eb("o.state", "in", ["running", "needs_check"]),
        eb.and([
          eb("o.state", "=", "planned"),
          eb.or([
            eb("o.attempts", ">", 0),
            eb.exists(eb.selectFrom("publications as p").select("p.id").whereRef("p.run_id", "=", "o.id")),
          ]),
        ]),
      ]),
    )
    .orderBy("o.id")
    .execute();
}

/** Planned one-off posts (`once:` job keys) that name the group: they are skipped at their time once it is removed. */
export async function listPlannedOneOffsOfGroup(db: Db, groupId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("runs")
    .select("id")
    .where("group_id", "=", groupId)
    .where("state", "=", "planned")
    .where("job_key", "like", "once:%")
    .orderBy("id")
    .execute();
  return rows.map((r) => r.id);
}

/** A run a user asked for (post now, `post --at`), outside any schedule. */
export interface ManualRunInsert {
  /** `manual:{uuid}` (post now) or `once:{uuid}` (a one-off post). */
  jobKey: string;
  accountId: number;
  dueAt: number;
  /** The label `runs` and `jobs` show ("now", "once"). */
  slot: string;
  localDate: string | null;
  groupId: number | null;
  /** The parts of a post given as text instead of a group (JSON). */
  payloadJson: string | null;
  /**
   * Inserted already claimed by this node (post now, adopted by the engine at once): `running`, attempt 1,
   * leased until `leaseUntil`. Otherwise `planned`, for an engine to claim at its time.
   */
  claimedBy?: { nodeId: string; leaseUntil: number };
  now: number;
}

/**
 * Inserts a post run a user asked for, the one insert of post now and `post --at`. A claimed insert for an
 * account that has a run `running` breaks the one-running-per-account index (`isUniqueViolation`).
 */
export async function insertManualRun(db: Db, run: ManualRunInsert): Promise<RunRow> {
  return db
    .insertInto("runs")
    .values({
      job: "post",
      job_key: run.jobKey,
      schedule_id: null,
      account_id: run.accountId,
      due_at: run.dueAt,
      run_at: run.dueAt,
      slot: run.slot,
      local_date: run.localDate,
      state: run.claimedBy ? "running" : "planned",
      group_id: run.groupId,
      attempts: run.claimedBy ? 1 : 0,
      locked_by: run.claimedBy?.nodeId ?? null,
      lease_until: run.claimedBy?.leaseUntil ?? null,
      reason: null,
      payload_json: run.payloadJson,
      created_at: run.now,
      updated_at: run.now,
      finished_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A planned run of the account at exactly `dueAt` whose job key starts with `jobKeyPrefix` (a repeated command). */
export async function findPlannedTwin(
  db: Db,
  opts: { accountId: number; dueAt: number; jobKeyPrefix: string },
): Promise<number | undefined> {
  const row = await db
    .selectFrom("runs")
    .select("id")
    .where("account_id", "=", opts.accountId)
    .where("due_at", "=", opts.dueAt)
    .where("state", "=", "planned")
    .where("job_key", "like", `${opts.jobKeyPrefix}%`)
    .executeTakeFirst();
  return row?.id;
}

/** Plans a run of a job without an account (the token refresh), unless (job_key, due_at) exists already. */
export async function insertPlannedIfAbsent(
  db: Db,
  run: { job: JobKind; jobKey: string; dueAt: number; slot: string; now: number },
): Promise<void> {
  await db
    .insertInto("runs")
    .values({
      job: run.job,
      job_key: run.jobKey,
      due_at: run.dueAt,
      run_at: run.dueAt,
      slot: run.slot,
      state: "planned",
      created_at: run.now,
      updated_at: run.now,
    })
    .onConflict((oc) => oc.columns(["job_key", "due_at"]).doNothing())
    .execute();
}

/** Skips the planned runs of `jobKey` due before `dueAt`, with the reason (superseded by a later one). */
export async function skipPlannedBefore(
  db: Db,
  opts: { jobKey: string; dueAt: number; reason: string; now: number },
): Promise<void> {
  await db
    .updateTable("runs")
    .set({ state: "skipped", reason: opts.reason, finished_at: opts.now, updated_at: opts.now })
    .where("job_key", "=", opts.jobKey)
    .where("state", "=", "planned")
    .where("due_at", "<", opts.dueAt)
    .execute();
}
