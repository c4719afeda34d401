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
      "nothing to change: give --name, --weight or the parts (--text, --image, …)",
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
