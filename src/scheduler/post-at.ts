import { randomUUID } from "node:crypto";
import type { Account } from "../accounts/account.js";
import type { Db } from "../db/connect.js";
import { AppError, type ErrorHint } from "../errors.js";
import type { GroupService } from "../groups/groups.service.js";
import type { PostPart } from "../threads/post.js";
import { assertValidGroup } from "../threads/preflight.js";
import { schedulerRunning } from "./instance-lock.js";
import { formatLocalTime, parseAt } from "./planning/at.js";
import { localDateAt } from "./planning/index.js";
import { groupOfAccount } from "./post-now.js";
import { findPlannedTwin, insertManualRun } from "./run-inserts.repository.js";

/** Job keys of one-off posts start with this: `once:{uuid}`. */
export const ONE_OFF_PREFIX = "once:";
/** The slot label of a one-off post in `runs` and `jobs`. */
export const ONE_OFF_SLOT = "once";

export interface PostAtDeps {
  db: Db;
  now: number;
  /** Zone of accounts without one. */
  defaultTimezone: string;
  /** The live account (the accounts service's `get`, which calls no Threads). */
  accounts: { get(id: number): Promise<Account> };
  groups: Pick<GroupService, "get">;
  /** Wakes the engines once the run is planned (the composition root's `notify`, which never throws). */
  notify(): Promise<void>;
}

/** Something the user should fix before the post's time; `hint`: the step, for the surface to word. */
export interface PostAtWarning {
  message: string;
  hint?: ErrorHint;
}

export type PostAtRequest = { accountId: number; at: string } & ({ groupId: number } | { parts: PostPart[] });

export interface PostAtResult {
  runId: number;
  dueAt: number;
  /** The account's zone, in which a local `--at` was read. */
  timezone: string;
  /** "2026-12-24 09:00 JST (Asia/Tokyo)". */
  dueAtText: string;
  /** Whether a scheduler is running on this database: false only when known (SQLite); undefined on PostgreSQL. */
  schedulerRunning: boolean | undefined;
  /** Things the user should fix before the time comes (a paused account, …); the post is planned anyway. */
  warnings: PostAtWarning[];
  /** How a local time that DST makes missing or ambiguous was resolved. */
  note?: string;
}

/**
 * Plans a one-off post (`post --at`): one `planned` run with a `once:{uuid}` job key, due at the given
 * instant, claimed by a running engine like any scheduled run (same ledger, misfire grace, retries). A post
 * given as text is stored on the run itself (`payload_json`) and creates no post group, so no
 * recurring schedule can ever draw it; a named group must be enabled, and is re-checked when the post runs.
 * A time that cannot be read, is past, or is too far ahead is an `invalid_input` AppError whose
 * `details.field` is "at" (the CLI shows it as a usage mistake).
 */
export async function planOneOff(deps: PostAtDeps, req: PostAtRequest): Promise<PostAtResult> {
  const { db, now } = deps;
  const account = await deps.accounts.get(req.accountId);
  const timezone = account.timezone || deps.defaultTimezone;
  const at = parseAt(req.at, timezone, now);
  if (!at.ok) throw new AppError("invalid_input", at.problem, { details: { field: "at" } });

  let groupId: number | null = null;
  let parts: PostPart[];
  if ("groupId" in req) {
    const group = await groupOfAccount(deps.groups, account, req.groupId);
    if (!group.enabled) {
      throw new AppError(
        "invalid_input",
        `Post group ${group.id} is disabled: enable it first, or give the post itself as text (a one-off text is never drawn by recurring schedules).`,
      );
    }
    parts = group.parts;
    groupId = group.id;
  } else {
    parts = req.parts;
  }
  assertValidGroup(parts);

  const warnings: PostAtWarning[] = [];
  if (account.status === "paused") {
    warnings.push({
      message: `@${account.username} is paused: resume it before then, or this post will be skipped.`,
      hint: { action: "resume_account", accountId: account.id },
    });
  } else if (account.status === "reauth_required") {
    warnings.push({
      message: `@${account.username} must be reconnected before then (${account.statusReason ?? "its token is no longer valid"}): give it a fresh token, or this post will be missed.`,
      hint: { action: "reconnect_account", accountId: account.id },
    });
  }

  // The same command run twice (shell history, a retried script) would post twice: say so.
  const twin = await findPlannedTwin(db, {
    accountId: account.id,
    dueAt: at.dueAt,
    jobKeyPrefix: ONE_OFF_PREFIX,
  });
  if (twin !== undefined) {
    warnings.push({
      message: `run ${twin} is already planned for @${account.username} at the same time: if this was a repeat, cancel one.`,
      hint: { action: "cancel_run", runId: twin },
    });
  }

  const row = await insertManualRun(db, {
    jobKey: `${ONE_OFF_PREFIX}${randomUUID()}`,
    accountId: account.id,
    dueAt: at.dueAt,
    slot: ONE_OFF_SLOT,
    localDate: localDateAt(timezone, at.dueAt),
    groupId,
    payloadJson: groupId === null ? JSON.stringify(parts) : null,
    now,
  });
  await deps.notify();
  return {
    runId: row.id,
    dueAt: at.dueAt,
    timezone,
    dueAtText: formatLocalTime(at.dueAt, timezone),
    schedulerRunning: await schedulerRunning(db),
    warnings,
    ...(at.note !== undefined ? { note: at.note } : {}),
  };
}
