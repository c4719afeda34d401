import { describe, expect, it } from "vitest";
import { formatLocalTime, MAX_AHEAD_DAYS, parseAt } from "./at.js";

const NOW = Date.parse("2026-12-03T06:00:00Z"); // 15:00 in Tokyo
const iso = (ms: number) => new Date(ms).toISOString();
const dueAt = (text: string, zone = "Asia/Tokyo", now = NOW) => {
  const result = parseAt(text, zone, now);
  if (!result.ok) throw new Error(result.problem);
  return iso(result.dueAt);
};
const problem = (text: string, zone = "Asia/Tokyo", now = NOW) => {
  const result = parseAt(text, zone, now);
  if (result.ok) throw new Error(`accepted: ${iso(result.dueAt)}`);
  return result.problem;
};

describe("parseAt (post --at)", () => {
  it("reads a local date and time in the account's zone", () => {
    expect(dueAt("2026-12-24 09:00")).toBe("2026-12-24T00:00:00.000Z");
    expect(dueAt("2026-12-24 9:05")).toBe("2026-12-24T00:05:00.000Z");
    expect(dueAt(" 2026-12-24T09:00:30 ")).toBe("2026-12-24T00:00:30.000Z");
    expect(dueAt("2026-12-24 09:00", "Europe/Berlin")).toBe("2026-12-24T08:00:00.000Z");
  });

  it("reads a date with slashes and full-width digits, as a Japanese keyboard gives them", () => {
    expect(dueAt("2026/12/24 09:00")).toBe("2026-12-24T00:00:00.000Z");
    expect(dueAt("2027/1/5 9:00")).toBe("2027-01-05T00:00:00.000Z");
    expect(dueAt("２０２６-１２-２４　０９：００")).toBe("2026-12-24T00:00:00.000Z");
    expect(dueAt("２０２６／１２／２４ ９：３０")).toBe("2026-12-24T00:30:00.000Z");
  });

  it("takes an ISO 8601 instant with an offset or Z as it is", () => {
    expect(dueAt("2026-12-24T09:00+09:00")).toBe("2026-12-24T00:00:00.000Z");
    expect(dueAt("2026-12-24T09:00:00-05:00")).toBe("2026-12-24T14:00:00.000Z");
    expect(dueAt("2026-12-24T00:00:00Z", "America/New_York")).toBe("2026-12-24T00:00:00.000Z");
    expect(dueAt("2026-12-24T00:00:00.250z")).toBe("2026-12-24T00:00:00.250Z");
  });

  it("follows the DST rules of schedules: a gap runs at its end, an overlap at the first run", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    // New York, 2026-03-08 02:00 -> 03:00.
    expect(dueAt("2026-03-08 02:30", "America/New_York", now)).toBe("2026-03-08T07:00:00.000Z");
    expect(dueAt("2026-03-08 02:30:45", "America/New_York", now)).toBe("2026-03-08T07:00:00.000Z");
    expect(dueAt("2026-03-08 01:59:59", "America/New_York", now)).toBe("2026-03-08T06:59:59.000Z");
    // New York, 2026-11-01 01:00–02:00 happens twice: the first (EDT, -04:00).
    expect(dueAt("2026-11-01 01:30", "America/New_York", now)).toBe("2026-11-01T05:30:00.000Z");
    expect(dueAt("2026-11-01 01:30:10", "America/New_York", now)).toBe("2026-11-01T05:30:10.000Z");
  });

  it("says how a time that DST makes missing or ambiguous was resolved", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseAt("2026-03-08 02:30", "America/New_York", now)).toEqual({
      ok: true,
      dueAt: Date.parse("2026-03-08T07:00:00Z"),
      note: "02:30 does not exist on 2026-03-08 in America/New_York (the clocks go forward): it runs at 03:00, the first valid time after the gap.",
    });
    expect(parseAt("2026-11-01 01:30", "America/New_York", now)).toEqual({
      ok: true,
      dueAt: Date.parse("2026-11-01T05:30:00Z"),
      note: "01:30 happens twice on 2026-11-01 in America/New_York (the clocks go back): it runs at the first, 01:30 EDT.",
    });
    // Lord Howe Island goes back by 30 minutes: 01:30–02:00 happens twice on 2026-04-05.
    expect(parseAt("2026-04-05 01:45", "Australia/Lord_Howe", now)).toMatchObject({
      ok: true,
      note: expect.stringMatching(/^01:45 happens twice on 2026-04-05 in Australia\/Lord_Howe/),
    });
    expect(parseAt("2026-11-01 02:30", "America/New_York", now)).toEqual({
      ok: true,
      dueAt: Date.parse("2026-11-01T07:30:00Z"),
    });
    expect(parseAt("2026-11-01T01:30-05:00", "America/New_York", now)).toEqual({
      ok: true,
      dueAt: Date.parse("2026-11-01T06:30:00Z"),
    });
  });

  it("refuses a time in the past, saying what time it is in that zone", () => {
    expect(problem("2026-12-03 14:59")).toBe(
      '"2026-12-03 14:59" (2026-12-03 14:59 JST (Asia/Tokyo)) is not in the future: it is now 2026-12-03 15:00 JST (Asia/Tokyo). Give a later time, or leave out --at to publish now.',
    );
    expect(problem("2026-12-03 15:00")).toMatch(/not in the future/);
    expect(problem("2026-12-03T05:59:59Z")).toMatch(/it is now 2026-12-03 15:00 JST/);
    expect(dueAt("2026-12-03 15:00:01")).toBe("2026-12-03T06:00:01.000Z");
  });

  it(`refuses a time more than ${MAX_AHEAD_DAYS} days ahead`, () => {
    expect(problem("2027-12-24 09:00")).toMatch(/more than 366 days ahead .*Check the year/);
    expect(dueAt("2027-12-03 15:00")).toBe("2027-12-03T06:00:00.000Z");
  });

  it("says how to write it when it cannot be read", () => {
    for (const text of ["tomorrow", "2026-12-24", "09:00", "2026-12-24T09:00+9"]) {
      expect(problem(text)).toMatch(/use "YYYY-MM-DD HH:MM" in the account's zone \(Asia\/Tokyo\)/);
    }
    expect(problem("2026-02-30 09:00")).toBe('"2026-02-30" is not a calendar date: use YYYY-MM-DD.');
    expect(problem("2026-12-24 24:00")).toMatch(/not a time of day/);
    expect(problem("2026-12-24 09:60")).toMatch(/not a time of day/);
    expect(problem("2026-13-01T09:00Z")).toMatch(/not a valid date and time/);
  });

  it("formats times back with the zone's abbreviation where one is known", () => {
    const t = Date.parse("2026-12-24T00:00:00Z");
    expect(formatLocalTime(t, "Asia/Tokyo")).toBe("2026-12-24 09:00 JST (Asia/Tokyo)");
    expect(formatLocalTime(t, "Europe/Berlin")).toBe("2026-12-24 01:00 CET (Europe/Berlin)");
    expect(formatLocalTime(t, "UTC")).toBe("2026-12-24 00:00 UTC (UTC)");
    expect(formatLocalTime(t + 5000, "America/New_York")).toBe("2026-12-23 19:00:05 EST (America/New_York)");
    expect(formatLocalTime(t, "Asia/Kathmandu")).toMatch(/^2026-12-24 05:45 \S+ \(Asia\/Kathmandu\)$/);
  });
});
