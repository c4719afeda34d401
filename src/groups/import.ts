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
 * CRLF line ends are fine. A line with more fields than the header has columns, or a value under a column
 * with no name, is an error for that line (a comma inside a cell needs the cell in double quotes). Errors
 * name the file line, the header being line 1.
 *
 * Both formats are read as UTF-8 (with or without a BOM), UTF-16 LE/BE with a BOM, or Shift_JIS (CP932, what
 * Japanese Excel saves), detected or named by the caller; see ./import-encoding.ts.
 *
 * JSON: `[{ "name": "...", "parts": [PostPart, ...] }]` or `{ "groups": [...] }` (PostPart of
 * src/threads/post.ts). Errors name the group's index (1-based) and name.
 */
import { AppError } from "../errors.js";
import type { ImportIssue, ParsedGroup } from "./group.js";
import { ENCODING_LABELS, type ImportEncoding } from "./groups.schema.js";
import { parseCsvGroups } from "./import-csv.js";
import { decodeImportFile } from "./import-encoding.js";
import { parseJsonGroups } from "./import-json.js";

/** At most this many issues are spelled out in the message; `details.issues` holds all of them. */
const MESSAGE_ISSUES = 20;

export interface ParsedFile {
  groups: ParsedGroup[];
  /** How the bytes were read ("Shift_JIS", "UTF-8", …); absent when the content was given as text. */
  encoding?: string;
}

/**
 * Decodes (bytes: detected, or `options.encoding`), parses and validates a whole file; throws AppError
 * invalid_input listing every problem.
 */
export function parseGroupsFile(
  fileName: string,
  content: string | Uint8Array,
  options: { encoding?: ImportEncoding } = {},
): ParsedFile {
  let text: string;
  let encoding: string | undefined;
  if (typeof content === "string") {
    text = content.replace(/^\uFEFF/, "");
  } else {
    const decoded = decodeImportFile(content, options.encoding);
    if ("issues" in decoded) throw importError(fileName, decoded.issues);
    text = decoded.text;
    encoding = ENCODING_LABELS[decoded.encoding];
  }
  if (text.trim() === "") {
    const needs = /\.json$/i.test(fileName)
      ? 'a list of groups, [{ "name": "...", "parts": [...] }]'
      : "a header row and a row per part";
    const needsJa = /\.json$/i.test(fileName)
      ? 'グループのリスト [{ "name": "...", "parts": [...] }]'
      : "ヘッダー行と、パートごとの行";
    throw importError(fileName, [
      { message: `the file is empty; it needs ${needs}.`, ja: `ファイルが空です。${needsJa}が必要です。` },
    ]);
  }
  const json = /\.json$/i.test(fileName) || (!/\.csv$/i.test(fileName) && /^\s*[[{]/.test(text));
  const { groups, issues } = json ? parseJsonGroups(text) : parseCsvGroups(text);
  if (issues.length === 0 && groups.length === 0) {
    issues.push({
      message: json
        ? "the file holds no post groups; add at least one."
        : "the file has a header row but no rows below it; add a row per part.",
      ja: json
        ? "ファイルにポストグループがありません。少なくとも 1 つ追加してください。"
        : "ヘッダー行の下に行がありません。パートごとに行を追加してください。",
    });
  }
  if (issues.length > 0) throw importError(fileName, issues);
  return encoding === undefined ? { groups } : { groups, encoding };
}

function importError(fileName: string, issues: ImportIssue[]): AppError {
  const shown = issues.slice(0, MESSAGE_ISSUES).map(formatImportIssue);
  const more = issues.length > MESSAGE_ISSUES ? [`…and ${issues.length - MESSAGE_ISSUES} more`] : [];
  return new AppError(
    "invalid_input",
    `${fileName}: nothing was imported; fix ${issues.length === 1 ? "this problem" : `these ${issues.length} problems`} and import the file again:\n${[...shown, ...more].join("\n")}`,
    { details: { issues, file: fileName } },
  );
}

function formatImportIssue(issue: ImportIssue): string {
  if (issue.line !== undefined) {
    return `line ${issue.line}${issue.byte === undefined ? "" : `, byte offset ${issue.byte}`}: ${issue.message}`;
  }
  if (issue.group !== undefined) {
    return `group ${issue.group}${issue.groupName === undefined ? "" : ` ("${issue.groupName}")`}: ${issue.message}`;
  }
  return issue.message;
}
