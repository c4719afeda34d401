import { dirname } from "node:path";

/**
 * A database that cannot be used as it is: missing, unreadable, read-only, damaged, of another version, or a
 * server that cannot be reached. `message` names the file (or server) and says what to do; the CLI prints it.
 */
export class DatabaseError extends Error {
  override name = "DatabaseError";
  constructor(
    /** What went wrong, for callers (and tests) that branch on it. */
    readonly reason: DatabaseProblem,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

export type DatabaseProblem =
  | "missing"
  | "missing_folder"
  | "not_a_file"
  | "empty"
  | "old_schema"
  | "newer_schema"
  | "not_a_database"
  | "read_only"
  | "folder_read_only"
  | "cannot_open"
  | "locked"
  | "disk_full"
  | "io_error"
  | "unreachable"
  | "no_such_database"
  | "login_refused"
  | "no_permission";

/** The database as messages name it: the SQLite file's absolute path, or the URL without its password. */
export interface DatabaseTarget {
  dialect: "sqlite" | "postgres";
  /** The file path (SQLite) or the URL with the password hidden (PostgreSQL). */
  name: string;
}

/**
 * Explains a driver error (better-sqlite3 or pg) about `target` as a DatabaseError; undefined when the error
 * is not about the database itself (a constraint, a bug), so that it is reported as it is.
 */
export function explainDatabaseError(error: unknown, target: DatabaseTarget): DatabaseError | undefined {
  if (error instanceof DatabaseError) return error;
  const code = codeOf(error);
  if (code === undefined) return undefined;
  const detail = error instanceof Error ? error.message : String(error);
  const fail = (reason: DatabaseProblem, message: string) =>
    new DatabaseError(reason, message, { cause: error });
  if (target.dialect === "sqlite") {
    const file = target.name;
    switch (code) {
      case "SQLITE_NOTADB":
      case "SQLITE_CORRUPT":
      case "SQLITE_CORRUPT_INDEX":
      case "SQLITE_CORRUPT_SEQUENCE":
      case "SQLITE_CORRUPT_VTAB":
        return fail(
          "not_a_database",
          `${file} is not a database, or it is damaged (SQLite: ${detail}). Restore it from a backup, or point DATABASE_URL (or DATA_DIR) at the right file.`,
        );
      case "SQLITE_READONLY":
      case "SQLITE_READONLY_DBMOVED":
        return fail(
          "read_only",
          `Cannot write to the database ${file}: the file is read-only for this user. Make it writable (for example \`chmod u+w ${file}\`, or \`chown\` it to the user that runs threads-scheduler) and run the command again.`,
        );
      case "SQLITE_READONLY_DIRECTORY":
      case "SQLITE_READONLY_CANTINIT":
      case "SQLITE_READONLY_CANTLOCK":
      case "SQLITE_READONLY_RECOVERY":
        return fail(
          "folder_read_only",
          `Cannot use the database ${file}: its folder ${dirname(file)} is not writable for this user, and SQLite needs to create its write-ahead log (${file}-wal, ${file}-shm) there, even to read. Make the folder and the file writable for the user that runs threads-scheduler (chmod/chown) and run the command again.`,
        );
      case "SQLITE_CANTOPEN":
      case "SQLITE_CANTOPEN_ISDIR":
      case "SQLITE_CANTOPEN_FULLPATH":
      case "SQLITE_PERM":
      case "SQLITE_AUTH":
        return fail(
          "cannot_open",
          `Cannot open the database ${file} (SQLite: ${detail}). Check that the file exists and that this user may read and write it and its folder ${dirname(file)}.`,
        );
      case "SQLITE_BUSY":
      case "SQLITE_BUSY_SNAPSHOT":
      case "SQLITE_LOCKED":
        return fail(
          "locked",
          `The database ${file} stayed locked by another process for 10 seconds (SQLite: ${detail}). Try again; if it lasts, check which process holds the file (for example \`fuser ${file}\`).`,
        );
      case "SQLITE_FULL":
        return fail(
          "disk_full",
          `Cannot write to the database ${file}: the disk is full. Free some space and run the command again.`,
        );
      default:
        if (code.startsWith("SQLITE_IOERR")) {
          return fail(
            "io_error",
            `Reading or writing the database ${file} failed (SQLite ${code}: ${detail}). Check the disk and the file system, then run the command again.`,
          );
        }
        return undefined;
    }
  }
  const server = target.name;
  switch (code) {
    case "ECONNREFUSED":
    case "ECONNRESET":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "ETIMEDOUT":
    case "CONNECT_TIMEOUT":
    case "CONNECTION_CLOSED":
      return fail(
        "unreachable",
        `Cannot connect to PostgreSQL at ${server} (${code === "CONNECT_TIMEOUT" ? "no answer within 10 seconds" : code === "CONNECTION_CLOSED" ? "the server closed the connection" : detail}). Check that the server is running and that DATABASE_URL names the right host and port.`,
      );
    case "3D000":
      return fail(
        "no_such_database",
        `${detail} on the PostgreSQL server of ${server}. Create it (for example \`createdb ${databaseNameOf(server)}\`) or fix the database name in DATABASE_URL.`,
      );
    case "28P01":
    case "28000":
      return fail(
        "login_refused",
        `PostgreSQL refused the login for ${server} (${detail}). Check the user and password in DATABASE_URL.`,
      );
    case "42501":
      return fail(
        "no_permission",
        `PostgreSQL denied access for ${server} (${detail}). Grant the user of DATABASE_URL the rights on its schema, or use the user that owns it.`,
      );
    case "25006":
      return fail(
        "read_only",
        `The PostgreSQL database ${server} is read-only (${detail}): point DATABASE_URL at the primary server, not a standby.`,
      );
    default:
      return undefined;
  }
}

/** The code of a driver error: SQLite's `SQLITE_…`, PostgreSQL's SQLSTATE, a socket's errno name, or ours. */
function codeOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code !== "") return code;
  // pg reports a connection timeout as a plain Error.
  if (/timeout expired|connection timeout/i.test(error.message)) return "CONNECT_TIMEOUT";
  if (/connection terminated unexpectedly/i.test(error.message)) return "CONNECTION_CLOSED";
  // Several addresses tried (localhost: ::1 and 127.0.0.1): the first says why.
  if (error instanceof AggregateError) return codeOf(error.errors[0]);
  return undefined;
}

function databaseNameOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, "")) || "NAME";
  } catch {
    return "NAME";
  }
}
