/**
 * The import fixtures in test/fixtures/import/: one menu in every encoding `groups import` reads, as Excel and
 * other programs save it, plus broken files. The bytes are committed; `test/import-files.test.ts` checks that
 * they still match what this module builds. After changing it, rewrite them with
 * `npx tsx test/helpers/import-fixtures.ts`.
 */
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import iconv from "iconv-lite";
import type { ParsedGroup } from "../../src/groups/group.js";

export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/import");

/**
 * Characters that go wrong in Japanese files: ～ (Excel on Windows writes 0x8160 for U+FF5E), － (0x817C),
 * ￥ (0x818F), NEC specials ① ㈱ Ⅱ, IBM extensions 髙 﨑, half-width katakana, a quoted cell with a comma
 * and one with a line break.
 */
export const MENU_ROWS = [
  ["group", "part", "text", "topic_tag"],
  ["ランチ", "1", "本日のランチ①：髙橋さんの唐揚げ定食\n営業時間 11:00～14:00", "グルメ"],
  ["ランチ", "2", "お値段は￥980（税込）、ﾃｲｸｱｳﾄ可, 駐車場あり", ""],
  ["ディナー", "", "夜は「季節のコースⅡ」－㈱﨑山商店♪", ""],
];

export const MENU_GROUPS: ParsedGroup[] = [
  {
    name: "ランチ",
    parts: [
      { text: "本日のランチ①：髙橋さんの唐揚げ定食\n営業時間 11:00～14:00", topic_tag: "グルメ" },
      { text: "お値段は￥980（税込）、ﾃｲｸｱｳﾄ可, 駐車場あり" },
    ],
  },
  { name: "ディナー", parts: [{ text: "夜は「季節のコースⅡ」－㈱﨑山商店♪" }] },
];

export const MENU_JSON = JSON.stringify(MENU_GROUPS, null, 2);

/**
 * Every publishing option's column (named as Meta's parameters), with Japanese text and emoji: spoilers as
 * phrases and as Meta's JSON, yes/はい/1 booleans, countries with "|" and ",", a GIPHY id and Meta's
 * gif_attachment JSON, a text attachment as plaintext + link_attachment_url and as Meta's JSON, a row with a
 * blank group continuing the group above. The options are combined as Meta allows them (a GIF not with a text
 * attachment, a ghost post alone with its spoiler), so the groups pass preflight with its rules for them.
 */
export const OPTION_ROWS = [
  [
    "group",
    "part",
    "text",
    "image_url",
    "alt_text",
    "reply_control",
    "text_attachment",
    "link_attachment_url",
    "text_entities",
    "is_spoiler_media",
    "gif_attachment",
    "is_ghost_post",
    "location_id",
    "enable_reply_approvals",
    "allowlisted_country_codes",
    "crossreshare_to_ig",
  ],
  [
    "新作レビュー📚",
    "1",
    "😀 結末: 犯人は執事でした",
    "",
    "",
    "followers_only",
    'ここから長いレビュー本文です。\n二段落目、カンマ, も "引用" も入ります。',
    "https://example.com/review",
    "執事",
    "",
    "",
    "",
    "110",
    "はい",
    "JP|US",
    "yes",
  ],
  [
    "新作レビュー📚",
    "2",
    "GIF で一言 🎬",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "xT9IgG50Fb7Mi0prBC",
    "",
    "",
    "",
    "",
    "",
  ],
  [
    "新作レビュー📚",
    "3",
    "表紙の写真",
    "https://example.com/cover.jpg",
    "本の表紙",
    "",
    "",
    "",
    "",
    "1",
    "",
    "",
    "",
    "",
    "",
    "",
  ],
  [
    "24時間限定👻",
    "",
    "今だけの秘密：合言葉は「さくら」",
    "",
    "",
    "",
    "",
    "",
    '[{"entity_type":"SPOILER","offset":12,"length":3}]',
    "",
    "",
    "true",
    "",
    "",
    "",
    "",
  ],
  [
    "太字つき",
    "",
    "お知らせ",
    "",
    "",
    "",
    '{"plaintext":"重要なお知らせ","text_with_styling_info":[{"offset":0,"length":2,"styling_info":["bold"]}]}',
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "jp, kr",
    "",
  ],
  [
    "",
    "",
    "GIF もどうぞ",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    '{"gif_id":"3o7TKSjRrfIPjeiVyM","provider":"GIPHY"}',
    "",
    "",
    "",
    "",
    "",
  ],
];

