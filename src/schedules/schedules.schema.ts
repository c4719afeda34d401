/**
 * The input of `schedules add` and `schedules edit`, for every surface (zod 4; pure). What the planner can
 * plan (a time of day that exists, a zone, a window of some length, the end date against today) is the
 * service's check, which knows the account; a schema checks the form of each value and which values go
 * together.
 *
 * The JSON (the CLI maps its flags to it one to one, verbatim):
 *   { "accountId": 3,                              add only
 *     "times": ["09:00", "12:30"] | "09:00,12:30",   a fixed schedule
 *     "window": "09:00-21:00" | { "start", "end" },  a random schedule (22:00-02:00 crosses midnight) …
 *     "postsPerDay": 3, "minGapMinutes": 30,        … with its count and minimum gap
 *     "timezone": "Asia/Tokyo" | null, "days": ["mon", "fri"] | "mon,fri", "pick": "shuffle",
 *     "groupIds": [4, 5] | "4,5" | "all" | null, "misfireGraceMinutes": 15,
 *     "until": "2026-12-31" | "none" | null, "active": false,
 *     "action": "post" | "repost" | "quote",        repost/quote an earlier post of the account (default post) …
 *     "from": "top" | "oldest" | "random", "minAge": "7d", "cooldown": "30d" }   … chosen by this rule
 * Numbers may be given as their digits; times as a Japanese keyboard types them (full-width digits and colon,
 * 、 between times) are read as ASCII.
 */
import { z } from "zod";
import { deleteAfterField } from "../delete-after.schema.js";
import { MAX_MISFIRE_GRACE_MINUTES } from "../scheduler/planning/defaults.js";
import { isCalendarDate } from "../scheduler/planning/time.js";
import { WEEKDAYS, type Weekday } from "../scheduler/planning/types.js";
import { id, listItems, minutes, oneOf, wholeNumber } from "../schema-fields.js";
import { PICK_POLICIES, type PickPolicy } from "./pick-policy.js";
import { parseDurationMinutes, RECYCLE_FROM, type RecycleFrom } from "./recycle-pick.js";

/** The settings a schema gives: the service's `SchedulePatch` (only what was given is set). */
export interface ScheduleValues {
  kind?: "fixed" | "random";
  times?: string[];
  windowStart?: string;
  windowEnd?: string;
  postsPerDay?: number;
  minGapMinutes?: number;
  timezone?: string | null;
  days?: Weekday[];
  pick?: PickPolicy;
  groupIds?: number[] | null;
  misfireGraceMinutes?: number;
  until?: string | null;
  active?: boolean;
  action?: "post" | "repost" | "quote";
  /** repost/quote: the parts of the source rule given. */
  recycle?: { from?: RecycleFrom; minAgeMinutes?: number; cooldownMinutes?: number };
  deleteAfterMinutes?: number | null;
}

/** What `newScheduleSchema` gives: the service's `NewSchedule`. */
export type NewScheduleValues = ScheduleValues & { kind: "fixed" | "random"; accountId: number };

/** How a surface names each input in its messages (`--count` on the command line, `postsPerDay` in JSON). */
export interface ScheduleNames {
  accountId: string;
  times: string;
  window: string;
  postsPerDay: string;
  minGapMinutes: string;
  days: string;
  pick: string;
  groupIds: string;
  misfireGraceMinutes: string;
  until: string;
  /** How each kind is written, for "give either … or …". */
  fixedForm: string;
  randomForm: string;
  countForm: string;
  /** The refusal of an edit that changes nothing. */
  nothingToChange: string;
  /** Repost/quote schedules (migration 0011); JSON names when a surface gives none. */
  action?: string;
  from?: string;
  minAge?: string;
  cooldown?: string;
  /** How a repost or quote schedule is asked for, for "… belongs to …". */
  recycleForm?: string;
  /** Default "deleteAfter". */
  deleteAfter?: string;
}

const SCHEDULE_JSON_NAMES: ScheduleNames = {
  accountId: "accountId",
  times: "times",
  window: "window",
  postsPerDay: "postsPerDay",
  minGapMinutes: "minGapMinutes",
  days: "days",
  pick: "pick",
  groupIds: "groupIds",
  misfireGraceMinutes: "misfireGraceMinutes",
  until: "until",
  fixedForm: 'times ["HH:MM", …]',
  randomForm: 'window "HH:MM-HH:MM"',
  countForm: "postsPerDay N",
  nothingToChange: "nothing to change: give at least one setting",
};

const RECYCLE_JSON_NAMES = {
  action: "action",
  from: "from",
  minAge: "minAge",
  cooldown: "cooldown",
  recycleForm: 'action "repost" or "quote"',
};
const recycleName = (n: ScheduleNames, key: keyof typeof RECYCLE_JSON_NAMES) =>
  n[key] ?? RECYCLE_JSON_NAMES[key];

