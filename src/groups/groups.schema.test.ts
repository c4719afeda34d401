import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { ParsedArgs } from "../cli/command.js";
import { GROUP_FLAG_NAMES, partsFromArgs } from "../cli/commands/groups.js";
import { firstProblem } from "../schema-fields.js";
import type { NewPostGroup } from "./group.js";
import { groupIdSchema, groupPatchSchema, importGroupsSchema, newGroupSchema } from "./groups.schema.js";
import type { GroupService } from "./groups.service.js";

// Compile-time: what the schemas give is what the service takes.
const _add: (v: z.output<ReturnType<typeof newGroupSchema>>) => NewPostGroup = (v) => v;
const _patch: (v: z.output<ReturnType<typeof groupPatchSchema>>) => Parameters<GroupService["update"]>[1] = (
  v,
) => v;
const _import: (
  v: NonNullable<z.output<ReturnType<typeof importGroupsSchema>>["encoding"]>,
) => NonNullable<Parameters<GroupService["importGroups"]>[1]["encoding"]> = (v) => v;
void [_add, _patch, _import];

/** The CLI's names for the flags: the messages below are the ones the command line shows. */
const FLAGS = GROUP_FLAG_NAMES;

const problem = (schema: z.ZodType, input: unknown) => {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  return firstProblem(parsed.error);
};

describe("newGroupSchema", () => {
  it("gives the account and the service's NewPostGroup", () => {
    const parts = [{ text: "hi", reply_control: "mentioned_only" }, { media: [{ kind: "IMAGE", url: "u" }] }];
    expect(newGroupSchema().parse({ accountId: "2", name: "m", parts, weight: "3", enabled: false })).toEqual(
      {
        accountId: 2,
        name: "m",
        parts,
        weight: 3,
        enabled: false,
      },
    );
  });

  it("refuses each malformed value with the message the CLI shows", () => {
    const s = newGroupSchema(FLAGS);
    const ok = { accountId: "1", name: "m", parts: [{ text: "hi" }] };
    expect(problem(s, { ...ok, accountId: undefined })).toBe("--account is required");
    expect(problem(s, { ...ok, name: "" })).toBe("--name is required");
    expect(problem(s, { ...ok, parts: [] })).toBe("give the post: at least one --text, --image or --video");
    expect(problem(s, { ...ok, weight: "abc" })).toBe('--weight must be a whole number above 0, not "abc"');
    expect(problem(s, { ...ok, parts: [{ text: "x", reply_control: "nobody" }] })).toBe(
      '--reply-control must be one of everyone, accounts_you_follow, mentioned_only, parent_post_author_only, followers_only, not "nobody"',
    );
  });
});

describe("groupPatchSchema, groupIdSchema, importGroupsSchema", () => {
  it("give what was given", () => {
    expect(groupPatchSchema().parse({ weight: 2 })).toEqual({ weight: 2 });
    expect(groupPatchSchema().parse({ name: "n", parts: [{ text: "a" }] })).toEqual({
      name: "n",
      parts: [{ text: "a" }],
    });
    expect(groupIdSchema().parse("9")).toBe(9);
    expect(importGroupsSchema().parse({ accountId: 1, encoding: "CP932" })).toEqual({
      accountId: 1,
      encoding: "shift_jis",
    });
    expect(importGroupsSchema().parse({ accountId: 1 })).toEqual({ accountId: 1 });
  });

  it("refuse an empty edit and an encoding that is not read", () => {
    expect(problem(groupPatchSchema(FLAGS), {})).toBe(
      "nothing to change: give --name, --weight, --delete-after or the parts (--text, --image, …)",
    );
    expect(problem(groupPatchSchema(), {})).toBe(
      "nothing to change: give name, weight, deleteAfter or parts",
    );
    expect(problem(importGroupsSchema(FLAGS), { accountId: 1, encoding: "latin1" })).toBe(
      '--encoding must be one of utf-8, utf-16le, utf-16be, shift_jis (or cp932, sjis, windows-31j), not "latin1"',
    );
  });
});

