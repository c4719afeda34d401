import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { firstProblem } from "../schema-fields.js";
import type { PostAtRequest } from "./post-at.js";
import type { PostNowRequest } from "./post-now.js";
import { type PostNames, postSchema } from "./posts.schema.js";

// Compile-time: what the schema gives is what post now and post at take.
type Post = z.output<ReturnType<typeof postSchema>>;
const _now: (v: Post) => PostNowRequest = (v) => v;
const _at: (v: Post & { at: string }) => PostAtRequest = (v) => v;
void [_now, _at];

const FLAGS: PostNames = {
  accountId: "--account",
  groupId: "--group",
  reply_control: "--reply-control",
  noParts: "give the post: at least one --text, --image or --video",
  groupOrParts: "give either --group ID or the post itself (--text, --image, --video …)",
};

const problem = (input: unknown) => {
  const parsed = postSchema(FLAGS).safeParse(input);
  if (parsed.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  return firstProblem(parsed.error);
};

describe("postSchema", () => {
  it("takes a group or the parts, now or at a time", () => {
    expect(postSchema().parse({ accountId: "1", groupId: "2" })).toEqual({ accountId: 1, groupId: 2 });
    expect(postSchema().parse({ accountId: 1, parts: [{ text: "hi" }], at: "2026-12-24 09:00" })).toEqual({
      accountId: 1,
      parts: [{ text: "hi" }],
      at: "2026-12-24 09:00",
    });
  });

  it("refuses both or neither, and malformed values, with the message the CLI shows", () => {
    const either = "give either --group ID or the post itself (--text, --image, --video …)";
    expect(problem({ accountId: "1" })).toBe(either);
    expect(problem({ accountId: "1", parts: [] })).toBe(either);
    expect(problem({ accountId: "1", groupId: "2", parts: [{ text: "x" }] })).toBe(either);
    expect(problem({ groupId: "2" })).toBe("--account is required");
    expect(problem({ accountId: "1", groupId: "two" })).toBe(
      '--group must be a whole number above 0, not "two"',
    );
    expect(problem({ accountId: "1", parts: [{ text: "x", reply_control: "me" }] })).toMatch(
      /^--reply-control must be one of everyone, .*, not "me"$/,
    );
  });
});
