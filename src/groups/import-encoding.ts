/**
 * The bytes of an import file to text, refusing rather than guessing: an import that "succeeds" as mojibake
 * would be published as mojibake. Pure.
 *
 * Detection, without `--encoding`: a byte-order mark (UTF-8, UTF-16 LE, UTF-16 BE) decides; else the file
 * is UTF-8 if it is valid UTF-8; else Shift_JIS if it is valid Shift_JIS; else it is refused, naming the first
 * bad line and byte offset in the encoding that got furthest. Valid Japanese text in one of the two is almost
 * never valid in the other, which is what makes the order safe. EUC-JP, which Shift_JIS would read as
 * half-width mojibake, is recognised and refused (`--encoding shift_jis` overrides). Excel workbooks (.xlsx,
 * .xls) are refused with how to save a CSV.
 *
 * Shift_JIS means Microsoft's CP932 (Windows-31J), which is what Japanese Excel writes: NEC and IBM
 * extensions (①, Ⅰ, ㈱, 髙, 﨑) decode, and 0x8160 becomes U+FF5E "～", the character the Windows IME typed,
 * not JIS's U+301C. It is decoded with iconv-lite's table rather than `TextDecoder("shift_jis")`, which
 * exists only in Node builds with full ICU.
 *
 * Text is also refused for what no post should hold: NUL and other control characters (a binary file, or
 * UTF-16 without a byte-order mark), U+FFFD (damaged by an earlier conversion), unpaired UTF-16 surrogates,
 * and Shift_JIS user-defined characters (外字, private use: no one else's device can show them).
 */
import { isUtf8 } from "node:buffer";
import iconv from "iconv-lite";
import type { ImportIssue } from "./group.js";
import { ENCODING_LABELS, type ImportEncoding } from "./groups.schema.js";

export type DecodeResult = { text: string; encoding: ImportEncoding } | { issues: ImportIssue[] };

const BOMS: Array<{ encoding: ImportEncoding; bytes: number[] }> = [
  { encoding: "utf-8", bytes: [0xef, 0xbb, 0xbf] },
  { encoding: "utf-16le", bytes: [0xff, 0xfe] },
  { encoding: "utf-16be", bytes: [0xfe, 0xff] },
];

const SAVE_AS_HINT =
  'Fix it, or save the file again from Excel as "CSV UTF-8 (Comma delimited)" (File → Save As, 名前を付けて保存); if you know the file\'s encoding, name it with --encoding utf-8, utf-16le, utf-16be or shift_jis.';
const SAVE_AS_HINT_JA =
  "直すか、Excel で「CSV UTF-8 (コンマ区切り)」として保存し直してください（ファイル → 名前を付けて保存）。ファイルの文字コードが分かっている場合は --encoding utf-8、utf-16le、utf-16be、shift_jis のいずれかで指定してください。";

