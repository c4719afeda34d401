import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import type { PublicationPartRow } from "../db/schema.js";

/**
 * The delete ledger: per published part, `delete_state` null → requested → deleted (or failed), written before and
 * after each `DELETE /{media-id}`. Only a part the ledger records as published, with its media id, is ever deleted.
 */

/** A part of a run's publication that is on Threads (published, with its media id), with its delete state. */
export type DeletablePart = Pick<
  PublicationPartRow,
  "id" | "position" | "media_id" | "permalink" | "delete_state" | "deleted_at" | "delete_error"
> & { media_id: string };

/** The run's published parts, last position first: a chain's delete removes its replies before its root. */
export async function listDeletableParts(db: Db, runId: number): Promise<DeletablePart[]> {
  const rows = await db
    .selectFrom("publication_parts as pp")
    .innerJoin("publications as p", "p.id", "pp.publication_id")
    .select([
      "pp.id",
      "pp.position",
      "pp.media_id",
      "pp.permalink",
      "pp.delete_state",
      "pp.deleted_at",
      "pp.delete_error",
    ])
    .where("p.run_id", "=", runId)
    .where("pp.state", "=", "published")
    .where("pp.media_id", "is not", null)
    .orderBy("pp.position", "desc")
    .execute();
  return rows as DeletablePart[];
}

/**
 * Records that the part's delete is about to be sent, fenced by the lease as the publish is (publications
 * .repository markPublishRequested): false, writing nothing, when `lease.nodeId` no longer holds the run.
 */
export async function markDeleteRequested(
  db: Db,
  partId: number,
  now: number,
  lease: { runId: number; nodeId: string },
): Promise<boolean> {
  const result = await db
    .updateTable("publication_parts")
    // A re-send (still `requested` after a crash or a lost answer) keeps its first time: it holds the quota slot
    // it took then, not a new one; a delete asked again after it failed is a new send at `now`.
    .set((eb) => ({
      delete_state: "requested",
      deleted_at: eb
        .case()
        .when("delete_state", "=", "requested")
        .then(eb.fn.coalesce("deleted_at", eb.val(now)))
        .else(eb.val(now))
        .end(),
      delete_error: null,
    }))
    .where("id", "=", partId)
    .where((eb) => eb.or([eb("delete_state", "is", null), eb("delete_state", "!=", "deleted")]))
    .where((eb) => {
      let held = eb
        .selectFrom("runs")
        .select("runs.id")
        .where("runs.id", "=", lease.runId)
        .where("runs.locked_by", "=", lease.nodeId)
        .where("runs.state", "=", "running")
        .where("runs.lease_until", ">", now);
      if (dialectOf(db) === "postgres") held = held.forShare();
      return eb.exists(held);
    })
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The part is gone; `deleted_at` stays the time its delete was (first) sent, which is what the quota counts. */
export async function markPartDeleted(db: Db, partId: number, now: number): Promise<void> {
  await db
    .updateTable("publication_parts")
    .set((eb) => ({
      delete_state: "deleted",
      deleted_at: eb.fn.coalesce("deleted_at", eb.val(now)),
      delete_error: null,
    }))
    .where("id", "=", partId)
    .execute();
}

/** A delete Threads refused for good (the part stays on Threads; `runs delete` may try again). */
export async function markDeleteFailed(db: Db, partId: number, error: string): Promise<void> {
  await db
    .updateTable("publication_parts")
    .set({ delete_state: "failed", delete_error: error })
    .where("id", "=", partId)
    .execute();
}

/**
 * Deletes this account sent since `since` (requested or deleted), from our own ledger, and the earliest of them:
 * the quota's next free slot is that one's time plus the window.
 */
export async function countDeletesSince(
  db: Db,
  accountId: number,
  since: number,
): Promise<{ count: number; earliest: number | null }> {
  const row = await db
    .selectFrom("publication_parts")
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min("deleted_at").as("earliest")])
    .where("account_id", "=", accountId)
    .where("delete_state", "in", ["requested", "deleted"])
    .where("deleted_at", ">=", since)
    .executeTakeFirst();
  const earliest = row?.earliest;
  return {
    count: Number(row?.n ?? 0),
    earliest: earliest === null || earliest === undefined ? null : Number(earliest),
  };
}

/** When each of these runs' parts were deleted (the last part's time), for `runs`/history: run id → epoch ms. */
export async function deletedAtOfRuns(db: Db, runIds: readonly number[]): Promise<Map<number, number>> {
  if (runIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("publication_parts as pp")
    .innerJoin("publications as p", "p.id", "pp.publication_id")
    .select((eb) => [
      "p.run_id",
      eb.fn.max("pp.deleted_at").as("deleted_at"),
      eb.fn.countAll<number>().as("n"),
      eb.fn
        .sum<number>(eb.case().when("pp.delete_state", "=", "deleted").then(1).else(0).end())
        .as("deleted"),
    ])
    .where("p.run_id", "in", [...runIds])
    .where("pp.state", "=", "published")
    .groupBy("p.run_id")
    .execute();
  const out = new Map<number, number>();
  for (const r of rows) {
    if (Number(r.deleted) > 0 && Number(r.deleted) === Number(r.n) && r.deleted_at !== null) {
      out.set(r.run_id, Number(r.deleted_at));
    }
  }
  return out;
}
