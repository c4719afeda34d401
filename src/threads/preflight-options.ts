/**
 * Preflight of the post options: GIF attachments, ghost posts, location tags, reply approvals, geo-gating and
 * sharing to Instagram Stories. Pure. Each issue says what to change, in English (`message`) and Japanese (`ja`).
 *
 * What Meta states (developers.facebook.com/documentation/threads/create-posts/…, 2026): ghost posts are text
 * only, never a reply, and "the only feature supported with ghost posts is text spoilers"; GIFs go on TEXT
 * posts, from GIPHY (Tenor support ended on 31 March 2026). What Meta does not state is marked UNVERIFIED where
 * the rule is made, so that it is easy to find and change.
 */
import { COUNTRY_CODE_ALIASES, isCountryCode } from "./country-codes.js";
import type { PostPart } from "./post.js";

/** One issue of the part being checked: its field and the message in both languages. */
export interface OptionIssue {
  part: number;
  field: string;
  message: string;
  ja: string;
}

/**
 * A GIPHY id as one tool checks it (letters, digits, "-" and "_", at most 64 characters). GIPHY's own ids are
 * shorter alphanumeric strings; the rule is permissive on what it allows and safe for the wire (nothing that
 * needs escaping in the JSON or could be a URL). Meta's own check is UNVERIFIED.
 */
export const GIF_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/u;

/** A place id from the location search: Meta's ids are numbers (its search answers `"id": 12345`), at most 64 digits. */
export const LOCATION_ID_PATTERN = /^[0-9]{1,64}$/u;

/**
 * What a ghost post may not carry: Meta says only text spoilers (`text_entities`) combine with a ghost post, so
 * every other feature of a part is listed here, with how users name it. `reply_control` counts as a feature
 * unless it is the default "everyone" (UNVERIFIED: Meta does not say whether the reply setting is a "feature";
 * the stricter reading is taken, so that Threads never refuses what preflight let through).
 */
export const GHOST_POST_EXCLUDES: ReadonlyArray<{
  field: keyof PostPart;
  en: string;
  ja: string;
  present: (part: PostPart) => boolean;
}> = [
  {
    field: "media",
    en: "media",
    ja: "メディア",
    present: (p) => Array.isArray(p.media) && p.media.length > 0,
  },
  {
    field: "is_spoiler_media",
    en: "media spoiler",
    ja: "メディアのネタバレ設定",
    present: (p) => p.is_spoiler_media === true,
  },
  { field: "poll_attachment", en: "poll", ja: "アンケート", present: (p) => p.poll_attachment !== undefined },
  {
    field: "link_attachment",
    en: "link attachment",
    ja: "リンク添付",
    present: (p) => p.link_attachment !== undefined,
  },
  {
    field: "text_attachment",
    en: "text attachment",
    ja: "テキスト添付",
    present: (p) => p.text_attachment !== undefined,
  },
  { field: "gif_attachment", en: "GIF", ja: "GIF", present: (p) => p.gif_attachment !== undefined },
  { field: "quote_post_id", en: "quote", ja: "引用", present: (p) => p.quote_post_id !== undefined },
  { field: "topic_tag", en: "topic tag", ja: "トピックタグ", present: (p) => p.topic_tag !== undefined },
  { field: "location_id", en: "location", ja: "場所", present: (p) => p.location_id !== undefined },
  {
    field: "enable_reply_approvals",
    en: "reply approvals",
    ja: "返信の承認",
    present: (p) => p.enable_reply_approvals === true,
  },
  {
    field: "reply_control",
    en: "reply control",
    ja: "返信できる人の設定",
    present: (p) => p.reply_control !== undefined && p.reply_control !== "everyone",
  },
  {
    field: "allowlisted_country_codes",
    en: "countries",
    ja: "表示する国",
    present: (p) => p.allowlisted_country_codes !== undefined,
  },
  {
    field: "crossreshare_to_ig",
    en: "share to Instagram",
    ja: "Instagramへのシェア",
    present: (p) => p.crossreshare_to_ig === true,
  },
];

