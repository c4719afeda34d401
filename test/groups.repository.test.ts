import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import {
  getGroup,
  insertGroup,
  listEnabledIds,
  listGroupIdsOfAccount,
  listGroupsByAccount,
  removeGroup,
  setGroupEnabled,
  updateGroup,
} from "../src/groups/groups.repository.js";
import type { PostPart } from "../src/threads/post.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";

const T0 = Date.UTC(2025, 9, 22);

async function account(t: TestDb, n: number): Promise<number> {
  const row = await insertAccount(t.db, accountRow(n, T0, { token_expires_at: T0 }));
  return row.id;
}

const chain: PostPart[] = [
  { text: "root", topic_tag: "news" },
  { text: "reply", media: [{ kind: "IMAGE", url: "https://x/a.jpg", alt_text: "a" }] },
  { text: "last", poll_attachment: { option_a: "yes", option_b: "no" } },
];

describe.each(DIALECTS)("groups repository on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  it("inserts a group with its parts in order and reads it back", async () => {
    t = await createTestDb(dialect);
    const acc = await account(t, 1);
    const g = await insertGroup(t.db, { accountId: acc, name: "chain", parts: chain, now: T0 });
    expect(g).toMatchObject({ accountId: acc, name: "chain", enabled: true, weight: 1, parts: chain });
    expect(await getGroup(t.db, g.id)).toEqual(g);
    const positions = await t.db
      .selectFrom("post_parts")
      .select("position")
      .where("group_id", "=", g.id)
      .orderBy("position")
      .execute();
    expect(positions.map((p) => p.position)).toEqual([0, 1, 2]);
    expect(await getGroup(t.db, 999)).toBeUndefined();
  });

  it("writes nothing when a part cannot be inserted", async () => {
    t = await createTestDb(dialect);
    // A group for an account that does not exist violates the foreign key: no row of it remains.
    await expect(insertGroup(t.db, { accountId: 999, name: "x", parts: chain, now: T0 })).rejects.toThrow();
    expect(await t.db.selectFrom("post_groups").selectAll().execute()).toEqual([]);
    expect(await t.db.selectFrom("post_parts").selectAll().execute()).toEqual([]);
  });

  it("lists an account's groups with their parts and filters by enabled", async () => {
    t = await createTestDb(dialect);
    const a = await account(t, 1);
    const b = await account(t, 2);
    const g1 = await insertGroup(t.db, { accountId: a, name: "one", parts: chain, now: T0 });
    const g2 = await insertGroup(t.db, {
      accountId: a,
      name: "two",
      parts: [{ text: "solo" }],
      enabled: false,
      weight: 3,
      now: T0,
    });
    await insertGroup(t.db, { accountId: b, name: "other", parts: [{ text: "b" }], now: T0 });
    const all = await listGroupsByAccount(t.db, a);
    expect(all.map((g) => [g.id, g.name, g.parts.length, g.enabled, g.weight])).toEqual([
      [g1.id, "one", 3, true, 1],
      [g2.id, "two", 1, false, 3],
    ]);
    expect(all[0]!.parts).toEqual(chain);
    expect((await listGroupsByAccount(t.db, a, { enabled: true })).map((g) => g.id)).toEqual([g1.id]);
    expect(await listEnabledIds(t.db, a)).toEqual([g1.id]);
    expect(await listGroupsByAccount(t.db, 999)).toEqual([]);
    expect((await listGroupIdsOfAccount(t.db, a, [g1.id, g2.id, 12345])).sort()).toEqual(
      [g1.id, g2.id].sort(),
    );
  });

  it("enables, updates parts, and removes groups with their parts", async () => {
    t = await createTestDb(dialect);
    const a = await account(t, 1);
    const g = await insertGroup(t.db, { accountId: a, name: "one", parts: chain, now: T0 });
    expect(await setGroupEnabled(t.db, g.id, false, T0 + 1)).toBe(true);
    expect(await listEnabledIds(t.db, a)).toEqual([]);
    expect(
      await updateGroup(t.db, g.id, { name: "renamed", weight: 5, parts: [{ text: "new" }] }, T0 + 2),
    ).toBe(true);
    expect(await getGroup(t.db, g.id)).toMatchObject({
      name: "renamed",
      weight: 5,
      enabled: false,
      parts: [{ text: "new" }],
      updatedAt: T0 + 2,
    });
    expect(await updateGroup(t.db, 999, { name: "x" }, T0)).toBe(false);
    expect(await removeGroup(t.db, g.id)).toBe(true);
    expect(await removeGroup(t.db, g.id)).toBe(false);
    expect(await t.db.selectFrom("post_parts").selectAll().execute()).toEqual([]);
  });
});
