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
  const row = await db.selectFrom("app_state").select("value").where("key", "=", KEY).executeTakeFirst();
  if (!row) return undefined;
  try {
    const value = JSON.parse(row.value) as Partial<SandboxRecord>;
    if (typeof value.url !== "string" || typeof value.instance !== "string") return undefined;
    return value as SandboxRecord;
  } catch {
    return undefined;
  }
}

export async function writeSandboxRecord(db: Db, record: SandboxRecord, now: number): Promise<void> {
  const value = JSON.stringify(record);
  await db
    .insertInto("app_state")
    .values({ key: KEY, value, updated_at: now })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value, updated_at: now }))
    .execute();
}

/** Removes the record if it is still this instance's (a newer service may have replaced it). */
export async function deleteSandboxRecord(db: Db, instance: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("app_state").select("value").where("key", "=", KEY).executeTakeFirst();
    if (!row) return;
    let recorded: string | undefined;
    try {
      recorded = (JSON.parse(row.value) as { instance?: string }).instance;
    } catch {}
    if (recorded === instance) await trx.deleteFrom("app_state").where("key", "=", KEY).execute();
  });
}
