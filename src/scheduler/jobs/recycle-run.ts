/**
 * The part of a post run that chooses the earlier post a repost or quote schedule recycles: read the
 * account's own posts from the ledger, their recycling history and (for `--from top`) their insights, pick
 * with schedules/recycle-pick.ts, and record the choice on the run once (a retry recycles the same post).
 */
import type { Db } from "../../db/connect.js";
import type { RunRow } from "../../db/schema.js";
import type { Logger } from "../../log.js";
import {
  cachedPostInsights,
  goneSources,
  liveReposts,
  recordGoneSource,
  recycleCandidates,
  recycleHistory,
  SOURCE_GONE_PREFIX,
  savePostInsights,
} from "../../publications/recycle-sources.js";
import type { RecycleSource } from "../../schedules/pick-state.js";
import { eligibleSources, pickRecycleSource, type RecycleRule } from "../../schedules/recycle-pick.js";
import type { ThreadsClient } from "../../threads/client.js";
import { isGoneOnRead, ThreadsApiError } from "../../threads/errors.js";
import { setSourceMedia, sourcesOfUnfinishedRuns } from "../runs.repository.js";

/** Insights younger than this are read from the snapshots instead of Threads. */
const INSIGHTS_FRESH_MS = 24 * 60 * 60_000;
/** At most this many posts' insights are read from Threads per run (the rest count from their snapshot or 0). */
const INSIGHTS_PER_RUN = 25;

export interface RecycleContext {
  db: Db;
  threads: ThreadsClient;
  logger: Logger;
  now: number;
  random: () => number;
}

/** The run's source post: the one it chose before, or a new pick (recorded on the run). */
export async function chooseSource(
  ctx: RecycleContext,
  run: RunRow,
  account: { id: number; token: string },
  source: RecycleSource | undefined,
): Promise<{ mediaId: string } | { skip: string }> {
  if (run.source_media_id) return { mediaId: run.source_media_id };
  if (!source?.recycle || source.action === "post") return { skip: "the schedule was removed" };
  const { db } = ctx;
  const recycle = source.recycle;
  const rule: RecycleRule = {
    from: recycle.from,
    minAgeMs: recycle.minAgeMinutes * 60_000,
    cooldownMs: recycle.cooldownMinutes * 60_000,
  };
  // A repost schedule's groups say which posts it reposts; a quote schedule's say what it writes (its
  // groups are its text), and it may quote any post of the account.
  const all = await recycleCandidates(db, account.id, source.action === "repost" ? source.groupIds : null);
  const gone = await goneSources(db, account.id);
  const candidates = all.filter((c) => !gone.has(c.mediaId));
  const lastRecycled = await recycleHistory(db, account.id);
  // Left out: a post with a live repost (a repost schedule: Threads' repost is a toggle), and a post another
  // unfinished run of the account chose (two schedules of one account never recycle the same post at once).
  const excluded = await sourcesOfUnfinishedRuns(db, account.id, run.id);
  if (source.action === "repost") for (const id of await liveReposts(db, account.id)) excluded.add(id);
  const base = { candidates, lastRecycled, now: ctx.now, excluded };
  const scores =
    rule.from === "top"
      ? await readScores(
          ctx,
          account,
          eligibleSources(rule, base).map((c) => c.mediaId),
        )
      : undefined;
  const picked = pickRecycleSource(rule, { ...base, random: ctx.random, ...(scores ? { scores } : {}) });
  if ("none" in picked) return { skip: `nothing to ${source.action}: ${picked.none}` };
  await setSourceMedia(db, run.id, picked.mediaId);
  return picked;
}

/**
 * Views and likes of the posts, from snapshots younger than a day, the rest read from Threads (at most
 * INSIGHTS_PER_RUN per run) and kept as snapshots. A post whose insights cannot be read counts as 0.
 */
async function readScores(
  ctx: RecycleContext,
  account: { id: number; token: string },
  mediaIds: string[],
): Promise<Map<string, Record<string, number>>> {
  const scores = await cachedPostInsights(ctx.db, account.id, mediaIds, ctx.now - INSIGHTS_FRESH_MS);
  const missing = mediaIds.filter((id) => !scores.has(id)).slice(0, INSIGHTS_PER_RUN);
  for (const mediaId of missing) {
    try {
      const metrics = await ctx.threads.getPostInsights(account.token, mediaId, ["views", "likes"]);
      scores.set(mediaId, metrics);
      await savePostInsights(ctx.db, account.id, mediaId, metrics, ctx.now);
    } catch (error) {
      ctx.logger.warn("post insights could not be read; the post counts as 0 views", { mediaId, error });
    }
  }
  return scores;
}

/**
 * Before a quote: whether the quoted post still exists on Threads. A post gone (deleted) is recorded so no
 * run picks it again, and the run is skipped; any other failure to ask lets the quote go ahead (publishing
 * it tells).
 */
export async function checkQuotedPost(
  ctx: RecycleContext,
  run: RunRow,
  account: { id: number; token: string },
  mediaId: string,
): Promise<{ skip: string } | undefined> {
  try {
    await ctx.threads.getMedia(account.token, mediaId, ["id"]);
    return undefined;
  } catch (error) {
    // This read is the confirmation a write's 100/33 needs: the account reads its own posts with any token.
    if (!(error instanceof ThreadsApiError) || !isGoneOnRead(error)) return undefined;
    const reason = `${SOURCE_GONE_PREFIX}: post ${mediaId} (${error.message}); the next run picks another`;
    await recordGoneSource(ctx.db, {
      runId: run.id,
      accountId: account.id,
      action: "quote",
      sourceMediaId: mediaId,
      reason,
      now: ctx.now,
    });
    return { skip: reason };
  }
}