export function decodeImportFile(bytes: Uint8Array, forced?: ImportEncoding): DecodeResult {
  const container = containerFormat(bytes);
  if (container) {
    return {
      issues: [
        {
          message: `this is ${container.en}, not a CSV or JSON text file. In Excel, save the sheet with File → Save As (名前を付けて保存) as "CSV UTF-8 (Comma delimited) (*.csv)" and import that file.`,
          ja: `これは${container.ja}で、CSV や JSON のテキストファイルではありません。Excel で「ファイル → 名前を付けて保存」から「CSV UTF-8 (コンマ区切り) (*.csv)」として保存し、そのファイルをインポートしてください。`,
        },
      ],
    };
  }
  const bom = BOMS.find((b) => b.bytes.every((byte, i) => bytes[i] === byte));
  if (forced !== undefined) {
    if (bom && bom.encoding !== forced) {
      return fail(
        1,
        0,
        `the file starts with a ${ENCODING_LABELS[bom.encoding]} byte-order mark, but --encoding says ${ENCODING_LABELS[forced]}. Leave out --encoding: the byte-order mark names the encoding.`,
        `ファイルは ${ENCODING_LABELS[bom.encoding]} の BOM（バイト順マーク）で始まっていますが、--encoding には ${ENCODING_LABELS[forced]} が指定されています。--encoding を外してください。文字コードは BOM で分かります。`,
      );
    }
    const attempt = decodeAs(forced, bytes, bom ? bom.bytes.length : 0);
    if ("text" in attempt) return attempt;
    return fail(
      attempt.line,
      attempt.byte,
      `${attempt.message}, so the file is not ${ENCODING_LABELS[forced]} as --encoding says. Leave out --encoding to let the encoding be detected, or name the right one: utf-8, utf-16le, utf-16be or shift_jis.`,
      `${attempt.ja}。そのため、このファイルは --encoding の指定どおりの ${ENCODING_LABELS[forced]} ではありません。--encoding を外して文字コードを自動判定させるか、正しいもの（utf-8、utf-16le、utf-16be、shift_jis）を指定してください。`,
    );
  }
  if (bom) {
    const attempt = decodeAs(bom.encoding, bytes, bom.bytes.length);
    if ("text" in attempt) return attempt;
    return fail(
      attempt.line,
      attempt.byte,
      `${attempt.message}, although the file starts with a ${ENCODING_LABELS[bom.encoding]} byte-order mark. Save the file again from the program that made it.`,
      `${attempt.ja}。ファイルは ${ENCODING_LABELS[bom.encoding]} の BOM で始まっているのに、中身が合っていません。ファイルを作ったアプリで保存し直してください。`,
    );
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return fail(
      lineAt(bytes, nul),
      nul,
      `a NUL byte (0x00), so this is not a text file. If it is UTF-16 text without a byte-order mark, name it with --encoding utf-16le or --encoding utf-16be.`,
      "NUL バイト（0x00）があるため、テキストファイルではありません。BOM のない UTF-16 のテキストなら、--encoding utf-16le か --encoding utf-16be で指定してください。",
    );
  }
  const utf8 = decodeAs("utf-8", bytes, 0);
  if ("text" in utf8) return utf8;
  // Well-formed UTF-8 is UTF-8 even when it holds something a post must not (U+FFFD, a control character):
  // Shift_JIS would read most of it "cleanly" as mojibake.
  if (isUtf8(bytes)) return fail(utf8.line, utf8.byte, `${utf8.message}.`, `${utf8.ja}。`);
  // EUC-JP (old Unix tools, some web exports) mostly reads as Shift_JIS half-width katakana, あ (0xA4 0xA2)
  // as ､｢, and often "cleanly". Real Shift_JIS text has hiragana and kanji lead bytes EUC-JP cannot have.
  const eucAt = looksLikeEucJp(bytes);
  if (eucAt !== undefined) {
    const mojibake = iconv.decode(Buffer.from(bytes.subarray(eucAt, eucAt + 6)), "cp932");
    return fail(
      lineAt(bytes, eucAt),
      eucAt,
      `${showBytes(bytes, eucAt, 2)} and the rest of the file read as EUC-JP, which is not read here (as Shift_JIS they would be mojibake such as "${mojibake}"). Save the file as "CSV UTF-8", or, if it really is Shift_JIS, name it with --encoding shift_jis.`,
      `${showBytesJa(bytes, eucAt, 2)} 以降は EUC-JP として読めますが、EUC-JP は読み込めません（Shift_JIS として読むと「${mojibake}」のような文字化けになります）。「CSV UTF-8」で保存し直すか、本当に Shift_JIS なら --encoding shift_jis で指定してください。`,
    );
  }
  const sjis = decodeAs("shift_jis", bytes, 0);
  if ("text" in sjis) return sjis;
  // The encoding that got further is likelier the file's own: its first bad byte is the one to fix.
  const [first, other] = sjis.byte > utf8.byte ? [sjis, utf8] : [utf8, sjis];
  const [firstName, otherName] = first === sjis ? ["Shift_JIS", "UTF-8"] : ["UTF-8", "Shift_JIS"];
  const nor =
    other.byte === first.byte
      ? `, nor ${otherName}: the file is neither UTF-8 nor Shift_JIS text.`
      : `, so the file is not ${firstName} text; nor is it ${otherName} (line ${other.line}, byte offset ${other.byte}: ${other.message}).`;
  const norJa =
    other.byte === first.byte
      ? `。${otherName} でもありません。このファイルは UTF-8 のテキストでも Shift_JIS のテキストでもありません。`
      : `。そのため、このファイルは ${firstName} のテキストではありません。${otherName} でもありません（行 ${other.line}、バイト位置 ${other.byte}: ${other.ja}）。`;
  return fail(
    first.line,
    first.byte,
    `${first.message}${nor} ${SAVE_AS_HINT}`,
    `${first.ja}${norJa}${SAVE_AS_HINT_JA}`,
  );
}

