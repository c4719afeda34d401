import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type MediaItem, type PostPart, pollFromOptions } from "./post.js";

const poll = (...options: string[]) => pollFromOptions(options);

import {
  assertValidGroup,
  countLinks,
  isHttpUrl,
  threadsTextLength,
  ValidationError,
  validateGroup,
  validatePart,
} from "./preflight.js";

const image = (n: number): MediaItem => ({ kind: "IMAGE", url: `https://cdn.example.com/${n}.jpg` });
const images = (count: number): MediaItem[] => Array.from({ length: count }, (_, i) => image(i));
const fields = (part: PostPart) => validatePart(part, 0).map((issue) => issue.field);

describe("threadsTextLength", () => {
  it("counts ASCII and Japanese one per code point", () => {
    expect(threadsTextLength("hello")).toBe(5);
    expect(threadsTextLength("こんにちは、世界")).toBe(8);
    expect(threadsTextLength("𠮷野家")).toBe(3); // a surrogate pair is one code point, not two UTF-16 units
  });

  it("counts an emoji as its UTF-8 bytes", () => {
    expect(threadsTextLength("😀")).toBe(4);
    expect(threadsTextLength("a😀b")).toBe(6);
    expect(threadsTextLength("❤️")).toBe(6); // U+2764 U+FE0F
  });

  it("counts every byte of ZWJ sequences, skin tones, flags and keycaps", () => {
    const family = "👨‍👩‍👧‍👦"; // 4 people joined by 3 ZWJ
    expect(threadsTextLength(family)).toBe(4 * 4 + 3 * 3);
    expect(threadsTextLength("👍🏽")).toBe(8);
    expect(threadsTextLength("🇯🇵")).toBe(8);
    expect(threadsTextLength("1️⃣")).toBe(1 + 3 + 3);
    expect(threadsTextLength("日本🇯🇵です")).toBe(2 + 8 + 2);
  });

  it("is never below the code point count (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        expect(threadsTextLength(text)).toBeGreaterThanOrEqual([...text].length);
      }),
    );
  });

  it("is additive over text without emoji (property)", () => {
    const plain = fc.string({ unit: "grapheme-ascii" });
    fc.assert(
      fc.property(plain, plain, (a, b) => {
        expect(threadsTextLength(a + b)).toBe(threadsTextLength(a) + threadsTextLength(b));
      }),
    );
  });
});

describe("countLinks", () => {
  it("finds URLs with a scheme and bare domains", () => {
    expect(countLinks("see https://example.com/a?b=1 and http://foo.org")).toBe(2);
    expect(countLinks("see example.com/x or www.example.jp")).toBe(2);
    expect(countLinks("詳しくはexample.co.jp/ページを見て")).toBe(1);
  });

  it("counts the same link once, whatever its spelling", () => {
    expect(countLinks("https://Example.com/ example.com www.example.com, (https://example.com).")).toBe(1);
    expect(countLinks("example.com/a example.com/b")).toBe(2);
  });

  it("ignores e-mail addresses, decimals, abbreviations and file-like words", () => {
    expect(countLinks("mail me at someone@example.com")).toBe(0);
    expect(countLinks("version 1.5, e.g. this, i.e. that, report.pdf")).toBe(0);
  });

  it("keeps text glued to a URL in the link, so near-duplicates are never undercounted", () => {
    expect(countLinks("https://example.com/aを見て https://example.com/aです")).toBe(2);
    expect(countLinks("「https://example.com/a」と https://example.com/a。")).toBe(1);
  });

  it("adds the link attachment", () => {
    expect(countLinks("https://a.com", ["https://b.com"])).toBe(2);
    expect(countLinks("https://a.com", ["https://a.com/"])).toBe(1);
  });
});

