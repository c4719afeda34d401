import { existsSync, realpathSync } from "node:fs";
import { hostname } from "node:os";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import {
  FileLockBusyError,
  FileLockOpenError,
  holdSqliteFileLock,
  type SqliteFileLock,
  sqliteFileLocked,
} from "../db/sqlite-file-lock.js";
import {
  deleteHolderRecord,
  mainDatabaseFile,
  readHolderRecord,
  writeHolderRecord,
} from "./instance-lock.repository.js";
import { recoverLeasesOf } from "./runs.repository.js";

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

/**
 * The runs that `lock`'s dead holder (a previous scheduler that died holding the lock) left `running`, sent to
 * be checked now rather than a lease later. Returns what happened to each, for the caller to report as
 * `abandoned`; none when there was no dead holder.
 */
export async function recoverRunsOfDeadHolder(
  db: Db,
  lock: InstanceLock | undefined,
  now: number,
): Promise<Array<{ runId: number; reason: string }>> {
  if (!lock?.deadHolder) return [];
  const rows = await recoverLeasesOf(db, lock.deadHolder, now);
  return rows.map((run) => ({ runId: run.id, reason: run.reason ?? "its scheduler died" }));
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
 * Holds `lockFile`'s lock (db/sqlite-file-lock.ts): a second holder, in this process or another, cannot get
 * it while it is held, and the kernel frees it when this process dies.
 */
async function holdLockFile(db: Db, lockFile: string, where: string): Promise<SqliteFileLock> {
  try {
    return holdSqliteFileLock(lockFile, WAIT_MS);
  } catch (error) {
    if (error instanceof FileLockOpenError) {
      throw new InstanceLockError(
        `Cannot open the scheduler's lock file ${lockFile}: ${error.message}. It lives next to the SQLite database: check that its folder is writable.`,
        { cause: error.cause },
      );
    }
    if (!(error instanceof FileLockBusyError)) {
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
  return sqliteFileLocked(`${file}.lock`);
}
