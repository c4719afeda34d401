import type { Db } from "../../db/connect.js";
import { nextDailyRun, previousDailyRun } from "../planning/index.js";
import type { Outcome } from "../runs.repository.js";

export const TOKEN_REFRESH_KEY = "token_refresh";
/** Local time of the daily refresh, as the original system had it. */
export const TOKEN_REFRESH_TIME = "03:00";
/** Tokens expiring within this are refreshed. */
export const REFRESH_WITHIN_MS = 7 * 86_400_000;
const RETRY_LATER_MS = 60 * 60_000;

export type RefreshOutcome = "refreshed" | "skipped" | "reauth_required" | "retry_later" | "failed";

export interface TokenRefresher {
  refreshDue(opts: {
    within: number;
  }): Promise<Array<{ accountId: number; outcome: RefreshOutcome; message?: string }>>;
}

export interface RefreshSummary {
  refreshed: number;
  skipped: number;
  reauth: number;
  retryLater: number;
  failed: number;
}

/** Runs the refresh over every due account; a transient failure plans a retry in an hour. */
export async function runTokenRefreshJob(
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

async function planTokenRefreshAt(db: Db, dueAt: number, now: number, slot: string): Promise<void> {
  await db
    .insertInto("runs")
    .values({
      job: "token_refresh",
      job_key: TOKEN_REFRESH_KEY,
      due_at: dueAt,
      run_at: dueAt,
      slot,
      state: "planned",
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["job_key", "due_at"]).doNothing())
    .execute();
}

/**
 * Plans the next 03:00 run and, when the latest 03:00 has no run at all (the service was down then), a
 * catch-up run now. The unique (job_key, due_at) key makes this safe from any number of processes.
 */
export async function planTokenRefresh(db: Db, zone: string, now: number): Promise<void> {
  await planTokenRefreshAt(db, nextDailyRun(TOKEN_REFRESH_TIME, zone, now), now, TOKEN_REFRESH_TIME);
  const previous = previousDailyRun(TOKEN_REFRESH_TIME, zone, now);
  await planTokenRefreshAt(db, previous, now, TOKEN_REFRESH_TIME);
}

/** Older planned refresh runs are superseded by the one about to run. */
export async function supersedeOlderRefreshes(db: Db, dueAt: number, now: number): Promise<void> {
  await db
    .updateTable("runs")
    .set({
      state: "skipped",
      reason: "superseded by a later token refresh run",
      finished_at: now,
      updated_at: now,
    })
    .where("job_key", "=", TOKEN_REFRESH_KEY)
    .where("state", "=", "planned")
    .where("due_at", "<", dueAt)
    .execute();
}