describe("validatePart", () => {
  it("accepts exactly 500 characters and refuses 501", () => {
    expect(validatePart({ text: "a".repeat(500) }, 0)).toEqual([]);
    const issues = validatePart({ text: "あ".repeat(501) }, 2);
    expect(issues).toEqual([
      {
        part: 2,
        field: "text",
        message: expect.stringContaining("501 characters"),
        ja: expect.stringContaining("501 文字"),
      },
    ]);
    expect(issues[0]!.message).toContain("at most 500");
  });

  it("refuses text that fits in UTF-16 units but not once emoji are counted", () => {
    const text = `${"a".repeat(490)}😀😀😀`; // 496 UTF-16 units, 502 for Threads
    expect(text.length).toBeLessThan(500);
    expect(fields({ text })).toEqual(["text"]);
  });

  it("allows 5 unique links and refuses 6", () => {
    const links = (n: number) => Array.from({ length: n }, (_, i) => `https://site${i}.com`).join(" ");
    expect(validatePart({ text: links(5) }, 0)).toEqual([]);
    expect(validatePart({ text: `${links(5)} https://site0.com/` }, 0)).toEqual([]);
    expect(validatePart({ text: links(6) }, 0)[0]!.message).toContain("6 different links");
    expect(fields({ text: links(5), link_attachment: "https://other.com" })).toEqual(["text"]);
  });

  it("calls a whitespace-only part without media empty", () => {
    expect(fields({ text: "  \n\t " })).toEqual(["text"]);
    expect(fields({})).toEqual(["text"]);
    expect(fields({ text: " ", media: [image(1)] })).toEqual([]);
    expect(fields({ link_attachment: "https://example.com" })).toEqual([]);
  });

  it("accepts single media and carousels of 2 and 20, refuses 21", () => {
    expect(validatePart({ media: images(1) }, 0)).toEqual([]);
    expect(validatePart({ media: images(2) }, 0)).toEqual([]);
    expect(validatePart({ media: images(20) }, 0)).toEqual([]);
    const issues = validatePart({ media: images(21) }, 0);
    expect(issues.map((i) => i.field)).toEqual(["media"]);
    expect(issues[0]!.message).toContain("2 to 20");
  });

  it("checks media URLs, kinds and alt text", () => {
    expect(fields({ media: [{ kind: "IMAGE", url: "ftp://example.com/a.jpg" }] })).toEqual(["media[0].url"]);
    expect(fields({ media: [{ kind: "IMAGE", url: "not a url" }] })).toEqual(["media[0].url"]);
    expect(fields({ media: [{ kind: "GIF" as "IMAGE", url: "https://e.com/a.gif" }] })).toEqual([
      "media[0].kind",
    ]);
    expect(fields({ media: [{ ...image(1), alt_text: "x".repeat(1000) }] })).toEqual([]);
    expect(fields({ media: [image(0), { ...image(1), alt_text: "x".repeat(1001) }] })).toEqual([
      "media[1].alt_text",
    ]);
  });

  it("checks the topic tag", () => {
    expect(fields({ text: "hi", topic_tag: "Books" })).toEqual([]);
    expect(fields({ text: "hi", topic_tag: "読書" })).toEqual([]);
    expect(fields({ text: "hi", topic_tag: "" })).toEqual(["topic_tag"]);
    expect(fields({ text: "hi", topic_tag: "x".repeat(50) })).toEqual([]);
    expect(fields({ text: "hi", topic_tag: "x".repeat(51) })).toEqual(["topic_tag"]);
    expect(fields({ text: "hi", topic_tag: "a.b" })).toEqual(["topic_tag"]);
    expect(fields({ text: "hi", topic_tag: "R&D" })).toEqual(["topic_tag"]);
  });

  it("allows a link attachment only on text posts and only as a URL", () => {
    expect(fields({ text: "hi", link_attachment: "https://example.com/x" })).toEqual([]);
    expect(fields({ text: "hi", link_attachment: "example" })).toEqual(["link_attachment"]);
    expect(fields({ text: "hi", media: [image(1)], link_attachment: "https://example.com" })).toEqual([
      "link_attachment",
    ]);
  });

  it("checks polls", () => {
    expect(fields({ text: "pick", poll_attachment: poll("a", "b") })).toEqual([]);
    expect(fields({ text: "pick", poll_attachment: poll("a", "b", "c", "d") })).toEqual([]);
    expect(fields({ text: "pick", poll_attachment: poll("a") })).toEqual(["poll_attachment"]);
    expect(fields({ text: "pick", poll_attachment: poll("a", " ") })).toEqual(["poll_attachment.option_b"]);
    expect(fields({ text: "pick", poll_attachment: poll("a", "b".repeat(26)) })).toEqual([
      "poll_attachment.option_b",
    ]);
    expect(fields({ text: "pick", poll_attachment: poll("a", "b"), media: [image(1)] })).toEqual([
      "poll_attachment",
    ]);
    expect(
      fields({ text: "pick", poll_attachment: poll("a", "b"), link_attachment: "https://e.com" }),
    ).toEqual(["poll_attachment"]);
  });

  it("checks reply control and quote id", () => {
    expect(fields({ text: "hi", reply_control: "mentioned_only" })).toEqual([]);
    expect(fields({ text: "hi", reply_control: "nobody" as "everyone" })).toEqual(["reply_control"]);
    expect(fields({ text: "hi", quote_post_id: " " })).toEqual(["quote_post_id"]);
  });
});

describe("validateGroup and assertValidGroup", () => {
  it("calls an empty group an issue", () => {
    expect(validateGroup([])).toEqual([
      { part: 0, field: "parts", message: expect.stringContaining("no parts"), ja: expect.any(String) },
    ]);
  });

  it("reports issues with the index of their part", () => {
    const issues = validateGroup([{ text: "ok" }, { text: "   " }, { text: "x".repeat(501) }]);
    expect(issues.map((i) => [i.part, i.field])).toEqual([
      [1, "text"],
      [2, "text"],
    ]);
  });

  it("throws a ValidationError whose message lists the issues, 1-based", () => {
    expect(() => assertValidGroup([{ text: "fine" }])).not.toThrow();
    let thrown: unknown;
    try {
      assertValidGroup([{ text: "x".repeat(501) }, { text: "pick", poll_attachment: poll("a") }]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as ValidationError;
    expect(error.name).toBe("ValidationError");
    expect(error.issues).toHaveLength(2);
    expect(error.message).toMatch(/^part 1: text: 501 characters; Threads allows at most 500/);
    expect(error.message).toContain("part 2: poll: a poll needs 2 to 4 options");
  });

  it("never throws on arbitrary parts (property)", () => {
    const part = fc.record(
      {
        text: fc.string({ maxLength: 600 }),
        media: fc.array(
          fc.record({ kind: fc.constantFrom("IMAGE" as const, "VIDEO" as const), url: fc.webUrl() }),
          { maxLength: 22 },
        ),
        topic_tag: fc.string({ maxLength: 60 }),
        poll_attachment: fc.array(fc.string({ maxLength: 30 }), { maxLength: 6 }).map(pollFromOptions),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 4 }), (parts) => {
        const issues = validateGroup(parts);
        for (const issue of issues) expect(issue.part).toBeLessThan(Math.max(parts.length, 1));
      }),
    );
  });
});

describe("isHttpUrl", () => {
  it("accepts http(s) URLs only", () => {
    expect(isHttpUrl("https://example.com/a.jpg")).toBe(true);
    expect(isHttpUrl("http://127.0.0.1:8080/x")).toBe(true);
    expect(isHttpUrl("javascript:alert(1)")).toBe(false);
    expect(isHttpUrl("https://exa mple.com")).toBe(false);
    expect(isHttpUrl("")).toBe(false);
  });
});
