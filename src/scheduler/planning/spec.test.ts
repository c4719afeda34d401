import { describe, expect, it } from "vitest";
import { runsOn, validateSpec, windowMinutes } from "./spec.js";
import type { ScheduleSpec } from "./types.js";
import { WEEKDAYS } from "./types.js";

const fixed: ScheduleSpec = {
  kind: "fixed",
  times: ["10:00", "15:00"],
  days: [...WEEKDAYS],
  timezone: "Asia/Tokyo",
};
const random: ScheduleSpec = {
  kind: "random",
  windowStart: "10:00",
  windowEnd: "22:00",
  postsPerDay: 5,
  minGapMinutes: 30,
  days: ["mon", "fri"],
  timezone: "Europe/Berlin",
};

describe("validateSpec", () => {
  it("accepts good fixed and random specs", () => {
    expect(validateSpec(fixed)).toEqual([]);
    expect(validateSpec(random)).toEqual([]);
    expect(
      validateSpec({ ...random, windowStart: "22:00", windowEnd: "02:00", minGapMinutes: undefined }),
    ).toEqual([]);
  });

  it("names a bad zone, an unknown weekday and an empty day list", () => {
    expect(validateSpec({ ...fixed, timezone: "Mars/Base" })).toEqual([
      '"Mars/Base" is not an IANA time zone (for example Asia/Tokyo or Europe/Berlin).',
    ]);
    expect(validateSpec({ ...fixed, days: ["mon", "funday" as never] })).toEqual([
      '"funday" is not a day of the week: use mon, tue, wed, thu, fri, sat, sun.',
    ]);
    expect(validateSpec({ ...fixed, days: [] })).toEqual(["Choose at least one day of the week."]);
  });

  it("checks fixed times", () => {
    expect(validateSpec({ ...fixed, times: [] })).toEqual(["Add at least one time of day (HH:MM)."]);
    expect(validateSpec({ ...fixed, times: ["10:00", "25:00"] })).toEqual([
      '"25:00" is not a time of day: use HH:MM from 00:00 to 23:59.',
    ]);
    expect(validateSpec({ ...fixed, times: ["09:00", "9:00"] })).toEqual(["9:00 is listed twice."]);
  });

  it("checks random windows, counts and gaps", () => {
    expect(validateSpec({ ...random, windowEnd: undefined })).toEqual([
      "A random schedule needs a window start and end (HH:MM).",
    ]);
    expect(validateSpec({ ...random, postsPerDay: 0 })).toEqual([
      "Posts per day must be a whole number from 1 to 1440 (one a minute).",
    ]);
    expect(validateSpec({ ...random, windowEnd: "10:00", postsPerDay: 1441, minGapMinutes: 0 })).toEqual([
      "Posts per day must be a whole number from 1 to 1440 (one a minute).",
    ]);
    expect(validateSpec({ ...random, minGapMinutes: -5 })).toEqual([
      "The minimum gap must be a whole number of minutes, 0 or more.",
    ]);
  });

  it("rejects a window too short for N posts with the minimum gap (posts sit on minutes of [start, end))", () => {
    const tight = { ...random, windowStart: "10:00", postsPerDay: 5, minGapMinutes: 10 };
    expect(validateSpec({ ...tight, windowEnd: "10:40" })).toEqual([
      "The window 10:00–10:40 is 40 minutes long: too short for 5 posts 10 minutes apart, which need at least 41. " +
        "Widen the window, or lower the posts per day or the minimum gap.",
    ]);
    expect(validateSpec({ ...tight, windowEnd: "10:41" })).toEqual([]);
    // A 24 h window (end == start) holds one post a minute.
    expect(validateSpec({ ...random, windowEnd: "10:00", postsPerDay: 1440, minGapMinutes: 0 })).toEqual([]);
  });
});

describe("windows and days", () => {
  it("measures nominal window length, crossing midnight when end <= start", () => {
    expect(windowMinutes("10:00", "22:00")).toBe(720);
    expect(windowMinutes("22:00", "02:00")).toBe(240);
    expect(windowMinutes("10:00", "10:00")).toBe(1440);
  });

  it("runs on the selected local weekdays", () => {
    expect(runsOn(random, "2026-03-09")).toBe(true); // Monday
    expect(runsOn(random, "2026-03-10")).toBe(false);
  });
});
