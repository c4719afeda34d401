import { Migrator, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { migrateToLatest } from "../src/db/connect.js";
import { dialectOf } from "../src/db/dialect.js";
import { migrationProvider } from "../src/db/migrations/index.js";
import { countPublishedSince } from "../src/publications/publications.repository.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow, occurrenceRow } from "./helpers/fixtures.js";

describe.each(DIALECTS)("database on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  it("migrates, is idempotent, and round-trips bigint instants as numbers", async () => {
    t = await createTestDb(dialect);
    expect(dialectOf(t.db)).toBe(dialect);
    expect(await migrateToLatest(t.db)).toEqual([]);
    const now = 1_790_000_000_123;
    const row = await t.db
      .insertInto("app_state")
      .values({ key: "k", value: "v", updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(row.updated_at).toBe(now);
    expect(typeof row.updated_at).toBe("number");
  });

  it("0003 gives parts published before it their account, so the quota count sees them", async () => {
    t = await createTestDb(dialect);
    const schema =
      dialect === "postgres"
        ? (await sql<{ s: string }>`select current_schema() as s`.execute(t.db)).rows[0]!.s
        : undefined;
    const migrator = new Migrator({
      db: t.db,
      provider: migrationProvider,
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    const down = await migrator.migrateTo("0002-performance-indexes");
    expect(down.error).toBeUndefined();
    const now = Date.UTC(2026, 10, 29);
    const account = await insertAccount(t.db, accountRow(1, now));
    const occ = await t.db
      .insertInto("occurrences")
      .values(occurrenceRow(account.id, now, { state: "published", attempts: 1 }))
      .returning("id")
      .executeTakeFirstOrThrow();
    const publication = await t.db
      .insertInto("publications")
      .values({
        occurrence_id: occ.id,
        account_id: account.id,
        group_id: null,
        state: "published",
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await sql`insert into publication_parts (publication_id, position, state, updated_at)
      values (${publication.id}, 0, 'published', ${now}), (${publication.id}, 1, 'published', ${now})`.execute(
      t.db,
    );

    expect(await migrateToLatest(t.db)).toContain("0003-parts-account");
    const parts = await t.db.selectFrom("publication_parts").select("account_id").execute();
    expect(parts.map((p) => p.account_id)).toEqual([account.id, account.id]);
    expect(await countPublishedSince(t.db, account.id, now - 1)).toEqual({ posts: 1, replies: 1 });
  });
});
