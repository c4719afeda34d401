import type { Db } from "../db/connect.js";
import type { RunRow } from "../db/schema.js";

/**
 * Runs written outside the planner: the post a user asks for (post now, `post --at`) and the token refresh's
 * own run. The planner's runs are plans.repository.ts's; claiming and settling them is runs.repository.ts's.
 */

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
  run: { job: string; jobKey: string; dueAt: number; slot: string; now: number },
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