/** A duration such as 7d, 36h, 90m (a bare number: days) → minutes. */
function durationOf(name: string) {
  return z.unknown().transform((input, ctx): number => {
    const minutes =
      typeof input === "number" && Number.isInteger(input) && input >= 0
        ? input * 1440
        : typeof input === "string"
          ? parseDurationMinutes(input)
          : undefined;
    if (minutes !== undefined) return minutes;
    ctx.addIssue({
      code: "custom",
      message: `${name} must be a duration such as 7d, 36h or 90m (days, hours, minutes), not "${typeof input === "string" ? input : JSON.stringify(input)}"`,
      input,
    });
    return z.NEVER;
  });
}

/** Text as a Japanese keyboard may give it (full-width digits and colon, 、 between times), in ASCII. */
function typed(text: string): string {
  return text.normalize("NFKC").replace(/、/g, ",");
}

function timesOf(n: ScheduleNames) {
  return z.unknown().transform((input, ctx): string[] => {
    const items = listItems(typeof input === "string" ? typed(input) : input);
    if (items?.every((t) => typeof t === "string")) {
      return (items as string[]).map((t) => typed(t).trim());
    }
    ctx.addIssue({ code: "custom", message: `${n.times} must be times HH:MM[,HH:MM…]`, input });
    return z.NEVER;
  });
}

function windowOf(n: ScheduleNames) {
  return z.unknown().transform((input, ctx): { start: string; end: string } => {
    if (typeof input === "string") {
      const match = /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(typed(input));
      if (match) return { start: match[1]!, end: match[2]! };
    } else if (
      typeof input === "object" &&
      input !== null &&
      typeof (input as { start?: unknown }).start === "string" &&
      typeof (input as { end?: unknown }).end === "string"
    ) {
      const { start, end } = input as { start: string; end: string };
      return { start: typed(start).trim(), end: typed(end).trim() };
    }
    ctx.addIssue({
      code: "custom",
      message: `${n.window} must look like 09:00-21:00, not "${typeof input === "string" ? input : JSON.stringify(input)}"`,
      input,
    });
    return z.NEVER;
  });
}

function daysOf(n: ScheduleNames) {
  return z.unknown().transform((input, ctx): Weekday[] => {
    const items = listItems(typeof input === "string" ? input.toLowerCase() : input);
    const days = (items ?? []).map((d) => (typeof d === "string" ? d.toLowerCase() : d)).filter(Boolean);
    const bad = days.filter((d) => !(WEEKDAYS as readonly unknown[]).includes(d));
    if (items === undefined || bad.length > 0 || days.length === 0) {
      const text = typeof input === "string" ? input : JSON.stringify(input);
      ctx.addIssue({
        code: "custom",
        message: `${n.days} takes weekdays from ${WEEKDAYS.join(",")}, not "${bad.map(String).join(",") || text}"`,
        input,
      });
      return z.NEVER;
    }
    return days as Weekday[];
  });
}

/** `all` or null: every enabled group of the account; else a list of ids. */
function groupIdsOf(n: ScheduleNames) {
  const each = id(n.groupIds);
  return z.unknown().transform((input, ctx): number[] | null => {
    if (input === null || (typeof input === "string" && input.trim().toLowerCase() === "all")) return null;
    const ids: number[] = [];
    for (const item of listItems(input) ?? [input]) {
      const parsed = each.safeParse(item);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          ctx.addIssue({ code: "custom", message: issue.message, input });
        return z.NEVER;
      }
      ids.push(parsed.data);
    }
    return ids;
  });
}

/** A calendar date, or `none` / null for no end; whether it is before today is the service's check. */
function untilOf(n: ScheduleNames) {
  return z.unknown().transform((input, ctx): string | null => {
    if (input === null) return null;
    const date = typeof input === "string" ? input.trim() : "";
    if (date.toLowerCase() === "none") return null;
    if (isCalendarDate(date)) return date;
    ctx.addIssue({
      code: "custom",
      message: `${n.until} must be a date YYYY-MM-DD (the last day it posts), not "${typeof input === "string" ? input : JSON.stringify(input)}"`,
      input,
    });
    return z.NEVER;
  });
}

function settingsFields(n: ScheduleNames) {
  return {
    times: timesOf(n).optional(),
    window: windowOf(n).optional(),
    postsPerDay: wholeNumber(n.postsPerDay).optional(),
    minGapMinutes: minutes(n.minGapMinutes).optional(),
    // The zone's name is the service's check (it resolves it as the planner will).
    timezone: z.string().nullable().optional(),
    days: daysOf(n).optional(),
    pick: oneOf(n.pick, PICK_POLICIES).optional(),
    groupIds: groupIdsOf(n).optional(),
    misfireGraceMinutes: minutes(n.misfireGraceMinutes, MAX_MISFIRE_GRACE_MINUTES).optional(),
    until: untilOf(n).optional(),
    active: z.boolean().optional(),
    action: oneOf(recycleName(n, "action"), ["post", "repost", "quote"] as const).optional(),
    from: oneOf(recycleName(n, "from"), RECYCLE_FROM).optional(),
    minAge: durationOf(recycleName(n, "minAge")).optional(),
    cooldown: durationOf(recycleName(n, "cooldown")).optional(),
    deleteAfterMinutes: deleteAfterField(n.deleteAfter ?? "deleteAfter", { never: true }).optional(),
  };
}

