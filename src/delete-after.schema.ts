/**
 * "Delete after N hours" of a post group or schedule, as a user writes it: `24h`, `90m`, `2d`, `1h30m`, or `none`
 * (clears a setting: a group's posts are then never deleted, a schedule's follow their group's). A schedule also
 * takes `never`: its posts are never auto-deleted, whatever their group says (stored as NEVER_DELETE, 0 minutes);
 * for a group `never` is `none`. Stored as whole minutes. Pure (zod only), shared by the groups' and schedules'
 * schemas.
 *
 * Limits: at least 15 minutes (a post's last calls, its permalink lookups, are over by then, and anything shorter
 * is more likely a slip of the unit), at most 90 days (further ahead is a calendar entry, not an auto-delete).
 */
import { z } from "zod";

export const MIN_DELETE_AFTER_MINUTES = 15;
export const MAX_DELETE_AFTER_MINUTES = 90 * 24 * 60;

/** A schedule's "never": its posts are not auto-deleted even when their group's delete-after says so. */
export const NEVER_DELETE = 0;

const UNIT_MINUTES: Record<string, number> = { d: 24 * 60, h: 60, m: 1 };

/**
 * Minutes, null for `none`, or the problem (without the label) of a text that is neither; with `never` (a
 * schedule's), `never` is NEVER_DELETE rather than null.
 */
export function parseDeleteAfter(
  text: string,
  opts: { never?: boolean } = {},
): { minutes: number | null } | { problem: string } {
  const value = text.trim().toLowerCase();
  if (value === "never") return { minutes: opts.never ? NEVER_DELETE : null };
  if (value === "none" || value === "off") return { minutes: null };
  if (/^\d+$/u.test(value)) {
    return { problem: `needs a unit: ${value}h for hours or ${value}m for minutes (or none)` };
  }
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/u.exec(value);
  if (!match || value === "") {
    return { problem: `must be a duration like 24h, 90m, 2d or 1h30m, or none, not "${text}"` };
  }
  const [, d, h, m] = match;
  const minutes =
    Number(d ?? 0) * UNIT_MINUTES.d! + Number(h ?? 0) * UNIT_MINUTES.h! + Number(m ?? 0) * UNIT_MINUTES.m!;
  if (minutes < MIN_DELETE_AFTER_MINUTES) {
    return { problem: `is too short: at least ${MIN_DELETE_AFTER_MINUTES}m` };
  }
  if (minutes > MAX_DELETE_AFTER_MINUTES) return { problem: "is too long: at most 90d" };
  return { minutes };
}

/**
 * `--delete-after` (or `deleteAfter` in JSON): a duration text, or a number of minutes from JSON; null clears. A
 * schedule's (`never: true`) also takes `never` (or 0 minutes from JSON): NEVER_DELETE.
 */
export function deleteAfterField(label: string, opts: { never?: boolean } = {}) {
  return z.unknown().transform((input, ctx): number | null => {
    if (input === null) return null;
    if (opts.never && input === NEVER_DELETE) return NEVER_DELETE;
    if (typeof input === "number") {
      const ok =
        Number.isInteger(input) && input >= MIN_DELETE_AFTER_MINUTES && input <= MAX_DELETE_AFTER_MINUTES;
      if (ok) return input;
      ctx.addIssue({
        code: "custom",
        message: `${label} in minutes must be a whole number from ${MIN_DELETE_AFTER_MINUTES} to ${MAX_DELETE_AFTER_MINUTES} (90 days)`,
        input,
      });
      return z.NEVER;
    }
    if (typeof input !== "string") {
      ctx.addIssue({
        code: "custom",
        message: `${label} must be a duration like 24h or 90m, or none`,
        input,
      });
      return z.NEVER;
    }
    const read = parseDeleteAfter(input, opts);
    if ("minutes" in read) return read.minutes;
    ctx.addIssue({ code: "custom", message: `${label} ${read.problem}`, input });
    return z.NEVER;
  });
}

/** How a delete-after is shown: "24h", "90m" (as 1h30m), "2d"; "never" for null and NEVER_DELETE. */
export function formatDeleteAfter(minutes: number | null): string {
  if (minutes === null || minutes === NEVER_DELETE) return "never";
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `${d ? `${d}d` : ""}${h ? `${h}h` : ""}${m ? `${m}m` : ""}`;
}
