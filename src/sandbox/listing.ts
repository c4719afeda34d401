import { invalidParam } from "./errors.js";
import type { MediaRecord } from "./types.js";

export interface Page {
  items: MediaRecord[];
  paging?: {
    cursors: { before: string; after: string };
    next?: string;
    previous?: string;
  };
}

/** Graph accepts unix seconds or a date string for since/until. Returns epoch ms. */
export function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^-?\d+$/.test(value.trim())) return Number(value) * 1000;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw invalidParam(`${name} must be a unix timestamp in seconds or a date (got "${value}").`);
  return ms;
}

const encodeCursor = (id: string) => Buffer.from(id, "utf8").toString("base64url");
const decodeCursor = (cursor: string) => Buffer.from(cursor, "base64url").toString("utf8");

/**
 * Newest-first cursor paging as Graph does it: `limit` (default 25, max 100), `after` / `before`
 * cursors, and `paging.next` / `paging.previous` URLs that repeat the request with the cursor.
 */
export function paginate(all: MediaRecord[], params: Record<string, string>, requestUrl: string): Page {
  const since = parseTime(params.since, "since");
  const until = parseTime(params.until, "until");
  const ordered = all
    .filter(
      (m) =>
        (since === undefined || m.publishedAt >= since) && (until === undefined || m.publishedAt <= until),
    )
    .sort((a, b) => b.publishedAt - a.publishedAt || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0));
  const limit = parseLimit(params.limit);
  let start = 0;
  let end: number;
  if (params.after) {
    start = cursorIndex(ordered, params.after) + 1;
    end = Math.min(start + limit, ordered.length);
  } else if (params.before) {
    end = cursorIndex(ordered, params.before);
    start = Math.max(0, end - limit);
  } else {
    end = Math.min(limit, ordered.length);
  }
  const items = ordered.slice(start, end);
  if (items.length === 0) return { items };
  const after = encodeCursor(items.at(-1)!.id);
  const before = encodeCursor(items[0]!.id);
  const page: Page = { items, paging: { cursors: { before, after } } };
  if (end < ordered.length) page.paging!.next = withCursor(requestUrl, "after", after);
  if (start > 0) page.paging!.previous = withCursor(requestUrl, "before", before);
  return page;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 25;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidParam(`limit must be a whole number from 1 to 100 (got "${raw}").`);
  }
  return limit;
}

function cursorIndex(ordered: MediaRecord[], cursor: string): number {
  const id = decodeCursor(cursor);
  const index = ordered.findIndex((m) => m.id === id);
  if (index < 0) throw invalidParam("The paging cursor is not valid for this list; start again without it.");
  return index;
}

function withCursor(requestUrl: string, name: "after" | "before", cursor: string): string {
  const url = new URL(requestUrl);
  url.searchParams.delete("after");
  url.searchParams.delete("before");
  url.searchParams.set(name, cursor);
  return url.toString();
}
