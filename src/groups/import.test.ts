import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import type { ImportIssue } from "./group.js";
import { parseGroupsFile } from "./import.js";
import { CSV_COLUMNS } from "./import-csv.js";
import { PART_KEYS } from "./part-input.js";

function issuesOf(
  fileName: string,
  content: string | Uint8Array,
): { message: string; issues: ImportIssue[] } {
  try {
    parseGroupsFile(fileName, content);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("invalid_input");
    return {
      message: (error as AppError).message,
      issues: (error as { details: { issues: ImportIssue[] } }).details.issues,
    };
  }
  throw new Error("expected the file to be rejected");
}

describe("parseGroupsFile (CSV)", () => {
  it("reads chains with a BOM, CRLF line ends and quoted multi-line text", () => {
    const csv =
      '\uFEFFgroup,text,topic_tag\r\nmorning,"おはよう\r\nsecond line",朝\r\nmorning,reply one,\r\n\r\nevening,"say ""hi""",\r\n';
    expect(parseGroupsFile("posts.csv", csv).groups).toEqual([
      { name: "morning", parts: [{ text: "おはよう\nsecond line", topic_tag: "朝" }, { text: "reply one" }] },
      { name: "evening", parts: [{ text: 'say "hi"' }] },
    ]);
  });

  it("orders parts by the part column, and a blank group continues the row above", () => {
    const csv = ["group,part,text", "a,2,second", "b,1,other", "a,1,first", ",3,third"].join("\n");
    expect(parseGroupsFile("x.csv", csv).groups).toEqual([
      { name: "a", parts: [{ text: "first" }, { text: "second" }, { text: "third" }] },
      { name: "b", parts: [{ text: "other" }] },
    ]);
  });

  it("maps media, carousels, alt text, polls, links, reply control and quotes", () => {
    const csv = [
      "Group,Text,Image_URL,Video_URL,Alt_Text,Poll,Link,Reply_Control,Quote_Post_Id",
      "g,photo,https://x/a.jpg,,a cat,,,followers_only,",
      "g,carousel,https://x/1.jpg | https://x/2.jpg,https://x/3.mp4,one||three,,,,",
      "g,vote?,,,,yes|no|maybe,,,123",
      "g,read,,,,,https://example.com,,",
    ].join("\n");
    expect(parseGroupsFile("x.csv", csv).groups[0]!.parts).toEqual([
      {
        text: "photo",
        media: [{ kind: "IMAGE", url: "https://x/a.jpg", alt_text: "a cat" }],
        reply_control: "followers_only",
      },
      {
        text: "carousel",
        media: [
          { kind: "IMAGE", url: "https://x/1.jpg", alt_text: "one" },
          { kind: "IMAGE", url: "https://x/2.jpg" },
          { kind: "VIDEO", url: "https://x/3.mp4", alt_text: "three" },
        ],
      },
      {
        text: "vote?",
        poll_attachment: { option_a: "yes", option_b: "no", option_c: "maybe" },
        quote_post_id: "123",
      },
      { text: "read", link_attachment: "https://example.com" },
    ]);
  });

  it("reports every bad row with its file line (header = line 1, multi-line cells counted)", () => {
    const csv = [
      "group,text,image_url,poll,reply_control",
      'ok,"two\nlines"', // lines 2–3
      `long,${"a".repeat(501)}`, // line 4
      "pic,see,not a url", // line 5
      "", // line 6 (empty, skipped)
      "poll,pick,,only-one", // line 7
      "rc,hello,,,nobody", // line 8
      "empty,", // line 9
    ].join("\n");
    const { message, issues } = issuesOf("bad.csv", csv);
    expect(issues.map((i) => i.line)).toEqual([4, 5, 7, 8, 9]);
    expect(message).toMatch(/^bad\.csv: nothing was imported; fix these 5 problems/);
    expect(message).toContain("line 4: text: 501 characters; Threads allows at most 500");
    expect(message).toMatch(/line 5: image_url: the media URL is not a valid http\(s\) URL/);
    expect(message).toMatch(/line 7: poll: a poll needs 2 to 4 options/);
    expect(message).toMatch(/line 8: reply_control: "nobody" is not a reply setting/);
    expect(message).toMatch(/line 9: text: the part is empty/);
  });

  it("rejects unknown or missing columns, unclear order and bad part numbers", () => {
    expect(issuesOf("x.csv", "group,txt\na,b").message).toMatch(/line 1: unknown column "txt"/);
    expect(issuesOf("x.csv", "name,text\na,b").message).toMatch(/line 1: a "group" column is required/);
    expect(issuesOf("x.csv", "group,text\na,1\nb,2\na,3").message).toMatch(
      /line 4: group "a" continues here after rows of other groups/,
    );
    expect(issuesOf("x.csv", "group,part,text\na,1,x\na,1,y").message).toMatch(
      /line 3: part 1 of group "a" is already on line 2/,
    );
    expect(issuesOf("x.csv", "group,part,text\na,1,x\na,,y").message).toMatch(/line 3: part is empty/);
    expect(issuesOf("x.csv", "group,part,text\na,5,x").message).toMatch(
      /line 2: part "5" is not a part number/,
    );
    expect(issuesOf("x.csv", "group,text\n,x").message).toMatch(/line 2: group is empty/);
    expect(issuesOf("x.csv", "group,text\n").message).toMatch(/a header row but no rows below it/);
    expect(issuesOf("x.csv", 'group,text\na,"unclosed').message).toMatch(/not valid CSV/);
  });
});

