import { describe, expect, it } from "vitest";
import { COUNTRY_CODES, isCountryCode } from "./country-codes.js";
import { type PostPart, REPLY_CONTROLS } from "./post.js";
import { formatIssue, validateGroup, validatePart } from "./preflight.js";
import { GHOST_POST_EXCLUDES, usesGeoGating, validatePartOptions } from "./preflight-options.js";

const GIF = { gif_id: "3oEjI6SIIHBdRxXI40", provider: "GIPHY" } as const;
const image = { kind: "IMAGE", url: "https://cdn.example.com/1.jpg" } as const;
const issuesOf = (part: PostPart, index = 0) => validatePart(part, index);
const messages = (part: PostPart, index = 0) => issuesOf(part, index).map((i) => i.message);

describe("GIF attachments", () => {
  it("accepts a GIPHY GIF on a text post, with or without text (Japanese, emoji)", () => {
    expect(issuesOf({ text: "金曜日の気分 🎉", gif_attachment: GIF })).toEqual([]);
    expect(issuesOf({ gif_attachment: GIF })).toEqual([]);
    expect(issuesOf({ text: "", gif_attachment: GIF })).toEqual([]);
  });

  it("refuses Tenor with the date it ended, in both languages", () => {
    const issues = issuesOf({ text: "x", gif_attachment: { gif_id: "abc", provider: "TENOR" as "GIPHY" } });
    expect(issues).toEqual([
      {
        part: 0,
        field: "gif_attachment",
        message: "Tenor support ended on 31 March 2026; use a GIPHY id.",
        ja: "Tenor のサポートは 2026 年 3 月 31 日に終了しました。GIPHY の ID を使ってください。",
      },
    ]);
  });

  it("refuses another or a missing provider, and says to set GIPHY", () => {
    expect(messages({ gif_attachment: { gif_id: "abc", provider: "giphy" as "GIPHY" } })).toEqual([
      'the GIF provider must be "GIPHY" (got "giphy"); set provider to "GIPHY".',
    ]);
    expect(messages({ gif_attachment: { gif_id: "abc" } as never })).toEqual([
      'the GIF provider must be "GIPHY" (got none); set provider to "GIPHY".',
    ]);
  });

  it("refuses an empty or unsafe id, and finds the id in a pasted GIPHY address", () => {
    expect(messages({ gif_attachment: { gif_id: " ", provider: "GIPHY" } })[0]).toMatch(/has no gif_id/);
    expect(messages({ gif_attachment: { gif_id: 'a b"c', provider: "GIPHY" } })).toEqual([
      'gif_id "a b"c" is not a GIPHY id: use only letters, digits, "-" and "_" (at most 64).',
    ]);
    expect(messages({ gif_attachment: { gif_id: "x".repeat(65), provider: "GIPHY" } })).toHaveLength(1);
    expect(messages({ gif_attachment: { gif_id: "x".repeat(64), provider: "GIPHY" } })).toEqual([]);
    expect(
      messages({
        gif_attachment: { gif_id: "https://giphy.com/gifs/cat-funny-3oEjI6SIIHBdRxXI40", provider: "GIPHY" },
      }),
    ).toEqual(['gif_id is a GIPHY address, not an id; use "3oEjI6SIIHBdRxXI40".']);
    expect(
      messages({
        gif_attachment: {
          gif_id: "https://media.giphy.com/media/l0HlBO7eyXzSZkJri/giphy.gif",
          provider: "GIPHY",
        },
      }),
    ).toEqual(['gif_id is a GIPHY address, not an id; use "l0HlBO7eyXzSZkJri".']);
  });

  it("refuses a GIF with media, a poll or a link attachment, saying what to remove", () => {
    expect(messages({ text: "x", media: [image], gif_attachment: GIF })).toEqual([
      "a GIF works only on text posts; remove the media or the GIF.",
    ]);
    expect(
      messages({ text: "x", gif_attachment: GIF, poll_attachment: { option_a: "a", option_b: "b" } }),
    ).toEqual(["a post takes a GIF or a poll, not both; remove one of them."]);
    expect(messages({ text: "x", gif_attachment: GIF, link_attachment: "https://example.com" })).toEqual([
      "a post takes a GIF or a link attachment, not both; remove one of them.",
    ]);
  });

  it("refuses a GIF that is not an object", () => {
    expect(messages({ text: "x", gif_attachment: "3oEjI6SIIHBdRxXI40" as never })[0]).toMatch(
      /must be an object/,
    );
  });
});

