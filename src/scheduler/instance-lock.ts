import { hostname } from "node:os";
import type { Database } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";

const KEY = "scheduler_instance";
/** A lock holder on another host is presumed dead when its heartbeat is older than this. */
const STALE_MS = 60_000;

interface Holder {
  nodeId: string;
  pid: number;
  host: string;
  heartbeatAt: number;
}

export interface InstanceLock {
  /** The node id of a previous scheduler that died holding the lock (its runs can be recovered at once). */
  deadHolder: string | undefined;
  release(): Promise<void>;
}

export class InstanceLockError extends Error {
  override name = "InstanceLockError";
}

/**
 * SQLite is single-instance: a second scheduler on the same file refuses to start. The holder is known
 * dead when its pid is gone (same host) or its heartbeat is stale (another host), so a crash never
 * blocks a restart. PostgreSQL needs no lock: any number of engines share the work.
 */
export async function acquireInstanceLock(
  db: Database,
  nodeId: string,
  now: () => number,
  where: string,
): Promise<InstanceLock | undefined> {
  if (dialectOf(db) === "postgres") return undefined;
  const me: Holder = { nodeId, pid: process.pid, host: hostname(), heartbeatAt: now() };
  let deadHolder: string | undefined;
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("app_state").select("value").where("key", "=", KEY).executeTakeFirst();
    if (row) {
      const other = JSON.parse(row.value) as Holder;
      if (other.nodeId !== nodeId && isAlive(other, now())) {
        throw new InstanceLockError(
          `Another threads-scheduler (pid ${other.pid} on ${other.host}) is already running on the SQLite database ${where}. ` +
            "SQLite allows one running scheduler: stop the other one first, or use PostgreSQL (DATABASE_URL=postgres://…) to run several.",
        );
      }
      if (other.nodeId !== nodeId) deadHolder = other.nodeId;
    }
    await trx
      .insertInto("app_state")
      .values({ key: KEY, value: JSON.stringify(me), updated_at: me.heartbeatAt })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet({ value: JSON.stringify(me), updated_at: me.heartbeatAt }),
      )
      .execute();
  });
  const beat = setInterval(() => {
    const t = now();
    void db
      .updateTable("app_state")
      .set({ value: JSON.stringify({ ...me, heartbeatAt: t }), updated_at: t })
      .where("key", "=", KEY)
      .execute()
      .catch(() => {});
  }, STALE_MS / 4);
  beat.unref();
  return {
    deadHolder,
    async release() {
      clearInterval(beat);
      const row = await db.selectFrom("app_state").select("value").where("key", "=", KEY).executeTakeFirst();
      if (row && (JSON.parse(row.value) as Holder).nodeId === nodeId) {
        await db.deleteFrom("app_state").where("key", "=", KEY).execute();
      }
    },
  };
}

function isAlive(holder: Holder, now: number): boolean {
  if (holder.host === hostname()) {
    try {
      process.kill(holder.pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  return now - holder.heartbeatAt < STALE_MS;
}

/**
 * Whether a scheduler is running on this database, as far as can be known without asking it: on SQLite, the
 * instance record of `acquireInstanceLock` and whether its holder is alive; on PostgreSQL engines keep no such
 * record, so undefined (unknown).
 */
export async function schedulerRunning(db: Database, now: number): Promise<boolean | undefined> {
  if (dialectOf(db) === "postgres") return undefined;
  const row = await db.selectFrom("app_state").select("value").where("key", "=", KEY).executeTakeFirst();
  if (!row) return false;
  try {
    return isAlive(JSON.parse(row.value) as Holder, now);
  } catch {
    return false;
  }
}
