import { describe, expect, it } from "vitest";
import {
  deleteAfterField,
  formatDeleteAfter,
  NEVER_DELETE,
  parseDeleteAfter,
} from "./delete-after.schema.js";

describe("delete-after", () => {
  it("reads hours, minutes, days and none; shows them back", () => {
    expect(parseDeleteAfter("24h")).toEqual({ minutes: 1440 });
    expect(parseDeleteAfter("90m")).toEqual({ minutes: 90 });
    expect(parseDeleteAfter("2d")).toEqual({ minutes: 2880 });
    expect(parseDeleteAfter(" 1H30m ")).toEqual({ minutes: 90 });
    expect(parseDeleteAfter("none")).toEqual({ minutes: null });
    expect(formatDeleteAfter(90)).toBe("1h30m");
    expect(formatDeleteAfter(1440)).toBe("1d");
    expect(formatDeleteAfter(null)).toBe("never");
  });

  it("refuses what is not a duration, says what to write", () => {
    expect(parseDeleteAfter("24")).toEqual({
      problem: "needs a unit: 24h for hours or 24m for minutes (or none)",
    });
    expect(parseDeleteAfter("tomorrow")).toMatchObject({ problem: expect.stringMatching(/like 24h, 90m/) });
    expect(parseDeleteAfter("")).toMatchObject({ problem: expect.stringMatching(/like 24h/) });
    expect(parseDeleteAfter("10m")).toEqual({ problem: "is too short: at least 15m" });
    expect(parseDeleteAfter("91d")).toEqual({ problem: "is too long: at most 90d" });
    const field = deleteAfterField("--delete-after");
    expect(field.safeParse("5m").error?.issues[0]?.message).toBe("--delete-after is too short: at least 15m");
    expect(field.parse(120)).toBe(120);
    expect(field.parse(null)).toBeNull();
    expect(field.safeParse(5).success).toBe(false);
  });

  it("a schedule's never is its own value; a group's never is none", () => {
    expect(parseDeleteAfter("never", { never: true })).toEqual({ minutes: NEVER_DELETE });
    expect(parseDeleteAfter("none", { never: true })).toEqual({ minutes: null });
    expect(parseDeleteAfter("never")).toEqual({ minutes: null });
    const schedule = deleteAfterField("--delete-after", { never: true });
    expect(schedule.parse("NEVER")).toBe(NEVER_DELETE);
    expect(schedule.parse(0)).toBe(NEVER_DELETE);
    expect(schedule.parse("none")).toBeNull();
    expect(deleteAfterField("--delete-after").safeParse(0).success).toBe(false);
    expect(formatDeleteAfter(NEVER_DELETE)).toBe("never");
  });
});