describe("ghost posts", () => {
  it("accepts a ghost post with text spoilers, and one whose reply setting is the default", () => {
    expect(
      issuesOf({
        text: "ネタバレ注意: 犯人は執事 🤫",
        is_ghost_post: true,
        text_entities: [{ entity_type: "SPOILER", offset: 8, length: 4 }],
      }),
    ).toEqual([]);
    expect(issuesOf({ text: "x", is_ghost_post: true, reply_control: "everyone" })).toEqual([]);
    expect(issuesOf({ text: "x", is_ghost_post: false, media: [image] })).toEqual([]);
  });

  it("refuses a ghost post as a reply in a chain (part index > 0), in both languages", () => {
    const issues = validateGroup([{ text: "root" }, { text: "ghost reply", is_ghost_post: true }]);
    expect(issues).toEqual([
      {
        part: 1,
        field: "is_ghost_post",
        message:
          "a reply cannot be a ghost post (Threads does not allow it); make this part a normal reply, or post it as the first part of its own group.",
        ja: "返信をゴースト投稿にすることはできません。通常の返信にするか、別のグループの最初の投稿にしてください。",
      },
    ]);
    expect(formatIssue(issues[0]!)).toMatch(/^part 2: ghost post: a reply cannot be a ghost post/);
  });

  it("lets a ghost post be followed by chain replies (they reply to the ghost post)", () => {
    expect(
      validateGroup([{ text: "ghost", is_ghost_post: true }, { text: "reply 1" }, { text: "reply 2" }]),
    ).toEqual([]);
  });

  it("lists every other feature to remove in one issue", () => {
    const part: PostPart = {
      text: "x",
      is_ghost_post: true,
      topic_tag: "Books",
      location_id: "110000000000001",
      enable_reply_approvals: true,
      reply_control: "followers_only",
      allowlisted_country_codes: ["JP"],
      crossreshare_to_ig: true,
      quote_post_id: "1805",
      text_attachment: { plaintext: "long" },
    };
    expect(issuesOf(part).filter((i) => i.field === "is_ghost_post")).toEqual([
      {
        part: 0,
        field: "is_ghost_post",
        message:
          "a ghost post takes only text and text spoilers; remove: text attachment, quote, topic tag, location, reply approvals, reply control, countries, share to Instagram.",
        ja: "ゴースト投稿に使えるのはテキストとテキストのネタバレだけです。外してください: テキスト添付、引用、トピックタグ、場所、返信の承認、返信できる人の設定、表示する国、Instagramへのシェア。",
      },
    ]);
  });

  it("names media, media spoilers, polls, link attachments and GIFs too", () => {
    const ghost = (extra: PostPart) =>
      validatePartOptions({ is_ghost_post: true, ...extra }, 0).find((i) => i.field === "is_ghost_post")
        ?.message;
    expect(ghost({ media: [image], is_spoiler_media: true })).toBe(
      "a ghost post takes only text and text spoilers; remove: media, media spoiler.",
    );
    expect(ghost({ text: "x", poll_attachment: { option_a: "a", option_b: "b" } })).toMatch(
      /remove: poll\.$/,
    );
    expect(ghost({ text: "x", link_attachment: "https://example.com" })).toMatch(
      /remove: link attachment\.$/,
    );
    expect(ghost({ gif_attachment: GIF })).toMatch(/remove: GIF\.$/);
    // Every feature in the list is detected by its own check.
    expect(GHOST_POST_EXCLUDES.map((x) => x.field)).toContain("crossreshare_to_ig");
  });

  it("refuses a non-boolean flag", () => {
    expect(messages({ text: "x", is_ghost_post: "yes" as never })).toEqual([
      "is_ghost_post must be true or false.",
    ]);
  });
});

describe("location tags", () => {
  it("accepts digit and letter ids, refuses empty, spaced or non-string ones", () => {
    expect(issuesOf({ text: "渋谷なう", location_id: "110000000000001" })).toEqual([]);
    expect(issuesOf({ text: "x", location_id: "110000000000001" })).toEqual([]);
    expect(issuesOf({ text: "x", location_id: "abc" })).not.toEqual([]);
    expect(issuesOf({ text: "x", location_id: "" })[0]).toMatchObject({
      field: "location_id",
      message:
        '"" is not a place id; use the id the location search gives (digits, like "110000000000001"), or remove the location.',
    });
    expect(issuesOf({ text: "x", location_id: "Shibuya Station" })).toHaveLength(1);
    expect(issuesOf({ text: "x", location_id: 12345 as never })[0]!.message).toMatch(/must be a string/);
  });
});

