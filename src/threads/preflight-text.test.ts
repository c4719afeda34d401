import { describe, expect, it } from "vitest";
import type { PostPart, TextEntity } from "./post.js";
import { formatIssue, validatePart } from "./preflight.js";
import {
  MAX_TEXT_ATTACHMENT_LENGTH,
  SpoilerPhraseError,
  spoilerFor,
  TEXT_STYLES,
  validateTextOptions,
} from "./preflight-text.js";

const spoiler = (offset: number, length: number): TextEntity => ({ entity_type: "SPOILER", offset, length });
const issues = (part: PostPart) => validatePart(part, 0);
const fields = (part: PostPart) => issues(part).map((i) => i.field);

describe("text attachments", () => {
  it("accepts a text post with a long attachment and a link, and a part with only an attachment", () => {
    expect(
      issues({
        text: "続きはこちら",
        text_attachment: {
          plaintext: "長文です。".repeat(1000),
          link_attachment_url: "https://example.jp/記事",
          text_with_styling_info: [
            { offset: 0, length: 2, styling_info: ["bold", "italic"] },
            { offset: 2, length: 3, styling_info: ["highlight"] },
          ],
        },
      }),
    ).toEqual([]);
    // The "part is empty" rule gives way to an attachment.
    expect(issues({ text_attachment: { plaintext: "only the attachment" } })).toEqual([]);
    expect(fields({ text: "  " })).toEqual(["text"]);
  });

  it("counts the plaintext as Threads counts text: 10,000 with emoji as their UTF-8 bytes", () => {
    const at = (plaintext: string) => validateTextOptions({ text: "x", text_attachment: { plaintext } });
    expect(at("a".repeat(MAX_TEXT_ATTACHMENT_LENGTH))).toEqual([]);
    expect(at(`${"あ".repeat(9996)}🍣`)).toEqual([]);
    const [over] = at(`${"あ".repeat(9997)}🍣`);
    expect(over).toMatchObject({ field: "text_attachment" });
    expect(over!.message).toContain("has 10001 characters; Threads allows at most 10,000");
    expect(over!.message).toContain("Shorten it by 1");
    expect(over!.ja).toContain("10001 文字");
  });

  it("refuses an empty plaintext, a bad link, media, a GIF, a poll and two links", () => {
    const refused = (part: PostPart) => validateTextOptions(part).map((i) => i.message);
    expect(refused({ text: "x", text_attachment: { plaintext: " " } })).toEqual([
      expect.stringContaining("has no plaintext"),
    ]);
    expect(refused({ text: "x", text_attachment: "long text" as never })).toEqual([
      expect.stringContaining("must be an object"),
    ]);
    expect(
      refused({ text: "x", text_attachment: { plaintext: "p", link_attachment_url: "example.com" } }),
    ).toEqual([expect.stringContaining("not a valid http(s) URL")]);
    expect(
      refused({
        text: "x",
        media: [{ kind: "IMAGE", url: "https://e.com/a.jpg" }],
        text_attachment: { plaintext: "p" },
      }),
    ).toEqual([expect.stringContaining("only on text posts; remove the media")]);
    expect(
      refused({
        text: "x",
        gif_attachment: { gif_id: "g1", provider: "GIPHY" },
        text_attachment: { plaintext: "p" },
      }),
    ).toEqual([expect.stringContaining("without a GIF")]);
    expect(
      refused({
        text: "x",
        poll_attachment: { option_a: "a", option_b: "b" },
        text_attachment: { plaintext: "p" },
      }),
    ).toEqual([expect.stringContaining("cannot go with a poll")]);
    expect(
      refused({
        text: "x",
        link_attachment: "https://a.example",
        text_attachment: { plaintext: "p", link_attachment_url: "https://b.example" },
      }),
    ).toEqual([expect.stringContaining("already has a link attachment")]);
    // A link attachment with an attachment that has no link of its own is fine.
    expect(
      refused({ text: "x", link_attachment: "https://a.example", text_attachment: { plaintext: "p" } }),
    ).toEqual([]);
  });

  it("checks styling ranges: inside the plaintext, known styles, no overlaps", () => {
    const styled = (text_with_styling_info: unknown) =>
      validateTextOptions({
        text: "x",
        text_attachment: { plaintext: "寿司🍣です", text_with_styling_info: text_with_styling_info as never },
      }).map((i) => i.message);
    expect(styled([{ offset: 0, length: 4, styling_info: ["underline", "strikethrough"] }])).toEqual([]);
    expect(styled([{ offset: 0, length: 7, styling_info: ["bold"] }])).toEqual([
      expect.stringContaining("runs past the end of the plaintext, which is 6 long"),
    ]);
    expect(styled([{ offset: 0, length: 3, styling_info: ["bold"] }])).toEqual([
      expect.stringContaining("use offset 0, length 4"),
    ]);
    expect(styled([{ offset: 0, length: 2, styling_info: ["blink"] }])).toEqual([
      `style 1: styling_info must list one or more of ${TEXT_STYLES.join(", ")}.`,
    ]);
    expect(
      styled([
        { offset: 0, length: 2, styling_info: ["bold"] },
        { offset: 1, length: 3, styling_info: ["italic"] },
      ]),
    ).toEqual([expect.stringContaining("styles 1 and 2 overlap")]);
    expect(styled({ offset: 0 })).toEqual([expect.stringContaining("must be a list")]);
  });
});

