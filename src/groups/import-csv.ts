/** The CSV half of ./import.ts (the format is described there). Pure. */
import { parse } from "csv-parse/sync";
import { type MediaItem, type PostPart, REPLY_CONTROLS } from "../threads/post.js";
import { type PreflightIssue, validateGroup } from "../threads/preflight.js";
import type { ImportIssue, ParsedGroup } from "./group.js";
import { PART_KEYS, parsePartInput } from "./part-input.js";

type PartKey = (typeof PART_KEYS)[number];

/** A part's keys that are more than one column (the rest are one column each, of the key's name). */
const COLUMNS_OF: { readonly [K in PartKey]?: readonly string[] } = {
  media: ["image_url", "video_url", "alt_text"],
  text_attachment: ["text_attachment", "link_attachment_url"],
} as const;

/** The column names: `group`, `part`, then the part's keys (part-input.ts `PART_KEYS`) as their columns. */
type CsvColumnName =
  | "group"
  | "part"
  | Exclude<PartKey, "media">
  | "image_url"
  | "video_url"
  | "alt_text"
  | "link_attachment_url";

/**
 * The columns, named as Meta's parameters (`link_attachment_url`: Meta's `text_attachment.link_attachment_url`), in
 * `PART_KEYS`' order: an option added there is a column here.
 */
export const CSV_COLUMNS: readonly CsvColumnName[] = [
  "group",
  "part",
  ...PART_KEYS.flatMap((key) => (COLUMNS_OF[key] ?? [key]) as readonly CsvColumnName[]),
];

/**
 * The part's keys this reader builds from its cells itself (several columns, older names, a check first); every
 * other key's cell goes to part-input.ts as it is, trimmed.
 */
const OWN_CELLS: ReadonlySet<PartKey> = new Set([
  "media",
  "link_attachment",
  "poll_attachment",
  "reply_control",
  "text_attachment",
]);
/** Cells part-input.ts reads as they are; a spoiler phrase may start or end with a space. */
const UNTRIMMED: ReadonlySet<PartKey> = new Set(["text_entities"]);

/** Older names still read: column → its name now. */
const OLD_COLUMNS = { link: "link_attachment", poll: "poll_attachment" } as const;
type CsvColumn = CsvColumnName | keyof typeof OLD_COLUMNS;
const READ_COLUMNS: readonly string[] = [...CSV_COLUMNS, ...Object.keys(OLD_COLUMNS)];

interface CsvRow {
  line: number;
  cells: Partial<Record<CsvColumn, string>>;
}

interface CsvGroup {
  name: string;
  rows: CsvRow[];
  /** Line of the first row of the group's latest run of adjacent rows, when it is not the first run. */
  splitAt?: number;
}

