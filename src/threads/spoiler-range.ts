/**
 * TEMPORARY copy: helper "text" exports the same `spoilerFor` from ./preflight-text.ts; when both are on main,
 * keep that one and point the imports (src/groups/import-csv.ts, src/cli/commands/groups.ts) at it.
 *
 * Offsets and lengths count UTF-16 code units (JavaScript string indices), the convention of Meta's web
 * clients; Meta does not state the unit (UNVERIFIED, see THREADS_API.md).
 */
import type { TextEntity } from "./post.js";

/** The spoiler over the `occurrence`-th (1-based) occurrence of `phrase` in `text`. */
export function spoilerFor(text: string, phrase: string, occurrence = 1): TextEntity {
  if (phrase === "") throw new Error("the spoiler phrase is empty; give the words of the text to hide.");
  let offset = -1;
  for (let n = 0; n < occurrence; n++) {
    offset = text.indexOf(phrase, offset + 1);
    if (offset < 0) break;
  }
  if (offset < 0) {
    throw new Error(
      occurrence === 1
        ? `"${phrase}" is not in the text; a spoiler hides words of the part's own text, written exactly as there.`
        : `"${phrase}" is not in the text ${occurrence} times; a spoiler hides words of the part's own text.`,
    );
  }
  return { entity_type: "SPOILER", offset, length: phrase.length };
}

/** Spoilers for phrases in order; a phrase given again hides its next occurrence. */
export function spoilersFor(text: string, phrases: readonly string[]): TextEntity[] {
  const seen = new Map<string, number>();
  return phrases.map((phrase) => {
    const n = (seen.get(phrase) ?? 0) + 1;
    seen.set(phrase, n);
    return spoilerFor(text, phrase, n);
  });
}
