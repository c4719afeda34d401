/** The Japanese side of preflight's issues: every rule's `ja` (a table, one row per rule), and `formatIssueIn`. */

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PostPart } from "./post.js";
import { formatIssueIn, validateGroup } from "./preflight.js";
import { GHOST_POST_EXCLUDES } from "./preflight-options.js";

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
});

const img = { kind: "IMAGE", url: "https://example.com/a.jpg" };
const sp = (offset: number, length: number, entity_type = "SPOILER") => ({ entity_type, offset, length });
const style = (offset: number, length: number, styling_info: unknown = ["bold"]) => ({
  offset,
  length,
  styling_info,
});
const gif = (gif_id: unknown, provider: unknown = "GIPHY") => ({ gif_id, provider });
const links = (n: number) => Array.from({ length: n }, (_, i) => `https://example.com/${i}`).join(" ");

/**
 * One row per place in preflight.ts, preflight-text.ts and preflight-options.ts that makes an issue: the parts
 * that trigger it and what its English message says. A rule reached two ways (a range over the text or over a
 * text attachment) has both inputs.
 */
const RULES: Array<[rule: string, inputs: unknown[][], message: RegExp]> = [
  // preflight.ts
  ["text not a string", [[{ text: 3 }]], /^text must be a string/],
  ["text too long", [[{ text: "x".repeat(501) }]], /^501 characters; Threads allows at most 500/],
  ["empty part", [[{ text: " " }]], /^the part is empty/],
  ["media not a list", [[{ text: "x", media: "x" }]], /^media must be a list/],
  ["carousel too big", [[{ media: Array(21).fill(img) }]], /^21 media items/],
  ["media item not an object", [[{ media: [3] }]], /^the media item is not an object/],
  ["media kind", [[{ media: [{ kind: "GIF", url: "https://example.com/a.gif" }] }]], /is not a media kind/],
  ["media URL", [[{ media: [{ kind: "IMAGE", url: "ftp://x" }] }]], /^the media URL is not a valid/],
  [
    "alt text",
    [[{ media: [{ ...img, alt_text: "a".repeat(1001) }] }], [{ media: [{ ...img, alt_text: 3 }] }]],
    /^alt text of /,
  ],
  [
    "too many links",
    [
      [{ text: links(6) }],
      [{ text: links(5), text_attachment: { plaintext: "p", link_attachment_url: "https://example.com/x" } }],
    ],
    /^6 different links/,
  ],
  ["topic tag length", [[{ text: "x", topic_tag: "" }]], /^the topic tag must be 1 to 50/],
  ["topic tag characters", [[{ text: "x", topic_tag: "a.b" }]], /^the topic tag may not contain/],
  [
    "link attachment with media",
    [[{ media: [img], link_attachment: "https://x.com" }]],
    /^a link attachment works only/,
  ],
  ["link attachment URL", [[{ text: "x", link_attachment: "nope" }]], /^the link attachment is not a valid/],
  [
    "poll option count",
    [[{ text: "x", poll_attachment: { option_a: "a" } }]],
    /^a poll needs 2 to 4 options/,
  ],
  [
    "poll option length",
    [[{ text: "x", poll_attachment: { option_a: "", option_b: "b" } }]],
    /^poll option 1 must/,
  ],
  [
    "poll with media",
    [[{ media: [img], poll_attachment: { option_a: "a", option_b: "b" } }]],
    /^a poll works only/,
  ],
  [
    "poll with link",
    [[{ text: "x", link_attachment: "https://x.com", poll_attachment: { option_a: "a", option_b: "b" } }]],
    /^a poll cannot go with a link attachment/,
  ],
  ["reply control", [[{ text: "x", reply_control: "nobody" }]], /is not a reply setting/],
  ["empty quote", [[{ text: "x", quote_post_id: " " }]], /^the quoted post id is empty/],
  ["no parts", [[]], /^the group has no parts/],
  ["part not an object", [[null]], /^the part is not an object/],
  // preflight-text.ts
  ["media spoiler not boolean", [[{ media: [img], is_spoiler_media: "yes" }]], /^must be true or false/],
  ["media spoiler without media", [[{ text: "x", is_spoiler_media: true }]], /^a media spoiler works only/],
  [
    "text attachment not an object",
    [[{ text: "x", text_attachment: "x" }]],
    /^the text attachment must be an object/,
  ],
  ["text attachment empty", [[{ text: "x", text_attachment: { plaintext: " " } }]], /has no plaintext/],
  [
    "text attachment too long",
    [[{ text: "x", text_attachment: { plaintext: "x".repeat(10_001) } }]],
    /^the text attachment has 10001 characters/,
  ],
  [
    "text attachment link",
    [[{ text: "x", text_attachment: { plaintext: "p", link_attachment_url: "nope" } }]],
    /^the text attachment's link is not a valid/,
  ],
  [
    "text attachment with media",
    [[{ media: [img], text_attachment: { plaintext: "p" } }]],
    /works only on text posts;/,
  ],
  [
    "text attachment with a GIF",
    [[{ text: "x", gif_attachment: gif("abc"), text_attachment: { plaintext: "p" } }]],
    /without a GIF/,
  ],
  [
    "text attachment with a poll",
    [[{ text: "x", poll_attachment: { option_a: "a", option_b: "b" }, text_attachment: { plaintext: "p" } }]],
    /^a text attachment cannot go with a poll/,
  ],
  [
    "two links",
    [
      [
        {
          text: "x",
          link_attachment: "https://x.com",
          text_attachment: { plaintext: "p", link_attachment_url: "https://y.com" },
        },
      ],
    ],
    /already has a link attachment/,
  ],
  [
    "styling not a list",
    [[{ text: "x", text_attachment: { plaintext: "p", text_with_styling_info: "bold" } }]],
    /^text_with_styling_info must be a list/,
  ],
  [
    "unknown style",
    [[{ text: "x", text_attachment: { plaintext: "p", text_with_styling_info: [style(0, 1, ["blink"])] } }]],
    /^style 1: styling_info must list/,
  ],
  [
    "styles overlap",
    [
      [
        {
          text: "x",
          text_attachment: { plaintext: "abc", text_with_styling_info: [style(0, 2), style(1, 2)] },
        },
      ],
    ],
    /^styles 1 and 2 overlap/,
  ],
  ["spoilers not a list", [[{ text: "x", text_entities: "x" }]], /^spoilers must be a list/],
  [
    "too many spoilers",
    [[{ text: "x".repeat(11), text_entities: Array.from({ length: 11 }, (_, i) => sp(i, 1)) }]],
    /^11 spoilers/,
  ],
  [
    "spoilers without text",
    [[{ text: " ", link_attachment: "https://x.com", text_entities: [sp(0, 1)] }]],
    /has no text/,
  ],
  ["not a spoiler", [[{ text: "abc", text_entities: [sp(0, 1, "BOLD")] }]], /is not a spoiler; use SPOILER/],
  ["spoilers overlap", [[{ text: "abc", text_entities: [sp(0, 2), sp(1, 2)] }]], /^spoilers 1 and 2 overlap/],
  [
    "range numbers",
    [
      [{ text: "abc", text_entities: [sp(-1, 1)] }],
      [{ text: "x", text_attachment: { plaintext: "p", text_with_styling_info: [style(0, 0)] } }],
    ],
    /offset must be a whole number from 0/,
  ],
  [
    "range past the end",
    [
      [{ text: "abc", text_entities: [sp(2, 5)] }],
      [{ text: "x", text_attachment: { plaintext: "p", text_with_styling_info: [style(0, 3)] } }],
    ],
    /runs past the end/,
  ],
  [
    "range cuts a character",
    [
      [{ text: "a🍣", text_entities: [sp(1, 1)] }],
      [{ text: "x", text_attachment: { plaintext: "🍣b", text_with_styling_info: [style(0, 1)] } }],
    ],
    /cuts a character in two/,
  ],
  // preflight-options.ts
  ["GIF not an object", [[{ text: "x", gif_attachment: "abc" }]], /^the GIF must be an object/],
  ["GIF without id", [[{ text: "x", gif_attachment: gif(" ") }]], /^the GIF has no gif_id/],
  [
    "GIF id is an address",
    [[{ text: "x", gif_attachment: gif("https://media.giphy.com/media/abc123/giphy.gif") }]],
    /^gif_id is a GIPHY address/,
  ],
  ["GIF id", [[{ text: "x", gif_attachment: gif("a b") }]], /is not a GIPHY id/],
  ["Tenor", [[{ text: "x", gif_attachment: gif("abc", "TENOR") }]], /^Tenor support ended/],
  [
    "GIF provider",
    [[{ text: "x", gif_attachment: gif("abc", "OTHER") }]],
    /^the GIF provider must be "GIPHY"/,
  ],
  ["GIF with media", [[{ media: [img], gif_attachment: gif("abc") }]], /^a GIF works only on text posts/],
  [
    "GIF with a poll",
    [[{ text: "x", gif_attachment: gif("abc"), poll_attachment: { option_a: "a", option_b: "b" } }]],
    /a GIF or a poll/,
  ],
  [
    "GIF with a link",
    [[{ text: "x", gif_attachment: gif("abc"), link_attachment: "https://x.com" }]],
    /a GIF or a link attachment/,
  ],
  [
    "boolean options",
    [[{ text: "x", enable_reply_approvals: "yes" }], [{ text: "x", crossreshare_to_ig: 1 }]],
    /^(enable_reply_approvals|crossreshare_to_ig) must be true or false/,
  ],
  ["ghost not boolean", [[{ text: "x", is_ghost_post: "yes" }]], /^is_ghost_post must be true or false/],
  ["ghost reply", [[{ text: "a" }, { text: "b", is_ghost_post: true }]], /^a reply cannot be a ghost post/],
  [
    "ghost with features",
    [
      [
        {
          text: "x",
          is_ghost_post: true,
          media: [img],
          is_spoiler_media: true,
          poll_attachment: { option_a: "a", option_b: "b" },
          link_attachment: "https://x.com",
          text_attachment: { plaintext: "p" },
          gif_attachment: gif("abc"),
          quote_post_id: "1",
          topic_tag: "t",
          location_id: "110",
          enable_reply_approvals: true,
          reply_control: "mentioned_only",
          allowlisted_country_codes: ["JP"],
          crossreshare_to_ig: true,
        },
      ],
    ],
    /^a ghost post takes only text and text spoilers/,
  ],
  ["place id", [[{ text: "x", location_id: "a b" }], [{ text: "x", location_id: 3 }]], /place id/],
  [
    "countries not a list",
    [[{ text: "x", allowlisted_country_codes: "JP" }]],
    /^the countries must be a list/,
  ],
  ["no countries", [[{ text: "x", allowlisted_country_codes: [] }]], /^the list of countries is empty/],
  ["country not a string", [[{ text: "x", allowlisted_country_codes: [3] }]], /^3 is not a country code/],
  ["country twice", [[{ text: "x", allowlisted_country_codes: ["JP", "JP"] }]], /^JP is listed twice/],
  ["country alias", [[{ text: "x", allowlisted_country_codes: ["UK"] }]], /^use GB, not UK/],
  ["country in lower case", [[{ text: "x", allowlisted_country_codes: ["jp"] }]], /^use JP, not jp/],
  ["not a country", [[{ text: "x", allowlisted_country_codes: ["ZZ"] }]], /is not a country's code/],
];

describe("every preflight rule has a Japanese text", () => {
  it.each(RULES)("%s", (_rule, inputs, message) => {
    for (const parts of inputs) {
      const issues = validateGroup(parts as PostPart[]);
      expect(
        issues.map((i) => i.message),
        JSON.stringify(parts),
      ).toContainEqual(expect.stringMatching(message));
      for (const issue of issues) {
        expect(typeof issue.ja === "string" && issue.ja.trim() !== "", issue.message).toBe(true);
        expect(issue.ja).not.toBe(issue.message);
      }
    }
  });

  it("the ghost post's list of what to remove names each feature in Japanese", () => {
    const [, inputs, message] = RULES.find(([rule]) => rule === "ghost with features")!;
    const issue = validateGroup(inputs[0] as PostPart[]).find((i) => message.test(i.message))!;
    for (const x of GHOST_POST_EXCLUDES) expect(issue.ja).toContain(x.ja);
  });

  it("the table has a row for every place that makes an issue (add a row with a new rule)", () => {
    const source = (file: string) => readFileSync(new URL(file, import.meta.url), "utf8");
    const calls = (text: string) =>
      text.split("\n").filter((line) => /(^|[^.\w])add\(/u.test(line) && !/const sub\b/u.test(line)).length;
    const main = source("./preflight.ts");
    // preflight.ts also builds three issues as objects: too many links, no parts, a part that is not an object.
    const literals = main.split("\n").filter((line) => /^\s+message: [`"]/u.test(line)).length;
    const sites =
      calls(main) + literals + calls(source("./preflight-text.ts")) + calls(source("./preflight-options.ts"));
    expect(RULES).toHaveLength(sites);
  });
});