function fail(line: number, byte: number, message: string, ja: string): DecodeResult {
  return { issues: [{ line, byte, message, ja }] };
}

interface BadSpot {
  line: number;
  byte: number;
  message: string;
  /** The same in Japanese (a phrase, without the final 。). */
  ja: string;
}

function decodeAs(
  encoding: ImportEncoding,
  bytes: Uint8Array,
  start: number,
): { text: string; encoding: ImportEncoding } | BadSpot {
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start);
  const label = ENCODING_LABELS[encoding];
  switch (encoding) {
    case "utf-8": {
      const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(body);
      const bad = scanText(text, start, (cp) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4), {
        replacement: (at) =>
          bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd
            ? undefined
            : {
                en: `${showBytes(bytes, at, Math.min(2, bytes.length - at))} ${bytes.length - at > 1 ? "are" : "is"} not ${label}`,
                ja: `${showBytesJa(bytes, at, Math.min(2, bytes.length - at))} は ${label} ではありません`,
              },
      });
      return bad ?? { text, encoding };
    }
    case "utf-16le":
    case "utf-16be": {
      const text = iconv.decode(body, encoding, { stripBOM: false });
      const bad = scanText(text, start, (cp) => (cp > 0xffff ? 4 : 2), {});
      if (bad) return bad;
      if (body.length % 2 === 1) {
        const at = bytes.length - 1;
        return {
          line: lineOfText(text, text.length),
          byte: at,
          message: `the file ends in the middle of a ${label} character (an odd number of bytes)`,
          ja: `ファイルが ${label} の文字の途中で終わっています（バイト数が奇数です）`,
        };
      }
      return { text, encoding };
    }
    case "shift_jis": {
      const text = iconv.decode(body, "cp932", { stripBOM: false });
      // Before the first bad character every character is valid: two bytes when it starts with a lead byte.
      const bad = scanText(text, start, (_cp, at) => (isCp932Lead(bytes[at]!) ? 2 : 1), {
        replacement: (at) => ({
          en: `${showBytes(bytes, at, isCp932Lead(bytes[at]!) ? 2 : 1)} is not a ${label} character`,
          ja: `${showBytesJa(bytes, at, isCp932Lead(bytes[at]!) ? 2 : 1)} は ${label} の文字ではありません`,
        }),
        privateUse: (at) => ({
          en: `${showBytes(bytes, at, 2)} is a user-defined character (外字) that only the computer that made it can show; replace it with a standard character`,
          ja: `${showBytesJa(bytes, at, 2)} は外字で、作ったパソコンでしか表示できません。標準の文字に置き換えてください`,
        }),
      });
      return bad ?? { text, encoding };
    }
  }
}

const isCp932Lead = (b: number): boolean => (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc);

/**
 * The first character no post should hold, with its line and byte offset. `width` is a valid character's
 * size in bytes; `replacement` explains a U+FFFD produced by decoding (undefined: one written in the file).
 */
function scanText(
  text: string,
  start: number,
  width: (cp: number, at: number) => number,
  explain: { replacement?: (at: number) => Words | undefined; privateUse?: (at: number) => Words },
): BadSpot | undefined {
  let line = 1;
  let lineStart = 0;
  let index = 0;
  let at = start;
  let previous = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (previous === 0x0d && cp !== 0x0a) {
      line++;
      lineStart = index;
    }
    const problem = badCharacter(cp, at, explain);
    if (problem !== undefined) {
      // What precedes it on its line, so that the spot can be found in a spreadsheet.
      const before = [...text.slice(lineStart, index)].slice(-12).join("");
      const blank = before.trim() === "";
      return {
        line,
        byte: at,
        message: blank ? problem.en : `after "${before}", ${problem.en}`,
        ja: blank ? problem.ja : `「${before}」のあと、${problem.ja}`,
      };
    }
    if (cp === 0x0a) {
      line++;
      lineStart = index + 1;
    }
    previous = cp;
    index += ch.length;
    at += width(cp, at);
  }
  return undefined;
}

