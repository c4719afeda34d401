/**
 * Preflight for text attachments, text spoilers and media spoilers (Meta's text-attachments and spoilers
 * pages). Pure; preflight.ts calls `validateTextOptions` from `validatePart` and numbers the issues.
 *
 * Ranges (`text_entities` over `text`, `text_with_styling_info` over the attachment's `plaintext`) count
 * UTF-16 code units, as JavaScript string indices do (UNVERIFIED: Meta does not say which unit; UTF-16 is the
 * convention of Meta's web clients). A range must start and end between whole characters as users see them
 * (grapheme clusters): it may not cut an emoji (a surrogate pair, a ZWJ family, a flag) nor a letter from its
 * combining marks. That is stricter than the sandbox, which only refuses a cut surrogate pair: the client
 * must never let through what Threads could refuse, and half an emoji would show as garbage anyway.
 */
import type { PostPart, TextAttachment, TextEntity } from "./post.js";
import { threadsTextLength } from "./text-metrics.js";

/** Meta: "long-form writing … with up to 10,000 characters", counted here as Threads counts `text`. */
export const MAX_TEXT_ATTACHMENT_LENGTH = 10_000;
/** Meta: "The maximum number of text spoiler entities per post is limited to 10." */
export const MAX_SPOILERS = 10;
/** Meta lists `SPOILER` and `spoiler`; both are accepted and sent as given. */
export const SPOILER_ENTITY_TYPES = ["SPOILER", "spoiler"] as const;
/**
 * The styles a text attachment's `text_with_styling_info` may use. UNVERIFIED: Meta's page does not list them
 * in what could be read; this is threads-go's list. Change it here only.
 */
export const TEXT_STYLES = ["bold", "italic", "highlight", "underline", "strikethrough"] as const;

/** One problem, without its part number (preflight.ts adds it). */
export interface TextOptionIssue {
  field: string;
  message: string;
  ja: string;
}

export function validateTextOptions(part: PostPart): TextOptionIssue[] {
  const issues: TextOptionIssue[] = [];
  const add = (field: string, message: string, ja: string) => issues.push({ field, message, ja });
  const media = Array.isArray(part.media) ? part.media : [];
  const text = typeof part.text === "string" ? part.text : "";
  if (part.text_attachment !== undefined) validateAttachment(part, media.length > 0, add);
  if (part.text_entities !== undefined) validateSpoilers(part.text_entities, text, add);
  if (part.is_spoiler_media !== undefined) {
    if (typeof part.is_spoiler_media !== "boolean") {
      add("is_spoiler_media", "must be true or false.", "true か false で指定してください。");
    } else if (part.is_spoiler_media && media.length === 0) {
      add(
        "is_spoiler_media",
        "a media spoiler works only on posts with an image, a video or a carousel; add media, or hide words of the text with a text spoiler (text_entities) instead.",
        "メディアのネタバレ設定は画像・動画・カルーセルの投稿でのみ使えます。メディアを追加するか、テキストの一部を隠すにはテキストのネタバレ（text_entities）を使ってください。",
      );
    }
  }
  return issues;
}

type Add = (field: string, message: string, ja: string) => void;

