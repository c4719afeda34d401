/**
 * One part of a post as a user wrote it (a JSON file, a CSV row, the HTTP API, the CLI's flags) → a
 * `PostPart` under Meta's parameter names. Pure. This checks the FORM of each value and shapes it (JSON-encoded
 * strings decoded, "true"/"はい" read as booleans, country codes uppercased, numeric ids as strings); whether
 * the part can be published (lengths, combinations: Meta's rules) is the preflight's check
 * (src/threads/preflight.ts), run after this.
 *
 * Accepted besides the PostPart itself:
 * - Meta's own container parameters: `media_type` (TEXT, IMAGE, VIDEO, CAROUSEL) with `image_url` or
 *   `video_url` and `alt_text` for one medium, or `children: [{ media_type, image_url | video_url, alt_text }]`
 *   for a carousel; normalised to `media`.
 * - Structured values as Meta's form sends them, JSON-encoded strings (`"text_entities": "[{…}]"`).
 * - Short forms a spreadsheet cell can hold: `text_attachment` as its plaintext, `gif_attachment` as a GIPHY id,
 *   `poll_attachment` as "A|B|C", `text_entities` as spoiler phrases "phrase|other phrase" (ranges of `text`),
 *   `allowlisted_country_codes` as "JP,US" or "JP|US".
 * - Old names (topicTag, pollOptions, …) are refused with the new name, so an old file is fixed, not half read.
 */
import {
  type GifAttachment,
  type MediaItem,
  POLL_OPTION_KEYS,
  type PollAttachment,
  type PostPart,
  pollFromOptions,
  REPLY_CONTROLS,
  type ReplyControl,
  type TextAttachment,
  type TextEntity,
} from "../threads/post.js";
import { SpoilerPhraseError, spoilerFor } from "../threads/preflight-text.js";

export { SpoilerPhraseError };

/** Spoilers for phrases in order (`--spoiler`, a CSV cell); a phrase given again hides its next occurrence. */
export function spoilersFor(text: string, phrases: readonly string[]): TextEntity[] {
  const seen = new Map<string, number>();
  return phrases.map((phrase) => {
    const n = (seen.get(phrase) ?? 0) + 1;
    seen.set(phrase, n);
    return spoilerFor(text, phrase, n);
  });
}

/** A problem with one value: `field` is the part's key (`text_entities[2].offset`), `message` says what to do. */
export interface PartProblem {
  field: string;
  message: string;
  /** The same in Japanese, where there is one. */
  ja?: string;
}

/** How a surface names the values in its messages (the CLI: `--reply-control`); the key otherwise. */
export interface PartNames {
  reply_control: string;
}

export const PART_KEYS = [
  "text",
  "media",
  "topic_tag",
  "link_attachment",
  "poll_attachment",
  "reply_control",
  "quote_post_id",
  "text_attachment",
  "text_entities",
  "is_spoiler_media",
  "gif_attachment",
  "is_ghost_post",
  "location_id",
  "enable_reply_approvals",
  "allowlisted_country_codes",
  "crossreshare_to_ig",
] as const satisfies ReadonlyArray<keyof PostPart>;

/** Meta's container parameters, read and turned into `media`. */
const CONTAINER_KEYS = ["media_type", "image_url", "video_url", "alt_text", "children"] as const;

/** The names of earlier versions (and of Meta's camelCase SDKs) → Meta's parameter name. */
const OLD_NAMES: Record<string, string> = {
  topicTag: "topic_tag",
  linkAttachment: "link_attachment",
  replyControl: "reply_control",
  quotePostId: "quote_post_id",
  pollOptions: "poll_attachment",
  poll: "poll_attachment",
  altText: "alt_text",
  link: "link_attachment",
  textAttachment: "text_attachment",
  textEntities: "text_entities",
  isSpoilerMedia: "is_spoiler_media",
  gifAttachment: "gif_attachment",
  isGhostPost: "is_ghost_post",
  locationId: "location_id",
  enableReplyApprovals: "enable_reply_approvals",
  allowlistedCountryCodes: "allowlisted_country_codes",
  crossreshareToIg: "crossreshare_to_ig",
};

