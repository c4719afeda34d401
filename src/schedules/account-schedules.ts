import type { Db } from "../db/connect.js";
import { clearFuturePlan } from "../scheduler/planner.js";
import { groupIdsOf } from "./schedule.js";
import { listSchedules, setScheduleActive } from "./schedules.repository.js";

/**
 * What other features may ask of an account's schedules (the accounts and groups services take it as their
 * `schedules` dependency). Each function takes the caller's Db: a service passes its transaction, so the
 * schedules change, or are read, in the same commit as its own change.
 */
export interface AccountSchedules {
  /**
   * Pauses every active schedule of the account and withdraws the unclaimed future runs of all of them
   * (removing the account); returns how many were active.
   */
  stopAll(db: Db, accountId: number, now: number): Promise<number>;
  /** The account's schedules whose group list names `groupId`, each with its list (removing the group). */
  listNamingGroup(
    db: Db,
    accountId: number,
    groupId: number,
  ): Promise<Array<{ id: number; groupIds: number[] }>>;
}

/** The account schedules; `defaultTimezone` is the zone of schedules of an account without one (the planner's). */
export function createAccountSchedules(defaultTimezone: string): AccountSchedules {
  async function stopAll(db: Db, accountId: number, now: number): Promise<number> {
    let stopped = 0;
    for (const schedule of await listSchedules(db, { accountId })) {
      if (schedule.active === 1) {
        await setScheduleActive(db, schedule.id, false, now);
        stopped += 1;
      }
      await clearFuturePlan(db, schedule.id, now, defaultTimezone);
    }
    return stopped;
  }
  return { stopAll, listNamingGroup };
}

async function listNamingGroup(
  db: Db,
  accountId: number,
  groupId: number,
): Promise<Array<{ id: number; groupIds: number[] }>> {
  return (await listSchedules(db, { accountId }))
    .map((s) => ({
      id: s.id,
      groupIds: groupIdsOf(s),
    }))
    .filter((s): s is { id: number; groupIds: number[] } => s.groupIds?.includes(groupId) ?? false);
}
