import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import type { ImportIssue } from "./group.js";
import { type ImportEncoding, importGroupsSchema } from "./groups.schema.js";
import { decodeImportFile } from "./import-encoding.js";

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));
const sjis = (text: string): number[] => [...iconv.encode(text, "cp932")];

function decoded(input: Uint8Array, forced?: ImportEncoding): { text: string; encoding: ImportEncoding } {
  const result = decodeImportFile(input, forced);
  if ("issues" in result) throw new Error(`expected text, got: ${JSON.stringify(result.issues)}`);
  return result;
}

function refused(input: Uint8Array, forced?: ImportEncoding): ImportIssue {
  const result = decodeImportFile(input, forced);
  if (!("issues" in result)) throw new Error(`expected a refusal, got ${result.encoding}: ${result.text}`);
  expect(result.issues).toHaveLength(1);
  return result.issues[0]!;
}

describe("decodeImportFile: detection", () => {
  it("reads UTF-8 with or without a BOM, and an empty file", () => {
    expect(decoded(bytes("group,text\nあ,おはよう\n"))).toEqual({
      text: "group,text\nあ,おはよう\n",
      encoding: "utf-8",
    });
    expect(decoded(bytes([0xef, 0xbb, 0xbf], "group\r\n"))).toEqual({ text: "group\r\n", encoding: "utf-8" });
    expect(decoded(new Uint8Array())).toEqual({ text: "", encoding: "utf-8" });
  });

  it("reads UTF-16 LE and BE by their BOM, surrogate pairs included", () => {
    const text = "group,text\r\nあ,😀 ①\r\n";
    const le = bytes([0xff, 0xfe], [...iconv.encode(text, "utf-16le")]);
    const be = bytes([0xfe, 0xff], [...iconv.encode(text, "utf-16be")]);
    expect(decoded(le)).toEqual({ text, encoding: "utf-16le" });
    expect(decoded(be)).toEqual({ text, encoding: "utf-16be" });
  });

  it("reads Shift_JIS as Excel writes it (CP932): the issue's ���͂悤 is おはよう", () => {
    const hello = bytes("group,text\r\ng,", [0x82, 0xa8, 0x82, 0xcd, 0x82, 0xe6, 0x82, 0xa4], "\r\n");
    // Read as UTF-8, these bytes are mojibake: the import must detect Shift_JIS, not assume UTF-8.
    expect(new TextDecoder().decode(hello)).toContain("���͂悤");
    expect(decoded(hello)).toEqual({ text: "group,text\r\ng,おはよう\r\n", encoding: "shift_jis" });
  });

  it("maps CP932's own characters to what the user saw in Excel on Windows", () => {
    const cases: Array<[number[], string, string]> = [
      [[0x81, 0x60], "\uFF5E", "～ wave dash: Windows' FULLWIDTH TILDE, not JIS's U+301C"],
      [[0x81, 0x7c], "\uFF0D", "－ FULLWIDTH HYPHEN-MINUS"],
      [[0x81, 0x8f], "\uFFE5", "￥ FULLWIDTH YEN SIGN"],
      [[0x81, 0x91], "\uFFE0", "￠"],
      [[0x87, 0x40], "①", "NEC special character"],
      [[0x87, 0x8a], "㈱", "NEC special character"],
      [[0x87, 0x55], "Ⅱ", "NEC special character"],
      [[0xed, 0x40], "纊", "NEC-selected IBM extension"],
      [[0xfa, 0xb1], "﨑", "IBM extension"],
      [[0xfb, 0xfc], "髙", "IBM extension"],
      [[0xb6, 0xde], "ｶﾞ", "half-width katakana, one byte each"],
      [[0x5c], "\\", "0x5C stays a backslash (Japanese fonts draw it as ¥)"],
    ];
    for (const [sequence, expected, why] of cases) {
      // Non-ASCII before it, so that the file is not valid UTF-8 and goes to Shift_JIS.
      const result = decoded(bytes([0x82, 0xa0], sequence));
      expect({ text: result.text, encoding: result.encoding, why }).toEqual({
        text: `あ${expected}`,
        encoding: "shift_jis",
        why,
      });
    }
  });

  it("prefers UTF-8: valid UTF-8 Japanese is never read as Shift_JIS mojibake", () => {
    // こんにちは in UTF-8 is also valid CP932 (縺薙ｓ縺ｫ縺｡縺ｯ); UTF-8 is tried first.
    const utf8 = bytes("こんにちは");
    expect(decoded(utf8, "shift_jis").text).toBe("縺薙ｓ縺ｫ縺｡縺ｯ");
    expect(decoded(utf8)).toEqual({ text: "こんにちは", encoding: "utf-8" });
    // Even when the UTF-8 holds something refused, it is refused as UTF-8, not read as Shift_JIS.
    expect(refused(bytes("group\nこんにちは\u0007")).message).toMatch(
      /^after "こんにちは", a control character \(U\+0007\)/,
    );
  });
});

