import type { AccountServiceDeps } from "../../src/accounts/accounts.service.js";
import { accountLookup } from "../../src/accounts/live-account.js";
import { accountGroups } from "../../src/groups/account-groups.js";
import type { GroupServiceDeps } from "../../src/groups/groups.service.js";
import { accountRuns } from "../../src/scheduler/account-runs.js";
import { groupRuns } from "../../src/scheduler/group-runs.js";
import { createAccountSchedules } from "../../src/schedules/account-schedules.js";
import type { ScheduleServiceDeps } from "../../src/schedules/schedules.service.js";

/**
 * The other features each service takes, as the composition root (createServices in src/app/create-app.ts)
 * wires them: the real narrow interfaces, for tests that build one service on its own. The zone of schedules
 * of an account without one is UTC (the tests' accounts all have one).
 */
const accountSchedules = createAccountSchedules("UTC");

export const accountServiceLinks: Pick<AccountServiceDeps, "runs" | "schedules"> = {
  runs: accountRuns,
  schedules: accountSchedules,
};

export const groupServiceLinks: Pick<GroupServiceDeps, "accounts" | "runs" | "schedules"> = {
  accounts: accountLookup,
  runs: groupRuns,
  schedules: accountSchedules,
};

export const scheduleServiceLinks: Pick<ScheduleServiceDeps, "accounts" | "groups"> = {
  accounts: accountLookup,
  groups: accountGroups,
};
