import type { Db } from "../db/connect.js";
import type { RunRow } from "../db/schema.js";
import { IN_FLIGHT_STATES } from "./run-state.js";

/**
 * The runs of an account or a group, as the accounts and groups features ask about them (removal, pause,
 * reconnect, edits of a group's parts): the claim, lease and settle of a run are runs.repository.ts's.
 */

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
    .where("state", "in", IN_FLIGHT_STATES)
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
        eb("o.state", "in", IN_FLIGHT_STATES),
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