describe("decodeImportFile: EUC-JP", () => {
  it("refuses EUC-JP, which would read as Shift_JIS half-width mojibake, unless Shift_JIS is named", () => {
    const euc = bytes("group,text\ng,", [...iconv.encode("お知らせです", "euc-jp")], "\n");
    expect(iconv.decode(Buffer.from(euc), "cp932")).toContain("､ｪ"); // what would have been imported
    const issue = refused(euc);
    expect(issue).toMatchObject({ line: 2, byte: 13 });
    expect(issue.message).toMatch(
      /^bytes 0xA4 0xAA and the rest of the file read as EUC-JP, which is not read here/,
    );
    expect(issue.message).toContain("--encoding shift_jis");
    expect(decoded(euc, "shift_jis").encoding).toBe("shift_jis");
  });

  it("keeps Shift_JIS that is not also EUC-JP: hiragana and most kanji lead with 0x81–0x9F", () => {
    expect(decoded(bytes(sjis("お知らせ ｶﾀｶﾅ 漢字"))).encoding).toBe("shift_jis");
  });
});

/** The encoding a name given to an import stands for (undefined: refused). */
function parseImportEncoding(name: string): ImportEncoding | undefined {
  const parsed = importGroupsSchema().safeParse({ accountId: 1, encoding: name });
  return parsed.success ? parsed.data.encoding : undefined;
}

describe("decodeImportFile: --encoding", () => {
  it("names the encoding by any of its usual names", () => {
    expect(["utf-8", "UTF8", "utf_8"].map(parseImportEncoding)).toEqual(["utf-8", "utf-8", "utf-8"]);
    expect(["utf-16le", "UTF-16LE", "utf16be"].map(parseImportEncoding)).toEqual([
      "utf-16le",
      "utf-16le",
      "utf-16be",
    ]);
    expect(
      ["shift_jis", "Shift-JIS", "sjis", "cp932", "CP932", "windows-31j", "MS932"].map(parseImportEncoding),
    ).toEqual(Array(7).fill("shift_jis"));
    expect(["latin1", "utf-16", "euc-jp", ""].map(parseImportEncoding)).toEqual(Array(4).fill(undefined));
  });

  it("reads UTF-16 without a BOM when named, and strips a BOM that agrees", () => {
    const text = "group,text\r\nあ,い\r\n";
    expect(decoded(bytes([...iconv.encode(text, "utf-16le")]), "utf-16le")).toEqual({
      text,
      encoding: "utf-16le",
    });
    expect(decoded(bytes([0xfe, 0xff], [...iconv.encode(text, "utf-16be")]), "utf-16be").text).toBe(text);
    expect(decoded(bytes([0xef, 0xbb, 0xbf], "group\n"), "utf-8").text).toBe("group\n");
  });

  it("refuses a named encoding the bytes are not in, with the first bad line and byte", () => {
    const file = bytes("group,text\r\nok,fine\r\ng,", sjis("こんにちは"), "\r\n");
    const issue = refused(file, "utf-8");
    expect(issue).toMatchObject({ line: 3, byte: 23 });
    expect(issue.message).toMatch(
      /^after "g,", bytes 0x82 0xB1 are not UTF-8, so the file is not UTF-8 as --encoding says/,
    );
    expect(issue.message).toContain("Leave out --encoding");
    expect(refused(bytes([0xef, 0xbb, 0xbf], "group\n"), "shift_jis").message).toMatch(
      /starts with a UTF-8 byte-order mark, but --encoding says Shift_JIS/,
    );
    expect(refused(bytes([0xff, 0xfe, 0x41, 0x00]), "utf-16be").message).toMatch(
      /starts with a UTF-16 LE byte-order mark, but --encoding says UTF-16 BE/,
    );
  });
});

