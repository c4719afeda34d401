import { sql } from "kysely";
import { deleteAppStateIfValue, getAppState, replaceAppState } from "../db/app-state.js";
import type { Db } from "../db/connect.js";

/** The `app_state` record that names the scheduler holding a SQLite database's instance lock. */
const KEY = "scheduler_instance";

/** The recorded holder (JSON), or undefined when none is recorded. */
export async function readHolderRecord(db: Db): Promise<string | undefined> {
  return getAppState(db, KEY);
}

/** Records `value` as the holder, replacing any previous record. */
export async function writeHolderRecord(db: Db, value: string, now: number): Promise<void> {
  await replaceAppState(db, KEY, value, now);
}

/** Deletes the holder record if it is still `value` (a process removes only its own). */
export async function deleteHolderRecord(db: Db, value: string): Promise<void> {
  await deleteAppStateIfValue(db, KEY, value);
}

/** SQLite: the main database's file as SQLite names it ("" or undefined for an in-memory database). */
export async function mainDatabaseFile(db: Db): Promise<string | undefined> {
  const { rows } = await sql<{
    file: string;
  }>`select file from pragma_database_list where name = 'main'`.execute(db);
  return rows[0]?.file;
}
