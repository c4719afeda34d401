import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * Schedules get an optional end: `until_date`, the last local date ("YYYY-MM-DD", inclusive, in the schedule's
 * zone) they run on; null means no end. One-off posts (`post --at`) and cancelled runs need no column: a
 * one-off post is an occurrence with a `once:{uuid}` job key, and `cancelled` is a new value of the
 * occurrence state (a text column).
 */
export async function up(db: AnyDB): Promise<void> {
  await db.schema.alterTable("schedules").addColumn("until_date", "text").execute();
}

/**
 * Code before this migration knows no `cancelled` state: cancelled runs become `skipped` with the reason kept
 * (they were never posted either way), so nothing claims or re-plans them. The end dates are dropped: those
 * schedules then run without an end.
 */
export async function down(db: AnyDB): Promise<void> {
  await sql`update occurrences set state = 'skipped', reason = coalesce(reason, 'cancelled by user') where state = 'cancelled'`.execute(
    db,
  );
  await db.schema.alterTable("schedules").dropColumn("until_date").execute();
}
