import type { Db } from "../db/connect.js";

/** The error a recycling publication gets when its source post is gone from Threads (see `goneSources`). */
export const SOURCE_GONE_PREFIX = "the post to recycle is gone from Threads";

/** How a ghost post's stored part reads (`serialisePart` is JSON.stringify: no spaces). */
const GHOST_SPEC_LIKE = '%"is_ghost_post":true%';

/**
 * The account's own root posts this install published (ledger parts at position 0, published, with a media
 * id, not deleted), except reposts and quotes (recycling publications) and ghost posts; optionally only those
 * of some groups.
 *
 * Ghost posts are archived by Threads 24 hours after publishing and cannot be reposted (the sandbox refuses
 * them, UNVERIFIED at Meta) nor usefully quoted. Whether a post was one is read from what it was published
 * from: its group's first part (`post_parts`, position 0) or the run's own stored post (`runs.payload_json`;
 * only a first part can be a ghost post, so the whole list is searched). A group edited since it was published
 * is read as it is now; a post that Threads then refuses rests for the cooldown (`listRecycleHistory`).
 */
export async function listRecycleCandidates(
  db: Db,
  accountId: number,
  groupIds: readonly number[] | null,
): Promise<Array<{ mediaId: string; publishedAt: number }>> {
  if (groupIds !== null && groupIds.length === 0) return [];
  let q = db
    .selectFrom("publication_parts as p")
    .innerJoin("publications as pub", "pub.id", "p.publication_id")
    .leftJoin("runs as r", "r.id", "pub.run_id")
    .leftJoin("post_parts as spec", (join) =>
      join.onRef("spec.group_id", "=", "pub.group_id").on("spec.position", "=", 0),
    )
    .select(["p.media_id", "p.updated_at", "pub.published_at"])
    .where("pub.account_id", "=", accountId)
    .where("p.position", "=", 0)
    .where("p.state", "=", "published")
    .where("p.media_id", "is not", null)
    // Not deleted, nor being deleted (migration 0010): a deleted post cannot be reposted or quoted.
    .where("p.delete_state", "is", null)
    // Ordinary posts only: a repost's media id is the repost's, and a quote is itself a recycling.
    .where("pub.action", "is", null)
    // Not a ghost post (archived after 24 h): neither the group's first part nor the run's stored post.
    .where((eb) =>
      eb.or([eb("spec.spec_json", "is", null), eb("spec.spec_json", "not like", GHOST_SPEC_LIKE)]),
    )
    .where((eb) =>
      eb.or([eb("r.payload_json", "is", null), eb("r.payload_json", "not like", GHOST_SPEC_LIKE)]),
    );
  if (groupIds !== null) q = q.where("pub.group_id", "in", [...groupIds]);
  const rows = await q.orderBy("p.id").execute();
  return rows.map((r) => ({ mediaId: r.media_id!, publishedAt: Number(r.published_at ?? r.updated_at) }));
}

/**
 * When each post was last recycled (reposted or quoted; ms, by media id): every recycling publication,
 * failed ones too. A repost or quote that Threads refused for good (a ghost post, a post the user already
 * reposted by hand in the app: Threads' repost is a toggle) would be refused again at once, so the post rests
 * for the cooldown like a recycled one and the next runs pick others (without this, the schedule would pick
 * the same refused post every run). A failure for any other reason rests it too: its run used its attempts.
 * The ones whose source was gone are `goneSources` (never chosen again).
 */
export async function listRecycleHistory(db: Db, accountId: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("publications")
    .select((eb) => ["source_media_id", eb.fn.max("created_at").as("last")])
    .where("account_id", "=", accountId)
    .where("source_media_id", "is not", null)
    .groupBy("source_media_id")
    .execute();
  return new Map(rows.map((r) => [r.source_media_id!, Number(r.last)]));
}

/** Posts whose recycling found them gone from Threads (deleted there): never chosen again. */
export async function listGoneSources(db: Db, accountId: number): Promise<Set<string>> {
  const rows = await db
    .selectFrom("publications")
    .select("source_media_id")
    .distinct()
    .where("account_id", "=", accountId)
    .where("source_media_id", "is not", null)
    .where("state", "=", "failed")
    .where("error", "like", `${SOURCE_GONE_PREFIX}%`)
    .execute();
  return new Set(rows.map((r) => r.source_media_id!));
}

/**
 * Posts the account has a repost of that this install made and that may still be on Threads (published, or
 * still being published or checked): Threads' repost is a toggle, so they cannot be reposted again.
 */
export async function listLiveReposts(db: Db, accountId: number): Promise<Set<string>> {
  const rows = await db
    .selectFrom("publications as pub")
    .innerJoin("publication_parts as p", "p.publication_id", "pub.id")
    .select("pub.source_media_id")
    .where("pub.account_id", "=", accountId)
    .where("pub.action", "=", "repost")
    .where("pub.state", "!=", "failed")
    .where("p.state", "in", ["published", "publish_requested"])
    // A repost deleted (undone: `runs delete`) frees its post to be reposted again.
    .where((eb) => eb.or([eb("p.delete_state", "is", null), eb("p.delete_state", "!=", "deleted")]))
    .execute();
  return new Set(rows.map((r) => r.source_media_id!).filter(Boolean));
}

/** The newest insight snapshot of each of these posts captured since `since` (ms): metrics by media id. */
export async function latestPostInsights(
  db: Db,
  accountId: number,
  mediaIds: readonly string[],
  since: number,
): Promise<Map<string, Record<string, number>>> {
  const result = new Map<string, { at: number; metrics: Record<string, number> }>();
  for (let i = 0; i < mediaIds.length; i += 500) {
    const rows = await db
      .selectFrom("insight_snapshots")
      .select(["media_id", "captured_at", "metrics_json"])
      .where("account_id", "=", accountId)
      .where("media_id", "in", mediaIds.slice(i, i + 500))
      .where("captured_at", ">=", since)
      .execute();
    for (const r of rows) {
      const at = Number(r.captured_at);
      const seen = result.get(r.media_id!);
      if (seen && seen.at >= at) continue;
      try {
        result.set(r.media_id!, { at, metrics: JSON.parse(r.metrics_json) as Record<string, number> });
      } catch {
        // A damaged snapshot is read again from Threads.
      }
    }
  }
  return new Map([...result].map(([id, v]) => [id, v.metrics]));
}

export async function insertPostInsights(
  db: Db,
  accountId: number,
  mediaId: string,
  metrics: Record<string, number>,
  now: number,
): Promise<void> {
  await db
    .insertInto("insight_snapshots")
    .values({
      account_id: accountId,
      media_id: mediaId,
      captured_at: now,
      metrics_json: JSON.stringify(metrics),
    })
    .execute();
}

/**
 * Records that a recycling run found its source gone before anything was sent (a quote's check): a
 * publication without parts, failed with SOURCE_GONE_PREFIX, so `listGoneSources` leaves the post out.
 */
export async function insertGoneSource(
  db: Db,
  input: {
    runId: number;
    accountId: number;
    action: "repost" | "quote";
    sourceMediaId: string;
    reason: string;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto("publications")
    .values({
      run_id: input.runId,
      account_id: input.accountId,
      group_id: null,
      state: "failed",
      error: input.reason,
      created_at: input.now,
      updated_at: input.now,
      action: input.action,
      source_media_id: input.sourceMediaId,
    })
    .onConflict((oc) => oc.column("run_id").doNothing())
    .execute();
}
