/**
 * The length Meta gives a post's text: "at most 500 characters; emoji count as their UTF-8 byte length".
 *
 * The sandbox's own reading of that rule, written apart from the client's preflight (src/threads/
 * text-metrics.ts) on purpose: if both used one function, a miscount would be agreed with and no test could
 * see it (test/sandbox-meta-rules.test.ts compares the two). Here an emoji is what Unicode lists as a
 * recommended emoji (the `RGI_Emoji` property of strings: single emoji, keycaps, flags, skin tones, ZWJ and tag
 * sequences), matched longest first and counted as its UTF-8 bytes; every other code point counts one. So a
 * text-style symbol such as "©" without U+FE0F counts one here, where the client, erring on the safe side,
 * counts it as an emoji.
 */

/** The `v` flag (Node 20) given as a value: TypeScript refuses it in a literal below an ES2024 target. */
const V_FLAGS: string = "gv";
const RGI_EMOJI = new RegExp("\\p{RGI_Emoji}", V_FLAGS);

export function textLength(text: string): number {
  let length = 0;
  let from = 0;
  for (const match of text.matchAll(RGI_EMOJI)) {
    length += codePointCount(text.slice(from, match.index)) + utf8Bytes(match[0]);
    from = match.index + match[0].length;
  }
  return length + codePointCount(text.slice(from));
}

function codePointCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}
