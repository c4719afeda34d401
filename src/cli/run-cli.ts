import { parseArgs } from "node:util";
import { DatabaseError } from "../app/open-app.js";
import { CONFIG_VARIABLES, ConfigError, type ConfigOverrides } from "../config.js";
import { AppError } from "../errors.js";
import { ThreadsApiError } from "../threads/errors.js";
import { formatIssue, ValidationError } from "../threads/preflight.js";
import { type Command, type ParsedArgs, UsageError } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { createCliContext } from "./context.js";
import { hintSentence } from "./hints.js";
import { issuesReport } from "./issues.js";
import { cliLanguage } from "./locale.js";
import type { Output } from "./output.js";
import type { Prompt } from "./prompt.js";

/** Said on stderr by every command in sandbox mode (stdout stays clean for --json). */
const SANDBOX_NOTE =
  "[sandbox mode] Threads is the built-in emulator: nothing is published to Threads. Set THREADS_APP_ID and THREADS_APP_SECRET (or THREADS_GRAPH_URL) to publish for real.";

/** Flags every command accepts; they override the environment. */
const GLOBAL_FLAGS: Record<string, keyof ConfigOverrides> = {
  "--database-url": "DATABASE_URL",
  "--data-dir": "DATA_DIR",
  "--log-level": "LOG_LEVEL",
  "--host": "HOST",
  "--port": "PORT",
};