export const OPTION_GROUPS: ParsedGroup[] = [
  {
    name: "新作レビュー📚",
    parts: [
      {
        text: "😀 結末: 犯人は執事でした",
        reply_control: "followers_only",
        text_attachment: {
          plaintext: 'ここから長いレビュー本文です。\n二段落目、カンマ, も "引用" も入ります。',
          link_attachment_url: "https://example.com/review",
        },
        text_entities: [{ entity_type: "SPOILER", offset: 10, length: 2 }],
        location_id: "110",
        enable_reply_approvals: true,
        allowlisted_country_codes: ["JP", "US"],
        crossreshare_to_ig: true,
      },
      { text: "GIF で一言 🎬", gif_attachment: { gif_id: "xT9IgG50Fb7Mi0prBC", provider: "GIPHY" } },
      {
        text: "表紙の写真",
        media: [{ kind: "IMAGE", url: "https://example.com/cover.jpg", alt_text: "本の表紙" }],
        is_spoiler_media: true,
      },
    ],
  },
  {
    name: "24時間限定👻",
    parts: [
      {
        text: "今だけの秘密：合言葉は「さくら」",
        text_entities: [{ entity_type: "SPOILER", offset: 12, length: 3 }],
        is_ghost_post: true,
      },
    ],
  },
  {
    name: "太字つき",
    parts: [
      {
        text: "お知らせ",
        text_attachment: {
          plaintext: "重要なお知らせ",
          text_with_styling_info: [{ offset: 0, length: 2, styling_info: ["bold"] }],
        },
        allowlisted_country_codes: ["JP", "KR"],
      },
      { text: "GIF もどうぞ", gif_attachment: { gif_id: "3o7TKSjRrfIPjeiVyM", provider: "GIPHY" } },
    ],
  },
];

/** The same groups as a file written for Meta's API: container parameters, JSON-encoded values, numeric ids. */
export const OPTION_META_JSON = JSON.stringify(
  {
    groups: [
      {
        name: "新作レビュー📚",
        parts: [
          {
            media_type: "TEXT",
            text: "😀 結末: 犯人は執事でした",
            reply_control: "followers_only",
            text_attachment: {
              plaintext: 'ここから長いレビュー本文です。\n二段落目、カンマ, も "引用" も入ります。',
              link_attachment_url: "https://example.com/review",
            },
            text_entities: [{ entity_type: "SPOILER", offset: 10, length: 2 }],
            location_id: 110,
            enable_reply_approvals: true,
            allowlisted_country_codes: ["JP", "US"],
            crossreshare_to_ig: true,
          },
          {
            media_type: "TEXT",
            text: "GIF で一言 🎬",
            gif_attachment: '{"gif_id":"xT9IgG50Fb7Mi0prBC","provider":"GIPHY"}',
          },
          {
            media_type: "IMAGE",
            image_url: "https://example.com/cover.jpg",
            alt_text: "本の表紙",
            text: "表紙の写真",
            is_spoiler_media: "true",
          },
        ],
      },
      {
        name: "24時間限定👻",
        parts: [
          {
            media_type: "TEXT",
            text: "今だけの秘密：合言葉は「さくら」",
            text_entities: '[{"entity_type":"SPOILER","offset":12,"length":3}]',
            is_ghost_post: true,
          },
        ],
      },
      {
        name: "太字つき",
        parts: [
          {
            text: "お知らせ",
            text_attachment: {
              plaintext: "重要なお知らせ",
              text_with_styling_info: [{ offset: 0, length: 2, styling_info: ["bold"] }],
            },
            allowlisted_country_codes: "jp,kr",
          },
          { text: "GIF もどうぞ", gif_attachment: { gif_id: "3o7TKSjRrfIPjeiVyM", provider: "GIPHY" } },
        ],
      },
    ],
  },
  null,
  2,
);

