import type { Db } from "../db/connect.js";
import { localDateAt } from "./planning/index.js";
import { deleteWrittenDaysBefore, longestMisfireGrace } from "./plans.repository.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Deletes the records of days long past and fully written (their runs stay: they are the history).
 * The planner reads a schedule's days from a day before `now - grace` on (and any unfinished one), so days
 * older than the longest grace plus a margin of three days (time zones, the window crossing midnight) are
 * never read again. Without this, `planned_days` grew by a row per schedule and day for ever. Returns how
 * many were deleted.
 */
export async function prunePlannedDays(db: Db, now: number): Promise<number> {
  const keepFrom = now - (await longestMisfireGrace(db)) * MINUTE - 3 * DAY;
  return deleteWrittenDaysBefore(db, localDateAt("UTC", keepFrom));
}
