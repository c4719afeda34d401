import { afterEach, describe, expect, it } from "vitest";
import { migrateToLatest } from "../src/db/connect.js";
import { dialectOf } from "../src/db/dialect.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";

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
});