const BOOLEAN_KEYS = [
  "is_spoiler_media",
  "is_ghost_post",
  "enable_reply_approvals",
  "crossreshare_to_ig",
] as const;

/** The words a file may use for true and false (a spreadsheet cell, a form value). */
const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  false: false,
  "1": true,
  "0": false,
  yes: true,
  no: false,
  はい: true,
  いいえ: false,
};
export const BOOLEAN_WORDS_HELP = "true or false (or 1/0, yes/no, はい/いいえ)";

/** A boolean from true/false or one of BOOLEAN_WORDS (any case); undefined for anything else. */
export function booleanValue(input: unknown): boolean | undefined {
  if (typeof input === "boolean") return input;
  if (typeof input === "number" && (input === 0 || input === 1)) return input === 1;
  if (typeof input !== "string") return undefined;
  return BOOLEAN_WORDS[input.trim().toLowerCase()];
}

/** Country codes from a list or from text separated by commas, "|" or spaces; trimmed and uppercased. */
export function countryCodes(input: unknown): string[] | undefined {
  const items = Array.isArray(input) ? input : typeof input === "string" ? input.split(/[,|\s]+/) : undefined;
  if (items === undefined || items.some((c) => typeof c !== "string")) return undefined;
  return (items as string[]).map((c) => c.trim().toUpperCase()).filter((c) => c !== "");
}

const show = (input: unknown): string =>
  typeof input === "string" ? `"${input}"` : input === undefined ? "nothing" : JSON.stringify(input);

const isObject = (input: unknown): input is Record<string, unknown> =>
  input !== null && typeof input === "object" && !Array.isArray(input);

/**
 * Parses one part. `part` is undefined when there are problems (every problem found is listed, so a file
 * is fixed in one pass).
 */
