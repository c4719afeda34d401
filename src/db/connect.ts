import SqliteDatabase from "better-sqlite3";
import { CompiledQuery, type Driver, Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { dialectOf, isPostgresUrl } from "./dialect.js";
import { migrationProvider, migrations } from "./migrations/index.js";
import type { DB } from "./schema.js";
import { cachingStatements } from "./statement-cache.js";

export type Database = Kysely<DB>;

export interface OpenOptions {
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
  /**
   * SQLite: fail instead of creating the file when it does not exist (default false). Folders are never
   * created: a missing folder is an error, so a mistyped path does not silently start an empty database.
   */
  fileMustExist?: boolean;
  /**
   * SQLite: leave the journal mode as the file has it (default false: switch to WAL). Switching writes to the
   * file, which a command that only reads must not do.
   */
  keepJournalMode?: boolean;
}

/**
 * How long a PostgreSQL connection attempt may take before it fails with a message: pg waits forever by
 * default, and a server that drops packets (a firewall, a wrong host) then hung every command.
 */
export const PG_CONNECT_TIMEOUT_MS = 10_000;

/** The SQLite file a URL names (`sqlite:` prefix allowed), or `:memory:`. */
export function sqliteFileOf(url: string): string {
  return url.startsWith("sqlite:") ? url.slice("sqlite:".length).replace(/^\/\//, "") : url;
}

const INT8_OID = 20;

/** Opens the database named by a URL: `postgres://…` or a SQLite file path (`:memory:` allowed). */
export function openDatabase(url: string, options: OpenOptions = {}): Database {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
      // Instants are bigint milliseconds: well inside Number's exact range.
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === INT8_OID
            ? (v: string) => Number(v)
            : pg.types.getTypeParser(oid, format as "text")) as never,
      },
    });
    return new Kysely<DB>({
      dialect: new PostgresDialect({
        pool,
        // PostgreSQL's JIT compiles any query it estimates as costly; the claim query at 10,000 accounts is
        // estimated so and spent ~270 ms compiling for a ~40 ms run (docs/benchmarks.md). Short OLTP queries only.
        onCreateConnection: (connection) =>
          connection.executeQuery(CompiledQuery.raw("set jit = off")).then(() => {}),
      }),
    });
  }
  const file = sqliteFileOf(url);
  const sqlite = new SqliteDatabase(file, { fileMustExist: options.fileMustExist ?? false });
  try {
    if (!options.keepJournalMode) sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 10000");
    sqlite.pragma("foreign_keys = ON");
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database: cachingStatements(sqlite) }) });
}

/**
 * SQLite transactions begin IMMEDIATE: the write lock is taken at BEGIN, waiting up to the busy timeout. A
 * deferred transaction that reads first holds a snapshot, and if another process writes before its first
 * write, that write fails at once with SQLITE_BUSY_SNAPSHOT, whatever the busy timeout: seen when `reload`
 * planned (its page transaction reads its schedules first) while the service was posting.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    };
    return driver;
  }
}

/** Runs every pending migration; throws with the failing migration's name. */
// biome-ignore lint/suspicious/noExplicitAny: works for any schema.
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // Kysely looks for its migration tables in every schema unless told which: with another schema of the same
  // database holding them (another app, or parallel test schemas) it would skip creating ours.
  const migrationTableSchema =
    dialectOf(db) === "postgres"
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  // Every command migrates first. When nothing is pending, say so without Kysely's introspection: it reads the
  // catalog of every schema (slow on a large database) and fails if another schema is dropped meanwhile.
  if (await allMigrationsApplied(db, migrationTableSchema)) return [];
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's introspection reads every schema's catalog; a schema or table dropped by someone else at that
  // moment (PostgreSQL 3F000 / 42P01 about a schema that is not ours) fails the read before anything ran: again.
  for (let retry = 0; retry < 3 && droppedMeanwhile(error, migrationTableSchema); retry++) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const what = failed ? `migration ${failed.migrationName}` : "migrations";
    throw new Error(`Database ${what} failed: ${(error as Error | undefined)?.message ?? "unknown error"}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

function droppedMeanwhile(error: unknown, ours: string | undefined): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return (
    (e?.code === "3F000" || e?.code === "42P01") && ours !== undefined && !String(e.message).includes(ours)
  );
}

// biome-ignore lint/suspicious/noExplicitAny: works for any schema.
async function allMigrationsApplied(db: Kysely<any>, schema: string | undefined): Promise<boolean> {
  const table = schema ? sql.table(`${schema}.kysely_migration`) : sql.table("kysely_migration");
  try {
    const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db);
    const applied = new Set(rows.map((r) => r.name));
    return Object.keys(migrations).every((name) => applied.has(name));
  } catch {
    return false; // no migration table yet: a new database
  }
}
