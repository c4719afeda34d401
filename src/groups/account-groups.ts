import type { Db } from "../db/connect.js";
import { listGroupIdsOfAccount } from "./groups.repository.js";

/**
 * What other features may ask of an account's post groups (the schedules service takes it as its `groups`
 * dependency). Each function takes the caller's Db: the schedules service passes the transaction of its edit.
 */
export interface AccountGroups {
  /** Which of `ids` are live groups of the account (to check a schedule's group list). */
  liveIdsAmong(db: Db, accountId: number, ids: number[]): Promise<number[]>;
}

export const accountGroups: AccountGroups = { liveIdsAmong: listGroupIdsOfAccount };
