import SqliteDatabase from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseIntrospector,
  type Driver,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type TableMetadata,
} from "kysely";
import pg from "pg";
import { dialectOf, isPostgresUrl } from "./dialect.js";
import { migrationProvider, migrations } from "./migrations/index.js";
import type { DB } from "./schema.js";
import { cachingStatements } from "./statement-cache.js";

/** The database, or a transaction on it (a Kysely `Transaction` is a `Kysely`): what every repository takes. */
export type Db = Kysely<DB>;

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
export function openDatabase(url: string, options: OpenOptions = {}): Db {
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

/**
 * `db` as the Migrator sees it, with an introspector that looks only at `schema` (PostgreSQL). Kysely's own
 * reads the columns of every schema of the database to learn whether its migration table exists, calling
 * `pg_get_serial_sequence` on each: when another schema is dropped or altered meanwhile (parallel test schemas,
 * or another app's migrations) that query fails with "schema … does not exist", and so did the migration.
 * The Migrator needs only the names of the schema and of its tables.
 */
// biome-ignore lint/suspicious/noExplicitAny: works for any schema.
function withIntrospectionOf(db: Kysely<any>, schema: string): Kysely<any> {
  const getTables = async (): Promise<TableMetadata[]> => {
    const { rows } = await sql<{ name: string }>`
      select table_name as name from information_schema.tables where table_schema = ${schema}`.execute(db);
    return rows.map((r) => ({ name: r.name, schema, isView: false, columns: [] }));
  };
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`
        select nspname as name from pg_namespace where nspname = ${schema}`.execute(db);
      return rows;
    },
    getTables,
    getMetadata: async () => ({ tables: await getTables() }),
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === "introspection") return introspection;
      const value = Reflect.get(target, property, target);
      // Kysely's methods use private fields: call them on the real instance.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
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
  // Every command migrates first. When nothing is pending, say so without asking the migrator at all.
  if (await allMigrationsApplied(db, migrationTableSchema)) return [];
  const migrator = new Migrator({
    db: migrationTableSchema ? withIntrospectionOf(db, migrationTableSchema) : db,
    provider: migrationProvider,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const what = failed ? `migration ${failed.migrationName}` : "migrations";
    throw new Error(`Database ${what} failed: ${(error as Error | undefined)?.message ?? "unknown error"}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
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
