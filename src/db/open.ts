import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { sql } from "kysely";
import { type Db, migrateToLatest, openDatabase, sqliteFileOf } from "./connect.js";
import { dialectOf, isPostgresUrl } from "./dialect.js";
import { DatabaseError, type DatabaseTarget, explainDatabaseError } from "./errors.js";
import { migrations } from "./migrations/index.js";

/**
 * What a command does with the database:
 * - `read`: only reads. A database that does not exist is an error and nothing is created; the schema is not
 *   migrated (an older one is an error that says to run `migrate`).
 * - `write`: changes data in an existing database, migrating it first. A missing one is an error.
 * - `create`: `start` and `migrate`, the commands of a first run: they create the database file (and DATA_DIR
 *   itself, but no other folder) and its schema.
 */
export type DatabaseUse = "read" | "write" | "create";

export interface OpenForUseOptions {
  use: DatabaseUse;
  /** DATA_DIR (absolute): the one folder `create` may make, when its own parent exists. */
  dataDir: string;
  /** Where the location came from, for the message about a database that is not there. */
  locatedBy: DatabaseLocatedBy;
  poolSize?: number;
}

/** How the database location was chosen (config.databaseLocatedBy). */
export type DatabaseLocatedBy = "DATABASE_URL" | "DATA_DIR" | "default";

export function databaseTarget(url: string, describe: (url: string) => string): DatabaseTarget {
  return isPostgresUrl(url)
    ? { dialect: "postgres", name: describe(url) }
    : { dialect: "sqlite", name: sqliteFileOf(url) };
}

/**
 * Opens the database for a command's use, checks that it is one of ours at a version this program knows,
 * and migrates it when the use allows. Every failure is a DatabaseError naming the file or server.
 */
export async function openForUse(
  url: string,
  target: DatabaseTarget,
  options: OpenForUseOptions,
): Promise<Db> {
  const { use } = options;
  const sqliteFile = isPostgresUrl(url) ? undefined : sqliteFileOf(url);
  if (sqliteFile !== undefined && sqliteFile !== ":memory:") prepareSqlitePath(sqliteFile, options);
  let db: Db | undefined;
  try {
    db = openDatabase(url, {
      ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
      fileMustExist: use !== "create",
      // Switching to WAL writes to the file: only once it is known to be ours (and never for a read).
      keepJournalMode: use !== "create",
    });
    const applied = await appliedMigrations(db);
    if (applied === undefined && use !== "create") throw notOurs(target);
    const known = new Set(Object.keys(migrations));
    const unknown = (applied ?? []).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new DatabaseError(
        "newer_schema",
        `The database ${target.name} was upgraded by a newer version of threads-scheduler (it has migration ${unknown.join(", ")}, which this version does not know). Run that newer version, or restore a backup made before the upgrade.`,
      );
    }
    const pending = [...known].filter((name) => !(applied ?? []).includes(name));
    if (use === "write" && dialectOf(db) === "sqlite") await sql`pragma journal_mode = WAL`.execute(db);
    if (pending.length > 0) {
      if (use === "read") {
        throw new DatabaseError(
          "old_schema",
          `The database ${target.name} has an older schema (${pending.length} migration(s) to apply: ${pending.join(", ")}). Run \`threads-scheduler migrate\` first (\`start\` does it too); this command only reads and changes nothing.`,
        );
      }
      await migrateToLatest(db);
    } else if (use !== "read") {
      // A write that changes nothing: a read-only file (or a standby server, or missing rights) is reported
      // now, before the command has read anything or called Threads, rather than by its first real write.
      await db.deleteFrom("app_state").where("key", "=", "write probe").execute();
    }
    return db;
  } catch (error) {
    await db?.destroy().catch(() => {});
    // migrateToLatest wraps the driver's error, which is the one with the code to explain.
    const cause = error instanceof Error ? error.cause : undefined;
    throw explainDatabaseError(error, target) ?? explainDatabaseError(cause, target) ?? error;
  }
}

/**
 * Checks the SQLite path before opening: a folder in place of the file, a missing file (unless creating),
 * a missing folder (only DATA_DIR itself is ever created, and only when its parent exists).
 */
function prepareSqlitePath(file: string, options: OpenForUseOptions): void {
  const stat = statOf(file);
  if (stat?.isDirectory()) {
    throw new DatabaseError(
      "not_a_file",
      `${file} is a folder, not a database file. Move it out of the way, or point DATABASE_URL (or DATA_DIR) at your data.`,
    );
  }
  if (stat) return;
  const folder = dirname(file);
  if (options.use !== "create") throw missing(file, folder, options);
  const folderStat = statOf(folder);
  if (folderStat?.isDirectory()) return;
  if (folderStat) {
    throw new DatabaseError(
      "missing_folder",
      `Cannot create the database ${file}: ${folder} is a file, not a folder. Fix DATABASE_URL or DATA_DIR.`,
    );
  }
  if (folder === options.dataDir && statOf(dirname(folder))?.isDirectory()) {
    mkdirSync(folder);
    return;
  }
  throw new DatabaseError(
    "missing_folder",
    `Cannot create the database ${file}: the folder ${folder} does not exist. Create it first (\`mkdir -p ${folder}\`) or fix ${options.locatedBy === "DATABASE_URL" ? "DATABASE_URL" : "DATA_DIR"}; threads-scheduler creates no folder but DATA_DIR itself.`,
  );
}

function missing(file: string, folder: string, options: OpenForUseOptions): DatabaseError {
  const where =
    options.locatedBy === "DATABASE_URL"
      ? "(the file DATABASE_URL names)"
      : options.locatedBy === "DATA_DIR"
        ? `(in DATA_DIR ${options.dataDir})`
        : `(neither DATA_DIR nor DATABASE_URL is set, so the data is looked for in ./data of the current folder, ${dirname(options.dataDir)})`;
  const folderNote = statOf(folder)?.isDirectory() ? "" : ` The folder ${folder} does not exist either.`;
  return new DatabaseError(
    "missing",
    `No database at ${file} ${where}.${folderNote} Nothing was created. If your data is elsewhere, point DATA_DIR at its folder (for example \`--data-dir /path/to/data\`) or DATABASE_URL at the file; to start a new database there, run \`threads-scheduler migrate\` (or \`start\`).`,
  );
}

function notOurs(target: DatabaseTarget): DatabaseError {
  return new DatabaseError(
    "empty",
    target.dialect === "sqlite"
      ? `The file ${target.name} holds no threads-scheduler data (it is empty or belongs to something else). Point DATABASE_URL or DATA_DIR at your data, or run \`threads-scheduler migrate\` to create the schema in this file.`
      : `The PostgreSQL database ${target.name} has no threads-scheduler tables (in its current schema). Run \`threads-scheduler migrate\` to create them, or fix DATABASE_URL (database name, or \`options=-c search_path=…\`).`,
  );
}

/** The migrations applied to the database, or undefined when it has no migration table (not ours, or new). */
async function appliedMigrations(db: Db): Promise<string[] | undefined> {
  const present =
    dialectOf(db) === "postgres"
      ? (await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db))
          .rows[0]?.t != null
      : (
          await sql<{
            n: number;
          }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(
            db,
          )
        ).rows[0]?.n !== 0;
  if (!present) return undefined;
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}

function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new DatabaseError(
      "cannot_open",
      `Cannot look at ${path}: ${(error as Error).message}. Check that this user may read its folder.`,
      { cause: error },
    );
  }
}
