import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * Planning writes occurrences only up to the horizon, not whole local days (docs/scheduler.md, "Planning"):
 * a planned day now records the first of its runs not yet written (`next_due_at`, null once all are) and, for
 * a random day whose runs are not all written, the draw itself (`draw_json`), so the rest of the day is
 * written later from the same draw. Days planned before this migration have both null: fully written.
 * A partial index finds the unfinished days of a page of schedules without reading their history.
 */
export async function up(db: AnyDB): Promise<void> {
  await db.schema.alterTable("planned_days").addColumn("next_due_at", "bigint").execute();
  await db.schema.alterTable("planned_days").addColumn("draw_json", "text").execute();
  await db.schema
    .createIndex("planned_days_unfinished")
    .on("planned_days")
    .column("schedule_id")
    .where(sql.ref("next_due_at"), "is not", null)
    .execute();
}

/**
 * Code before this migration takes every recorded day as fully written, so an unfinished day would lose its
 * rest. Such days are given back to it unplanned: their still-planned runs and their records are deleted,
 * and it plans them again (a fixed day identically; a random day drawn anew from then on, as after an edit).
 */
export async function down(db: AnyDB): Promise<void> {
  await sql`delete from occurrences where state = 'planned' and exists (
    select 1 from planned_days d
    where d.next_due_at is not null and d.schedule_id = occurrences.schedule_id and d.local_date = occurrences.local_date
  )`.execute(db);
  await db.deleteFrom("planned_days").where("next_due_at", "is not", null).execute();
  await db.schema.dropIndex("planned_days_unfinished").ifExists().execute();
  await db.schema.alterTable("planned_days").dropColumn("draw_json").execute();
  await db.schema.alterTable("planned_days").dropColumn("next_due_at").execute();
}