type Given = Record<string, unknown>;
const given = (v: Given, key: string) => v[key] !== undefined;

/** Values that do not go together, refused before any value's form is read. */
function refuseMixedKinds(n: ScheduleNames) {
  return (v: Given, ctx: z.RefinementCtx) => {
    if (given(v, "times") && given(v, "window")) {
      ctx.addIssue({
        code: "custom",
        message: `give either ${n.fixedForm} or ${n.randomForm}, not both`,
        path: ["window"],
      });
    } else if (v.action === "post" && (given(v, "from") || given(v, "minAge") || given(v, "cooldown"))) {
      const key = given(v, "from") ? "from" : given(v, "minAge") ? "minAge" : "cooldown";
      ctx.addIssue({
        code: "custom",
        message: `${recycleName(n, key)} belongs to repost and quote schedules (${recycleName(n, "recycleForm")})`,
        path: [key],
      });
    } else if (given(v, "times") && (given(v, "postsPerDay") || given(v, "minGapMinutes"))) {
      ctx.addIssue({
        code: "custom",
        message: `${n.postsPerDay} and ${n.minGapMinutes} belong to ${n.window} schedules`,
        path: [given(v, "postsPerDay") ? "postsPerDay" : "minGapMinutes"],
      });
    }
  };
}

type Fields = z.output<z.ZodObject<ReturnType<typeof settingsFields>>>;

/** The service's settings: the kind follows from `times` or `window`; only what was given is set. */
function toSettings(f: Fields): ScheduleValues {
  const { times, window, from, minAge, cooldown, ...rest } = f;
  const settings: ScheduleValues = {};
  const recycle: NonNullable<ScheduleValues["recycle"]> = {};
  if (from !== undefined) recycle.from = from;
  if (minAge !== undefined) recycle.minAgeMinutes = minAge;
  if (cooldown !== undefined) recycle.cooldownMinutes = cooldown;
  if (Object.keys(recycle).length > 0) settings.recycle = recycle;
  if (times !== undefined) Object.assign(settings, { kind: "fixed", times });
  if (window !== undefined)
    Object.assign(settings, { kind: "random", windowStart: window.start, windowEnd: window.end });
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) Object.assign(settings, { [key]: value });
  }
  return settings;
}

/** `schedules add`: a fixed or a random schedule of an account. */
export function newScheduleSchema(n: ScheduleNames = SCHEDULE_JSON_NAMES) {
  return z
    .looseObject({})
    .superRefine(refuseMixedKinds(n))
    .pipe(z.object({ accountId: id(n.accountId), ...settingsFields(n) }))
    .transform((f, ctx): NewScheduleValues => {
      const { accountId, ...fields } = f;
      const settings = toSettings(fields);
      if (settings.recycle && (settings.action ?? "post") === "post") {
        const key = fields.from !== undefined ? "from" : fields.minAge !== undefined ? "minAge" : "cooldown";
        ctx.addIssue({
          code: "custom",
          message: `${recycleName(n, key)} belongs to repost and quote schedules (${recycleName(n, "recycleForm")})`,
          path: [key],
        });
        return z.NEVER;
      }
      if (settings.kind === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `give either ${n.fixedForm} or ${n.randomForm} ${n.countForm}`,
        });
        return z.NEVER;
      }
      if (settings.kind === "random" && settings.postsPerDay === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `${n.window} needs ${n.countForm} (posts per day)`,
          path: ["postsPerDay"],
        });
        return z.NEVER;
      }
      return { ...settings, kind: settings.kind, accountId };
    });
}

/**
 * `schedules edit`: the settings to change, and only those (the rest stays). Switching the kind takes that
 * kind's values (`times`, or `window` with its count); whether the rest fits the schedule is the service's check.
 */
export function schedulePatchSchema(n: ScheduleNames = SCHEDULE_JSON_NAMES) {
  return z
    .looseObject({})
    .superRefine(refuseMixedKinds(n))
    .pipe(z.object(settingsFields(n)))
    .transform((f, ctx): ScheduleValues => {
      const patch = toSettings(f);
      if (Object.keys(patch).length === 0) {
        ctx.addIssue({ code: "custom", message: n.nothingToChange });
        return z.NEVER;
      }
      return patch;
    });
}

/** `schedules edit|pause|resume|remove`: a schedule's id. */
export function scheduleIdSchema(label = "id") {
  return id(label);
}

/** `schedules list`: which schedules to list (every account's without `accountId`). */
export function scheduleListSchema(n: Pick<ScheduleNames, "accountId"> = SCHEDULE_JSON_NAMES) {
  return z
    .object({ accountId: id(n.accountId).optional() })
    .transform((v): { accountId?: number } => (v.accountId === undefined ? {} : { accountId: v.accountId }));
}
