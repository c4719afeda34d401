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

function csv(rows: string[][], eol: string): string {
  const cell = (c: string) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  // Line breaks inside a cell are written as the file's own line end, as Excel does.
  return rows.map((r) => r.map((c) => cell(c).replace(/\n/g, eol)).join(",")).join(eol) + eol;
}

const BOM_UTF8 = [0xef, 0xbb, 0xbf];
const BOM_UTF16LE = [0xff, 0xfe];
const BOM_UTF16BE = [0xfe, 0xff];

const withBom = (bom: number[], body: Buffer) => Buffer.concat([Buffer.from(bom), body]);

/** Every fixture: file name → bytes, and the encoding `groups import` reports for it. */
export function importFixtures(): Record<string, { bytes: Buffer; encoding: string | undefined }> {
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
  };
}

export function writeImportFixtures(dir = FIXTURES_DIR): void {
  for (const [name, { bytes }] of Object.entries(importFixtures())) writeFileSync(join(dir, name), bytes);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeImportFixtures();
  console.log(`Wrote ${Object.keys(importFixtures()).length} fixtures to ${FIXTURES_DIR}`);
}