export function parseCsvGroups(text: string): { groups: ParsedGroup[]; issues: ImportIssue[] } {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // One line-end convention before parsing: csv-parse fixes the record delimiter from the first line.
    records = parse(text.replace(/\r\n?/g, "\n"), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (error) {
    const e = error as Error & { lines?: number };
    return {
      groups: [],
      issues: [
        {
          ...(e.lines ? { line: e.lines } : {}),
          message: `the file is not valid CSV: ${e.message}`,
          ja: `CSV として読めません: ${e.message}`,
        },
      ],
    };
  }
  const withLines = records
    .map(({ record, info }) => ({
      record,
      // `info.lines` is the line a record ends on; quoted line breaks inside it move its start back.
      line: info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0),
    }))
    .filter(({ record }) => record.some((cell) => cell.trim() !== ""));
  const header = withLines.shift();
  if (!header) return { groups: [], issues: [] };

  const issues: ImportIssue[] = [];
  const separator = header.record.length === 1 ? /[\t;]/.exec(header.record[0]!)?.[0] : undefined;
  if (separator !== undefined) {
    return {
      groups: [],
      issues: [
        {
          line: header.line,
          message: `the header is one column, "${header.record[0]!.trim()}": the file is separated by ${separator === "\t" ? 'tabs (Excel\'s "Unicode Text" format)' : "semicolons"}, not commas. Save it as "CSV UTF-8 (Comma delimited)" and import that file.`,
          ja: `ヘッダーが「${header.record[0]!.trim()}」の 1 列だけです。ファイルがカンマではなく${separator === "\t" ? "タブ（Excel の「Unicode テキスト」形式）" : "セミコロン"}で区切られています。「CSV UTF-8 (コンマ区切り)」で保存し直して、そのファイルをインポートしてください。`,
        },
      ],
    };
  }
  const columns = header.record.map((name) => name.trim().toLowerCase());
  columns.forEach((name, i) => {
    if (name !== "" && !READ_COLUMNS.includes(name)) {
      issues.push({
        line: header.line,
        message: `unknown column "${header.record[i]}"; the columns are ${CSV_COLUMNS.join(", ")}.`,
        ja: `「${header.record[i]}」という列はありません。列は ${CSV_COLUMNS.join(", ")} です。`,
      });
    }
    if (name !== "" && columns.indexOf(name) !== i) {
      issues.push({
        line: header.line,
        message: `the column "${name}" appears twice; keep one.`,
        ja: `「${name}」列が 2 回あります。1 つにしてください。`,
      });
    }
    const now = OLD_COLUMNS[name as keyof typeof OLD_COLUMNS];
    if (now !== undefined && columns.includes(now)) {
      issues.push({
        line: header.line,
        message: `the columns "${name}" and "${now}" are the same (${name} is its older name); keep "${now}".`,
        ja: `「${name}」列と「${now}」列は同じものです（${name} は古い名前です）。「${now}」を残してください。`,
      });
    }
  });
  if (!columns.includes("group")) {
    issues.push({
      line: header.line,
      message: `a "group" column is required (the name of each row's post group).`,
      ja: "「group」列（各行のポストグループの名前）が必要です。",
    });
  }
  if (issues.length > 0) return { groups: [], issues };

  // Lines with a value outside the columns are reported for that alone: their other cells may be shifted.
  const fieldIssues: ImportIssue[] = [];
  const rows = withLines.map(({ record, line }) =>
    toCsvRow({ line: header.line, width: header.record.length }, columns, record, line, fieldIssues),
  );
  const groups = groupRows(rows, issues);
  const parsed: ParsedGroup[] = [];
  for (const group of groups) {
    const ordered = orderParts(group, issues);
    if (!ordered) continue;
    const parts: PostPart[] = [];
    for (const row of ordered) {
      const part = toPostPart(row, issues);
      if (part) parts.push(part);
    }
    if (parts.length !== ordered.length) continue;
    for (const issue of validateGroup(parts)) {
      const row = ordered[issue.part]!;
      const column = csvColumnFor(issue, parts[issue.part]!, row);
      issues.push({
        line: row.line,
        message: `${column}: ${issue.message}`,
        ...(issue.ja === undefined ? {} : { ja: `${column}: ${issue.ja}` }),
      });
    }
    parsed.push({ name: group.name, parts });
  }
  const shifted = new Set(fieldIssues.map((issue) => issue.line));
  const all = [...fieldIssues, ...issues.filter((issue) => !shifted.has(issue.line))];
  all.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { groups: parsed, issues: all };
}

/**
 * A record's cells by column. A value the header gives no column for (an extra field, or a field under a
 * column with no name) is an issue: dropping it would import the row without part of what the user wrote.
 */
function toCsvRow(
  header: { line: number; width: number },
  columns: string[],
  record: string[],
  line: number,
  issues: ImportIssue[],
): CsvRow {
  const cells: CsvRow["cells"] = {};
  record.forEach((value, i) => {
    if (value.trim() === "") return;
    const name = columns[i];
    if (name === "") {
      issues.push({
        line,
        message: `field ${i + 1} holds "${preview(value)}", but column ${i + 1} has no name in the header (line ${header.line}); name the column or empty the cell.`,
        ja: `${i + 1} 番目のフィールドに「${preview(value)}」がありますが、ヘッダー（${header.line} 行目）の ${i + 1} 列目に名前がありません。列に名前を付けるか、セルを空にしてください。`,
      });
    } else if (name !== undefined) {
      cells[name as CsvColumn] = value;
    }
  });
  const extra = record.findIndex((value, i) => i >= columns.length && value.trim() !== "");
  if (extra >= 0) {
    issues.push({
      line,
      message: `${record.length} fields, but the header (line ${header.line}) has ${header.width} columns: "${preview(record[extra]!)}" (field ${extra + 1}) has no column. A comma inside a cell needs the cell in double quotes ("like, this"); or add the column to the header.`,
      ja: `フィールドが ${record.length} 個ありますが、ヘッダー（${header.line} 行目）の列は ${header.width} 個です。「${preview(record[extra]!)}」（${extra + 1} 番目）に対応する列がありません。カンマを含むセルはダブルクォートで囲んでください（"このように, です"）。または、ヘッダーに列を追加してください。`,
    });
  }
  return { line, cells };
}

function preview(value: string): string {
  const flat = value.trim().replace(/\s+/g, " ");
  return [...flat].length > 30 ? `${[...flat].slice(0, 29).join("")}…` : flat;
}

