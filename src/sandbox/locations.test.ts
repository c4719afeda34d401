import { describe, expect, it } from "vitest";
import { distanceKm, isKnownLocation, PLACES, searchPlaces } from "./locations.js";

describe("sandbox places", () => {
  it("has unique digit-string ids, many in Japan", () => {
    expect(new Set(PLACES.map((p) => p.id)).size).toBe(PLACES.length);
    for (const p of PLACES) expect(p.id).toMatch(/^\d+$/);
    expect(PLACES.filter((p) => p.country === "Japan").length).toBeGreaterThanOrEqual(15);
    expect(isKnownLocation("110000000000001")).toBe(true);
    expect(isKnownLocation("1")).toBe(false);
  });

  it("matches names, addresses and cities case-insensitively, full-width forms included", () => {
    expect(searchPlaces("shibuya station").map((p) => p.name)).toEqual(["Shibuya Station"]);
    expect(searchPlaces("ＳＨＩＢＵＹＡ ＳＫＹ").map((p) => p.id)).toEqual(["110000000000005"]);
    expect(searchPlaces("芝公園").map((p) => p.name)).toEqual(["東京タワー"]);
    expect(searchPlaces("京都市").length).toBe(2);
    expect(searchPlaces("zzz")).toEqual([]);
  });

  it("orders by distance with a point, and a point alone lists every place nearest first", () => {
    const fromSapporo = searchPlaces(undefined, 43.06, 141.35);
    expect(fromSapporo[0]!.name).toBe("札幌時計台");
    expect(fromSapporo.length).toBe(PLACES.length);
    const parks = searchPlaces("menlo park", 37.45, -122.18);
    expect(parks.map((p) => p.name)).toEqual(["Menlo Park Caltrain Station", "Facebook Headquarters"]);
  });

  it("measures great-circle distances", () => {
    // Tokyo Station → Kyoto Station is about 364 km as the crow flies.
    expect(distanceKm(35.6812, 139.7671, 34.9858, 135.7588)).toBeGreaterThan(355);
    expect(distanceKm(35.6812, 139.7671, 34.9858, 135.7588)).toBeLessThan(375);
    expect(distanceKm(1, 2, 1, 2)).toBe(0);
  });
});
