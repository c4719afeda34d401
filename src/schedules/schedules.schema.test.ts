import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { ParsedArgs } from "../cli/command.js";
import { SCHEDULE_FLAG_NAMES, scheduleJsonFromArgs } from "../cli/commands/schedules.js";
import { firstProblem } from "../schema-fields.js";
import { newScheduleSchema, schedulePatchSchema } from "./schedules.schema.js";
import type { NewSchedule, SchedulePatch } from "./schedules.service.js";

// Compile-time: what the schemas give is what the service takes.
type Gives<S extends z.ZodType> = z.output<S>;
const _add: (v: Gives<ReturnType<typeof newScheduleSchema>>) => NewSchedule = (v) => v;
const _patch: (v: Gives<ReturnType<typeof schedulePatchSchema>>) => SchedulePatch = (v) => v;
void [_add, _patch];

const problem = (schema: z.ZodType, input: unknown) => {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  return firstProblem(parsed.error);
};

/** The CLI's names for the flags: the messages below are the ones the command line shows. */
const FLAGS = SCHEDULE_FLAG_NAMES;

function argsOf(values: ParsedArgs["values"]): ParsedArgs {
  return { values, positionals: [], tokens: [] };
}

describe("newScheduleSchema", () => {
  const add = newScheduleSchema();

  it("accepts a fixed schedule as JSON or as typed text, and gives the service's NewSchedule", () => {
    expect(add.parse({ accountId: 3, times: ["09:00", "12:30"] })).toEqual({
      accountId: 3,
      kind: "fixed",
      times: ["09:00", "12:30"],
    });
    expect(
      add.parse({ accountId: "3", times: "０９：００、12:30", days: "Mon,fri", groupIds: "4, 5" }),
    ).toEqual({
      accountId: 3,
      kind: "fixed",
      times: ["09:00", "12:30"],
      days: ["mon", "fri"],
      groupIds: [4, 5],
    });
  });

  it("accepts a random window with its count and gap, as text or as start and end", () => {
    const expected = {
      accountId: 1,
      kind: "random",
      windowStart: "22:00",
      windowEnd: "02:00",
      postsPerDay: 3,
      minGapMinutes: 30,
    };
    expect(add.parse({ accountId: 1, window: "22:00 - 02:00", postsPerDay: 3, minGapMinutes: "30" })).toEqual(
      expected,
    );
    expect(
      add.parse({
        accountId: 1,
        window: { start: "22:00", end: "02:00" },
        postsPerDay: "3",
        minGapMinutes: 30,
      }),
    ).toEqual(expected);
  });

  it("reads all, none and null as no choice, and keeps the other settings", () => {
    expect(
      add.parse({
        accountId: 1,
        times: "09:00",
        groupIds: "ALL",
        until: "none",
        timezone: null,
        pick: "shuffle",
        misfireGraceMinutes: "0",
        active: false,
      }),
    ).toEqual({
      accountId: 1,
      kind: "fixed",
      times: ["09:00"],
      groupIds: null,
      until: null,
      timezone: null,
      pick: "shuffle",
      misfireGraceMinutes: 0,
      active: false,
    });
    expect(add.parse({ accountId: 1, times: "09:00", until: "2026-12-31", groupIds: null })).toMatchObject({
      until: "2026-12-31",
      groupIds: null,
    });
  });

  it("refuses each malformed value with the message the CLI shows", () => {
    const s = newScheduleSchema(FLAGS);
    const base = { accountId: "1", times: "09:00" };
    expect(problem(s, { times: "09:00", window: "09:00-10:00" })).toBe(
      "give either --fixed HH:MM[,HH:MM…] or --random HH:MM-HH:MM, not both",
    );
    expect(problem(s, { ...base, postsPerDay: "3" })).toBe(
      "--count and --min-gap belong to --random schedules",
    );
    expect(problem(s, { ...base, minGapMinutes: "3" })).toBe(
      "--count and --min-gap belong to --random schedules",
    );
    expect(problem(s, { accountId: "1" })).toBe(
      "give either --fixed HH:MM[,HH:MM…] or --random HH:MM-HH:MM --count N",
    );
    expect(problem(s, { accountId: "1", window: "09:00-10:00" })).toBe(
      "--random needs --count N (posts per day)",
    );
    expect(problem(s, { accountId: "1", window: "9-10-11", postsPerDay: "1" })).toBe(
      '--random must look like 09:00-21:00, not "9-10-11"',
    );
    expect(problem(s, { times: "09:00" })).toBe("--account is required");
    expect(problem(s, { ...base, accountId: "1e3" })).toBe(
      '--account must be a whole number above 0, not "1e3"',
    );
    expect(problem(s, { ...base, accountId: "99999999999999999999" })).toBe(
      "--account 99999999999999999999 is too large: ids go up to 9007199254740991",
    );
    expect(problem(s, { accountId: "1", window: "09:00-10:00", postsPerDay: "0" })).toBe(
      '--count must be a whole number above 0, not "0"',
    );
    expect(problem(s, { accountId: "1", window: "09:00-10:00", postsPerDay: "2", minGapMinutes: "-1" })).toBe(
      '--min-gap must be a whole number of minutes, not "-1"',
    );
    expect(problem(s, { ...base, days: "mon,funday" })).toBe(
      '--days takes weekdays from mon,tue,wed,thu,fri,sat,sun, not "funday"',
    );
    expect(problem(s, { ...base, days: "" })).toBe(
      '--days takes weekdays from mon,tue,wed,thu,fri,sat,sun, not ""',
    );
    expect(problem(s, { ...base, pick: "best" })).toBe(
      '--pick must be one of random, shuffle, sequential, not "best"',
    );
    expect(problem(s, { ...base, groupIds: "4,x" })).toBe('--groups must be a whole number above 0, not "x"');
    expect(problem(s, { ...base, misfireGraceMinutes: "1441" })).toBe(
      '--misfire-grace must be a whole number of minutes from 0 to 1440, not "1441"',
    );
    expect(problem(s, { ...base, until: "2026-02-30" })).toBe(
      '--until must be a date YYYY-MM-DD (the last day it posts), not "2026-02-30"',
    );
  });

  it("names the JSON fields by default", () => {
    expect(problem(add, { accountId: 1, window: "09:00-10:00" })).toBe(
      "window needs postsPerDay N (posts per day)",
    );
    expect(problem(add, { accountId: 1, times: 9 })).toBe("times must be times HH:MM[,HH:MM…]");
  });
});

