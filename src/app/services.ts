import { type AddedAccount, createAccountService } from "../accounts/accounts.service.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Db } from "../db/connect.js";
import { createGroupService } from "../groups/groups.service.js";
import { notifyWork } from "../scheduler/notify.js";
import { PLAN_HORIZON_MS } from "../scheduler/planning/index.js";
import { createScheduleService } from "../schedules/schedules.service.js";
import type { ThreadsClient } from "../threads/client.js";

export interface ServiceDeps {
  db: Db;
  threads: ThreadsClient;
  config: Config;
  clock: Clock;
  /** Whether short-lived tokens can be exchanged (an app secret is known; always in the sandbox). */
  canExchangeTokens: boolean;
}

export type Services = ReturnType<typeof createServices>;

/** The application's use cases, shared by the CLI, the HTTP API and the scheduler. */
export function createServices(deps: ServiceDeps) {
  const { db, config, clock } = deps;
  const accounts = createAccountService({
    db,
    threads: deps.threads,
    secretKey: config.secretKey,
    clock,
    defaultTimezone: config.defaultTimezone,
    canExchangeTokens: deps.canExchangeTokens,
  });
  const groups = createGroupService({ db, clock });
  const planned = createScheduleService({
    db,
    clock,
    defaultTimezone: config.defaultTimezone,
    horizonMs: PLAN_HORIZON_MS,
  });
  // Every change to a plan wakes the engines of all processes (PostgreSQL NOTIFY; SQLite engines poll).
  const notifying =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await fn(...args);
      await notifyWork(db).catch(() => {});
      return result;
    };
  const schedules = {
    ...planned,
    add: notifying(planned.add),
    update: notifying(planned.update),
    pause: notifying(planned.pause),
    resume: notifying(planned.resume),
    remove: notifying(planned.remove),
  };
  // A schedule without its own zone follows the account's: a new zone re-plans its future runs.
  const followZone =
    <A extends unknown[]>(fn: (...args: A) => Promise<AddedAccount>) =>
    async (...args: A): Promise<AddedAccount> => {
      const added = await fn(...args);
      if (added.timezoneChanged) {
        for (const s of await planned.list({ accountId: added.account.id })) {
          if (s.timezone === null && s.active) await schedules.update(s.id, {});
        }
      }
      return added;
    };
  return {
    accounts: {
      ...accounts,
      // A new token makes held posts due at once, and removal withdraws planned runs: wake every engine.
      addWithToken: notifying(followZone(accounts.addWithToken)),
      connectWithCode: notifying(followZone(accounts.connectWithCode)),
      reconnect: notifying(accounts.reconnect),
      remove: notifying(accounts.remove),
    },
    groups,
    schedules,
  };
}
