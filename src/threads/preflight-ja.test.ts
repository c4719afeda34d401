/** The Japanese side of preflight's issues: every existing check's `ja`, and `formatIssueIn`. */
import { describe, expect, it } from "vitest";
import { formatIssueIn, validateGroup } from "./preflight.js";

describe("formatIssueIn", () => {
  it("writes an issue in Japanese with the field as Japanese users name it, English without a ja", () => {
    const issue = { part: 1, field: "media[2].alt_text", message: "too long.", ja: "長すぎます。" };
    expect(formatIssueIn(issue, "ja")).toBe("パート 2: メディア 3 代替テキスト: 長すぎます。");
    expect(formatIssueIn(issue, "en")).toBe("part 2: media 3 alt_text: too long.");
    expect(formatIssueIn({ part: 0, field: "text_entities[1]", message: "m", ja: "j" }, "ja")).toBe(
      "パート 1: ネタバレ 2: j",
    );
    expect(formatIssueIn({ part: 0, field: "location_id", message: "no ja yet." }, "ja")).toBe(
      "パート 1: 位置情報: no ja yet.",
    );
  });

  it("every issue of the checks on main has a Japanese text", () => {
    const parts = [
      { text: "x".repeat(501), topic_tag: "a.b", link_attachment: "nope", poll_attachment: { option_a: "" } },
      { media: [{ kind: "GIF", url: "ftp://x", alt_text: "a".repeat(1001) }], link_attachment: "https://x" },
      { reply_control: "nobody", quote_post_id: " " },
      { text: "" },
    ] as unknown as Parameters<typeof validateGroup>[0];
    const issues = validateGroup(parts);
    expect(issues.length).toBeGreaterThan(10);
    expect(issues.filter((i) => i.ja === undefined)).toEqual([]);
  });
});
