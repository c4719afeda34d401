import type { ParseArgsConfig } from "node:util";
import type { z } from "zod";
import type { DatabaseUse } from "../app/open-app.js";
import { firstProblem } from "../schema-fields.js";
import type { CliContext } from "./context.js";
import { UsageError } from "./usage-error.js";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** One CLI command: `threads-scheduler <name> [flags]`. */
export interface Command {
  /** e.g. "accounts add" */
  name: string;
  summary: string;
  /** Usage line(s) after the command name. */
  usage: string;
  /** Flag descriptions for --help, in order. */
  flags?: Array<[flag: string, description: string]>;
  options?: OptionSpec;
  /** Positional arguments allowed (default 0). */
  positionals?: { min: number; max: number; names: string };
  /**
   * What the command does with the database (default "write"): "read" never creates or migrates it, and
   * says so when it is missing or older; "create" (start, migrate) may create it. See DatabaseUse.
   */
  database?: DatabaseUse;
  /**
   * The command decrypts ("use") or stores ("store") account tokens: SECRET_KEY is checked against the
   * database's key check first and the command refused on a mismatch. "store" also saves a newly generated
   * key file when the database holds no token yet.
   */
  secretKey?: "use" | "store";
  run(ctx: CliContext, args: ParsedArgs): Promise<number | undefined>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  /** Every token as given, in order (for flags whose order matters, like --text then --image). */
  tokens: Array<{ kind: "option"; name: string; value?: string } | { kind: "positional"; value: string }>;
}

// Its own module, so that modules command.ts reaches (context.ts → prompt.ts) can throw it without a cycle.
export { UsageError } from "./usage-error.js";

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

export function strs(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/**
 * Reads a command's input with the operation's schema (`*.schema.ts`, shared with the HTTP API): the command
 * maps its flags to the schema's JSON, verbatim, and names the flags in the messages (the `names` a schema
 * takes). A refusal is a usage mistake: its first problem, with the usage (exit 2).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new UsageError(firstProblem(parsed.error));
  return parsed.data;
}

/**
 * Flag values as a schema's JSON, verbatim: `valuesOf(args, { accountId: "account" })` is
 * `{ accountId: "3" }` for `--account 3`, and `{}` without it.
 */
export function valuesOf(args: ParsedArgs, flags: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, name] of Object.entries(flags)) {
    const value = str(args, name);
    if (value !== undefined) values[key] = value;
  }
  return values;
}