/** The option checks of one part; `index` 0 is the root of its group, > 0 a reply in the chain. */
export function validatePartOptions(part: PostPart, index: number): OptionIssue[] {
  const issues: OptionIssue[] = [];
  const add = (field: string, message: string, ja: string) =>
    issues.push({ part: index, field, message, ja });
  const hasMedia = Array.isArray(part.media) && part.media.length > 0;

  if (part.gif_attachment !== undefined) validateGif(part, hasMedia, add);
  if (part.is_ghost_post !== undefined) validateGhost(part, index, add);
  if (part.location_id !== undefined) validateLocation(part.location_id, add);
  for (const field of ["enable_reply_approvals", "crossreshare_to_ig"] as const) {
    if (part[field] !== undefined && typeof part[field] !== "boolean") {
      add(field, `${field} must be true or false.`, `${field} は true か false にしてください。`);
    }
  }
  if (part.allowlisted_country_codes !== undefined) validateCountries(part.allowlisted_country_codes, add);
  return issues;
}

type Add = (field: string, message: string, ja: string) => void;

function validateGif(part: PostPart, hasMedia: boolean, add: Add): void {
  const gif = part.gif_attachment as unknown;
  if (gif === null || typeof gif !== "object" || Array.isArray(gif)) {
    add(
      "gif_attachment",
      'the GIF must be an object like {"gif_id": "…", "provider": "GIPHY"}.',
      'GIF は {"gif_id": "…", "provider": "GIPHY"} の形で指定してください。',
    );
    return;
  }
  const { gif_id: id, provider } = gif as { gif_id?: unknown; provider?: unknown };
  if (typeof id !== "string" || id.trim() === "") {
    add(
      "gif_attachment",
      "the GIF has no gif_id; paste the id of a GIPHY GIF (the last part of its giphy.com address).",
      "GIF の gif_id がありません。GIPHY の GIF の ID（giphy.com のアドレスの最後の部分）を入れてください。",
    );
  } else if (!GIF_ID_PATTERN.test(id)) {
    const fromUrl = giphyIdInUrl(id);
    if (fromUrl) {
      add(
        "gif_attachment",
        `gif_id is a GIPHY address, not an id; use "${fromUrl}".`,
        `gif_id が GIPHY のアドレスになっています。ID の "${fromUrl}" を使ってください。`,
      );
    } else {
      add(
        "gif_attachment",
        `gif_id "${id}" is not a GIPHY id: use only letters, digits, "-" and "_" (at most 64).`,
        `gif_id "${id}" は GIPHY の ID ではありません。英数字と「-」「_」だけ（64 文字まで）で指定してください。`,
      );
    }
  }
  if (provider === "TENOR") {
    add(
      "gif_attachment",
      "Tenor support ended on 31 March 2026; use a GIPHY id.",
      "Tenor のサポートは 2026 年 3 月 31 日に終了しました。GIPHY の ID を使ってください。",
    );
  } else if (provider !== "GIPHY") {
    add(
      "gif_attachment",
      `the GIF provider must be "GIPHY" (got ${provider === undefined ? "none" : JSON.stringify(provider)}); set provider to "GIPHY".`,
      `GIF の provider は "GIPHY" にしてください（現在: ${provider === undefined ? "なし" : JSON.stringify(provider)}）。`,
    );
  }
  if (hasMedia) {
    add(
      "gif_attachment",
      "a GIF works only on text posts; remove the media or the GIF.",
      "GIF はテキスト投稿にだけ付けられます。メディアか GIF を外してください。",
    );
  }
  // UNVERIFIED: Meta does not say whether a GIF combines with a poll or a link preview. A post shows one
  // attachment in the app, so both are refused (the text attachment page lists its own incompatibilities
  // without GIFs, so a GIF with a text attachment is allowed).
  if (part.poll_attachment !== undefined) {
    add(
      "gif_attachment",
      "a post takes a GIF or a poll, not both; remove one of them.",
      "GIF とアンケートは一緒に使えません。どちらかを外してください。",
    );
  }
  if (part.link_attachment !== undefined) {
    add(
      "gif_attachment",
      "a post takes a GIF or a link attachment, not both; remove one of them.",
      "GIF とリンク添付は一緒に使えません。どちらかを外してください。",
    );
  }
}

/** The id in a giphy.com or media.giphy.com address, when `value` is one. */
function giphyIdInUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (!/(^|\.)giphy\.com$/u.test(url.hostname)) return undefined;
  const segments = url.pathname.split("/").filter((s) => s !== "");
  // media.giphy.com/media/{id}/giphy.gif, or giphy.com/gifs/{slug-words-}{id}
  const media = segments.indexOf("media");
  const candidate =
    media >= 0 && segments[media + 1] ? segments[media + 1]! : (segments.at(-1) ?? "").split("-").at(-1)!;
  return GIF_ID_PATTERN.test(candidate) ? candidate : undefined;
}