describe("the CLI's part flags as the schema's JSON", () => {
  it("builds the parts in the order given", () => {
    const opt = (name: string, value: string) => ({ kind: "option" as const, name, value });
    const args: ParsedArgs = {
      values: {},
      positionals: [],
      tokens: [
        opt("image", "a.jpg"),
        opt("alt", "A"),
        opt("image", "b.jpg"),
        opt("text", "one"),
        opt("reply-control", "mentioned_only"),
        opt("text", "two"),
        opt("poll", "yes | no"),
      ],
    };
    expect(partsFromArgs(args)).toEqual([
      {
        media: [
          { kind: "IMAGE", url: "a.jpg", alt_text: "A" },
          { kind: "IMAGE", url: "b.jpg" },
        ],
        text: "one",
        reply_control: "mentioned_only",
      },
      { text: "two", poll_attachment: { option_a: "yes", option_b: "no" } },
    ]);
  });
});

describe("a part under Meta's parameter names", () => {
  const parts = (input: unknown[]) => newGroupSchema().parse({ accountId: 1, name: "m", parts: input }).parts;
  const problems = (part: unknown) => {
    const parsed = newGroupSchema().safeParse({ accountId: 1, name: "m", parts: [part] });
    if (parsed.success) throw new Error(`accepted ${JSON.stringify(part)}`);
    return parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
  };

  it("takes every option in Meta's shapes and gives the PostPart", () => {
    const text = "結末は犯人が執事😀だった";
    expect(
      parts([
        {
          text,
          text_entities: [{ entity_type: "spoiler", offset: 4, length: 6 }],
          text_attachment: {
            plaintext: "長い文章".repeat(3),
            link_attachment_url: "https://example.com/a",
            text_with_styling_info: [{ offset: 0, length: 2, styling_info: ["bold"] }],
          },
          is_ghost_post: true,
          location_id: 12345,
          enable_reply_approvals: true,
          allowlisted_country_codes: ["jp", " us "],
          crossreshare_to_ig: true,
          reply_control: "followers_only",
          quote_post_id: 987,
        },
        { text: "gif", gif_attachment: { gif_id: "xT9IgG50Fb7Mi0prBC", provider: "GIPHY" } },
        { media: [{ kind: "IMAGE", url: "https://x/a.jpg", alt_text: "猫" }], is_spoiler_media: true },
      ]),
    ).toEqual([
      {
        text,
        reply_control: "followers_only",
        quote_post_id: "987",
        text_attachment: {
          plaintext: "長い文章長い文章長い文章",
          link_attachment_url: "https://example.com/a",
          text_with_styling_info: [{ offset: 0, length: 2, styling_info: ["bold"] }],
        },
        text_entities: [{ entity_type: "SPOILER", offset: 4, length: 6 }],
        is_ghost_post: true,
        location_id: "12345",
        enable_reply_approvals: true,
        allowlisted_country_codes: ["JP", "US"],
        crossreshare_to_ig: true,
      },
      { text: "gif", gif_attachment: { gif_id: "xT9IgG50Fb7Mi0prBC", provider: "GIPHY" } },
      { media: [{ kind: "IMAGE", url: "https://x/a.jpg", alt_text: "猫" }], is_spoiler_media: true },
    ]);
  });

  it("reads values as Meta's form sends them: JSON-encoded strings, 'true', 'JP,US'", () => {
    expect(
      parts([
        {
          text: "abc secret",
          text_entities: '[{"entity_type":"SPOILER","offset":"4","length":"6"}]',
          text_attachment: '{"plaintext":"long"}',
          gif_attachment: '{"gif_id":"abc","provider":"giphy"}',
          poll_attachment: '{"option_b":"B","option_a":"A"}',
          is_ghost_post: "true",
          enable_reply_approvals: "はい",
          crossreshare_to_ig: "false",
          allowlisted_country_codes: "jp,US",
        },
      ]),
    ).toEqual([
      {
        text: "abc secret",
        poll_attachment: { option_a: "A", option_b: "B" },
        text_attachment: { plaintext: "long" },
        text_entities: [{ entity_type: "SPOILER", offset: 4, length: 6 }],
        gif_attachment: { gif_id: "abc", provider: "GIPHY" },
        is_ghost_post: true,
        enable_reply_approvals: true,
        allowlisted_country_codes: ["JP", "US"],
      },
    ]);
  });

  it("reads Meta's container parameters as media", () => {
    expect(
      parts([
        { media_type: "IMAGE", image_url: "https://x/a.jpg", alt_text: "A", text: "one" },
        { media_type: "VIDEO", video_url: "https://x/v.mp4" },
        {
          media_type: "CAROUSEL",
          children: [
            { media_type: "VIDEO", video_url: "https://x/1.mp4", alt_text: "first" },
            { media_type: "IMAGE", image_url: "https://x/2.jpg", is_carousel_item: true },
          ],
          is_spoiler_media: true,
        },
        { media_type: "TEXT", text: "plain" },
      ]),
    ).toEqual([
      { text: "one", media: [{ kind: "IMAGE", url: "https://x/a.jpg", alt_text: "A" }] },
      { media: [{ kind: "VIDEO", url: "https://x/v.mp4" }] },
      {
        media: [
          { kind: "VIDEO", url: "https://x/1.mp4", alt_text: "first" },
          { kind: "IMAGE", url: "https://x/2.jpg" },
        ],
        is_spoiler_media: true,
      },
      { text: "plain" },
    ]);
    expect(problems({ media_type: "IMAGE", video_url: "https://x/v.mp4" })).toEqual([
      {
        path: ["parts", 0, "video_url"],
        message: "video_url does not go with media_type IMAGE; use image_url.",
      },
    ]);
    expect(problems({ media_type: "CAROUSEL", image_url: "https://x/a.jpg" })[0]!.message).toBe(
      "image_url goes on each of the carousel's children, not on the CAROUSEL.",
    );
    expect(problems({ media: [], media_type: "TEXT" })[0]!.message).toMatch(/either as "media" or as Meta's/);
  });

  it("names the new name of an old key, and lists every problem at its key", () => {
    expect(
      problems({
        text: "x",
        topicTag: "t",
        pollOptions: ["a", "b"],
        media: [{ kind: "IMAGE", url: "u", altText: "a" }],
      }),
    ).toEqual([
      {
        path: ["parts", 0, "topicTag"],
        message: "topicTag is now topic_tag (Meta's parameter name); rename it.",
      },
      {
        path: ["parts", 0, "pollOptions"],
        message: "pollOptions is now poll_attachment (Meta's parameter name); rename it.",
      },
      {
        path: ["parts", 0, "media[0].altText"],
        message: "altText is now alt_text (Meta's parameter name); rename it.",
      },
    ]);
    for (const [old, now] of [
      ["linkAttachment", "link_attachment"],
      ["replyControl", "reply_control"],
      ["quotePostId", "quote_post_id"],
    ]) {
      expect(problems({ text: "x", [old!]: "v" })[0]!.message).toBe(
        `${old} is now ${now} (Meta's parameter name); rename it.`,
      );
    }
    expect(problems({ text: "x", txt: "y" })[0]!.message).toMatch(
      /^unknown field "txt"; a part may have text, media/,
    );
  });

  it("refuses malformed values, saying what the value must be", () => {
    const msg = (part: unknown) => problems(part)[0]!.message;
    expect(msg({ text: "x", is_ghost_post: "maybe" })).toBe(
      'is_ghost_post must be true or false (or 1/0, yes/no, はい/いいえ), not "maybe".',
    );
    expect(msg({ text: "x", text_entities: [{ entity_type: "BOLD", offset: 0, length: 1 }] })).toBe(
      'entity_type must be SPOILER (the one type Meta lists), not "BOLD".',
    );
    expect(msg({ text: "x", text_entities: [{ entity_type: "SPOILER", offset: -1, length: 1 }] })).toMatch(
      /^offset must be a whole number from 0/,
    );
    expect(msg({ text: "x", text_entities: "[{oops" })).toMatch(
      /^text_entities starts like JSON but is not valid JSON/,
    );
    expect(msg({ text: "x", text_entities: "missing" })).toMatch(/"missing" is not in the text/);
    expect(msg({ text: "x", text_attachment: { link_attachment_url: "https://x" } })).toBe(
      'text_attachment needs "plaintext", the long text, not nothing.',
    );
    expect(msg({ text: "x", gif_attachment: { gif_id: "a", provider: "TENOR" } })).toMatch(
      /Tenor GIFs can no longer be posted/,
    );
    expect(msg({ text: "x", allowlisted_country_codes: [1] })).toMatch(
      /^allowlisted_country_codes must be a list/,
    );
    expect(msg({ text: "x", location_id: { id: 1 } })).toMatch(/^location_id must be the id of a place/);
    expect(msg({ text: "x", poll_attachment: "a|b|c|d|e" })).toMatch(
      /a poll needs 2 to 4 options \(it has 5/,
    );
  });

  it("gives the same part however it was written (false flags and empty lists dropped, Meta's key order)", () => {
    expect(
      parts([
        { is_ghost_post: false, allowlisted_country_codes: "", text_entities: [], text: "t", topic_tag: "a" },
      ]),
    ).toEqual([{ text: "t", topic_tag: "a" }]);
    expect(Object.keys(parts([{ reply_control: "everyone", text: "t" }])[0]!)).toEqual([
      "text",
      "reply_control",
    ]);
  });
});

describe("the CLI's flags for the publishing options", () => {
  const opt = (name: string, value?: string) =>
    value === undefined ? { kind: "option" as const, name } : { kind: "option" as const, name, value };
  const parse = (...tokens: ParsedArgs["tokens"]) => partsFromArgs({ values: {}, positionals: [], tokens });

  it("apply to the current part; --spoiler becomes ranges of its text in UTF-16 units", () => {
    expect(
      parse(
        opt("text", "😀 ネタバレ注意: 犯人は執事、執事だ"),
        opt("spoiler", "執事"),
        opt("spoiler", "執事"),
        opt("ghost"),
        opt("reply-approvals"),
        opt("countries", "jp, us"),
        opt("location", " 123 "),
        opt("share-to-ig"),
        opt("text", "two"),
        opt("attachment-link", "https://example.com"),
        opt("text-attachment", "長文"),
        opt("gif", "abc"),
        opt("image", "https://x/a.jpg"),
        opt("spoiler-media"),
      ),
    ).toEqual([
      {
        text: "😀 ネタバレ注意: 犯人は執事、執事だ",
        text_entities: [
          { entity_type: "SPOILER", offset: 14, length: 2 },
          { entity_type: "SPOILER", offset: 17, length: 2 },
        ],
        is_ghost_post: true,
        enable_reply_approvals: true,
        allowlisted_country_codes: ["JP", "US"],
        location_id: "123",
        crossreshare_to_ig: true,
      },
      {
        text: "two",
        text_attachment: { plaintext: "長文", link_attachment_url: "https://example.com" },
        gif_attachment: { gif_id: "abc", provider: "GIPHY" },
        media: [{ kind: "IMAGE", url: "https://x/a.jpg" }],
        is_spoiler_media: true,
      },
    ]);
  });

  it("refuse a phrase that is not in the text, a flag twice and a link without its attachment", () => {
    expect(() => parse(opt("text", "hello"), opt("spoiler", "bye"))).toThrow(
      '--spoiler of part 1: "bye" is not in the text',
    );
    expect(() => parse(opt("text", "a"), opt("ghost"), opt("ghost"))).toThrow(
      "--ghost was given twice for one part; start the next part with --text",
    );
    expect(() => parse(opt("text", "a"), opt("attachment-link", "https://x"))).toThrow(
      "--attachment-link of part 1 needs the text attachment itself",
    );
  });
});
