import { existsSync, realpathSync } from "node:fs";
import { hostname } from "node:os";
import SqliteDatabase from "better-sqlite3";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import {
  deleteHolderRecord,
  mainDatabaseFile,
  readHolderRecord,
  writeHolderRecord,
} from "./instance-lock.repository.js";

/**
 * How long a start waits for the lock before refusing: a holder that was just killed (`kill -9`, then a restart
 * at once) may still be on its way out for a few milliseconds; the kernel frees its lock as it dies.
 */
const WAIT_MS = 1_000;

/** Who holds the lock, for the message a refused start shows (the lock itself is the kernel's). */
interface Holder {
  nodeId: string;
  pid: number;
  host: string;
  startedAt?: number;
}

export interface InstanceLock {
  /** The node id of a previous scheduler that died holding the lock (its runs can be recovered at once). */
  deadHolder: string | undefined;
  /** The lock file held (undefined for an in-memory database). */
  lockFile: string | undefined;
  /** Idempotent. */
  release(): Promise<void>;
}

export class InstanceLockError extends Error {
  override name = "InstanceLockError";
}

/**
 * SQLite is single-instance: a second scheduler on the same file refuses to start. The lock is an exclusive
 * SQLite lock on a file next to the database (`<db>.lock`), held by a connection of its own for the life of the
 * process. It is a POSIX record lock, which the kernel drops the moment the process dies, however it dies, so
 * nothing can pass for a living holder: not a zombie, not a new process that got the same pid (a container
 * restart). The `app_state` record only names the holder (pid, host) for the message, and a record left by a
 * holder that no longer holds the lock names a scheduler that died, whose runs can be recovered at once.
 * PostgreSQL needs no lock: any number of engines share the work.
 */
export async function acquireInstanceLock(
  db: Db,
  nodeId: string,
  now: () => number,
  where: string,
): Promise<InstanceLock | undefined> {
  if (dialectOf(db) === "postgres") return undefined;
  const file = await databaseFile(db);
  const lockFile = file ? `${file}.lock` : undefined;
  const held = lockFile ? await holdLockFile(db, lockFile, where) : undefined;
  const me: Holder = { nodeId, pid: process.pid, host: hostname(), startedAt: now() };
  const mine = JSON.stringify(me);
  let deadHolder: string | undefined;
  try {
    await db.transaction().execute(async (trx) => {
      const recorded = await readHolderRecord(trx);
      const other = recorded === undefined ? undefined : parseHolder(recorded);
      if (other && other.nodeId !== nodeId) {
        // An in-memory database has no file to lock; its record can only be from this very process.
        if (!held) throw refusal(other, where, undefined);
        deadHolder = other.nodeId;
      }
      await writeHolderRecord(trx, mine, me.startedAt!);
    });
  } catch (error) {
    held?.close();
    throw error;
  }
  let released = false;
  return {
    deadHolder,
    lockFile,
    async release() {
      if (released) return;
      released = true;
      try {
        // Only this process's own record (nothing rewrites it while the lock is held).
        await deleteHolderRecord(db, mine);
      } finally {
        held?.close();
      }
    },
  };
}

/** The main database's file (resolved through symlinks), or undefined for an in-memory database. */
async function databaseFile(db: Db): Promise<string | undefined> {
  const file = await mainDatabaseFile(db);
  if (!file) return undefined;
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Opens `lockFile` as a SQLite database of its own and holds an exclusive transaction on it: that takes the
 * file's POSIX lock, which a second connection (in this process or another) cannot get while it is held. The
 * journal stays in memory, so the file stays empty and a crash leaves nothing to roll back.
 */
async function holdLockFile(db: Db, lockFile: string, where: string): Promise<SqliteDatabase.Database> {
  let conn: SqliteDatabase.Database;
  try {
    conn = new SqliteDatabase(lockFile, { timeout: WAIT_MS });
  } catch (error) {
    throw new InstanceLockError(
      `Cannot open the scheduler's lock file ${lockFile}: ${(error as Error).message}. It lives next to the SQLite database: check that its folder is writable.`,
      { cause: error },
    );
  }
  try {
    conn.pragma("journal_mode = MEMORY");
    conn.exec("begin exclusive");
    return conn;
  } catch (error) {
    conn.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") {
      throw new InstanceLockError(`Cannot lock ${lockFile}: ${(error as Error).message}.`, { cause: error });
    }
    const recorded = await readHolderRecord(db);
    throw refusal(recorded === undefined ? undefined : parseHolder(recorded), where, lockFile);
  }
}

function refusal(holder: Holder | undefined, where: string, lockFile: string | undefined): InstanceLockError {
  const who = holder ? ` (pid ${holder.pid} on ${holder.host})` : "";
  const how = lockFile ? ` It holds ${lockFile}.` : "";
  return new InstanceLockError(
    `Another threads-scheduler${who} is already running on the SQLite database ${where}.${how} ` +
      "SQLite allows one running scheduler: stop the other one first, or use PostgreSQL (DATABASE_URL=postgres://…) to run several.",
  );
}

function parseHolder(value: string): Holder | undefined {
  try {
    const h = JSON.parse(value) as Partial<Holder>;
    return typeof h.nodeId === "string"
      ? { nodeId: h.nodeId, pid: Number(h.pid), host: String(h.host ?? "?") }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a scheduler is running on this database, as far as can be known without asking it: on SQLite, whether
 * the lock file of `acquireInstanceLock` is held right now (tried without waiting, then let go at once); on
 * PostgreSQL engines hold no such lock, so undefined (unknown).
 */
export async function schedulerRunning(db: Db): Promise<boolean | undefined> {
  if (dialectOf(db) === "postgres") return undefined;
  const file = await databaseFile(db);
  if (!file || !existsSync(`${file}.lock`)) return false;
  let conn: SqliteDatabase.Database | undefined;
  try {
    conn = new SqliteDatabase(`${file}.lock`, { timeout: 0 });
    conn.pragma("journal_mode = MEMORY");
    conn.exec("begin exclusive");
    conn.exec("rollback");
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "SQLITE_BUSY" ? true : undefined;
  } finally {
    conn?.close();
  }
}
