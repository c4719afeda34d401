import { deleteJob } from "./delete-job.js";
import type { JobRegistry } from "./job.js";
import { type PublishingAccounts, postJob } from "./post-job.js";
import { type TokenRefresher, tokenRefreshJob } from "./token-refresh-job.js";

export interface JobDeps {
  /** The accounts feature: the post job's account and token, and marking an account for reconnection. */
  accounts: PublishingAccounts;
  /** The accounts feature's token refresh. */
  refresher: TokenRefresher;
}

/**
 * Every job this version runs, keyed by `runs.job` (graphile-worker's TaskList). A new kind of work
 * (insights collection, notifications) is one more entry here; the engine loop does not change.
 *
 * Why the kinds are read from this object rather than declared beside the table: the registry is the one
 * place that says which jobs exist, so `JobKind` (below) is derived from its keys and a new job is one edit,
 * in jobs/. The table's `job` column is a plain string on purpose (db/schema.ts): a database may hold runs
 * of a kind this version does not know (planned by a newer one), which the runner settles `failed` with
 * the reason; a closed union there would claim otherwise and would have to be edited for every new job.
 */
export function createJobRegistry(deps: JobDeps) {
  return {
    post: postJob(deps.accounts),
    token_refresh: tokenRefreshJob(deps.refresher),
    delete: deleteJob(deps.accounts),
  } satisfies JobRegistry;
}

/** The kinds of work this version has: the registry's keys ("post", "token_refresh", "delete"). */
export type JobKind = keyof ReturnType<typeof createJobRegistry>;
