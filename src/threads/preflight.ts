/**
 * Checks a post group against the limits Threads enforces, before anything is sent: a part refused half-way
 * through a chain leaves a broken chain on the profile. Pure; messages are shown to users as they are.
 */
import { type MediaItem, POLL_OPTION_KEYS, type PostPart, pollOptions, REPLY_CONTROLS } from "./post.js";
import { validatePartOptions } from "./preflight-options.js";
import { textAttachmentLink, validateTextOptions } from "./preflight-text.js";
import { codePointLength, countLinks, threadsTextLength } from "./text-metrics.js";

export { countLinks, threadsTextLength } from "./text-metrics.js";

export interface PreflightIssue {
  /** 0-based index of the part in its group. */
  part: number;
  field: string;
  /** English; says what is wrong and what to do. */
  message: string;
  /** The same in Japanese, for a surface that speaks Japanese (the CLI under a `ja` locale). */
  ja?: string;
}

export const MAX_TEXT_LENGTH = 500;
export const MAX_LINKS = 5;
export const MAX_CAROUSEL_ITEMS = 20;
export const MAX_ALT_TEXT_LENGTH = 1000;
export const MAX_TOPIC_TAG_LENGTH = 50;
export const MAX_POLL_OPTION_LENGTH = 25;

export function validatePart(part: PostPart, index: number): PreflightIssue[] {
  const issues: PreflightIssue[] = [];
  const add = (field: string, message: string, ja?: string) =>
    issues.push({ part: index, field, message, ...(ja === undefined ? {} : { ja }) });
  const media = Array.isArray(part.media) ? part.media : [];
  const text = typeof part.text === "string" ? part.text : "";
  const isText = media.length === 0;

  if (part.text !== undefined && typeof part.text !== "string")
    add("text", "text must be a string.", "本文は文字列にしてください。");
  const length = threadsTextLength(text);
  if (length > MAX_TEXT_LENGTH) {
    add(
      "text",
      `${length} characters; Threads allows at most ${MAX_TEXT_LENGTH} (emoji count as several). Shorten it or move the rest to another part.`,
      `${length} 文字あります。Threads で使えるのは ${MAX_TEXT_LENGTH} 文字までです（絵文字は数文字分に数えられます）。短くするか、残りを次のパートに移してください。`,
    );
  }
  if (
    isText &&
    text.trim() === "" &&
    !part.link_attachment &&
    part.text_attachment === undefined &&
    !part.gif_attachment
  ) {
    add(
      "text",
      "the part is empty; write some text or add media.",
      "パートが空です。本文を書くか、メディアを追加してください。",
    );
  }

  if (part.media !== undefined && !Array.isArray(part.media))
    add("media", "media must be a list.", "media はリストにしてください。");
  if (media.length > MAX_CAROUSEL_ITEMS) {
    add(
      "media",
      `${media.length} media items; a carousel holds 2 to ${MAX_CAROUSEL_ITEMS}. Remove ${media.length - MAX_CAROUSEL_ITEMS} or split them over several parts.`,
      `メディアが ${media.length} 件あります。カルーセルに入るのは 2〜${MAX_CAROUSEL_ITEMS} 件です。${media.length - MAX_CAROUSEL_ITEMS} 件減らすか、複数のパートに分けてください。`,
    );
  }
  media.forEach((item, i) => {
    validateMediaItem(item, `media[${i}]`, add);
  });

  // Meta counts the unique URLs of `text`, plus the text attachment's link when it differs from all of them
  // (plus the link attachment, as before).
  const attachmentLink = textAttachmentLink(part);
  const extraLinks = [part.link_attachment, attachmentLink].filter((l): l is string => typeof l === "string");
  const links = countLinks(text, extraLinks);
  if (links > MAX_LINKS) {
    const whereJa = attachmentLink
      ? "本文・リンク添付・テキスト添付のリンクの合計"
      : "本文とリンク添付の合計";
    const where = attachmentLink
      ? "text, link attachment and text attachment link together"
      : "text and link attachment together";
    issues.push({
      part: index,
      field: "text",
      message: `${links} different links; Threads allows at most ${MAX_LINKS} per post (${where}). Remove ${links - MAX_LINKS}.`,
      ja: `リンクが ${links} 個あります。1 投稿につき最大 ${MAX_LINKS} 個です（${whereJa}）。${links - MAX_LINKS} 個削除してください。`,
    });
  }

  if (part.topic_tag !== undefined) validateTopicTag(part.topic_tag, add);

  if (part.link_attachment !== undefined) {
    if (!isText) {
      add(
        "link_attachment",
        "a link attachment works only on text posts; remove the media or the link attachment.",
        "リンク添付はテキストだけの投稿でのみ使えます。メディアかリンク添付のどちらかを外してください。",
      );
    }
    if (!isHttpUrl(part.link_attachment)) {
      add(
        "link_attachment",
        "the link attachment is not a valid http(s) URL; use a full address like https://example.com/page.",
        "リンク添付が正しい http(s) の URL ではありません。https://example.com/page のような完全なアドレスを指定してください。",
      );
    }
  }

  if (part.poll_attachment !== undefined) validatePoll(part, isText, add);

  if (
    part.reply_control !== undefined &&
    !(REPLY_CONTROLS as readonly string[]).includes(part.reply_control)
  ) {
    add(
      "reply_control",
      `"${String(part.reply_control)}" is not a reply setting; use one of ${REPLY_CONTROLS.join(", ")}.`,
      `「${String(part.reply_control)}」は返信の設定ではありません。${REPLY_CONTROLS.join(", ")} のいずれかを指定してください。`,
    );
  }

  if (
    part.quote_post_id !== undefined &&
    (typeof part.quote_post_id !== "string" || part.quote_post_id.trim() === "")
  ) {
    add(
      "quote_post_id",
      "the quoted post id is empty; paste the id of the post to quote or remove the quote.",
      "引用する投稿の ID が空です。引用する投稿の ID を貼り付けるか、引用を外してください。",
    );
  }
  for (const issue of validateTextOptions(part)) issues.push({ part: index, ...issue });
  issues.push(...validatePartOptions(part, index));
  return issues;
}