describe("parseGroupsFile (CSV fields outside the columns)", () => {
  it("refuses an extra field on a line instead of dropping it, and reports only that for the line", () => {
    const csv = ["group,text", "a,Hello, world", "b,fine", `c,"quoted, fine"`, "d,one,two,three"].join(
      "\r\n",
    );
    const { message, issues } = issuesOf("x.csv", csv);
    expect(issues.map((i) => i.line)).toEqual([2, 5]);
    expect(message).toContain(
      'line 2: 3 fields, but the header (line 1) has 2 columns: "world" (field 3) has no column. A comma inside a cell needs the cell in double quotes ("like, this"); or add the column to the header.',
    );
    expect(message).toContain(
      'line 5: 4 fields, but the header (line 1) has 2 columns: "two" (field 3) has no column.',
    );
  });

  it("counts the line of an extra field after a multi-line cell", () => {
    const csv = 'group,text\r\na,"one\r\ntwo\r\nthree"\r\nb,x,y\r\n';
    expect(issuesOf("x.csv", csv).issues).toEqual([expect.objectContaining({ line: 5 })]);
  });

  it("accepts empty extra fields (trailing commas) and short lines", () => {
    const csv = ["group,text,topic_tag", "a,hi,,,", "b,short"].join("\n");
    expect(parseGroupsFile("x.csv", csv).groups).toEqual([
      { name: "a", parts: [{ text: "hi" }] },
      { name: "b", parts: [{ text: "short" }] },
    ]);
  });

  it("says when the file is separated by tabs or semicolons, not commas", () => {
    expect(issuesOf("x.txt", "group\ttext\r\na\tb").message).toMatch(
      /line 1: the header is one column, "group\ttext": the file is separated by tabs \(Excel's "Unicode Text" format\), not commas/,
    );
    expect(issuesOf("x.csv", "group;text\na;b").message).toMatch(/separated by semicolons, not commas/);
  });

  it("refuses a value under a column with no name", () => {
    const { message } = issuesOf("x.csv", ["group,,text", "a,,fine", "b,lost?,text"].join("\n"));
    expect(message).toMatch(
      /fix this problem[\s\S]*line 3: field 2 holds "lost\?", but column 2 has no name in the header \(line 1\)/,
    );
  });
});

describe("parseGroupsFile (bytes)", () => {
  it("decodes the bytes and says how", () => {
    const bytes = iconv.encode("group,text\r\nお知らせ,本日10:00～\r\n", "cp932");
    expect(parseGroupsFile("menu.csv", bytes)).toEqual({
      groups: [{ name: "お知らせ", parts: [{ text: "本日10:00～" }] }],
      encoding: "Shift_JIS",
    });
    expect(parseGroupsFile("menu.csv", bytes, { encoding: "shift_jis" }).encoding).toBe("Shift_JIS");
  });

  it("refuses bytes that are not text, naming the line and byte offset", () => {
    const bytes = Buffer.concat([Buffer.from("group,text\na,b\n"), Buffer.from([0xff, 0xfe, 0xfd])]);
    const { message, issues } = issuesOf("bin.csv", bytes);
    expect(issues).toEqual([expect.objectContaining({ line: 3, byte: 15 })]);
    expect(message).toMatch(
      /^bin\.csv: nothing was imported; fix this problem and import the file again:\nline 3, byte offset 15: bytes 0xFF 0xFE are not UTF-8, nor Shift_JIS: the file is neither UTF-8 nor Shift_JIS text\. Fix it, or save/,
    );
    expect(issuesOf("nul.csv", Buffer.from("group,text\na,\u0000")).message).toMatch(
      /line 2, byte offset 13: a NUL byte/,
    );
  });

  it("says an empty file is empty, and a header alone has no rows", () => {
    expect(issuesOf("x.csv", new Uint8Array()).message).toMatch(
      /^x\.csv: nothing was imported; .*\nthe file is empty; it needs a header row and a row per part\.$/,
    );
    expect(issuesOf("x.csv", Buffer.from(" \r\n\r\n")).message).toMatch(/the file is empty/);
    expect(issuesOf("x.json", new Uint8Array()).message).toMatch(
      /the file is empty; it needs a list of groups/,
    );
    expect(issuesOf("x.csv", Buffer.from("\uFEFFgroup,text\r\n")).message).toMatch(
      /the file has a header row but no rows below it; add a row per part\./,
    );
  });
});

describe("parseGroupsFile (JSON)", () => {
  const parts = [{ text: "root" }, { text: "reply", media: [{ kind: "IMAGE", url: "https://x/a.jpg" }] }];

  it("reads UTF-8 and UTF-16 with a BOM", () => {
    const data = [{ name: "お知らせ", parts: [{ text: "①営業時間～" }] }];
    const json = JSON.stringify(data);
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(json, "utf-16le")]);
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
    expect(parseGroupsFile("g.json", utf16le)).toEqual({ groups: data, encoding: "UTF-16 LE" });
    expect(parseGroupsFile("g.json", utf8)).toEqual({ groups: data, encoding: "UTF-8" });
  });

  it("reads a list or { groups }", () => {
    const expected = [{ name: "chain", parts }];
    expect(parseGroupsFile("g.json", JSON.stringify(expected)).groups).toEqual(expected);
    expect(parseGroupsFile("g.json", `\uFEFF${JSON.stringify({ groups: expected })}`).groups).toEqual(
      expected,
    );
  });

  it("names the group index and name in every issue", () => {
    const data = [
      { name: "fine", parts },
      { name: "long", parts: [{ text: "ok" }, { text: "x".repeat(600) }] },
      { parts: [{ text: "x" }] },
      { name: "typo", parts: [{ txt: "x" }] },
      "nope",
    ];
    const { message, issues } = issuesOf("g.json", JSON.stringify(data));
    expect(issues.map((i) => i.group)).toEqual([2, 3, 4, 5]);
    expect(message).toContain('group 2 ("long"): part 2: text: 600 characters');
    expect(message).toContain('group 3: the group needs a "name".');
    expect(message).toContain('group 4 ("typo"): part 1: unknown field "txt"');
    expect(message).toContain('group 5: not an object with "name" and "parts".');
    expect(issuesOf("g.json", "{ nope").message).toMatch(/not valid JSON/);
    expect(issuesOf("g.json", '[\r\n{"name": "a"},\r\n{"name" 2}]').message).toMatch(
      /\nline 3: the file is not valid JSON: Expected ':' after property name/,
    );
    expect(issuesOf("g.json", '{"x":1}').message).toMatch(/expected a list of groups/);
  });
});