describe("the 5-link rule as Meta counts it", () => {
  const links = (n: number) => Array.from({ length: n }, (_, i) => `https://site${i}.example`).join(" ");

  it("Meta's examples: the attachment link counts once when the text has it, once more when it differs", () => {
    // "text www.facebook.com + link_attachment_url www.facebook.com = 1 link"
    const same: PostPart = {
      text: `${links(4)} www.facebook.com`,
      text_attachment: { plaintext: "p", link_attachment_url: "https://www.facebook.com" },
    };
    expect(issues(same)).toEqual([]);
    // "text www.instagram.com and www.threads.com, link_attachment_url www.facebook.com = 3 links"
    const three: PostPart = {
      text: `${links(3)} www.instagram.com www.threads.com`,
      text_attachment: { plaintext: "p", link_attachment_url: "https://www.facebook.com" },
    };
    const [six] = issues(three);
    expect(six).toMatchObject({ field: "text" });
    expect(six!.message).toContain("6 different links");
    expect(six!.message).toContain("text attachment link");
    expect(six!.ja).toContain("テキスト添付のリンク");
  });

  it("links written in the plaintext do not count (Meta counts `text` and the attachment link only)", () => {
    expect(issues({ text: links(5), text_attachment: { plaintext: links(6) } })).toEqual([]);
  });

  it("the link attachment still counts", () => {
    expect(fields({ text: links(5), link_attachment: "https://other.example" })).toEqual(["text"]);
  });
});

