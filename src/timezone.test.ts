import { describe, expect, it } from "vitest";
import { resolveTimeZone } from "./timezone.js";

describe("resolveTimeZone", () => {
  it("keeps canonical names and fixes their case", () => {
    expect(resolveTimeZone("Asia/Tokyo")).toEqual({ zone: "Asia/Tokyo" });
    expect(resolveTimeZone("Asia/tokyo")).toEqual({ zone: "Asia/Tokyo" });
    expect(resolveTimeZone(" asia/TOKYO ")).toEqual({ zone: "Asia/Tokyo" });
    expect(resolveTimeZone("america/port-au-prince")).toEqual({ zone: "America/Port-au-Prince" });
    expect(resolveTimeZone("america/argentina/buenos_aires")).toEqual({
      zone: "America/Argentina/Buenos_Aires",
    });
  });

  it("stores every spelling of UTC as UTC", () => {
    for (const name of ["UTC", "utc", "Etc/UTC", "GMT", "Zulu", "UCT"]) {
      expect(resolveTimeZone(name), name).toEqual({ zone: "UTC" });
    }
  });

  it("turns region-less legacy names into their zone and keeps newer region names as typed", () => {
    expect(resolveTimeZone("Japan")).toEqual({ zone: "Asia/Tokyo" });
    expect(resolveTimeZone("Singapore")).toEqual({ zone: "Asia/Singapore" });
    expect(resolveTimeZone("Asia/Kolkata")).toEqual({ zone: "Asia/Kolkata" });
    expect(resolveTimeZone("asia/kolkata")).toEqual({ zone: "Asia/Kolkata" });
    expect(resolveTimeZone("US/Eastern")).toEqual({ zone: "US/Eastern" });
  });

  it("refuses abbreviations with the zone to use", () => {
    expect(resolveTimeZone("JST")).toEqual({
      error: "JST is an abbreviation, not a time zone: use Asia/Tokyo.",
    });
    expect(resolveTimeZone("jst")).toEqual({
      error: "jst is an abbreviation, not a time zone: use Asia/Tokyo.",
    });
    expect(resolveTimeZone("PST")).toEqual({
      error: "PST is an abbreviation, not a time zone: use America/Los_Angeles.",
    });
    // ICU takes EST as a fixed UTC-5 (Panama): refused, New York suggested.
    expect(resolveTimeZone("EST")).toEqual({
      error: "EST is an abbreviation, not a time zone: use America/New_York.",
    });
    expect(resolveTimeZone("CET")).toMatchObject({ error: expect.stringContaining("Europe/Paris") });
    // Not in our table: ICU's own guess is suggested.
    expect(resolveTimeZone("EST5EDT")).toEqual({
      error: "EST5EDT is an abbreviation, not a time zone: use America/New_York.",
    });
    expect(resolveTimeZone("XYZ")).toMatchObject({ error: expect.stringContaining("Asia/Tokyo") });
  });

  it("refuses unknown names and empty text", () => {
    expect(resolveTimeZone("Mars/Base")).toEqual({
      error:
        '"Mars/Base" is not an IANA time zone: give a name such as Asia/Tokyo, Europe/Berlin or America/New_York.',
    });
    expect(resolveTimeZone("TOKYO")).toEqual({
      error: '"TOKYO" is not an IANA time zone: did you mean Asia/Tokyo?',
    });
    expect(resolveTimeZone("Tokyo")).toEqual({
      error: '"Tokyo" is not an IANA time zone: did you mean Asia/Tokyo?',
    });
    expect(resolveTimeZone("new york")).toEqual({
      error: '"new york" is not an IANA time zone: did you mean America/New_York?',
    });
    expect(resolveTimeZone("+09:00")).toMatchObject({ error: expect.stringContaining("not an IANA") });
    expect(resolveTimeZone("  ")).toMatchObject({ error: expect.stringContaining("empty") });
  });
});