function validateAttachment(part: PostPart, hasMedia: boolean, add: Add): void {
  const field = "text_attachment";
  const attachment = part.text_attachment as unknown;
  if (attachment === null || typeof attachment !== "object" || Array.isArray(attachment)) {
    add(
      field,
      'the text attachment must be an object like {"plaintext": "…", "link_attachment_url": "https://…"}.',
      'テキスト添付は {"plaintext": "…", "link_attachment_url": "https://…"} の形のオブジェクトにしてください。',
    );
    return;
  }
  const a = attachment as Partial<TextAttachment>;
  const plaintext = typeof a.plaintext === "string" ? a.plaintext : "";
  if (typeof a.plaintext !== "string" || plaintext.trim() === "") {
    add(
      field,
      "the text attachment has no plaintext; write its text or remove the attachment.",
      "テキスト添付の本文（plaintext）が空です。本文を書くか、添付を削除してください。",
    );
  } else {
    const length = threadsTextLength(plaintext);
    if (length > MAX_TEXT_ATTACHMENT_LENGTH) {
      add(
        field,
        `the text attachment has ${length} characters; Threads allows at most ${MAX_TEXT_ATTACHMENT_LENGTH.toLocaleString("en-US")} (emoji count as several). Shorten it by ${length - MAX_TEXT_ATTACHMENT_LENGTH}.`,
        `テキスト添付が ${length} 文字です。上限は ${MAX_TEXT_ATTACHMENT_LENGTH.toLocaleString("en-US")} 文字です（絵文字は複数文字として数えます）。${length - MAX_TEXT_ATTACHMENT_LENGTH} 文字減らしてください。`,
      );
    }
  }
  if (a.link_attachment_url !== undefined && !isWebUrl(a.link_attachment_url)) {
    add(
      field,
      "the text attachment's link is not a valid http(s) URL; use a full address like https://example.com/page.",
      "テキスト添付のリンクが正しい http(s) URL ではありません。https://example.com/page のような完全なアドレスにしてください。",
    );
  }
  if (hasMedia) {
    add(
      field,
      "a text attachment works only on text posts; remove the media or the text attachment.",
      "テキスト添付はテキストのみの投稿でしか使えません。メディアかテキスト添付を削除してください。",
    );
  }
  if (part.gif_attachment !== undefined) {
    add(
      field,
      "a text attachment works only on text posts without a GIF; remove the GIF or the text attachment.",
      "テキスト添付は GIF のない投稿でしか使えません。GIF かテキスト添付を削除してください。",
    );
  }
  if (part.poll_attachment !== undefined) {
    add(
      field,
      "a text attachment cannot go with a poll; remove the poll or the text attachment.",
      "テキスト添付はアンケートと一緒に使えません。アンケートかテキスト添付を削除してください。",
    );
  }
  if (part.link_attachment !== undefined && a.link_attachment_url !== undefined) {
    add(
      field,
      "the post already has a link attachment, so its text attachment cannot have a link too; remove one of the two links.",
      "投稿にリンク添付があるため、テキスト添付にはリンクを付けられません。どちらかのリンクを削除してください。",
    );
  }
  if (a.text_with_styling_info !== undefined) validateStyling(a.text_with_styling_info, plaintext, add);
}

function validateStyling(styling: unknown, plaintext: string, add: Add): void {
  const field = "text_attachment";
  if (!Array.isArray(styling)) {
    add(
      field,
      'text_with_styling_info must be a list like [{"offset": 0, "length": 5, "styling_info": ["bold"]}].',
      'text_with_styling_info は [{"offset": 0, "length": 5, "styling_info": ["bold"]}] の形のリストにしてください。',
    );
    return;
  }
  const ranges: Array<{ n: number; offset: number; length: number }> = [];
  styling.forEach((entry: unknown, i) => {
    const n = i + 1;
    const e = (entry ?? {}) as { offset?: unknown; length?: unknown; styling_info?: unknown };
    const range = checkRange(e.offset, e.length, plaintext, `style ${n}`, `スタイル ${n}`, "plaintext", add);
    if (range) ranges.push({ n, ...range });
    const styles = e.styling_info;
    const known = TEXT_STYLES as readonly string[];
    if (!Array.isArray(styles) || styles.length === 0 || !styles.every((s) => known.includes(s))) {
      add(
        field,
        `style ${n}: styling_info must list one or more of ${TEXT_STYLES.join(", ")}.`,
        `スタイル ${n}: styling_info には ${TEXT_STYLES.join(", ")} のいずれかを 1 つ以上指定してください。`,
      );
    }
  });
  for (const [a, b] of overlaps(ranges)) {
    add(
      field,
      `styles ${a.n} and ${b.n} overlap; a character can be in one styled range only (list several styles in one range instead).`,
      `スタイル ${a.n} と ${b.n} の範囲が重なっています。重ねずに、1 つの範囲に複数のスタイルを指定してください。`,
    );
  }
}

