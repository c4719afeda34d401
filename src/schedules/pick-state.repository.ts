import type { Db } from "../db/connect.js";
import type { ScheduleRow } from "../db/schema.js";

/** The columns a group pick reads of its schedule. */
export type PickRow = Pick<ScheduleRow, "id" | "pick" | "group_ids_json" | "pick_state_json">;

export async function getPickRow(db: Db, scheduleId: number): Promise<PickRow | undefined> {
  return db
    .selectFrom("schedules")
    .select(["id", "pick", "group_ids_json", "pick_state_json"])
    .where("id", "=", scheduleId)
    .executeTakeFirst();
}

export async function setPickStateJson(db: Db, scheduleId: number, json: string): Promise<void> {
  await db.updateTable("schedules").set({ pick_state_json: json }).where("id", "=", scheduleId).execute();
}

/** The columns a repost/quote run reads of its schedule (migration 0011). */
export type RecycleRow = Pick<
  ScheduleRow,
  "id" | "action" | "recycle_from" | "recycle_min_age_minutes" | "recycle_cooldown_minutes" | "group_ids_json"
>;

export async function getRecycleRow(db: Db, scheduleId: number): Promise<RecycleRow | undefined> {
  return db
    .selectFrom("schedules")
    .select([
      "id",
      "action",
      "recycle_from",
      "recycle_min_age_minutes",
      "recycle_cooldown_minutes",
      "group_ids_json",
    ])
    .where("id", "=", scheduleId)
    .executeTakeFirst();
}
