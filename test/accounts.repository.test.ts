import { afterEach, describe, expect, it } from "vitest";
import {
  getAccount,
  getAccountByThreadsUserId,
  insertAccount,
  insertAccountIfNew,
  listAccounts,
  listTokensExpiringBefore,
  removeAccount,
  setAccountStatus,
  setAccountTimezone,
  updateAccountProfile,
  updateAccountToken,
} from "../src/accounts/accounts.repository.js";
import type { NewAccountRow } from "../src/db/schema.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";

const T0 = Date.UTC(2025, 9, 22, 0, 0, 0);
const DAY = 86_400_000;

function newAccount(n: number, overrides: Partial<NewAccountRow> = {}): NewAccountRow {
  return accountRow(n, T0, { timezone: "Asia/Tokyo", ...overrides });
}

describe.each(DIALECTS)("accounts repository on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  it("inserts, reads by id and by Threads user id, lists with a status filter", async () => {
    t = await createTestDb(dialect);
    const a = await insertAccount(t.db, newAccount(1));
    const b = await insertAccount(t.db, newAccount(2, { status: "paused", status_reason: "holiday" }));
    expect(a.id).toBeTypeOf("number");
    expect(a.token_expires_at).toBe(T0 + 60 * DAY);
    expect(await getAccount(t.db, a.id)).toEqual(a);
    expect(await getAccountByThreadsUserId(t.db, "u2")).toEqual(b);
    expect(await getAccount(t.db, 999)).toBeUndefined();
    expect((await listAccounts(t.db)).map((r) => r.id)).toEqual([a.id, b.id]);
    expect((await listAccounts(t.db, { status: "paused" })).map((r) => r.id)).toEqual([b.id]);
  });

  it("insertAccountIfNew does nothing for a known Threads user", async () => {
    t = await createTestDb(dialect);
    const a = await insertAccountIfNew(t.db, newAccount(1));
    expect(a?.username).toBe("user1");
    expect(await insertAccountIfNew(t.db, newAccount(1, { username: "other" }))).toBeUndefined();
    expect((await listAccounts(t.db)).map((r) => r.username)).toEqual(["user1"]);
  });

  it("updates token, profile, time zone and status", async () => {
    t = await createTestDb(dialect);
    const a = await insertAccount(t.db, newAccount(1));
    expect(
      await updateAccountToken(t.db, a.id, {
        ciphertext: "new",
        expiresAt: T0 + 70 * DAY,
        issuedAt: T0 + 10 * DAY,
        refreshedAt: T0 + 10 * DAY,
        now: T0 + 10 * DAY,
      }),
    ).toBe(true);
    await updateAccountProfile(t.db, a.id, {
      username: "renamed",
      name: "Name",
      pictureUrl: "https://p",
      now: T0 + 11 * DAY,
    });
    await setAccountTimezone(t.db, a.id, "Europe/Berlin", T0 + 11 * DAY);
    await setAccountStatus(t.db, a.id, "reauth_required", "Error validating access token", T0 + 12 * DAY);
    const row = await getAccount(t.db, a.id);
    expect(row).toMatchObject({
      token_ciphertext: "new",
      token_expires_at: T0 + 70 * DAY,
      token_issued_at: T0 + 10 * DAY,
      token_refreshed_at: T0 + 10 * DAY,
      username: "renamed",
      name: "Name",
      picture_url: "https://p",
      timezone: "Europe/Berlin",
      status: "reauth_required",
      status_reason: "Error validating access token",
      updated_at: T0 + 12 * DAY,
    });
    // A token update without refreshedAt leaves the last refresh as it was.
    await updateAccountToken(t.db, a.id, { ciphertext: "x", expiresAt: 1, issuedAt: 1, now: 1 });
    expect((await getAccount(t.db, a.id))?.token_refreshed_at).toBe(T0 + 10 * DAY);
    expect(await setAccountStatus(t.db, 999, "active", null, T0)).toBe(false);
  });

  it("lists tokens expiring before an instant, soonest first, by status", async () => {
    t = await createTestDb(dialect);
    const late = await insertAccount(t.db, newAccount(1, { token_expires_at: T0 + 30 * DAY }));
    const soon = await insertAccount(t.db, newAccount(2, { token_expires_at: T0 + 2 * DAY }));
    const paused = await insertAccount(
      t.db,
      newAccount(3, { token_expires_at: T0 + 3 * DAY, status: "paused" }),
    );
    await insertAccount(t.db, newAccount(4, { token_expires_at: T0 + 1 * DAY, status: "reauth_required" }));
    const ids = (rows: { id: number }[]) => rows.map((r) => r.id);
    expect(ids(await listTokensExpiringBefore(t.db, T0 + 7 * DAY))).toHaveLength(3);
    expect(
      ids(await listTokensExpiringBefore(t.db, T0 + 7 * DAY, { statuses: ["active", "paused"] })),
    ).toEqual([soon.id, paused.id]);
    expect(ids(await listTokensExpiringBefore(t.db, T0 + 31 * DAY, { statuses: ["active"] }))).toEqual([
      soon.id,
      late.id,
    ]);
    expect(await listTokensExpiringBefore(t.db, T0 + 31 * DAY, { statuses: [] })).toEqual([]);
  });

  it("removes an account together with its groups and schedules", async () => {
    t = await createTestDb(dialect);
    const a = await insertAccount(t.db, newAccount(1));
    await t.db
      .insertInto("post_groups")
      .values({ account_id: a.id, name: "g", created_at: T0, updated_at: T0 })
      .execute();
    expect(await removeAccount(t.db, a.id)).toBe(true);
    expect(await removeAccount(t.db, a.id)).toBe(false);
    expect(await t.db.selectFrom("post_groups").selectAll().execute()).toEqual([]);
  });
});
