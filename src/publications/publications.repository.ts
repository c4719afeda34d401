import type { Kysely } from "kysely";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import type { DB, PartState, PublicationPartRow, PublicationRow, PublicationState } from "../db/schema.js";

export interface Ledger {
  publication: PublicationRow;
  parts: PublicationPartRow[];
}

/**
 * The ledger of a run's publication, created on first use with one row per part. A first run costs
 * two statements (the publication, then its parts, each returning its rows). No transaction is needed: only
 * the lease holder opens a ledger, and a crash between the two inserts leaves a publication without parts,
 * which the next open completes.
 */
export async function openLedger(
  db: Kysely<DB>,
  input: {
    runId: number;
    accountId: number;
    groupId: number | null;
    partCount: number;
    now: number;
    /** A repost or quote of an earlier post (migration 0011): what it does with which post. */
    recycle?: { action: "repost" | "quote"; sourceMediaId: string };
  },
): Promise<Ledger> {
  const created = await db
    .insertInto("publications")
    .values({
      run_id: input.runId,
      account_id: input.accountId,
      group_id: input.groupId,
      state: "publishing",
      created_at: input.now,
      updated_at: input.now,
      ...(input.recycle
        ? { action: input.recycle.action, source_media_id: input.recycle.sourceMediaId }
        : {}),
    })
    .onConflict((oc) => oc.column("run_id").doNothing())
    .returningAll()
    .executeTakeFirst();
  if (created) return { publication: created, parts: await insertParts(db, created, [], input) };
  // A retry or a resumed chain: the ledger exists; add the parts a crash left out.
  const publication = await db
    .selectFrom("publications")
    .selectAll()
    .where("run_id", "=", input.runId)
    .executeTakeFirstOrThrow();
  const existing = await listParts(db, publication.id);
  const added = await insertParts(db, publication, existing, input);
  const parts = [...existing, ...added].sort((a, b) => a.position - b.position);
  return { publication, parts };
}

/** Inserts the part rows `existing` lacks (positions 0 … partCount-1) and returns them. */
async function insertParts(
  db: Db,
  publication: Pick<PublicationRow, "id" | "account_id">,
  existing: PublicationPartRow[],
  input: { partCount: number; now: number },
): Promise<PublicationPartRow[]> {
  const have = new Set(existing.map((p) => p.position));
  const missing = [];
  for (let position = 0; position < input.partCount; position++) {
    if (!have.has(position)) {
      missing.push({
        publication_id: publication.id,
        account_id: publication.account_id,
        position,
        state: "pending" as const,
        updated_at: input.now,
      });
    }
  }
  if (missing.length === 0) return [];
  const rows = await db.insertInto("publication_parts").values(missing).returningAll().execute();
  return rows.sort((a, b) => a.position - b.position);
}

/** Whether a publication was opened for the run: something of it may be on Threads. */
export async function hasLedger(db: Db, runId: number): Promise<boolean> {
  const row = await db.selectFrom("publications").select("id").where("run_id", "=", runId).executeTakeFirst();
  return row !== undefined;
}

export async function getLedgerByRun(db: Db, runId: number): Promise<Ledger | undefined> {
  const publication = await db
    .selectFrom("publications")
    .selectAll()
    .where("run_id", "=", runId)
    .executeTakeFirst();
  if (!publication) return undefined;
  return { publication, parts: await listParts(db, publication.id) };
}

export function listParts(db: Db, publicationId: number): Promise<PublicationPartRow[]> {
  return db
    .selectFrom("publication_parts")
    .selectAll()
    .where("publication_id", "=", publicationId)
    .orderBy("position")
    .execute();
}

export interface PartPatch {
  state?: PartState;
  children_json?: string | null;
  container_id?: string | null;
  media_id?: string | null;
  permalink?: string | null;
  error?: string | null;
}

/** Which of `mediaIds` a part of the account's ledger records already (as published). */
export async function recordedMediaIds(
  db: Db,
  accountId: number,
  mediaIds: readonly string[],
): Promise<Set<string>> {
  if (mediaIds.length === 0) return new Set();
  const rows = await db
    .selectFrom("publication_parts")
    .select("media_id")
    .where("account_id", "=", accountId)
    .where("media_id", "in", [...mediaIds])
    .execute();
  return new Set(rows.map((r) => r.media_id).filter((id): id is string => id !== null));
}

export async function updatePart(db: Db, partId: number, patch: PartPatch, now: number): Promise<void> {
  await db
    .updateTable("publication_parts")
    .set({ ...patch, updated_at: now })
    .where("id", "=", partId)
    .execute();
}

/**
 * Records that the part's publish call is about to be sent, in the same statement as the lease check: the
 * row changes only while `lease.nodeId` still holds the run (running, lease not run out). Returns
 * false, writing nothing, when the lease was lost: the caller must not publish.
 */
export async function markPublishRequested(
  db: Db,
  partId: number,
  /** null for a repost: it has no container. */
  containerId: string | null,
  now: number,
  lease: { runId: number; nodeId: string },
): Promise<boolean> {
  const result = await db
    .updateTable("publication_parts")
    .set({ state: "publish_requested", container_id: containerId, updated_at: now })
    .where("id", "=", partId)
    .where((eb) => {
      let held = eb
        .selectFrom("runs")
        .select("runs.id")
        .where("runs.id", "=", lease.runId)
        .where("runs.locked_by", "=", lease.nodeId)
        .where("runs.state", "=", "running")
        .where("runs.lease_until", ">", now);
      // PostgreSQL reads the run from this statement's snapshot: without a lock, lease recovery could
      // commit (and another node read the part as `pending`) while this write still goes through. FOR SHARE
      // makes recovery wait for this write, or this write re-check the recovered row and do nothing.
      // SQLite serialises writers, so there is nothing to lock.
      if (dialectOf(db) === "postgres") held = held.forShare();
      return eb.exists(held);
    })
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setPublicationState(
  db: Db,
  publicationId: number,
  state: PublicationState,
  now: number,
  error: string | null = null,
): Promise<void> {
  await db
    .updateTable("publications")
    .set({ state, error, updated_at: now, ...(state === "published" ? { published_at: now } : {}) })
    .where("id", "=", publicationId)
    .execute();
}

/** Posts (root parts) and replies this account published since `since`, from our own ledger. */
export async function countPublishedSince(
  db: Db,
  accountId: number,
  since: number,
): Promise<{ posts: number; replies: number }> {
  // One range of the (account_id, state, updated_at) index, whatever the statistics say.
  const rows = await db
    .selectFrom("publication_parts")
    .select((eb) => ["position", eb.fn.countAll<number>().as("n")])
    .where("account_id", "=", accountId)
    .where("state", "=", "published")
    .where("updated_at", ">=", since)
    .groupBy("position")
    .execute();
  let posts = 0;
  let replies = 0;
  for (const r of rows) {
    if (r.position === 0) posts += Number(r.n);
    else replies += Number(r.n);
  }
  return { posts, replies };
}