function groupRows(rows: CsvRow[], issues: ImportIssue[]): CsvGroup[] {
  const byName = new Map<string, CsvGroup>();
  let previous: CsvGroup | undefined;
  for (const row of rows) {
    const name = row.cells.group?.trim();
    if (name === undefined && !previous) {
      issues.push({
        line: row.line,
        message: "group is empty; the first row needs the name of its post group.",
        ja: "group が空です。最初の行にはポストグループの名前が必要です。",
      });
      continue;
    }
    const group = name === undefined ? previous! : (byName.get(name) ?? { name, rows: [] });
    byName.set(group.name, group);
    if (group !== previous && group.rows.length > 0) group.splitAt = row.line;
    group.rows.push(row);
    previous = group;
  }
  return [...byName.values()];
}

/** The group's rows in chain order, or undefined (with issues) when the order is unclear. */
function orderParts(group: CsvGroup, issues: ImportIssue[]): CsvRow[] | undefined {
  const numbered = group.rows.filter((r) => r.cells.part !== undefined);
  if (numbered.length === 0) {
    if (group.splitAt === undefined) return group.rows;
    issues.push({
      line: group.splitAt,
      message: `group "${group.name}" continues here after rows of other groups; keep its rows together or number them in a "part" column.`,
      ja: `グループ「${group.name}」の行が、ほかのグループの行のあとに続いています。同じグループの行をまとめるか、「part」列で番号を付けてください。`,
    });
    return undefined;
  }
  if (numbered.length !== group.rows.length) {
    const missing = group.rows.find((r) => r.cells.part === undefined)!;
    issues.push({
      line: missing.line,
      message: `part is empty but other rows of group "${group.name}" are numbered; number every row of the group or none.`,
      ja: `part が空ですが、グループ「${group.name}」のほかの行には番号があります。グループのすべての行に番号を付けるか、すべて空にしてください。`,
    });
    return undefined;
  }
  const seen = new Map<number, number>();
  let ok = true;
  for (const row of group.rows) {
    const n = Number(row.cells.part!.trim());
    if (!Number.isInteger(n) || n < 1 || n > group.rows.length) {
      issues.push({
        line: row.line,
        message: `part "${row.cells.part}" is not a part number from 1 to ${group.rows.length} (group "${group.name}" has ${group.rows.length} rows).`,
        ja: `part「${row.cells.part}」は 1〜${group.rows.length} のパート番号ではありません（グループ「${group.name}」は ${group.rows.length} 行です）。`,
      });
      ok = false;
    } else if (seen.has(n)) {
      issues.push({
        line: row.line,
        message: `part ${n} of group "${group.name}" is already on line ${seen.get(n)}.`,
        ja: `グループ「${group.name}」のパート ${n} は、すでに ${seen.get(n)} 行目にあります。`,
      });
      ok = false;
    } else {
      seen.set(n, row.line);
    }
  }
  return ok ? [...group.rows].sort((a, b) => Number(a.cells.part) - Number(b.cells.part)) : undefined;
}

const splitList = (cell: string | undefined): string[] =>
  cell === undefined
    ? []
    : cell
        .split("|")
        .map((s) => s.trim())
        .filter((s) => s !== "");