function validateGhost(part: PostPart, index: number, add: Add): void {
  if (typeof part.is_ghost_post !== "boolean") {
    add(
      "is_ghost_post",
      "is_ghost_post must be true or false.",
      "is_ghost_post は true か false にしてください。",
    );
    return;
  }
  if (!part.is_ghost_post) return;
  if (index > 0) {
    add(
      "is_ghost_post",
      "a reply cannot be a ghost post (Threads does not allow it); make this part a normal reply, or post it as the first part of its own group.",
      "返信をゴースト投稿にすることはできません。通常の返信にするか、別のグループの最初の投稿にしてください。",
    );
  }
  const extras = GHOST_POST_EXCLUDES.filter((x) => x.present(part));
  if (extras.length > 0) {
    add(
      "is_ghost_post",
      `a ghost post takes only text and text spoilers; remove: ${extras.map((x) => x.en).join(", ")}.`,
      `ゴースト投稿に使えるのはテキストとテキストのネタバレだけです。外してください: ${extras.map((x) => x.ja).join("、")}。`,
    );
  }
}

function validateLocation(id: unknown, add: Add): void {
  if (typeof id !== "string" || !LOCATION_ID_PATTERN.test(id)) {
    add(
      "location_id",
      `${typeof id === "string" ? `"${id}" is not a place id` : "the place id must be a string"}; use the id the location search gives (digits, like "110000000000001"), or remove the location.`,
      `${typeof id === "string" ? `"${id}" は場所の ID ではありません` : "場所の ID は文字列で指定してください"}。場所の検索で得た ID（例: "110000000000001"）を使うか、場所を外してください。`,
    );
  }
}

function validateCountries(codes: unknown, add: Add): void {
  const field = "allowlisted_country_codes";
  if (!Array.isArray(codes)) {
    add(
      field,
      'the countries must be a list of codes like ["JP", "US"].',
      '表示する国は ["JP", "US"] のようなコードのリストで指定してください。',
    );
    return;
  }
  if (codes.length === 0) {
    add(
      field,
      "the list of countries is empty; add at least one code like JP, or remove the setting to show the post everywhere.",
      "表示する国のリストが空です。JP のようなコードを1 つ以上入れるか、設定を外してすべての国に表示してください。",
    );
    return;
  }
  const seen = new Set<string>();
  for (const code of codes) {
    if (typeof code !== "string") {
      add(
        field,
        `${JSON.stringify(code)} is not a country code; use two capital letters such as JP.`,
        `${JSON.stringify(code)} は国コードではありません。JP のような大文字2 文字で指定してください。`,
      );
      continue;
    }
    if (seen.has(code)) {
      add(
        field,
        `${code} is listed twice; list each country once.`,
        `${code} が2 回入っています。国は1 回ずつ指定してください。`,
      );
      continue;
    }
    seen.add(code);
    if (isCountryCode(code)) continue;
    const upper = code.trim().toUpperCase();
    const alias = COUNTRY_CODE_ALIASES[upper];
    if (alias) {
      add(
        field,
        `use ${alias}, not ${code} (the ISO 3166-1 code of that country).`,
        `${code} ではなく ${alias} を使ってください（ISO 3166-1 の国コード）。`,
      );
    } else if (isCountryCode(upper)) {
      add(
        field,
        `use ${upper}, not ${code}: country codes are written in capitals.`,
        `${code} ではなく ${upper} と大文字で書いてください。`,
      );
    } else {
      add(
        field,
        `"${code}" is not a country's code (ISO 3166-1 alpha-2, such as JP, US or TW); check the spelling or remove it.`,
        `"${code}" という国コードはありません（ISO 3166-1 alpha-2。例: JP、US、TW）。綴りを確かめるか、外してください。`,
      );
    }
  }
}

/** Whether a part asks for geo-gating (the account must be eligible: checked by the publisher before sending). */
export function usesGeoGating(part: PostPart): boolean {
  return Array.isArray(part.allowlisted_country_codes) && part.allowlisted_country_codes.length > 0;
}
