import type { ExpressionBuilder, Insertable, Updateable } from "kysely";
import type { Db } from "../db/connect.js";
import type { DB, ScheduleRow, SchedulesTable } from "../db/schema.js";
import { groupIdsOf } from "./schedule.js";

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

/** As `listSchedules`, each row with its account's zone (for `scheduleZone`). */
export async function listSchedulesWithAccountZone(
  db: Db,
  filter: { accountId?: number; active?: boolean } = {},
): Promise<Array<ScheduleRow & { account_timezone: string }>> {
  let q = db
    .selectFrom("schedules")
    .innerJoin("accounts", "accounts.id", "schedules.account_id")
    .selectAll("schedules")
    .select("accounts.timezone as account_timezone");
  if (filter.accountId !== undefined) q = q.where("schedules.account_id", "=", filter.accountId);
  if (filter.active !== undefined) q = q.where("schedules.active", "=", filter.active ? 1 : 0);
  return q.orderBy("schedules.id").execute();
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

/** Deletes the schedule; its past runs stay as history (schedule_id becomes null). */
export async function removeSchedule(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom("schedules").where("id", "=", id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * `select 1 from post_groups where account_id = s.account_id and enabled and not removed`, inside a query on
 * `schedules as s`.
 */
function enabledGroupOf(selectFrom: ExpressionBuilder<DB & { s: SchedulesTable }, "s">["selectFrom"]) {
  return selectFrom("post_groups as g")
    .select("g.id")
    .whereRef("g.account_id", "=", "s.account_id")
    .where("g.enabled", "=", 1)
    .where("g.archived_at", "is", null);
}

/** An active schedule whose runs would be skipped: no enabled post group to draw from. */
export interface ScheduleWithoutGroups {
  id: number;
  accountId: number;
  username: string;
  /** True when the schedule names its groups (`--groups`) and none of them is enabled. */
  selected: boolean;
}

/**
 * Active schedules with no enabled post group to draw from (the account has none, or none of the schedule's
 * chosen groups is enabled), in id order; `scheduleId` checks one, `accountId` one account's.
 */
export async function listSchedulesWithoutGroups(
  db: Db,
  filter: { scheduleId?: number; accountId?: number } = {},
): Promise<ScheduleWithoutGroups[]> {
  let q = db
    .selectFrom("schedules as s")
    .innerJoin("accounts as a", "a.id", "s.account_id")
    .select(["s.id", "s.account_id", "a.username", "s.group_ids_json"])
    .where("s.active", "=", 1)
    // A repost schedule publishes no group: its groups only narrow which earlier posts it reposts.
    .where("s.action", "!=", "repost");
  if (filter.scheduleId !== undefined) q = q.where("s.id", "=", filter.scheduleId);
  if (filter.accountId !== undefined) q = q.where("s.account_id", "=", filter.accountId);
  const [bare, chosen] = await Promise.all([
    q.where(({ not, exists, selectFrom }) => not(exists(enabledGroupOf(selectFrom)))).execute(),
    q
      .where("s.group_ids_json", "is not", null)
      .where(({ exists, selectFrom }) => exists(enabledGroupOf(selectFrom)))
      .execute(),
  ]);
  const result: ScheduleWithoutGroups[] = bare.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    username: r.username,
    selected: r.group_ids_json !== null,
  }));
  // Schedules that name their groups, on accounts that have some enabled group: are any of theirs enabled?
  const wanted = chosen.map((r) => ({ row: r, ids: groupIdsOf(r) ?? [] }));
  const allIds = [...new Set(wanted.flatMap((w) => w.ids))];
  const enabled = new Set<number>();
  for (let i = 0; i < allIds.length; i += 500) {
    const rows = await db
      .selectFrom("post_groups")
      .select("id")
      .where("id", "in", allIds.slice(i, i + 500))
      .where("enabled", "=", 1)
      .where("archived_at", "is", null)
      .execute();
    for (const r of rows) enabled.add(r.id);
  }
  for (const { row, ids } of wanted) {
    if (!ids.some((id) => enabled.has(id))) {
      result.push({ id: row.id, accountId: row.account_id, username: row.username, selected: true });
    }
  }
  return result.sort((a, b) => a.id - b.id);
}
