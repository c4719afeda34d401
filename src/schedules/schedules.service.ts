import { removedAccount } from "../accounts/account.js";
import type { AccountLookup } from "../accounts/live-account.js";
import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import { AppError, type ErrorHint, notFound } from "../errors.js";
import type { AccountGroups } from "../groups/account-groups.js";
import { clearFuturePlan, replanSchedule } from "../scheduler/planner.js";
import {
  formatProblems,
  hasEnded,
  type ResolvedSettings,
  type Schedule,
  type ScheduleSettings,
  scheduleZone,
  settingsIssues,
  settingsOf,
  toSchedule,
  toScheduleColumns,
  untilProblem,
  withDefaults,
} from "./schedule.js";
import {
  getSchedule,
  insertSchedule,
  listSchedules,
  listSchedulesWithAccountZone,
  listSchedulesWithoutGroups,
  removeSchedule,
  type ScheduleWithoutGroups,
  setScheduleActive,
  updateSchedule,
} from "./schedules.repository.js";

export interface ScheduleServiceDeps {
  db: Db;
  clock: Clock;
  /** Zone for accounts without one (only matters for rows written by older versions). */
  defaultTimezone: string;
  /** How far ahead runs are planned (ms). */
  horizonMs: number;
  /** Randomness for random windows (default Math.random); tests pass a seeded one. */
  rng?: () => number;
  /**
   * Called after every change to what is planned, once it is committed (add, update, pause, resume, remove,
   * followAccountZone), so that engines wake for it: the composition root sends a PostgreSQL NOTIFY. Must not
   * reject: the change is made already.
   */
  notify(): Promise<void>;
  /** The accounts feature: a schedule's account, read in this service's transaction (live, its zone). */
  accounts: AccountLookup;
  /** The groups feature: a schedule's group list names live groups of its account. */
  groups: AccountGroups;
}

export type NewSchedule = ScheduleSettings & { accountId: number };
/** Fields to change; `timezone: null` / `groupIds: null` go back to the account's zone / every enabled group. */
export type SchedulePatch = Partial<ScheduleSettings>;

export type ScheduleService = ReturnType<typeof createScheduleService>;

/**
 * Schedules and their plan change together: every edit runs in one transaction with the re-plan of its
 * future runs, so no planner ever sees a schedule whose plan belongs to other settings.
 */
