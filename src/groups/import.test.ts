import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { type ImportIssue, parseGroupsFile } from "./import.js";

function issuesOf(fileName: string, content: string): { message: string; issues: ImportIssue[] } {
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
      { name: "morning", parts: [{ text: "おはよう\nsecond line", topicTag: "朝" }, { text: "reply one" }] },
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
        media: [{ kind: "IMAGE", url: "https://x/a.jpg", altText: "a cat" }],
        replyControl: "followers_only",
      },
      {
        text: "carousel",
        media: [
          { kind: "IMAGE", url: "https://x/1.jpg", altText: "one" },
          { kind: "IMAGE", url: "https://x/2.jpg" },
          { kind: "VIDEO", url: "https://x/3.mp4", altText: "three" },
        ],
      },
      { text: "vote?", pollOptions: ["yes", "no", "maybe"], quotePostId: "123" },
      { text: "read", linkAttachment: "https://example.com" },
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

describe("parseGroupsFile (JSON)", () => {
  const parts = [{ text: "root" }, { text: "reply", media: [{ kind: "IMAGE", url: "https://x/a.jpg" }] }];

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
    expect(issues.map((i) => i.group)).toEqual([2, 3, 4, 4, 5]);
    expect(message).toContain('group 2 ("long"): part 2: text: 600 characters');
    expect(message).toContain('group 3: the group needs a "name".');
    expect(message).toContain('group 4 ("typo"): part 1: unknown field "txt"');
    expect(message).toContain('group 5: not an object with "name" and "parts".');
    expect(issuesOf("g.json", "{ nope").message).toMatch(/not valid JSON/);
    expect(issuesOf("g.json", '{"x":1}').message).toMatch(/expected a list of groups/);
  });
});
