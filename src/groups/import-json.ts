/** The JSON half of ./import.ts (the format is described there). Pure. */
import { parseDeleteAfter } from "../delete-after.schema.js";
import type { PostPart } from "../threads/post.js";
import { formatIssue, formatIssueIn, validateGroup } from "../threads/preflight.js";
import type { ImportIssue, ParsedGroup } from "./group.js";
import { parsePartInput } from "./part-input.js";

export function parseJsonGroups(text: string): { groups: ParsedGroup[]; issues: ImportIssue[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    // V8 says where by character position; the line is what an editor shows.
    const position = /at position (\d+)/.exec(message);
    const line = position
      ? (text.slice(0, Number(position[1])).match(/\r\n|\r|\n/g)?.length ?? 0) + 1
      : undefined;
    return {
      groups: [],
      issues: [
        {
          ...(line === undefined ? {} : { line }),
          message: `the file is not valid JSON: ${message}`,
          ja: `JSON として読めません: ${message}`,
        },
      ],
    };
  }
  const list = Array.isArray(data) ? data : (data as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(list)) {
    return {
      groups: [],
      issues: [
        {
          message: 'expected a list of groups, [{ "name": "...", "parts": [...] }], or { "groups": [...] }.',
          ja: 'グループのリスト [{ "name": "...", "parts": [...] }] か { "groups": [...] } にしてください。',
        },
      ],
    };
  }
  const issues: ImportIssue[] = [];
  const groups: ParsedGroup[] = [];
  list.forEach((entry: unknown, i) => {
    const g = entry as { name?: unknown; parts?: unknown; delete_after?: unknown } | null;
    if (g === null || typeof g !== "object" || Array.isArray(g)) {
      issues.push({
        group: i + 1,
        message: 'not an object with "name" and "parts".',
        ja: "「name」と「parts」を持つオブジェクトになっていません。",
      });
      return;
    }
    const name = typeof g.name === "string" ? g.name.trim() : "";
    const add = (message: string, ja?: string) =>
      issues.push({
        group: i + 1,
        ...(name === "" ? {} : { groupName: name }),
        message,
        ...(ja === undefined ? {} : { ja }),
      });
    if (name === "") add('the group needs a "name".', "グループに「name」（名前）が必要です。");
    const deleteAfter = readDeleteAfter(g.delete_after);
    if (deleteAfter !== undefined && "problem" in deleteAfter) add(deleteAfter.problem, deleteAfter.ja);
    if (!Array.isArray(g.parts)) {
      add('"parts" must be a list of parts.', "「parts」はパートのリストにしてください。");
      return;
    }
    // Each part's form (Meta's names and shapes), then, when every part reads, Meta's rules (preflight).
    const parts: PostPart[] = [];
    (g.parts as unknown[]).forEach((input, p) => {
      const { part, problems } = parsePartInput(input);
      for (const problem of problems) {
        add(
          `part ${p + 1}: ${problem.message}`,
          problem.ja === undefined ? undefined : `パート ${p + 1}: ${problem.ja}`,
        );
      }
      if (part !== undefined) parts.push(part);
    });
    if (parts.length !== g.parts.length) return;
    for (const issue of validateGroup(parts)) add(formatIssue(issue), formatIssueIn(issue, "ja"));
    if (name === "" || (deleteAfter !== undefined && "problem" in deleteAfter)) return;
    groups.push({
      name,
      parts,
      ...(deleteAfter?.minutes == null ? {} : { deleteAfterMinutes: deleteAfter.minutes }),
    });
  });
  return { groups, issues };
}

/** A group's `"delete_after"` ("24h", "90m", "none"), as `--delete-after` reads it; undefined when absent. */
function readDeleteAfter(
  value: unknown,
): { minutes: number | null } | { problem: string; ja: string } | undefined {
  if (value === undefined || value === null) return undefined;
  const read =
    typeof value === "string"
      ? parseDeleteAfter(value)
      : { problem: `must be a duration like 24h or 90m, or none, not ${JSON.stringify(value)}` };
  if ("minutes" in read) return read;
  return {
    problem: `"delete_after" ${read.problem}.`,
    ja: `「delete_after」は 24h、90m、2d のような期間（15 分〜90 日）か none にしてください（${JSON.stringify(value)}）。`,
  };
}
