/**
 * Time zones as users type them, turned into the one IANA name we store (pure; Intl's ICU data only).
 *
 * The rules (README, "Time zones"):
 * - a zone name is matched without regard to case: `asia/tokyo` is stored as `Asia/Tokyo`;
 * - `UTC` and its spellings (`utc`, `Etc/UTC`, `GMT`, `Zulu`, `UCT`) are stored as `UTC`;
 * - older IANA names without a region (`Japan`, `Singapore`) are stored as the zone they stand for (`Asia/Tokyo`);
 *   region names ICU knows under another spelling (`Asia/Kolkata`, `Europe/Kyiv`, `US/Eastern`) are kept as typed;
 * - abbreviations (`JST`, `PST`, `EST`, `CET`, `EST5EDT`, …) are refused with the zone to use instead: ICU
 *   accepts several of them, but `EST` is a fixed UTC−5 with no daylight saving (ICU maps it to Panama), not
 *   New York, and `CST` means Chicago or China depending on who types it.
 */

export type ResolvedTimeZone = { zone: string } | { error: string };

/** Zones to suggest for abbreviations people use (ICU's own guess is used for the others). */
const ABBREVIATIONS: Record<string, string> = {
  JST: "Asia/Tokyo",
  KST: "Asia/Seoul",
  CST: "America/Chicago (US Central) or Asia/Shanghai (China)",
  HKT: "Asia/Hong_Kong",
  SGT: "Asia/Singapore",
  PHT: "Asia/Manila",
  ICT: "Asia/Bangkok",
  WIB: "Asia/Jakarta",
  IST: "Asia/Kolkata (India), Europe/Dublin (Ireland) or Asia/Jerusalem (Israel)",
  PST: "America/Los_Angeles",
  PDT: "America/Los_Angeles",
  PT: "America/Los_Angeles",
  MST: "America/Denver (or America/Phoenix, which has no daylight saving)",
  MDT: "America/Denver",
  CDT: "America/Chicago",
  CT: "America/Chicago",
  EST: "America/New_York",
  EDT: "America/New_York",
  ET: "America/New_York",
  AKST: "America/Anchorage",
  HST: "Pacific/Honolulu",
  BST: "Europe/London",
  CET: "Europe/Paris or Europe/Berlin",
  CEST: "Europe/Paris or Europe/Berlin",
  MET: "Europe/Paris or Europe/Berlin",
  EET: "Europe/Athens or Europe/Helsinki",
  EEST: "Europe/Athens or Europe/Helsinki",
  WET: "Europe/Lisbon",
  WEST: "Europe/Lisbon",
  MSK: "Europe/Moscow",
  AEST: "Australia/Sydney",
  AEDT: "Australia/Sydney",
  ACST: "Australia/Adelaide",
  AWST: "Australia/Perth",
  NZST: "Pacific/Auckland",
  NZDT: "Pacific/Auckland",
};

const UTC_NAMES = new Set([
  "utc",
  "etc/utc",
  "gmt",
  "etc/gmt",
  "zulu",
  "etc/zulu",
  "uct",
  "etc/uct",
  "universal",
]);

let canonicalByLowerCase: Map<string, string> | undefined;
function knownZones(): Map<string, string> {
  canonicalByLowerCase ??= new Map(Intl.supportedValuesOf("timeZone").map((z) => [z.toLowerCase(), z]));
  return canonicalByLowerCase;
}

/** The zone ICU resolves a name to, or undefined when it does not know the name. */
function icuZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const EXAMPLE = "a name such as Asia/Tokyo, Europe/Berlin or America/New_York";

/** The IANA name to store for what a user typed, or a message that says what to type instead. */
export function resolveTimeZone(input: string): ResolvedTimeZone {
  const typed = typeof input === "string" ? input.trim() : "";
  if (typed === "") return { error: `The time zone is empty: give ${EXAMPLE}.` };
  const lower = typed.toLowerCase();
  if (UTC_NAMES.has(lower)) return { zone: "UTC" };
  const listed = knownZones().get(lower);
  if (listed) return { zone: listed };

  const upper = typed.toUpperCase();
  const resolved = icuZone(typed);
  const abbreviationLike = /^[a-z][a-z0-9]{1,7}$/i.test(typed);
  // Ours, or one ICU knows (EST5EDT, PRC, NZ): ICU's own zone is the suggestion then.
  const instead = ABBREVIATIONS[upper] ?? (typed === upper && resolved !== "UTC" ? resolved : undefined);
  if (abbreviationLike && instead !== undefined) {
    return { error: `${typed} is an abbreviation, not a time zone: use ${instead}.` };
  }
  if (resolved === undefined) {
    // "Tokyo", "new york": the city of a zone.
    const city = `/${lower.replace(/\s+/g, "_")}`;
    const match = [...knownZones().values()].find((z) => z.toLowerCase().endsWith(city));
    return {
      error: match
        ? `"${typed}" is not an IANA time zone: did you mean ${match}?`
        : `"${typed}" is not an IANA time zone: give ${EXAMPLE}.`,
    };
  }
  if (resolved === "UTC") return { zone: "UTC" };
  // `Japan` is Asia/Tokyo; `Asia/Kolkata` stays as typed (ICU still calls it Asia/Calcutta).
  if (!typed.includes("/") || resolved.toLowerCase() === lower) return { zone: resolved };
  const cased = typed.replace(/(^|[/_])([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
  return { zone: icuZone(cased) !== undefined ? cased : typed };
}