describe("decodeImportFile: refusals name the first bad line and byte offset", () => {
  it("refuses bytes that are neither UTF-8 nor Shift_JIS, at the spot where the likelier one fails", () => {
    // Shift_JIS up to line 4, then 0xFD, which is a character in neither encoding.
    const file = bytes(sjis("group,text\r\nあ,い\r\n"), 'b,"two\r\nlines"\r\n', sjis("c,う"), [0xfd], "\r\n");
    const issue = refused(file);
    expect(issue).toMatchObject({ line: 5, byte: 39 });
    expect(issue.message).toMatch(
      /^after "c,う", byte 0xFD is not a Shift_JIS character, so the file is not Shift_JIS text; nor is it UTF-8 \(line 2, byte offset 12: bytes 0x82 0xA0 are not UTF-8\)/,
    );
    expect(issue.message).toContain('"CSV UTF-8 (Comma delimited)"');
    expect(issue.message).toContain("--encoding utf-8, utf-16le, utf-16be or shift_jis");
    // An ASCII file with one bad byte fails at the same spot in both; CR-only line ends count as lines.
    expect(refused(bytes("group\rtext\ra", [0xff], "b"))).toMatchObject({ line: 3, byte: 12 });
  });

  it("refuses NUL bytes as a binary file, hinting at UTF-16 without a BOM", () => {
    const png = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    expect(refused(png)).toMatchObject({ line: 3, byte: 8 }); // CR LF, then a lone LF
    expect(refused(png).message).toMatch(/a NUL byte \(0x00\), so this is not a text file/);
    const utf16NoBom = bytes([...iconv.encode("group,text\r\n", "utf-16le")]);
    expect(refused(utf16NoBom)).toMatchObject({ line: 1, byte: 1 });
    expect(refused(utf16NoBom).message).toContain("--encoding utf-16le or --encoding utf-16be");
    // Named as UTF-16 but holding NUL characters: still not text.
    expect(refused(bytes([0xff, 0xfe], [0x41, 0, 0, 0]), "utf-16le")).toMatchObject({ line: 1, byte: 4 });
  });

  it("refuses Excel workbooks with the way to save a CSV", () => {
    const xlsx = bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]);
    expect(refused(xlsx).message).toMatch(
      /^this is an Excel workbook \(\.xlsx\).*"CSV UTF-8 \(Comma delimited\) \(\*\.csv\)"/,
    );
    const xls = bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00]);
    expect(refused(xls).message).toMatch(/^this is an Excel 97–2003 workbook \(\.xls\)/);
  });

  it("refuses text no post should hold: control characters, U+FFFD, lone surrogates, 外字", () => {
    expect(refused(bytes("group\na\u0007b"))).toMatchObject({ line: 2, byte: 7 });
    expect(refused(bytes("group\na\u0007b")).message).toMatch(/^after "a", a control character \(U\+0007\)/);
    const damaged = refused(bytes("group\n壊れた\uFFFD"));
    expect(damaged).toMatchObject({ line: 2, byte: 15 });
    expect(damaged.message).toMatch(
      /a replacement character \(U\+FFFD, shown as �\): this text was already damaged/,
    );
    const lone = bytes([0xff, 0xfe], [0x41, 0x00, 0x0a, 0x00, 0x3d, 0xd8, 0x42, 0x00]);
    expect(refused(lone)).toMatchObject({ line: 2, byte: 6 });
    expect(refused(lone).message).toMatch(/half of a UTF-16 surrogate pair \(U\+D83D\)/);
    const gaiji = refused(bytes(sjis("group\r\n外字"), [0xf0, 0x40]));
    expect(gaiji).toMatchObject({ line: 2, byte: 11 });
    expect(gaiji.message).toMatch(/bytes 0xF0 0x40 is a user-defined character \(外字\)/);
  });

  it("refuses a UTF-16 file with an odd number of bytes", () => {
    const odd = bytes([0xff, 0xfe], [...iconv.encode("group\r\na", "utf-16le")], [0x42]);
    expect(refused(odd)).toMatchObject({ line: 2, byte: odd.length - 1 });
    expect(refused(odd).message).toMatch(/ends in the middle of a UTF-16 LE character/);
  });
});