describe("text spoilers", () => {
  it("accepts ranges over kanji, emoji and combining marks that keep characters whole", () => {
    const text = "犯人は🍣屋の👨‍👩‍👧だった。cafe\u0301";
    expect(text.indexOf("🍣")).toBe(3);
    expect(
      issues({
        text,
        text_entities: [
          spoiler(0, 2),
          spoiler(3, 2),
          spoiler(7, 8),
          { entity_type: "spoiler", offset: 19, length: 5 },
        ],
      }),
    ).toEqual([]);
  });

  it("refuses a range that cuts 🍣 in two and suggests the whole emoji", () => {
    const [issue] = issues({ text: "今日は🍣", text_entities: [spoiler(3, 1)] });
    expect(issue).toMatchObject({ field: "text_entities[0]" });
    expect(formatIssue(issue!)).toBe(
      'part 1: spoiler 1: the spoiler (offset 3, length 1) cuts a character in two (an emoji or a letter with its marks, in "🍣"); use offset 3, length 2 to cover it whole.',
    );
    expect(issue!.ja).toContain("offset 3、length 2");
  });

  it("refuses a range inside a ZWJ family or between a letter and its combining mark", () => {
    const family = "家族👨‍👩‍👧";
    const [inFamily] = issues({ text: family, text_entities: [spoiler(2, 2)] });
    expect(inFamily!.message).toContain("use offset 2, length 8");
    const [mark] = issues({ text: "cafe\u0301!", text_entities: [spoiler(0, 4)] });
    expect(mark!.message).toContain("use offset 0, length 5");
    const [dakuten] = issues({ text: "か\u3099き", text_entities: [spoiler(1, 2)] });
    expect(dakuten!.message).toContain("use offset 0, length 3");
  });

  it("allows 10 spoilers and refuses 11", () => {
    const text = "あいうえおかきくけこさしすせそ";
    const ten = Array.from({ length: 10 }, (_, i) => spoiler(i, 1));
    expect(issues({ text, text_entities: ten })).toEqual([]);
    const eleven = [...ten, spoiler(12, 1)];
    const found = issues({ text, text_entities: eleven });
    expect(found).toEqual([expect.objectContaining({ field: "text_entities" })]);
    expect(formatIssue(found[0]!)).toBe(
      "part 1: spoilers: 11 spoilers; Threads allows at most 10 per post. Remove 1 or merge neighbouring ones.",
    );
    expect(found[0]!.ja).toContain("最大 10 個");
  });

  it("refuses bad numbers, ranges past the end, overlaps, other entity types and spoilers on no text", () => {
    const text = "ネタバレ注意😀";
    expect(text.length).toBe(8);
    const msg = (entities: unknown, t = text) =>
      issues({ text: t, text_entities: entities as TextEntity[] }).map((i) => `${i.field}: ${i.message}`);
    expect(msg([spoiler(-1, 2)])).toEqual([
      expect.stringMatching(/^text_entities\[0\]: .*offset must be a whole number from 0/),
    ]);
    expect(msg([spoiler(0, 0)])).toEqual([expect.stringContaining("length a whole number from 1")]);
    expect(msg([spoiler(1.5, 2)])).toEqual([expect.stringContaining("got offset 1.5")]);
    expect(msg([spoiler(6, 3)])).toEqual([
      expect.stringContaining("runs past the end of the text, which is 8 long in UTF-16 units"),
    ]);
    expect(msg([spoiler(0, 4), spoiler(3, 2)])).toEqual([
      "text_entities[1]: spoilers 1 and 2 overlap; make them one spoiler or move one so they do not share characters.",
    ]);
    // Touching ranges do not overlap.
    expect(msg([spoiler(0, 4), spoiler(4, 2)])).toEqual([]);
    expect(msg([{ entity_type: "MENTION", offset: 0, length: 1 }])).toEqual([
      'text_entities[0]: entity_type "MENTION" is not a spoiler; use SPOILER.',
    ]);
    expect(
      issues({
        text: "",
        media: [{ kind: "IMAGE", url: "https://e.com/a.jpg" }],
        text_entities: [spoiler(0, 1)],
      }),
    ).toEqual([
      expect.objectContaining({ field: "text_entities", message: expect.stringContaining("has no text") }),
    ]);
    expect(msg({ offset: 0 })).toEqual([expect.stringContaining("must be a list")]);
    expect(msg([spoiler(0, 1)], "   ")).toEqual([
      "text: the part is empty; write some text or add media.",
      expect.stringContaining("text_entities: spoilers hide words of the text"),
    ]);
  });
});

