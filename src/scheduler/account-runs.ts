import type { Db } from "../db/connect.js";
import type { RunRow } from "../db/schema.js";
import { listInFlightOfAccount, skipPlannedOfAccount, wakeHeldOfAccount } from "./owner-runs.repository.js";

/**
 * What the accounts feature may ask of an account's runs (the accounts service takes it as its `runs`
 * dependency). Each function takes the caller's Db: the accounts service passes its transaction, so the
 * check and the change are one commit with its own writes.
 */
export interface AccountRuns {
  /** Runs running or waiting for a check against Threads: the account's token is still needed for them. */
  listInFlight(db: Db, accountId: number): Promise<Array<Pick<RunRow, "id" | "state">>>;
  /** Ends every still-planned run of the account as `skipped` with `reason`; returns how many. */
  skipPlanned(db: Db, accountId: number, reason: string, now: number): Promise<number>;
  /** Posts held for a reconnect are due at once (the account has a valid token again); returns how many. */
  wakeHeld(db: Db, accountId: number, now: number): Promise<number>;
}

export const accountRuns: AccountRuns = {
  listInFlight: listInFlightOfAccount,
  skipPlanned: skipPlannedOfAccount,
  wakeHeld: wakeHeldOfAccount,
};
