/**
 * Post groups as a file that `groups import` reads back to the same parts (./import.ts describes the
 * format): JSON, the parts as stored (Meta's parameter names), or CSV, a row per part under the columns named
 * as Meta's parameters, with only the columns some part uses. Pure.
 *
 * CSV cells use the short forms where they read back exactly (a text attachment's plaintext, spoilers as
 * phrases, a GIPHY id, poll options separated by "|") and Meta's JSON otherwise. What a CSV row cannot hold
 * (a carousel with a video before an image: the columns list images first; a URL or alt text with a "|") is
 * refused with the group named, so an export never imports back as something else: JSON holds everything.
 *
 * A group's delete-after goes in JSON only, as `"delete_after": "24h"` beside its name (the form `--delete-after`
 * takes). CSV holds parts, one row each, and no group settings (nor its weight): a CSV import makes groups
 * without one.
 */
import { formatDeleteAfter } from "../delete-after.schema.js";
import { AppError } from "../errors.js";
import { type PostPart, pollOptions } from "../threads/post.js";
import { CSV_COLUMNS } from "./import-csv.js";
import { spoilersFor } from "./part-input.js";

export type ExportFormat = "json" | "csv";
export const EXPORT_FORMATS: readonly ExportFormat[] = ["json", "csv"];

export interface ExportedGroup {
  name: string;
  parts: PostPart[];
  /** Its delete-after in minutes; null or absent: none. */
  deleteAfterMinutes?: number | null;
}

/** `[{ "name", "delete_after"?, "parts" }]`, two-space indented, UTF-8. */
export function groupsToJson(groups: readonly ExportedGroup[]): string {
  return `${JSON.stringify(
    groups.map((g) => ({
      name: g.name,
      ...(g.deleteAfterMinutes == null ? {} : { delete_after: formatDeleteAfter(g.deleteAfterMinutes) }),
      parts: g.parts,
    })),
    null,
    2,
  )}\n`;
}

/** A CSV with a UTF-8 BOM (Excel then reads it as UTF-8) and CRLF line ends, as Excel writes them. */
export function groupsToCsv(groups: readonly ExportedGroup[]): string {
  const rows: Array<Record<string, string>> = [];
  for (const group of groups) {
    group.parts.forEach((part, i) => {
      rows.push({
        group: group.name,
        part: String(i + 1),
        ...partCells(part, `group "${group.name}" part ${i + 1}`),
      });
    });
  }
  const used = CSV_COLUMNS.filter(
    (c) => c === "group" || c === "part" || c === "text" || rows.some((r) => r[c] !== undefined),
  );
  const lines = [used.join(","), ...rows.map((r) => used.map((c) => csvCell(r[c] ?? "")).join(","))];
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const looksLikeJson = (value: string) => /^\s*[[{]/.test(value);

function refuse(where: string, why: string): never {
  throw new AppError(
    "invalid_input",
    `${where} cannot be written as CSV: ${why}. Export with --format json, which holds every part as it is.`,
  );
}

function partCells(part: PostPart, where: string): Record<string, string> {
  const cells: Record<string, string> = {};
  if (part.text !== undefined) cells.text = part.text;
  const media = part.media ?? [];
  if (media.length > 0) {
    const firstVideo = media.findIndex((m) => m.kind === "VIDEO");
    if (firstVideo >= 0 && media.slice(firstVideo).some((m) => m.kind === "IMAGE")) {
      refuse(where, "its carousel has a video before an image (CSV lists the images first, then the videos)");
    }
    if (media.some((m) => m.url.includes("|") || m.alt_text?.includes("|"))) {
      refuse(where, 'a media URL or alt text holds "|", which separates the items of a CSV cell');
    }
    const images = media.filter((m) => m.kind === "IMAGE").map((m) => m.url);
    const videos = media.filter((m) => m.kind === "VIDEO").map((m) => m.url);
    if (images.length > 0) cells.image_url = images.join("|");
    if (videos.length > 0) cells.video_url = videos.join("|");
    if (media.some((m) => m.alt_text !== undefined && m.alt_text !== "")) {
      cells.alt_text = media.map((m) => m.alt_text ?? "").join("|");
    }
  }
  if (part.topic_tag !== undefined) cells.topic_tag = part.topic_tag;
  if (part.link_attachment !== undefined) cells.link_attachment = part.link_attachment;
  if (part.poll_attachment !== undefined) {
    const options = pollOptions(part.poll_attachment);
    const plain =
      options.every((o) => o === o.trim() && o !== "" && !o.includes("|")) &&
      !looksLikeJson(options[0] ?? "");
    cells.poll_attachment = plain ? options.join("|") : JSON.stringify(part.poll_attachment);
  }
  if (part.reply_control !== undefined) cells.reply_control = part.reply_control;
  if (part.quote_post_id !== undefined) cells.quote_post_id = part.quote_post_id;
  if (part.text_attachment !== undefined) {
    const a = part.text_attachment;
    const plain =
      a.text_with_styling_info === undefined &&
      a.plaintext === a.plaintext.trim() &&
      !looksLikeJson(a.plaintext) &&
      (a.link_attachment_url === undefined || a.link_attachment_url === a.link_attachment_url.trim());
    if (plain) {
      cells.text_attachment = a.plaintext;
      if (a.link_attachment_url !== undefined) cells.link_attachment_url = a.link_attachment_url;
    } else cells.text_attachment = JSON.stringify(a);
  }
  if (part.text_entities !== undefined && part.text_entities.length > 0) {
    cells.text_entities = spoilerPhrases(part) ?? JSON.stringify(part.text_entities);
  }
  if (part.is_spoiler_media) cells.is_spoiler_media = "true";
  if (part.gif_attachment !== undefined) {
    const id = part.gif_attachment.gif_id;
    cells.gif_attachment = id === id.trim() && !looksLikeJson(id) ? id : JSON.stringify(part.gif_attachment);
  }
  if (part.is_ghost_post) cells.is_ghost_post = "true";
  if (part.location_id !== undefined) cells.location_id = part.location_id;
  if (part.enable_reply_approvals) cells.enable_reply_approvals = "true";
  if (part.allowlisted_country_codes !== undefined && part.allowlisted_country_codes.length > 0) {
    cells.allowlisted_country_codes = part.allowlisted_country_codes.join(",");
  }
  if (part.crossreshare_to_ig) cells.crossreshare_to_ig = "true";
  return cells;
}

/** The spoilers as "phrase|phrase" when that reads back to exactly these ranges; undefined otherwise. */
function spoilerPhrases(part: PostPart): string | undefined {
  const text = part.text ?? "";
  const entities = part.text_entities ?? [];
  const phrases = entities.map((e) => text.slice(e.offset, e.offset + e.length));
  if (phrases.some((p) => p.trim() === "" || p.includes("|")) || looksLikeJson(phrases[0] ?? ""))
    return undefined;
  // The CSV reader trims the text: the ranges must hold in the trimmed text too.
  if (text !== text.trim()) return undefined;
  try {
    const back = spoilersFor(text, phrases);
    const same = back.every((b, i) => b.offset === entities[i]!.offset && b.length === entities[i]!.length);
    return same ? phrases.join("|") : undefined;
  } catch {
    return undefined;
  }
}