function csv(rows: string[][], eol: string): string {
  const cell = (c: string) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  // Line breaks inside a cell are written as the file's own line end, as Excel does.
  return rows.map((r) => r.map((c) => cell(c).replace(/\n/g, eol)).join(",")).join(eol) + eol;
}

const BOM_UTF8 = [0xef, 0xbb, 0xbf];
const BOM_UTF16LE = [0xff, 0xfe];
const BOM_UTF16BE = [0xfe, 0xff];

const withBom = (bom: number[], body: Buffer) => Buffer.concat([Buffer.from(bom), body]);

/** Every fixture: file name → bytes, the encoding `groups import` reports for it, and the groups it holds. */
export function importFixtures(): Record<
  string,
  { bytes: Buffer; encoding: string | undefined; groups?: ParsedGroup[] }
> {
  const crlf = csv(MENU_ROWS, "\r\n");
  const sjis = iconv.encode(crlf, "cp932");
  // A stray byte where a character should be: 0xFD is a character in neither UTF-8 nor Shift_JIS.
  const broken = Buffer.concat([
    sjis,
    iconv.encode("追加,,おまけ", "cp932"),
    Buffer.from([0xfd]),
    iconv.encode("です\r\n", "cp932"),
  ]);
  return {
    "menu-utf8.csv": { bytes: Buffer.from(csv(MENU_ROWS, "\n"), "utf8"), encoding: "UTF-8" },
    "menu-utf8-bom.csv": { bytes: withBom(BOM_UTF8, Buffer.from(crlf, "utf8")), encoding: "UTF-8" },
    "menu-utf16le.csv": {
      bytes: withBom(BOM_UTF16LE, iconv.encode(crlf, "utf-16le")),
      encoding: "UTF-16 LE",
    },
    "menu-utf16be.csv": {
      bytes: withBom(BOM_UTF16BE, iconv.encode(crlf, "utf-16be")),
      encoding: "UTF-16 BE",
    },
    "menu-sjis.csv": { bytes: sjis, encoding: "Shift_JIS" },
    "menu-broken.csv": { bytes: broken, encoding: undefined },
    // EUC-JP is refused: it would read "cleanly" as Shift_JIS mojibake. (iconv-lite writes ～ as JIS's 〜.)
    "menu-eucjp.csv": { bytes: iconv.encode(crlf, "euc-jp"), encoding: undefined },
    "menu-utf8-bom.json": { bytes: withBom(BOM_UTF8, Buffer.from(MENU_JSON, "utf8")), encoding: "UTF-8" },
    "menu-utf16le.json": {
      bytes: withBom(BOM_UTF16LE, iconv.encode(MENU_JSON, "utf-16le")),
      encoding: "UTF-16 LE",
    },
    "options-utf8-bom.csv": {
      bytes: withBom(BOM_UTF8, Buffer.from(csv(OPTION_ROWS, "\r\n"), "utf8")),
      encoding: "UTF-8",
      groups: OPTION_GROUPS,
    },
    "options-meta.json": {
      bytes: Buffer.from(OPTION_META_JSON, "utf8"),
      encoding: "UTF-8",
      groups: OPTION_GROUPS,
    },
  };
}

export function writeImportFixtures(dir = FIXTURES_DIR): void {
  for (const [name, { bytes }] of Object.entries(importFixtures())) writeFileSync(join(dir, name), bytes);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeImportFixtures();
  console.log(`Wrote ${Object.keys(importFixtures()).length} fixtures to ${FIXTURES_DIR}`);
}
