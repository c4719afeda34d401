import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { type Db, migrateToLatest, openDatabase } from "../../src/db/connect.js";
import type { Dialect } from "../../src/db/dialect.js";

/** The PostgreSQL server benchmarks use: a fresh schema per run, dropped afterwards. */
export const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface BenchDb {
  dialect: Dialect;
  db: Db;
  /** What another process sets DATABASE_URL to. */
  url: string;
  /** A scratch folder (DATA_DIR of spawned processes, the SQLite file). */
  dir: string;
  destroy(): Promise<void>;
}

/** A fresh, migrated database: a temp SQLite file, or a new PostgreSQL schema. */
export async function freshDb(dialect: Dialect): Promise<BenchDb> {
  const dir = mkdtempSync(join(tmpdir(), "ts-bench-"));
  if (dialect === "sqlite") {
    const url = join(dir, "bench.db");
    const db = openDatabase(url);
    await migrateToLatest(db);
    return {
      dialect,
      db,
      url,
      dir,
      async destroy() {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `bench_${randomBytes(5).toString("hex")}`;
  const admin = openDatabase(PG_URL, { poolSize: 1 });
  try {
    await sql`create schema ${sql.id(schema)}`.execute(admin);
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL} (${(error as Error).message}). Start it, set BENCH_DATABASE_URL, or run with --dialects sqlite.`,
      { cause: error },
    );
  } finally {
    await admin.destroy();
  }
  const u = new URL(PG_URL);
  u.searchParams.set("options", `-c search_path=${schema}`);
  const url = u.toString();
  const db = openDatabase(url);
  await migrateToLatest(db);
  return {
    dialect,
    db,
    url,
    dir,
    async destroy() {
      await db.destroy();
      const cleanup = openDatabase(PG_URL, { poolSize: 1 });
      await sql`drop schema ${sql.id(schema)} cascade`.execute(cleanup);
      await cleanup.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
