import { deleteAppStateIfValue, getAppState, replaceAppState } from "../db/app-state.js";
import type { Db } from "../db/connect.js";

const KEY = "sandbox";

/**
 * The built-in sandbox a running service serves, recorded in the database so that every other process on
 * this database (the CLI in another shell, a second `start`) uses that sandbox instead of its own.
 */
export interface SandboxRecord {
  url: string;
  /** The sandbox instance's id; its /__sandbox/health answers the same id. */
  instance: string;
  pid: number;
  host: string;
  stateFile: string;
  /** Epoch ms. */
  startedAt: number;
}

export async function readSandboxRecord(db: Db): Promise<SandboxRecord | undefined> {
  const recorded = await getAppState(db, KEY);
  if (recorded === undefined) return undefined;
  try {
    const value = JSON.parse(recorded) as Partial<SandboxRecord>;
    if (typeof value.url !== "string" || typeof value.instance !== "string") return undefined;
    return value as SandboxRecord;
  } catch {
    return undefined;
  }
}

export async function writeSandboxRecord(db: Db, record: SandboxRecord, now: number): Promise<void> {
  await replaceAppState(db, KEY, JSON.stringify(record), now);
}

/** Removes the record if it is still this instance's (a newer service may have replaced it). */
export async function deleteSandboxRecord(db: Db, instance: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const value = await getAppState(trx, KEY);
    if (value === undefined) return;
    let recorded: string | undefined;
    try {
      recorded = (JSON.parse(value) as { instance?: string }).instance;
    } catch {}
    // In this transaction the value is the one just read: deleting it only if it is deletes this record.
    if (recorded === instance) await deleteAppStateIfValue(trx, KEY, value);
  });
}
