import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import type { PostGroupRow } from "../db/schema.js";
import { inTransaction } from "../db/transaction.js";
import type { PostPart } from "../threads/post.js";
import { type PostGroup, parsePartSpec, serialisePart, toPostGroup } from "./group.js";

/** A database or a transaction (a Kysely `Transaction` is a `Kysely`). */

export interface GroupInsert {
  accountId: number;
  name: string;
  parts: PostPart[];
  enabled?: boolean;
  weight?: number;
  deleteAfterMinutes?: number | null;
  now: number;
}

/** The group row and its parts are written together or not at all. */
export async function insertGroup(db: Db, group: GroupInsert): Promise<PostGroup> {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto("post_groups")
      .values({
        account_id: group.accountId,
        name: group.name,
        enabled: group.enabled === false ? 0 : 1,
        weight: group.weight ?? 1,
        delete_after_minutes: group.deleteAfterMinutes ?? null,
        created_at: group.now,
        updated_at: group.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await insertParts(trx, row.id, group.parts);
    return toPostGroup(row, group.parts);
  });
}

async function insertParts(db: Db, groupId: number, parts: PostPart[]): Promise<void> {
  if (parts.length === 0) return;
  await db
    .insertInto("post_parts")
    .values(parts.map((part, position) => ({ group_id: groupId, position, spec_json: serialisePart(part) })))
    .execute();
}

export async function getGroup(db: Db, id: number): Promise<PostGroup | undefined> {
  const row = await db.selectFrom("post_groups").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) return undefined;
  const parts = await db
    .selectFrom("post_parts")
    .select("spec_json")
    .where("group_id", "=", id)
    .orderBy("position")
    .execute();
  return toPostGroup(
    row,
    parts.map((p) => parsePartSpec(p.spec_json)),
  );
}

export interface GroupFilter {
  enabled?: boolean;
  /** Default "live": removed (archived) groups are left out; "archived": only them; "all": both. */
  archived?: "live" | "archived" | "all";
}

/** Every group of an account with its parts: two queries, whatever the number of groups. */
export async function listGroupsByAccount(
  db: Db,
  accountId: number,
  filter: GroupFilter = {},
): Promise<PostGroup[]> {
  let q = db.selectFrom("post_groups").selectAll().where("account_id", "=", accountId);
  if (filter.enabled !== undefined) q = q.where("enabled", "=", filter.enabled ? 1 : 0);
  const archived = filter.archived ?? "live";
  if (archived === "live") q = q.where("archived_at", "is", null);
  else if (archived === "archived") q = q.where("archived_at", "is not", null);
  const rows = await q.orderBy("id").execute();
  return attachParts(db, rows);
}

async function attachParts(db: Db, rows: PostGroupRow[]): Promise<PostGroup[]> {
  if (rows.length === 0) return [];
  const parts = await db
    .selectFrom("post_parts")
    .select(["group_id", "spec_json"])
    .where(
      "group_id",
      "in",
      rows.map((r) => r.id),
    )
    .orderBy("group_id")
    .orderBy("position")
    .execute();
  const byGroup = new Map<number, PostPart[]>();
  for (const p of parts) {
    const list = byGroup.get(p.group_id) ?? [];
    list.push(parsePartSpec(p.spec_json));
    byGroup.set(p.group_id, list);
  }
  return rows.map((row) => toPostGroup(row, byGroup.get(row.id) ?? []));
}

export async function setGroupEnabled(db: Db, id: number, enabled: boolean, now: number): Promise<boolean> {
  const result = await db
    .updateTable("post_groups")
    .set({ enabled: enabled ? 1 : 0, updated_at: now })
    .where("id", "=", id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface GroupPatch {
  name?: string;
  weight?: number;
  enabled?: boolean;
  /** Replaces every part. */
  parts?: PostPart[];
  /** null clears it (never deleted). */
  deleteAfterMinutes?: number | null;
}

export async function updateGroup(db: Db, id: number, patch: GroupPatch, now: number): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const result = await trx
      .updateTable("post_groups")
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.weight !== undefined ? { weight: patch.weight } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
        ...(patch.deleteAfterMinutes !== undefined ? { delete_after_minutes: patch.deleteAfterMinutes } : {}),
        updated_at: now,
      })
      .where("id", "=", id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    if (patch.parts !== undefined) {
      await trx.deleteFrom("post_parts").where("group_id", "=", id).execute();
      await insertParts(trx, id, patch.parts);
    }
    return true;
  });
}