export function createScheduleService(deps: ScheduleServiceDeps) {
  const { db, clock, notify, accounts, groups } = deps;
  const planOptions = (now: number) => ({
    now,
    horizonMs: deps.horizonMs,
    defaultTimezone: deps.defaultTimezone,
    ...(deps.rng ? { rng: deps.rng } : {}),
  });

  /**
   * Account exists, settings can be planned, groups given now (`changed.groups`) are the account's live ones,
   * and a new end date (`changed.until`)
   * is not before today; throws AppError otherwise.
   */
  async function checkSettings(
    trx: Db,
    accountId: number,
    s: ResolvedSettings,
    changed: { until: boolean; groups: boolean },
  ): Promise<void> {
    const account = await accounts.getLive(trx, accountId);
    const accountTimezone = account.timezone || deps.defaultTimezone;
    const issues = settingsIssues(s, accountTimezone);
    if (issues.length === 0 && changed.until && s.until !== null) {
      const problem = untilProblem(
        s.until,
        scheduleZone(s.timezone, account.timezone, deps.defaultTimezone),
        clock.now(),
      );
      if (problem) issues.push({ field: "until", message: problem });
    }
    if (issues.length > 0) {
      // Malformed values: they carry the field at fault, so the CLI reports them as usage mistakes.
      const problems = issues.map((i) => i.message);
      throw new AppError("invalid_input", formatProblems(problems), {
        details: { problems },
        field: issues[0]!.field,
      });
    }
    const problems: string[] = [];
    let hint: ErrorHint | undefined;
    // Only groups given now: a group of the list removed since is not the user's mistake in an unrelated edit
    // (its runs draw from the others, or are skipped with a warning).
    if (changed.groups && s.groupIds !== null) {
      const own = new Set(await groups.liveIdsAmong(trx, accountId, s.groupIds));
      const foreign = s.groupIds.filter((id) => !own.has(id));
      if (foreign.length > 0) {
        problems.push(
          `Post group${foreign.length === 1 ? "" : "s"} ${foreign.join(", ")} ${foreign.length === 1 ? "is" : "are"} not one of @${account.username}'s groups.`,
        );
        hint = { action: "list", what: "post group", accountId };
      }
    }
    if (problems.length > 0) {
      throw new AppError("invalid_input", formatProblems(problems), {
        details: { problems },
        ...(hint ? { hint } : {}),
      });
    }
  }

  async function mustGet(trx: Db, id: number) {
    const row = await getSchedule(trx, id);
    if (!row) throw notFound("schedule", id);
    return row;
  }

  async function add(input: NewSchedule): Promise<Schedule> {
    const settings = withDefaults(input);
    const added = await db.transaction().execute(async (trx) => {
      await checkSettings(trx, input.accountId, settings, { until: true, groups: true });
      const now = clock.now();
      const row = await insertSchedule(trx, {
        account_id: input.accountId,
        ...toScheduleColumns(settings),
        created_at: now,
        updated_at: now,
      });
      await replanSchedule(trx, row.id, planOptions(now));
      return toSchedule(row);
    });
    await notify();
    return added;
  }

  /**
   * Edits a schedule: the given fields replace the current ones (switching `kind` needs that kind's fields),
   * and its unclaimed future runs are re-planned in the same transaction.
   */
  async function update(id: number, patch: SchedulePatch): Promise<Schedule> {
    const updated = await replan(id, patch);
    await notify();
    return updated;
  }

  async function replan(id: number, patch: SchedulePatch): Promise<Schedule> {
    return db.transaction().execute(async (trx) => {
      const current = toSchedule(await mustGet(trx, id));
      const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const kind = patch.kind ?? current.kind;
      const foreign =
        kind === "fixed"
          ? (["windowStart", "windowEnd", "postsPerDay", "minGapMinutes"] as const).filter((k) => k in given)
          : (["times"] as const).filter((k) => k in given);
      if (foreign.length > 0) {
        throw new AppError(
          "invalid_input",
          kind === "fixed"
            ? `Schedule ${id} is a fixed schedule: a window, a count and a minimum gap belong to random schedules. Give the random window as well to turn it into one.`
            : `Schedule ${id} is a random schedule: fixed times belong to fixed schedules. Give them as the fixed times to turn it into one.`,
          { field: kind === "fixed" ? "window" : "times" },
        );
      }
      const merged: ScheduleSettings = { ...settingsOf(current), ...given };
      // A source rule given in parts changes only those parts (`--min-age 14d` keeps `--from top`).
      if (patch.recycle) merged.recycle = { ...current.recycle, ...patch.recycle };
      const settings = withDefaults(merged);
      await checkSettings(trx, current.accountId, settings, {
        until: settings.until !== current.until,
        groups: "groupIds" in given,
      });
      const now = clock.now();
      const row = await updateSchedule(trx, id, { ...toScheduleColumns(settings), updated_at: now });
      // Re-planning deletes the unclaimed future runs and plans the new settings; running ones are kept.
      await replanSchedule(trx, id, planOptions(now));
      return toSchedule(row!);
    });
  }

  async function setActive(id: number, active: boolean): Promise<Schedule> {
    const changed = await db.transaction().execute(async (trx) => {
      const current = await mustGet(trx, id);
      if (active) {
        const account = await accounts.find(trx, current.account_id);
        if (account && account.archivedAt !== null) throw removedAccount(account);
      }
      const now = clock.now();
      const row = await setScheduleActive(trx, id, active, now);
      if (active) await replanSchedule(trx, id, planOptions(now));
      else await clearFuturePlan(trx, id, now, deps.defaultTimezone);
      return toSchedule(row!);
    });
    await notify();
    return changed;
  }

  /** Deletes the schedule and its unclaimed future runs; past and in-flight runs stay as history. */
  async function remove(id: number): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await mustGet(trx, id);
      await clearFuturePlan(trx, id, clock.now(), deps.defaultTimezone);
      await removeSchedule(trx, id);
    });
    await notify();
  }

  /**
   * A schedule without a zone of its own follows its account's: after the account's zone changed, the
   * future runs of its active zone-less schedules are re-planned in the new zone. Returns how many were.
   */
  async function followAccountZone(accountId: number): Promise<number> {
    let replanned = 0;
    for (const s of await list({ accountId })) {
      if (s.timezone !== null || !s.active) continue;
      await replan(s.id, {});
      replanned += 1;
    }
    if (replanned > 0) await notify();
    return replanned;
  }

  async function get(id: number): Promise<Schedule> {
    return toSchedule(await mustGet(db, id));
  }

  async function list(filter: { accountId?: number; active?: boolean } = {}): Promise<Schedule[]> {
    return (await listSchedules(db, filter)).map(toSchedule);
  }

  /** As `list`, with whether each schedule is past its end date (then nothing more runs: "ended"). */
  async function listWithEnd(
    filter: { accountId?: number; active?: boolean } = {},
  ): Promise<Array<Schedule & { ended: boolean }>> {
    const now = clock.now();
    return (await listSchedulesWithAccountZone(db, filter)).map(({ account_timezone, ...row }) => {
      const schedule = toSchedule(row);
      const zone = scheduleZone(schedule.timezone, account_timezone, deps.defaultTimezone);
      return { ...schedule, ended: hasEnded(schedule, zone, now) };
    });
  }

  return {
    add,
    update,
    pause: (id: number) => setActive(id, false),
    resume: (id: number) => setActive(id, true),
    remove,
    followAccountZone,
    get,
    list,
    /** Active schedules whose runs would be skipped: no enabled post group to draw from. */
    withoutGroups: (
      filter: { scheduleId?: number; accountId?: number } = {},
    ): Promise<ScheduleWithoutGroups[]> => listSchedulesWithoutGroups(db, filter),
    listWithEnd,
  };
}
