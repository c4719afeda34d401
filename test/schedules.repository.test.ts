import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { toScheduleColumns, withDefaults } from "../src/schedules/schedule.js";
import {
  getSchedule,
  insertSchedule,
  listSchedules,
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
});