describe("parseGroupsFile (CSV columns named as Meta's parameters)", () => {
  it("reads every option's column, with Japanese text and emoji", () => {
    const csv = [
      "group,text,text_attachment,link_attachment_url,text_entities,is_spoiler_media,gif_attachment,is_ghost_post,location_id,enable_reply_approvals,allowlisted_country_codes,crossreshare_to_ig,image_url,link_attachment,poll_attachment",
      "g,🎉 結末: 犯人は執事,長い本文です,https://example.com/a,執事,,,,12345,yes,JP|us,1,,,",
      "g,GIF,,,,,xT9IgG50Fb7Mi0prBC,,,,,,,,",
      "g,写真,,,,TRUE,,,,,,,https://x/a.jpg,,",
      'h,vote,,,"[{""entity_type"":""SPOILER"",""offset"":0,""length"":2}]",,,いいえ,,0,"JP,US",no,,,A|B',
      'j,消える投稿,,,,,"{""gif_id"":""g1"",""provider"":""GIPHY""}",,,,,,,,',
      "k,24時間で消えます,,,,,,はい,,,,,,,",
      'i,read,"{""plaintext"":""long"",""text_with_styling_info"":[{""offset"":0,""length"":4,""styling_info"":[""bold""]}]}",https://example.com/b,,,,,,,,,,,',
    ].join("\r\n");
    expect(parseGroupsFile("x.csv", csv).groups).toEqual([
      {
        name: "g",
        parts: [
          {
            text: "🎉 結末: 犯人は執事",
            text_attachment: { plaintext: "長い本文です", link_attachment_url: "https://example.com/a" },
            text_entities: [{ entity_type: "SPOILER", offset: 10, length: 2 }],
            location_id: "12345",
            enable_reply_approvals: true,
            allowlisted_country_codes: ["JP", "US"],
            crossreshare_to_ig: true,
          },
          { text: "GIF", gif_attachment: { gif_id: "xT9IgG50Fb7Mi0prBC", provider: "GIPHY" } },
          { text: "写真", media: [{ kind: "IMAGE", url: "https://x/a.jpg" }], is_spoiler_media: true },
        ],
      },
      {
        name: "h",
        parts: [
          {
            text: "vote",
            poll_attachment: { option_a: "A", option_b: "B" },
            text_entities: [{ entity_type: "SPOILER", offset: 0, length: 2 }],
            allowlisted_country_codes: ["JP", "US"],
          },
        ],
      },
      { name: "j", parts: [{ text: "消える投稿", gif_attachment: { gif_id: "g1", provider: "GIPHY" } }] },
      { name: "k", parts: [{ text: "24時間で消えます", is_ghost_post: true }] },
      {
        name: "i",
        parts: [
          {
            text: "read",
            text_attachment: {
              plaintext: "long",
              link_attachment_url: "https://example.com/b",
              text_with_styling_info: [{ offset: 0, length: 4, styling_info: ["bold"] }],
            },
          },
        ],
      },
    ]);
  });

  it("still reads the older columns link and poll, but not together with their new names", () => {
    expect(parseGroupsFile("x.csv", "group,text,link,poll\na,t,https://x.com,\nb,v,,A|B").groups).toEqual([
      { name: "a", parts: [{ text: "t", link_attachment: "https://x.com" }] },
      { name: "b", parts: [{ text: "v", poll_attachment: { option_a: "A", option_b: "B" } }] },
    ]);
    expect(issuesOf("x.csv", "group,link,link_attachment\na,b,c").message).toContain(
      'line 1: the columns "link" and "link_attachment" are the same (link is its older name); keep "link_attachment".',
    );
  });

  it("names the column and line of a malformed cell", () => {
    const csv = [
      "group,text,is_ghost_post,text_entities,link_attachment_url,gif_attachment,poll",
      "a,hello,maybe,,,,", // 2
      "b,hello,,bye,,,", // 3
      "c,hello,,,https://x.com,,", // 4
      "d,hello,,,,{oops,", // 5
      "e,hello,,,,,A|B|C|D|E", // 6
    ].join("\n");
    const { message, issues } = issuesOf("x.csv", csv);
    expect(issues.map((i) => i.line)).toEqual([2, 3, 4, 5, 6]);
    expect(message).toContain(
      'line 2: is_ghost_post must be true or false (or 1/0, yes/no, はい/いいえ), not "maybe".',
    );
    expect(message).toContain('line 3: text_entities: "bye" is not in the text');
    expect(message).toContain(
      "line 4: link_attachment_url: the link of a text attachment needs text_attachment on the same row.",
    );
    expect(message).toContain("line 5: gif_attachment starts like JSON but is not valid JSON");
    expect(message).toContain("line 6: poll: a poll needs 2 to 4 options (it has 5");
  });

  it("gives a preflight issue in Japanese too, under the column's name", () => {
    const { issues } = issuesOf("x.csv", `group,text\na,${"あ".repeat(501)}`);
    expect(issues).toEqual([
      {
        line: 2,
        message: expect.stringContaining("text: 501 characters"),
        ja: expect.stringMatching(/^text: 501 文字あります。Threads で使えるのは 500 文字までです/),
      },
    ]);
  });
});