describe("media spoilers", () => {
  it("work on an image, a video and a carousel", () => {
    const image = { kind: "IMAGE" as const, url: "https://e.com/a.jpg" };
    expect(issues({ media: [image], is_spoiler_media: true })).toEqual([]);
    expect(
      issues({ media: [{ kind: "VIDEO", url: "https://e.com/v.mp4" }], is_spoiler_media: true }),
    ).toEqual([]);
    expect(issues({ media: [image, image], is_spoiler_media: true })).toEqual([]);
    expect(issues({ text: "no spoiler", is_spoiler_media: false })).toEqual([]);
  });

  it("are refused on a text post with what to do instead", () => {
    const [issue] = issues({ text: "結末は秘密", is_spoiler_media: true });
    expect(formatIssue(issue!)).toMatch(
      /^part 1: media spoiler: a media spoiler works only on posts with an image, a video or a carousel; .*text spoiler \(text_entities\)/,
    );
    expect(issue!.ja).toContain("テキストのネタバレ");
    expect(fields({ text: "x", is_spoiler_media: "yes" as never })).toEqual(["is_spoiler_media"]);
  });
});

describe("field labels", () => {
  it("name the fields as users do", () => {
    const [attachment] = issues({ text: "x", text_attachment: { plaintext: "" } });
    expect(formatIssue(attachment!)).toBe(
      "part 1: text attachment: the text attachment has no plaintext; write its text or remove the attachment.",
    );
    const found = issues({ text: "今日は🍣", text_entities: [spoiler(0, 1), spoiler(4, 1)] });
    expect(found.map(formatIssue)).toEqual([
      expect.stringMatching(/^part 1: spoiler 2: the spoiler \(offset 4, length 1\) cuts/),
    ]);
  });
});

describe("spoilerFor", () => {
  it("gives the range of a phrase in UTF-16 units, after emoji and kanji", () => {
    const text = "🍣🍣 犯人は執事、犯人は執事";
    expect(spoilerFor(text, "執事")).toEqual({ entity_type: "SPOILER", offset: 8, length: 2 });
    expect(spoilerFor(text, "執事", 2)).toEqual({ entity_type: "SPOILER", offset: 14, length: 2 });
    expect(spoilerFor("家族👨‍👩‍👧です", "👨‍👩‍👧")).toEqual({ entity_type: "SPOILER", offset: 2, length: 8 });
    const entity = spoilerFor(text, "犯人は執事");
    expect(issues({ text, text_entities: [entity] })).toEqual([]);
  });

  it("says what is wrong when the phrase is not there", () => {
    expect(() => spoilerFor("犯人は執事", "庭師")).toThrow(
      '"庭師" is not in the text; copy the words to hide exactly as they are written in the post.',
    );
    expect(() => spoilerFor("犯人は執事", "執事", 2)).toThrow(
      '"執事" appears 1 time in the text, not 2; pick an occurrence from 1 to 1.',
    );
    expect(() => spoilerFor("x", "")).toThrow("the spoiler phrase is empty");
    expect(() => spoilerFor("x", "x", 0)).toThrow("whole number from 1");
  });

  it("throws a typed problem worded in both languages", () => {
    const caught = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error;
      }
      throw new Error("expected a throw");
    };
    const missing = caught(() => spoilerFor("犯人は執事", "庭師"));
    expect(missing).toBeInstanceOf(SpoilerPhraseError);
    expect(missing).toMatchObject({
      problem: { kind: "missing", phrase: "庭師" },
      ja: "「庭師」は本文にありません。隠したい語句を、本文どおりに書いてください。",
    });
    const third = caught(() => spoilerFor("執事と執事", "執事", 3));
    expect(third).toMatchObject({
      problem: { kind: "occurrence", phrase: "執事", count: 2, occurrence: 3 },
      message: '"執事" appears 2 times in the text, not 3; pick an occurrence from 1 to 2.',
      ja: "「執事」は本文に 2 回しか出てきません。3 回目はないので、1〜2 回目から選んでください。",
    });
    expect(caught(() => spoilerFor("x", ""))).toMatchObject({ problem: { kind: "empty" } });
    expect(caught(() => spoilerFor("x", "x", 1.5))).toMatchObject({
      problem: { kind: "bad_occurrence", occurrence: 1.5 },
      ja: expect.stringContaining("1.5"),
    });
  });
});
