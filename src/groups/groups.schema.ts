/**
 * The input of the post groups' operations, for every surface (zod 4; pure). Whether the parts can be
 * published (lengths, media, polls: Meta's rules) is the preflight's check, which the service runs; a schema
 * checks the form of each value.
 *
 * The JSON:
 *   add:     { "accountId": 3, "name": "morning", "parts": [PostPart, …], "weight": 2, "enabled": false }
 *   edit:    { "name"?, "weight"?, "parts"? } (at least one; parts replace every part)
 *   enable, disable, remove: the group's id
 *   import:  { "accountId": 3, "encoding"?: "shift_jis" | "cp932" | … } with the file
 * A PostPart is src/threads/post.ts's, under Meta's parameter names: { "text", "media": [{ "kind": "IMAGE",
 * "url", "alt_text" }], "topic_tag", "link_attachment", "poll_attachment": { "option_a": "A", "option_b": "B" },
 * "reply_control", "quote_post_id", "text_attachment": { "plaintext", "link_attachment_url" },
 * "text_entities": [{ "entity_type": "SPOILER", "offset", "length" }], "is_spoiler_media",
 * "gif_attachment": { "gif_id", "provider": "GIPHY" }, "is_ghost_post", "location_id", "enable_reply_approvals",
 * "allowlisted_country_codes": ["JP"], "crossreshare_to_ig" }; the other forms a part may take (Meta's
 * container parameters, JSON-encoded values, old names refused with the new one) are in ./part-input.ts.
 */
import { z } from "zod";
import { deleteAfterField } from "../delete-after.schema.js";
import { id, requiredText, wholeNumber } from "../schema-fields.js";
import type { PostPart } from "../threads/post.js";
import { parsePartInput } from "./part-input.js";

const IMPORT_ENCODINGS = ["utf-8", "utf-16le", "utf-16be", "shift_jis"] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

/** How the encodings are named to users (success output, errors). */
export const ENCODING_LABELS: Record<ImportEncoding, string> = {
  "utf-8": "UTF-8",
  "utf-16le": "UTF-16 LE",
  "utf-16be": "UTF-16 BE",
  shift_jis: "Shift_JIS",
};

/** Names `--encoding` accepts, compared without case, "-", "_" or spaces. */
const ALIASES: Record<string, ImportEncoding> = {
  utf8: "utf-8",
  utf16le: "utf-16le",
  utf16be: "utf-16be",
  shiftjis: "shift_jis",
  sjis: "shift_jis",
  cp932: "shift_jis",
  windows31j: "shift_jis",
  ms932: "shift_jis",
};

export const ENCODING_NAMES_HELP = "utf-8, utf-16le, utf-16be, shift_jis (or cp932, sjis, windows-31j)";

/** The encoding a user named (`CP932` → shift_jis); undefined for one that is not read. */
function parseImportEncoding(name: string): ImportEncoding | undefined {
  return ALIASES[name.toLowerCase().replace(/[-_\s]/g, "")];
}

/** How a surface names each input in its messages (`--reply-control` on the command line). */
export interface GroupNames {
  accountId: string;
  id: string;
  name: string;
  weight: string;
  reply_control: string;
  encoding: string;
  /** The refusal of a group with no part. */
  noParts: string;
  /** The refusal of an edit that changes nothing. */
  nothingToChange: string;
  /** Default "deleteAfter". */
  deleteAfter?: string;
}

const GROUP_JSON_NAMES: GroupNames = {
  accountId: "accountId",
  id: "id",
  name: "name",
  weight: "weight",
  reply_control: "reply_control",
  encoding: "encoding",
  noParts: "give the post: at least one part in parts",
  nothingToChange: "nothing to change: give name, weight, deleteAfter or parts",
};

/**
 * One part of a post (./part-input.ts: Meta's parameter names, Meta's container shape, JSON-encoded values);
 * `reply_control` named as the surface names it. Every problem of the part is an issue at its key.
 */
function postPartSchema(n: Pick<GroupNames, "reply_control"> = GROUP_JSON_NAMES) {
  return z.unknown().transform((input, ctx): PostPart => {
    const { part, problems } = parsePartInput(input, n);
    if (part !== undefined) return part;
    for (const p of problems) ctx.addIssue({ code: "custom", message: p.message, path: [p.field], input });
    return z.NEVER;
  });
}

/** The parts of a post, at least one (`noParts` otherwise). */
export function postPartsSchema(n: Pick<GroupNames, "reply_control" | "noParts"> = GROUP_JSON_NAMES) {
  return z.array(postPartSchema(n)).min(1, { error: n.noParts });
}

/** What `newGroupSchema` gives: the account and the service's `NewPostGroup`. */
export interface NewGroupValues {
  accountId: number;
  name: string;
  parts: PostPart[];
  enabled?: boolean;
  weight?: number;
  deleteAfterMinutes?: number | null;
}

/** `groups add`. The weight's range (up to MAX_WEIGHT) is the service's check. */
export function newGroupSchema(n: GroupNames = GROUP_JSON_NAMES) {
  return z
    .object({
      accountId: id(n.accountId),
      name: requiredText(n.name),
      parts: z.unknown().pipe(postPartsSchema(n)),
      weight: wholeNumber(n.weight).optional(),
      enabled: z.boolean().optional(),
      deleteAfterMinutes: deleteAfterField(n.deleteAfter ?? "deleteAfter").optional(),
    })
    .transform((v): NewGroupValues => withoutUndefined(v));
}

/** What `groupPatchSchema` gives: the service's `update` patch. */
export interface GroupPatchValues {
  name?: string;
  weight?: number;
  parts?: PostPart[];
  deleteAfterMinutes?: number | null;
}

/** `groups edit`: a new name, weight, delete-after time or parts (which replace every part), at least one. */
export function groupPatchSchema(n: GroupNames = GROUP_JSON_NAMES) {
  return z
    .object({
      name: z.string().optional(),
      weight: wholeNumber(n.weight).optional(),
      parts: postPartsSchema(n).optional(),
      deleteAfterMinutes: deleteAfterField(n.deleteAfter ?? "deleteAfter").optional(),
    })
    .transform((v, ctx): GroupPatchValues => {
      const patch = withoutUndefined(v);
      if (Object.keys(patch).length === 0) {
        ctx.addIssue({ code: "custom", message: n.nothingToChange, input: v });
        return z.NEVER;
      }
      return patch;
    });
}

/** `groups enable|disable|remove`: a group's id. */
export function groupIdSchema(label = GROUP_JSON_NAMES.id) {
  return id(label);
}

/** `groups import`: the account, and the file's encoding when it is not to be detected. */
export function importGroupsSchema(n: GroupNames = GROUP_JSON_NAMES) {
  return z.object({
    accountId: id(n.accountId),
    encoding: z
      .unknown()
      .transform((input, ctx): ImportEncoding => {
        const encoding = typeof input === "string" ? parseImportEncoding(input) : undefined;
        if (encoding !== undefined) return encoding;
        ctx.addIssue({
          code: "custom",
          message: `${n.encoding} must be one of ${ENCODING_NAMES_HELP}, not "${String(input)}"`,
          input,
        });
        return z.NEVER;
      })
      .optional(),
  });
}

function withoutUndefined<T extends object>(v: T): T {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as T;
}
