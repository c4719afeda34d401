/**
 * The CLI's report of an error that lists issues — a post preflight refused (ValidationError, or a service's
 * invalid_input with `details.issues`) or an import's problems — in the CLI's language (./locale.ts). English
 * is the errors' own messages, as before; this writes the Japanese, from each issue's `ja` (its English
 * message where an issue has none yet).
 */
import { AppError } from "../errors.js";
import type { ImportIssue } from "../groups/group.js";
import { formatIssueIn, type PreflightIssue, ValidationError } from "../threads/preflight.js";
import type { CliLanguage } from "./locale.js";

const isPreflightIssue = (x: unknown): x is PreflightIssue =>
  x !== null && typeof x === "object" && typeof (x as PreflightIssue).part === "number" && "field" in x;

const isImportIssue = (x: unknown): x is ImportIssue =>
  x !== null && typeof x === "object" && typeof (x as ImportIssue).message === "string" && !("field" in x);

/** The lines to print for `error` in `language`, or undefined when the error is not one with issues in it. */
export function issuesReport(error: unknown, language: CliLanguage): string[] | undefined {
  if (language !== "ja") return undefined;
  if (error instanceof ValidationError) {
    return [
      "エラー: この投稿はこのままでは公開できません:",
      ...error.issues.map((issue) => `  - ${formatIssueIn(issue, "ja")}`),
      "何も変更していません。",
    ];
  }
  if (!(error instanceof AppError) || error.code !== "invalid_input") return undefined;
  const details = error.details as { issues?: unknown[]; file?: string } | undefined;
  const issues = details?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  if (issues.every(isPreflightIssue)) {
    return [
      "エラー: このポストグループはこのままでは公開できません:",
      ...issues.map((issue) => `  - ${formatIssueIn(issue, "ja")}`),
      "何も変更していません。",
    ];
  }
  if (issues.every(isImportIssue)) {
    const shown = issues.slice(0, MESSAGE_ISSUES).map((issue) => `  - ${formatImportIssueJa(issue)}`);
    const more = issues.length > MESSAGE_ISSUES ? [`  …ほか ${issues.length - MESSAGE_ISSUES} 件`] : [];
    return [
      `エラー: ${details?.file === undefined ? "" : `${details.file}: `}何もインポートしていません。次の ${issues.length} 件の問題を直してから、もう一度インポートしてください:`,
      ...shown,
      ...more,
    ];
  }
  return undefined;
}

/** As src/groups/import.ts shows them in English. */
const MESSAGE_ISSUES = 20;

/** "行 3: …", "行 3、バイト位置 15: …", "グループ 2（「朝」）: …". */
export function formatImportIssueJa(issue: ImportIssue): string {
  const message = issue.ja ?? issue.message;
  if (issue.line !== undefined) {
    return `行 ${issue.line}${issue.byte === undefined ? "" : `、バイト位置 ${issue.byte}`}: ${message}`;
  }
  if (issue.group !== undefined) {
    return `グループ ${issue.group}${issue.groupName === undefined ? "" : `（「${issue.groupName}」）`}: ${message}`;
  }
  return message;
}
