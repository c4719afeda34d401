import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * Schedules that repost or quote the account's own earlier posts (issue #12, point 9).
 * - `schedules.action`: `post` (every schedule so far), `repost` or `quote`; with the source rule of a repost
 *   or quote schedule: `recycle_from` (`top` | `oldest` | `random`), `recycle_min_age_minutes` (only posts
 *   at least this old) and `recycle_cooldown_minutes` (never the same post twice within it).
 * - `runs.source_media_id`: the post a repost/quote run chose, written once, so a retry reposts the same post.
 * - `publications.action` and `publications.source_media_id`: what a publication did with which post (null for
 *   an ordinary post): the recycling history (least recently recycled first, the cooldown) and which ledger
 *   parts are reposts (their media id is the repost's own id, never a source for another repost).
 */
export async function up(db: AnyDB): Promise<void> {
  await db.schema
    .alterTable("schedules")
    .addColumn("action", "text", (c) => c.notNull().defaultTo("post"))
    .execute();
  await db.schema.alterTable("schedules").addColumn("recycle_from", "text").execute();
  await db.schema.alterTable("schedules").addColumn("recycle_min_age_minutes", "integer").execute();
  await db.schema.alterTable("schedules").addColumn("recycle_cooldown_minutes", "integer").execute();
  await db.schema.alterTable("runs").addColumn("source_media_id", "text").execute();
  await db.schema.alterTable("publications").addColumn("action", "text").execute();
  await db.schema.alterTable("publications").addColumn("source_media_id", "text").execute();
  await db.schema
    .createIndex("publications_source_idx")
    .on("publications")
    .columns(["account_id", "source_media_id"])
    .execute();
}

/**
 * Repost and quote schedules cannot run on older code: they are removed with their runs' source. Their runs
 * not finished (planned, or being checked: a repost or quote may already be on Threads) are cancelled first,
 * with the reason, as 0010's down does for deletes: older code would otherwise take a run that lost its
 * schedule for an ordinary post and skip it as "the schedule was removed", saying nothing of what may be out.
 */
export async function down(db: AnyDB): Promise<void> {
  const recycling = sql`(schedule_id in (select id from schedules where action <> 'post') or source_media_id is not null)`;
  await sql`update runs set state = 'cancelled', reason = 'cancelled: downgraded below migration 0011 (repost and quote schedules); nothing of it was sent' where job = 'post' and state = 'planned' and ${recycling} and not exists (select 1 from publications where publications.run_id = runs.id)`.execute(
    db,
  );
  await sql`update runs set state = 'cancelled', reason = 'cancelled: downgraded below migration 0011 (repost and quote schedules) while it was being checked; its repost or quote may be on Threads: look at the account on Threads' where job = 'post' and state in ('planned', 'needs_check', 'running') and ${recycling}`.execute(
    db,
  );
  await db.deleteFrom("schedules").where("action", "!=", "post").execute();
  await db.schema.dropIndex("publications_source_idx").execute();
  await db.schema.alterTable("publications").dropColumn("source_media_id").execute();
  await db.schema.alterTable("publications").dropColumn("action").execute();
  await db.schema.alterTable("runs").dropColumn("source_media_id").execute();
  await db.schema.alterTable("schedules").dropColumn("recycle_cooldown_minutes").execute();
  await db.schema.alterTable("schedules").dropColumn("recycle_min_age_minutes").execute();
  await db.schema.alterTable("schedules").dropColumn("recycle_from").execute();
  await db.schema.alterTable("schedules").dropColumn("action").execute();
}
