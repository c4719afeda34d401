import type { Insertable } from "kysely";
import type {
  PickPolicy,
  RecycleFrom,
  ScheduleAction,
  ScheduleKind,
  ScheduleRow,
  SchedulesTable,
} from "../db/schema.js";
import type { ErrorHint } from "../errors.js";
import {
  DEFAULT_MISFIRE_GRACE_MINUTES,
  endOfSchedule,
  formatHhMm,
  localDateAt,
  MAX_MISFIRE_GRACE_MINUTES,
  parseHhMm,
  type ScheduleSpec,
  validateSpec,
  WEEKDAYS,
  type Weekday,
} from "../scheduler/planning/index.js";
import { resolveTimeZone } from "../timezone.js";
import { PICK_POLICIES } from "./pick-policy.js";
import {
  DEFAULT_RECYCLE_COOLDOWN_MINUTES,
  DEFAULT_RECYCLE_MIN_AGE_MINUTES,
  formatMinutes,
  RECYCLE_FROM,
} from "./recycle-pick.js";

export type { PickPolicy, RecycleFrom, ScheduleAction, ScheduleKind, Weekday };

export const SCHEDULE_ACTIONS: readonly ScheduleAction[] = ["post", "repost", "quote"];

/** How a repost or quote schedule chooses the account's earlier post (schedules/recycle-pick.ts). */
export interface RecycleSettings {
  from: RecycleFrom;
  minAgeMinutes: number;
  cooldownMinutes: number;
}

/**
 * A schedule: the one domain type, read from its row by `toSchedule`. The settings hold only the fields of
 * its kind; the planner's timing spec is derived from them by `specOf`.
 */
export interface Schedule {
  id: number;
  accountId: number;
  kind: ScheduleKind;
  /** fixed: local "HH:MM" times, sorted. */
  times?: string[];
  /** random: local window; end <= start crosses midnight. */
  windowStart?: string;
  windowEnd?: string;
  postsPerDay?: number;
  minGapMinutes?: number;
  days: Weekday[];
  /** IANA zone; null means the account's zone (see `scheduleZone`). */
  timezone: string | null;
  active: boolean;
  pick: PickPolicy;
  /** Groups to draw from; null means every enabled group of the account. */
  groupIds: number[] | null;
  misfireGraceMinutes: number;
  /** Last local date "YYYY-MM-DD" it runs on (inclusive, in its zone); null: no end. */
  until: string | null;
  /** Each of its posts is deleted this many minutes after it was published (wins over the group's); null: the group's. */
  deleteAfterMinutes: number | null;
  /** Bumped on every edit. */
  version: number;
  createdAt: number;
  updatedAt: number;
  /**
   * What a run does: `post` publishes a group (the default); `repost` reposts an earlier post of the account,
   * `quote` publishes a group quoting one (migration 0011). Absent on a post schedule.
   */
  action?: ScheduleAction;
  /** repost/quote: how the earlier post is chosen; absent for `post`. */
  recycle?: RecycleSettings;
}

/** What a schedule says, without identity and bookkeeping: what gets validated, stored and planned. */
export type ResolvedSettings = Omit<Schedule, "id" | "accountId" | "version" | "createdAt" | "updatedAt">;

/**
 * Settings as given (what `add` takes and `update` patches): the kind, and any other setting, the rest
 * defaulted by `withDefaults` (every day, pick "random", active, the account's zone, every enabled group,
 * the default misfire grace, no end).
 */
export type ScheduleSettings = Pick<ResolvedSettings, "kind"> &
  Partial<Omit<ResolvedSettings, "kind" | "recycle">> & {
    /** repost/quote: the parts of the source rule given (the rest keep their value or default). */
    recycle?: Partial<RecycleSettings>;
  };

/** The schedule of a row. Throws, naming the schedule and the column, when a JSON column is damaged. */
export function toSchedule(row: ScheduleRow): Schedule {
  const schedule: Schedule = {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind,
    days: daysOf(row),
    timezone: row.timezone,
    active: row.active === 1,
    pick: row.pick,
    groupIds: groupIdsOf(row),
    misfireGraceMinutes: row.misfire_grace_minutes,
    until: row.until_date ?? null,
    deleteAfterMinutes: row.delete_after_minutes ?? null,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.action !== undefined && row.action !== "post") schedule.action = row.action;
  const recycle = recycleOf(row);
  if (recycle) schedule.recycle = recycle;
  const times = timesOf(row);
  if (times !== undefined) schedule.times = times;
  if (row.window_start !== null) schedule.windowStart = row.window_start;
  if (row.window_end !== null) schedule.windowEnd = row.window_end;
  if (row.posts_per_day !== null) schedule.postsPerDay = row.posts_per_day;
  if (row.min_gap_minutes !== null) schedule.minGapMinutes = row.min_gap_minutes;
  return schedule;
}

