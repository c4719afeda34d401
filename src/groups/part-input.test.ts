import { describe, expect, it } from "vitest";
import { parsePartInput } from "./part-input.js";

/** Malformed parts that reach every kind of problem the parser reports. */
const MALFORMED: unknown[] = [
  "text",
  { txt: "x", topicTag: "t", reply_to_id: "1", text: 3, reply_control: "nobody", quote_post_id: [] },
  { media: "x" },
  { media: [3, { kind: "GIF", url: 4, alt_text: 5, altText: "a", extra: 1 }] },
  { media: [], media_type: "IMAGE" },
  { media_type: "AUDIO" },
  { media_type: "TEXT", image_url: "u" },
  { media_type: "IMAGE", video_url: "u" },
  { media_type: "IMAGE", children: [] },
  { media_type: "IMAGE" },
  { media_type: "CAROUSEL", alt_text: "a" },
  { media_type: "CAROUSEL", children: "x" },
  {
    media_type: "CAROUSEL",
    children: [3, { media_type: "CAROUSEL" }, { media_type: "IMAGE", image_url: "u", x: 1 }],
  },
  { alt_text: 3, image_url: "u" },
  { poll_attachment: "a|b|c|d|e" },
  { poll_attachment: 3 },
  { poll_attachment: { option_a: 1, option_z: "z" } },
  { poll_attachment: "{bad" },
  { text_attachment: 3 },
  { text_attachment: { plaintext: 1, link_attachment_url: 2, text_with_styling_info: "x", other: 1 } },
  { text_attachment: { plaintext: "p", text_with_styling_info: [{ offset: -1 }] } },
  { text: "abc", text_entities: "zzz" },
  { text_entities: 3 },
  { text_entities: [3, { entity_type: "BOLD", offset: "x", length: 0, other: 1 }] },
  { gif_attachment: [] },
  { gif_attachment: { gif_id: "a", other: 1 } },
  { gif_attachment: { provider: "GIPHY" } },
  { gif_attachment: { gif_id: "a", provider: "TENOR" } },
  { gif_attachment: { gif_id: "a", provider: "OTHER" } },
  { location_id: {} },
  { allowlisted_country_codes: 3 },
  { is_ghost_post: "maybe", is_spoiler_media: 2, enable_reply_approvals: {}, crossreshare_to_ig: "x" },
];

describe("parsePartInput", () => {
  it("gives every problem a Japanese text as well as its English one", () => {
    const problems = MALFORMED.flatMap((input) => parsePartInput(input).problems);
    expect(problems.length).toBeGreaterThan(50);
    expect(problems.filter((p) => p.ja === undefined || p.ja === "")).toEqual([]);
    for (const input of MALFORMED) expect(parsePartInput(input).part).toBeUndefined();
  });

  it("reads a part of Meta's container shape and of its own shape alike", () => {
    const meta = parsePartInput({
      media_type: "IMAGE",
      image_url: "https://x/a.jpg",
      alt_text: "猫",
      text: "t",
    });
    const own = parsePartInput({
      text: "t",
      media: [{ kind: "image", url: "https://x/a.jpg", alt_text: "猫" }],
    });
    expect(meta).toEqual({
      part: { text: "t", media: [{ kind: "IMAGE", url: "https://x/a.jpg", alt_text: "猫" }] },
      problems: [],
    });
    expect(own).toEqual(meta);
  });
});
