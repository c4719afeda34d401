/**
 * How Threads measures a post: its length and the links in it. Pure functions.
 *
 * Length: one per code point, except that an emoji counts as its UTF-8 byte length (Meta's documentation;
 * counting UTF-16 units let over-long posts through in other tools). An "emoji" here is a whole grapheme
 * cluster containing a pictographic code point, a regional indicator (flags), a skin-tone modifier (an emoji
 * of its own even alone or after a letter) or the keycap mark, so ZWJ sequences and skin tones count every
 * byte they carry. Text-style pictographs such as "©" are counted as
 * emoji too: over-counting can only reject a post that was at the limit, under-counting would break a chain
 * half-way when Threads refuses a part.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const EMOJI_MARK = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Modifier}|\u20E3/u;
const encoder = new TextEncoder();

export function threadsTextLength(text: string): number {
  let length = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (EMOJI_MARK.test(segment)) length += encoder.encode(segment).length;
    else length += codePointLength(segment);
  }
  return length;
}

/** Code points, for the limits Meta states in plain characters (topic tag, poll options). */
export function codePointLength(text: string): number {
  return [...text].length;
}

/*
 * Links: Threads turns URLs with a scheme and bare domains ("example.com/x", "www.example.jp") into links.
 * Its exact rules are not published, so this errs towards counting a link:
 * - a URL with http:// or https:// runs to the next space, quote or bracket, non-ASCII characters included:
 *   Japanese text glued to a URL stays part of it, which can only make two links count as two, never
 *   fewer than Threads (or the sandbox) may count;
 * - a host starting with "www.", whatever its top-level domain ("www.example.travel") and whatever comes
 *   before it other than a letter or digit ("@www.…", "記事www.…"), up to the next space, quote or bracket
 *   like a URL with a scheme;
 * - a bare host name whose last label is any two letters (country codes) or a common generic TLD, and which
 *   is not part of an e-mail address or a longer word. "node.js" therefore counts as a link: rare, and the
 *   safe side, since Threads refuses a post with a sixth link only when it is created.
 * Links are unique by host (lower case, without "www.") plus path and query, without the scheme, a trailing
 * slash or trailing punctuation, so "https://Example.com/" and "example.com" are one link.
 */
/** What may follow a host: anything up to a space, a quote or a bracket (Japanese text included). */
const URL_TAIL = `[^\\s<>"'「」『』（）]`;
const GENERIC_TLDS = [
  "com",
  "net",
  "org",
  "info",
  "biz",
  "edu",
  "gov",
  "mil",
  "int",
  "dev",
  "app",
  "io",
  "ai",
  "xyz",
  "site",
  "online",
  "shop",
  "store",
  "blog",
  "news",
  "tech",
  "page",
  "link",
  "club",
  "live",
  "media",
  "tokyo",
  "world",
  "art",
  "design",
  "social",
  "email",
].join("|");
const SCHEME_URL = /https?:\/\/[^\s<>"'「」『』（）]+/giu;
const WWW_URL = /(?<![A-Za-z0-9_])www\.[^\s<>"'「」『』（）]+/giu;
const BARE_URL = new RegExp(
  `(?<![@A-Za-z0-9._\\-/])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+(?:[a-z]{2}|${GENERIC_TLDS})(?![A-Za-z0-9\\-@])(?::\\d{1,5})?(?:[/?#]${URL_TAIL}*)?`,
  "giu",
);
const TRAILING_PUNCTUATION = /[.,:;!?'")\]}、。！？]+$/u;

/** The links Threads would make of this text, normalised so that equal links compare equal. */
export function extractLinks(text: string): string[] {
  const found: string[] = [];
  const take = (match: string) => {
    found.push(match);
    return " ";
  };
  const rest = text.replace(SCHEME_URL, take).replace(WWW_URL, take);
  for (const match of rest.matchAll(BARE_URL)) found.push(match[0]);
  return found.map(normalizeLink).filter((link) => link.length > 0);
}

export function normalizeLink(link: string): string {
  let rest = link.trim().replace(TRAILING_PUNCTUATION, "");
  rest = rest.replace(/^https?:\/\//iu, "");
  const cut = rest.search(/[/?#]/u);
  const host = (cut < 0 ? rest : rest.slice(0, cut)).toLowerCase().replace(/^www\./u, "");
  const tail = cut < 0 ? "" : rest.slice(cut).replace(/\/+$/u, "");
  return host + tail;
}

/** Unique links in the text plus any extra ones (a link attachment counts against the same limit of 5). */
export function countLinks(text: string, extra: readonly string[] = []): number {
  const links = new Set(extractLinks(text));
  for (const link of extra) {
    const normalized = normalizeLink(link);
    if (normalized) links.add(normalized);
  }
  return links.size;
}
