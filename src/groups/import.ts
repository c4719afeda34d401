/**
 * Post groups from a file, checked completely before anything is written.
 *
 * CSV: a header row, then one row per PART. Columns (any order, names case-insensitive):
 * - `group` (required): the group's name. Rows with the same name form one chain. A blank `group` continues
 *   the group of the row above.
 * - `part` (optional): the part's 1-based position in its chain. Without it, parts follow row order, and a
 *   group's rows must be next to each other.
 * - `text`: the post text (quoted cells may span lines).
 * - `image_url`, `video_url`: media URLs. Several URLs separated by `|` make a carousel (2–20 items); the
 *   images come first, then the videos, each in the order written.
 * - `alt_text`: alt text for the media, `|`-separated in the same order as the media (images, then videos).
 * - `topic_tag`, `link` (link attachment), `poll` (2–4 options separated by `|`), `reply_control`
 *   (everyone, accounts_you_follow, mentioned_only, parent_post_author_only, followers_only), `quote_post_id`.
 * A UTF-8 BOM (Excel) and CRLF line ends are fine. Errors name the file line, the header being line 1.
 *
 * JSON: `[{ "name": "...", "parts": [PostPart, ...] }]` or `{ "groups": [...] }` (PostPart of
 * src/threads/post.ts). Errors name the group's index (1-based) and name.
 */
import { AppError } from "../errors.js";
import type { PostPart } from "../threads/post.js";
import { parseCsvGroups } from "./import-csv.js";
import { parseJsonGroups } from "./import-json.js";

export interface ParsedGroup {
  name: string;
  parts: PostPart[];
}

/** One problem in an import file; `line` for CSV, `group` (1-based index) and its name for JSON. */
export interface ImportIssue {
  line?: number;
  group?: number;
  groupName?: string;
  message: string;
}

/** At most this many issues are spelled out in the message; `details.issues` holds all of them. */
const MESSAGE_ISSUES = 20;

/** Parses and validates a whole file; throws AppError invalid_input listing every problem. */
export function parseGroupsFile(fileName: string, content: string): { groups: ParsedGroup[] } {
  const text = content.replace(/^\uFEFF/, "");
  const json = /\.json$/i.test(fileName) || (!/\.csv$/i.test(fileName) && /^\s*[[{]/.test(text));
  const { groups, issues } = json ? parseJsonGroups(text) : parseCsvGroups(text);
  if (issues.length === 0 && groups.length === 0) {
    issues.push({ message: "the file holds no post groups; add at least one." });
  }
  if (issues.length > 0) {
    const shown = issues.slice(0, MESSAGE_ISSUES).map(formatImportIssue);
    const more = issues.length > MESSAGE_ISSUES ? [`…and ${issues.length - MESSAGE_ISSUES} more`] : [];
    throw new AppError(
      "invalid_input",
      `${fileName}: nothing was imported; fix ${issues.length === 1 ? "this problem" : `these ${issues.length} problems`} and import the file again:\n${[...shown, ...more].join("\n")}`,
      { details: { issues } },
    );
  }
  return { groups };
}

export function formatImportIssue(issue: ImportIssue): string {
  if (issue.line !== undefined) return `line ${issue.line}: ${issue.message}`;
  if (issue.group !== undefined) {
    return `group ${issue.group}${issue.groupName === undefined ? "" : ` ("${issue.groupName}")`}: ${issue.message}`;
  }
  return issue.message;
}