describe("reply approvals, reply control, share to Instagram", () => {
  it("accepts every reply_control value Meta lists, with reply approvals", () => {
    expect(REPLY_CONTROLS).toHaveLength(5);
    for (const reply_control of REPLY_CONTROLS) {
      expect(issuesOf({ text: "x", reply_control, enable_reply_approvals: true })).toEqual([]);
    }
  });

  it("refuses non-boolean flags in both languages", () => {
    expect(
      issuesOf({ text: "x", enable_reply_approvals: "true" as never, crossreshare_to_ig: 1 as never }),
    ).toEqual([
      {
        part: 0,
        field: "enable_reply_approvals",
        message: "enable_reply_approvals must be true or false.",
        ja: "enable_reply_approvals は true か false にしてください。",
      },
      {
        part: 0,
        field: "crossreshare_to_ig",
        message: "crossreshare_to_ig must be true or false.",
        ja: "crossreshare_to_ig は true か false にしてください。",
      },
    ]);
    expect(issuesOf({ media: [image], crossreshare_to_ig: true })).toEqual([]);
  });
});

describe("geo-gating countries", () => {
  it("keeps the 249 assigned ISO 3166-1 alpha-2 codes, uppercase and unique", () => {
    expect(COUNTRY_CODES).toHaveLength(249);
    expect(new Set(COUNTRY_CODES).size).toBe(249);
    expect(COUNTRY_CODES.every((c) => /^[A-Z]{2}$/u.test(c))).toBe(true);
    for (const code of ["JP", "US", "GB", "TW", "PS", "SS", "AQ", "BQ"])
      expect(isCountryCode(code)).toBe(true);
    for (const code of ["UK", "EU", "XK", "ZZ", "jp"]) expect(isCountryCode(code)).toBe(false);
    // Each is a region the runtime's CLDR data names (no typo in the list).
    const names = new Intl.DisplayNames(["en"], { type: "region" });
    expect(COUNTRY_CODES.filter((c) => names.of(c) === c || names.of(c) === "Unknown Region")).toEqual([]);
  });

  it("accepts a list of codes and says it uses geo-gating", () => {
    const part: PostPart = { text: "日本と台湾だけ", allowlisted_country_codes: ["JP", "TW"] };
    expect(issuesOf(part)).toEqual([]);
    expect(usesGeoGating(part)).toBe(true);
    expect(usesGeoGating({ text: "x" })).toBe(false);
  });

  it("refuses lowercase, aliases, unknown codes and duplicates with the fix", () => {
    expect(
      issuesOf({ text: "x", allowlisted_country_codes: ["jp", "UK", "XX", "US", "US", 7 as never] }),
    ).toEqual([
      expect.objectContaining({
        message: "use JP, not jp: country codes are written in capitals.",
        ja: "jp ではなく JP と大文字で書いてください。",
      }),
      expect.objectContaining({ message: "use GB, not UK (the ISO 3166-1 code of that country)." }),
      expect.objectContaining({
        message:
          '"XX" is not a country\'s code (ISO 3166-1 alpha-2, such as JP, US or TW); check the spelling or remove it.',
      }),
      expect.objectContaining({ message: "US is listed twice; list each country once." }),
      expect.objectContaining({ message: "7 is not a country code; use two capital letters such as JP." }),
    ]);
  });

  it("refuses an empty list and a value that is not a list", () => {
    expect(messages({ text: "x", allowlisted_country_codes: [] })).toEqual([
      "the list of countries is empty; add at least one code like JP, or remove the setting to show the post everywhere.",
    ]);
    expect(messages({ text: "x", allowlisted_country_codes: "JP,US" as never })).toEqual([
      'the countries must be a list of codes like ["JP", "US"].',
    ]);
  });

  it("labels every option field as users name it", () => {
    const label = (field: string) => formatIssue({ part: 0, field, message: "m" });
    expect(label("allowlisted_country_codes")).toBe("part 1: countries: m");
    expect(label("gif_attachment")).toBe("part 1: GIF: m");
    expect(label("location_id")).toBe("part 1: location: m");
    expect(label("enable_reply_approvals")).toBe("part 1: reply approvals: m");
    expect(label("crossreshare_to_ig")).toBe("part 1: share to Instagram: m");
  });

  it("every issue of the options carries a Japanese message", () => {
    const bad: PostPart[] = [
      { gif_attachment: { gif_id: "", provider: "TENOR" as "GIPHY" }, media: [image], is_ghost_post: true },
      {
        text: "x",
        location_id: "",
        allowlisted_country_codes: ["jp", "jp"],
        enable_reply_approvals: 1 as never,
      },
      { text: "x", is_ghost_post: true, link_attachment: "https://example.com" },
    ];
    const issues = bad.flatMap((p, i) => validatePartOptions(p, i));
    expect(issues.length).toBeGreaterThan(6);
    for (const issue of issues) expect(issue.ja).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/u);
  });
});
