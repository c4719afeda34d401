import { randomBytes } from "node:crypto";

export type FaultKind =
  | "http_500"
  | "http_503"
  | "timeout"
  | "rate_limit"
  | "token_expired"
  | "lost_response"
  | "error";

export interface FaultRule {
  id?: string;
  /** Substring of the request path, or a RegExp source matched against it (e.g. "threads_publish"). */
  path?: string;
  /** HTTP method, any case. */
  method?: string;
  /** Only requests made with this user's token (or naming this user id in the path). */
  userId?: string;
  kind: FaultKind;
  /** How many matching requests to fail; default 1, Infinity allowed. */
  times?: number;
  /** Chance (0–1) that a matching request fails; default 1. */
  probability?: number;
  /** timeout: how long to hang before answering 504 (default 60 000); lost_response: hang before the 500. */
  delayMs?: number;
  /** For kind "error" (and to override rate_limit's code): Meta's code/subcode, message and HTTP status. */
  error?: { code: number; subcode?: number; message?: string; status?: number };
}

export interface FaultRequest {
  path: string;
  method: string;
  userId: string | undefined;
}

const KINDS: FaultKind[] = [
  "http_500",
  "http_503",
  "timeout",
  "rate_limit",
  "token_expired",
  "lost_response",
  "error",
];

/** Holds the active fault rules; each matching request uses up one of a rule's `times`. */
export class FaultController {
  private rules: (FaultRule & { id: string; remaining: number })[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): FaultRule {
    const checked = checkRule(rule);
    const id = checked.id ?? `fault_${randomBytes(4).toString("hex")}`;
    this.rules = this.rules.filter((r) => r.id !== id);
    this.rules.push({ ...checked, id, remaining: checked.times ?? 1 });
    return this.describe(this.rules.at(-1)!);
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => this.describe(r));
  }

  /** The first rule that fires for this request, consuming one use of it. */
  take(request: FaultRequest): FaultRule | undefined {
    for (const rule of this.rules) {
      if (!matches(rule, request)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      return this.describe(rule);
    }
    return undefined;
  }

  private describe(rule: FaultRule & { remaining: number }): FaultRule {
    const { remaining, ...rest } = rule;
    return { ...rest, times: remaining };
  }
}

function matches(rule: FaultRule, request: FaultRequest): boolean {
  if (rule.method && rule.method.toUpperCase() !== request.method.toUpperCase()) return false;
  if (rule.userId && rule.userId !== request.userId && !request.path.split("/").includes(rule.userId)) {
    return false;
  }
  if (rule.path && !request.path.includes(rule.path)) {
    try {
      if (!new RegExp(rule.path).test(request.path)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Validates a rule (from code or from JSON: `times` may be the string "Infinity" or null for unlimited). */
export function checkRule(input: FaultRule): FaultRule {
  if (!input || typeof input !== "object") throw new TypeError("A fault rule must be an object.");
  if (!KINDS.includes(input.kind)) {
    throw new TypeError(`Fault kind must be one of ${KINDS.join(", ")} (got ${JSON.stringify(input.kind)}).`);
  }
  const rule: FaultRule = { ...input };
  const times = input.times as unknown;
  if (times === "Infinity" || times === null) rule.times = Number.POSITIVE_INFINITY;
  else if (times !== undefined && (typeof times !== "number" || !(times > 0))) {
    throw new TypeError(
      `Fault "times" must be a positive number or Infinity (got ${JSON.stringify(times)}).`,
    );
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new TypeError(`Fault "probability" must be between 0 and 1 (got ${rule.probability}).`);
  }
  if (rule.delayMs !== undefined && !(rule.delayMs >= 0)) {
    throw new TypeError(`Fault "delayMs" must be a non-negative number (got ${rule.delayMs}).`);
  }
  if (rule.kind === "error" && (!rule.error || typeof rule.error.code !== "number")) {
    throw new TypeError('A fault of kind "error" needs error.code (a number).');
  }
  return rule;
}

/** JSON cannot carry Infinity: the admin API sends "Infinity" instead. */
export function ruleToJson(rule: FaultRule): Record<string, unknown> {
  return { ...rule, ...(rule.times === Number.POSITIVE_INFINITY ? { times: "Infinity" } : {}) };
}
