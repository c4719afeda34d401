import { describe, expect, it } from "vitest";
import { textLength } from "./text-length.js";

describe("the sandbox's text length", () => {
  it.each([
    ["", 0],
    ["hello", 5],
    ["こんにちは", 5],
    ["😀", 4],
    ["👍🏽", 8],
    ["❤️", 6],
    ["1️⃣", 7],
    ["🇯🇵", 8],
    ["👨‍👩‍👧", 18],
    ["🏴󠁧󠁢󠁥󠁮󠁧󠁿", 28],
    ["©", 1],
    ["©️", 5],
    ["a😀b", 6],
  ])("%j is %i", (text, length) => {
    expect(textLength(text)).toBe(length);
  });
});
