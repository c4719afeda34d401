/**
 * Test databases that outlive their test: a failed test keeps its PostgreSQL schema (or SQLite file) so that
 * it can be looked at (pg-boss `test/hooks.ts` does the same). Their names carry their creation time, so that
 * the first run after a day drops them (vitest `globalSetup`, test/helpers/global-setup.ts) and they do not
 * pile up. Nothing here imports vitest: the global setup runs outside any test.
 */

import { randomBytes } from "node:crypto";
import { readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** How long a kept database stays before a run drops it. */
export const KEEP_MS = 24 * 3_600_000;

/** `t_{creation ms}_{random}`: unique, and old ones are found by name alone. */
const SCHEMA_NAME = /^t_(\d{13})_[0-9a-f]{12}$/;

/** The folder prefix of SQLite test databases in the temp directory. */
export const SQLITE_DIR_PREFIX = "ts-test-";

export function newSchemaName(now = Date.now()): string {
  return `t_${now}_${randomBytes(6).toString("hex")}`;
}

/**
 * Drops the test schemas and removes the SQLite test folders created more than KEEP_MS ago (those a failed
 * test kept, or a run that was killed left). Other schemas are left alone, whatever their name.
 */
export async function dropStaleTestDatabases(
  now = Date.now(),
): Promise<{ schemas: string[]; dirs: string[] }> {
  const dirs: string[] = [];
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(SQLITE_DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      if (now - statSync(dir).mtimeMs < KEEP_MS) continue;
      rmSync(dir, { recursive: true, force: true });
      dirs.push(dir);
    } catch {
      // Gone already, or another user's.
    }
  }
  const schemas: string[] = [];
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
  } catch {
    return { schemas, dirs }; // No PostgreSQL: db.ts says so when a test file loads.
  }
  try {
    const { rows } = await client.query<{ name: string }>(
      "select nspname as name from pg_namespace where nspname like 't\\_%'",
    );
    for (const { name } of rows) {
      const created = SCHEMA_NAME.exec(name)?.[1];
      if (created === undefined || now - Number(created) < KEEP_MS) continue;
      await client.query(`drop schema if exists "${name}" cascade`);
      schemas.push(name);
    }
  } finally {
    await client.end().catch(() => {});
  }
  return { schemas, dirs };
}
