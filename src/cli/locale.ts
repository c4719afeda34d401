/**
 * The one place that decides which language the CLI writes its issues in (preflight's and an import's):
 * `THREADS_SCHEDULER_LANG=ja|en` wins; else the first of LC_ALL, LC_MESSAGES, LANG that is set (POSIX's
 * order) decides: Japanese when it starts with "ja" (ja_JP.UTF-8, ja), English otherwise.
 */
import type { IssueLanguage } from "../threads/preflight.js";

export type CliLanguage = IssueLanguage;

export function cliLanguage(env: NodeJS.ProcessEnv): CliLanguage {
  const chosen = env.THREADS_SCHEDULER_LANG?.trim().toLowerCase();
  if (chosen === "ja" || chosen === "en") return chosen;
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== "");
  return locale?.toLowerCase().startsWith("ja") ? "ja" : "en";
}
