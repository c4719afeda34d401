import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  addDays,
  localDatesBetween,
  nextDailyRun,
  parseHhMm,
  previousDailyRun,
  resolveLocalTime,
  weekdayOf,
} from "./time.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe("parseHhMm", () => {
  it("reads HH:MM (and H:MM) from 00:00 to 23:59", () => {
    expect(parseHhMm("00:00")).toEqual({ hour: 0, minute: 0 });
    expect(parseHhMm("23:59")).toEqual({ hour: 23, minute: 59 });
    expect(parseHhMm("9:05")).toEqual({ hour: 9, minute: 5 });
  });

  it.each(["25:00", "24:00", "12:60", "9:5x", "", "1200", "12:5", "-1:00", "12:00:00"])(
    "rejects %j with a message that says what to type",
    (text) => {
      expect(() => parseHhMm(text)).toThrow(`"${text}" is not a time of day: use HH:MM from 00:00 to 23:59`);
    },
  );
});

describe("resolveLocalTime: DST rules", () => {
  it.each([
    // spring-forward gap -> first valid instant after the gap
    ["America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00.000Z"],
    ["America/New_York", "2026-03-08", "02:00", "2026-03-08T07:00:00.000Z"],
    ["America/New_York", "2026-03-08", "01:59", "2026-03-08T06:59:00.000Z"],
    ["America/New_York", "2026-03-08", "03:00", "2026-03-08T07:00:00.000Z"],
    // fall-back overlap -> first run (EDT)
    ["America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00.000Z"],
    ["America/New_York", "2026-11-01", "00:59", "2026-11-01T04:59:00.000Z"],
    ["America/New_York", "2026-11-01", "02:00", "2026-11-01T07:00:00.000Z"],
    ["Europe/Berlin", "2026-03-29", "02:30", "2026-03-29T01:00:00.000Z"],
    ["Europe/Berlin", "2026-10-25", "02:30", "2026-10-25T00:30:00.000Z"],
    // Helsinki springs forward AT 03:00: 03:00 itself does not exist
    ["Europe/Helsinki", "2026-03-29", "03:00", "2026-03-29T01:00:00.000Z"],
    ["Europe/Helsinki", "2026-03-29", "03:59", "2026-03-29T01:00:00.000Z"],
    ["Europe/Helsinki", "2026-03-29", "04:00", "2026-03-29T01:00:00.000Z"],
    ["Europe/Helsinki", "2026-10-25", "03:00", "2026-10-25T00:00:00.000Z"],
    // a 30-minute gap, and a whole skipped calendar day
    ["Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00.000Z"],
    ["Pacific/Apia", "2011-12-30", "10:00", "2011-12-30T10:00:00.000Z"],
    // no DST
    ["Asia/Tokyo", "2026-03-08", "10:00", "2026-03-08T01:00:00.000Z"],
    ["Asia/Tokyo", "2026-11-01", "01:30", "2026-10-31T16:30:00.000Z"],
  ])("%s %s %s -> %s", (zone, date, time, expected) => {
    expect(iso(resolveLocalTime(date, time, zone))).toBe(expected);
  });

  it("rejects a bad date or zone with a clear message", () => {
    expect(() => resolveLocalTime("2026-02-30", "10:00", "UTC")).toThrow(
      '"2026-02-30" is not a calendar date',
    );
    expect(() => resolveLocalTime("2026-02-01", "10:00", "Mars/Base")).toThrow("Mars/Base");
  });

  const zones = [
    "America/New_York",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Tokyo",
  ];
  const transitionDays = [
    "2026-03-08",
    "2026-11-01",
    "2026-03-29",
    "2026-10-25",
    "2026-04-05",
    "2026-10-04",
    "2026-04-04",
    "2026-09-05",
    "2026-09-06",
  ];
  const wallOf = (ms: number, zone: string) => {
    const dt = DateTime.fromMillis(ms, { zone });
    return Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second, dt.millisecond);
  };

  it("resolves to the earliest instant whose wall clock reads the time or later (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.oneof(
          fc
            .date({
              min: new Date("2025-01-01T00:00:00Z"),
              max: new Date("2027-12-31T00:00:00Z"),
              noInvalidDate: true,
            })
            .map((day) => day.toISOString().slice(0, 10)),
          // Transition days of the zones above, so gaps and overlaps are hit often.
          fc.constantFrom(...transitionDays),
        ),
        fc.integer({ min: 0, max: 1439 }),
        (zone, date, minuteOfDay) => {
          const hhmm = `${String(Math.floor(minuteOfDay / 60)).padStart(2, "0")}:${String(minuteOfDay % 60).padStart(2, "0")}`;
          const wanted = Date.parse(`${date}T${hhmm}:00Z`);
          const t = resolveLocalTime(date, hhmm, zone);
          expect(wallOf(t, zone)).toBeGreaterThanOrEqual(wanted);
          expect(wallOf(t - 1, zone)).toBeLessThan(wanted);
          // First run: no earlier instant (DST shifts are multiples of 15 min) shows the same time.
          for (let k = 1; k <= 12; k++) expect(wallOf(t - k * 15 * 60_000, zone)).not.toBe(wallOf(t, zone));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("calendar helpers", () => {
  it("adds days and names weekdays without a zone", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(weekdayOf("2026-03-08")).toBe("sun");
    expect(weekdayOf("2026-03-09")).toBe("mon");
  });

  it("lists the local dates whose runs can fall in [from, to), starting the day before", () => {
    expect(localDatesBetween("Asia/Tokyo", at("2026-03-08T00:00:00Z"), at("2026-03-10T00:00:00Z"))).toEqual([
      "2026-03-07",
      "2026-03-08",
      "2026-03-09",
      "2026-03-10",
    ]);
    // `to` exactly at local midnight: that date's runs are all at or after `to`.
    expect(localDatesBetween("UTC", at("2026-03-08T12:00:00Z"), at("2026-03-09T00:00:00Z"))).toEqual([
      "2026-03-07",
      "2026-03-08",
    ]);
    expect(localDatesBetween("UTC", at("2026-03-08T12:00:00Z"), at("2026-03-08T12:00:00Z"))).toEqual([]);
    // A 23-hour local day is still one date.
    expect(
      localDatesBetween("America/New_York", at("2026-03-08T05:00:00Z"), at("2026-03-09T04:00:00Z")),
    ).toEqual(["2026-03-07", "2026-03-08"]);
  });
});

describe("nextDailyRun / previousDailyRun", () => {
  it("Europe/Helsinki 03:00 on its spring-forward day runs at 04:00 EEST", () => {
    expect(iso(nextDailyRun("03:00", "Europe/Helsinki", at("2026-03-28T01:00:00Z")))).toBe(
      "2026-03-29T01:00:00.000Z",
    );
    expect(iso(nextDailyRun("03:00", "Europe/Helsinki", at("2026-03-29T01:00:00Z")))).toBe(
      "2026-03-30T00:00:00.000Z",
    );
    expect(iso(previousDailyRun("03:00", "Europe/Helsinki", at("2026-03-29T00:59:59Z")))).toBe(
      "2026-03-28T01:00:00.000Z",
    );
  });

  it("Europe/Helsinki 03:00 on its fall-back day runs once, at the first 03:00 (EEST)", () => {
    expect(iso(nextDailyRun("03:00", "Europe/Helsinki", at("2026-10-24T12:00:00Z")))).toBe(
      "2026-10-25T00:00:00.000Z",
    );
    // The second 03:00 (EET, 01:00Z) is not a run: the next one is the following day's.
    expect(iso(nextDailyRun("03:00", "Europe/Helsinki", at("2026-10-25T00:00:00Z")))).toBe(
      "2026-10-26T01:00:00.000Z",
    );
    expect(iso(previousDailyRun("03:00", "Europe/Helsinki", at("2026-10-25T01:30:00Z")))).toBe(
      "2026-10-25T00:00:00.000Z",
    );
    expect(iso(previousDailyRun("03:00", "Europe/Helsinki", at("2026-10-25T00:00:00Z")))).toBe(
      "2026-10-25T00:00:00.000Z",
    );
  });

  it("Asia/Tokyo: plain daily runs", () => {
    expect(iso(nextDailyRun("03:00", "Asia/Tokyo", at("2025-10-22T12:00:00Z")))).toBe(
      "2025-10-22T18:00:00.000Z",
    );
    expect(iso(nextDailyRun("03:00", "Asia/Tokyo", at("2025-10-22T18:00:00Z")))).toBe(
      "2025-10-23T18:00:00.000Z",
    );
    expect(iso(previousDailyRun("03:00", "Asia/Tokyo", at("2025-10-22T17:59:59Z")))).toBe(
      "2025-10-21T18:00:00.000Z",
    );
  });

  it("next and previous agree and skip nothing (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("Europe/Helsinki", "America/New_York", "Australia/Lord_Howe", "Asia/Tokyo"),
        fc.integer({ min: at("2025-01-01T00:00:00Z"), max: at("2027-12-31T00:00:00Z") }),
        fc.constantFrom("03:00", "02:30", "01:30", "00:00", "23:59"),
        (zone, after, hhmm) => {
          const next = nextDailyRun(hhmm, zone, after);
          expect(next).toBeGreaterThan(after);
          expect(next - after).toBeLessThanOrEqual(26 * 3_600_000);
          expect(previousDailyRun(hhmm, zone, next)).toBe(next);
          expect(previousDailyRun(hhmm, zone, next - 1)).toBeLessThanOrEqual(after);
        },
      ),
      { numRuns: 500 },
    );
  });
});