function validateMediaItem(
  item: MediaItem,
  field: string,
  add: (field: string, message: string, ja?: string) => void,
): void {
  if (item === null || typeof item !== "object") {
    add(
      field,
      "the media item is not an object with kind and url.",
      "メディアの項目が kind と url を持つオブジェクトになっていません。",
    );
    return;
  }
  if (item.kind !== "IMAGE" && item.kind !== "VIDEO") {
    add(
      `${field}.kind`,
      `"${String(item.kind)}" is not a media kind; use IMAGE or VIDEO.`,
      `「${String(item.kind)}」はメディアの種類ではありません。IMAGE か VIDEO を指定してください。`,
    );
  }
  if (!isHttpUrl(item.url)) {
    add(
      `${field}.url`,
      "the media URL is not a valid http(s) URL; Threads downloads media from a public address like https://example.com/photo.jpg.",
      "メディアの URL が正しい http(s) の URL ではありません。Threads は https://example.com/photo.jpg のような公開アドレスからメディアを取得します。",
    );
  }
  if (item.alt_text !== undefined) {
    const altLength = typeof item.alt_text === "string" ? codePointLength(item.alt_text) : Number.NaN;
    if (!(altLength <= MAX_ALT_TEXT_LENGTH)) {
      add(
        `${field}.alt_text`,
        `alt text of ${Number.isNaN(altLength) ? "an invalid type" : `${altLength} characters`}; Threads allows at most ${MAX_ALT_TEXT_LENGTH}. Shorten it.`,
        `代替テキストが${Number.isNaN(altLength) ? "文字列ではありません" : ` ${altLength} 文字あります`}。Threads で使えるのは ${MAX_ALT_TEXT_LENGTH} 文字までです。短くしてください。`,
      );
    }
  }
}

function validateTopicTag(tag: string, add: (field: string, message: string, ja?: string) => void): void {
  const length = typeof tag === "string" ? codePointLength(tag) : 0;
  if (length < 1 || length > MAX_TOPIC_TAG_LENGTH) {
    add(
      "topic_tag",
      `the topic tag must be 1 to ${MAX_TOPIC_TAG_LENGTH} characters (it has ${length}).`,
      `トピックタグは 1〜${MAX_TOPIC_TAG_LENGTH} 文字にしてください（現在 ${length} 文字です）。`,
    );
  }
  if (typeof tag === "string" && /[.&]/u.test(tag)) {
    add(
      "topic_tag",
      'the topic tag may not contain "." or "&"; remove them.',
      "トピックタグには「.」と「&」を使えません。取り除いてください。",
    );
  }
}

function validatePoll(
  part: PostPart,
  isText: boolean,
  add: (field: string, message: string, ja?: string) => void,
): void {
  const poll = part.poll_attachment;
  const options: unknown[] =
    poll !== null && typeof poll === "object" && !Array.isArray(poll) ? pollOptions(poll) : [];
  if (options.length < 2 || options.length > 4) {
    add(
      "poll_attachment",
      `a poll needs 2 to 4 options (it has ${options.length}).`,
      `アンケートには 2〜4 個の選択肢が必要です（現在 ${options.length} 個です）。`,
    );
  }
  options.forEach((option, i) => {
    const length = typeof option === "string" ? codePointLength(option.trim()) : 0;
    if (length < 1 || length > MAX_POLL_OPTION_LENGTH) {
      add(
        `poll_attachment.${POLL_OPTION_KEYS[i]}`,
        `poll option ${i + 1} must be 1 to ${MAX_POLL_OPTION_LENGTH} characters (it has ${length}).`,
        `アンケートの選択肢 ${i + 1} は 1〜${MAX_POLL_OPTION_LENGTH} 文字にしてください（現在 ${length} 文字です）。`,
      );
    }
  });
  if (!isText) {
    add(
      "poll_attachment",
      "a poll works only on text posts; remove the media or the poll.",
      "アンケートはテキストだけの投稿でのみ使えます。メディアかアンケートのどちらかを外してください。",
    );
  }
  if (part.link_attachment !== undefined) {
    add(
      "poll_attachment",
      "a poll cannot go with a link attachment; remove one of them.",
      "アンケートとリンク添付は一緒に使えません。どちらかを外してください。",
    );
  }
}

