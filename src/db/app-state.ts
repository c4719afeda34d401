import type { Db } from "./connect.js";

/**
 * The `app_state` table: small records the processes on one database share, one value (text, often JSON) per
 * key. This module is its one owner: the SQL is here, and each feature keeps its key and what the value means
 * in its own module (the sandbox record in app/sandbox-record.ts, the instance lock's holder in
 * scheduler/instance-lock.repository.ts, the key check in accounts/key-check.repository.ts). Every function
 * takes the caller's `Db`, a transaction included.
 */

/** The value recorded under `key`, or undefined when none is. */
export async function getAppState(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom("app_state").select("value").where("key", "=", key).executeTakeFirst();
  return row?.value;
}

/** Records `value` under `key` unless a value is there already (which is then kept). */
export async function insertAppStateIfAbsent(db: Db, key: string, value: string, now: number): Promise<void> {
  await db
    .insertInto("app_state")
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
}

/** Records `value` under `key`, replacing any previous value. */
export async function replaceAppState(db: Db, key: string, value: string, now: number): Promise<void> {
  await db
    .insertInto("app_state")
    .values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value, updated_at: now }))
    .execute();
}

/** Deletes the record of `key` if its value is still `value` (a process removes only its own). */
export async function deleteAppStateIfValue(db: Db, key: string, value: string): Promise<void> {
  await db.deleteFrom("app_state").where("key", "=", key).where("value", "=", value).execute();
}

/** Whether the database answers a read (throws when it does not). */
export async function readAnyAppState(db: Db): Promise<void> {
  await db.selectFrom("app_state").select("key").limit(1).execute();
}