function toPostPart(row: CsvRow, issues: ImportIssue[]): PostPart | undefined {
  const c = row.cells;
  const media: MediaItem[] = [
    ...splitList(c.image_url).map((url) => ({ kind: "IMAGE" as const, url })),
    ...splitList(c.video_url).map((url) => ({ kind: "VIDEO" as const, url })),
  ];
  const alts = c.alt_text === undefined ? [] : c.alt_text.split("|").map((s) => s.trim());
  let ok = true;
  if (alts.length > 0 && media.length === 0) {
    issues.push({
      line: row.line,
      message: "alt_text: alt text needs an image_url or video_url on the same row.",
      ja: "alt_text: 代替テキストには、同じ行に image_url か video_url が必要です。",
    });
    ok = false;
  } else if (alts.length > media.length) {
    issues.push({
      line: row.line,
      message: `alt_text: ${alts.length} alt texts for ${media.length} media items; give one per item, separated by "|" (images first, then videos).`,
      ja: `alt_text: メディア ${media.length} 件に対して代替テキストが ${alts.length} 件あります。1 件につき 1 つずつ「|」で区切って書いてください（画像が先、動画があと）。`,
    });
    ok = false;
  }
  alts.forEach((alt, i) => {
    if (alt !== "" && media[i]) media[i] = { ...media[i]!, alt_text: alt };
  });
  const reply_control = c.reply_control?.trim();
  if (reply_control !== undefined && !(REPLY_CONTROLS as readonly string[]).includes(reply_control)) {
    issues.push({
      line: row.line,
      message: `reply_control: "${reply_control}" is not a reply setting; use one of ${REPLY_CONTROLS.join(", ")}.`,
      ja: `reply_control: 「${reply_control}」は返信の設定ではありません。${REPLY_CONTROLS.join(", ")} のいずれかを指定してください。`,
    });
    ok = false;
  }
  if (!ok) return undefined;
  // The row as Meta's parameters; ./part-input.ts reads the cells' forms (JSON, phrases, yes/no, …).
  const input: Record<string, unknown> = {};
  for (const key of PART_KEYS) {
    const cell = OWN_CELLS.has(key) ? undefined : c[key as CsvColumnName];
    if (cell !== undefined) input[key] = UNTRIMMED.has(key) ? cell : cell.trim();
  }
  if (media.length > 0) input.media = media;
  const link = c.link_attachment ?? c.link;
  if (link !== undefined) input.link_attachment = link.trim();
  const poll = c.poll_attachment ?? c.poll;
  if (poll !== undefined) input.poll_attachment = isJson(poll) ? poll : splitList(poll).join("|");
  if (reply_control !== undefined) input.reply_control = reply_control;
  const attachment = textAttachmentCell(row, issues);
  if (attachment === null) return undefined;
  if (attachment !== undefined) input.text_attachment = attachment;
  const { part, problems } = parsePartInput(input);
  for (const problem of problems) {
    const column = columnOfField(problem.field, row);
    issues.push({
      line: row.line,
      message: problem.message.startsWith(column) ? problem.message : `${column}: ${problem.message}`,
      ...(problem.ja === undefined
        ? {}
        : { ja: problem.ja.startsWith(column) ? problem.ja : `${column}: ${problem.ja}` }),
    });
  }
  return part;
}

const isJson = (cell: string): boolean => /^\s*[[{]/.test(cell);

/**
 * `text_attachment` (the plaintext, or Meta's JSON object) with `link_attachment_url`; null after an issue,
 * undefined when the row has neither.
 */
function textAttachmentCell(row: CsvRow, issues: ImportIssue[]): unknown {
  const { text_attachment: cell, link_attachment_url: url } = row.cells;
  if (cell === undefined) {
    if (url === undefined) return undefined;
    issues.push({
      line: row.line,
      message: "link_attachment_url: the link of a text attachment needs text_attachment on the same row.",
      ja: "link_attachment_url: テキスト添付のリンクには、同じ行に text_attachment が必要です。",
    });
    return null;
  }
  if (!isJson(cell)) {
    return { plaintext: cell.trim(), ...(url === undefined ? {} : { link_attachment_url: url.trim() }) };
  }
  if (url === undefined) return cell;
  let value: unknown;
  try {
    value = JSON.parse(cell);
  } catch {
    return cell; // ./part-input.ts says what is wrong with the JSON
  }
  if (value !== null && typeof value === "object" && !("link_attachment_url" in value)) {
    return { ...value, link_attachment_url: url.trim() };
  }
  issues.push({
    line: row.line,
    message:
      "link_attachment_url: text_attachment's JSON has its own link_attachment_url; give the link in one place.",
    ja: "link_attachment_url: text_attachment の JSON にも link_attachment_url があります。リンクはどちらか一方に書いてください。",
  });
  return null;
}

/** The CSV column a value of the part came from (`media[2]` → video_url, `link_attachment` → link, …). */
function columnOfField(field: string, row: CsvRow, part?: PostPart): string {
  const media = /^media\[(\d+)\](?:\.(\w+))?$/.exec(field);
  if (media) {
    if (media[2] === "alt_text") return "alt_text";
    return part?.media?.[Number(media[1])]?.kind === "VIDEO" ? "video_url" : "image_url";
  }
  if (field === "media") return "image_url/video_url";
  const key = field.replace(/[.[].*$/, "");
  if (key === "link_attachment")
    return row.cells.link_attachment === undefined && row.cells.link !== undefined ? "link" : key;
  if (key === "poll_attachment")
    return row.cells.poll_attachment === undefined && row.cells.poll !== undefined ? "poll" : key;
  if (field === "text_attachment.link_attachment_url" && row.cells.link_attachment_url !== undefined) {
    return "link_attachment_url";
  }
  return key;
}

/** The CSV column a preflight issue is about, so the message names what the user wrote. */
function csvColumnFor(issue: PreflightIssue, part: PostPart, row: CsvRow): string {
  return columnOfField(issue.field, row, part);
}
