import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { firstProblem } from "../schema-fields.js";
import type { RunFilter } from "./inspect.js";
import { RUN_STATE_FILTERS } from "./run-state.js";
import { type RunNames, runIdSchema, runListSchema } from "./runs.schema.js";

// Compile-time: what the schema gives is what listRuns filters on.
const _list: (v: z.output<ReturnType<typeof runListSchema>>) => RunFilter = (v) => v;
void _list;

const FLAGS: RunNames = {
  accountId: "--account",
  state: "--state",
  from: "--from",
  to: "--to",
  limit: "--limit",
};

const problem = (schema: z.ZodType, input: unknown) => {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  return firstProblem(parsed.error);
};

describe("runListSchema", () => {
  it("takes each filter as JSON or as text, instants as ms or ISO 8601 with an offset", () => {
    expect(runListSchema().parse({})).toEqual({});
    expect(
      runListSchema().parse({
        accountId: "3",
        state: "done",
        from: "2026-12-24T09:00:00+09:00",
        to: 1_798_070_400_000,
        limit: "20",
      }),
    ).toEqual({
      accountId: 3,
      state: "done",
      from: Date.UTC(2026, 11, 24),
      to: 1_798_070_400_000,
      limit: 20,
    });
  });

  it("refuses each malformed value with the message the CLI shows", () => {
    const s = runListSchema(FLAGS);
    expect(problem(s, { state: "late" })).toBe(
      `--state must be one of ${RUN_STATE_FILTERS.join(", ")}, not "late"`,
    );
    expect(problem(s, { limit: "0" })).toBe('--limit must be a whole number above 0, not "0"');
    expect(problem(s, { accountId: "x" })).toBe('--account must be a whole number above 0, not "x"');
    expect(problem(s, { from: "2026-12-24 09:00" })).toMatch(/^--from must be an instant/);
  });
});

it("runIdSchema takes a run's id", () => {
  expect(runIdSchema().parse("12")).toBe(12);
  expect(problem(runIdSchema("the run ID"), "-1")).toBe(
    'the run ID must be a whole number above 0, not "-1"',
  );
});