describe("parseGroupsFile (JSON under Meta's names and shapes)", () => {
  it("imports a file written for Meta's API as it is", () => {
    const data = {
      groups: [
        {
          name: "meta",
          parts: [
            {
              media_type: "CAROUSEL",
              text: "旅の写真 ✈️",
              children: [
                { media_type: "IMAGE", image_url: "https://x/1.jpg", alt_text: "海" },
                { media_type: "VIDEO", video_url: "https://x/2.mp4" },
              ],
              is_spoiler_media: true,
              location_id: 98765,
            },
            {
              media_type: "TEXT",
              text: "続き",
              text_entities: [{ entity_type: "SPOILER", offset: 0, length: 1 }],
            },
          ],
        },
      ],
    };
    expect(parseGroupsFile("m.json", JSON.stringify(data)).groups).toEqual([
      {
        name: "meta",
        parts: [
          {
            text: "旅の写真 ✈️",
            media: [
              { kind: "IMAGE", url: "https://x/1.jpg", alt_text: "海" },
              { kind: "VIDEO", url: "https://x/2.mp4" },
            ],
            is_spoiler_media: true,
            location_id: "98765",
          },
          { text: "続き", text_entities: [{ entity_type: "SPOILER", offset: 0, length: 1 }] },
        ],
      },
    ]);
  });

  it("says the new name of an old key, per group and part", () => {
    const data = [{ name: "old", parts: [{ text: "x" }, { text: "y", topicTag: "t" }] }];
    expect(issuesOf("o.json", JSON.stringify(data)).message).toContain(
      'group 1 ("old"): part 2: topicTag is now topic_tag (Meta\'s parameter name); rename it.',
    );
  });
});

