import { DateTime } from "luxon";
import { isCalendarDate, resolveLocalTime } from "./time.js";

/**
 * When a one-off post runs (`post --at`): pure, `now` comes in. Accepted:
 * - "YYYY-MM-DD HH:MM" or "YYYY-MM-DD HH:MM:SS" (a "T" instead of the space too): wall-clock time in `zone`,
 *   with the schedules' DST rules — a time inside a spring-forward gap runs at the first valid instant after
 *   the gap, a time inside a fall-back overlap at its first run;
 * - ISO 8601 with an offset or Z ("2026-12-24T09:00+09:00", "2026-12-24T00:00:00Z"): that instant.
 * Refused: anything else, a time not after `now`, and a time more than `MAX_AHEAD_DAYS` ahead (almost
 * certainly a typo in the year; a post planned that far ahead would also outlive most tokens' attention).
 */

export const MAX_AHEAD_DAYS = 366;
const DAY = 86_400_000;

/** `note`: how a local time that DST makes missing or ambiguous was resolved, for the user to read. */
export type AtResult = { ok: true; dueAt: number; note?: string } | { ok: false; problem: string };

const LOCAL = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

export function parseAt(text: string, zone: string, now: number): AtResult {
  const input = normalizeTypedTime(text);
  const resolved = instantOf(input, zone);
  if (typeof resolved === "string") return { ok: false, problem: resolved };
  const { dueAt, note } = resolved;
  const nowText = formatLocalTime(now, zone);
  if (dueAt <= now) {
    return {
      ok: false,
      problem: `"${text}" (${formatLocalTime(dueAt, zone)}) is not in the future: it is now ${nowText}. Give a later time, or leave out --at to publish now.`,
    };
  }
  if (dueAt > now + MAX_AHEAD_DAYS * DAY) {
    return {
      ok: false,
      problem: `"${text}" is more than ${MAX_AHEAD_DAYS} days ahead (it is now ${nowText}): one-off posts can be planned up to a year ahead. Check the year.`,
    };
  }
  return note === undefined ? { ok: true, dueAt } : { ok: true, dueAt, note };
}

/**
 * What a Japanese keyboard often gives, as the ASCII form: full-width digits, colon and space (NFKC), and a date
 * written with slashes, `2026/12/24` (or a one-digit month or day, `2026/1/5`), as `2026-12-24`.
 */
export function normalizeTypedTime(text: string): string {
  const ascii = text.normalize("NFKC").trim();
  return ascii.replace(
    /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?=$|[ T])/,
    (_, y: string, m: string, d: string) => `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`,
  );
}

/** The instant (with a DST note), or what is wrong with the text. */
function instantOf(input: string, zone: string): { dueAt: number; note?: string } | string {
  const local = LOCAL.exec(input);
  if (local) {
    const [, date, hour, minute, second] = local;
    if (!isCalendarDate(date!)) return `"${date}" is not a calendar date: use YYYY-MM-DD.`;
    if (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) {
      return `"${input}" is not a time of day: use HH:MM (or HH:MM:SS) from 00:00 to 23:59.`;
    }
    const hhmm = `${hour!.padStart(2, "0")}:${minute}`;
    const base = resolveLocalTime(date!, hhmm, zone);
    // Inside a spring-forward gap the minute resolves to the end of the gap: run there, seconds dropped,
    // as a fixed time does. Otherwise the seconds are added to the minute's (first) instant.
    const resolved = DateTime.fromMillis(base, { zone });
    if (resolved.toFormat("HH:mm") !== hhmm) {
      return {
        dueAt: base,
        note: `${hhmm} does not exist on ${date} in ${zone} (the clocks go forward): it runs at ${resolved.toFormat("HH:mm")}, the first valid time after the gap.`,
      };
    }
    const dueAt = base + Number(second ?? 0) * 1000;
    const [year, month, day] = date!.split("-").map(Number);
    const wall = { year, month, day, hour: Number(hour), minute: Number(minute) };
    const twice = DateTime.fromObject(wall, { zone }).getPossibleOffsets().length > 1;
    return twice
      ? {
          dueAt,
          note: `${hhmm} happens twice on ${date} in ${zone} (the clocks go back): it runs at the first, ${resolved.toFormat("HH:mm ZZZZ")}.`,
        }
      : { dueAt };
  }
  if (WITH_OFFSET.test(input)) {
    const dt = DateTime.fromISO(input, { setZone: true });
    if (!dt.isValid)
      return `"${input}" is not a valid date and time (${dt.invalidExplanation ?? dt.invalidReason}).`;
    return { dueAt: dt.toMillis() };
  }
  return `"${input}" is not a time: use "YYYY-MM-DD HH:MM" in the account's zone (${zone}), or ISO 8601 with an offset such as 2026-12-24T09:00+09:00.`;
}

/** Locales tried for a zone's abbreviation; the first that is not a bare "GMT+9" wins (JST, CET, IST, AEST …). */
const ABBREVIATION_LOCALES = ["en-US", "en-GB", "ja-JP", "en-IN", "en-AU"];

/** "2026-12-24 09:00 JST (Asia/Tokyo)": what users read back when a post is planned; seconds only when set. */
export function formatLocalTime(ms: number, zone: string): string {
  const dt = DateTime.fromMillis(ms, { zone });
  const time = dt.second === 0 ? dt.toFormat("yyyy-MM-dd HH:mm") : dt.toFormat("yyyy-MM-dd HH:mm:ss");
  return `${time} ${zoneAbbreviation(ms, zone)} (${zone})`;
}

function zoneAbbreviation(ms: number, zone: string): string {
  let fallback = "";
  for (const locale of ABBREVIATION_LOCALES) {
    const part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "short" })
      .formatToParts(ms)
      .find((p) => p.type === "timeZoneName")?.value;
    if (!part) continue;
    if (!/^(GMT|UTC)[+-]/.test(part)) return part;
    fallback ||= part;
  }
  return fallback || DateTime.fromMillis(ms, { zone }).toFormat("ZZ");
}
