import { describe, expect, it } from "vitest";
import { settingsOf, settingsProblems, toSchedule, toScheduleColumns, withDefaults } from "./schedule.js";

describe("schedule settings", () => {
  it("fills defaults and keeps only the fields of the kind", () => {
    expect(withDefaults({ kind: "fixed", times: ["10:00"], windowStart: "09:00", postsPerDay: 3 })).toEqual({
      kind: "fixed",
      times: ["10:00"],
      days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
      pick: "random",
      active: true,
      timezone: null,
      groupIds: null,
      misfireGraceMinutes: 15,
      until: null,
    });
    expect(
      withDefaults({ kind: "random", windowStart: "22:00", windowEnd: "02:00", postsPerDay: 2 }),
    ).toMatchObject({
      kind: "random",
      windowStart: "22:00",
      windowEnd: "02:00",
      postsPerDay: 2,
      minGapMinutes: 0,
    });
  });

  it("stores a canonical form that reads back to the same settings", () => {
    const columns = toScheduleColumns(
      withDefaults({ kind: "fixed", times: ["20:00", "9:05"], days: ["sun", "mon"], groupIds: [5, 2, 5] }),
    );
    expect(columns).toMatchObject({
      times_json: '["09:05","20:00"]',
      window_start: null,
      posts_per_day: null,
      days_json: '["mon","sun"]',
      group_ids_json: "[2,5]",
      active: 1,
    });
    const schedule = toSchedule({
      ...columns,
      id: 1,
      account_id: 2,
      version: 1,
      pick_state_json: null,
      created_at: 0,
      updated_at: 0,
    } as never);
    expect(schedule).toMatchObject({ times: ["09:05", "20:00"], days: ["mon", "sun"], groupIds: [2, 5] });
    expect(schedule.windowStart).toBeUndefined();
    expect(settingsOf(schedule)).not.toHaveProperty("id");
  });

  it("reports every problem with a message the user can act on", () => {
    expect(settingsProblems(withDefaults({ kind: "fixed", times: ["25:00"] }), "UTC")).toEqual([
      '"25:00" is not a time of day: use HH:MM from 00:00 to 23:59.',
    ]);
    const problems = settingsProblems(
      withDefaults({
        kind: "random",
        windowStart: "10:00",
        windowEnd: "10:30",
        postsPerDay: 2,
        minGapMinutes: 60,
        pick: "best" as never,
        groupIds: [],
        misfireGraceMinutes: -5,
      }),
      "UTC",
    );
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(/too short for 2 posts/);
    expect(problems.join("\n")).toMatch(/"best" is not a pick policy/);
    expect(problems.join("\n")).toMatch(/misfire grace/);
    expect(problems.join("\n")).toMatch(/at least one post group/);
    expect(settingsProblems(withDefaults({ kind: "fixed", times: ["10:00"] }), "Asia/Tokyo")).toEqual([]);
    expect(
      settingsProblems(withDefaults({ kind: "fixed", times: ["10:00"], timezone: "Nowhere/City" }), "UTC")[0],
    ).toMatch(/"Nowhere\/City" is not an IANA time zone/);
  });
});
