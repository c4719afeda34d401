/**
 * Field schemas shared by the features' `*.schema.ts` (zod 4; pure: no `node:` imports, no database).
 *
 * Every schema takes JSON-shaped input, as the CLI, the HTTP API and the web UI send it: a number may come as
 * a JSON number or as its digits (a flag, a query parameter, a form field), a list as an array or as text
 * separated by commas. Messages name the input through a label the surface chooses (`--count` on the command
 * line, `postsPerDay` in JSON), so each surface reads in its own words: "`label` must be …".
 */
import { z } from "zod";

/** The largest id accepted: every id the databases hand out fits in a JavaScript number. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/** The text of a JSON number or string as the user gave it (undefined for anything else). */
function textOf(input: unknown): string | undefined {
  if (typeof input === "number") return String(input);
  if (typeof input === "string") return input;
  return undefined;
}

/** The message of a value that is not a whole number above 0 (`1e3`, `0x10`, `0`, `-3`, `abc`). */
function wholeNumberIssue(label: string, text: string | undefined, max: number, limitWords: string) {
  const digits = text?.trim() ?? "";
  if (!/^\d+$/.test(digits) || /^0+$/.test(digits)) {
    return `${label} must be a whole number above 0, not "${text ?? String(text)}"`;
  }
  if (Number(digits) > max) return `${label} ${digits} is too large: ${limitWords} ${max}`;
  return undefined;
}

/**
 * A whole number from 1 to `max`, written in digits: `1e3`, `0x10` and numbers beyond `max` are refused as
 * typed (Number() would read 99999999999999999999 as 1e20). Missing: "`label` is required".
 */
export function wholeNumber(label: string, opts: { max?: number; limitWords?: string } = {}) {
  const max = opts.max ?? MAX_ID;
  const limitWords = opts.limitWords ?? "at most";
  return z.unknown().transform((input, ctx): number => {
    if (input === undefined) {
      ctx.addIssue({ code: "custom", message: `${label} is required`, input });
      return z.NEVER;
    }
    const text = textOf(input);
    const message = wholeNumberIssue(label, text, max, limitWords);
    if (message !== undefined) {
      ctx.addIssue({ code: "custom", message, input });
      return z.NEVER;
    }
    return Number(text!.trim());
  });
}

/** An id (an account, a group, a schedule, a run): a whole number above 0, up to MAX_ID. */
export function id(label: string) {
  return wholeNumber(label, { limitWords: "ids go up to" });
}

/** A number of minutes from 0 (to `max`, when given). */
export function minutes(label: string, max?: number) {
  return z.unknown().transform((input, ctx): number => {
    const text = textOf(input) ?? String(input);
    const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(n) || n < 0 || (max !== undefined && n > max)) {
      const range = max === undefined ? "" : ` from 0 to ${max}`;
      ctx.addIssue({
        code: "custom",
        message: `${label} must be a whole number of minutes${range}, not "${text}"`,
        input,
      });
      return z.NEVER;
    }
    return n;
  });
}

/** A whole number from 0 (a port, a delay in ms), written in digits: "`label` must be a whole number, 0 or more". */
export function wholeNumberFromZero(label: string) {
  return z.unknown().transform((input, ctx): number => {
    const text = textOf(input) ?? String(input);
    const digits = text.trim();
    if (!/^\d+$/.test(digits) || !Number.isSafeInteger(Number(digits))) {
      ctx.addIssue({
        code: "custom",
        message: `${label} must be a whole number, 0 or more, not "${text}"`,
        input,
      });
      return z.NEVER;
    }
    return Number(digits);
  });
}

/**
 * A stop timeout: seconds (fractions allowed) from 0 to 3600, as ms. The one parser of STOP_TIMEOUT and
 * `start --stop-timeout`: refused as "`label`: "x" is not a number of seconds…", or without a label as
 * ""x" is not…" (the configuration names its variable itself).
 */
export function stopTimeout(label?: string) {
  return z.unknown().transform((input, ctx): number => {
    const text = textOf(input) ?? String(input);
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n > 3600) {
      const problem = `"${text}" is not a number of seconds between 0 and 3600 (for example 30).`;
      ctx.addIssue({
        code: "custom",
        message: label === undefined ? problem : `${label}: ${problem}`,
        input,
      });
      return z.NEVER;
    }
    return Math.round(n * 1000);
  });
}

/** A list given as an array or as text separated by commas (`"mon,tue"`): the items, trimmed. */
export function listItems(input: unknown): unknown[] | undefined {
  if (Array.isArray(input)) return input.map((x) => (typeof x === "string" ? x.trim() : x));
  if (typeof input === "string") return input.split(",").map((x) => x.trim());
  return undefined;
}

/**
 * One of `values`; refused as "`label` must be one of a, b, c, not "x"" (or, with `listWords`, "`label` must
 * be `listWords`, not "x"", e.g. "en or ja").
 */
export function oneOf<const T extends string>(
  label: string,
  values: readonly T[],
  opts: { listWords?: string } = {},
) {
  const listWords = opts.listWords ?? `one of ${values.join(", ")}`;
  return z.unknown().transform((input, ctx): T => {
    if (typeof input === "string" && (values as readonly string[]).includes(input)) return input as T;
    ctx.addIssue({
      code: "custom",
      message: `${label} must be ${listWords}, not "${textOf(input) ?? String(input)}"`,
      input,
    });
    return z.NEVER;
  });
}

/** A text that must be given and not blank: "`label` is required". */
export function requiredText(label: string) {
  return z.unknown().transform((input, ctx): string => {
    if (typeof input === "string" && input !== "") return input;
    ctx.addIssue({ code: "custom", message: `${label} is required`, input });
    return z.NEVER;
  });
}

/** The first problem of a failed parse, as the message a user reads (the CLI shows one at a time). */
export function firstProblem(error: z.ZodError): string {
  return error.issues[0]?.message ?? "the input is not valid";
}
