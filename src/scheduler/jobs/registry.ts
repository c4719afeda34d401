import type { JobKind } from "../../db/schema.js";
import type { Job, JobRegistry } from "./job.js";
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
 * (insights collection, notifications) is one more entry; the engine loop does not change.
 */
export function createJobRegistry(deps: JobDeps): JobRegistry {
  const jobs: Record<JobKind, Job> = {
    post: postJob(deps.accounts),
    token_refresh: tokenRefreshJob(deps.refresher),
  };
  return jobs;
}
