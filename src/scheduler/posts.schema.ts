/**
 * The input of "post now" and "post at" (a one-off post), for every surface (zod 4; pure). Whether the
 * group is the account's and enabled, the parts publishable, and the time readable in the account's zone
 * (not past, not too far ahead) are the services' checks.
 *
 * The JSON: { "accountId": 3, "groupId": 7 } or { "accountId": 3, "parts": [PostPart, …] }
 * (groups.schema.ts), with "at": "2026-12-24 09:00" (in the account's zone) or ISO 8601 with an offset
 * to plan it once instead of publishing now.
 */
import { z } from "zod";
import { type GroupNames, postPartsSchema } from "../groups/groups.schema.js";
import { id } from "../schema-fields.js";
import type { PostPart } from "../threads/post.js";

/** How a surface names each input in its messages (`--group` on the command line). */
export interface PostNames extends Pick<GroupNames, "reply_control" | "noParts"> {
  accountId: string;
  groupId: string;
  /** The refusal of both a group and parts, or neither. */
  groupOrParts: string;
}

const POST_JSON_NAMES: PostNames = {
  accountId: "accountId",
  groupId: "groupId",
  reply_control: "reply_control",
  noParts: "give the post: at least one part in parts",
  groupOrParts: "give either groupId or the post itself (parts)",
};

/** What `postSchema` gives: post-now's `PostNowRequest`, and post-at's `PostAtRequest` with `at`. */
export type PostValues = { accountId: number; at?: string } & ({ groupId: number } | { parts: PostPart[] });

/** `post`: a group of the account or the parts of a post, now or `at` a time. */
export function postSchema(n: PostNames = POST_JSON_NAMES) {
  return z
    .looseObject({})
    .superRefine((v, ctx) => {
      const parts = Array.isArray(v.parts) ? v.parts.length > 0 : v.parts !== undefined;
      if ((v.groupId === undefined) === !parts) ctx.addIssue({ code: "custom", message: n.groupOrParts });
    })
    .pipe(
      z.object({
        accountId: id(n.accountId),
        groupId: id(n.groupId).optional(),
        parts: postPartsSchema(n).optional(),
        at: z.string().optional(),
      }),
    )
    .transform((v): PostValues => {
      const at = v.at === undefined ? {} : { at: v.at };
      return v.groupId !== undefined
        ? { accountId: v.accountId, groupId: v.groupId, ...at }
        : { accountId: v.accountId, parts: v.parts!, ...at };
    });
}