/*
 * The one parser of each JSON column of a schedule row, for every read of one (whole rows or a few columns):
 * each throws, naming the schedule and the column, when the column is damaged.
 */

/** The weekdays of `days_json`. */
export function daysOf(row: Pick<ScheduleRow, "id" | "days_json">): Weekday[] {
  return parseJsonColumn<Weekday[]>(row, "days_json", row.days_json);
}

/** The groups of `group_ids_json`; null: every enabled group of the account. */
export function groupIdsOf(row: Pick<ScheduleRow, "id" | "group_ids_json">): number[] | null {
  return row.group_ids_json === null
    ? null
    : parseJsonColumn<number[]>(row, "group_ids_json", row.group_ids_json);
}

/** The source rule of a repost or quote schedule; undefined for a post schedule. */
export function recycleOf(
  row: Pick<ScheduleRow, "action" | "recycle_from" | "recycle_min_age_minutes" | "recycle_cooldown_minutes">,
): RecycleSettings | undefined {
  if (row.action === undefined || row.action === "post") return undefined;
  return {
    from: row.recycle_from ?? "oldest",
    minAgeMinutes: row.recycle_min_age_minutes ?? DEFAULT_RECYCLE_MIN_AGE_MINUTES,
    cooldownMinutes: row.recycle_cooldown_minutes ?? DEFAULT_RECYCLE_COOLDOWN_MINUTES,
  };
}

/** "repost (oldest first, posts ≥ 7d old, not again within 30d)"; "" for a post schedule. */
export function describeAction(s: Pick<Schedule, "action" | "recycle">): string {
  if (s.action === undefined || s.action === "post" || !s.recycle) return "";
  const from = { top: "top posts first", oldest: "oldest first", random: "at random" }[s.recycle.from];
  return `${s.action} (${from}, posts ≥ ${formatMinutes(s.recycle.minAgeMinutes)} old, not again within ${formatMinutes(s.recycle.cooldownMinutes)})`;
}

/** The fixed times of `times_json`; undefined for a random schedule. */
export function timesOf(row: Pick<ScheduleRow, "id" | "times_json">): string[] | undefined {
  return row.times_json === null ? undefined : parseJsonColumn<string[]>(row, "times_json", row.times_json);
}

function parseJsonColumn<T>(row: Pick<ScheduleRow, "id">, column: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`Schedule ${row.id}: ${column} is not valid JSON; save the schedule again.`, {
      cause: error,
    });
  }
}

/**
 * The zone a schedule runs in (and its runs are shown in): its own, else its account's, else `fallback` (an
 * account without one, written by an older version).
 */
export function scheduleZone(
  own: string | null | undefined,
  accountZone: string | null | undefined,
  fallback: string,
): string {
  return own ?? (accountZone || fallback);
}

export function withDefaults(settings: ScheduleSettings): ResolvedSettings {
  const base = {
    kind: settings.kind,
    days: settings.days ?? [...WEEKDAYS],
    pick: settings.pick ?? "random",
    active: settings.active ?? true,
    timezone: settings.timezone ?? null,
    groupIds: settings.groupIds ?? null,
    misfireGraceMinutes: settings.misfireGraceMinutes ?? DEFAULT_MISFIRE_GRACE_MINUTES,
    until: settings.until ?? null,
    ...recycleDefaults(settings),
    deleteAfterMinutes: settings.deleteAfterMinutes ?? null,
  };
  if (settings.kind === "fixed") return { ...base, times: settings.times };
  return {
    ...base,
    windowStart: settings.windowStart,
    windowEnd: settings.windowEnd,
    postsPerDay: settings.postsPerDay,
    minGapMinutes: settings.minGapMinutes ?? 0,
  };
}

/** The action and, for repost/quote, the source rule with its defaults (oldest first, 7 days, 30 days). */
function recycleDefaults(settings: ScheduleSettings): Pick<ResolvedSettings, "action" | "recycle"> {
  const action = settings.action ?? "post";
  if (action === "post") return {};
  return {
    action,
    recycle: {
      from: settings.recycle?.from ?? "oldest",
      minAgeMinutes: settings.recycle?.minAgeMinutes ?? DEFAULT_RECYCLE_MIN_AGE_MINUTES,
      cooldownMinutes: settings.recycle?.cooldownMinutes ?? DEFAULT_RECYCLE_COOLDOWN_MINUTES,
    },
  };
}

