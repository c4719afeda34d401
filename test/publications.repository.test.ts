/**
 * The publication ledger on both databases: opening it (first run, retry, a crash between its two inserts)
 * and the lease-conditional `publish_requested` write that stands between a stalled node and a duplicate.
 */
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { listParts, markPublishRequested, openLedger } from "../src/publications/publications.repository.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow, runRow } from "./helpers/fixtures.js";

const T0 = Date.UTC(2026, 10, 29, 9);
const LEASE_MS = 60_000;

describe.each(DIALECTS)("publications repository on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  /** An account and one run running on `node-a` with a lease until T0 + LEASE_MS. */
  async function running() {
    t = await createTestDb(dialect);
    const account = await insertAccount(t.db, accountRow(1, T0));
    const occ = await t.db
      .insertInto("runs")
      .values(
        runRow(account.id, T0, {
          state: "running",
          attempts: 1,
          locked_by: "node-a",
          lease_until: T0 + LEASE_MS,
        }),
      )
      .returning("id")
      .executeTakeFirstOrThrow();
    return { accountId: account.id, runId: occ.id };
  }

  const input = (ids: { accountId: number; runId: number }, partCount: number) => ({
    ...ids,
    groupId: null,
    partCount,
    now: T0,
  });

  it("opens a ledger with one pending part per position, and returns the same rows on a retry", async () => {
    const ids = await running();
    const first = await openLedger(t.db, input(ids, 3));
    expect(first.publication).toMatchObject({
      run_id: ids.runId,
      account_id: ids.accountId,
      state: "publishing",
    });
    expect(first.parts.map((p) => [p.position, p.state])).toEqual([
      [0, "pending"],
      [1, "pending"],
      [2, "pending"],
    ]);
    expect(first.parts.every((p) => p.publication_id === first.publication.id)).toBe(true);
    expect(first.parts.every((p) => p.account_id === ids.accountId)).toBe(true);

    const again = await openLedger(t.db, input(ids, 3));
    expect(again.publication.id).toBe(first.publication.id);
    expect(again.parts.map((p) => p.id)).toEqual(first.parts.map((p) => p.id));
    expect(await t.db.selectFrom("publications").select("id").execute()).toHaveLength(1);
  });

  it("completes a ledger a crash left without parts (or with some of them)", async () => {
    const ids = await running();
    const publication = await t.db
      .insertInto("publications")
      .values({
        run_id: ids.runId,
        account_id: ids.accountId,
        group_id: null,
        state: "publishing",
        created_at: T0,
        updated_at: T0,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto("publication_parts")
      .values({ publication_id: publication.id, position: 1, state: "published", updated_at: T0 })
      .execute();

    const ledger = await openLedger(t.db, input(ids, 3));
    expect(ledger.publication.id).toBe(publication.id);
    expect(ledger.parts.map((p) => [p.position, p.state])).toEqual([
      [0, "pending"],
      [1, "published"],
      [2, "pending"],
    ]);
    expect((await listParts(t.db, publication.id)).map((p) => p.id)).toEqual(ledger.parts.map((p) => p.id));
  });

  it("marks a part publish_requested only while the node holds the run's lease", async () => {
    const ids = await running();
    const [part] = (await openLedger(t.db, input(ids, 1))).parts;
    const lease = { runId: ids.runId, nodeId: "node-a" };
    const state = async () =>
      (await t.db.selectFrom("publication_parts").selectAll().where("id", "=", part!.id).executeTakeFirst())!;

    // Another node, or this node after its lease ran out: nothing is written.
    expect(await markPublishRequested(t.db, part!.id, "c-1", T0, { ...lease, nodeId: "node-b" })).toBe(false);
    expect(await markPublishRequested(t.db, part!.id, "c-1", T0 + LEASE_MS, lease)).toBe(false);
    expect(await state()).toMatchObject({ state: "pending", container_id: null });

    expect(await markPublishRequested(t.db, part!.id, "c-1", T0 + 1_000, lease)).toBe(true);
    expect(await state()).toMatchObject({
      state: "publish_requested",
      container_id: "c-1",
      updated_at: T0 + 1_000,
    });

    // Once the run is settled (or handed to needs_check), the lease is gone.
    await t.db
      .updateTable("runs")
      .set({ state: "needs_check", locked_by: null, lease_until: null })
      .where("id", "=", ids.runId)
      .execute();
    expect(await markPublishRequested(t.db, part!.id, "c-2", T0 + 2_000, lease)).toBe(false);
    expect(await state()).toMatchObject({ container_id: "c-1" });
  });

  // PostgreSQL only: SQLite serialises writers, so no recovery can be in flight during the write.
  if (dialect !== "postgres") return;
  it("waits for a lease recovery in flight and then refuses, instead of writing from a stale snapshot", async () => {
    const ids = await running();
    const [part] = (await openLedger(t.db, input(ids, 1))).parts;
    const lease = { runId: ids.runId, nodeId: "node-a" };
    let write: Promise<boolean> | undefined;
    let wrote = false;
    await t.db.transaction().execute(async (trx) => {
      // Another node's recovery has updated the run but not committed yet.
      await trx
        .updateTable("runs")
        .set({ state: "needs_check", locked_by: null, lease_until: null })
        .where("id", "=", ids.runId)
        .execute();
      write = markPublishRequested(t.db, part!.id, "c-1", T0 + 1_000, lease).then((ok) => {
        wrote = true;
        return ok;
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(wrote).toBe(false); // blocked on the recovery's row lock
    });
    expect(await write).toBe(false);
    const row = await t.db
      .selectFrom("publication_parts")
      .selectAll()
      .where("id", "=", part!.id)
      .executeTakeFirst();
    expect(row).toMatchObject({ state: "pending", container_id: null });
  });
});
