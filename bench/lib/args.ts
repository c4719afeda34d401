import { parseArgs } from "node:util";

/** `--name value` flags of a benchmark; every flag is optional and documented in the file's header. */
export function flags(
  names: string[],
  booleans: string[] = [],
): Record<string, string | boolean | undefined> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      ...Object.fromEntries(names.map((n) => [n, { type: "string" as const }])),
      ...Object.fromEntries(booleans.map((n) => [n, { type: "boolean" as const }])),
    },
    strict: true,
  });
  return values as Record<string, string | boolean | undefined>;
}

export function intFlag(value: string | boolean | undefined, fallback: number, name: string): number {
  if (value === undefined || typeof value === "boolean") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not "${value}"`);
  return n;
}

export function listFlag<T extends string>(
  value: string | boolean | undefined,
  fallback: T[],
  allowed: readonly T[],
  name: string,
): T[] {
  if (value === undefined || typeof value === "boolean") return fallback;
  const items = value.split(",").map((s) => s.trim()) as T[];
  for (const item of items) {
    if (!allowed.includes(item)) throw new Error(`--${name}: "${item}" is not one of ${allowed.join(", ")}`);
  }
  return items;
}