/** Settings of an existing schedule, for merging a patch over them. */
export function settingsOf(schedule: Schedule): ResolvedSettings {
  const { id: _id, accountId: _a, version: _v, createdAt: _c, updatedAt: _u, ...settings } = schedule;
  return settings;
}

/**
 * Canonical storage form of validated settings: "9:05" becomes "09:05" (slots and job ids read the same
 * everywhere), fixed times sorted, days in week order, group ids sorted without repeats.
 */
export function toScheduleColumns(
  s: ResolvedSettings,
): Omit<Insertable<SchedulesTable>, "account_id" | "created_at" | "updated_at"> {
  const hhmm = (text: string) => formatHhMm(parseHhMm(text));
  const fixed = s.kind === "fixed";
  return {
    kind: s.kind,
    times_json: fixed ? JSON.stringify([...new Set((s.times ?? []).map(hhmm))].sort()) : null,
    window_start: !fixed && s.windowStart !== undefined ? hhmm(s.windowStart) : null,
    window_end: !fixed && s.windowEnd !== undefined ? hhmm(s.windowEnd) : null,
    posts_per_day: fixed ? null : (s.postsPerDay ?? null),
    min_gap_minutes: fixed ? null : (s.minGapMinutes ?? 0),
    days_json: JSON.stringify(WEEKDAYS.filter((d) => s.days.includes(d))),
    timezone: s.timezone === null ? null : canonicalZone(s.timezone),
    active: s.active ? 1 : 0,
    pick: s.pick,
    group_ids_json:
      s.groupIds === null ? null : JSON.stringify([...new Set(s.groupIds)].sort((a, b) => a - b)),
    misfire_grace_minutes: s.misfireGraceMinutes,
    until_date: s.until,
    action: s.action ?? "post",
    recycle_from: s.recycle?.from ?? null,
    recycle_min_age_minutes: s.recycle?.minAgeMinutes ?? null,
    recycle_cooldown_minutes: s.recycle?.cooldownMinutes ?? null,
    delete_after_minutes: s.deleteAfterMinutes,
  };
}

/** The stored form of a zone that passed `settingsIssues` (`asia/tokyo` → `Asia/Tokyo`). */
function canonicalZone(zone: string): string {
  const resolved = resolveTimeZone(zone);
  return "zone" in resolved ? resolved.zone : zone;
}

/** The planner's timing spec of a schedule, in `zone`: the one it runs in (`scheduleZone`). */
export function specOf(s: ResolvedSettings, zone: string): ScheduleSpec {
  return {
    kind: s.kind,
    times: s.times,
    windowStart: s.windowStart,
    windowEnd: s.windowEnd,
    postsPerDay: s.postsPerDay,
    minGapMinutes: s.minGapMinutes ?? 0,
    days: s.days,
    timezone: zone,
    ...(s.until !== null ? { until: s.until } : {}),
  };
}

/** One thing wrong with settings: the setting at fault and a message a user can act on. */
export interface SettingsIssue {
  field:
    | "times"
    | "window"
    | "days"
    | "timezone"
    | "pick"
    | "active"
    | "misfireGraceMinutes"
    | "groupIds"
    | "until"
    | "action"
    | "recycle";
  message: string;
}

/**
 * Why an end date cannot be set now (undefined when it can): one before today in the schedule's zone would
 * plan nothing at all. Today is fine (its remaining runs still happen). Checked only when the end is set or
 * changed, so editing something else of a schedule that has ended is not refused.
 */
export function untilProblem(until: string, zone: string, now: number): string | undefined {
  const today = localDateAt(zone, now);
  if (until >= today) return undefined;
  return `The end date ${until} is before today (${today} in ${zone}): give today or a later date, or leave it out for no end.`;
}

/** Whether the schedule is past its end date in its zone: nothing more will run. */
export function hasEnded(s: { until: string | null }, zone: string, now: number): boolean {
  return s.until !== null && now >= endOfSchedule({ until: s.until, timezone: zone })!;
}

/**
 * Everything wrong with the settings (empty when they are fine). Timing rules are the planner's own
 * (`validateSpec`), so what is accepted here is exactly what can be planned; a few more rules apply to what a
 * user may set (a random window of no length, a misfire grace beyond a day, an abbreviation for a zone).
 */
