import type { Db } from "../db/connect.js";
import type { PickPolicy } from "../db/schema.js";
import type { PickState } from "../scheduler/pick.js";
import { getPickRow, getRecycleRow, setPickStateJson } from "./pick-state.repository.js";
import { groupIdsOf, type RecycleSettings, recycleOf, type ScheduleAction } from "./schedule.js";

/**
 * What the post job needs of a schedule to pick a group: its pick policy, the groups it may draw from (null:
 * any of the account's) and what the policy remembers between runs. The one interface of schedules/ the
 * post job uses.
 */
export interface PickSource {
  scheduleId: number;
  pick: PickPolicy;
  groupIds: number[] | null;
  state: PickState;
}

/** The schedule's pick source; undefined when the schedule was removed. */
export async function loadPickSource(db: Db, scheduleId: number): Promise<PickSource | undefined> {
  const row = await getPickRow(db, scheduleId);
  if (!row) return undefined;
  return {
    scheduleId: row.id,
    pick: row.pick,
    groupIds: groupIdsOf(row),
    state: row.pick_state_json ? (JSON.parse(row.pick_state_json) as PickState) : {},
  };
}

/** Remembers the policy's state after a pick. */
export function savePickState(db: Db, scheduleId: number, state: PickState): Promise<void> {
  return setPickStateJson(db, scheduleId, JSON.stringify(state));
}

/** What a run of a schedule does, and for repost/quote how it chooses the earlier post. */
export interface RecycleSource {
  action: ScheduleAction;
  /** repost/quote only. */
  recycle?: RecycleSettings;
  /** The schedule's groups (null: all): a repost's sources, a quote's text. */
  groupIds: number[] | null;
}

/** The schedule's action and source rule; undefined when the schedule was removed. */
export async function loadRecycleSource(db: Db, scheduleId: number): Promise<RecycleSource | undefined> {
  const row = await getRecycleRow(db, scheduleId);
  if (!row) return undefined;
  const recycle = recycleOf(row);
  return { action: row.action ?? "post", groupIds: groupIdsOf(row), ...(recycle ? { recycle } : {}) };
}
