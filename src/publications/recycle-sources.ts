/**
 * What the post job reads of the ledger to choose the earlier post a repost or quote schedule recycles (and
 * the insight snapshots it keeps for `--from top`). A narrow interface of publications/: the scheduler never
 * imports the repositories. Each function takes the caller's Db.
 */
export {
  insertGoneSource as recordGoneSource,
  insertPostInsights as savePostInsights,
  latestPostInsights as cachedPostInsights,
  listGoneSources as goneSources,
  listLiveReposts as liveReposts,
  listRecycleCandidates as recycleCandidates,
  listRecycleHistory as recycleHistory,
  SOURCE_GONE_PREFIX,
} from "./recycle.repository.js";
