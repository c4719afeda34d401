import { type Kysely, sql } from "kysely";
import { dialectOf } from "../dialect.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * The quota check before every post counts the account's parts published in the last 24 h. Through a join
 * of publication_parts and publications, its plan depended on statistics: on tables not yet analysed (a new
 * install's first busy hour, every benchmark) PostgreSQL read every part for every post, 4 ms per post at
 * 2,000 posts and growing with them (docs/benchmarks.md). The part now carries its account, and one index
 * answers the count by itself.
 */
export async function up(db: AnyDB): Promise<void> {
  // No foreign key of its own: the part is deleted with its publication, which is deleted with its account.
  await db.schema
    .alterTable("publication_parts")
    .addColumn("account_id", dialectOf(db) === "postgres" ? "bigint" : "integer")
    .execute();
  await sql`update publication_parts set account_id =
    (select p.account_id from publications p where p.id = publication_parts.publication_id)`.execute(db);
  await db.schema
    .createIndex("publication_parts_account_published")
    .on("publication_parts")
    .columns(["account_id", "state", "updated_at"])
    .execute();
}

export async function down(db: AnyDB): Promise<void> {
  await db.schema.dropIndex("publication_parts_account_published").ifExists().execute();
  await db.schema.alterTable("publication_parts").dropColumn("account_id").execute();
}