describe("schedulePatchSchema", () => {
  const patch = schedulePatchSchema(FLAGS);

  it("gives only what was given", () => {
    expect(patch.parse({ postsPerDay: "5" })).toEqual({ postsPerDay: 5 });
    expect(patch.parse({ window: "10:00-11:00" })).toEqual({
      kind: "random",
      windowStart: "10:00",
      windowEnd: "11:00",
    });
    expect(patch.parse({ until: "none", groupIds: "all" })).toEqual({ until: null, groupIds: null });
  });

  it("refuses an edit that changes nothing, and mixed kinds", () => {
    expect(problem(patch, {})).toBe(
      "nothing to change: give at least one option of `schedules add` (see --help)",
    );
    expect(problem(patch, { times: "09:00", minGapMinutes: "5" })).toBe(
      "--count and --min-gap belong to --random schedules",
    );
  });
});

describe("the CLI's flags as the schema's JSON", () => {
  it("maps each flag to its field, verbatim", () => {
    expect(
      scheduleJsonFromArgs(
        argsOf({
          account: "3",
          random: "09:00-12:00",
          count: "3",
          "min-gap": "20",
          timezone: "Asia/Tokyo",
          days: "mon,tue",
          pick: "shuffle",
          groups: "all",
          "misfire-grace": "30",
          until: "none",
          paused: true,
          json: true,
        }),
      ),
    ).toEqual({
      accountId: "3",
      window: "09:00-12:00",
      postsPerDay: "3",
      minGapMinutes: "20",
      timezone: "Asia/Tokyo",
      days: "mon,tue",
      pick: "shuffle",
      groupIds: "all",
      misfireGraceMinutes: "30",
      until: "none",
      active: false,
    });
    expect(scheduleJsonFromArgs(argsOf({ fixed: "09:00,21:00" }))).toEqual({ times: "09:00,21:00" });
  });
});