function validateSpoilers(entities: unknown, text: string, add: Add): void {
  if (!Array.isArray(entities)) {
    add(
      "text_entities",
      'spoilers must be a list like [{"entity_type": "SPOILER", "offset": 0, "length": 5}].',
      'ネタバレは [{"entity_type": "SPOILER", "offset": 0, "length": 5}] の形のリストにしてください。',
    );
    return;
  }
  if (entities.length === 0) return;
  if (entities.length > MAX_SPOILERS) {
    add(
      "text_entities",
      `${entities.length} spoilers; Threads allows at most ${MAX_SPOILERS} per post. Remove ${entities.length - MAX_SPOILERS} or merge neighbouring ones.`,
      `ネタバレが ${entities.length} 個あります。1 投稿につき最大 ${MAX_SPOILERS} 個です。${entities.length - MAX_SPOILERS} 個削除するか、隣り合うものをまとめてください。`,
    );
  }
  // A text of only spaces is not sent (container-params.ts), so it cannot carry spoilers either.
  if (text.trim() === "") {
    add(
      "text_entities",
      "spoilers hide words of the text, and this part has no text; write the text or remove the spoilers.",
      "ネタバレはテキストの一部を隠すものですが、このパートにはテキストがありません。テキストを書くか、ネタバレを削除してください。",
    );
    return;
  }
  const ranges: Array<{ n: number; offset: number; length: number }> = [];
  entities.forEach((entity: unknown, i) => {
    const n = i + 1;
    const field = `text_entities[${i}]`;
    const e = (entity ?? {}) as Partial<Record<keyof TextEntity, unknown>>;
    if (!(SPOILER_ENTITY_TYPES as readonly unknown[]).includes(e.entity_type)) {
      add(
        field,
        `entity_type "${String(e.entity_type)}" is not a spoiler; use SPOILER.`,
        `entity_type "${String(e.entity_type)}" はネタバレではありません。SPOILER にしてください。`,
      );
    }
    const sub: Add = (_f, message, ja) => add(field, message, ja);
    const range = checkRange(e.offset, e.length, text, "the spoiler", "ネタバレ", "text", sub);
    if (range) ranges.push({ n, ...range });
  });
  for (const [a, b] of overlaps(ranges)) {
    add(
      `text_entities[${b.n - 1}]`,
      `spoilers ${a.n} and ${b.n} overlap; make them one spoiler or move one so they do not share characters.`,
      `ネタバレ ${a.n} と ${b.n} の範囲が重なっています。1 つにまとめるか、重ならないようにずらしてください。`,
    );
  }
}

/**
 * Checks one offset/length pair over `within`; returns the range when it can be used for the overlap check.
 * `what`/`whatJa` name the range in messages, `over` the field it covers.
 */
function checkRange(
  offset: unknown,
  length: unknown,
  within: string,
  what: string,
  whatJa: string,
  over: string,
  add: Add,
): { offset: number; length: number } | undefined {
  const field = "text_attachment";
  if (!isWhole(offset) || offset < 0 || !isWhole(length) || length < 1) {
    add(
      field,
      `${what}: offset must be a whole number from 0 and length a whole number from 1 (got offset ${String(offset)}, length ${String(length)}).`,
      `${whatJa}: offset は 0 以上、length は 1 以上の整数にしてください（offset ${String(offset)}、length ${String(length)} になっています）。`,
    );
    return undefined;
  }
  const end = offset + length;
  if (end > within.length) {
    add(
      field,
      `${what} (offset ${offset}, length ${length}) runs past the end of the ${over}, which is ${within.length} long in UTF-16 units (JavaScript string length); shorten it or move it.`,
      `${whatJa}（offset ${offset}、length ${length}）が ${over} の末尾（UTF-16 単位で ${within.length}）を超えています。短くするか位置を直してください。`,
    );
    return undefined;
  }
  const boundaries = graphemeBoundaries(within);
  if (!boundaries.has(offset) || !boundaries.has(end)) {
    const sorted = [...boundaries].sort((a, b) => a - b);
    const start = sorted.filter((b) => b <= offset).pop() ?? 0;
    const stop = sorted.find((b) => b >= end) ?? within.length;
    const cut = within.slice(start, stop);
    add(
      field,
      `${what} (offset ${offset}, length ${length}) cuts a character in two (an emoji or a letter with its marks, in "${cut}"); use offset ${start}, length ${stop - start} to cover it whole.`,
      `${whatJa}（offset ${offset}、length ${length}）が文字（絵文字や結合文字、「${cut}」の中）を途中で切っています。全体を含めるには offset ${start}、length ${stop - start} にしてください。`,
    );
    return undefined;
  }
  return { offset, length };
}

