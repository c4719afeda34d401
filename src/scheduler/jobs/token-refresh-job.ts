import type { RefreshResult } from "../../accounts/token-refresh.js";
import type { Db } from "../../db/connect.js";
import { nextDailyRun, previousDailyRun } from "../planning/index.js";
import { insertPlannedIfAbsent, skipPlannedBefore } from "../run-inserts.repository.js";
import type { Outcome } from "../runs.repository.js";
import type { Job } from "./job.js";

export const TOKEN_REFRESH_KEY = "token_refresh";
/** Local time of the daily refresh, as the original system had it. */
export const TOKEN_REFRESH_TIME = "03:00";
/** Tokens expiring within this are refreshed. */
export const REFRESH_WITHIN_MS = 7 * 86_400_000;
const RETRY_LATER_MS = 60 * 60_000;

/** What the job needs of the accounts feature. */
export interface TokenRefresher {
  refreshDue(opts: {
    within: number;
  }): Promise<Array<Pick<RefreshResult, "accountId" | "outcome" | "message">>>;
}

interface RefreshSummary {
  refreshed: number;
  skipped: number;
  reauth: number;
  retryLater: number;
  failed: number;
}

/**
 * The daily token refresh: planned at 03:00 in the default zone (with a catch-up run when the latest 03:00
 * has none); a run supersedes older planned ones, refreshes every due account, reports the summary
 * (`token_refresh` event) and plans the next.
 */
export function tokenRefreshJob(refresher: TokenRefresher): Job {
  return {
    async plan(ctx) {
      await planTokenRefresh(ctx.db, ctx.defaultTimezone, ctx.clock.now());
      // Only schedules' runs count as planned work.
      return 0;
    },
    async run(ctx, run) {
      const now = ctx.clock.now();
      await supersedeOlderRefreshes(ctx.db, run.due_at, now);
      const { outcome, summary } = await runTokenRefreshJob(ctx.db, refresher, now);
      ctx.emit({ type: "token_refresh", ...summary });
      await planTokenRefresh(ctx.db, ctx.defaultTimezone, now);
      return outcome;
    },
  };
}

/** Runs the refresh over every due account; a transient failure plans a retry in an hour. */
async function runTokenRefreshJob(
  db: Db,
  refresher: TokenRefresher,
  now: number,
): Promise<{ outcome: Outcome; summary: RefreshSummary }> {
  const results = await refresher.refreshDue({ within: REFRESH_WITHIN_MS });
  const summary: RefreshSummary = { refreshed: 0, skipped: 0, reauth: 0, retryLater: 0, failed: 0 };
  for (const r of results) {
    if (r.outcome === "refreshed") summary.refreshed++;
    else if (r.outcome === "skipped") summary.skipped++;
    else if (r.outcome === "reauth_required") summary.reauth++;
    else if (r.outcome === "retry_later") summary.retryLater++;
    else summary.failed++;
  }
  if (summary.retryLater > 0) await planTokenRefreshAt(db, now + RETRY_LATER_MS, now, "retry");
  const reason = `refreshed ${summary.refreshed}, skipped ${summary.skipped}, reconnect needed ${summary.reauth}, retry later ${summary.retryLater}, failed ${summary.failed}`;
  return { outcome: { state: "published", reason }, summary };
}

function planTokenRefreshAt(db: Db, dueAt: number, now: number, slot: string): Promise<void> {
  return insertPlannedIfAbsent(db, { job: "token_refresh", jobKey: TOKEN_REFRESH_KEY, dueAt, slot, now });
}

/**
 * Plans the next 03:00 run and, when the latest 03:00 has no run at all (the service was down then), a
 * catch-up run now. The unique (job_key, due_at) key makes this safe from any number of processes.
 */
async function planTokenRefresh(db: Db, zone: string, now: number): Promise<void> {
  await planTokenRefreshAt(db, nextDailyRun(TOKEN_REFRESH_TIME, zone, now), now, TOKEN_REFRESH_TIME);
  const previous = previousDailyRun(TOKEN_REFRESH_TIME, zone, now);
  await planTokenRefreshAt(db, previous, now, TOKEN_REFRESH_TIME);
}

/** Older planned refresh runs are superseded by the one about to run. */
function supersedeOlderRefreshes(db: Db, dueAt: number, now: number): Promise<void> {
  return skipPlannedBefore(db, {
    jobKey: TOKEN_REFRESH_KEY,
    dueAt,
    reason: "superseded by a later token refresh run",
    now,
  });
}