export function settingsIssues(s: ResolvedSettings, accountTimezone: string): SettingsIssue[] {
  const issues: SettingsIssue[] = [];
  let zone = accountTimezone;
  if (s.timezone !== null) {
    const resolved = typeof s.timezone === "string" ? resolveTimeZone(s.timezone) : undefined;
    if (resolved && "zone" in resolved) zone = resolved.zone;
    else
      issues.push({
        field: "timezone",
        message:
          resolved?.error ??
          "The time zone must be an IANA zone name such as Asia/Tokyo, or empty for the account's.",
      });
  }
  const timing = s.kind === "fixed" ? "times" : "window";
  for (const message of validateSpec(specOf(s, zone))) {
    issues.push({ field: /day of the week/.test(message) ? "days" : timing, message });
  }
  if (
    s.kind === "random" &&
    issues.length === 0 &&
    s.windowStart !== undefined &&
    s.windowEnd !== undefined
  ) {
    const start = formatHhMm(parseHhMm(s.windowStart));
    if (start === formatHhMm(parseHhMm(s.windowEnd))) {
      issues.push({
        field: "window",
        message:
          `The random window starts and ends at ${start}: give an end time, such as ${start}-23:59 ` +
          "(a window that ends before it starts crosses midnight, e.g. 22:00-02:00).",
      });
    }
  }
  if (!PICK_POLICIES.includes(s.pick)) {
    issues.push({
      field: "pick",
      message: `"${String(s.pick)}" is not a pick policy: use ${PICK_POLICIES.join(", ")}.`,
    });
  }
  if (typeof s.active !== "boolean")
    issues.push({ field: "active", message: "active must be true or false." });
  const grace = s.misfireGraceMinutes;
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_MISFIRE_GRACE_MINUTES) {
    issues.push({
      field: "misfireGraceMinutes",
      message: `The misfire grace must be a whole number of minutes from 0 to ${MAX_MISFIRE_GRACE_MINUTES} (one day), not ${String(grace)}.`,
    });
  }
  if (s.groupIds !== null) {
    if (!Array.isArray(s.groupIds) || !s.groupIds.every((id) => Number.isInteger(id) && id > 0)) {
      issues.push({
        field: "groupIds",
        message: "Group ids must be a list of post group ids (whole numbers).",
      });
    } else if (s.groupIds.length === 0) {
      issues.push({
        field: "groupIds",
        message: "Choose at least one post group, or leave the groups out to draw from every enabled group.",
      });
    }
  }
  issues.push(...recycleIssues(s));
  return issues;
}

function recycleIssues(s: ResolvedSettings): SettingsIssue[] {
  const action = s.action ?? "post";
  if (!SCHEDULE_ACTIONS.includes(action)) {
    return [{ field: "action", message: `"${String(action)}" is not an action: use post, repost or quote.` }];
  }
  if (action === "post" || !s.recycle) return [];
  const issues: SettingsIssue[] = [];
  if (!RECYCLE_FROM.includes(s.recycle.from)) {
    issues.push({
      field: "recycle",
      message: `"${String(s.recycle.from)}" is not a source rule: use ${RECYCLE_FROM.join(", ")}.`,
    });
  }
  for (const [name, value] of [
    ["minimum age", s.recycle.minAgeMinutes],
    ["cooldown", s.recycle.cooldownMinutes],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      issues.push({
        field: "recycle",
        message: `The ${name} must be a duration such as 7d, 36h or 90m, not ${String(value)}.`,
      });
    }
  }
  return issues;
}

/** The messages of `settingsIssues`. */
export function settingsProblems(s: ResolvedSettings, accountTimezone: string): string[] {
  return settingsIssues(s, accountTimezone).map((i) => i.message);
}

/** Problems (of settings, of a schedule's groups) as one message: each is a sentence of its own. */
export function formatProblems(problems: readonly string[]): string {
  return problems.join(" ");
}

/**
 * What to tell a user about an active schedule whose runs would be skipped (no enabled group to draw from):
 * the warning and its next step, which each surface words (the CLI: `cli/hints.ts`).
 */
export function withoutGroupsWarning(s: {
  id: number;
  accountId: number;
  username: string;
  selected: boolean;
}): { message: string; hint: ErrorHint } {
  return s.selected
    ? {
        message: `Schedule ${s.id} (@${s.username}) has none of its chosen post groups enabled: its runs will be skipped until one is.`,
        hint: { action: "list", what: "post group", accountId: s.accountId },
      }
    : {
        message: `Schedule ${s.id} (@${s.username}) has no enabled post group to draw from: its runs will be skipped until the account has one.`,
        hint: { action: "add_group", accountId: s.accountId },
      };
}