function isWhole(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The UTF-16 indices between grapheme clusters, 0 and the end included. */
function graphemeBoundaries(text: string): Set<number> {
  const boundaries = new Set<number>([text.length]);
  for (const { index } of segmenter.segment(text)) boundaries.add(index);
  return boundaries;
}

/** Pairs of ranges that share at least one unit, the earlier one first. */
function overlaps<R extends { offset: number; length: number }>(ranges: R[]): Array<[R, R]> {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  const pairs: Array<[R, R]> = [];
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const next = sorted[i]!;
    if (next.offset < prev.offset + prev.length) pairs.push([prev, next]);
  }
  return pairs;
}

function isWebUrl(value: unknown): boolean {
  if (typeof value !== "string" || /\s/u.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** The link a text attachment adds to the 5-link count (Meta counts it unless it equals a link in `text`). */
export function textAttachmentLink(part: PostPart): string | undefined {
  const url = (part.text_attachment as Partial<TextAttachment> | undefined)?.link_attachment_url;
  return typeof url === "string" && url.trim() !== "" ? url : undefined;
}

/** Why a spoiler phrase cannot be placed in the text (`--spoiler`, a CSV cell of phrases). */
export type SpoilerPhraseProblem =
  | { kind: "empty" }
  | { kind: "bad_occurrence"; occurrence: number }
  | { kind: "missing"; phrase: string }
  /** The phrase is there `count` times, fewer than the `occurrence` asked for. */
  | { kind: "occurrence"; phrase: string; count: number; occurrence: number };

/** The problem in English and Japanese. */
export function spoilerProblemText(problem: SpoilerPhraseProblem): { message: string; ja: string } {
  switch (problem.kind) {
    case "empty":
      return {
        message: "the spoiler phrase is empty; give the words of the text to hide.",
        ja: "ネタバレにする語句が空です。本文の中の隠したい語句を書いてください。",
      };
    case "bad_occurrence":
      return {
        message: `the occurrence must be a whole number from 1 (got ${problem.occurrence}).`,
        ja: `何番目かは 1 以上の整数で指定してください（${problem.occurrence} が指定されました）。`,
      };
    case "missing":
      return {
        message: `"${problem.phrase}" is not in the text; copy the words to hide exactly as they are written in the post.`,
        ja: `「${problem.phrase}」は本文にありません。隠したい語句を、本文どおりに書いてください。`,
      };
    case "occurrence":
      return {
        message: `"${problem.phrase}" appears ${problem.count} time${problem.count === 1 ? "" : "s"} in the text, not ${problem.occurrence}; pick an occurrence from 1 to ${problem.count}.`,
        ja: `「${problem.phrase}」は本文に ${problem.count} 回しか出てきません。${problem.occurrence} 回目はないので、1〜${problem.count} 回目から選んでください。`,
      };
  }
}

/** A spoiler phrase that cannot be placed: `message` in English, `ja` in Japanese, `problem` typed. */
export class SpoilerPhraseError extends Error {
  override name = "SpoilerPhraseError";
  readonly ja: string;
  constructor(readonly problem: SpoilerPhraseProblem) {
    const text = spoilerProblemText(problem);
    super(text.message);
    this.ja = text.ja;
  }
}

/**
 * The spoiler over the `occurrence`-th (1-based) appearance of `phrase` in `text`, in UTF-16 units, for the
 * CLI's `--spoiler "phrase"`. Throws a {@link SpoilerPhraseError} saying what is wrong when the phrase is not there.
 */
export function spoilerFor(text: string, phrase: string, occurrence = 1): TextEntity {
  if (phrase === "") throw new SpoilerPhraseError({ kind: "empty" });
  if (!Number.isInteger(occurrence) || occurrence < 1) {
    throw new SpoilerPhraseError({ kind: "bad_occurrence", occurrence });
  }
  let at = -1;
  let found = 0;
  for (let from = 0; found < occurrence; from = at + phrase.length) {
    at = text.indexOf(phrase, from);
    if (at < 0) break;
    found += 1;
  }
  if (at < 0) {
    throw new SpoilerPhraseError(
      found === 0 ? { kind: "missing", phrase } : { kind: "occurrence", phrase, count: found, occurrence },
    );
  }
  return { entity_type: "SPOILER", offset: at, length: phrase.length };
}
