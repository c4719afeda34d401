/**
 * The input of the runs' operations, for every surface (zod 4; pure).
 *
 * The JSON:
 *   list:    { "accountId"?: 3, "state"?: "failed", "from"?, "to"?, "limit"?: 100 }, `from`/`to` an instant
 *            as milliseconds or ISO 8601 with an offset ("2026-12-24T09:00:00+09:00"); every value may come
 *            as text (a query string)
 *   cancel:  the run's id
 */
import { z } from "zod";
import { id, oneOf, wholeNumber } from "../schema-fields.js";
import { RUN_STATE_FILTERS, type RunStateFilter } from "./run-state.js";

/** How a surface names each input in its messages (`--state` on the command line). */
export interface RunNames {
  accountId: string;
  state: string;
  from: string;
  to: string;
  limit: string;
}

const RUN_JSON_NAMES: RunNames = {
  accountId: "accountId",
  state: "state",
  from: "from",
  to: "to",
  limit: "limit",
};

/** An instant: milliseconds since the epoch, or ISO 8601 with an offset (a time without one is ambiguous). */
function instant(label: string) {
  return z.unknown().transform((input, ctx): number => {
    if (typeof input === "number" && Number.isSafeInteger(input) && input >= 0) return input;
    if (typeof input === "string" && /^\d+$/.test(input.trim())) return Number(input.trim());
    if (typeof input === "string" && z.iso.datetime({ offset: true }).safeParse(input.trim()).success) {
      return Date.parse(input.trim());
    }
    ctx.addIssue({
      code: "custom",
      message: `${label} must be an instant: milliseconds, or ISO 8601 with an offset (2026-12-24T09:00:00+09:00), not "${String(input)}"`,
      input,
    });
    return z.NEVER;
  });
}

/** What `runListSchema` gives: inspect.ts's `RunFilter` (its filters a user sets). */
export interface RunListValues {
  accountId?: number;
  state?: RunStateFilter;
  from?: number;
  to?: number;
  limit?: number;
}

/** `runs`: which runs to list; unset values do not filter (the surface chooses the default limit). */
export function runListSchema(n: RunNames = RUN_JSON_NAMES) {
  return z
    .object({
      state: oneOf(n.state, RUN_STATE_FILTERS).optional(),
      accountId: id(n.accountId).optional(),
      from: instant(n.from).optional(),
      to: instant(n.to).optional(),
      limit: wholeNumber(n.limit).optional(),
    })
    .transform(
      (v): RunListValues =>
        Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as RunListValues,
    );
}

/** `runs cancel`: a run's id. */
export function runIdSchema(label = "id") {
  return id(label);
}
