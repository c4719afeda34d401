/** The JSON half of ./import.ts (the format is described there). Pure. */
import type { PostPart } from "../threads/post.js";
import { formatIssue, validateGroup } from "../threads/preflight.js";
import type { ImportIssue, ParsedGroup } from "./group.js";

const PART_KEYS = new Set([
  "text",
  "media",
  "topic_tag",
  "link_attachment",
  "poll_attachment",
  "reply_control",
  "quote_post_id",
]);

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
        { ...(line === undefined ? {} : { line }), message: `the file is not valid JSON: ${message}` },
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
        },
      ],
    };
  }
  const issues: ImportIssue[] = [];
  const groups: ParsedGroup[] = [];
  list.forEach((entry: unknown, i) => {
    const g = entry as { name?: unknown; parts?: unknown } | null;
    if (g === null || typeof g !== "object" || Array.isArray(g)) {
      issues.push({ group: i + 1, message: 'not an object with "name" and "parts".' });
      return;
    }
    const name = typeof g.name === "string" ? g.name.trim() : "";
    const add = (message: string) =>
      issues.push({ group: i + 1, ...(name === "" ? {} : { groupName: name }), message });
    if (name === "") add('the group needs a "name".');
    if (!Array.isArray(g.parts)) {
      add('"parts" must be a list of parts.');
      return;
    }
    const parts = g.parts as PostPart[];
    parts.forEach((part, p) => {
      if (part === null || typeof part !== "object") return; // validateGroup reports it
      for (const key of Object.keys(part)) {
        if (!PART_KEYS.has(key)) {
          add(`part ${p + 1}: unknown field "${key}"; a part may have ${[...PART_KEYS].join(", ")}.`);
        }
      }
    });
    for (const issue of validateGroup(parts)) add(formatIssue(issue));
    if (name !== "") groups.push({ name, parts });
  });
  return { groups, issues };
}
