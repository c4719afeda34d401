import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { insertGroup, setGroupEnabled } from "../src/groups/groups.repository.js";
import { toScheduleColumns, withDefaults } from "../src/schedules/schedule.js";
import {
  getSchedule,
  insertSchedule,
  listSchedules,
  listSchedulesWithoutGroups,
  removeSchedule,
  setScheduleActive,
  updateSchedule,
} from "../src/schedules/schedules.repository.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";

const T0 = Date.UTC(2025, 9, 22);

describe.each(DIALECTS)("schedules repository on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  it("inserts, lists by account and state, bumps the version on update, removes", async () => {
    t = await createTestDb(dialect);
    const ids: number[] = [];
    for (const n of [1, 2]) {
      const account = await insertAccount(t.db, accountRow(n, T0, { token_expires_at: T0 }));
      ids.push(account.id);
    }
    const columns = toScheduleColumns(withDefaults({ kind: "fixed", times: ["10:00"] }));
    const a = await insertSchedule(t.db, { account_id: ids[0]!, ...columns, created_at: T0, updated_at: T0 });
    const b = await insertSchedule(t.db, { account_id: ids[1]!, ...columns, created_at: T0, updated_at: T0 });
    expect(a).toMatchObject({ version: 1, active: 1, pick: "random", misfire_grace_minutes: 15 });
    expect((await listSchedules(t.db, { accountId: ids[1]! })).map((s) => s.id)).toEqual([b.id]);

    const updated = await updateSchedule(t.db, a.id, { times_json: '["11:00"]', updated_at: T0 + 1 });
    expect(updated).toMatchObject({ version: 2, times_json: '["11:00"]', updated_at: T0 + 1 });
    expect(await updateSchedule(t.db, 999, { updated_at: T0 })).toBeUndefined();

    expect((await setScheduleActive(t.db, a.id, false, T0 + 2))?.active).toBe(0);
    expect((await listSchedules(t.db, { active: true })).map((s) => s.id)).toEqual([b.id]);
    expect((await listSchedules(t.db, { active: false })).map((s) => s.id)).toEqual([a.id]);

    expect(await removeSchedule(t.db, a.id)).toBe(true);
    expect(await removeSchedule(t.db, a.id)).toBe(false);
    expect(await getSchedule(t.db, a.id)).toBeUndefined();
  });

  it("finds the active schedules with no enabled post group to draw from", async () => {
    t = await createTestDb(dialect);
    const [a1, a2, a3] = await Promise.all(
      [1, 2, 3].map(async (n) => (await insertAccount(t.db, accountRow(n, T0, { token_expires_at: T0 }))).id),
    );
    const group = (accountId: number, name: string) =>
      insertGroup(t.db, { accountId, name, parts: [{ text: name }], now: T0 });
    const g1 = await group(a1!, "one");
    const g2 = await group(a1!, "two");
    const g3 = await group(a2!, "three");
    await setGroupEnabled(t.db, g3.id, false, T0);
    const schedule = async (accountId: number, settings: { groupIds?: number[]; active?: boolean } = {}) =>
      (
        await insertSchedule(t.db, {
          account_id: accountId,
          ...toScheduleColumns(withDefaults({ kind: "fixed", times: ["10:00"], ...settings })),
          created_at: T0,
          updated_at: T0,
        })
      ).id;
    const fine = await schedule(a1!);
    const chosenFine = await schedule(a1!, { groupIds: [g2.id] });
    const onlyDisabled = await schedule(a2!); // its account's only group is disabled
    const none = await schedule(a3!); // no group at all
    await schedule(a3!, { active: false }); // paused: nothing would run anyway
    await setGroupEnabled(t.db, g1.id, false, T0);
    const chosenDisabled = await schedule(a1!, { groupIds: [g1.id] }); // account has g2, but it chose g1

    const found = await listSchedulesWithoutGroups(t.db);
    expect(found).toEqual([
      { id: onlyDisabled, accountId: a2, username: "user2", selected: false },
      { id: none, accountId: a3, username: "user3", selected: false },
      { id: chosenDisabled, accountId: a1, username: "user1", selected: true },
    ]);
    expect(await listSchedulesWithoutGroups(t.db, { scheduleId: fine })).toEqual([]);
    expect(await listSchedulesWithoutGroups(t.db, { scheduleId: chosenFine })).toEqual([]);
    expect((await listSchedulesWithoutGroups(t.db, { scheduleId: none })).map((s) => s.id)).toEqual([none]);
    expect((await listSchedulesWithoutGroups(t.db, { accountId: a1! })).map((s) => s.id)).toEqual([
      chosenDisabled,
    ]);
  });
});
