import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * The claim takes the earliest claimable rows (planned or needs_check, due) in (run_at, id) order. With
 * (state, run_at) and `state in (…)` both databases read every due row and sorted them on every claim: in a
 * 2,000-post burst on PostgreSQL, 5.8 ms per claim and half of all statement time (docs/benchmarks.md). This
 * partial index holds only claimable rows, in claim order, so PostgreSQL's claim walks from its start and
 * stops once it has its rows (2.1 ms per claim in the same burst); its first entry is also the next wake-up
 * time. SQLite's planner (no statistics) still prefers (state, due_at) and a sort, which in process costs
 * well under a millisecond. It replaces (state, run_at), which served only those two queries; (state, due_at)
 * answers the other state filters.
 */
export async function up(db: AnyDB): Promise<void> {
  await db.schema
    .createIndex("occurrences_claimable")
    .on("occurrences")
    .columns(["run_at", "id"])
    .where(sql.ref("state"), "in", [sql.lit("planned"), sql.lit("needs_check")])
    .execute();
  await db.schema.dropIndex("occurrences_state_run").execute();
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema
    .createIndex("occurrences_state_run")
    .on("occurrences")
    .columns(["state", "run_at"])
    .execute();
  await db.schema.dropIndex("occurrences_claimable").ifExists().execute();
}
