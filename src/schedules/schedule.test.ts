import { describe, expect, it } from "vitest";
import {
  type ScheduleSettings,
  scheduleZone,
  settingsIssues,
  settingsOf,
  settingsProblems,
  specOf,
  toSchedule,
  toScheduleColumns,
  withDefaults,
} from "./schedule.js";

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
      deleteAfterMinutes: null,
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

  it("names the setting at fault, and applies the rules for what a user may set", () => {
    const random: ScheduleSettings = {
      kind: "random",
      windowStart: "10:00",
      windowEnd: "10:00",
      postsPerDay: 3,
    };
    expect(settingsIssues(withDefaults(random), "UTC")).toEqual([
      { field: "window", message: expect.stringMatching(/starts and ends at 10:00/) },
    ]);
    expect(
      settingsIssues(withDefaults({ ...random, windowStart: "9:00", windowEnd: "09:00" }), "UTC"),
    ).toHaveLength(1);
    expect(settingsIssues(withDefaults({ ...random, windowEnd: "10:01", postsPerDay: 1 }), "UTC")).toEqual(
      [],
    );

    const fixed: ScheduleSettings = { kind: "fixed", times: ["09:00"] };
    for (const grace of [0, 1440]) {
      expect(
        settingsIssues(withDefaults({ ...fixed, misfireGraceMinutes: grace }), "UTC"),
        String(grace),
      ).toEqual([]);
    }
    for (const grace of [-1, 1441, 1.5]) {
      expect(settingsIssues(withDefaults({ ...fixed, misfireGraceMinutes: grace }), "UTC")).toEqual([
        {
          field: "misfireGraceMinutes",
          message: expect.stringContaining(`from 0 to 1440 (one day), not ${grace}`),
        },
      ]);
    }
    expect(settingsIssues(withDefaults({ ...fixed, times: ["24:00"] }), "UTC")[0]?.field).toBe("times");
    // A zone is checked once, as typed: an abbreviation is refused with the zone to use, and only once.
    expect(settingsIssues(withDefaults({ ...fixed, timezone: "JST" }), "UTC")).toEqual([
      { field: "timezone", message: "JST is an abbreviation, not a time zone: use Asia/Tokyo." },
    ]);
    expect(settingsIssues(withDefaults({ ...fixed, timezone: "Nowhere/City" }), "UTC")).toHaveLength(1);
  });

  it("stores the canonical spelling of a zone", () => {
    expect(
      toScheduleColumns(withDefaults({ kind: "fixed", times: ["09:00"], timezone: "asia/tokyo" })).timezone,
    ).toBe("Asia/Tokyo");
    expect(
      toScheduleColumns(withDefaults({ kind: "fixed", times: ["09:00"], timezone: "Etc/UTC" })).timezone,
    ).toBe("UTC");
    expect(toScheduleColumns(withDefaults({ kind: "fixed", times: ["09:00"] })).timezone).toBeNull();
  });

  it("reads a schedule's zone as its own, else its account's, else the fallback", () => {
    expect(scheduleZone("Europe/Berlin", "Asia/Tokyo", "UTC")).toBe("Europe/Berlin");
    expect(scheduleZone(null, "Asia/Tokyo", "UTC")).toBe("Asia/Tokyo");
    // An account without a zone (written by an older version) has the empty string.
    expect(scheduleZone(null, "", "UTC")).toBe("UTC");
    expect(scheduleZone(undefined, null, "America/New_York")).toBe("America/New_York");
  });

  it("derives the planner's spec from the settings, in the zone given", () => {
    expect(
      specOf(withDefaults({ kind: "fixed", times: ["10:00"], until: "2026-12-31" }), "Asia/Tokyo"),
    ).toEqual({
      kind: "fixed",
      times: ["10:00"],
      minGapMinutes: 0,
      days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
      timezone: "Asia/Tokyo",
      until: "2026-12-31",
    });
    expect(
      specOf(
        withDefaults({ kind: "random", windowStart: "22:00", windowEnd: "02:00", postsPerDay: 2 }),
        "UTC",
      ),
    ).toMatchObject({ windowStart: "22:00", windowEnd: "02:00", postsPerDay: 2, minGapMinutes: 0 });
  });

  it("names the schedule and the column when a row's JSON is damaged", () => {
    const columns = toScheduleColumns(withDefaults({ kind: "fixed", times: ["09:00"] }));
    const row = {
      ...columns,
      id: 7,
      account_id: 1,
      version: 1,
      pick_state_json: null,
      created_at: 0,
      updated_at: 0,
    };
    expect(() => toSchedule({ ...row, times_json: "[09:00" } as never)).toThrow(
      "Schedule 7: times_json is not valid JSON; save the schedule again.",
    );
  });
});
