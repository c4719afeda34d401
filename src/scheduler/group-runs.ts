import type { Db } from "../db/connect.js";
import type { RunRow } from "../db/schema.js";
import { listPlannedOneOffsOfGroup, listUnfinishedOfGroup } from "./owner-runs.repository.js";

/**
 * What the groups feature may ask of a group's runs (the groups service takes it as its `runs` dependency).
 * Each function takes the caller's Db: the groups service passes its transaction, which holds the group's
 * row lock (lockGroup), so the check and the edit see the same runs.
 */
export interface GroupRuns {
  /**
   * Runs that picked the group and are not finished (running, waiting for a check, or planned for a retry):
   * they re-read its parts, so the parts must not change under them.
   */
  listUnfinished(db: Db, groupId: number): Promise<Array<Pick<RunRow, "id" | "state">>>;
  /** Ids of planned one-off posts that name the group: they are skipped at their time once it is removed. */
  listPlannedOneOffs(db: Db, groupId: number): Promise<number[]>;
}

export const groupRuns: GroupRuns = {
  listUnfinished: listUnfinishedOfGroup,
  listPlannedOneOffs: listPlannedOneOffsOfGroup,
};