export function parsePartInput(
  input: unknown,
  names: PartNames = { reply_control: "reply_control" },
): { part?: PostPart; problems: PartProblem[] } {
  const problems: PartProblem[] = [];
  const problem = (field: string, message: string, ja?: string) =>
    problems.push({ field, message, ...(ja === undefined ? {} : { ja }) });
  if (!isObject(input)) {
    problem(
      "part",
      `a part must be an object such as {"text": "…"}, not ${show(input)}.`,
      `パートは {"text": "…"} のようなオブジェクトにしてください。${show(input)} は使えません。`,
    );
    return { problems };
  }
  for (const key of Object.keys(input)) {
    if ((PART_KEYS as readonly string[]).includes(key) || (CONTAINER_KEYS as readonly string[]).includes(key))
      continue;
    const now = OLD_NAMES[key];
    if (now !== undefined) {
      problem(
        key,
        `${key} is now ${now} (Meta's parameter name); rename it.`,
        `${key} は ${now}（Meta のパラメーター名）になりました。名前を変えてください。`,
      );
    } else if (key === "reply_to_id") {
      problem(
        key,
        "reply_to_id is not needed: each part after the first replies to the part before it; remove it.",
        "reply_to_id は不要です。2 つ目以降のパートは、ひとつ前のパートへの返信になります。取り除いてください。",
      );
    } else {
      problem(
        key,
        `unknown field "${key}"; a part may have ${PART_KEYS.join(", ")} (or Meta's media_type, image_url, video_url, alt_text, children).`,
        `「${key}」という項目はありません。パートに書けるのは ${PART_KEYS.join(", ")}（または Meta の media_type, image_url, video_url, alt_text, children）です。`,
      );
    }
  }

  const part: PostPart = {};
  const str = (key: "text" | "topic_tag" | "link_attachment"): void => {
    const v = input[key];
    if (v === undefined) return;
    if (typeof v === "string") part[key] = v;
    else
      problem(
        key,
        `${key} must be text, not ${show(v)}.`,
        `${key} は文字列にしてください。${show(v)} は使えません。`,
      );
  };
  str("text");

  const media = parseMedia(input, problem);
  if (media !== undefined && media.length > 0) part.media = media;

  str("topic_tag");
  str("link_attachment");

  if (input.poll_attachment !== undefined) {
    const poll = parsePoll(input.poll_attachment, problem);
    if (poll) part.poll_attachment = poll;
  }

  const reply = input.reply_control;
  if (reply !== undefined) {
    if (typeof reply === "string" && (REPLY_CONTROLS as readonly string[]).includes(reply.trim())) {
      part.reply_control = reply.trim() as ReplyControl;
    } else {
      problem(
        "reply_control",
        `${names.reply_control} must be one of ${REPLY_CONTROLS.join(", ")}, not ${show(reply)}`,
        `${names.reply_control} は ${REPLY_CONTROLS.join(", ")} のいずれかにしてください。${show(reply)} は使えません。`,
      );
    }
  }

  const quote = idText(input.quote_post_id);
  if (input.quote_post_id !== undefined) {
    if (quote === undefined)
      problem(
        "quote_post_id",
        `quote_post_id must be a post id (digits), not ${show(input.quote_post_id)}.`,
        `quote_post_id は投稿の ID（数字）にしてください。${show(input.quote_post_id)} は使えません。`,
      );
    else part.quote_post_id = quote;
  }

  if (input.text_attachment !== undefined) {
    const attachment = parseTextAttachment(input.text_attachment, problem);
    if (attachment) part.text_attachment = attachment;
  }

  if (input.text_entities !== undefined) {
    const entities = parseTextEntities(input.text_entities, part.text ?? "", problem);
    if (entities && entities.length > 0) part.text_entities = entities;
  }

  if (input.gif_attachment !== undefined) {
    const gif = parseGif(input.gif_attachment, problem);
    if (gif) part.gif_attachment = gif;
  }

  if (input.location_id !== undefined) {
    const location = idText(input.location_id);
    if (location === undefined) {
      problem(
        "location_id",
        `location_id must be the id of a place from the location search (text or a number), not ${show(input.location_id)}.`,
        `location_id は場所検索で見つけた場所の ID（文字列か数値）にしてください。${show(input.location_id)} は使えません。`,
      );
    } else part.location_id = location;
  }

  if (input.allowlisted_country_codes !== undefined) {
    const codes = countryCodes(input.allowlisted_country_codes);
    if (codes === undefined) {
      problem(
        "allowlisted_country_codes",
        `allowlisted_country_codes must be a list of country codes such as ["JP", "US"] or the text "JP,US", not ${show(input.allowlisted_country_codes)}.`,
        `allowlisted_country_codes は ["JP", "US"] のような国コードのリストか、"JP,US" のような文字列にしてください。${show(input.allowlisted_country_codes)} は使えません。`,
      );
    } else if (codes.length > 0) part.allowlisted_country_codes = codes;
  }

  for (const key of BOOLEAN_KEYS) {
    const v = input[key];
    if (v === undefined) continue;
    const b = booleanValue(v);
    if (b === undefined) {
      problem(
        key,
        `${key} must be ${BOOLEAN_WORDS_HELP}, not ${show(v)}.`,
        `${key} は true か false（または 1/0、yes/no、はい/いいえ）にしてください。${show(v)} は使えません。`,
      );
    }
    // false is what an absent flag means: not stored, so a part reads the same however it was written.
    else if (b) part[key] = true;
  }

  // The order of PostPart's declaration, whatever the input's order: stored and exported parts read alike.
  const ordered = Object.fromEntries(
    PART_KEYS.filter((k) => part[k] !== undefined).map((k) => [k, part[k]]),
  ) as PostPart;
  return problems.length > 0 ? { problems } : { part: ordered, problems };
}

/** An id as text: digits given as a string or a whole number (Meta's search shows ids as numbers). */
function idText(input: unknown): string | undefined {
  if (typeof input === "number" && Number.isSafeInteger(input) && input >= 0) return String(input);
  if (typeof input === "string" && input.trim() !== "") return input.trim();
  return undefined;
}