/**
 * Runs the CLI in-process; returns the exit code (0 ok, 1 error, 2 usage). `prompt`: how confirmations are
 * asked (default: the process's terminal, if it has one).
 */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  output: Output,
  opts: { prompt?: Prompt } = {},
): Promise<number> {
  const { rest, overrides } = extractGlobalFlags(argv);
  const found = findCommand(rest);
  if (!found) {
    if (rest.length === 0 || rest[0] === "--help" || rest[0] === "-h" || rest[0] === "help") {
      output.out(mainHelp());
      return 0;
    }
    if (rest[0] === "--version") {
      output.out("threads-scheduler 0.1.0");
      return 0;
    }
    const group = COMMANDS.filter((c) => c.name.split(" ")[0] === rest[0]);
    if (group.length > 0) {
      const wanted = rest.slice(0, 2).join(" ");
      output.err(
        rest[1] && !rest[1].startsWith("-")
          ? `Unknown command "${wanted}". Commands of "${rest[0]}":`
          : `"${rest[0]}" needs a subcommand:`,
      );
      for (const c of group) output.err(`  threads-scheduler ${c.name.padEnd(20)} ${c.summary}`);
      return rest.includes("--help") ? 0 : 2;
    }
    output.err(`Unknown command "${rest[0]}". Run \`threads-scheduler --help\` for the list of commands.`);
    return 2;
  }
  const { command, args } = found;
  if (args.includes("--help") || args.includes("-h")) {
    output.out(commandHelp(command));
    return 0;
  }
  let parsed: ParsedArgs;
  try {
    parsed = parseCommandArgs(command, args);
  } catch (error) {
    output.err(`Error: ${(error as Error).message}`);
    output.err(`Usage: threads-scheduler ${command.name} ${command.usage}`);
    output.err(`Run \`threads-scheduler ${command.name} --help\` for details.`);
    return 2;
  }
  const ctx = createCliContext(
    env,
    overrides,
    output,
    {
      database: command.database ?? "write",
      secretKey: command.secretKey,
    },
    opts.prompt,
  );
  try {
    if (command.name !== "start" && command.name !== "sandbox" && ctx.config().threads.kind === "sandbox") {
      output.err(SANDBOX_NOTE);
    }
    return (await command.run(ctx, parsed)) ?? 0;
  } catch (error) {
    const explained = ctx.explainError(error);
    if (explained instanceof UsageError && explained.ja !== undefined && cliLanguage(env) === "ja") {
      output.err(`エラー: ${explained.ja}`);
      output.err(`使い方: threads-scheduler ${command.name} ${command.usage}`);
      return 2;
    }
    const inLanguage = issuesReport(explained, cliLanguage(env));
    if (inLanguage !== undefined) {
      for (const line of inLanguage) output.err(line);
      return 1;
    }
    return reportError(explained, command, output, overrides);
  } finally {
    // E.g. the built-in sandbox could not save its state into DATA_DIR: said, not swallowed.
    await ctx.close().catch((error: unknown) => {
      output.err(`Warning: while closing: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}

function reportError(error: unknown, command: Command, output: Output, fromFlags: ConfigOverrides): number {
  // A malformed value (a time, a zone, a grace, …) is a usage mistake wherever it was found: in the CLI or by a service.
  if (error instanceof UsageError || (error instanceof AppError && error.field !== undefined)) {
    output.err(`Error: ${error.message}${error instanceof AppError ? hintSentence(error.hint) : ""}`);
    output.err(`Usage: threads-scheduler ${command.name} ${command.usage}`);
    return 2;
  }
  // `--port abc` is a usage mistake like any other flag's; PORT=abc in the environment is a configuration error.
  const flagName = Object.keys(GLOBAL_FLAGS).find(
    (f) =>
      error instanceof ConfigError &&
      GLOBAL_FLAGS[f] === error.variable &&
      fromFlags[error.variable] !== undefined,
  );
  if (error instanceof ConfigError && flagName) {
    output.err(`Error: ${flagName}: ${error.message.slice(error.variable.length + 2)}`);
    output.err(`Usage: threads-scheduler ${command.name} ${command.usage}`);
    return 2;
  }
  if (error instanceof ConfigError) {
    output.err(`Configuration error: ${error.message}`);
    return 1;
  }
  if (error instanceof ValidationError) {
    output.err("Error: the post cannot be published as it is:");
    for (const issue of error.issues) output.err(`  - ${formatIssue(issue)}`);
    output.err("Nothing was changed.");
    return 1;
  }
  if (error instanceof AppError) {
    output.err(`Error: ${error.message}${hintSentence(error.hint)}`);
    return 1;
  }
  if (error instanceof DatabaseError) {
    output.err(`Error: ${error.message}`);
    return 1;
  }
  if (error instanceof ThreadsApiError) {
    output.err(`Threads error: ${error.message}`);
    return 1;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  output.err(`Error: ${e.message}`);
  if (process.env.LOG_LEVEL === "debug" && e.stack) output.err(e.stack);
  return 1;
}

function extractGlobalFlags(argv: string[]): { rest: string[]; overrides: ConfigOverrides } {
  const rest: string[] = [];
  const overrides: ConfigOverrides = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    const variable = GLOBAL_FLAGS[name];
    // `--port` of `sandbox` is its own flag, not the web server's.
    if (variable && !(name === "--port" && argv[0] === "sandbox")) {
      const value = inline ?? argv[++i];
      if (value !== undefined) overrides[variable] = value;
      continue;
    }
    rest.push(a);
  }
  return { rest, overrides };
}

function findCommand(rest: string[]): { command: Command; args: string[] } | undefined {
  const two = rest.slice(0, 2).join(" ");
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo) return { command: byTwo, args: rest.slice(2) };
  const byOne = COMMANDS.find((c) => c.name === rest[0]);
  if (byOne) return { command: byOne, args: rest.slice(1) };
  return undefined;
}

function parseCommandArgs(command: Command, args: string[]): ParsedArgs {
  const { values, positionals, tokens } = parseArgs({
    args: attachNegativeValues(command, args),
    options: command.options ?? {},
    allowPositionals: (command.positionals?.max ?? 0) > 0,
    strict: true,
    tokens: true,
  });
  const p = command.positionals;
  if (p && positionals.length < p.min) throw new UsageError(`missing ${p.names}`);
  if (p && positionals.length > p.max)
    throw new UsageError(`too many arguments: ${positionals.slice(p.max).join(" ")}`);
  return {
    values: values as ParsedArgs["values"],
    positionals,
    tokens: (tokens ?? []).flatMap((t): ParsedArgs["tokens"] => {
      if (t.kind === "option")
        return [{ kind: "option", name: t.name, ...(t.value !== undefined ? { value: t.value } : {}) }];
      if (t.kind === "positional") return [{ kind: "positional", value: t.value }];
      return [];
    }),
  };
}

/**
 * `--count -3`: parseArgs refuses a value that starts with a dash as "ambiguous", and the user would learn
 * nothing about the number. A negative number after a flag that takes a value is that flag's value
 * (`--count=-3`), so the command's own check says what is wrong with it; after anything else (`remove -3`) it
 * is refused here as the mistake it is.
 */
function attachNegativeValues(command: Command, args: string[]): string[] {
  const options = command.options ?? {};
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const name = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && NEGATIVE.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
      continue;
    }
    if (NEGATIVE.test(arg)) {
      throw new UsageError(
        command.positionals?.names === "ID"
          ? `the ID must be a whole number above 0, not ${arg}`
          : `unexpected ${arg}: a value that starts with a dash goes right after its flag (--flag=${arg})`,
      );
    }
    out.push(arg);
  }
  return out;
}

const NEGATIVE = /^-\d/;

export function commandHelp(command: Command): string {
  const lines = [`Usage: threads-scheduler ${command.name} ${command.usage}`, "", command.summary];
  if (command.flags?.length) {
    lines.push("", "Flags:");
    const w = Math.max(...command.flags.map(([f]) => f.length));
    for (const [f, d] of command.flags) lines.push(`  ${f.padEnd(w)}  ${d}`);
  }
  lines.push("", globalFlagsHelp());
  return lines.join("\n");
}

function globalFlagsHelp(): string {
  return [
    "Global flags (override the environment): --database-url URL, --data-dir DIR, --log-level LEVEL, --host HOST, --port PORT",
    "Run `threads-scheduler --help` for the environment variables.",
  ].join("\n");
}

export function mainHelp(): string {
  const lines = [
    "threads-scheduler — publish to Meta Threads on fixed and random schedules, exactly once.",
    "",
    "Usage: threads-scheduler <command> [flags]     (every command has --help)",
    "",
    "Commands:",
  ];
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(w)}  ${c.summary}`);
  lines.push("", "Environment (flags > environment > defaults):");
  const vw = Math.max(...CONFIG_VARIABLES.map((v) => v.name.length));
  for (const v of CONFIG_VARIABLES)
    lines.push(`  ${v.name.padEnd(vw)}  ${v.description} (default: ${v.default})`);
  lines.push("", globalFlagsHelp().split("\n")[0]!);
  return lines.join("\n");
}
