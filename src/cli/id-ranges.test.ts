import { describe, expect, it } from "vitest";
import { formatIdRanges } from "./id-ranges.js";

describe("formatIdRanges", () => {
  it("joins consecutive ids into ranges, in order, without repeats", () => {
    expect(formatIdRanges([12])).toBe("12");
    expect(formatIdRanges([12, 13, 14])).toBe("12–14");
    expect(formatIdRanges([20, 12, 13, 14, 22, 23, 13])).toBe("12–14, 20, 22–23");
    expect(formatIdRanges([])).toBe("");
  });

  it("keeps a long list to one short line (10,000 ids in one range are 11 characters)", () => {
    expect(formatIdRanges(Array.from({ length: 10_000 }, (_, i) => i + 1))).toBe("1–10000");
    const scattered = Array.from({ length: 100 }, (_, i) => i * 2 + 1);
    expect(formatIdRanges(scattered)).toBe("1, 3, 5, 7, 9 and 95 more");
    expect(formatIdRanges([1, 2, 4, 6, 8, 10, 11, 12], 3)).toBe("1–2, 4, 6 and 4 more");
  });
});
