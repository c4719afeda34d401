import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { type Db, migrateToLatest, openDatabase } from "../../src/db/connect.js";
import type { Dialect } from "../../src/db/dialect.js";

export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const pgAvailable = await postgresReachable();
if (!pgAvailable) {
  if (process.env.CI === "true") {
    throw new Error(
      `CI=true but PostgreSQL is not reachable at ${PG_ADMIN_URL}: the PostgreSQL half must run in CI.`,
    );
  }
  console.warn(
    `PostgreSQL is not reachable at ${PG_ADMIN_URL}: skipping the PostgreSQL half. Start PostgreSQL or set TEST_DATABASE_URL to run it.`,
  );
}

/** The dialects every repository and engine test runs on. */
export const DIALECTS: Dialect[] = pgAvailable ? ["sqlite", "postgres"] : ["sqlite"];

export interface TestDb {
  dialect: Dialect;
  db: Db;
  /** A URL another process can open to reach the same data. */
  url: string;
  destroy(): Promise<void>;
}

/** A fresh, migrated database: a temp SQLite file, or a new PostgreSQL schema. */
export async function createTestDb(dialect: Dialect): Promise<TestDb> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "ts-test-"));
    const url = join(dir, "test.db");
    const db = openDatabase(url);
    await migrateToLatest(db);
    return {
      dialect,
      db,
      url,
      async destroy() {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = openDatabase(PG_ADMIN_URL, { poolSize: 1 });
  await sql`create schema ${sql.id(schema)}`.execute(admin);
  await admin.destroy();
  const url = withSearchPath(PG_ADMIN_URL, schema);
  const db = openDatabase(url);
  await migrateToLatest(db);
  return {
    dialect,
    db,
    url,
    async destroy() {
      await db.destroy();
      const cleanup = openDatabase(PG_ADMIN_URL, { poolSize: 1 });
      await sql`drop schema ${sql.id(schema)} cascade`.execute(cleanup);
      await cleanup.destroy();
    },
  };
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}