/**
 * Deletes the group and its parts; runs and publications keep the id but not what was posted. The
 * service archives instead (`archiveGroup`); kept for tests and tooling.
 */
export async function removeGroup(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom("post_groups").where("id", "=", id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Marks a live group removed: it is never picked again and is hidden from lists, and its parts stay so that
 * its runs still say what was posted. `false` when it does not exist or is already archived.
 */
export async function archiveGroup(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable("post_groups")
    .set({ archived_at: now, updated_at: now })
    .where("id", "=", id)
    .where("archived_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listEnabledIds(db: Db, accountId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("post_groups")
    .select("id")
    .where("account_id", "=", accountId)
    .where("enabled", "=", 1)
    .where("archived_at", "is", null)
    .orderBy("id")
    .execute();
  return rows.map((r) => r.id);
}

/**
 * PostgreSQL: locks the group row until the transaction ends, `update` for an edit of its parts and `share`
 * for a run that records it picked the group and reads its parts (they then exclude each other, so an edit
 * either sees the run or the run reads the edited parts). SQLite runs one writer at a time: nothing to do.
 */
export async function lockGroup(db: Db, id: number, mode: "update" | "share"): Promise<void> {
  if (dialectOf(db) !== "postgres") return;
  const query = db.selectFrom("post_groups").select("id").where("id", "=", id);
  await (mode === "update" ? query.forUpdate() : query.forShare()).execute();
}

/**
 * Runs `work` holding the group's share lock (see lockGroup): on PostgreSQL in a transaction of its own that
 * takes the lock first; on SQLite on `db` as it is, where one writer at a time already orders it against an edit
 * (an edit's transaction either commits before these statements or sees the run they record). A transaction there
 * would only cost a BEGIN IMMEDIATE per pick (measured: ~5-10 % of a text burst's drain).
 */
export async function withGroupShareLock<T>(db: Db, id: number, work: (db: Db) => Promise<T>): Promise<T> {
  if (dialectOf(db) !== "postgres") return work(db);
  return db.transaction().execute(async (trx) => {
    await lockGroup(trx, id, "share");
    return work(trx);
  });
}

/** Which of `ids` are live groups of the account (to check a schedule's group list). */
export async function listGroupIdsOfAccount(db: Db, accountId: number, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("post_groups")
    .select("id")
    .where("account_id", "=", accountId)
    .where("id", "in", ids)
    .where("archived_at", "is", null)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * A schedule's pool: the account's live, enabled groups with their weights, limited to `allowed` when the
 * schedule names its groups (an empty list allows none).
 */
export async function listPool(
  db: Db,
  accountId: number,
  allowed: number[] | null,
): Promise<Array<{ id: number; weight: number }>> {
  let query = db
    .selectFrom("post_groups")
    .select(["id", "weight"])
    .where("account_id", "=", accountId)
    .where("enabled", "=", 1)
    .where("archived_at", "is", null);
  if (allowed) query = allowed.length > 0 ? query.where("id", "in", allowed) : query.where("id", "=", -1);
  return query.execute();
}

/** A group's parts in order; nothing when the group was removed (archived groups keep theirs for the history). */
export async function listLiveParts(db: Db, groupId: number): Promise<PostPart[]> {
  const rows = await db
    .selectFrom("post_parts")
    .select("spec_json")
    .where("group_id", "=", groupId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("post_groups")
          .select("post_groups.id")
          .whereRef("post_groups.id", "=", "post_parts.group_id")
          .where("post_groups.archived_at", "is", null),
      ),
    )
    .orderBy("position")
    .execute();
  return rows.map((r) => parsePartSpec(r.spec_json));
}

/** Whether the group is enabled; undefined when it does not exist. */
export async function isGroupEnabled(db: Db, id: number): Promise<boolean | undefined> {
  const row = await db.selectFrom("post_groups").select("enabled").where("id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : row.enabled === 1;
}