/** A value that may come JSON-encoded (as Meta's form sends it): the decoded value, or the text itself. */
function decoded(
  input: unknown,
  field: string,
  problem: (field: string, message: string, ja?: string) => void,
): { value: unknown } | undefined {
  if (typeof input !== "string" || !/^\s*[[{]/.test(input)) return { value: input };
  try {
    return { value: JSON.parse(input) };
  } catch (error) {
    problem(
      field,
      `${field} starts like JSON but is not valid JSON (${(error as Error).message}); fix it.`,
      `${field} は JSON のように始まっていますが、JSON として読めません（${(error as Error).message}）。直してください。`,
    );
    return undefined;
  }
}

function parseMedia(
  input: Record<string, unknown>,
  problem: (field: string, message: string, ja?: string) => void,
): MediaItem[] | undefined {
  const container = CONTAINER_KEYS.filter((k) => input[k] !== undefined);
  if (input.media !== undefined) {
    if (container.length > 0) {
      problem(
        container[0]!,
        `give the media either as "media" or as Meta's ${container.join(", ")}, not both.`,
        `メディアは "media" か Meta の ${container.join(", ")} のどちらか一方で指定してください。両方は使えません。`,
      );
      return undefined;
    }
    if (!Array.isArray(input.media)) {
      problem(
        "media",
        `media must be a list such as [{"kind": "IMAGE", "url": "https://…"}], not ${show(input.media)}.`,
        `media は [{"kind": "IMAGE", "url": "https://…"}] のようなリストにしてください。${show(input.media)} は使えません。`,
      );
      return undefined;
    }
    return input.media
      .map((item, i) => mediaItem(item, `media[${i}]`, problem))
      .filter((m) => m !== undefined);
  }
  if (container.length === 0) return undefined;
  return containerMedia(input, "", problem);
}

function mediaItem(
  item: unknown,
  field: string,
  problem: (field: string, message: string, ja?: string) => void,
): MediaItem | undefined {
  if (!isObject(item)) {
    problem(
      field,
      `a media item must be an object such as {"kind": "IMAGE", "url": "https://…"}, not ${show(item)}.`,
      `メディアの項目は {"kind": "IMAGE", "url": "https://…"} のようなオブジェクトにしてください。${show(item)} は使えません。`,
    );
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(item)) {
    if (key === "kind" || key === "url" || key === "alt_text") continue;
    ok = false;
    problem(
      `${field}.${key}`,
      OLD_NAMES[key] !== undefined
        ? `${key} is now ${OLD_NAMES[key]} (Meta's parameter name); rename it.`
        : `unknown field "${key}" in a media item; it may have kind, url, alt_text.`,
      OLD_NAMES[key] !== undefined
        ? `${key} は ${OLD_NAMES[key]}（Meta のパラメーター名）になりました。名前を変えてください。`
        : `メディアの項目に「${key}」という項目はありません。書けるのは kind、url、alt_text です。`,
    );
  }
  const kind = typeof item.kind === "string" ? item.kind.trim().toUpperCase() : undefined;
  if (kind !== "IMAGE" && kind !== "VIDEO") {
    problem(
      `${field}.kind`,
      `kind must be IMAGE or VIDEO, not ${show(item.kind)}.`,
      `kind は IMAGE か VIDEO にしてください。${show(item.kind)} は使えません。`,
    );
    ok = false;
  }
  if (typeof item.url !== "string") {
    problem(
      `${field}.url`,
      `url must be the address of the ${kind === "VIDEO" ? "video" : "image"}, not ${show(item.url)}.`,
      `url には${kind === "VIDEO" ? "動画" : "画像"}のアドレスを指定してください。${show(item.url)} は使えません。`,
    );
    ok = false;
  }
  if (item.alt_text !== undefined && typeof item.alt_text !== "string") {
    problem(
      `${field}.alt_text`,
      `alt_text must be text, not ${show(item.alt_text)}.`,
      `alt_text は文字列にしてください。${show(item.alt_text)} は使えません。`,
    );
    ok = false;
  }
  if (!ok) return undefined;
  return {
    kind: kind as MediaItem["kind"],
    url: item.url as string,
    ...(item.alt_text === undefined ? {} : { alt_text: item.alt_text as string }),
  };
}

/** Meta's container parameters (`prefix` "children[1]." for a carousel item) → media. */
function containerMedia(
  input: Record<string, unknown>,
  prefix: string,
  problem: (field: string, message: string, ja?: string) => void,
): MediaItem[] | undefined {
  const inChild = prefix !== "";
  const type =
    typeof input.media_type === "string"
      ? input.media_type.trim().toUpperCase()
      : input.media_type === undefined
        ? input.children !== undefined
          ? "CAROUSEL"
          : input.video_url !== undefined
            ? "VIDEO"
            : input.image_url !== undefined
              ? "IMAGE"
              : "TEXT"
        : undefined;
  const allowed = inChild ? ["IMAGE", "VIDEO"] : ["TEXT", "IMAGE", "VIDEO", "CAROUSEL"];
  if (type === undefined || !allowed.includes(type)) {
    problem(
      `${prefix}media_type`,
      `media_type must be ${allowed.join(", ").replace(/, (\w+)$/, " or $1")}, not ${show(input.media_type)}.`,
      `media_type は ${allowed.join("、")} のいずれかにしてください。${show(input.media_type)} は使えません。`,
    );
    return undefined;
  }
  if (inChild) {
    for (const key of Object.keys(input)) {
      if (!["media_type", "image_url", "video_url", "alt_text", "is_carousel_item"].includes(key)) {
        problem(
          `${prefix}${key}`,
          `unknown field "${key}" in a carousel item; it may have media_type, image_url or video_url, alt_text.`,
          `カルーセルの項目に「${key}」という項目はありません。書けるのは media_type、image_url か video_url、alt_text です。`,
        );
        return undefined;
      }
    }
  }
  const alt = input.alt_text;
  if (alt !== undefined && typeof alt !== "string") {
    problem(
      `${prefix}alt_text`,
      `alt_text must be text, not ${show(alt)}.`,
      `alt_text は文字列にしてください。${show(alt)} は使えません。`,
    );
    return undefined;
  }
  const withAlt = (item: MediaItem): MediaItem => (alt === undefined ? item : { ...item, alt_text: alt });
  const wrong = (key: string, why: string, ja: string) => {
    problem(`${prefix}${key}`, why, ja);
    return undefined;
  };
  switch (type) {
    case "TEXT":
      for (const key of ["image_url", "video_url", "alt_text", "children"]) {
        if (input[key] !== undefined)
          return wrong(
            key,
            `${key} does not go with media_type TEXT; remove one of them.`,
            `${key} は media_type TEXT と一緒に使えません。どちらかを取り除いてください。`,
          );
      }
      return [];
    case "IMAGE":
    case "VIDEO": {
      const key = type === "IMAGE" ? "image_url" : "video_url";
      const other = type === "IMAGE" ? "video_url" : "image_url";
      if (input[other] !== undefined)
        return wrong(
          other,
          `${other} does not go with media_type ${type}; use ${key}.`,
          `${other} は media_type ${type} と一緒に使えません。${key} を使ってください。`,
        );
      if (input.children !== undefined)
        return wrong(
          "children",
          `children make a CAROUSEL, not media_type ${type}.`,
          `children は CAROUSEL のためのものです。media_type ${type} には使えません。`,
        );
      if (typeof input[key] !== "string")
        return wrong(
          key,
          `media_type ${type} needs ${key}, the address of the ${type === "IMAGE" ? "image" : "video"}.`,
          `media_type ${type} には ${key}（${type === "IMAGE" ? "画像" : "動画"}のアドレス）が必要です。`,
        );
      return [withAlt({ kind: type, url: input[key] as string })];
    }
    default: {
      for (const key of ["image_url", "video_url", "alt_text"]) {
        if (input[key] !== undefined)
          return wrong(
            key,
            `${key} goes on each of the carousel's children, not on the CAROUSEL.`,
            `${key} は CAROUSEL ではなく、カルーセルの各 children に書いてください。`,
          );
      }
      if (!Array.isArray(input.children)) {
        return wrong(
          "children",
          `a CAROUSEL needs children: [{"media_type": "IMAGE", "image_url": "https://…"}, …], not ${show(input.children)}.`,
          `CAROUSEL には children: [{"media_type": "IMAGE", "image_url": "https://…"}, …] が必要です。${show(input.children)} は使えません。`,
        );
      }
      const items: MediaItem[] = [];
      let ok = true;
      input.children.forEach((child, i) => {
        if (!isObject(child)) {
          ok = false;
          problem(
            `children[${i}]`,
            `a carousel item must be an object such as {"media_type": "IMAGE", "image_url": "https://…"}, not ${show(child)}.`,
            `カルーセルの項目は {"media_type": "IMAGE", "image_url": "https://…"} のようなオブジェクトにしてください。${show(child)} は使えません。`,
          );
          return;
        }
        const got = containerMedia(child, `children[${i}].`, problem);
        if (got === undefined) ok = false;
        else items.push(...got);
      });
      return ok ? items : undefined;
    }
  }
}

function parsePoll(
  input: unknown,
  problem: (field: string, message: string, ja?: string) => void,
): PollAttachment | undefined {
  const got = decoded(input, "poll_attachment", problem);
  if (!got) return undefined;
  const value = got.value;
  if (typeof value === "string") {
    const options = value.split("|").map((o) => o.trim());
    if (options.length > POLL_OPTION_KEYS.length) {
      problem(
        "poll_attachment",
        `a poll needs 2 to 4 options (it has ${options.length}, separated by "|"); remove ${options.length - POLL_OPTION_KEYS.length}.`,
        `アンケートの選択肢は 2〜4 個です。このアンケートには（「|」区切りで）${options.length} 個あります。${options.length - POLL_OPTION_KEYS.length} 個減らしてください。`,
      );
      return undefined;
    }
    return pollFromOptions(options);
  }
  if (!isObject(value)) {
    problem(
      "poll_attachment",
      `poll_attachment must be Meta's object {"option_a": "…", "option_b": "…"} (up to option_d) or options separated by "|", not ${show(value)}.`,
      `poll_attachment は Meta のオブジェクト {"option_a": "…", "option_b": "…"}（option_d まで）か、「|」で区切った選択肢にしてください。${show(value)} は使えません。`,
    );
    return undefined;
  }
  let ok = true;
  for (const [key, option] of Object.entries(value)) {
    if (!(POLL_OPTION_KEYS as readonly string[]).includes(key)) {
      problem(
        `poll_attachment.${key}`,
        `unknown poll field "${key}"; a poll has option_a, option_b, option_c, option_d.`,
        `アンケートに「${key}」という項目はありません。書けるのは option_a、option_b、option_c、option_d です。`,
      );
      ok = false;
    } else if (typeof option !== "string") {
      problem(
        `poll_attachment.${key}`,
        `${key} must be text, not ${show(option)}.`,
        `${key} は文字列にしてください。${show(option)} は使えません。`,
      );
      ok = false;
    }
  }
  if (!ok) return undefined;
  // Meta's order, whatever the file's.
  return Object.fromEntries(
    POLL_OPTION_KEYS.filter((k) => value[k] !== undefined).map((k) => [k, value[k]]),
  ) as unknown as PollAttachment;
}

function wholeFrom(input: unknown, min: number): number | undefined {
  const n = typeof input === "string" && /^\s*\d+\s*$/.test(input) ? Number(input) : input;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= min ? n : undefined;
}

function parseTextAttachment(
  input: unknown,
  problem: (field: string, message: string, ja?: string) => void,
): TextAttachment | undefined {
  const got = decoded(input, "text_attachment", problem);
  if (!got) return undefined;
  const value = got.value;
  if (typeof value === "string") return { plaintext: value };
  if (!isObject(value)) {
    problem(
      "text_attachment",
      `text_attachment must be Meta's object {"plaintext": "…", "link_attachment_url": "https://…"} or the text itself, not ${show(value)}.`,
      `text_attachment は Meta のオブジェクト {"plaintext": "…", "link_attachment_url": "https://…"} か、本文そのものにしてください。${show(value)} は使えません。`,
    );
    return undefined;
  }
  let ok = true;
  const bad = (field: string, message: string, ja: string) => {
    problem(field, message, ja);
    ok = false;
  };
  for (const key of Object.keys(value)) {
    if (!["plaintext", "link_attachment_url", "text_with_styling_info"].includes(key)) {
      bad(
        `text_attachment.${key}`,
        `unknown field "${key}" in text_attachment; it may have plaintext, link_attachment_url, text_with_styling_info.`,
        `text_attachment に「${key}」という項目はありません。書けるのは plaintext、link_attachment_url、text_with_styling_info です。`,
      );
    }
  }
  if (typeof value.plaintext !== "string")
    bad(
      "text_attachment.plaintext",
      `text_attachment needs "plaintext", the long text, not ${show(value.plaintext)}.`,
      `text_attachment には長文の本文 "plaintext" が必要です。${show(value.plaintext)} は使えません。`,
    );
  const link = value.link_attachment_url;
  if (link !== undefined && typeof link !== "string")
    bad(
      "text_attachment.link_attachment_url",
      `link_attachment_url must be a URL, not ${show(link)}.`,
      `link_attachment_url は URL にしてください。${show(link)} は使えません。`,
    );
  const styling = value.text_with_styling_info;
  const ranges: NonNullable<TextAttachment["text_with_styling_info"]> = [];
  if (styling !== undefined) {
    if (!Array.isArray(styling)) {
      bad(
        "text_attachment.text_with_styling_info",
        `text_with_styling_info must be a list of {"offset", "length", "styling_info": ["bold", …]}, not ${show(styling)}.`,
        `text_with_styling_info は {"offset", "length", "styling_info": ["bold", …]} のリストにしてください。${show(styling)} は使えません。`,
      );
    } else {
      styling.forEach((range, i) => {
        const field = `text_attachment.text_with_styling_info[${i}]`;
        const offset = isObject(range) ? wholeFrom(range.offset, 0) : undefined;
        const length = isObject(range) ? wholeFrom(range.length, 1) : undefined;
        const styles = isObject(range) ? range.styling_info : undefined;
        if (
          offset === undefined ||
          length === undefined ||
          !Array.isArray(styles) ||
          styles.some((s) => typeof s !== "string")
        ) {
          bad(
            field,
            `a styled range must be {"offset": 0 or more, "length": 1 or more, "styling_info": ["bold", …]}, not ${show(range)}.`,
            `書式の範囲は {"offset": 0 以上, "length": 1 以上, "styling_info": ["bold", …]} にしてください。${show(range)} は使えません。`,
          );
        } else ranges.push({ offset, length, styling_info: styles as string[] });
      });
    }
  }
  if (!ok) return undefined;
  return {
    plaintext: value.plaintext as string,
    ...(link === undefined ? {} : { link_attachment_url: link as string }),
    ...(styling === undefined ? {} : { text_with_styling_info: ranges }),
  };
}

function parseTextEntities(
  input: unknown,
  text: string,
  problem: (field: string, message: string, ja?: string) => void,
): TextEntity[] | undefined {
  const got = decoded(input, "text_entities", problem);
  if (!got) return undefined;
  const value = got.value;
  if (typeof value === "string") {
    // Spoiler phrases (a spreadsheet's form): ranges of the part's text.
    const phrases = value.split("|").filter((p) => p.trim() !== "");
    try {
      return spoilersFor(text, phrases);
    } catch (error) {
      if (!(error instanceof SpoilerPhraseError)) throw error;
      problem(
        "text_entities",
        `${error.message} (text_entities as phrases separated by "|").`,
        `${error.ja}（text_entities は「|」で区切った語句です）`,
      );
      return undefined;
    }
  }
  if (!Array.isArray(value)) {
    problem(
      "text_entities",
      `text_entities must be Meta's list [{"entity_type": "SPOILER", "offset": 0, "length": 5}], not ${show(value)}.`,
      `text_entities は Meta のリスト [{"entity_type": "SPOILER", "offset": 0, "length": 5}] にしてください。${show(value)} は使えません。`,
    );
    return undefined;
  }
  const entities: TextEntity[] = [];
  let ok = true;
  value.forEach((entity, i) => {
    const field = `text_entities[${i}]`;
    if (!isObject(entity)) {
      problem(
        field,
        `a text entity must be {"entity_type": "SPOILER", "offset": …, "length": …}, not ${show(entity)}.`,
        `text_entities の項目は {"entity_type": "SPOILER", "offset": …, "length": …} にしてください。${show(entity)} は使えません。`,
      );
      ok = false;
      return;
    }
    const extra = Object.keys(entity).find((k) => !["entity_type", "offset", "length"].includes(k));
    if (extra !== undefined) {
      problem(
        `${field}.${extra}`,
        `unknown field "${extra}" in a text entity; it has entity_type, offset, length.`,
        `text_entities の項目に「${extra}」という項目はありません。書けるのは entity_type、offset、length です。`,
      );
      ok = false;
    }
    const type = typeof entity.entity_type === "string" ? entity.entity_type.trim().toUpperCase() : undefined;
    if (type !== "SPOILER") {
      problem(
        `${field}.entity_type`,
        `entity_type must be SPOILER (the one type Meta lists), not ${show(entity.entity_type)}.`,
        `entity_type は SPOILER（Meta が定める唯一の種類）にしてください。${show(entity.entity_type)} は使えません。`,
      );
      ok = false;
    }
    const offset = wholeFrom(entity.offset, 0);
    if (offset === undefined) {
      problem(
        `${field}.offset`,
        `offset must be a whole number from 0 (where the spoiler starts in the text, counted in UTF-16 units), not ${show(entity.offset)}.`,
        `offset は 0 以上の整数（本文の中でネタバレが始まる位置、UTF-16 単位）にしてください。${show(entity.offset)} は使えません。`,
      );
      ok = false;
    }
    const length = wholeFrom(entity.length, 1);
    if (length === undefined) {
      problem(
        `${field}.length`,
        `length must be a whole number above 0, not ${show(entity.length)}.`,
        `length は 1 以上の整数にしてください。${show(entity.length)} は使えません。`,
      );
      ok = false;
    }
    if (ok) entities.push({ entity_type: "SPOILER", offset: offset!, length: length! });
  });
  return ok ? entities : undefined;
}

function parseGif(
  input: unknown,
  problem: (field: string, message: string, ja?: string) => void,
): GifAttachment | undefined {
  const got = decoded(input, "gif_attachment", problem);
  if (!got) return undefined;
  const value =
    typeof got.value === "string" || typeof got.value === "number" ? { gif_id: got.value } : got.value;
  if (!isObject(value)) {
    problem(
      "gif_attachment",
      `gif_attachment must be Meta's object {"gif_id": "…", "provider": "GIPHY"} or a GIPHY id, not ${show(value)}.`,
      `gif_attachment は Meta のオブジェクト {"gif_id": "…", "provider": "GIPHY"} か、GIPHY の ID にしてください。${show(value)} は使えません。`,
    );
    return undefined;
  }
  const extra = Object.keys(value).find((k) => k !== "gif_id" && k !== "provider");
  if (extra !== undefined) {
    problem(
      `gif_attachment.${extra}`,
      `unknown field "${extra}" in gif_attachment; it has gif_id and provider.`,
      `gif_attachment に「${extra}」という項目はありません。書けるのは gif_id と provider です。`,
    );
    return undefined;
  }
  const gifId = idText(value.gif_id);
  if (gifId === undefined) {
    problem(
      "gif_attachment.gif_id",
      `gif_attachment needs gif_id, the GIF's id on GIPHY, not ${show(value.gif_id)}.`,
      `gif_attachment には gif_id（GIPHY での GIF の ID）が必要です。${show(value.gif_id)} は使えません。`,
    );
    return undefined;
  }
  const provider = value.provider === undefined ? "GIPHY" : String(value.provider).trim().toUpperCase();
  if (provider !== "GIPHY") {
    // Meta's changelog (Feb 2026): GIPHY added, Tenor sunset by March 31, 2026 (UNVERIFIED on Meta's own page).
    problem(
      "gif_attachment.provider",
      provider === "TENOR"
        ? "Tenor GIFs can no longer be posted (Meta retired Tenor in March 2026); use a GIF from GIPHY."
        : `provider must be GIPHY (the GIF provider Threads supports), not ${show(value.provider)}.`,
      provider === "TENOR"
        ? "Tenor の GIF は投稿できなくなりました（Meta は 2026 年 3 月に Tenor の対応を終了しました）。GIPHY の GIF を使ってください。"
        : `provider は GIPHY（Threads が対応する GIF の提供元）にしてください。${show(value.provider)} は使えません。`,
    );
    return undefined;
  }
  return { gif_id: gifId, provider: "GIPHY" };
}
