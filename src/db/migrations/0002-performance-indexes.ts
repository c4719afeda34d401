import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * Indexes found missing by the benchmarks (docs/benchmarks.md):
 * - `markMissed` runs on every engine pass and looks for planned posts past their due time; with only
 *   (state, run_at) it read every planned row (hundreds of thousands at 10,000 accounts). (state, due_at)
 *   lets it read just the planned rows already due.
 * - The quota check before every post counts the account's publications of the last 24 h; with no index on
 *   publications.account_id it read the whole publication history on every post.
 */
export async function up(db: AnyDB): Promise<void> {
  await db.schema
    .createIndex("occurrences_state_due")
    .on("occurrences")
    .columns(["state", "due_at"])
    .execute();
  await db.schema.createIndex("publications_account").on("publications").column("account_id").execute();
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.dropIndex("publications_account").ifExists().execute();
  await db.schema.dropIndex("occurrences_state_due").ifExists().execute();
}
