import { sql } from "kysely";
import type { Db } from "../db/connect.js";
import type { RunRow } from "../db/schema.js";
import { NEVER_DELETE } from "../delete-after.schema.js";

/**
 * The runs of the `delete` job: one per post run (job key `delete:{postRunId}`), planned when the post run settles
 * published with a delete-after (the schedule's wins over the group's), or inserted by `runs delete`.
 */

export const DELETE_JOB = "delete";
export const DELETE_PREFIX = "delete:";
/** The slot label `runs` shows for a delete run. */
export const DELETE_SLOT = "delete";

export function deleteJobKey(postRunId: number): string {
  return `${DELETE_PREFIX}${postRunId}`;
}

/**
 * The predicate of the partial unique index runs_one_live_delete (migration 0010), as the ON CONFLICT target
 * names it: literal values, so PostgreSQL can match the index (it cannot infer it from bound parameters).
 */
const LIVE_DELETE = sql<boolean>`job = 'delete' and state in ('planned', 'running', 'needs_check', 'published')`;

/** What a delete run's payload names. */
export interface DeletePayload {
  postRunId: number;
}

/**
 * The post run's delete-after in minutes: its schedule's when set, else its group's; null when neither has one,
 * or when the schedule says `never` (NEVER_DELETE: its posts are kept whatever their group says).
 * Why the schedule wins: a schedule's delete-after is a rule about everything it posts ("stories that vanish after
 * a day"), set later and more deliberately than a group's default.
 */
export async function deleteAfterOfRun(db: Db, postRunId: number): Promise<number | null> {
  const row = await db
    .selectFrom("runs as r")
    .leftJoin("schedules as s", "s.id", "r.schedule_id")
    .leftJoin("post_groups as g", "g.id", "r.group_id")
    .select(["s.delete_after_minutes as schedule_minutes", "g.delete_after_minutes as group_minutes"])
    .where("r.id", "=", postRunId)
    .executeTakeFirst();
  if (!row) return null;
  if (row.schedule_minutes === NEVER_DELETE) return null;
  return row.schedule_minutes ?? row.group_minutes ?? null;
}

/** The delete run of a post run, if one was ever written (any state). */
export async function findDeleteRun(db: Db, postRunId: number): Promise<RunRow | undefined> {
  return db
    .selectFrom("runs")
    .selectAll()
    .where("job_key", "=", deleteJobKey(postRunId))
    .orderBy("id", "desc")
    .executeTakeFirst();
}

/**
 * Writes the delete run of a post run, due at `dueAt`, unless the post run has one to come or done (a post run is
 * deleted once). Optionally inserted already claimed by this node (`runs delete`, adopted by the engine at once). Returns
 * the new row, or undefined when one existed.
 */
export async function insertDeleteRun(
  db: Db,
  input: {
    postRunId: number;
    accountId: number;
    dueAt: number;
    now: number;
    claimedBy?: { nodeId: string; leaseUntil: number };
  },
): Promise<RunRow | undefined> {
  const jobKey = deleteJobKey(input.postRunId);
  const payload: DeletePayload = { postRunId: input.postRunId };
  return (
    db
      .insertInto("runs")
      .values({
        job: DELETE_JOB,
        job_key: jobKey,
        schedule_id: null,
        account_id: input.accountId,
        due_at: input.dueAt,
        run_at: input.dueAt,
        slot: DELETE_SLOT,
        local_date: null,
        state: input.claimedBy ? "running" : "planned",
        group_id: null,
        attempts: input.claimedBy ? 1 : 0,
        locked_by: input.claimedBy?.nodeId ?? null,
        lease_until: input.claimedBy?.leaseUntil ?? null,
        reason: null,
        payload_json: JSON.stringify(payload),
        created_at: input.now,
        updated_at: input.now,
        finished_at: null,
      })
      // A delete that failed, was skipped or cancelled may be asked for again (`runs delete`); one to come or done
      // not: the partial unique index runs_one_live_delete (migration 0010) holds one per post run, race or not.
      .onConflict((oc) => oc.column("job_key").where(LIVE_DELETE).doNothing())
      .returningAll()
      .executeTakeFirst()
  );
}

/**
 * Plans the post run's auto-delete at its publication's time plus the delete-after, when it has one; called in
 * the transaction that settles the post run published. Returns the delete run, when one was written.
 */
export async function planAutoDelete(db: Db, postRunId: number, now: number): Promise<RunRow | undefined> {
  const minutes = await deleteAfterOfRun(db, postRunId);
  if (minutes === null) return undefined;
  const row = await db
    .selectFrom("runs as r")
    .innerJoin("publications as p", "p.run_id", "r.id")
    .select(["r.account_id", "p.published_at"])
    .where("r.id", "=", postRunId)
    .executeTakeFirst();
  if (!row || row.account_id === null) return undefined;
  // The ledger keeps no Threads timestamp of a part: a post found late by reconciliation counts from when the
  // ledger recorded it (a little later than Threads' own time, never earlier).
  const publishedAt = row.published_at === null ? now : Number(row.published_at);
  return insertDeleteRun(db, {
    postRunId,
    accountId: row.account_id,
    dueAt: publishedAt + minutes * 60_000,
    now,
  });
}

/**
 * Claims a planned (or waiting) delete run for this node now (`runs delete` on a run whose auto-delete is
 * planned): one conditional update; undefined when it is not claimable (running elsewhere, or ended).
 */
export async function claimDeleteRunNow(
  db: Db,
  id: number,
  opts: { nodeId: string; now: number; leaseUntil: number },
): Promise<RunRow | undefined> {
  return db
    .updateTable("runs")
    .set({
      state: "running",
      locked_by: opts.nodeId,
      lease_until: opts.leaseUntil,
      run_at: opts.now,
      attempts: sql<number>`attempts + 1`,
      updated_at: opts.now,
    })
    .where("id", "=", id)
    .where("job", "=", DELETE_JOB)
    .where("state", "in", ["planned", "needs_check"])
    .returningAll()
    .executeTakeFirst();
}

/** When each of these post runs' delete runs are planned (still to run): post run id → due epoch ms. */
export async function plannedDeletesOf(db: Db, postRunIds: readonly number[]): Promise<Map<number, number>> {
  if (postRunIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("runs")
    .select(["job_key", "run_at"])
    .where("job_key", "in", postRunIds.map(deleteJobKey))
    .where("state", "in", ["planned", "needs_check", "running"])
    .execute();
  const out = new Map<number, number>();
  for (const r of rows) out.set(Number(r.job_key.slice(DELETE_PREFIX.length)), Number(r.run_at));
  return out;
}

/**
 * How many delete runs of the account are still to run (planned, or waiting for a check): removing the account
 * ends them skipped, and their posts stay on Threads.
 */
export async function countPlannedDeletesOfAccount(db: Db, accountId: number): Promise<number> {
  const row = await db
    .selectFrom("runs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("job", "=", DELETE_JOB)
    .where("account_id", "=", accountId)
    .where("state", "in", ["planned", "needs_check"])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
