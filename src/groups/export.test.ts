import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import type { PostPart } from "../threads/post.js";
import { groupsToCsv, groupsToJson } from "./export.js";
import { parseGroupsFile } from "./import.js";

/**
 * Every option a part may carry, in the forms the CSV writes as short cells and as Meta's JSON; combined as
 * Meta allows (a ghost post only with text spoilers and not as a reply, a GIF on a text post, …).
 */
const EVERY_OPTION: Array<{ name: string; parts: PostPart[] }> = [
  {
    name: "長文と伏せ字 📚",
    parts: [
      {
        text: "😀 犯人は執事、そして執事だった",
        topic_tag: "ミステリー",
        reply_control: "followers_only",
        text_attachment: {
          plaintext: '長い本文\n二行目, カンマ "引用"',
          link_attachment_url: "https://example.com/a",
        },
        text_entities: [
          { entity_type: "SPOILER", offset: 6, length: 2 },
          { entity_type: "SPOILER", offset: 12, length: 2 },
        ],
        location_id: "12345",
        enable_reply_approvals: true,
        allowlisted_country_codes: ["JP", "US"],
        crossreshare_to_ig: true,
      },
      {
        text: "styled | piped",
        text_attachment: {
          plaintext: "bold text",
          text_with_styling_info: [{ offset: 0, length: 4, styling_info: ["bold", "italic"] }],
        },
        // A range no phrase reads back to (the second "p", not the first): written as Meta's JSON.
        text_entities: [{ entity_type: "SPOILER", offset: 11, length: 1 }],
        quote_post_id: "987654321",
      },
      { text: "gif", gif_attachment: { gif_id: "xT9IgG50Fb7Mi0prBC", provider: "GIPHY" } },
    ],
  },
  {
    name: "media",
    parts: [
      {
        text: "写真",
        media: [
          { kind: "IMAGE", url: "https://x/1.jpg", alt_text: "海" },
          { kind: "IMAGE", url: "https://x/2.jpg" },
          { kind: "VIDEO", url: "https://x/3.mp4", alt_text: "波" },
        ],
        is_spoiler_media: true,
      },
    ],
  },
  {
    name: "poll",
    parts: [{ text: "どっち?", poll_attachment: { option_a: "A", option_b: " B|C ", option_c: "C" } }],
  },
  { name: "link", parts: [{ text: "read", link_attachment: "https://example.com" }] },
];

describe("groups export → import", () => {
  it("round-trips every option through JSON", () => {
    expect(parseGroupsFile("e.json", groupsToJson(EVERY_OPTION)).groups).toEqual(EVERY_OPTION);
  });

  it("carries a group's delete-after in JSON as delete_after, read back in minutes; a bad one is refused", () => {
    const groups = [
      { name: "flash", deleteAfterMinutes: 90, parts: [{ text: "gone soon" }] },
      { name: "kept", parts: [{ text: "stays" }] },
    ];
    const json = groupsToJson([
      ...groups,
      { name: "none", deleteAfterMinutes: null, parts: [{ text: "x" }] },
    ]);
    const written = JSON.parse(json) as Array<Record<string, unknown>>;
    expect(written.map((g) => g.delete_after)).toEqual(["1h30m", undefined, undefined]);
    expect(Object.keys(written[0]!)).toEqual(["name", "delete_after", "parts"]);
    expect(parseGroupsFile("e.json", json).groups).toEqual([
      ...groups,
      { name: "none", parts: [{ text: "x" }] },
    ]);
    const bad = JSON.stringify([{ name: "b", delete_after: "5m", parts: [{ text: "x" }] }]);
    expect(() => parseGroupsFile("b.json", bad)).toThrow(/"delete_after" is too short: at least 15m/);
    const number = JSON.stringify([{ name: "n", delete_after: 60, parts: [{ text: "x" }] }]);
    expect(() => parseGroupsFile("n.json", number)).toThrow(/"delete_after" must be a duration like 24h/);
  });

  it("round-trips every option through CSV, with short cells where they read back exactly", () => {
    const csv = groupsToCsv(EVERY_OPTION);
    expect(
      csv.startsWith("\uFEFFgroup,part,text,image_url,video_url,alt_text,topic_tag,link_attachment,"),
    ).toBe(true);
    expect(parseGroupsFile("e.csv", Buffer.from(csv, "utf8")).groups).toEqual(EVERY_OPTION);
    const [header, first] = csv.slice(1).split("\r\n");
    const columns = header!.split(",");
    expect(columns).toContain("crossreshare_to_ig");
    // Spoilers of the first part as phrases ("執事" twice: its two occurrences), the GIF as its id.
    expect(first).toContain(",執事|執事,");
    expect(csv).toContain(",xT9IgG50Fb7Mi0prBC,");
    expect(csv).toContain('"[{""entity_type"":""SPOILER"",""offset"":11,""length"":1}]"');
  });

  it("writes only the columns some part uses", () => {
    expect(
      groupsToCsv([{ name: "a", parts: [{ text: "hi" }, { text: "there", is_ghost_post: true }] }]),
    ).toBe("\uFEFFgroup,part,text,is_ghost_post\r\na,1,hi,\r\na,2,there,true\r\n");
  });

  it("refuses a carousel CSV cannot hold, naming the group and part", () => {
    const mixed = [
      {
        name: "mixed",
        parts: [
          { text: "a" },
          {
            media: [
              { kind: "VIDEO" as const, url: "https://x/1.mp4" },
              { kind: "IMAGE" as const, url: "https://x/2.jpg" },
            ],
          },
        ],
      },
    ];
    expect(() => groupsToCsv(mixed)).toThrow(AppError);
    expect(() => groupsToCsv(mixed)).toThrow(
      'group "mixed" part 2 cannot be written as CSV: its carousel has a video before an image (CSV lists the images first, then the videos). Export with --format json, which holds every part as it is.',
    );
    expect(parseGroupsFile("m.json", groupsToJson(mixed)).groups).toEqual(mixed);
  });
});
