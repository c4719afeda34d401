import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * Removing an account or a post group archives it instead of deleting it (README, "Editing and removing"): the row
 * stays, so the foreign keys of 0001 (which cascade a deleted account into its occurrences, publications and
 * insights) never fire, and the run history — what ran, with its permalinks and the text that was posted —
 * stays readable. An archived account has no token (it is wiped) and re-adding its Threads user restores it,
 * which the unique `threads_user_id` requires anyway.
 */
export async function up(db: AnyDB): Promise<void> {
  await db.schema.alterTable("accounts").addColumn("archived_at", "bigint").execute();
  await db.schema.alterTable("post_groups").addColumn("archived_at", "bigint").execute();
}

/**
 * Code before this migration knows nothing of archived rows and would use them again (an archived account's
 * wiped token would fail). They are deleted, as that code's `remove` did: the cascades remove their history.
 */
export async function down(db: AnyDB): Promise<void> {
  await db.deleteFrom("post_groups").where("archived_at", "is not", null).execute();
  await db.deleteFrom("accounts").where("archived_at", "is not", null).execute();
  await db.schema.alterTable("post_groups").dropColumn("archived_at").execute();
  await db.schema.alterTable("accounts").dropColumn("archived_at").execute();
}
