import type { Insertable, Kysely, Updateable } from "kysely";
import type { DB, ScheduleRow, SchedulesTable } from "../db/schema.js";

/** A database or a transaction (a Kysely `Transaction` is a `Kysely`). */
type Db = Kysely<DB>;

export async function insertSchedule(db: Db, values: Insertable<SchedulesTable>): Promise<ScheduleRow> {
  return db.insertInto("schedules").values(values).returningAll().executeTakeFirstOrThrow();
}

export async function getSchedule(db: Db, id: number): Promise<ScheduleRow | undefined> {
  return db.selectFrom("schedules").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listSchedules(
  db: Db,
  filter: { accountId?: number; active?: boolean } = {},
): Promise<ScheduleRow[]> {
  let q = db.selectFrom("schedules").selectAll();
  if (filter.accountId !== undefined) q = q.where("account_id", "=", filter.accountId);
  if (filter.active !== undefined) q = q.where("active", "=", filter.active ? 1 : 0);
  return q.orderBy("id").execute();
}

/** As `listSchedules`, each row with the zone it runs in (its own, else its account's; null when neither has one). */
export async function listSchedulesWithZone(
  db: Db,
  filter: { accountId?: number; active?: boolean } = {},
): Promise<Array<ScheduleRow & { zone: string | null }>> {
  let q = db
    .selectFrom("schedules")
    .innerJoin("accounts", "accounts.id", "schedules.account_id")
    .selectAll("schedules")
    .select("accounts.timezone as account_timezone");
  if (filter.accountId !== undefined) q = q.where("schedules.account_id", "=", filter.accountId);
  if (filter.active !== undefined) q = q.where("schedules.active", "=", filter.active ? 1 : 0);
  const rows = await q.orderBy("schedules.id").execute();
  return rows.map(({ account_timezone, ...row }) => ({
    ...row,
    zone: row.timezone ?? (account_timezone || null),
  }));
}

/**
 * Saves an edit and bumps `version`, so days planned by the previous settings are re-drawn. The pick
 * state is kept: the shuffle bag / sequential cursor adapts to the current candidates by itself.
 */
export async function updateSchedule(
  db: Db,
  id: number,
  values: Omit<Updateable<SchedulesTable>, "id" | "version" | "account_id" | "created_at">,
): Promise<ScheduleRow | undefined> {
  return db
    .updateTable("schedules")
    .set((eb) => ({ ...values, version: eb("version", "+", 1) }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

export async function setScheduleActive(
  db: Db,
  id: number,
  active: boolean,
  now: number,
): Promise<ScheduleRow | undefined> {
  return db
    .updateTable("schedules")
    .set({ active: active ? 1 : 0, updated_at: now })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the schedule; its past occurrences stay as history (schedule_id becomes null). */
export async function removeSchedule(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom("schedules").where("id", "=", id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
