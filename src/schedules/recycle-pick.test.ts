import { describe, expect, it } from "vitest";
import {
  eligibleSources,
  formatMinutes,
  parseDurationMinutes,
  pickRecycleSource,
  type RecycleCandidate,
  type RecycleRule,
} from "./recycle-pick.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const posts: RecycleCandidate[] = [
  { mediaId: "a", publishedAt: NOW - 40 * DAY },
  { mediaId: "b", publishedAt: NOW - 20 * DAY },
  { mediaId: "c", publishedAt: NOW - 10 * DAY },
  { mediaId: "d", publishedAt: NOW - 2 * DAY },
];
const rule = (from: RecycleRule["from"]): RecycleRule => ({ from, minAgeMs: 7 * DAY, cooldownMs: 30 * DAY });
const base = { candidates: posts, lastRecycled: new Map<string, number>(), now: NOW, random: () => 0 };

describe("eligibleSources", () => {
  it("keeps posts past the minimum age, out of the cooldown and not excluded", () => {
    const lastRecycled = new Map([
      ["a", NOW - 5 * DAY],
      ["b", NOW - 31 * DAY],
    ]);
    const ids = eligibleSources(rule("oldest"), { ...base, lastRecycled, excluded: new Set(["c"]) }).map(
      (c) => c.mediaId,
    );
    // a: recycled 5 days ago (cooldown 30); c: excluded; d: 2 days old (min age 7).
    expect(ids).toEqual(["b"]);
  });
});

describe("pickRecycleSource", () => {
  it("oldest: never recycled first, then the least recently recycled, the oldest among equals", () => {
    expect(pickRecycleSource(rule("oldest"), base)).toEqual({ mediaId: "a" });
    const lastRecycled = new Map([
      ["a", NOW - 60 * DAY],
      ["b", NOW - 45 * DAY],
    ]);
    expect(pickRecycleSource(rule("oldest"), { ...base, lastRecycled })).toEqual({ mediaId: "c" });
    lastRecycled.set("c", NOW - 35 * DAY);
    expect(pickRecycleSource(rule("oldest"), { ...base, lastRecycled })).toEqual({ mediaId: "a" });
  });

  it("top: the most viewed, then the most liked; posts without insights count as 0", () => {
    const scores = new Map([
      ["a", { views: 10, likes: 1 }],
      ["b", { views: 50, likes: 2 }],
      ["c", { views: 50, likes: 9 }],
      ["d", { views: 999 }],
    ]);
    // d is too young however many views it has.
    expect(pickRecycleSource(rule("top"), { ...base, scores })).toEqual({ mediaId: "c" });
    expect(pickRecycleSource(rule("top"), { ...base, scores: new Map() })).toEqual({ mediaId: "a" });
  });

  it("random: draws among the never recycled while there are any", () => {
    const lastRecycled = new Map([["a", NOW - 40 * DAY]]);
    const seen = new Set<string>();
    for (const r of [0, 0.49, 0.5, 0.99]) {
      const pick = pickRecycleSource(rule("random"), { ...base, lastRecycled, random: () => r });
      if ("mediaId" in pick) seen.add(pick.mediaId);
    }
    expect([...seen].sort()).toEqual(["b", "c"]);
    // Every eligible one was recycled: any of them.
    const all = new Map([
      ["a", NOW - 40 * DAY],
      ["b", NOW - 50 * DAY],
      ["c", NOW - 60 * DAY],
    ]);
    expect(pickRecycleSource(rule("random"), { ...base, lastRecycled: all, random: () => 0.99 })).toEqual({
      mediaId: "c",
    });
  });

  it("says why when nothing can be chosen", () => {
    expect(pickRecycleSource(rule("oldest"), { ...base, candidates: [] })).toEqual({
      none: "the account has no post published by this install to recycle",
    });
    const young = { ...base, candidates: [posts[3]!] };
    expect(pickRecycleSource(rule("oldest"), young)).toEqual({
      none: "none of the account's 1 post is older than 7d and out of the 30d cooldown",
    });
  });
});

describe("durations", () => {
  it("reads days, hours and minutes, and formats them back", () => {
    expect(parseDurationMinutes("7d")).toBe(10080);
    expect(parseDurationMinutes("36h")).toBe(2160);
    expect(parseDurationMinutes("1d12h")).toBe(2160);
    expect(parseDurationMinutes("90m")).toBe(90);
    expect(parseDurationMinutes("３０ｄ")).toBe(43200);
    expect(parseDurationMinutes("14")).toBe(20160);
    expect(parseDurationMinutes("7 days")).toBeUndefined();
    expect(parseDurationMinutes("")).toBeUndefined();
    expect(formatMinutes(10080)).toBe("7d");
    expect(formatMinutes(2160)).toBe("1d12h");
    expect(formatMinutes(90)).toBe("1h30m");
  });
});
