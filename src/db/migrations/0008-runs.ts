import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * One word for the rows the scheduler runs (docs/architecture.md, "Vocabulary"): the table `occurrences` becomes
 * `runs` and the ledger's `occurrence_id` becomes `run_id`. Both databases rename in place: rows, indexes and
 * foreign keys (SQLite rewrites the references of `publications`) stay as they are. The indexes and constraints
 * keep the names migrations 0001-0004 gave them (`occurrences_…`): no code names them, and renaming them on
 * SQLite would mean rebuilding the table.
 */
export async function up(db: AnyDB): Promise<void> {
  await db.schema.alterTable("occurrences").renameTo("runs").execute();
  await db.schema.alterTable("publications").renameColumn("occurrence_id", "run_id").execute();
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.alterTable("publications").renameColumn("run_id", "occurrence_id").execute();
  await db.schema.alterTable("runs").renameTo("occurrences").execute();
}
