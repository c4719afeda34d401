import type { Account } from "../accounts/account.js";
import type { AccountService } from "../accounts/accounts.service.js";
import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import type { GroupService } from "../groups/groups.service.js";
import { deleteQuotaUsage } from "../publications/deleter.js";
import { type DeleteNowResult, type DeletePreview, deleteNow, previewDelete } from "./delete-now.js";
import { countPlannedDeletesOfAccount } from "./delete-runs.repository.js";
import type { Engine } from "./engine/engine.js";
import { type PostAtRequest, type PostAtResult, planOneOff } from "./post-at.js";
import { type PostNowRequest, type PostNowResult, postNow } from "./post-now.js";

export interface PostServiceDeps {
  db: Db;
  clock: Clock;
  /** Zone of accounts without one (a local `at` is read in the account's zone). */
  defaultTimezone: string;
  accounts: Pick<AccountService, "mustBeAbleToPostNow"> & { get(id: number): Promise<Account> };
  groups: Pick<GroupService, "get">;
  /** Wakes the engines after a one-off post is planned (the composition root's). */
  notify(): Promise<void>;
  /**
   * The app's engine, which runs a post published now (built on first use). Not started (`post`), it claims
   * nothing else and runs the one run it adopts, with its lease and heartbeat; started (`start`), the run
   * rides on its heartbeat, its stop and the recovery of its node's runs.
   */
  engine(): Pick<Engine, "nodeId" | "leaseMs" | "runAdopted">;
}

/**
 * Posts outside the schedules: published now (`post`), through the engine like every run, or planned once
 * (`post --at`), which calls no Threads.
 */
export function createPostService(deps: PostServiceDeps) {
  const { db, clock, accounts, groups } = deps;
  return {
    /** Publishes now and waits for the outcome (see postNow). */
    now: (req: PostNowRequest): Promise<PostNowResult> =>
      postNow({ db, clock, accounts, groups, engine: deps.engine() }, req),
    /** Plans a one-off post (see planOneOff). */
    at: (req: PostAtRequest): Promise<PostAtResult> =>
      planOneOff(
        {
          db,
          now: clock.now(),
          defaultTimezone: deps.defaultTimezone,
          accounts,
          groups,
          notify: deps.notify,
        },
        req,
      ),
    /** Deletes each account made in the last 24 h, of Meta's 100 (from our ledger): account id → usage. */
    async deleteQuotas(accountIds: readonly number[]): Promise<Map<number, { used: number; total: number }>> {
      const now = clock.now();
      const entries = await Promise.all(
        accountIds.map(async (id) => [id, await deleteQuotaUsage(db, id, now)] as const),
      );
      return new Map(entries);
    },
    /** What `runs delete` would delete (see previewDelete). */
    deletePreview: (postRunId: number): Promise<DeletePreview> => previewDelete(db, postRunId),
    /** The account's auto-deletes still to run (removing the account skips them: the posts stay up). */
    plannedDeletes: (accountId: number): Promise<number> => countPlannedDeletesOfAccount(db, accountId),
    /** Deletes a post run's published parts now and waits for the outcome (see deleteNow). */
    deleteNow: (postRunId: number): Promise<DeleteNowResult> =>
      deleteNow({ db, clock, engine: deps.engine() }, postRunId),
  };
}

export type PostService = ReturnType<typeof createPostService>;
