import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { onTestFinished } from "vitest";
import { type Db, migrateToLatest, openDatabase } from "../../src/db/connect.js";
import type { Dialect } from "../../src/db/dialect.js";
import { KEEP_MS, newSchemaName, PG_ADMIN_URL, SQLITE_DIR_PREFIX } from "./kept-databases.js";

export { PG_ADMIN_URL };

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
  /**
   * Closes the connections. Inside a test, the data goes when the test ends: dropped if it passed, kept and
   * named on stderr if it failed; outside one (beforeAll), dropped here.
   */
  destroy(): Promise<void>;
}

/**
 * A fresh, migrated database: a temp SQLite file, or a new PostgreSQL schema. A failed test keeps it and
 * prints e.g. `kept PostgreSQL schema t_… of "test/db.test.ts > … > …"`; the first run after KEEP_MS drops it.
 */
export async function createTestDb(dialect: Dialect): Promise<TestDb> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), SQLITE_DIR_PREFIX));
    const url = join(dir, "test.db");
    const db = openDatabase(url);
    const remove = whenTestEnds(`SQLite database ${url}`, async () => {
      rmSync(dir, { recursive: true, force: true });
    });
    await migrateToLatest(db);
    return {
      dialect,
      db,
      url,
      async destroy() {
        await db.destroy();
        await remove();
      },
    };
  }
  const schema = newSchemaName();
  const admin = openDatabase(PG_ADMIN_URL, { poolSize: 1 });
  await sql`create schema ${sql.id(schema)}`.execute(admin);
  await admin.destroy();
  const url = withSearchPath(PG_ADMIN_URL, schema);
  const db = openDatabase(url);
  const drop = whenTestEnds(`PostgreSQL schema ${schema}`, async () => {
    const cleanup = openDatabase(PG_ADMIN_URL, { poolSize: 1 });
    await sql`drop schema ${sql.id(schema)} cascade`.execute(cleanup);
    await cleanup.destroy();
  });
  await migrateToLatest(db);
  return {
    dialect,
    db,
    url,
    async destroy() {
      await db.destroy();
      await drop();
    },
  };
}

/**
 * Arranges for `remove` to run when the current test ends if it passed; if it failed, the data stays and
 * its name is printed with the test's. Returns what destroy() still has to do: nothing inside a test (the
 * test's end decides, after afterEach hooks have closed the connections), `remove` outside one.
 */
function whenTestEnds(what: string, remove: () => Promise<void>): () => Promise<void> {
  try {
    onTestFinished(async ({ task }) => {
      if (task.result?.state === "fail") {
        console.warn(`kept ${what} of "${task.fullName}" (a run after ${KEEP_MS / 3_600_000} h drops it)`);
        return;
      }
      await remove();
    });
  } catch {
    // Not inside a test (a beforeAll hook): destroy() removes it, whatever the tests do.
    let removed = false;
    return async () => {
      if (removed) return;
      removed = true;
      await remove();
    };
  }
  return async () => {};
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}