describe("the CSV columns", () => {
  it("are derived from the part's keys: every key is a column (media and text_attachment as their columns)", () => {
    expect(CSV_COLUMNS).toEqual([
      "group",
      "part",
      "text",
      "image_url",
      "video_url",
      "alt_text",
      "topic_tag",
      "link_attachment",
      "poll_attachment",
      "reply_control",
      "quote_post_id",
      "text_attachment",
      "link_attachment_url",
      "text_entities",
      "is_spoiler_media",
      "gif_attachment",
      "is_ghost_post",
      "location_id",
      "enable_reply_approvals",
      "allowlisted_country_codes",
      "crossreshare_to_ig",
    ]);
    for (const key of PART_KEYS.filter((k) => k !== "media")) expect(CSV_COLUMNS).toContain(key);
  });

  it("every plain column reaches the part, trimmed (a spoiler phrase cell as it is)", () => {
    const csv = [
      "group,part,text,topic_tag,quote_post_id,text_entities,is_ghost_post,location_id,enable_reply_approvals,allowlisted_country_codes,crossreshare_to_ig,is_spoiler_media,gif_attachment",
      "g,1, 犯人は 執事 , 推理 , 1234567890123456 ,,, 110 ,true, JP|US , yes ,,",
      "h,1, 犯人は 執事 ,,, 執事,yes ,,,,,,",
    ].join("\n");
    const [g, h] = parseGroupsFile("g.csv", csv).groups;
    expect(g!.parts[0]).toEqual({
      text: "犯人は 執事",
      topic_tag: "推理",
      quote_post_id: "1234567890123456",
      location_id: "110",
      enable_reply_approvals: true,
      allowlisted_country_codes: ["JP", "US"],
      crossreshare_to_ig: true,
    });
    expect(h!.parts[0]).toEqual({
      text: "犯人は 執事",
      // The cell " 執事" is read as it is: the spoiler covers the space before 執事 too.
      text_entities: [{ entity_type: "SPOILER", offset: 3, length: 3 }],
      is_ghost_post: true,
    });
  });
});
