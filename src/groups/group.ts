import type { PostGroupRow } from "../db/schema.js";
import { AppError } from "../errors.js";
import type { PostPart } from "../threads/post.js";
import { postPartsSchema } from "./groups.schema.js";

/** A ready-to-publish unit: part 0 is the root post, each later part replies to the one before it. */
export interface PostGroup {
  id: number;
  accountId: number;
  name: string;
  enabled: boolean;
  /** Relative chance of being drawn by a `random` pick (1 = normal). */
  weight: number;
  parts: PostPart[];
  createdAt: number;
  updatedAt: number;
  /** When the group was removed (kept for the history, never picked); null for a live group. */
  archivedAt: number | null;
  /** Each of its posts is deleted this many minutes after it was published (a schedule's own setting wins); null: never. */
  deleteAfterMinutes: number | null;
}

export interface NewPostGroup {
  name: string;
  parts: PostPart[];
  /** Default true. */
  enabled?: boolean;
  /** Default 1. */
  weight?: number;
  /** Default null (never deleted). */
  deleteAfterMinutes?: number | null;
}

/** A group read from an import file, checked and not yet stored. */
export interface ParsedGroup {
  name: string;
  parts: PostPart[];
  /** Its delete-after in minutes (JSON's `"delete_after"`); absent: none. */
  deleteAfterMinutes?: number;
}

/** One problem in an import file; `line` for CSV, `group` (1-based index) and its name for JSON. */
export interface ImportIssue {
  line?: number;
  /** Offset from the start of the file (0-based), for bytes that are not text in the file's encoding. */
  byte?: number;
  group?: number;
  groupName?: string;
  message: string;
  /** The message in Japanese, where there is one (the CLI under a `ja` locale shows it). */
  ja?: string;
}

export function toPostGroup(row: PostGroupRow, parts: PostPart[]): PostGroup {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    enabled: row.enabled === 1,
    weight: row.weight,
    parts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
    deleteAfterMinutes: row.delete_after_minutes ?? null,
  };
}

export function parsePartSpec(specJson: string): PostPart {
  return JSON.parse(specJson) as PostPart;
}

/**
 * The parts of a post stored as one JSON list (the `payload_json` of a one-off or post-now run), checked with
 * the groups' own schema of parts; a damaged list gives `problem` (what is wrong with it) instead.
 */
export function parsePartList(json: string): { parts: PostPart[] } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { problem: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = postPartsSchema().safeParse(value);
  if (parsed.success) return { parts: parsed.data as PostPart[] };
  const issues = parsed.error.issues.map((i) =>
    i.path.length > 0 ? `part ${describePath(i.path)}: ${i.message}` : i.message,
  );
  return { problem: issues.join("; ") };
}

/** `[0, "media", 1, "url"]` → "1 media 2 url" (positions counted from 1, as the user counts parts). */
function describePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === "number" ? String(p + 1) : String(p))).join(" ");
}

/** JSON.stringify leaves out undefined keys, so the stored spec holds only what was said. */
export function serialisePart(part: PostPart): string {
  return JSON.stringify(part);
}

/** The error for using a removed group. */
export function removedGroup(group: Pick<PostGroup, "id" | "name" | "accountId">): AppError {
  return new AppError(
    "not_found",
    `Post group ${group.id} "${group.name}" was removed (its past runs are kept).`,
    { hint: { action: "list", what: "post group", accountId: group.accountId } },
  );
}
