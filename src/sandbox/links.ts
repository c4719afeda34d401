/*
 * The links in a post, for the 5-unique-links rule and for click insights. The sandbox counts links written
 * with a scheme or "www."; the client's preflight (src/threads/text-metrics.ts) also counts bare domains,
 * so it is at least as strict as the sandbox and a post it accepts is never refused here for its links
 * (test/sandbox-meta-rules.test.ts checks that; the two are written apart on purpose).
 */
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'「」『』（）]+|\bwww\.[^\s<>"'「」『』（）]+/giu;
const TRAILING_PUNCTUATION = /[.,!?;:)\]}、。！？]+$/u;

/** The distinct links in a text plus `extra` ones, normalised so that case and a trailing "/" do not count twice. */
export function uniqueLinks(text: string, extra: string[] = []): string[] {
  const found = new Map<string, string>();
  const candidates = [...(text.match(URL_PATTERN) ?? []), ...extra];
  for (const raw of candidates) {
    const url = raw.replace(TRAILING_PUNCTUATION, "");
    const key = url
      .toLowerCase()
      .replace(/^https?:\/\//, "")
      .replace(/^www\./, "")
      .replace(/\/+$/, "");
    if (key && !found.has(key)) found.set(key, url);
  }
  return [...found.values()];
}