export function validateGroup(parts: PostPart[]): PreflightIssue[] {
  if (!Array.isArray(parts) || parts.length === 0) {
    return [
      {
        part: 0,
        field: "parts",
        message: "the group has no parts; add at least one.",
        ja: "グループにパートがありません。少なくとも 1 つ追加してください。",
      },
    ];
  }
  return parts.flatMap((part, index) =>
    part === null || typeof part !== "object"
      ? [
          {
            part: index,
            field: "part",
            message: "the part is not an object; remove it or fill it in.",
            ja: "パートがオブジェクトになっていません。削除するか、中身を書いてください。",
          },
        ]
      : validatePart(part, index),
  );
}

export class ValidationError extends Error {
  override name = "ValidationError";
  readonly issues: PreflightIssue[];
  constructor(issues: PreflightIssue[]) {
    super(formatIssues(issues));
    this.issues = issues;
  }
}

/** "part 1: text: 501 characters; …" — 1-based, as users count parts, the field as users name it. */
export function formatIssue(issue: PreflightIssue): string {
  return `part ${issue.part + 1}: ${fieldLabel(issue.field)}: ${issue.message}`;
}

/** Every issue, a line each. */
export function formatIssues(issues: readonly PreflightIssue[]): string {
  return issues.map(formatIssue).join("\n");
}

/** The languages an issue is written in: `message` (English) and `ja`. */
export type IssueLanguage = "en" | "ja";

/**
 * `formatIssue` in `language`: in Japanese "パート 1: 本文: …" (the English message where an issue has no
 * `ja`).
 */
export function formatIssueIn(issue: PreflightIssue, language: IssueLanguage): string {
  if (language === "en") return formatIssue(issue);
  return `パート ${issue.part + 1}: ${fieldLabelJa(issue.field)}: ${issue.ja ?? issue.message}`;
}

/** A field as Japanese users name it (`poll_attachment` → アンケート, `media[1]` → メディア 2). */
export function fieldLabelJa(field: string): string {
  const media = /^media\[(\d+)\](?:\.(\w+))?$/.exec(field);
  if (media) {
    const sub = media[2] === undefined ? "" : ` ${JA_LABELS[media[2]] ?? media[2]}`;
    return `メディア ${Number(media[1]) + 1}${sub}`;
  }
  const spoiler = /^text_entities\[(\d+)\]$/.exec(field);
  if (spoiler) return `ネタバレ ${Number(spoiler[1]) + 1}`;
  const key = field.replace(/[.[].*$/, "");
  return JA_LABELS[field] ?? JA_LABELS[key] ?? field;
}

const JA_LABELS: Record<string, string> = {
  text: "本文",
  media: "メディア",
  kind: "種類",
  url: "URL",
  alt_text: "代替テキスト",
  topic_tag: "トピックタグ",
  link_attachment: "リンク",
  poll_attachment: "アンケート",
  reply_control: "返信できる人",
  quote_post_id: "引用",
  parts: "パート",
  part: "パート",
  text_attachment: "テキスト添付",
  text_entities: "ネタバレ",
  is_spoiler_media: "メディアのネタバレ",
  gif_attachment: "GIF",
  is_ghost_post: "ゴースト投稿",
  location_id: "位置情報",
  enable_reply_approvals: "返信の承認",
  allowlisted_country_codes: "公開する国",
  crossreshare_to_ig: "Instagram ストーリーズへのシェア",
};

/** A field as users name it (`poll_attachment` → `poll`, `media[1]` → `media 2`), not as the code does. */
export function fieldLabel(field: string): string {
  const media = /^media\[(\d+)\](.*)$/.exec(field);
  const spoiler = /^text_entities\[(\d+)\]$/.exec(field);
  if (spoiler) return `spoiler ${Number(spoiler[1]) + 1}`;
  if (media) return `media ${Number(media[1]) + 1}${media[2] ? ` ${media[2].replace(/^\./, "")}` : ""}`;
  const labels: Record<string, string> = {
    poll_attachment: "poll",
    topic_tag: "topic tag",
    quote_post_id: "quote",
    link_attachment: "link",
    reply_control: "reply control",
    alt_text: "alt text",
    text_attachment: "text attachment",
    text_entities: "spoilers",
    is_spoiler_media: "media spoiler",
    gif_attachment: "GIF",
    is_ghost_post: "ghost post",
    location_id: "location",
    enable_reply_approvals: "reply approvals",
    allowlisted_country_codes: "countries",
    crossreshare_to_ig: "share to Instagram",
  };
  return labels[field] ?? field;
}

export function assertValidGroup(parts: PostPart[]): void {
  const issues = validateGroup(parts);
  if (issues.length > 0) throw new ValidationError(issues);
}

export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string" || /\s/u.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0;
  } catch {
    return false;
  }
}
