import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * Deleting published posts (`DELETE /{media-id}`), by hand or "delete after N hours":
 * - per published part, the delete's own small ledger on the part's row (`delete_state` null | requested | deleted |
 *   failed, `deleted_at`, `delete_error`): a part is one media id, so its delete is recorded exactly once beside it,
 *   and a delete sent whose answer was lost (`requested`) is sent again on recovery (a second delete answers
 *   "does not exist", which settles it as deleted);
 * - `delete_after_minutes` on post groups and schedules (null: never), read when a post run settles published, which
 *   plans a `delete` run (job key `delete:{postRunId}`) in the same transaction.
 * An index on (account_id, delete_state, deleted_at) answers the delete quota's count, as the publishing quota's.
 * A schedule's `delete_after_minutes` of 0 means `never`: its posts are not auto-deleted even if their group's says so.
 * A partial unique index `runs_one_live_delete` on runs(job_key) where job = 'delete' and the run is to come, under
 * way or done (planned, running, needs_check, published): a post run has at most one such delete run, whoever
 * writes it (two writers with different due times would both pass the (job_key, due_at) key).
 */
export async function up(db: AnyDB): Promise<void> {
  await db.schema.alterTable("publication_parts").addColumn("delete_state", "text").execute();
  await db.schema.alterTable("publication_parts").addColumn("deleted_at", "bigint").execute();
  await db.schema.alterTable("publication_parts").addColumn("delete_error", "text").execute();
  await db.schema.alterTable("post_groups").addColumn("delete_after_minutes", "integer").execute();
  await db.schema.alterTable("schedules").addColumn("delete_after_minutes", "integer").execute();
  await db.schema
    .createIndex("publication_parts_deletes")
    .on("publication_parts")
    .columns(["account_id", "delete_state", "deleted_at"])
    .execute();
  // The same predicate as delete-runs.repository.ts's ON CONFLICT target (written out: migrations import no app code).
  await sql`create unique index runs_one_live_delete on runs (job_key) where job = 'delete' and state in ('planned', 'running', 'needs_check', 'published')`.execute(
    db,
  );
}

/** Older code knows no delete job: its runs that have not run are cancelled, so nothing claims them. */
export async function down(db: AnyDB): Promise<void> {
  await sql`update runs set state = 'cancelled', reason = 'cancelled: downgraded below migration 0010 (deletes)' where job = 'delete' and state in ('planned', 'needs_check')`.execute(
    db,
  );
  await db.schema.dropIndex("runs_one_live_delete").execute();
  await db.schema.dropIndex("publication_parts_deletes").execute();
  await db.schema.alterTable("schedules").dropColumn("delete_after_minutes").execute();
  await db.schema.alterTable("post_groups").dropColumn("delete_after_minutes").execute();
  await db.schema.alterTable("publication_parts").dropColumn("delete_error").execute();
  await db.schema.alterTable("publication_parts").dropColumn("deleted_at").execute();
  await db.schema.alterTable("publication_parts").dropColumn("delete_state").execute();
}