function badCharacter(
  cp: number,
  at: number,
  explain: { replacement?: (at: number) => Words | undefined; privateUse?: (at: number) => Words },
): Words | undefined {
  if (cp === 0) {
    return {
      en: "a NUL character (U+0000), so this is not a text file",
      ja: "NUL 文字（U+0000）があるため、テキストファイルではありません",
    };
  }
  if ((cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || (cp >= 0x7f && cp <= 0x9f)) {
    return {
      en: `a control character (${codePoint(cp)}) that has no place in a post; remove it`,
      ja: `投稿に使えない制御文字（${codePoint(cp)}）があります。取り除いてください`,
    };
  }
  if (cp >= 0xd800 && cp <= 0xdfff) {
    return {
      en: `half of a UTF-16 surrogate pair (${codePoint(cp)}) without its other half`,
      ja: `UTF-16 のサロゲートペアの片方（${codePoint(cp)}）だけがあります`,
    };
  }
  if (cp === 0xfffd) {
    return (
      explain.replacement?.(at) ?? {
        en: "a replacement character (U+FFFD, shown as �): this text was already damaged by an earlier conversion; retype it",
        ja: "置換文字（U+FFFD、� と表示されます）があります。以前の変換で文字が壊れています。打ち直してください",
      }
    );
  }
  if (explain.privateUse && cp >= 0xe000 && cp <= 0xf8ff) return explain.privateUse(at);
  return undefined;
}

/** A message in English and in Japanese. */
interface Words {
  en: string;
  ja: string;
}

function codePoint(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

function showBytes(bytes: Uint8Array, at: number, count: number): string {
  const shown = [...bytes.subarray(at, at + count)].map(
    (b) => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return shown.length === 1 ? `byte ${shown[0]}` : `bytes ${shown.join(" ")}`;
}

function showBytesJa(bytes: Uint8Array, at: number, count: number): string {
  const shown = [...bytes.subarray(at, at + count)].map(
    (b) => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return `バイト ${shown.join(" ")}`;
}

/**
 * Where the first non-ASCII character is, when every non-ASCII byte sequence is well-formed EUC-JP (two bytes
 * 0xA1–0xFE, 0x8E + half-width katakana, 0x8F + two bytes); undefined when the file is not EUC-JP.
 */
function looksLikeEucJp(bytes: Uint8Array): number | undefined {
  const high = (b: number | undefined) => b !== undefined && b >= 0xa1 && b <= 0xfe;
  let first: number | undefined;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x80) continue;
    first ??= i;
    if (high(b) && high(bytes[i + 1])) i += 1;
    else if (b === 0x8e && bytes[i + 1]! >= 0xa1 && bytes[i + 1]! <= 0xdf) i += 1;
    else if (b === 0x8f && high(bytes[i + 1]) && high(bytes[i + 2])) i += 2;
    else return undefined;
  }
  return first;
}

/** The 1-based line of byte `at` in an ASCII-compatible encoding (CRLF, LF and CR each end a line). */
function lineAt(bytes: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) line++;
  }
  return line;
}

function lineOfText(text: string, end: number): number {
  return (text.slice(0, end).match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
}

/** Files that are containers, not text: the usual mistake is importing the workbook instead of a CSV. */
function containerFormat(bytes: Uint8Array): Words | undefined {
  const starts = (sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts([0x50, 0x4b, 0x03, 0x04])) {
    return {
      en: "an Excel workbook (.xlsx) or another ZIP archive",
      ja: " Excel のブック（.xlsx）か ZIP ファイル",
    };
  }
  if (starts([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    return { en: "an Excel 97–2003 workbook (.xls)", ja: " Excel 97–2003 のブック（.xls）" };
  }
  return undefined;
}
