import { type ColumnDefinitionBuilder, type Kysely, sql } from "kysely";
import { dialectOf } from "../dialect.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

export async function up(db: AnyDB): Promise<void> {
  const pg = dialectOf(db) === "postgres";
  const id = (c: ColumnDefinitionBuilder) =>
    pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement();
  const idType = pg ? "bigint" : "integer";
  const ms = "bigint";

  await db.schema
    .createTable("accounts")
    .addColumn("id", idType, id)
    .addColumn("threads_user_id", "text", (c) => c.notNull().unique())
    .addColumn("username", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("picture_url", "text")
    .addColumn("token_ciphertext", "text", (c) => c.notNull())
    .addColumn("token_expires_at", ms, (c) => c.notNull())
    .addColumn("token_issued_at", ms, (c) => c.notNull())
    .addColumn("token_refreshed_at", ms)
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("status_reason", "text")
    .addColumn("timezone", "text", (c) => c.notNull())
    .addColumn("created_at", ms, (c) => c.notNull())
    .addColumn("updated_at", ms, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("post_groups")
    .addColumn("id", idType, id)
    .addColumn("account_id", idType, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("weight", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ms, (c) => c.notNull())
    .addColumn("updated_at", ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("post_groups_account").on("post_groups").column("account_id").execute();

  await db.schema
    .createTable("post_parts")
    .addColumn("id", idType, id)
    .addColumn("group_id", idType, (c) => c.notNull().references("post_groups.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("spec_json", "text", (c) => c.notNull())
    .addUniqueConstraint("post_parts_group_position", ["group_id", "position"])
    .execute();

  await db.schema
    .createTable("schedules")
    .addColumn("id", idType, id)
    .addColumn("account_id", idType, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("times_json", "text")
    .addColumn("window_start", "text")
    .addColumn("window_end", "text")
    .addColumn("posts_per_day", "integer")
    .addColumn("min_gap_minutes", "integer")
    .addColumn("days_json", "text", (c) => c.notNull())
    .addColumn("timezone", "text")
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("pick", "text", (c) => c.notNull().defaultTo("random"))
    .addColumn("group_ids_json", "text")
    .addColumn("misfire_grace_minutes", "integer", (c) => c.notNull().defaultTo(15))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("pick_state_json", "text")
    .addColumn("created_at", ms, (c) => c.notNull())
    .addColumn("updated_at", ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("schedules_account").on("schedules").column("account_id").execute();

  await db.schema
    .createTable("planned_days")
    .addColumn("schedule_id", idType, (c) => c.notNull().references("schedules.id").onDelete("cascade"))
    .addColumn("local_date", "text", (c) => c.notNull())
    .addColumn("schedule_version", "integer", (c) => c.notNull())
    .addColumn("planned_at", ms, (c) => c.notNull())
    .addPrimaryKeyConstraint("planned_days_pk", ["schedule_id", "local_date"])
    .execute();

  await db.schema
    .createTable("occurrences")
    .addColumn("id", idType, id)
    .addColumn("job", "text", (c) => c.notNull())
    .addColumn("job_key", "text", (c) => c.notNull())
    .addColumn("schedule_id", idType, (c) => c.references("schedules.id").onDelete("set null"))
    .addColumn("account_id", idType, (c) => c.references("accounts.id").onDelete("cascade"))
    .addColumn("due_at", ms, (c) => c.notNull())
    .addColumn("run_at", ms, (c) => c.notNull())
    .addColumn("slot", "text", (c) => c.notNull())
    .addColumn("local_date", "text")
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("group_id", idType)
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_by", "text")
    .addColumn("lease_until", ms)
    .addColumn("reason", "text")
    .addColumn("payload_json", "text")
    .addColumn("created_at", ms, (c) => c.notNull())
    .addColumn("updated_at", ms, (c) => c.notNull())
    .addColumn("finished_at", ms)
    .addUniqueConstraint("occurrences_job_due", ["job_key", "due_at"])
    .execute();
  await db.schema
    .createIndex("occurrences_state_run")
    .on("occurrences")
    .columns(["state", "run_at"])
    .execute();
  await db.schema
    .createIndex("occurrences_account")
    .on("occurrences")
    .columns(["account_id", "state"])
    .execute();
  await db.schema
    .createIndex("occurrences_schedule")
    .on("occurrences")
    .columns(["schedule_id", "due_at"])
    .execute();
  // At most one running publication per account, across every process: the database enforces it.
  await sql`create unique index occurrences_one_running_per_account on occurrences (account_id) where state = 'running'`.execute(
    db,
  );

  await db.schema
    .createTable("publications")
    .addColumn("id", idType, id)
    .addColumn("occurrence_id", idType, (c) =>
      c.notNull().unique().references("occurrences.id").onDelete("cascade"),
    )
    .addColumn("account_id", idType, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("group_id", idType)
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("created_at", ms, (c) => c.notNull())
    .addColumn("updated_at", ms, (c) => c.notNull())
    .addColumn("published_at", ms)
    .execute();

  await db.schema
    .createTable("publication_parts")
    .addColumn("id", idType, id)
    .addColumn("publication_id", idType, (c) => c.notNull().references("publications.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("children_json", "text")
    .addColumn("container_id", "text")
    .addColumn("media_id", "text")
    .addColumn("permalink", "text")
    .addColumn("error", "text")
    .addColumn("updated_at", ms, (c) => c.notNull())
    .addUniqueConstraint("publication_parts_pos", ["publication_id", "position"])
    .execute();

  await db.schema
    .createTable("insight_snapshots")
    .addColumn("id", idType, id)
    .addColumn("account_id", idType, (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("media_id", "text")
    .addColumn("captured_at", ms, (c) => c.notNull())
    .addColumn("metrics_json", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("insight_snapshots_media")
    .on("insight_snapshots")
    .columns(["account_id", "media_id", "captured_at"])
    .execute();

  await db.schema
    .createTable("app_state")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", ms, (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDB): Promise<void> {
  for (const t of [
    "app_state",
    "insight_snapshots",
    "publication_parts",
    "publications",
    "occurrences",
    "planned_days",
    "schedules",
    "post_parts",
    "post_groups",
    "accounts",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
