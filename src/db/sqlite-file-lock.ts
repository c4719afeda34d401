import SqliteDatabase from "better-sqlite3";

/**
 * A file lock that the kernel drops the moment its process dies, however it dies: an exclusive SQLite
 * transaction on a file of its own, which takes the file's POSIX record lock. The journal stays in memory, so
 * the file stays empty and a crash leaves nothing to roll back. `scheduler/instance-lock.ts` builds the
 * one-scheduler-per-SQLite-database rule on it; this module is only the SQLite primitive.
 */
export interface SqliteFileLock {
  /** Lets go of the lock (closes its connection). Idempotent. */
  close(): void;
}

/** The lock is held by another connection (this process or another): SQLITE_BUSY after waiting. */
export class FileLockBusyError extends Error {
  override name = "FileLockBusyError";
}

/**
 * Holds an exclusive lock on `file` (created if missing) until `close()`, waiting up to `waitMs` for a holder
 * to let go. Throws FileLockBusyError when it is still held then, FileLockOpenError when the file cannot be
 * opened, and the driver's error when it cannot be locked for another reason.
 */
export function holdSqliteFileLock(file: string, waitMs: number): SqliteFileLock {
  let conn: SqliteDatabase.Database;
  try {
    conn = new SqliteDatabase(file, { timeout: waitMs });
  } catch (error) {
    throw new FileLockOpenError(file, error);
  }
  try {
    conn.pragma("journal_mode = MEMORY");
    conn.exec("begin exclusive");
  } catch (error) {
    conn.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY") {
      throw new FileLockBusyError(`${file} is locked`, { cause: error });
    }
    throw error;
  }
  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      conn.close();
    },
  };
}

/** The lock file could not be opened at all (a folder that is not writable, …). */
export class FileLockOpenError extends Error {
  override name = "FileLockOpenError";
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause), { cause });
  }
}

/**
 * Whether `file` is locked by someone right now: tried without waiting, then let go at once. Undefined when
 * that cannot be known (the file cannot be opened, another error).
 */
export function sqliteFileLocked(file: string): boolean | undefined {
  try {
    holdSqliteFileLock(file, 0).close();
    return false;
  } catch (error) {
    return error instanceof FileLockBusyError ? true : undefined;
  }
}
